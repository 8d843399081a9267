//! The in-process change feed: after a write commits, it announces the newest change-log
//! sequence number. Subscribers read the log itself; the feed only wakes them, so a missed
//! wake-up costs latency, never an event.

use std::sync::Arc;
use tokio::sync::watch;

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

    /// A receiver that wakes on every announcement; being a watch, it never lags behind.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }
}
