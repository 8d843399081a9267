//! Scheduled publication with two instances on one database: each scheduled action is
//! published once, whichever instance's scheduler gets there first, and subscribers on both
//! instances hear of it once.

use crate::helpers::fresh_database;
use crate::instances::{Instance, editor_token, source_id};
use crate::ws;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const EVENTS: &str = "subscription { timelineEvents { type action { id title } } }";

#[tokio::test]
async fn a_scheduled_publication_is_delivered_once_not_once_per_instance() {
    let db = fresh_database().await;
    assert!(db.url.starts_with("postgres"), "set STANDOFF_TEST_POSTGRES");
    let a = Instance::start(&db.url).await;
    let b = Instance::start(&db.url).await;
    let auth = editor_token(&db.url, "scheduler-desk");
    let source = source_id(&a).await;
    let mut on_a = ws::connect(a.addr, "graphql-transport-ws", json!({})).await;
    on_a.subscribe("a", EVENTS, json!({})).await;
    let mut on_b = ws::connect(b.addr, "graphql-transport-ws", json!({})).await;
    on_b.subscribe("b", EVENTS, json!({})).await;
    // Both live: a published marker reaches both.
    let record = "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }";
    let input = |title: &str, draft: bool| {
        json!({ "input": {
            "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-09-10",
            "title": title, "draft": draft, "citations": [{ "sourceId": source }] } })
    };
    for _ in 0..10 {
        a.post(Some(&auth), record, input("Marker", false)).await;
        let seen_a = on_a.event_within(Duration::from_secs(2)).await.is_some();
        let seen_b = on_b.event_within(Duration::from_secs(2)).await.is_some();
        if seen_a && seen_b {
            break;
        }
    }
    while on_a
        .event_within(Duration::from_millis(500))
        .await
        .is_some()
    {}
    while on_b
        .event_within(Duration::from_millis(500))
        .await
        .is_some()
    {}

    // Five drafts scheduled for one moment, through both instances: both schedulers race.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(4)).to_rfc3339();
    let mut ids = Vec::new();
    for n in 0..5 {
        let via = if n % 2 == 0 { &a } else { &b };
        let made = via
            .post(Some(&auth), record, input(&format!("Due {n}"), true))
            .await;
        let id = made["data"]["recordAction"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let scheduled = via
            .post(
                Some(&auth),
                "mutation($id: ID!, $at: DateTime) { publish(id: $id, at: $at) { publication } }",
                json!({ "id": id, "at": at }),
            )
            .await;
        assert_eq!(
            scheduled["data"]["publish"]["publication"], "SCHEDULED",
            "{scheduled}"
        );
        ids.push(id);
    }
    for (name, client) in [("A", &mut on_a), ("B", &mut on_b)] {
        let mut heard: HashMap<String, usize> = HashMap::new();
        while heard.len() < ids.len() {
            let event = client
                .event_within(Duration::from_secs(20))
                .await
                .unwrap_or_else(|| panic!("instance {name} heard only {heard:?}"));
            assert_eq!(event["type"], "RECORDED", "{event}");
            *heard
                .entry(event["action"]["id"].as_str().expect("id").to_owned())
                .or_default() += 1;
        }
        assert!(
            client.quiet_for(Duration::from_secs(3)).await,
            "{name}: nothing twice"
        );
        assert!(heard.values().all(|n| *n == 1), "{name}: {heard:?}");
        let mut got: Vec<&String> = heard.keys().collect();
        got.sort();
        let mut want: Vec<&String> = ids.iter().collect();
        want.sort();
        assert_eq!(got, want, "instance {name}");
    }
    // The log holds one publication per action.
    let log = a
        .post(
            Some(&auth),
            "{ changes(last: 100) { nodes { kind action { id } } } }",
            json!({}),
        )
        .await;
    let published: Vec<&Value> = log["data"]["changes"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|c| c["kind"] == "PUBLISHED")
        .map(|c| &c["action"]["id"])
        .collect();
    assert_eq!(published.len(), ids.len(), "{published:?}");
}
