//! The `Subscription` root: timeline events, replayed from the change log after a cursor and
//! then streamed live, with no gap and no duplicate at the seam.

use super::enums::ChangeType;
use super::input::TimelineFilter;
use super::object::Action;
use crate::error::CoreResultExt;
use crate::schema::when::When;
use async_graphql::{Context, Result, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use standoff_core::cursor::ChangeCursor;
use standoff_core::events::TimelineChange;
use standoff_core::filter::Visibility;
use standoff_core::follow::Follower;
use std::sync::{Arc, Mutex};

/// One change to an action on the timeline.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct TimelineEvent {
    /// Pass this as `after` when resubscribing to miss nothing and see nothing twice.
    pub cursor: String,
    /// What happened to the action.
    #[graphql(name = "type")]
    pub kind: ChangeType,
    /// When the change was written.
    pub at: When,
    #[graphql(skip)]
    action: standoff_entities::action::Model,
}

#[async_graphql::ComplexObject]
impl TimelineEvent {
    /// The action as it is now.
    async fn action(&self) -> Action {
        Action::from(self.action.clone())
    }
}

impl TimelineEvent {
    /// The event for a change, if the change is one that timeline events tell `visibility` of.
    fn from_change(change: TimelineChange, visibility: Visibility) -> Option<Self> {
        Some(Self {
            cursor: ChangeCursor(change.seq).encode(),
            kind: ChangeType::from_kind(change.kind, visibility)?,
            at: change.at.into(),
            action: change.action,
        })
    }
}

/// The cursor a stream resumes from, given outside the operation (SSE's `Last-Event-ID`): it
/// takes the place of `after`, being the newer of the two.
#[derive(Debug, Clone)]
pub struct ResumeFrom(pub String);

/// Where a stream's transport learns the cursor of the event it is sending (SSE's `id:`),
/// whether or not the operation selects it.
#[derive(Debug, Clone)]
pub struct StreamCursor(pub Arc<Mutex<Option<String>>>);

/// Live updates.
#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Changes to actions matching `filter` (retracted ones included, so a retraction is
    /// told). With `after` (an event's `cursor` or a `changes` cursor), every matching change
    /// since then is replayed first; without it, only changes from now on are sent.
    async fn timeline_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<TimelineFilter>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = TimelineEvent> + use<>> {
        let filter = TimelineFilter::resolve(filter, ctx).await?.with_retracted();
        let visibility = filter.visibility();
        let after = ctx
            .data_opt::<ResumeFrom>()
            .map(|r| r.0.clone())
            .or(after)
            .map(|cursor| ChangeCursor::decode(&cursor).map(|c| c.0))
            .transpose()
            .gql()?;
        let told = ctx.data_opt::<StreamCursor>().cloned();
        let changes = ctx
            .data_unchecked::<Follower>()
            .follow(filter, after)
            .await
            .gql()?;
        Ok(changes.filter_map(move |change| {
            let event = TimelineEvent::from_change(change, visibility);
            if let (Some(told), Some(event)) = (&told, &event) {
                *told.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(event.cursor.clone());
            }
            std::future::ready(event)
        }))
    }
}
