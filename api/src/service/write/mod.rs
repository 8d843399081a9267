//! Writes. Each public function is one transaction that also appends its change-log rows, so
//! the log and the data never disagree; the feed is told after the commit.

pub mod actions;
pub mod actors;
mod check;

use super::ServiceResult;
use super::tokens::Editor;
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, EntityTrait};
use standoff_entities::{ChangeKind, change, change_log};

/// One change-log row to append.
pub(crate) struct LogEntry<'a> {
    pub kind: ChangeKind,
    pub entity: &'a str,
    pub entity_id: i64,
    pub action_id: Option<i64>,
    pub note: Option<String>,
    pub data: Option<serde_json::Value>,
}

impl<'a> LogEntry<'a> {
    /// An entry about one row, with no action, note or data (set those with struct update).
    pub(crate) fn about(kind: ChangeKind, entity: &'a str, entity_id: i64) -> Self {
        Self {
            kind,
            entity,
            entity_id,
            action_id: None,
            note: None,
            data: None,
        }
    }
}

/// Appends a row to the change log in the caller's transaction (taking the append lock, and
/// queueing the notification other instances listen for); returns its sequence number.
pub(crate) async fn append<C: ConnectionTrait>(
    db: &C,
    editor: &Editor,
    entry: LogEntry<'_>,
) -> ServiceResult<i64> {
    change_log::lock_for_append(db).await?;
    let inserted = change::Entity::insert(change::ActiveModel {
        kind: Set(entry.kind),
        entity: Set(entry.entity.to_owned()),
        entity_id: Set(entry.entity_id),
        action_id: Set(entry.action_id),
        at: Set(Utc::now()),
        author: Set(editor.name.clone()),
        note: Set(entry.note),
        data: Set(entry.data),
        ..Default::default()
    })
    .exec(db)
    .await?;
    change_log::notify_appended(db, inserted.last_insert_id).await?;
    Ok(inserted.last_insert_id)
}
