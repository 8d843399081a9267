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
use crate::tokens::Editor;
use sea_orm::DatabaseConnection;

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
