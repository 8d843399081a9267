//! Who is asking. A request (or a WebSocket connection) carries the token it was given; every
//! write checks that token against the database when it runs, so a token revoked a moment ago
//! writes nothing more, whatever connection it came on.

use crate::error::{ApiError, Code};
use async_graphql::Context;
use standoff_core::db::FairShare;
use standoff_core::tokens::{self, Editor};

/// The credentials a request or connection presented.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No token was sent: reads only.
    Anonymous,
    /// This Authorization value was sent; whether it works is checked by each write.
    Presented(String),
}

impl Auth {
    /// The credentials of an Authorization value (or a `connection_init` payload's).
    pub fn of(value: Option<&str>) -> Self {
        match value {
            None => Self::Anonymous,
            Some(value) => Self::Presented(value.to_owned()),
        }
    }

    /// The editor these credentials stand for now: `None` for no token, or one that is
    /// malformed, unknown or revoked.
    pub async fn editor(&self, db: &FairShare) -> Result<Option<Editor>, ApiError> {
        let Self::Presented(value) = self else {
            return Ok(None);
        };
        let Some(token) = bearer(value) else {
            return Ok(None);
        };
        Ok(tokens::authenticate(db, token).await?)
    }
}

/// The editor behind the request, checked now, or UNAUTHENTICATED.
pub async fn require_editor(ctx: &Context<'_>) -> async_graphql::Result<Editor> {
    let auth = ctx.data_opt::<Auth>().unwrap_or(&Auth::Anonymous);
    let message = match auth {
        Auth::Anonymous => "writes need an editor token: send Authorization: Bearer <token>",
        Auth::Presented(_) => match auth.editor(super::object::database(ctx)).await? {
            Some(editor) => return Ok(editor),
            None => "the token is invalid or revoked",
        },
    };
    Err(ApiError::new(Code::Unauthenticated, message).into())
}

/// Reads `Bearer <token>` from an Authorization value.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }
}
