//! PostgreSQL going away and coming back while an instance serves.

use crate::helpers::fresh_database;
use crate::instances::{Instance, editor_token, record, source_id};
use crate::ws;
use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};

/// Stops the local PostgreSQL cluster; starts it again when dropped, even if the test fails.
struct Stopped {
    version: String,
    running: bool,
}

impl Stopped {
    fn cluster(action: &str, version: &str) {
        let status = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", version, "main", action])
            .args(if action == "stop" {
                &["-m", "fast"][..]
            } else {
                &[][..]
            })
            .status()
            .expect("pg_ctlcluster runs");
        assert!(status.success(), "pg_ctlcluster {action} failed");
    }

    fn now() -> Self {
        let version = std::fs::read_dir("/etc/postgresql")
            .expect("a Debian PostgreSQL install")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .next()
            .expect("a cluster version");
        Self::cluster("stop", &version);
        Self {
            version,
            running: false,
        }
    }

    fn start(&mut self) {
        if !self.running {
            Self::cluster("start", &self.version);
            self.running = true;
        }
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        self.start();
    }
}

#[tokio::test]
async fn requests_fail_fast_during_an_outage_and_everything_recovers_without_a_restart() {
    let db = fresh_database().await;
    assert!(db.url.starts_with("postgres"), "set STANDOFF_TEST_POSTGRES");
    let a = Instance::start(&db.url).await;
    let auth = editor_token(&db.url, "desk");
    let source = source_id(&a).await;
    assert_eq!(a.status("/readyz").await, 200);

    let mut subscriber = ws::connect(a.addr, "graphql-transport-ws", json!({})).await;
    subscriber
        .subscribe(
            "e",
            "subscription { timelineEvents(filter: { text: \"After the outage\" }) { type action { title } } }",
            json!({}),
        )
        .await;
    // Let the subscription read the log's head before the database goes.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut outage = Stopped::now();
    let asked = Instant::now();
    let body = a.post(None, "{ timeline { totalCount } }", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTERNAL",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("unavailable"),
        "{body}"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "fails fast, does not hang"
    );
    assert_eq!(a.status("/readyz").await, 503);
    assert_eq!(
        a.status("/healthz").await,
        200,
        "the process itself is fine"
    );

    outage.start();
    let deadline = Instant::now() + Duration::from_secs(60);
    while a.status("/readyz").await != 200 {
        assert!(
            Instant::now() < deadline,
            "ready again after the database returns"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let body = a.post(None, "{ timeline { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["timeline"]["totalCount"], 11, "{body}");
    record(a.addr, &auth, &source, "After the outage").await;
    let event = subscriber.next_event().await;
    assert_eq!(
        event["action"]["title"], "After the outage",
        "the subscription survived"
    );
}
