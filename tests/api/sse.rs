//! GraphQL over Server-Sent Events: the protocol's framing, refusals inside the stream, and the
//! same per-client limit as sockets.

use crate::helpers::{spawn_app, spawn_app_configured};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

/// Sends `raw` on a fresh connection and reads until the server closes it.
async fn exchange(app: &crate::helpers::TestApp, raw: &str) -> Vec<u8> {
    let mut socket = TcpStream::connect(app.addr).await.expect("connect");
    socket.write_all(raw.as_bytes()).await.expect("write");
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut received));
    assert!(
        read.await.is_ok(),
        "the server did not close the connection"
    );
    received
}

/// The responses in `raw`, one after another: each head, and its body with any chunked
/// framing taken off.
fn responses(mut raw: &[u8]) -> Vec<(String, String)> {
    let position =
        |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).position(|w| w == needle);
    let mut found = Vec::new();
    while let Some(end) = position(raw, b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        raw = &raw[end + 4..];
        let mut body = Vec::new();
        if head.contains("transfer-encoding: chunked") {
            loop {
                let line = position(raw, b"\r\n").expect("a chunk size");
                let size = std::str::from_utf8(&raw[..line]).expect("ASCII");
                let size = usize::from_str_radix(size, 16).expect("a hex chunk size");
                raw = &raw[line + 2..];
                if size == 0 {
                    raw = &raw[2..];
                    break;
                }
                body.extend_from_slice(&raw[..size]);
                assert_eq!(&raw[size..size + 2], b"\r\n", "a chunk ends its line");
                raw = &raw[size + 2..];
            }
        } else if let Some(length) = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
        {
            let length: usize = length.trim().parse().expect("a length");
            body.extend_from_slice(&raw[..length]);
            raw = &raw[length..];
        } else {
            body.extend_from_slice(raw);
            raw = &[];
        }
        found.push((head, String::from_utf8(body).expect("UTF-8")));
    }
    found
}

#[tokio::test]
async fn a_stream_reads_the_same_on_a_fresh_connection_after_another_request_and_with_a_chunked_body()
 {
    let app = spawn_app_configured(|s| s.bare_sse = true).await;
    let body = r#"{"query":"{ story(slug: \"chicago-2025\") { title } }"}"#;
    let post = |connection: &str| {
        format!(
            "POST /graphql/stream HTTP/1.1\r\nHost: standoff\r\nAccept: text/event-stream\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n{connection}\r\n{body}",
            body.len()
        )
    };
    let expected = "event: next\ndata: {\"data\":{\"story\":{\"title\":\"Chicago vs. the White House, 2025\"}}}\n\nevent: complete\ndata: \n\n";

    // The connection's first request: answered on the bare socket, which then closes though
    // the client did not ask it to (hyper would keep it open).
    let fresh = responses(&exchange(&app, &post("")).await);
    assert_eq!(fresh.len(), 1, "{fresh:?}");
    let (head, events) = &fresh[0];
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for line in [
        "content-type: text/event-stream",
        "cache-control: no-store",
        "x-accel-buffering: no",
        "transfer-encoding: chunked",
        "connection: close",
        "x-request-id: ",
        "date: ",
    ] {
        assert!(head.contains(line), "{line} missing from {head}");
    }
    assert_eq!(events, expected);

    // After another request on the same connection: hyper serves it, with the same events.
    let after = responses(
        &exchange(
            &app,
            &format!(
                "GET /healthz HTTP/1.1\r\nHost: standoff\r\n\r\n{}",
                post("Connection: close\r\n")
            ),
        )
        .await,
    );
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after[0].0.starts_with("http/1.1 200"), "{after:?}");
    assert!(
        after[1].0.contains("content-type: text/event-stream"),
        "{after:?}"
    );
    assert_eq!(after[1].1, expected);

    // A chunked request body is left to hyper too.
    let chunked = format!(
        "POST /graphql/stream HTTP/1.1\r\nHost: standoff\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let chunked = responses(&exchange(&app, &chunked).await);
    assert_eq!(chunked.len(), 1, "{chunked:?}");
    assert_eq!(chunked[0].1, expected);
}

#[tokio::test]
async fn a_stream_request_that_arrives_slowly_is_cut_off_or_timed_out_like_any_other() {
    let app = spawn_app_configured(|s| {
        s.bare_sse = true;
        s.slow_client_timeout_secs = 1;
    })
    .await;
    // A head that never ends: the connection is closed with nothing sent.
    let silent = exchange(
        &app,
        "GET /graphql/stream?query=%7B__typename%7D HTTP/1.1\r\n",
    )
    .await;
    assert!(silent.is_empty(), "{}", String::from_utf8_lossy(&silent));
    // A whole head and half a body: 408, as for /graphql.
    let partial = exchange(
        &app,
        "POST /graphql/stream HTTP/1.1\r\nHost: standoff\r\nContent-Type: application/json\r\n\
         Content-Length: 40\r\n\r\n{\"query\":",
    )
    .await;
    let partial = String::from_utf8_lossy(&partial);
    assert!(partial.starts_with("HTTP/1.1 408"), "{partial}");
    // Meanwhile, streams that arrive whole are served.
    let whole = exchange(
        &app,
        "GET /graphql/stream?query=%7B__typename%7D HTTP/1.1\r\nHost: standoff\r\n\r\n",
    )
    .await;
    let whole = responses(&whole);
    assert_eq!(
        whole[0].1,
        "event: next\ndata: {\"data\":{\"__typename\":\"Query\"}}\n\nevent: complete\ndata: \n\n"
    );
}

/// Reads from `socket` until `until` has arrived (or 10 s pass); gives what arrived.
async fn read_socket_until(socket: &mut TcpStream, until: &str) -> String {
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains(until) {
        match tokio::time::timeout_at(deadline, socket.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => received.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_stray_line_break_after_a_stream_request_is_ignored_and_a_flood_is_cut_off() {
    let app = spawn_app_configured(|s| s.bare_sse = true).await;
    let editor = app.editor("sse-editor").await;
    let subscribe = "GET /graphql/stream?query=subscription%20%7B%20timelineEvents%20%7B%20action%20%7B%20title%20%7D%20%7D%20%7D HTTP/1.1\r\nHost: standoff\r\n\r\n";
    let mut socket = TcpStream::connect(app.addr).await.expect("connect");
    socket.write_all(subscribe.as_bytes()).await.expect("write");
    let head = read_socket_until(&mut socket, "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    // Some clients end a request with an extra line break (RFC 9112 section 2.2).
    socket.write_all(b"\r\n").await.expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let input = json!({
        "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-10-01T12:00:00Z",
        "title": "Heard after a stray line break",
        "citations": [{ "sourceId": app.source_id().await }],
    });
    app.write(
        &editor,
        "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }",
        json!({ "input": input }),
    )
    .await;
    let events = read_socket_until(&mut socket, "Heard after a stray line break").await;
    assert!(events.contains("event: next"), "{events}");
    assert!(
        events.contains("Heard after a stray line break"),
        "{events}"
    );

    // A client that keeps sending after its stream request is cut off.
    socket.write_all(&[b'x'; 8192]).await.expect("write");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the flooding client's stream stayed open");
}

#[tokio::test]
async fn a_stream_request_with_a_large_body_is_served_all_the_same() {
    let app = spawn_app_configured(|s| s.bare_sse = true).await;
    // Past what the accept loop reads itself (16 KiB), within the body limit: hyper reads it.
    let padding = "#".repeat(40 * 1024);
    let body = json!({ "query": format!("{{ __typename }}\n{padding}") }).to_string();
    let raw = format!(
        "POST /graphql/stream HTTP/1.1\r\nHost: standoff\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = responses(&exchange(&app, &raw).await);
    assert_eq!(answer.len(), 1, "{answer:?}");
    assert_eq!(
        answer[0].1,
        "event: next\ndata: {\"data\":{\"__typename\":\"Query\"}}\n\nevent: complete\ndata: \n\n"
    );
}

#[tokio::test]
async fn a_stream_whose_reader_stops_reading_is_dropped_after_the_slow_client_timeout() {
    let app = spawn_app_configured(|s| {
        s.bare_sse = true;
        s.slow_client_timeout_secs = 1;
    })
    .await;
    let editor = app.editor("sse-slow-reader").await;
    let source = app.source_id().await;
    // A small receive window, so the server's writes stall soon after the reader stops.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer size");
    let mut socket = socket.connect(app.addr).await.expect("connect");
    let subscribe = "GET /graphql/stream?query=subscription%20%7B%20timelineEvents%20%7B%20action%20%7B%20title%20summary%20quote%20%7D%20%7D%20%7D HTTP/1.1\r\nHost: standoff\r\n\r\n";
    socket.write_all(subscribe.as_bytes()).await.expect("write");
    let head = read_socket_until(&mut socket, "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    // Half as much again as the kernel lets the server's socket buffer grow to (about 10 KB an
    // event), none of it read.
    let buffer_max: usize = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|t| t.split_whitespace().last()?.parse().ok())
        .unwrap_or(4 << 20);
    let recorded = buffer_max * 3 / 2 / 10_000 + 50;
    for n in 0..recorded {
        let input = json!({
            "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-10-01T12:00:00Z",
            "title": format!("Unread {n}"),
            "summary": "s".repeat(5000), "quote": "q".repeat(5000),
            "citations": [{ "sourceId": source }],
        });
        app.write(
            &editor,
            "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    }
    // Stalled for longer than the timeout: the server gives up on this reader.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut received = Vec::new();
    let ended =
        tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut received)).await;
    assert!(ended.is_ok(), "the stalled stream was never closed");
    let text = String::from_utf8_lossy(&received);
    let delivered = text.matches("event: next").count();
    assert!(
        delivered < recorded,
        "all {delivered} events arrived: the writes never stalled"
    );
    assert!(
        !text.contains("event: complete"),
        "a dropped reader is not told it completed"
    );
}
