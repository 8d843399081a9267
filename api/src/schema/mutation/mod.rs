//! The `Mutation` root: every write needs an editor token and is one transaction.

mod actions;
mod actors;
mod stories;

use super::auth::require_editor;
use super::object::database;
use async_graphql::{Context, MergedObject};
use standoff_core::feed::ChangeFeed;
use standoff_core::write::Writer;

pub use actions::{CitationInput, RespondsToInput};

/// Everything an editor can write.
#[derive(MergedObject, Default)]
pub struct Mutation(
    actors::ActorMutation,
    actions::ActionMutation,
    stories::StoryMutation,
);

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
