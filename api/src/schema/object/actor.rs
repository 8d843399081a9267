//! `Actor`: a person, office, agency, force, government or group.

use super::{Action, ActionConnection, TimelineTotal, database, loaders};
use crate::error::CoreResultExt;
use crate::schema::connection::connection;
use crate::schema::connection::page_request;
use crate::schema::enums::{ActorKind, Side};
use crate::schema::id::{NodeType, encode};
use crate::schema::input::TimelineFilter;
use crate::schema::loader::{ActorActions, ActorActionsQuery, ActorId, MembersOf};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use standoff_core::cursor::TimelineCursor;
use standoff_core::page::Page;
use standoff_core::people;
use standoff_entities::actor;
use std::sync::Arc;

/// A page of actors.
pub type ActorConnection = Connection<String, Actor, ActorTotal, EmptyFields>;

/// A person, office, agency, force, government or group that takes part in the feud.
pub struct Actor(pub actor::Model);

#[Object]
impl Actor {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Actor, self.0.id)
    }

    /// Unique, stable identifier used in URLs and filters.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Person, office, agency, ...
    async fn kind(&self) -> ActorKind {
        self.0.kind.into()
    }

    /// The level of government the actor acts for.
    async fn side(&self) -> Side {
        self.0.side.into()
    }

    /// Title or office, e.g. "Mayor of Chicago".
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }

    /// Political party.
    async fn party(&self) -> Option<&str> {
        self.0.party.as_deref()
    }

    /// The actor this one belongs to (a spokesperson's office).
    async fn member_of(&self, ctx: &Context<'_>) -> Result<Option<Actor>> {
        let Some(parent) = self.0.member_of_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).load_one(ActorId(parent)).await?.map(Actor))
    }

    /// The actors that belong to this one, by name.
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<Actor>> {
        let found = loaders(ctx).load_one(MembersOf(self.0.id)).await?;
        Ok(found.unwrap_or_default().into_iter().map(Actor).collect())
    }

    /// This actor's own actions in time order, narrowed by `filter`.
    async fn actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<TimelineFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ActionConnection> {
        let request = page_request(first, after, last, before, TimelineCursor::decode)?;
        let filter = TimelineFilter::resolve(filter, ctx).await?;
        // Through a loader, so a list of actors fetches all their pages in one statement; the
        // actions' own relations then batch through the request's loaders as usual.
        let key = ActorActions {
            actor_id: self.0.id,
            query: Arc::new(ActorActionsQuery {
                filter: filter.clone(),
                request,
            }),
        };
        let page = loaders(ctx).load_one(key).await?.unwrap_or(Page {
            items: Vec::new(),
            has_next: false,
            has_previous: false,
        });
        Ok(connection(
            page,
            Action::from,
            TimelineTotal(filter.of_actor(self.0.id)),
        ))
    }
}

/// The extra fields of an actor connection.
pub struct ActorTotal(pub Option<standoff_entities::Side>);

#[Object]
impl ActorTotal {
    /// How many actors the list holds, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        people::count_actors(database(ctx), self.0).await.gql()
    }
}
