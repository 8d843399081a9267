//! Which columns each field of `Action`, `Actor` and `Source` reads, so that a timeline page
//! reads only those its query selects, of the actions and of the actors and sources beside them.

use async_graphql::{Lookahead, SelectionField};
use standoff_core::pruned::{ActionColumns, ActorColumns, SourceColumns};
use standoff_entities::action::Column;
use standoff_entities::{actor, source};

/// The columns the field named `field` reads, or `None` for a field not listed here (the page is
/// then read whole, so a field added to `Action` is never answered from a placeholder).
fn columns_of(field: &str) -> Option<&'static [Column]> {
    use Column::*;
    const DATE: &[Column] = &[OccurredAt, OccurredUntil, Precision, DateEdtf];
    Some(match field {
        "__typename" => &[],
        // The id, and the relations found by it.
        "id" | "targets" | "citations" | "respondsTo" | "responses" | "history" | "stories" => {
            &[Id]
        }
        "actor" => &[ActorId],
        "kind" => &[Kind],
        "category" => &[Category],
        "status" => &[Status],
        "occurredAt" => &[OccurredAt],
        "occurredUntil" | "edtf" | "displayDate" => DATE,
        "dateText" => &[DateText],
        "sortKey" => &[OrderKey, Id],
        "precision" => &[Precision],
        "reportedAt" => &[ReportedAt],
        "title" => &[Title],
        "summary" => &[Summary],
        "quote" => &[Quote],
        "place" => &[Place],
        "magnitude" => &[Magnitude],
        "intensity" => &[Intensity],
        "intensityReason" => &[IntensityReason],
        "revision" => &[Revision],
        "retracted" => &[Retracted],
        "retraction" => &[Retracted, Id],
        "publication" => &[Publication],
        "publishAt" => &[PublishAt],
        "recordedBy" => &[RecordedBy],
        "approvedBy" => &[ApprovedBy],
        "publishedBy" => &[PublishedBy],
        _ => return None,
    })
}

/// The columns of `actor` the field named `field` of `Actor` reads, or `None` for a field not
/// listed here.
fn actor_columns_of(field: &str) -> Option<&'static [actor::Column]> {
    use actor::Column::*;
    Some(match field {
        "__typename" => &[],
        // The id, and the relations found by it.
        "id" | "members" | "actions" => &[Id],
        "slug" => &[Slug],
        "name" => &[Name],
        "kind" => &[Kind],
        "side" => &[Side],
        "title" => &[Title],
        "party" => &[Party],
        "memberOf" => &[MemberOfId],
        _ => return None,
    })
}

/// The columns of `source` the field named `field` of `Source` reads, or `None` for a field not
/// listed here.
fn source_columns_of(field: &str) -> Option<&'static [source::Column]> {
    use source::Column::*;
    Some(match field {
        "__typename" => &[],
        "id" => &[Id],
        "url" => &[Url],
        "publisher" => &[Publisher],
        "title" => &[Title],
        "publishedAt" => &[PublishedAt],
        _ => return None,
    })
}

/// The columns of `actor` that what `selections` select under the field at `path` (an `Actor`)
/// read: every column when one of the fields is not listed.
pub fn actor_columns(selections: &[Lookahead<'_>], path: &[&str]) -> ActorColumns {
    columns_under(selections, path, actor_columns_of)
}

/// The columns of `source` that what `selections` select under the field at `path` (a
/// `Source`) read.
pub fn source_columns(selections: &[Lookahead<'_>], path: &[&str]) -> SourceColumns {
    columns_under(selections, path, source_columns_of)
}

/// The union of what `columns_of` says the fields under `path` read, over every selection.
fn columns_under<E: standoff_core::pruned::Prunable>(
    selections: &[Lookahead<'_>],
    path: &[&str],
    columns_of: fn(&str) -> Option<&'static [E::Column]>,
) -> standoff_core::pruned::Columns<E> {
    use standoff_core::pruned::Columns;
    let mut columns = Columns::<E>::minimal();
    for look in selections {
        for object in at(look, path).selection_fields() {
            for field in object.selection_set() {
                let Some(read) = columns_of(field.name()) else {
                    return Columns::all();
                };
                columns = columns.with_all(read);
            }
        }
    }
    columns
}

/// What `look` selects under the field at `path` (each name a field of the one before).
pub fn at<'a>(look: &Lookahead<'a>, path: &[&str]) -> Lookahead<'a> {
    let mut under = look.field(path[0]);
    for name in &path[1..] {
        under = under.field(name);
    }
    under
}

/// The columns that the fields `selections` (each selecting fields of `Action`) read.
///
/// A response link hands on the action it was reached from (`responses { respondsTo }`,
/// `respondsTo { action }`), so what those select of it is read too.
pub fn action_columns(selections: &[Lookahead<'_>]) -> ActionColumns {
    let mut columns = ActionColumns::minimal();
    for look in selections {
        for field in look.selection_fields() {
            if !add_fields(&mut columns, &field) {
                return ActionColumns::all();
            }
        }
    }
    columns
}

/// Adds what the fields selected under `action` read; false when one is not known.
fn add_fields(columns: &mut ActionColumns, action: &SelectionField<'_>) -> bool {
    for field in action.selection_set() {
        let Some(read) = columns_of(field.name()) else {
            return false;
        };
        *columns = columns.with_all(read);
        let back = match field.name() {
            "responses" => "respondsTo",
            "respondsTo" => "action",
            _ => continue,
        };
        for link in field.selection_set().filter(|f| f.name() == back) {
            if !add_fields(columns, &link) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{actor_columns_of, columns_of, source_columns_of};
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    /// The fields of the object type `name` in the schema.
    fn fields_of(name: &str) -> Vec<String> {
        let document = parse_schema(crate::schema::sdl()).expect("the SDL parses");
        document
            .definitions
            .iter()
            .find_map(|definition| match definition {
                TypeSystemDefinition::Type(t) if t.node.name.node == name => match &t.node.kind {
                    TypeKind::Object(object) => Some(
                        object
                            .fields
                            .iter()
                            .map(|f| f.node.name.node.to_string())
                            .collect(),
                    ),
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_else(|| panic!("the type {name}"))
    }

    /// A field missing here (or misspelt) would make every page that selects it read whole
    /// rows, silently: the answers stay right, so only this test notices.
    #[test]
    fn every_field_of_action_actor_and_source_in_the_schema_is_listed() {
        type Listed = fn(&str) -> bool;
        let lists: [(&str, Listed, usize); 3] = [
            ("Action", |f| columns_of(f).is_some(), 30),
            ("Actor", |f| actor_columns_of(f).is_some(), 10),
            ("Source", |f| source_columns_of(f).is_some(), 5),
        ];
        for (name, listed, at_least) in lists {
            let fields = fields_of(name);
            assert!(fields.len() >= at_least, "{name}: {fields:?}");
            let unlisted: Vec<&String> = fields.iter().filter(|f| !listed(f)).collect();
            assert!(
                unlisted.is_empty(),
                "fields of {name} with no columns listed: {unlisted:?}"
            );
        }
    }
}
