//! Who is asking: the request's token, checked once per request, required by every mutation.

use crate::error::{ApiError, Code};
use async_graphql::Context;
use standoff_core::tokens::Editor;

/// What the request's credentials turned out to be.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No token was sent: reads only.
    Anonymous,
    /// A token was sent but is malformed, unknown or revoked.
    Invalid,
    /// A valid token.
    Editor(Editor),
}

/// The editor behind the request, or UNAUTHENTICATED.
pub fn require_editor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Editor> {
    let message = match ctx.data_opt::<Auth>() {
        Some(Auth::Editor(editor)) => return Ok(editor),
        Some(Auth::Invalid) => "the token is invalid or revoked",
        Some(Auth::Anonymous) | None => {
            "writes need an editor token: send Authorization: Bearer <token>"
        }
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
