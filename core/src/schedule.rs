//! Scheduled publication without any request arriving: every instance runs [`run`], which
//! sleeps until the next publication falls due and publishes it then. Whichever instance gets
//! there first publishes it (the others find it published: see `publish_due`), and readers and
//! subscribers on every instance learn of it through the change log.

use crate::feed::ChangeFeed;
use crate::write::publication;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// The longest the scheduler sleeps without looking again: a publication scheduled through
/// another instance, which does not wake this one's feed at once on SQLite, is published at
/// most this late.
const LOOK_AGAIN: Duration = Duration::from_secs(2);

/// Publishes scheduled actions as they fall due, until the feed is dropped.
pub async fn run(db: DatabaseConnection, feed: ChangeFeed) {
    let mut wake = feed.subscribe();
    loop {
        let wait = match publication::next_due(&db).await {
            Ok(Some(due)) => (due - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(LOOK_AGAIN),
            Ok(None) => LOOK_AGAIN,
            Err(err) => {
                tracing::warn!(error = %err, "the scheduler cannot read what falls due; retrying");
                LOOK_AGAIN
            }
        };
        if !wait.is_zero() {
            // A write may have scheduled something sooner: look again after any.
            tokio::select! {
                changed = wake.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(wait) => {}
            }
            continue;
        }
        match publication::publish_due(&db, &feed, Utc::now()).await {
            Ok(0) => {}
            Ok(published) => tracing::info!(published, "published scheduled actions"),
            Err(err) => {
                tracing::warn!(error = %err, "the scheduler could not publish; retrying");
                tokio::time::sleep(LOOK_AGAIN).await;
            }
        }
    }
}
