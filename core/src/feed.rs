//! The in-process change feed: after a write commits, it announces the newest change-log
//! sequence number. Subscribers read the log itself; the feed only wakes them, so a missed
//! wake-up costs latency, never an event.

use std::sync::Arc;
use tokio::sync::watch;

/// The PostgreSQL channel told of each committed write; the payload is its newest sequence number.
pub const NOTIFY_CHANNEL: &str = "standoff_changes";

/// Wakes subscribers when the change log grows.
#[derive(Clone, Debug)]
pub struct ChangeFeed {
    latest: Arc<watch::Sender<i64>>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl ChangeFeed {
    /// A feed that has announced nothing yet.
    pub fn new() -> Self {
        Self {
            latest: Arc::new(watch::channel(0).0),
        }
    }

    /// Announces that the log holds changes up to `seq` (called after the commit).
    pub fn announce(&self, seq: i64) {
        self.latest.send_if_modified(|current| {
            if seq > *current {
                *current = seq;
                true
            } else {
                false
            }
        });
    }

    /// Wakes every subscriber to re-read the log, without knowing how far it has grown (after
    /// the listener reconnects, when notifications may have been missed).
    pub fn wake(&self) {
        self.latest.send_modify(|_| {});
    }

    /// The newest sequence number announced: the change log's head as this instance knows it.
    pub fn latest(&self) -> i64 {
        *self.latest.borrow()
    }

    /// A receiver that wakes on every announcement; being a watch, it never lags behind.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }
}

/// Keeps this instance's feed in step with writes made through any instance, by LISTENing on
/// PostgreSQL. A notification carries only a sequence number; subscribers then read the log.
/// After a lost connection it reconnects and wakes every subscriber to re-read the log, and the
/// subscriptions' own polling covers anything missed in between, so an outage costs latency,
/// never an event.
pub async fn follow_postgres(db: sea_orm::DatabaseConnection, feed: ChangeFeed) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = db.get_postgres_connection_pool().clone();
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(NOTIFY_CHANNEL).await {
                Ok(()) => {
                    feed.wake();
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(note)) => {
                                if let Ok(seq) = note.payload().parse::<i64>() {
                                    feed.announce(seq);
                                }
                            }
                            Ok(None) => {
                                tracing::warn!("change listener lost its connection; reconnecting");
                                feed.wake();
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "change listener failed; reconnecting");
                                break;
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot LISTEN for changes"),
            },
            Err(err) => tracing::warn!(error = %err, "cannot connect the change listener"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
