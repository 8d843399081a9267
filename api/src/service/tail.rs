//! One reader of the change log per instance, shared by every live subscription: each wake-up
//! costs a few statements for the whole instance instead of a read per subscriber. Subscribers
//! filter the shared batches in memory and fall back to reading the log themselves whenever
//! they are behind (replaying, lagging, or just subscribed).

use super::ServiceResult;
use super::events::{self, TimelineChange};
use super::feed::ChangeFeed;
use super::filter::ResolvedFilter;
use super::lookup;
use sea_orm::DatabaseConnection;
use standoff_entities::Side;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// Changes read per statement.
const BATCH: u64 = 500;
/// Batches a slow subscriber may fall behind before it reads the log itself.
const CAPACITY: usize = 256;
/// How often the log is read without a wake-up, so writes by another process arrive too.
const POLL_EVERY: Duration = Duration::from_secs(5);
/// Pause after a failed read.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A change with what an in-memory filter needs to know of its action.
#[derive(Debug, Clone)]
pub struct TailEvent {
    /// The change and the action as it is now.
    pub change: TimelineChange,
    /// The acting actor's side.
    pub side: Side,
    /// The ids of the actors it is aimed at.
    pub targets: Vec<i64>,
}

/// Every timeline change in `(after, position]`, in log order.
#[derive(Debug)]
pub struct TailBatch {
    /// The log position before this batch.
    pub after: i64,
    /// The log position this batch covers up to.
    pub position: i64,
    /// The changes.
    pub events: Vec<TailEvent>,
}

/// The shared reader's output: batches as they are read, and how far it has read.
#[derive(Clone, Debug)]
pub struct LogTail {
    batches: broadcast::Sender<Arc<TailBatch>>,
    position: Arc<AtomicI64>,
}

impl Default for LogTail {
    fn default() -> Self {
        Self {
            batches: broadcast::channel(CAPACITY).0,
            position: Arc::new(AtomicI64::new(0)),
        }
    }
}

impl LogTail {
    /// Receives every batch read from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<TailBatch>> {
        self.batches.subscribe()
    }

    /// How far the shared reader has read; a subscriber behind this reads the log itself.
    pub fn position(&self) -> i64 {
        self.position.load(Ordering::Acquire)
    }

    /// Starts the shared reader; it runs until the feed is dropped.
    pub fn spawn(&self, db: DatabaseConnection, feed: ChangeFeed) {
        tokio::spawn(follow(self.clone(), db, feed));
    }
}

async fn follow(tail: LogTail, db: DatabaseConnection, feed: ChangeFeed) {
    let mut wake = feed.subscribe();
    let mut position = loop {
        match events::head(&db).await {
            Ok(head) => break head,
            Err(err) => {
                tracing::warn!(error = %err, "the log reader cannot find the log's head; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    };
    tail.position.store(position, Ordering::Release);
    let everything = ResolvedFilter::default().with_retracted();
    loop {
        match read(&db, position, &everything).await {
            Ok((batch, more)) => {
                if batch.position > position {
                    position = batch.position;
                    // The position moves first: a subscriber that sees it and reads the log
                    // itself will skip the batch's events as already seen.
                    tail.position.store(position, Ordering::Release);
                    // Nobody listening is fine.
                    let _ = tail.batches.send(Arc::new(batch));
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
) -> ServiceResult<(TailBatch, bool)> {
    let batch = events::events_after(db, after, everything, BATCH).await?;
    let mut events = Vec::with_capacity(batch.events.len());
    if !batch.events.is_empty() {
        let mut actor_ids: Vec<i64> = batch.events.iter().map(|e| e.action.actor_id).collect();
        actor_ids.sort_unstable();
        actor_ids.dedup();
        let actors = lookup::actors(db, &actor_ids).await?;
        let action_ids: Vec<i64> = batch.events.iter().map(|e| e.action.id).collect();
        let targets = lookup::targets(db, &action_ids).await?;
        for change in batch.events {
            let Some(actor) = actors.get(&change.action.actor_id) else {
                continue;
            };
            let aimed = targets
                .get(&change.action.id)
                .map(|t| t.iter().map(|a| a.id).collect())
                .unwrap_or_default();
            events.push(TailEvent {
                side: actor.side,
                targets: aimed,
                change,
            });
        }
    }
    Ok((
        TailBatch {
            after,
            position: batch.position,
            events,
        },
        batch.more,
    ))
}
