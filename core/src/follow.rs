//! Following the change log: [`Follower::follow`] replays every matching change after a
//! position, catches up, then delivers live ones, with no gap and no duplicate at any seam.
//!
//! One reader per instance reads the log after each wake-up and shares the batch with every
//! live subscriber, which judges it in memory: ten thousand subscribers cost one read, not ten
//! thousand. A subscriber that is behind the shared reader (replaying, lagging, just
//! subscribed), or whose filter needs the full-text index, reads the log itself.

use crate::change_log;
use crate::events::{self, TimelineChange};
use crate::feed::ChangeFeed;
use crate::filter::{Facts, ResolvedFilter};
use crate::{CoreResult, lookup};
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use standoff_entities::Side;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// Changes the shared reader reads per statement.
const SHARED_BATCH: u64 = 500;
/// Events a subscriber reads per statement while catching up.
const CATCH_UP_BATCH: u64 = 100;
/// Batches a slow subscriber may fall behind before it reads the log itself.
const CAPACITY: usize = 256;
/// How often the log is read without a wake-up, so writes by another process on the same
/// database (a `standoff seed`, another instance) arrive too.
const POLL_EVERY: Duration = Duration::from_secs(5);
/// Pause after a failed read before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A change with what the in-memory judgement needs to know of its action.
#[derive(Debug, Clone)]
struct SharedEvent {
    change: TimelineChange,
    side: Side,
    targets: Vec<i64>,
    stories: Vec<i64>,
}

/// Every timeline change in `(after, position]`, in log order.
#[derive(Debug)]
struct SharedBatch {
    after: i64,
    position: i64,
    events: Vec<SharedEvent>,
}

/// The instance's follower of the change log, shared by every subscription.
#[derive(Clone, Debug)]
pub struct Follower {
    db: DatabaseConnection,
    feed: ChangeFeed,
    batches: broadcast::Sender<Arc<SharedBatch>>,
    position: Arc<AtomicI64>,
}

impl Follower {
    /// Starts the shared reader on `reader_db` (a small pool of its own, so its reads stay out
    /// of the requests' pool and never queue behind it); subscribers that read the log
    /// themselves use `db`. The reader runs until `feed` is dropped.
    pub fn start(db: DatabaseConnection, reader_db: DatabaseConnection, feed: ChangeFeed) -> Self {
        let follower = Self {
            db,
            feed,
            batches: broadcast::channel(CAPACITY).0,
            position: Arc::new(AtomicI64::new(0)),
        };
        tokio::spawn(read_shared(follower.clone(), reader_db));
        follower
    }

    /// Changes to actions matching `filter`, after log position `after` (replayed first) or,
    /// without it, from now on; the stream never ends while the instance runs.
    pub async fn follow(
        &self,
        filter: ResolvedFilter,
        after: Option<i64>,
    ) -> CoreResult<impl Stream<Item = TimelineChange> + Send + use<>> {
        // Subscribing before reading the head means no change can fall between the two.
        let mut live = self.batches.subscribe();
        let mut wake = self.feed.subscribe();
        let head = change_log::head(&self.db).await?;
        let start = match after {
            // A position past the head is no place in this log: waiting there would deliver
            // nothing until the log caught up, however long that took.
            Some(position) if position > head => {
                return Err(crate::CoreError::BadInput(
                    "the cursor is ahead of the change log".into(),
                ));
            }
            Some(position) => position,
            None => head,
        };
        let shared = !filter.searches_text();
        let db = self.db.clone();
        let reader_position = self.position.clone();
        Ok(async_stream::stream! {
            let mut position = start;
            loop {
                if !shared || position < reader_position.load(Ordering::Acquire) {
                    // Boxed: the read's future is large, and an idle subscription should not
                    // carry its space while it waits for the shared reader.
                    match Box::pin(events::events_after(&db, position, &filter, CATCH_UP_BATCH)).await {
                        Ok(batch) => {
                            position = batch.position;
                            for change in batch.events {
                                yield change;
                            }
                            if batch.more || shared {
                                continue;
                            }
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "a subscription could not read the change log; retrying");
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
                        // A gap (the reader started after this position): the top of the loop
                        // reads it from the log.
                        if batch.after > position {
                            continue;
                        }
                        for event in &batch.events {
                            let facts = Facts {
                                action: &event.change.action,
                                side: event.side,
                                targets: &event.targets,
                                stories: &event.stories,
                            };
                            let known = event.change.public || !filter.is_public();
                            if event.change.seq > position && known && filter.matches(facts) == Some(true) {
                                yield event.change.clone();
                            }
                        }
                        position = position.max(batch.position);
                    }
                    // Fallen behind: the top of the loop reads the missed changes from the log.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                }
            }
        })
    }
}

/// The shared reader: reads the log after every wake-up (and every few seconds) and broadcasts
/// what it read.
async fn read_shared(follower: Follower, db: DatabaseConnection) {
    let mut wake = follower.feed.subscribe();
    let mut position = loop {
        match change_log::head(&db).await {
            Ok(head) => break head,
            Err(err) => {
                tracing::warn!(error = %err, "the log reader cannot find the log's head; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    };
    follower.position.store(position, Ordering::Release);
    let everything = ResolvedFilter::default().with_retracted().for_newsroom();
    loop {
        match read(&db, position, &everything).await {
            Ok((batch, more)) => {
                if batch.position > position {
                    position = batch.position;
                    // Writes this instance was not told of (another process on SQLite, a missed
                    // notification) reach the feed too, so what is kept against the head expires.
                    follower.feed.announce(position);
                    // The position moves first: a subscriber that sees it and reads the log
                    // itself will skip the batch's events as already seen.
                    follower.position.store(position, Ordering::Release);
                    // Nobody listening is fine.
                    let _ = follower.batches.send(Arc::new(batch));
                }
                if more {
                    continue;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "the log reader could not read the log; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        }
        tokio::select! {
            changed = wake.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(POLL_EVERY) => {}
        }
    }
}

/// Reads the changes after `after` with each action's side and targets.
async fn read(
    db: &DatabaseConnection,
    after: i64,
    everything: &ResolvedFilter,
) -> CoreResult<(SharedBatch, bool)> {
    let batch = events::events_after(db, after, everything, SHARED_BATCH).await?;
    let mut events = Vec::with_capacity(batch.events.len());
    if !batch.events.is_empty() {
        let mut actor_ids: Vec<i64> = batch.events.iter().map(|e| e.action.actor_id).collect();
        actor_ids.sort_unstable();
        actor_ids.dedup();
        let actors = lookup::actors(db, &actor_ids).await?;
        let action_ids: Vec<i64> = batch.events.iter().map(|e| e.action.id).collect();
        let targets = lookup::targets(db, &action_ids).await?;
        let stories = lookup::stories_of(db, &action_ids).await?;
        for change in batch.events {
            let Some(actor) = actors.get(&change.action.actor_id) else {
                continue;
            };
            let aimed = targets
                .get(&change.action.id)
                .map(|t| t.iter().map(|a| a.id).collect())
                .unwrap_or_default();
            let member_of = stories
                .get(&change.action.id)
                .map(|s| s.iter().map(|story| story.id).collect())
                .unwrap_or_default();
            events.push(SharedEvent {
                side: actor.side,
                targets: aimed,
                stories: member_of,
                change,
            });
        }
    }
    Ok((
        SharedBatch {
            after,
            position: batch.position,
            events,
        },
        batch.more,
    ))
}
