//! `createStory`, `updateStory`, `addToStory` and `removeFromStory`.

use super::{admin_writer, writer};
use crate::error::CoreResultExt;
use crate::schema::id::{NodeType, decode};
use crate::schema::object::{Action, Story, database};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use standoff_core::filter::Visibility;
use standoff_core::stories::Period;
use standoff_core::write::actions::Patch;
use standoff_core::write::stories::{self, NewStory, StoryPatch};

/// A new story.
#[derive(InputObject)]
pub struct CreateStoryInput {
    /// Unique, stable identifier used in URLs: lower-case letters, digits and single hyphens.
    pub slug: String,
    /// Its title, as pages and feeds show it.
    pub title: String,
    /// A sentence on what the feud is about.
    pub summary: Option<String>,
    /// The IANA time zone its dates are shown in.
    #[graphql(default_with = "Some(\"UTC\".to_owned())")]
    pub time_zone: Option<String>,
    /// Its readers' language, a BCP 47 tag.
    #[graphql(default_with = "Some(\"en\".to_owned())")]
    pub locale: Option<String>,
    /// Named spans of its timeline.
    pub periods: Option<Vec<PeriodInput>>,
    /// Whether its actions need a second editor's approval before they are published.
    #[graphql(default_with = "Some(false)")]
    pub review_required: Option<bool>,
}

/// A named span of a story's timeline.
#[derive(InputObject)]
pub struct PeriodInput {
    /// What readers call it ("The DC deployment").
    pub label: String,
    /// When it ran, in any date form the API takes: "2025-08", "2025-08-11/2025-08-30".
    pub date: String,
}

fn periods(input: Option<Vec<PeriodInput>>) -> Option<Vec<Period>> {
    input.map(|list| {
        list.into_iter()
            .map(|p| Period {
                label: p.label,
                edtf: p.date,
            })
            .collect()
    })
}

/// A change to a story: absent fields stay; `null` clears the summary. Its slug never changes.
#[derive(InputObject)]
pub struct UpdateStoryInput {
    /// New title.
    pub title: Option<String>,
    /// New summary.
    pub summary: MaybeUndefined<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New language.
    pub locale: Option<String>,
    /// New periods, replacing all of them (an empty list removes them).
    pub periods: Option<Vec<PeriodInput>>,
    /// Whether its actions need a second editor's approval before they are published.
    pub review_required: Option<bool>,
}

/// Writes about stories.
#[derive(Default)]
pub struct StoryMutation;

#[Object]
impl StoryMutation {
    /// Creates a story; a slug already in use is CONFLICT.
    async fn create_story(&self, ctx: &Context<'_>, input: CreateStoryInput) -> Result<Story> {
        let new = NewStory {
            slug: input.slug,
            title: input.title,
            summary: input.summary,
            time_zone: input.time_zone.unwrap_or_else(|| "UTC".to_owned()),
            locale: input.locale.unwrap_or_else(|| "en".to_owned()),
            periods: periods(input.periods).unwrap_or_default(),
            review_required: input.review_required.unwrap_or(false),
        };
        let model = stories::create_story(&admin_writer(ctx).await?, new)
            .await
            .gql()?;
        Ok(Story(model))
    }

    /// Changes a story's title, summary or settings; logged with what changed.
    async fn update_story(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: UpdateStoryInput,
    ) -> Result<Story> {
        let patch = StoryPatch {
            title: input.title,
            summary: match input.summary {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(v) => Patch::Set(v),
            },
            time_zone: input.time_zone,
            locale: input.locale,
            periods: periods(input.periods),
            review_required: input.review_required,
        };
        let model = stories::update_story(&admin_writer(ctx).await?, &slug, patch)
            .await
            .gql()?;
        Ok(Story(model))
    }

    /// Puts an action in a story as well; logged.
    async fn add_to_story(
        &self,
        ctx: &Context<'_>,
        story: String,
        action_id: ID,
    ) -> Result<Action> {
        let id = decode(&action_id, NodeType::Action)?;
        stories::add_to_story(&writer(ctx).await?, &story, id)
            .await
            .gql()?;
        action(ctx, id).await
    }

    /// Takes an action out of a story (it keeps at least one); logged.
    async fn remove_from_story(
        &self,
        ctx: &Context<'_>,
        story: String,
        action_id: ID,
    ) -> Result<Action> {
        let id = decode(&action_id, NodeType::Action)?;
        stories::remove_from_story(&writer(ctx).await?, &story, id)
            .await
            .gql()?;
        action(ctx, id).await
    }
}

/// The action as it is after the write.
async fn action(ctx: &Context<'_>, id: i64) -> Result<Action> {
    let found = standoff_core::lookup::actions(database(ctx), &[id], Visibility::Newsroom)
        .await
        .gql()?;
    found
        .into_values()
        .next()
        .map(Action::from)
        .ok_or_else(|| crate::error::ApiError::internal("a written action is missing").into())
}
