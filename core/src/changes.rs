//! The change log: every write in commit order, paged by sequence number.

use super::CoreResult;
use super::cursor::ChangeCursor;
use super::page::{Page, PageRequest};
use crate::filter::Visibility;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use standoff_entities::{ChangeKind, change};
use std::collections::HashMap;

/// The changes `visibility` may know of: readers, only the public ones.
fn known(visibility: Visibility) -> Condition {
    match visibility {
        Visibility::Public => Condition::all().add(change::Column::Public.eq(true)),
        Visibility::Newsroom => Condition::all(),
    }
}

/// One page of the change log as `visibility` knows it, oldest first.
pub async fn changes_page<C: ConnectionTrait>(
    db: &C,
    request: &PageRequest<ChangeCursor>,
    visibility: Visibility,
) -> CoreResult<Page<change::Model>> {
    let mut cond = known(visibility);
    if let Some(ChangeCursor(after)) = request.after {
        cond = cond.add(change::Column::Seq.gt(after));
    }
    if let Some(ChangeCursor(before)) = request.before {
        cond = cond.add(change::Column::Seq.lt(before));
    }
    let dir = if request.from_end {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = change::Entity::find()
        .filter(cond)
        .order_by(change::Column::Seq, dir)
        .limit(request.size + 1)
        .all(db)
        .await?;
    Ok(Page::assemble(rows, request, |c| {
        ChangeCursor(c.seq).encode()
    }))
}

/// How many changes of the log `visibility` knows of.
pub async fn count_changes<C: ConnectionTrait>(db: &C, visibility: Visibility) -> CoreResult<u64> {
    Ok(change::Entity::find()
        .filter(known(visibility))
        .count(db)
        .await?)
}

/// For each action, its corrections in the order they were made; readers see only those made
/// since it was published (edits of a draft are not corrections to them).
pub async fn corrections<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, Vec<change::Model>>> {
    let rows = change::Entity::find()
        .filter(change::Column::ActionId.is_in(action_ids.iter().copied()))
        .filter(change::Column::Kind.eq(ChangeKind::Corrected))
        .filter(known(visibility))
        .order_by(change::Column::Seq, Order::Asc)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<change::Model>> = HashMap::new();
    for row in rows {
        if let Some(id) = row.action_id {
            out.entry(id).or_default().push(row);
        }
    }
    Ok(out)
}

/// For each action, its latest retraction (whether or not a restoration followed it).
pub async fn retractions<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
) -> CoreResult<HashMap<i64, change::Model>> {
    let rows = change::Entity::find()
        .filter(change::Column::ActionId.is_in(action_ids.iter().copied()))
        .filter(change::Column::Kind.eq(ChangeKind::Retracted))
        .order_by(change::Column::Seq, Order::Asc)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.action_id.map(|id| (id, row)))
        .collect())
}

/// One field a correction changed, with its value before and after (`None`: empty, or not
/// kept by the log, as for replaced targets and citations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's name in the API (`title`, `occurredAt`, ...).
    pub field: String,
    /// The value before, as text.
    pub from: Option<String>,
    /// The value after, as text.
    pub to: Option<String>,
}

/// The fields a correction's log entry records as changed, by name.
pub fn changed_fields(entry: &change::Model) -> Vec<FieldChange> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    let Some(changed) = entry
        .data
        .as_ref()
        .and_then(|d| d.get("changed"))
        .and_then(|c| c.as_object())
    else {
        return Vec::new();
    };
    changed
        .iter()
        .map(
            |(field, value)| match (value.get("from"), value.get("to")) {
                (Some(from), Some(to)) => FieldChange {
                    field: field.clone(),
                    from: text(from),
                    to: text(to),
                },
                _ => FieldChange {
                    field: field.clone(),
                    from: None,
                    to: text(value),
                },
            },
        )
        .collect()
}

/// The revision a correction's log entry made.
pub fn revision_of(entry: &change::Model) -> Option<i64> {
    entry.data.as_ref()?.get("revision")?.as_i64()
}
