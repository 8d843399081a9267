//! `Story`: one feud as a newsroom covers it, with its own timeline and escalation series.

use super::{ActionConnection, Actor, EscalationPoint, action_connection, database, loaders};
use crate::error::CoreResultExt;
use crate::schema::connection::page_request;
use crate::schema::enums::{Bucket, TimeOrder};
use crate::schema::id::{NodeType, encode};
use crate::schema::input::TimelineFilter;
use crate::schema::loader::SpanOf;
use crate::schema::viewer::visibility;
use crate::schema::when::When;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use standoff_core::cursor::TimelineCursor;
use standoff_core::{escalation, stories};
use standoff_entities::story;

/// A named span of a story's timeline.
#[derive(async_graphql::SimpleObject)]
pub struct StoryPeriod {
    /// What readers call it ("The DC deployment").
    pub label: String,
    /// When it ran, in EDTF: "2025-08", "2025-08-11/2025-08-30".
    pub edtf: String,
    /// The earliest instant its dates allow.
    pub starts_at: chrono::DateTime<chrono::Utc>,
    /// The latest instant its dates allow.
    pub ends_at: chrono::DateTime<chrono::Utc>,
}

/// A page of stories.
pub type StoryConnection = Connection<String, Story, StoryTotal, EmptyFields>;

/// One feud as a newsroom covers it: its own timeline, widget, feed, chart and page. Actors
/// and sources are shared by every story; an action may belong to several.
pub struct Story(pub story::Model);

impl Story {
    async fn span(&self, ctx: &Context<'_>) -> Result<stories::StorySpan> {
        Ok(loaders(ctx)
            .load_one(SpanOf(self.0.id))
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl Story {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Story, self.0.id)
    }

    /// Unique, stable identifier, used in URLs (`/stories/{slug}`) and filters.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Its title, as its pages and feeds show it.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// A sentence on what the feud is about.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    /// The IANA time zone its dates are shown in, such as `America/Chicago`.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }

    /// Named spans of its timeline, in time order (TimelineJS shows them as eras).
    async fn periods(&self) -> Result<Vec<StoryPeriod>> {
        let periods = stories::periods(&self.0).gql()?;
        periods
            .into_iter()
            .map(|p| {
                let date = p.date().gql()?;
                Ok(StoryPeriod {
                    label: p.label,
                    edtf: date.edtf,
                    starts_at: date.at,
                    ends_at: date.until,
                })
            })
            .collect()
    }

    /// Whether its actions need a second editor's approval before they are published.
    async fn review_required(&self) -> bool {
        self.0.review_required
    }

    /// Its readers' language, a BCP 47 tag such as `en-US`.
    async fn locale(&self) -> &str {
        &self.0.locale
    }

    /// Its actions in time order, narrowed by `filter`, paged like `timeline`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the arguments are the GraphQL field's, as api.md names them"
    )]
    async fn actions(
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
        let filter = TimelineFilter::resolve(filter, ctx)
            .await?
            .in_story(self.0.id);
        action_connection(ctx, filter, order.unwrap_or_default().into(), &request).await
    }

    /// Its escalation series: per bucket and side, how many actions and their intensity.
    async fn escalation(
        &self,
        ctx: &Context<'_>,
        filter: Option<TimelineFilter>,
        #[graphql(default_with = "Some(Bucket::Day)")] bucket: Option<Bucket>,
    ) -> Result<Vec<EscalationPoint>> {
        let filter = TimelineFilter::resolve(filter, ctx)
            .await?
            .in_story(self.0.id);
        let rows =
            escalation::escalation(database(ctx), &filter, bucket.unwrap_or_default().into())
                .await
                .gql()?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The actors with actions in it, by slug.
    async fn actors(&self, ctx: &Context<'_>) -> Result<Vec<Actor>> {
        let found = stories::story_actors(database(ctx), self.0.id, visibility(ctx))
            .await
            .gql()?;
        Ok(found.into_iter().map(Actor).collect())
    }

    /// When its earliest action occurred (retracted ones left out).
    async fn first_at(&self, ctx: &Context<'_>) -> Result<Option<When>> {
        Ok(self.span(ctx).await?.first_at.map(When::from))
    }

    /// When its latest action occurred (retracted ones left out).
    async fn last_at(&self, ctx: &Context<'_>) -> Result<Option<When>> {
        Ok(self.span(ctx).await?.last_at.map(When::from))
    }

    /// How many actions it holds (retracted ones left out).
    async fn action_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(self.span(ctx).await?.actions)
    }
}

/// The extra fields of a story connection.
pub struct StoryTotal;

#[Object]
impl StoryTotal {
    /// How many stories there are, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        stories::count_stories(database(ctx)).await.gql()
    }
}

/// The stories an action belongs to, for `Action.stories`.
pub(super) async fn stories_of(ctx: &Context<'_>, action_id: i64) -> Result<Vec<Story>> {
    let found = loaders(ctx)
        .load_one(crate::schema::loader::StoriesOf(action_id))
        .await?;
    Ok(found.unwrap_or_default().into_iter().map(Story).collect())
}
