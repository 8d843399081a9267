//! The `Mutation` root: every write needs an editor token and is one transaction.

mod actions;
mod actors;
mod publication;
mod stories;
mod tokens;

use super::auth::require_editor;
use super::object::database;
use crate::error::{ApiError, Code};
use async_graphql::{Context, MergedObject};
use standoff_core::feed::ChangeFeed;
use standoff_core::tokens::Editor;
use standoff_core::write::Writer;
use standoff_entities::Role;

pub use actions::{CitationInput, RespondsToInput};

/// Everything an editor can write.
#[derive(MergedObject, Default)]
pub struct Mutation(
    actors::ActorMutation,
    actions::ActionMutation,
    publication::PublicationMutation,
    stories::StoryMutation,
    tokens::TokenMutation,
);

/// The admin behind the request, checked now: FORBIDDEN for an editor's token.
pub(crate) async fn admin(ctx: &Context<'_>) -> async_graphql::Result<Editor> {
    let editor = require_editor(ctx).await?;
    if editor.role != Role::Admin {
        return Err(ApiError::new(
            Code::Forbidden,
            "managing stories and tokens needs an admin's token",
        )
        .into());
    }
    Ok(editor)
}

/// An admin's write: as [`writer`], for admins only.
pub(crate) async fn admin_writer<'a>(ctx: &Context<'a>) -> async_graphql::Result<Writer<'a>> {
    let editor = admin(ctx).await?;
    Ok(Writer {
        db: database(ctx).pool(),
        feed: ctx.data_unchecked::<ChangeFeed>(),
        editor,
    })
}

/// What a write needs: the database, the feed to wake subscribers, and the editor, whose
/// token is checked now.
pub(crate) async fn writer<'a>(ctx: &Context<'a>) -> async_graphql::Result<Writer<'a>> {
    let editor = require_editor(ctx).await?;
    Ok(Writer {
        db: database(ctx).pool(),
        feed: ctx.data_unchecked::<ChangeFeed>(),
        editor,
    })
}
