//! Clients that ask too often or send too slowly: a per-client request rate (429 with
//! LIMIT_EXCEEDED, no SQL), header and body read timeouts on raw TCP connections.

use crate::helpers::{TestApp, spawn_app_configured};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const QUERY: &str = "{ timeline(first: 1) { totalCount } }";

/// POSTs the small query as the client at `address` (via `X-Forwarded-For`).
async fn ask_as(app: &TestApp, address: &str) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", address)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn each_client_gets_its_burst_then_429_without_sql() {
    // One request a minute sustained, so nothing refills during the test.
    let app = spawn_app_configured(|s| {
        s.rate_limit_per_second = 1;
        s.rate_limit_burst = 5;
        s.trust_forwarded_for = true;
    })
    .await;
    let greedy = "198.51.100.7";
    // The bucket holds five and refills one a second: the first five pass.
    for n in 0..5 {
        let response = ask_as(&app, greedy).await;
        assert_eq!(response.status(), 200, "request {n} is inside the burst");
    }
    let before = app.statements.get();
    let mut refused = 0;
    for _ in 0..50 {
        let response = ask_as(&app, greedy).await;
        if response.status() == 429 {
            refused += 1;
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=2).contains(&wait), "Retry-After {wait}");
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
        }
    }
    // At most a refill or two slipped through while the fifty were sent.
    assert!(refused >= 45, "{refused} of 50 refused");
    let statements_for_passed = app.statements.get() - before;
    assert!(
        statements_for_passed <= 10 * (50 - refused),
        "refused requests ran SQL: {statements_for_passed} statements"
    );
    // Another client, and the probes, are not affected.
    let other = ask_as(&app, "203.0.113.9").await;
    assert_eq!(other.status(), 200);
    let body: Value = other.json().await.expect("JSON");
    assert_eq!(body["data"]["timeline"]["totalCount"], 11);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_zero_rate_turns_the_limit_off() {
    let app = spawn_app_configured(|s| {
        s.rate_limit_per_second = 0;
        s.rate_limit_burst = 1;
    })
    .await;
    for _ in 0..20 {
        assert_eq!(ask_as(&app, "ignored").await.status(), 200);
    }
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received).await;
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_client_sending_headers_slowly_is_cut_off() {
    let app = spawn_app_configured(|s| s.slow_client_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: standoff\r\n")
        .await
        .expect("write");
    // The headers never end; the server must hang up on its own, well before this bound.
    let closed = tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut stream)).await;
    assert!(closed.is_ok(), "the connection stayed open");
    // Meanwhile and afterwards, well-behaved clients are served.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_and_writes_nothing() {
    let app = spawn_app_configured(|s| s.slow_client_timeout_secs = 1).await;
    let editor = app.editor("slow").await;
    let counts = app.row_counts().await;
    let body = json!({
        "query": "mutation { recordAction(input: { title: \"Slow\" }) { id } }"
    })
    .to_string();
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: standoff\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {editor}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // Half the body, then silence.
    let half = body.len() / 2;
    stream
        .write_all(&body.as_bytes()[..half])
        .await
        .expect("write");
    let answer = tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut stream))
        .await
        .expect("answered in time");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("LIMIT_EXCEEDED"), "{answer}");
    assert_eq!(app.row_counts().await, counts);
}

#[tokio::test]
async fn a_chunked_body_past_the_limit_gets_413() {
    let app = spawn_app_configured(|s| s.max_body_bytes = 1024).await;
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: standoff\r\nContent-Type: application/json\r\n\
              Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        )
        .await
        .expect("write");
    // No Content-Length to refuse up front: the limit must bite while reading.
    let chunk = format!("800\r\n{}\r\n", " ".repeat(0x800));
    let _ = stream.write_all(chunk.as_bytes()).await;
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let answer = tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut stream))
        .await
        .expect("answered in time");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}
