//! `timeline` and `action`.

use crate::schema::connection::page_request;
use crate::schema::enums::TimeOrder;
use crate::schema::id::{NodeType, decode};
use crate::schema::input::TimelineFilter;
use crate::schema::loader::ActionId;
use crate::schema::object::{Action, ActionConnection, action_connection, loaders};
use async_graphql::{Context, ID, Object, Result};
use standoff_core::cursor::TimelineCursor;

/// The timeline of actions.
#[derive(Default)]
pub struct TimelineQuery;

#[Object]
impl TimelineQuery {
    /// Actions in time order (ties broken by when they were recorded), filtered and paged
    /// Relay-style: `first`/`after` forward, `last`/`before` backward; 20 by default, 100 at most.
    #[expect(
        clippy::too_many_arguments,
        reason = "the arguments are the GraphQL field's, as api.md names them"
    )]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        filter: Option<TimelineFilter>,
        #[graphql(default_with = "Some(TimeOrder::Asc)")] order: Option<TimeOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ActionConnection> {
        let request = page_request(first, after, last, before, TimelineCursor::decode)?;
        let filter = TimelineFilter::resolve(filter, ctx).await?;
        action_connection(ctx, filter, order.unwrap_or_default().into(), &request).await
    }

    /// One action by its global id, retracted or not; null when it does not exist.
    async fn action(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Action>> {
        let id = decode(&id, NodeType::Action)?;
        Ok(loaders(ctx).load_one(ActionId(id)).await?.map(Action::from))
    }
}
