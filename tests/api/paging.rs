//! Keyset paging over thousands of actions, many sharing one timestamp.

use crate::helpers::{TestApp, generated_story, load_story, spawn_empty_app};
use serde_json::{Value, json};

const ACTIONS: usize = 2000;

pub(crate) async fn walk(
    app: &TestApp,
    order: &str,
    forward: bool,
    size: u32,
    filter: Value,
) -> Vec<String> {
    let mut titles = Vec::new();
    let mut cursor: Option<String> = None;
    let query = if forward {
        "query($o: TimeOrder, $n: Int, $c: String, $f: TimelineFilter) {
           timeline(order: $o, first: $n, after: $c, filter: $f) {
             totalCount edges { cursor node { title } }
             pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    } else {
        "query($o: TimeOrder, $n: Int, $c: String, $f: TimelineFilter) {
           timeline(order: $o, last: $n, before: $c, filter: $f) {
             totalCount edges { cursor node { title } }
             pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    };
    for round in 0.. {
        assert!(round < 1000, "paging does not end");
        let data = app
            .query(
                query,
                json!({ "o": order, "n": size, "c": cursor, "f": filter }),
            )
            .await;
        let conn = &data["timeline"];
        let mut page: Vec<String> = conn["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["title"].as_str().expect("title").to_owned())
            .collect();
        let info = &conn["pageInfo"];
        let more = if forward {
            assert_eq!(info["hasPreviousPage"], cursor.is_some());
            titles.append(&mut page);
            cursor = info["endCursor"].as_str().map(str::to_owned);
            info["hasNextPage"].as_bool().expect("flag")
        } else {
            assert_eq!(info["hasNextPage"], cursor.is_some());
            page.append(&mut titles);
            titles = page;
            cursor = info["startCursor"].as_str().map(str::to_owned);
            info["hasPreviousPage"].as_bool().expect("flag")
        };
        if !more {
            break;
        }
    }
    titles
}

fn expected(order: &str, keep: impl Fn(usize) -> bool) -> Vec<String> {
    let mut titles: Vec<String> = (0..ACTIONS)
        .filter(|i| keep(*i))
        .map(|i| format!("Generated action {i}"))
        .collect();
    if order == "DESC" {
        titles.reverse();
    }
    titles
}

#[tokio::test]
async fn walking_forward_and_backward_returns_every_action_once_in_order() {
    let app = spawn_empty_app().await;
    let report = load_story(&app, &generated_story(ACTIONS, 7)).await;
    assert_eq!(report.actions_created, ACTIONS);
    for order in ["ASC", "DESC"] {
        for (forward, size) in [(true, 100), (false, 100), (true, 37), (false, 37)] {
            let titles = walk(&app, order, forward, size, json!({})).await;
            assert_eq!(
                titles,
                expected(order, |_| true),
                "{order}, forward={forward}, page size {size}"
            );
        }
    }
    // A filtered walk keeps the same guarantees.
    let local = walk(&app, "ASC", true, 50, json!({ "sides": ["LOCAL"] })).await;
    assert_eq!(local, expected("ASC", |i| i % 3 == 0));
    let local_back = walk(&app, "DESC", false, 50, json!({ "sides": ["LOCAL"] })).await;
    assert_eq!(local_back, expected("DESC", |i| i % 3 == 0));
}

#[tokio::test]
async fn after_and_before_together_bound_a_window() {
    let app = spawn_empty_app().await;
    load_story(&app, &generated_story(50, 7)).await;
    let data = app
        .query(
            "{ timeline(first: 50) { edges { cursor node { title } } } }",
            json!({}),
        )
        .await;
    let edges = data["timeline"]["edges"].as_array().expect("edges");
    let after = edges[9]["cursor"].clone();
    let before = edges[20]["cursor"].clone();
    let window = app
        .query(
            "query($a: String, $b: String) { timeline(first: 100, after: $a, before: $b) { nodes { title } } }",
            json!({ "a": after, "b": before }),
        )
        .await;
    let titles: Vec<&str> = window["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title"))
        .collect();
    let wanted: Vec<String> = (10..20).map(|i| format!("Generated action {i}")).collect();
    assert_eq!(titles, wanted);
}
