//! What readers are owed about changes: an action's corrections (`Revision`, `FieldChange`)
//! and its retraction (`Retraction`), read from the change log.

use crate::schema::when::When;
use async_graphql::{Object, SimpleObject};
use standoff_core::changes::{self, FieldChange as CoreFieldChange};
use standoff_entities::change;

/// One correction of an action: when, why, and what it changed.
pub struct Revision(pub change::Model);

#[Object]
impl Revision {
    /// The revision number the correction made (the first correction makes revision 2).
    async fn revision(&self) -> Option<i64> {
        changes::revision_of(&self.0)
    }

    /// When the correction was written.
    async fn at(&self) -> When {
        self.0.at.into()
    }

    /// The editor's note: why it was corrected.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The fields it changed, each with its value before and after.
    async fn changes(&self) -> Vec<FieldChange> {
        changes::changed_fields(&self.0)
            .into_iter()
            .map(Into::into)
            .collect()
    }
}

/// One field a correction changed.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The field's name, as in `Action` (`title`, `occurredAt`, `targets`, ...).
    pub field: String,
    /// Its value before, as text (null: empty, or not kept, as for replaced targets).
    pub from: Option<String>,
    /// Its value after, as text.
    pub to: Option<String>,
}

impl From<CoreFieldChange> for FieldChange {
    fn from(c: CoreFieldChange) -> Self {
        Self {
            field: c.field,
            from: c.from,
            to: c.to,
        }
    }
}

/// Why and when an action was retracted.
pub struct Retraction(pub change::Model);

#[Object]
impl Retraction {
    /// When it was retracted.
    async fn at(&self) -> When {
        self.0.at.into()
    }

    /// The editor's reason, shown to readers where the action stood.
    async fn reason(&self) -> &str {
        self.0.note.as_deref().unwrap_or_default()
    }
}
