//! `changes`: the change log, for clients that poll "what changed since".

use crate::error::CoreResultExt;
use crate::schema::connection::{connection, page_request};
use crate::schema::object::{Change, ChangeConnection, ChangeTotal, database};
use crate::schema::viewer::visibility;
use async_graphql::{Context, Object, Result};
use standoff_core::changes;
use standoff_core::cursor::ChangeCursor;

/// The write log.
#[derive(Default)]
pub struct ChangeQuery;

#[Object]
impl ChangeQuery {
    /// Every write in commit order, oldest first; pass the last `endCursor` as `after` to get
    /// what changed since. `last: 1` gives the newest change, whose cursor a client can
    /// subscribe after.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ChangeConnection> {
        let request = page_request(first, after, last, before, ChangeCursor::decode)?;
        let page = changes::changes_page(database(ctx), &request, visibility(ctx))
            .await
            .gql()?;
        Ok(connection(page, Change, ChangeTotal))
    }
}
