//! Who is reading. Reads are public, but an editor's token opens the newsroom's view: drafts,
//! actions in review and scheduled ones, and the changes readers do not see. The viewer is found
//! once per request (or per WebSocket connection) and every read of the request uses it.

use super::auth::Auth;
use crate::error::{ApiError, Code};
use async_graphql::Context;
use standoff_core::db::FairShare;
use standoff_core::filter::Visibility;
use standoff_core::tokens::Editor;

/// Anyone, or an editor whose token was valid when the request began.
#[derive(Debug, Clone, Default)]
pub struct Viewer(pub Option<Editor>);

/// The viewer of an operation that recorded none.
static ANYONE: Viewer = Viewer(None);

impl Viewer {
    /// What this viewer sees.
    pub fn visibility(&self) -> Visibility {
        match self.0 {
            Some(_) => Visibility::Newsroom,
            None => Visibility::Public,
        }
    }

    /// The viewer behind credentials: anyone without a token, the editor with a valid one, and
    /// UNAUTHENTICATED for a token that is not (an editor is told, rather than silently shown
    /// readers' view).
    pub async fn of(auth: &Auth, db: &FairShare) -> Result<Self, ApiError> {
        match auth {
            Auth::Anonymous => Ok(Self(None)),
            Auth::Presented(_) => match auth.editor(db).await? {
                Some(editor) => Ok(Self(Some(editor))),
                None => Err(ApiError::new(
                    Code::Unauthenticated,
                    "the token is invalid or revoked",
                )),
            },
        }
    }
}

/// The viewer of the operation being run.
pub fn viewer<'a>(ctx: &'a Context<'_>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&ANYONE)
}

/// What the viewer of the operation being run sees.
pub fn visibility(ctx: &Context<'_>) -> Visibility {
    viewer(ctx).visibility()
}
