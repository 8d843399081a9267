//! Writes. Each comes in two forms: `*_in` runs inside a caller's [`WriteTxn`], so a story file
//! loads as one transaction through the very code a mutation runs; the plain form is one
//! transaction of its own, committed and announced to this instance's feed.
//!
//! Inputs are checked before any statement runs (`checked`, no database needed), so a story
//! file can be checked whole before it is loaded and a refused write costs no SQL.

pub mod actions;
pub mod actors;
pub mod bulk;
pub mod publication;
pub mod stories;

use crate::CoreResult;
pub use crate::change_log::WriteTxn;
use crate::feed::ChangeFeed;
use sea_orm::DatabaseConnection;
use standoff_entities::Role;

/// Who is writing: the token's name and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    /// The token's name, recorded as the author of each change.
    pub name: String,
    /// What the token may do.
    pub role: Role,
}

/// A change to one optional field: leave it, clear it, or set it.
#[derive(Debug, Clone, Default)]
pub enum Patch<T> {
    /// Leave as it is.
    #[default]
    Keep,
    /// Set to nothing.
    Clear,
    /// Set to this.
    Set(T),
}

impl<T: Clone> Patch<T> {
    /// The value after this change.
    pub fn apply(&self, current: Option<T>) -> Option<T> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(v) => Some(v.clone()),
        }
    }
}

/// What a correction changed, for the change log: each field whose value moved, `from` its
/// old value `to` the new (the shape `Change.details` documents).
#[derive(Debug, Default)]
pub(crate) struct Changes(serde_json::Map<String, serde_json::Value>);

impl Changes {
    /// Notes `name` if its value moved.
    pub(crate) fn field(&mut self, name: &str, old: serde_json::Value, new: serde_json::Value) {
        if old != new {
            self.0.insert(
                name.to_owned(),
                serde_json::json!({ "from": old, "to": new }),
            );
        }
    }

    /// Whether nothing moved.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields that moved.
    pub(crate) fn into_map(self) -> serde_json::Map<String, serde_json::Value> {
        self.0
    }

    /// The change log's entry for this correction of row `id` of `entity`, with its note.
    pub(crate) fn entry(
        self,
        kind: standoff_entities::ChangeKind,
        entity: &'static str,
        id: i64,
        note: Option<String>,
    ) -> crate::change_log::LogEntry {
        crate::change_log::LogEntry {
            note,
            data: Some(serde_json::json!({ "changed": self.into_map() })),
            ..crate::change_log::LogEntry::about(kind, entity, id)
        }
    }
}

/// Who writes and whom to tell: the door a write comes through.
#[derive(Clone)]
pub struct Writer<'a> {
    /// The database.
    pub db: &'a DatabaseConnection,
    /// This instance's feed, told after each commit.
    pub feed: &'a ChangeFeed,
    /// Whose name the change log records.
    pub editor: Editor,
}

impl Writer<'_> {
    /// Begins one write's transaction.
    pub(crate) async fn begin(&self) -> CoreResult<WriteTxn> {
        WriteTxn::begin(self.db).await
    }

    /// Commits it and tells the feed.
    pub(crate) async fn commit(&self, txn: WriteTxn) -> CoreResult<()> {
        txn.commit(Some(self.feed)).await
    }

    /// The author the change log records.
    pub(crate) fn author(&self) -> &str {
        &self.editor.name
    }
}
