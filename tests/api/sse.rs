//! GraphQL over Server-Sent Events: the protocol's framing, refusals inside the stream, and the
//! same per-client limit as sockets.

use crate::helpers::{spawn_app, spawn_app_configured};
use serde_json::json;
use std::time::Duration;

/// Reads the stream until `until` appears in it (or 10 s pass); gives what arrived.
async fn read_until(response: reqwest::Response, until: &str) -> String {
    let mut response = response;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains(until) {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    text
}

#[tokio::test]
async fn a_query_streams_one_result_then_completes_and_a_bad_one_is_refused_in_the_stream() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/graphql/stream"))
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "{ story(slug: \"chicago-2025\") { title } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = read_until(response, "event: complete").await;
    assert!(
        text.starts_with("event: next\ndata: {\"data\":{\"story\":{\"title\":\"Chicago vs. the White House, 2025\"}}}\n\n"),
        "{text}"
    );
    assert!(text.ends_with("event: complete\ndata: \n\n"), "{text}");

    for (body, code) in [
        (json!({ "query": "{ nope }" }), "BAD_USER_INPUT"),
        (
            json!({ "query": "subscription { timelineEvents(after: \"forged\") { cursor } }" }),
            "BAD_USER_INPUT",
        ),
    ] {
        let response = app
            .client
            .post(app.url("/graphql/stream"))
            .header("accept", "text/event-stream")
            .json(&body)
            .send()
            .await
            .expect("sent");
        let text = read_until(response, "event: complete").await;
        let data = text
            .lines()
            .find_map(|l| l.strip_prefix("data: {"))
            .expect("a result");
        let result: serde_json::Value = serde_json::from_str(&format!("{{{data}")).expect("JSON");
        assert_eq!(result["errors"][0]["extensions"]["code"], code, "{text}");
    }
    let bad_token = app
        .client
        .get(app.url(
            "/graphql/stream?query=subscription%20%7B%20timelineEvents%20%7B%20cursor%20%7D%20%7D",
        ))
        .header("authorization", "Bearer stf_nope")
        .send()
        .await
        .expect("sent");
    let text = read_until(bad_token, "event: complete").await;
    assert!(text.contains("UNAUTHENTICATED"), "{text}");
}

#[tokio::test]
async fn one_address_holds_no_more_streams_than_sockets() {
    let app = spawn_app_configured(|s| s.max_sockets_per_client = 2).await;
    let open = || {
        app.client
            .get(app.url("/graphql/stream?query=subscription%20%7B%20timelineEvents%20%7B%20cursor%20%7D%20%7D"))
            .send()
    };
    let first = open().await.expect("sent");
    let second = open().await.expect("sent");
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open().await.expect("sent");
    assert_eq!(third.status(), 429);
    drop(first);
    // The slot comes back once the first stream has gone.
    let mut again = open().await.expect("sent");
    for _ in 0..50 {
        if again.status() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        again = open().await.expect("sent");
    }
    assert_eq!(again.status(), 200);
    drop(second);
}
