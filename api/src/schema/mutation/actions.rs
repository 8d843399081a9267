//! `recordAction`, `recordResponse`, `correctAction` and `retractAction`.

use super::writer;
use crate::error::CoreResultExt;
use crate::schema::enums::{ActionKind, ActionStatus, Category, DatePrecision, Stance};
use crate::schema::id::{NodeType, decode};
use crate::schema::object::{Action, Response};
use crate::schema::when::When;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use standoff_core::write::actions::{self, ActionPatch, NewAction, NewCitation, Patch};

/// A source cited as evidence.
#[derive(InputObject)]
pub struct CitationInput {
    /// The source's global id (from `addSource` or `Source.id`).
    pub source_id: ID,
    /// The passage that supports the action.
    pub excerpt: Option<String>,
}

/// An earlier action this one answers.
#[derive(InputObject)]
pub struct RespondsToInput {
    /// The earlier action's global id.
    pub action_id: ID,
    /// How this one answers it.
    pub stance: Stance,
}

/// A new action.
#[derive(InputObject)]
pub struct RecordActionInput {
    /// Slug of the actor who acted.
    pub actor: String,
    /// Slugs of the actors it is aimed at.
    pub targets: Option<Vec<String>>,
    /// Slugs of the stories it belongs to: required when there is more than one story; the
    /// only story otherwise.
    pub stories: Option<Vec<String>>,
    /// Deployment, order, statement.
    pub kind: ActionKind,
    /// PLOVER category; sets the default intensity.
    pub category: Option<Category>,
    /// Words or deeds.
    #[graphql(default_with = "Some(ActionStatus::CarriedOut)")]
    pub status: Option<ActionStatus>,
    /// When it happened, as precisely as the source allows: "2025-08", "2025-08-30", an
    /// instant, or an interval "2025-08-11/2025-08-30" or "../2025-08".
    pub occurred_at: When,
    /// How precisely it is known, at most: an instant is kept to the minute only with MINUTE;
    /// a date is never made finer than its form.
    #[graphql(default_with = "Some(DatePrecision::Day)")]
    pub precision: Option<DatePrecision>,
    /// How the source words the date ("by late August 2025").
    pub date_text: Option<String>,
    /// When the first source reported it.
    pub reported_at: Option<When>,
    /// One-line headline.
    pub title: String,
    /// Our own words.
    pub summary: Option<String>,
    /// Only what the source quotes, verbatim.
    pub quote: Option<String>,
    /// Where it happened.
    pub place: Option<String>,
    /// A count, such as troops deployed.
    pub magnitude: Option<i32>,
    /// Overrides the category's default intensity (-10..10); needs `intensityReason`.
    pub intensity: Option<f64>,
    /// Why the intensity was overridden.
    pub intensity_reason: Option<String>,
    /// Where the evidence is; at least one.
    pub citations: Vec<CitationInput>,
    /// Earlier actions this one answers.
    pub responds_to: Option<Vec<RespondsToInput>>,
    /// Kept from readers as a draft, to be submitted for review or published later. Without
    /// it the action is published as it is recorded, which a story that requires review
    /// refuses (CONFLICT).
    #[graphql(default_with = "Some(false)")]
    pub draft: Option<bool>,
}

/// A link between two recorded actions.
#[derive(InputObject)]
pub struct RecordResponseInput {
    /// The answering action.
    pub action_id: ID,
    /// The action it answers.
    pub responds_to_id: ID,
    /// How it answers.
    pub stance: Stance,
}

/// A correction: any field of `RecordActionInput` but `actor`. Absent fields stay; `null`
/// clears an optional one (a cleared intensity returns to the category's default).
#[derive(InputObject)]
pub struct CorrectActionInput {
    /// Replaces the targets.
    pub targets: Option<Vec<String>>,
    /// New kind.
    pub kind: Option<ActionKind>,
    /// New category.
    pub category: MaybeUndefined<Category>,
    /// New status.
    pub status: Option<ActionStatus>,
    /// New date, in any form `recordAction` takes.
    pub occurred_at: Option<When>,
    /// New precision: the date made no more precise than this.
    pub precision: Option<DatePrecision>,
    /// New wording of the date.
    pub date_text: MaybeUndefined<String>,
    /// New report date.
    pub reported_at: MaybeUndefined<When>,
    /// New headline.
    pub title: Option<String>,
    /// New summary.
    pub summary: MaybeUndefined<String>,
    /// New quote.
    pub quote: MaybeUndefined<String>,
    /// New place.
    pub place: MaybeUndefined<String>,
    /// New magnitude.
    pub magnitude: MaybeUndefined<i32>,
    /// New intensity override.
    pub intensity: MaybeUndefined<f64>,
    /// Why the intensity is overridden.
    pub intensity_reason: Option<String>,
    /// Replaces the citations (at least one).
    pub citations: Option<Vec<CitationInput>>,
    /// Further earlier actions this one answers.
    pub responds_to: Option<Vec<RespondsToInput>>,
}

fn patch<T, U: From<T>>(value: MaybeUndefined<T>) -> Patch<U> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v.into()),
    }
}

fn citations(list: Vec<CitationInput>) -> Result<Vec<NewCitation>> {
    list.into_iter()
        .map(|c| {
            Ok(NewCitation {
                source: decode(&c.source_id, NodeType::Source)?,
                excerpt: c.excerpt,
            })
        })
        .collect()
}

fn links(list: Option<Vec<RespondsToInput>>) -> Result<Vec<(i64, standoff_entities::Stance)>> {
    list.unwrap_or_default()
        .into_iter()
        .map(|r| Ok((decode(&r.action_id, NodeType::Action)?, r.stance.into())))
        .collect()
}

/// Writes about actions.
#[derive(Default)]
pub struct ActionMutation;

#[Object]
impl ActionMutation {
    /// Records an action with its targets, citations and the earlier actions it answers.
    async fn record_action(&self, ctx: &Context<'_>, input: RecordActionInput) -> Result<Action> {
        let writer = writer(ctx).await?;
        let new = NewAction {
            key: None,
            actor: input.actor,
            targets: input.targets.unwrap_or_default(),
            stories: input.stories.unwrap_or_default(),
            kind: input.kind.into(),
            category: input.category.map(Into::into),
            status: input.status.unwrap_or(ActionStatus::CarriedOut).into(),
            date: input
                .occurred_at
                .0
                .at_most(input.precision.unwrap_or(DatePrecision::Day).into()),
            date_text: input.date_text,
            reported_at: input.reported_at.as_ref().map(When::earliest),
            title: input.title,
            summary: input.summary,
            quote: input.quote,
            place: input.place,
            magnitude: input.magnitude.map(i64::from),
            intensity: input.intensity,
            intensity_reason: input.intensity_reason,
            citations: citations(input.citations)?,
            responds_to: links(input.responds_to)?,
            draft: input.draft.unwrap_or(false),
            reviewed: false,
        };
        let model = actions::record_action(&writer, new).await.gql()?;
        Ok(Action::from(model))
    }

    /// Records that one action answers another; the same pair twice is CONFLICT.
    async fn record_response(
        &self,
        ctx: &Context<'_>,
        input: RecordResponseInput,
    ) -> Result<Response> {
        let writer = writer(ctx).await?;
        let answer = decode(&input.action_id, NodeType::Action)?;
        let answered = decode(&input.responds_to_id, NodeType::Action)?;
        let model = actions::record_response(&writer, answer, answered, input.stance.into())
            .await
            .gql()?;
        Ok(Response::new(model))
    }

    /// Corrects an action: bumps its revision; the old values and the note go to the change log.
    async fn correct_action(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CorrectActionInput,
        note: String,
    ) -> Result<Action> {
        let writer = writer(ctx).await?;
        let id = decode(&id, NodeType::Action)?;
        let changes = ActionPatch {
            targets: input.targets,
            kind: input.kind.map(Into::into),
            category: patch(input.category),
            status: input.status.map(Into::into),
            date: input.occurred_at.map(|w| w.0),
            precision: input.precision.map(Into::into),
            date_text: patch(input.date_text),
            reported_at: patch(input.reported_at.map_value(|w| w.earliest())),
            title: input.title,
            summary: patch(input.summary),
            quote: patch(input.quote),
            place: patch(input.place),
            magnitude: patch(input.magnitude),
            intensity: patch(input.intensity),
            intensity_reason: input.intensity_reason,
            citations: input.citations.map(citations).transpose()?,
            responds_to: links(input.responds_to)?,
        };
        let model = actions::correct_action(&writer, id, changes, &note)
            .await
            .gql()?;
        Ok(Action::from(model))
    }

    /// Retracts an action: hidden from the default timeline, never deleted; readers are shown
    /// the reason where it stood.
    async fn retract_action(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Action> {
        let writer = writer(ctx).await?;
        let id = decode(&id, NodeType::Action)?;
        let model = actions::retract_action(&writer, id, &reason).await.gql()?;
        Ok(Action::from(model))
    }

    /// Undoes a mistaken retraction: the action is back, and the log keeps both, with reasons.
    /// An action that is not retracted is CONFLICT.
    async fn restore_action(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Action> {
        let writer = writer(ctx).await?;
        let id = decode(&id, NodeType::Action)?;
        let model = actions::restore_action(&writer, id, &reason).await.gql()?;
        Ok(Action::from(model))
    }
}
