//! The `Subscription` root: timeline events, replayed from the change log after a cursor and
//! then streamed live, with no gap and no duplicate at the seam.

use super::enums::ChangeType;
use super::error::ServiceResultExt;
use super::input::TimelineFilter;
use super::object::{Action, database};
use crate::metrics::{GaugeGuard, Metrics};
use crate::service::cursor::ChangeCursor;
use crate::service::events::{self, TimelineChange};
use crate::service::feed::ChangeFeed;
use crate::service::tail::LogTail;
use async_graphql::{Context, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Events read per query while catching up.
const BATCH: u64 = 100;
/// How often a text-searching subscription re-reads the log even without a wake-up: writes by
/// another process on the same database (a `standoff seed`, another instance) still arrive.
const POLL_EVERY: Duration = Duration::from_secs(5);
/// Pause after a failed read before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

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
    pub at: DateTime<Utc>,
    #[graphql(skip)]
    action: standoff_entities::action::Model,
}

#[async_graphql::ComplexObject]
impl TimelineEvent {
    /// The action as it is now.
    async fn action(&self) -> Action {
        Action(self.action.clone())
    }
}

impl TimelineEvent {
    /// The event for a change, if the change is one that timeline events tell of.
    fn from_change(change: TimelineChange) -> Option<Self> {
        Some(Self {
            cursor: ChangeCursor(change.seq).encode(),
            kind: ChangeType::from_kind(change.kind)?,
            at: change.at,
            action: change.action,
        })
    }
}

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
        let db = database(ctx).clone();
        let filter = TimelineFilter::resolve(filter, ctx).await?.with_retracted();
        let tail = ctx.data_unchecked::<LogTail>().clone();
        // Subscribing before reading the head means no change can fall between the two.
        let mut live = tail.subscribe();
        let mut wake = ctx.data_unchecked::<ChangeFeed>().subscribe();
        let start = match after {
            Some(cursor) => ChangeCursor::decode(&cursor).gql()?.0,
            None => events::head(&db).await.gql()?,
        };
        let active = GaugeGuard::hold(&ctx.data_unchecked::<Metrics>().subscriptions);
        // Text search needs the database's index, so those subscriptions read the log alone.
        let shared = !filter.searches_text();
        Ok(async_stream::stream! {
            // Counted as active for as long as the stream lives.
            let _active = active;
            let mut position = start;
            loop {
                if !shared || position < tail.position() {
                    // Behind the shared reader (replaying, lagging, just subscribed): read the
                    // log directly until caught up.
                    // Boxed: the read's future is large, and an idle subscription should not
                    // carry its space while it waits for the shared reader.
                    match Box::pin(events::events_after(&db, position, &filter, BATCH)).await {
                        Ok(batch) => {
                            position = batch.position;
                            for event in batch.events.into_iter().filter_map(TimelineEvent::from_change) {
                                yield event;
                            }
                            if batch.more || shared {
                                continue;
                            }
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "subscription could not read the change log; retrying");
                            tokio::time::sleep(RETRY_AFTER).await;
                            continue;
                        }
                    }
                    tokio::select! {
                        changed = wake.changed() => {
                            if changed.is_err() {
                                break;
                            }
                        }
                        () = tokio::time::sleep(POLL_EVERY) => {}
                    }
                    continue;
                }
                match live.recv().await {
                    Ok(batch) => {
                        // A gap (the reader started after this subscription's position): the
                        // top of the loop reads it from the log.
                        if batch.after > position {
                            continue;
                        }
                        for event in &batch.events {
                            let change = &event.change;
                            if change.seq > position
                                && filter.matches(&change.action, event.side, &event.targets)
                                && let Some(event) = TimelineEvent::from_change(change.clone())
                            {
                                yield event;
                            }
                        }
                        position = position.max(batch.position);
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                }
            }
        })
    }
}
