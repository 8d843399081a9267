//! The service layer's one error type.

/// Why a service call failed; each variant maps to one `extensions.code`.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The caller sent something malformed or contradictory.
    #[error("{0}")]
    BadInput(String),
    /// One input field is malformed: BAD_USER_INPUT naming the field.
    #[error("{message}")]
    Invalid {
        /// The field's name in the API (`title`, `occurredAt`, `url`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Something the caller named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The caller asked for more than a limit allows.
    #[error("{0}")]
    LimitExceeded(String),
    /// The write clashes with what is stored (a slug taken, a response recorded already).
    #[error("{0}")]
    Conflict(String),
    /// The write needs a valid editor token.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this (a role, or the rule of a second pair of eyes).
    #[error("{0}")]
    Forbidden(String),
    /// Something that is our fault and not the database's; details go to the log.
    #[error("internal error")]
    Internal(String),
    /// The database failed; the details go to the log, never to the caller.
    #[error("internal error")]
    Database(#[from] sea_orm::DbErr),
}

impl CoreError {
    /// Turns a unique-index violation into CONFLICT with `message`; other errors pass through.
    pub fn conflict_on_unique(self, message: impl Into<String>) -> Self {
        match &self {
            Self::Database(err)
                if matches!(
                    err.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Self::Conflict(message.into())
            }
            _ => self,
        }
    }
}

/// Result of a service call.
pub type CoreResult<T> = Result<T, CoreError>;
