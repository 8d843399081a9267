//! The service layer's one error type.

/// Why a service call failed; each variant maps to one `extensions.code`.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller sent something malformed or contradictory.
    #[error("{0}")]
    BadInput(String),
    /// Something the caller named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The caller asked for more than a limit allows.
    #[error("{0}")]
    LimitExceeded(String),
    /// The database failed; the details go to the log, never to the caller.
    #[error("internal error")]
    Database(#[from] sea_orm::DbErr),
}

/// Result of a service call.
pub type ServiceResult<T> = Result<T, ServiceError>;
