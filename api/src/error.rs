//! The API's one error type: every refusal, whatever the route or transport, carries one of
//! the [`Code`]s and becomes the same JSON body (`{"errors":[{"message","extensions":{"code"}}]}`)
//! or the same GraphQL error. Internals go to the log, never to the caller.

use async_graphql::{ErrorExtensionValues, ErrorExtensions, ServerError};
use axum::http::header::{self, HeaderName};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use standoff_core::CoreError;

/// The `extensions.code` values Standoff sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Malformed or contradictory input.
    BadUserInput,
    /// Something named does not exist.
    NotFound,
    /// Over a limit.
    LimitExceeded,
    /// Clashes with what is stored.
    Conflict,
    /// A write without a valid token.
    Unauthenticated,
    /// Not allowed (an operation outside the allow-list).
    Forbidden,
    /// An automatic persisted query's hash this instance does not know: send the text once.
    PersistedQueryNotFound,
    /// Our fault; details are in the server log only.
    Internal,
}

impl Code {
    /// The code as clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::LimitExceeded => "LIMIT_EXCEEDED",
            Self::Conflict => "CONFLICT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::Internal => "INTERNAL",
        }
    }

    /// The HTTP status a plain route answers with for this code.
    fn status(self) -> StatusCode {
        match self {
            Self::BadUserInput | Self::LimitExceeded | Self::PersistedQueryNotFound => {
                StatusCode::BAD_REQUEST
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A refusal with its code, its message for the caller and, on plain HTTP routes, its status
/// and headers. Deliberately not `Display`: async-graphql turns any `Display` error into an
/// error without a code, so `?` in a resolver must go through `From` below instead.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// What kind of refusal.
    pub code: Code,
    /// What the caller is told.
    pub message: String,
    /// The input field it concerns, when it concerns one (`extensions.field`).
    pub field: Option<String>,
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// A refusal with the status its code implies.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            status: code.status(),
            headers: Vec::new(),
        }
    }

    /// BAD_USER_INPUT.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(Code::BadUserInput, message)
    }

    /// LIMIT_EXCEEDED.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(Code::LimitExceeded, message)
    }

    /// INTERNAL for a broken invariant (a row that must exist does not): logged, and worded
    /// without internals.
    pub fn internal(what: &str) -> Self {
        tracing::error!(what, "invariant broken");
        Self::new(Code::Internal, "internal error")
    }

    /// The same refusal answered with another HTTP status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The same refusal with a response header (`Retry-After`, `Allow`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The JSON error body every route answers with.
    pub fn body(&self) -> String {
        let mut extensions = serde_json::json!({ "code": self.code.as_str() });
        if let Some(field) = &self.field {
            extensions["field"] = serde_json::json!(field);
        }
        serde_json::json!({ "errors": [{ "message": self.message, "extensions": extensions }] })
            .to_string()
    }

    /// The response, as `content_type` (GraphQL's negotiated media type).
    pub fn into_response_as(self, content_type: HeaderValue) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, content_type)],
            self.body(),
        )
            .into_response();
        response.headers_mut().extend(self.headers);
        response
    }

    /// The error as async-graphql reports errors raised before execution (limits, persisted
    /// queries, the allow-list).
    pub fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message, None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", self.code.as_str());
        error.extensions = Some(extensions);
        error
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        let code = match &err {
            CoreError::BadInput(_) => Code::BadUserInput,
            CoreError::Invalid { field, message } => {
                return Self {
                    field: Some(field.clone()),
                    ..Self::new(Code::BadUserInput, message.clone())
                };
            }
            CoreError::NotFound(_) => Code::NotFound,
            CoreError::LimitExceeded(_) => Code::LimitExceeded,
            CoreError::Conflict(_) => Code::Conflict,
            CoreError::Unauthenticated(_) => Code::Unauthenticated,
            CoreError::Forbidden(_) => Code::Forbidden,
            CoreError::Database(db) => {
                tracing::error!(error = %db, "database error");
                if matches!(
                    db,
                    sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_)
                ) {
                    return Self::new(
                        Code::Internal,
                        "the database is unavailable; try again shortly",
                    )
                    .with_status(StatusCode::SERVICE_UNAVAILABLE);
                }
                Code::Internal
            }
            CoreError::Internal(detail) => {
                tracing::error!(detail, "internal error");
                Code::Internal
            }
        };
        Self::new(code, err.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_response_as(HeaderValue::from_static("application/json; charset=utf-8"))
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message.clone()).extend_with(|_, e| {
            e.set("code", self.code.as_str());
            if let Some(field) = &self.field {
                e.set("field", field.as_str());
            }
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}

/// Turns a core result into a resolver result, coding the error once.
pub trait CoreResultExt<T> {
    /// Maps the error to a GraphQL error carrying its `extensions.code`.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> CoreResultExt<T> for Result<T, CoreError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| ApiError::from(e).extend())
    }
}

/// Whether an error carries a code already.
pub fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
}

/// Gives every error without a code BAD_USER_INPUT: async-graphql's own (parsing, validation,
/// input coercion) carry none, while every refusal Standoff makes itself has one, limits
/// included, since they are checked before async-graphql sees the document.
pub fn tag_codes(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        if !has_code(error) {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", Code::BadUserInput.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_answers_the_same_body() {
        let err = ApiError::limit("too many").with_status(StatusCode::TOO_MANY_REQUESTS);
        let body: serde_json::Value = serde_json::from_str(&err.body()).expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
        assert_eq!(body["errors"][0]["message"], "too many");
        assert_eq!(err.into_response().status(), StatusCode::TOO_MANY_REQUESTS);
    }

    #[test]
    fn database_outages_say_so_without_internals() {
        let err = ApiError::from(CoreError::Database(sea_orm::DbErr::ConnectionAcquire(
            sea_orm::ConnAcquireErr::Timeout,
        )));
        assert_eq!(err.code, Code::Internal);
        assert!(err.message.contains("unavailable"));
        assert_eq!(
            err.into_response().status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
