//! `story` and `stories`.

use crate::error::CoreResultExt;
use crate::schema::connection::{connection, page_request};
use crate::schema::object::{Story, StoryConnection, StoryTotal, database};
use async_graphql::{Context, Object, Result};
use standoff_core::cursor::StoryCursor;
use standoff_core::stories;

/// The feuds covered.
#[derive(Default)]
pub struct StoryQuery;

#[Object]
impl StoryQuery {
    /// One story by slug; null when no story has it.
    async fn story(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Story>> {
        Ok(stories::story_by_slug(database(ctx), &slug)
            .await
            .gql()?
            .map(Story))
    }

    /// Every story, by slug.
    async fn stories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<StoryConnection> {
        let request = page_request(first, after, last, before, StoryCursor::decode)?;
        let page = stories::stories_page(database(ctx), &request).await.gql()?;
        Ok(connection(page, Story, StoryTotal))
    }
}
