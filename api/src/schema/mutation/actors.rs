//! `createActor` and `addSource`.

use super::writer;
use crate::error::CoreResultExt;
use crate::schema::enums::{ActorKind, Side};
use crate::schema::object::{Actor, Source};
use crate::schema::when::When;
use async_graphql::{Context, InputObject, Object, Result};
use standoff_core::write::actors::{self, NewActor, NewSource};

/// A new actor.
#[derive(InputObject)]
pub struct CreateActorInput {
    /// Unique, stable identifier: lower-case letters, digits and single hyphens.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Person, office, agency, ...
    pub kind: ActorKind,
    /// The level of government the actor acts for.
    pub side: Side,
    /// Title or office, e.g. "Mayor of Chicago".
    pub title: Option<String>,
    /// Political party.
    pub party: Option<String>,
    /// Slug of the actor this one belongs to.
    pub member_of: Option<String>,
}

/// A new source.
#[derive(InputObject)]
pub struct AddSourceInput {
    /// The document's title.
    pub title: String,
    /// Where it is published (http or https).
    pub url: Option<String>,
    /// Who published it.
    pub publisher: Option<String>,
    /// When it was published.
    pub published_at: Option<When>,
}

/// Writes about actors and sources.
#[derive(Default)]
pub struct ActorMutation;

#[Object]
impl ActorMutation {
    /// Creates an actor; a slug already in use is CONFLICT.
    async fn create_actor(&self, ctx: &Context<'_>, input: CreateActorInput) -> Result<Actor> {
        let model = actors::create_actor(
            &writer(ctx).await?,
            NewActor {
                slug: input.slug,
                name: input.name,
                kind: input.kind.into(),
                side: input.side.into(),
                title: input.title,
                party: input.party,
                member_of: input.member_of,
            },
        )
        .await
        .gql()?;
        Ok(Actor(model))
    }

    /// Adds a source that actions can cite.
    async fn add_source(&self, ctx: &Context<'_>, input: AddSourceInput) -> Result<Source> {
        let model = actors::add_source(
            &writer(ctx).await?,
            NewSource {
                key: None,
                title: input.title,
                url: input.url,
                publisher: input.publisher,
                published_at: input.published_at.as_ref().map(When::earliest),
            },
        )
        .await
        .gql()?;
        Ok(Source(model))
    }
}
