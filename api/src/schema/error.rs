//! Where service errors become GraphQL errors with `extensions.code`, and where errors that
//! async-graphql raises itself (parse, validation, input coercion) get theirs.

use crate::service::ServiceError;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{ErrorExtensions, Response};
use std::sync::Arc;

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
        let code = match self {
            Self::BadInput(_) => code::BAD_USER_INPUT,
            Self::NotFound(_) => code::NOT_FOUND,
            Self::LimitExceeded(_) => code::LIMIT_EXCEEDED,
            Self::Conflict(_) => code::CONFLICT,
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Database(err) => {
                tracing::error!(error = %err, "database error");
                code::INTERNAL
            }
            Self::Internal(detail) => {
                tracing::error!(detail, "internal error");
                code::INTERNAL
            }
        };
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| e.set("code", code))
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

/// Gives every error that reaches the response without a code (those async-graphql raises
/// while parsing, validating and coercing input) the code BAD_USER_INPUT.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            let has_code = error
                .extensions
                .as_ref()
                .is_some_and(|ext| ext.get("code").is_some());
            if !has_code {
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code::BAD_USER_INPUT);
            }
        }
        response
    }
}

/// A GraphQL error for a broken invariant (a row that must exist does not); logged, coded
/// INTERNAL, and worded without internals.
pub fn internal(what: &str) -> async_graphql::Error {
    tracing::error!(what, "invariant broken while resolving");
    async_graphql::Error::new("internal error").extend_with(|_, e| e.set("code", code::INTERNAL))
}
