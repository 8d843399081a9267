//! `actor` and `actors`.

use crate::error::CoreResultExt;
use crate::schema::connection::{connection, page_request};
use crate::schema::enums::Side;
use crate::schema::object::{Actor, ActorConnection, ActorTotal, database};
use async_graphql::{Context, Object, Result};
use standoff_core::cursor::ActorCursor;
use standoff_core::people;

/// Who takes part.
#[derive(Default)]
pub struct ActorQuery;

#[Object]
impl ActorQuery {
    /// One actor by slug; null when no actor has it.
    async fn actor(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Actor>> {
        Ok(people::actor_by_slug(database(ctx), &slug)
            .await
            .gql()?
            .map(Actor))
    }

    /// Actors by slug, optionally on one side.
    async fn actors(
        &self,
        ctx: &Context<'_>,
        side: Option<Side>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ActorConnection> {
        let request = page_request(first, after, last, before, ActorCursor::decode)?;
        let side = side.map(Into::into);
        let page = people::actors_page(database(ctx), side, &request)
            .await
            .gql()?;
        Ok(connection(page, Actor, ActorTotal(side)))
    }
}
