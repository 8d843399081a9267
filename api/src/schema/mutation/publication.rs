//! `submitForReview`, `approve`, `publish` and `unpublish`: the way from a draft to readers.

use super::writer;
use crate::error::CoreResultExt;
use crate::schema::id::{NodeType, decode};
use crate::schema::object::Action;
use crate::schema::when::When;
use async_graphql::{Context, ID, Object, Result};
use standoff_core::write::publication;

/// Writes that move an action towards readers.
#[derive(Default)]
pub struct PublicationMutation;

#[Object]
impl PublicationMutation {
    /// Sends a draft for review; logged.
    async fn submit_for_review(&self, ctx: &Context<'_>, id: ID) -> Result<Action> {
        let writer = writer(ctx).await?;
        let id = decode(&id, NodeType::Action)?;
        let model = publication::submit_for_review(&writer, id).await.gql()?;
        Ok(Action::from(model))
    }

    /// Approves an action in review for publication. When one of its stories requires review,
    /// an editor other than its author approves it (FORBIDDEN otherwise); logged.
    async fn approve(&self, ctx: &Context<'_>, id: ID) -> Result<Action> {
        let writer = writer(ctx).await?;
        let id = decode(&id, NodeType::Action)?;
        let model = publication::approve(&writer, id).await.gql()?;
        Ok(Action::from(model))
    }

    /// Publishes an action now, or schedules it for `at` (any date form; its earliest instant)
    /// when that is in the future, at most a year ahead. Readers and subscribers learn of it at
    /// that moment. An action whose story requires review must be approved first; everything
    /// it answers must be published. Logged.
    async fn publish(&self, ctx: &Context<'_>, id: ID, at: Option<When>) -> Result<Action> {
        let writer = writer(ctx).await?;
        let id = decode(&id, NodeType::Action)?;
        let model = publication::publish(&writer, id, at.as_ref().map(When::moment))
            .await
            .gql()?;
        Ok(Action::from(model))
    }

    /// Takes an action in review or scheduled back to a draft. A published action is retracted
    /// instead (CONFLICT), so readers are told. Logged.
    async fn unpublish(&self, ctx: &Context<'_>, id: ID) -> Result<Action> {
        let writer = writer(ctx).await?;
        let id = decode(&id, NodeType::Action)?;
        let model = publication::unpublish(&writer, id).await.gql()?;
        Ok(Action::from(model))
    }
}
