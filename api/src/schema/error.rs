//! Where service errors become GraphQL errors with `extensions.code` (errors async-graphql
//! raises itself get theirs in `observe`).

use crate::service::ServiceError;
use async_graphql::ErrorExtensions;

/// The `extensions.code` values Standoff sends.
pub mod code {
    /// Malformed or contradictory input.
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// Something named does not exist.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// Over a limit.
    pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";
    /// Clashes with what is stored.
    pub const CONFLICT: &str = "CONFLICT";
    /// A write without a valid token.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// A token whose role may not do this.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// Our fault; details are in the server log only.
    pub const INTERNAL: &str = "INTERNAL";
}

impl ErrorExtensions for ServiceError {
    fn extend(&self) -> async_graphql::Error {
        let mut message = self.to_string();
        let code = match self {
            Self::BadInput(_) => code::BAD_USER_INPUT,
            Self::NotFound(_) => code::NOT_FOUND,
            Self::LimitExceeded(_) => code::LIMIT_EXCEEDED,
            Self::Conflict(_) => code::CONFLICT,
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Database(err) => {
                tracing::error!(error = %err, "database error");
                if matches!(
                    err,
                    sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_)
                ) {
                    message = "the database is unavailable; try again shortly".into();
                }
                code::INTERNAL
            }
            Self::Internal(detail) => {
                tracing::error!(detail, "internal error");
                code::INTERNAL
            }
        };
        async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
    }
}

/// Turns a service result into a resolver result, coding the error once.
pub trait ServiceResultExt<T> {
    /// Maps the error to a GraphQL error carrying its `extensions.code`.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> ServiceResultExt<T> for Result<T, ServiceError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.extend())
    }
}

/// A GraphQL error with a code, for checks made in the GraphQL layer itself.
pub fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    ServiceError::BadInput(message.into()).extend()
}

/// A GraphQL error for a broken invariant (a row that must exist does not); logged, coded
/// INTERNAL, and worded without internals.
pub fn internal(what: &str) -> async_graphql::Error {
    tracing::error!(what, "invariant broken while resolving");
    async_graphql::Error::new("internal error").extend_with(|_, e| e.set("code", code::INTERNAL))
}
