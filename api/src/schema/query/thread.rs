//! `thread`: the escalation thread around one action.

use crate::error::CoreResultExt;
use crate::schema::id::{NodeType, decode};
use crate::schema::object::{Action, database};
use crate::schema::prefetch::prefetch_actions;
use crate::schema::viewer::visibility;
use async_graphql::{Context, ID, Object, Result};
use standoff_core::thread;

/// Who answered whom.
#[derive(Default)]
pub struct ThreadQuery;

#[Object]
impl ThreadQuery {
    /// The action, what it answered and what answered it, followed `depth` links each way
    /// (50 at most), in time order.
    async fn thread(
        &self,
        ctx: &Context<'_>,
        action_id: ID,
        #[graphql(default_with = "Some(thread::DEFAULT_THREAD_DEPTH)")] depth: Option<i32>,
    ) -> Result<Vec<Action>> {
        let id = decode(&action_id, NodeType::Action)?;
        let actions = thread::thread(
            database(ctx),
            id,
            depth.unwrap_or(thread::DEFAULT_THREAD_DEPTH),
            visibility(ctx),
        )
        .await
        .gql()?;
        let listed: Vec<_> = actions.iter().collect();
        let mut near = prefetch_actions(ctx, &[ctx.look_ahead()], &listed, None).await?;
        Ok(actions.into_iter().map(|m| near.attach(m)).collect())
    }
}
