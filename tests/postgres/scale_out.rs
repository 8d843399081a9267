//! Two instances on one database: fan-out across instances, resuming after a crash, and a
//! simultaneous first start.

use crate::helpers::fresh_database;
use crate::instances::{Instance, editor_token, record, source_id};
use crate::ws;
use serde_json::{Value, json};
use std::time::Duration;

const EVENTS: &str = "subscription($f: TimelineFilter, $after: String) {
  timelineEvents(filter: $f, after: $after) { cursor type action { title } }
}";

async fn postgres_database() -> crate::helpers::FreshDatabase {
    let db = fresh_database().await;
    assert!(
        db.url.starts_with("postgres"),
        "set STANDOFF_TEST_POSTGRES to a PostgreSQL server; these tests are about PostgreSQL"
    );
    db
}

/// The cursor of the newest change in the log, read through `instance`.
async fn head_cursor(instance: &Instance) -> String {
    let mut after: Option<String> = None;
    loop {
        let page = instance
            .post(
                None,
                "query($a: String) { changes(first: 100, after: $a) { pageInfo { hasNextPage endCursor } } }",
                json!({ "a": after }),
            )
            .await;
        let info = &page["data"]["changes"]["pageInfo"];
        after = info["endCursor"].as_str().map(str::to_owned).or(after);
        if info["hasNextPage"] != true {
            return after.expect("a non-empty log");
        }
    }
}

/// The cursors of the log's RECORDED changes whose action title starts with `prefix`.
async fn logged(instance: &Instance, prefix: &str) -> Vec<String> {
    let mut cursors = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = instance
            .post(
                None,
                "query($a: String) { changes(first: 100, after: $a) {
                   edges { cursor node { kind action { title } } }
                   pageInfo { hasNextPage endCursor } } }",
                json!({ "a": after }),
            )
            .await;
        let conn = &page["data"]["changes"];
        for edge in conn["edges"].as_array().expect("edges") {
            let title = edge["node"]["action"]["title"].as_str().unwrap_or("");
            if edge["node"]["kind"] == "RECORDED" && title.starts_with(prefix) {
                cursors.push(edge["cursor"].as_str().expect("cursor").to_owned());
            }
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            return cursors;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

#[tokio::test]
async fn a_subscriber_on_one_instance_gets_what_another_records_and_survives_a_crash() {
    let db = postgres_database().await;
    let a = Instance::start(&db.url).await;
    let mut b = Instance::start(&db.url).await;
    let auth = editor_token(&db.url, "desk");
    let source = source_id(&a).await;

    // Fan-out: subscribed on B from the log's head, an action recorded through A arrives.
    let start = head_cursor(&a).await;
    let mut on_b = ws::connect(b.addr, "graphql-transport-ws", json!({})).await;
    on_b.subscribe(
        "e",
        EVENTS,
        json!({ "f": { "text": "Stream" }, "after": start }),
    )
    .await;
    // Once the subscription has read the log, only a wake-up from A's NOTIFY can deliver within
    // 2 s: B's own re-read of the log comes every 5 s.
    tokio::time::sleep(Duration::from_secs(1)).await;
    record(a.addr, &auth, &source, "Stream 0").await;
    let first = tokio::time::timeout(Duration::from_secs(2), on_b.next_event())
        .await
        .expect("B delivers what A recorded within 2 s");
    assert_eq!(first["action"]["title"], "Stream 0");

    // Keep recording through A while B dies mid-stream.
    let writer = {
        let (addr, auth, source) = (a.addr, auth.clone(), source.clone());
        tokio::spawn(async move {
            for i in 1..60 {
                record(addr, &auth, &source, &format!("Stream {i}")).await;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        })
    };
    let mut received: Vec<Value> = vec![first];
    for _ in 0..10 {
        received.push(on_b.next_event().await);
    }
    b.kill9();

    // The client comes back on A with the last cursor it saw.
    let last = received
        .last()
        .and_then(|e| e["cursor"].as_str())
        .expect("cursor")
        .to_owned();
    let mut on_a = ws::connect(a.addr, "graphql-transport-ws", json!({})).await;
    on_a.subscribe(
        "e",
        EVENTS,
        json!({ "f": { "text": "Stream" }, "after": last }),
    )
    .await;
    writer.await.expect("writer");
    loop {
        let event = on_a.next_event().await;
        let done = event["action"]["title"] == "Stream 59";
        received.push(event);
        if done {
            break;
        }
    }
    let cursors: Vec<String> = received
        .iter()
        .map(|e| e["cursor"].as_str().expect("cursor").to_owned())
        .collect();
    assert_eq!(
        cursors,
        logged(&a, "Stream").await,
        "exactly the log: no gap, no repeat"
    );
    let titles: Vec<String> = received
        .iter()
        .map(|e| e["action"]["title"].as_str().expect("title").to_owned())
        .collect();
    let expected: Vec<String> = (0..60).map(|i| format!("Stream {i}")).collect();
    assert_eq!(titles, expected);
}

#[tokio::test]
async fn two_instances_starting_together_on_an_empty_database_migrate_and_seed_once() {
    let db = postgres_database().await;
    let (a, b) = tokio::join!(Instance::start(&db.url), Instance::start(&db.url));
    for instance in [&a, &b] {
        let body = instance
            .post(
                None,
                "{ timeline { totalCount } changes { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["timeline"]["totalCount"], 11, "{body}");
        // The story, 12 actors, 1 source, 11 actions and 8 responses, written once.
        assert_eq!(body["data"]["changes"]["totalCount"], 33, "{body}");
    }
    use sea_orm::sqlx::{Connection, PgConnection, Row};
    let mut conn = PgConnection::connect(&db.url).await.expect("connect");
    let row = sea_orm::sqlx::query("SELECT count(*) AS n FROM seaql_migrations")
        .fetch_one(&mut conn)
        .await
        .expect("migrations table");
    use standoff_migration::MigratorTrait;
    let migrations = standoff_migration::Migrator::migrations().len();
    assert_eq!(
        row.get::<i64, _>("n"),
        i64::try_from(migrations).expect("few"),
        "each migration applied once"
    );
}
