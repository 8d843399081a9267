//! What can go wrong while reading or loading a story.

use standoff_core::CoreError;

/// A story file that cannot be loaded; nothing has been written when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file is not valid TOML of the story shape (the message gives line and column).
    #[error("the story file does not parse: {0}")]
    Parse(String),
    /// A record is well-formed but wrong: a bad date, an unknown slug, a duplicate key.
    #[error("{record}: {message}")]
    Invalid {
        /// Which record, e.g. `action "johnson-executive-order"`.
        record: String,
        /// What is wrong with it.
        message: String,
    },
    /// The core refused a write that names no record (the synthetic archive).
    #[error("refused: {0}")]
    Refused(String),
    /// The database refused a statement.
    #[error("database error while loading the story: {0}")]
    Database(#[from] sea_orm::DbErr),
}

impl SeedError {
    pub(crate) fn invalid(record: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            record: record.into(),
            message: message.into(),
        }
    }

    /// What the core's refusal of `record` means for the file: the record at fault, or the
    /// database.
    pub(crate) fn rejected(record: &str, err: CoreError) -> Self {
        match err {
            CoreError::Database(err) => Self::Database(err),
            other => Self::invalid(record, other.to_string()),
        }
    }
}

impl From<CoreError> for SeedError {
    fn from(err: CoreError) -> Self {
        match err {
            CoreError::Database(err) => Self::Database(err),
            other => Self::Refused(other.to_string()),
        }
    }
}
