//! Which columns of `action` each field of `Action` reads, so that a timeline page reads only
//! those its query selects.

use async_graphql::{Lookahead, SelectionField};
use standoff_core::pruned::ActionColumns;
use standoff_entities::action::Column;

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
        *columns = read.iter().fold(*columns, |set, c| set.with(*c));
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
    use super::columns_of;
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    /// A field missing here (or misspelt) would make every page that selects it read whole
    /// rows, silently: the answers stay right, so only this test notices.
    #[test]
    fn every_field_of_action_in_the_schema_is_listed() {
        let document = parse_schema(crate::schema::sdl()).expect("the SDL parses");
        let fields: Vec<String> = document
            .definitions
            .iter()
            .find_map(|definition| match definition {
                TypeSystemDefinition::Type(t) if t.node.name.node == "Action" => {
                    match &t.node.kind {
                        TypeKind::Object(object) => Some(
                            object
                                .fields
                                .iter()
                                .map(|f| f.node.name.node.to_string())
                                .collect(),
                        ),
                        _ => None,
                    }
                }
                _ => None,
            })
            .expect("the type Action");
        assert!(fields.len() >= 30, "{fields:?}");
        let unlisted: Vec<&String> = fields.iter().filter(|f| columns_of(f).is_none()).collect();
        assert!(
            unlisted.is_empty(),
            "fields of Action not in columns_of: {unlisted:?}"
        );
    }
}
