//! `Action`, its `Response` links and `Citation`s.

use super::columns::{action_columns, actor_columns};
use super::{Actor, Retraction, Revision, Source, database, loaders};
use crate::error::{ApiError, CoreResultExt};
use crate::schema::connection::connection;
use crate::schema::enums::{
    ActionKind, ActionStatus, Category, DatePrecision, PublicationState, Stance,
};
use crate::schema::id::{NodeType, encode};
use crate::schema::loader::{
    ActionId, ActorId, AnswersFrom, AnswersTo, CitationsOf, HistoryOf, LinksFrom, LinksTo,
    RetractionOf, TargetsOf,
};
use crate::schema::prefetch::{Near, connection_nodes, prefetch_actions};
use crate::schema::viewer::visibility;
use crate::schema::when::When;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use standoff_core::cursor::TimelineCursor;
use standoff_core::date;
use standoff_core::filter::ResolvedFilter;
use standoff_core::filter::Visibility;
use standoff_core::page::PageRequest;
use standoff_core::timeline::{self, TimeOrder};
use standoff_entities::{action, citation, response, source};

/// A page of actions.
pub type ActionConnection = Connection<String, Action, TimelineTotal, EmptyFields>;

/// One dated thing an actor did: a deployment, an order, a statement.
pub struct Action {
    model: action::Model,
    /// What the list it came in read with it.
    near: Near,
}

impl From<action::Model> for Action {
    /// An action whose relations load on demand.
    fn from(model: action::Model) -> Self {
        Self::with(model, Near::default())
    }
}

impl Action {
    /// An action with what its list read with it.
    pub fn with(model: action::Model, near: Near) -> Self {
        Self { model, near }
    }
}

#[Object]
impl Action {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Action, self.model.id)
    }

    /// Deployment, order, statement.
    async fn kind(&self) -> ActionKind {
        self.model.kind.into()
    }

    /// PLOVER category; null for context that is neither cooperation nor conflict.
    async fn category(&self) -> Option<Category> {
        self.model.category.map(Into::into)
    }

    /// Words or deeds, and how far it got.
    async fn status(&self) -> ActionStatus {
        self.model.status.into()
    }

    /// The earliest instant its date allows: the start of its precision's unit ("in August"
    /// is 1 August), or of an interval.
    async fn occurred_at(&self) -> When {
        self.model.occurred_at.into()
    }

    /// The latest instant its date allows ("in August" is 31 August, 23:59:59).
    async fn occurred_until(&self) -> When {
        date::of(&self.model).until.into()
    }

    /// The date in EDTF, as recorded: "2025-08", "2025-08-11/2025-08-30", "../2025-08".
    async fn edtf(&self) -> String {
        date::of(&self.model).edtf
    }

    /// How the source words the date ("by late August 2025").
    async fn date_text(&self) -> Option<&str> {
        self.model.date_text.as_deref()
    }

    /// Text that sorts (as a string) in the timeline's order, for clients placing live actions
    /// among those they show.
    async fn sort_key(&self) -> String {
        standoff_core::order::sort_key(self.model.order_key, self.model.id)
    }

    /// How precisely `occurredAt` is known.
    async fn precision(&self) -> DatePrecision {
        self.model.precision.into()
    }

    /// The date written for readers at its precision, in UTC: "30 Aug 2025", "August 2025",
    /// "11–30 Aug 2025", "by August 2025".
    async fn display_date(&self) -> String {
        date::display(&date::of(&self.model), "UTC")
    }

    /// When the first source reported it.
    async fn reported_at(&self) -> Option<When> {
        self.model.reported_at.map(When::from)
    }

    /// One-line headline.
    async fn title(&self) -> &str {
        &self.model.title
    }

    /// What happened, in the newsroom's own words.
    async fn summary(&self) -> Option<&str> {
        self.model.summary.as_deref()
    }

    /// Only what the source quotes, verbatim.
    async fn quote(&self) -> Option<&str> {
        self.model.quote.as_deref()
    }

    /// Where it happened.
    async fn place(&self) -> Option<&str> {
        self.model.place.as_deref()
    }

    /// A count, such as troops deployed.
    async fn magnitude(&self) -> Option<i32> {
        // GraphQL's Int is 32 bits; the checks keep stored counts within it.
        self.model.magnitude.and_then(|m| i32::try_from(m).ok())
    }

    /// How conflictual it is, from -10 (most) to +10 (most cooperative): the category's
    /// default unless an editor overrode it.
    async fn intensity(&self) -> f64 {
        self.model.intensity
    }

    /// Why an editor overrode the default intensity, when one did.
    async fn intensity_reason(&self) -> Option<&str> {
        self.model.intensity_reason.as_deref()
    }

    /// Who acted.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Actor> {
        if let Some(actor) = &self.near.actor {
            return Ok(Actor(actor.as_ref().clone()));
        }
        loaders(ctx)
            .load_one(ActorId(self.model.actor_id))
            .await?
            .map(Actor)
            .ok_or_else(|| ApiError::internal("an action's actor is missing").into())
    }

    /// The actors it is aimed at.
    async fn targets(&self, ctx: &Context<'_>) -> Result<Vec<Actor>> {
        if let Some(targets) = &self.near.targets {
            return Ok(targets.iter().cloned().map(Actor).collect());
        }
        let found = loaders(ctx).load_one(TargetsOf(self.model.id)).await?;
        Ok(found.unwrap_or_default().into_iter().map(Actor).collect())
    }

    /// Where the evidence is.
    async fn citations(&self, ctx: &Context<'_>) -> Result<Vec<Citation>> {
        if let Some(citations) = &self.near.citations {
            return Ok(citations
                .iter()
                .map(|(citation, source)| Citation {
                    citation: citation.clone(),
                    source: source.clone(),
                })
                .collect());
        }
        let found = loaders(ctx).load_one(CitationsOf(self.model.id)).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(|(citation, source)| Citation { citation, source })
            .collect())
    }

    /// What this action answers, in time order.
    async fn responds_to(&self, ctx: &Context<'_>) -> Result<Vec<Response>> {
        let loader = loaders(ctx);
        if !ctx.look_ahead().field("respondsTo").exists() {
            let found = loader.load_one(LinksFrom(self.model.id)).await?;
            return Ok(found
                .unwrap_or_default()
                .into_iter()
                .map(|link| Response::from(link, Some(self.model.clone()), None))
                .collect());
        }
        let found = loader.load_one(AnswersFrom(self.model.id)).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(|(link, answered)| Response::from(link, Some(self.model.clone()), Some(answered)))
            .collect())
    }

    /// What answered it, in time order.
    async fn responses(&self, ctx: &Context<'_>) -> Result<Vec<Response>> {
        let loader = loaders(ctx);
        if !ctx.look_ahead().field("action").exists() {
            let found = loader.load_one(LinksTo(self.model.id)).await?;
            return Ok(found
                .unwrap_or_default()
                .into_iter()
                .map(|link| Response::from(link, None, Some(self.model.clone())))
                .collect());
        }
        let found = loader.load_one(AnswersTo(self.model.id)).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(|(link, answer)| Response::from(link, Some(answer), Some(self.model.clone())))
            .collect())
    }

    /// 1 when recorded; each correction adds one.
    async fn revision(&self) -> i32 {
        self.model.revision
    }

    /// Retracted actions are hidden from the default timeline but never deleted.
    async fn retracted(&self) -> bool {
        self.model.retracted
    }

    /// Every correction, oldest first: when, the editor's note, the fields changed with their
    /// old and new values.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<Revision>> {
        Ok(loaders(ctx)
            .load_one(HistoryOf(self.model.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Revision)
            .collect())
    }

    /// When and why it was retracted, while it is; null otherwise.
    async fn retraction(&self, ctx: &Context<'_>) -> Result<Option<Retraction>> {
        if !self.model.retracted {
            return Ok(None);
        }
        Ok(loaders(ctx)
            .load_one(RetractionOf(self.model.id))
            .await?
            .map(Retraction))
    }

    /// The stories it belongs to, by slug.
    async fn stories(&self, ctx: &Context<'_>) -> Result<Vec<super::Story>> {
        super::story::stories_of(ctx, self.model.id).await
    }

    /// Whether readers see it: a draft, in review and scheduled actions are seen by editors
    /// only; readers only ever see PUBLISHED.
    async fn publication(&self) -> PublicationState {
        self.model.publication.into()
    }

    /// When a scheduled action will be published, or when a published one was.
    async fn publish_at(&self) -> Option<When> {
        self.model.publish_at.map(Into::into)
    }

    /// Who recorded it (editors only; null for readers and for actions from before drafts).
    async fn recorded_by(&self, ctx: &Context<'_>) -> Option<&str> {
        newsroom(ctx)
            .then_some(self.model.recorded_by.as_deref())
            .flatten()
    }

    /// Who approved it for publication, while it is approved (editors only).
    async fn approved_by(&self, ctx: &Context<'_>) -> Option<&str> {
        newsroom(ctx)
            .then_some(self.model.approved_by.as_deref())
            .flatten()
    }

    /// Who published or scheduled it (editors only).
    async fn published_by(&self, ctx: &Context<'_>) -> Option<&str> {
        newsroom(ctx)
            .then_some(self.model.published_by.as_deref())
            .flatten()
    }
}

/// Whether the operation's viewer is an editor, who may see who did what.
fn newsroom(ctx: &Context<'_>) -> bool {
    visibility(ctx) == Visibility::Newsroom
}

/// An edge of the escalation thread: a later action answering an earlier one.
pub struct Response {
    link: response::Model,
    /// The answer, when it came with the link.
    action: Option<action::Model>,
    /// What it answers, when it came with the link.
    responds_to: Option<action::Model>,
}

impl Response {
    /// A link whose actions are loaded on demand.
    pub fn new(link: response::Model) -> Self {
        Self::from(link, None, None)
    }

    /// A link with whichever of its actions came with it (the rest load on demand).
    fn from(
        link: response::Model,
        action: Option<action::Model>,
        responds_to: Option<action::Model>,
    ) -> Self {
        Self {
            link,
            action,
            responds_to,
        }
    }
}

/// The action at one end of a link: the one that came with it, or one loaded by id.
async fn end_of_link(
    ctx: &Context<'_>,
    preloaded: &Option<action::Model>,
    id: i64,
) -> Result<Action> {
    if let Some(model) = preloaded {
        return Ok(Action::from(model.clone()));
    }
    loaders(ctx)
        .load_one(ActionId(id))
        .await?
        .map(Action::from)
        .ok_or_else(|| ApiError::internal("a response's action is missing").into())
}

#[Object]
impl Response {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Response, self.link.id)
    }

    /// The answer.
    async fn action(&self, ctx: &Context<'_>) -> Result<Action> {
        end_of_link(ctx, &self.action, self.link.action_id).await
    }

    /// What it answers.
    async fn responds_to(&self, ctx: &Context<'_>) -> Result<Action> {
        end_of_link(ctx, &self.responds_to, self.link.responds_to_id).await
    }

    /// How it answers, from cooperative to conflictual.
    async fn stance(&self) -> Stance {
        self.link.stance.into()
    }
}

/// Where an action's evidence is: a source and the passage that supports it.
pub struct Citation {
    citation: citation::Model,
    source: source::Model,
}

#[Object]
impl Citation {
    /// The document cited.
    async fn source(&self) -> Source {
        Source(self.source.clone())
    }

    /// The passage that supports the action.
    async fn excerpt(&self) -> Option<&str> {
        self.citation.excerpt.as_deref()
    }
}

/// One page of the filtered timeline as a connection, reading only the columns the query
/// selects and prefetching the relations it selects.
pub async fn action_connection(
    ctx: &Context<'_>,
    filter: ResolvedFilter,
    order: TimeOrder,
    request: &PageRequest<TimelineCursor>,
) -> Result<ActionConnection> {
    let look = ctx.look_ahead();
    let nodes = connection_nodes(&look);
    let (page, actors) = timeline::page(
        database(ctx),
        &filter,
        order,
        request,
        action_columns(&nodes),
        actor_columns(&nodes, &["actor"]),
    )
    .await
    .gql()?;
    let models: Vec<_> = page.items.iter().map(|(_, m)| m).collect();
    let mut near = prefetch_actions(ctx, &nodes, &models, Some(actors)).await?;
    Ok(connection(
        page,
        |model| near.attach(model),
        TimelineTotal(filter),
    ))
}

/// The extra fields of an action connection, computed only when asked for.
pub struct TimelineTotal(pub ResolvedFilter);

#[Object]
impl TimelineTotal {
    /// How many actions match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        timeline::count(database(ctx), &self.0).await.gql()
    }
}
