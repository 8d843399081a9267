//! The attacks found by probing the release build (issue 12), each as a test: each failed on
//! the code before the fix and passes now, on whichever backend the suite runs.

use crate::helpers::{spawn_app, spawn_app_configured, spawn_app_with_pool};
use crate::ws;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A document of fragments each spreading the one before twice: `levels` of them cost 2^levels
/// fields once expanded.
fn doubling_fragments(levels: usize) -> String {
    let mut query = String::from("fragment F0 on Action { id }\n");
    for n in 1..=levels {
        query.push_str(&format!(
            "fragment F{n} on Action {{ ...F{m} ...F{m} }}\n",
            m = n - 1
        ));
    }
    query.push_str(&format!(
        "{{ timeline(first: 1) {{ nodes {{ ...F{levels} }} }} }}"
    ));
    query
}

/// H1: a token revoked while its WebSocket is open writes nothing more, and the socket is
/// closed with 4403 within a ping interval.
#[tokio::test]
async fn a_revoked_token_stops_writing_over_an_open_websocket() {
    let app = spawn_app().await;
    let editor = app.editor("leaver").await;
    let source = app.source_id().await;
    let mut client = ws::connect(
        app.addr,
        "graphql-transport-ws",
        json!({ "authorization": editor }),
    )
    .await;
    let record = "mutation($source: ID!) { recordAction(input: { actor: \"jb-pritzker\",
        kind: STATEMENT, occurredAt: \"2025-09-01T12:00:00Z\", title: \"Written over a socket\",
        citations: [{ sourceId: $source }] }) { id } }";
    client
        .subscribe("1", record, json!({ "source": source }))
        .await;
    let payload = client.next_payload().await;
    assert!(payload.get("errors").is_none(), "{payload}");

    standoff_core::tokens::revoke_token(&app.db, "leaver")
        .await
        .expect("revoked");
    let before = app.row_counts().await;
    client
        .subscribe("2", record, json!({ "source": source }))
        .await;
    let payload = client.next_payload().await;
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{payload}"
    );
    assert_eq!(app.row_counts().await, before, "nothing written");
    // The test app pings every 2 s; the next ping finds the token revoked.
    assert_eq!(client.close_code().await, Some(4403));
}

/// H2: a 1.2 KB fragment chain is refused before any execution, at once and without SQL, and
/// it does not hold up anyone else.
#[tokio::test]
async fn a_doubling_fragment_chain_is_refused_at_once_with_no_sql() {
    let app = spawn_app().await;
    let query = doubling_fragments(30);
    assert!(query.len() < 2000, "{} bytes", query.len());
    let before = app.statements.get();
    // Expanded, 2^30 selections would take hours; the ceiling is generous so a busy shared
    // machine cannot fail it, and speed itself is measured in the benchmarks.
    for _ in 0..5 {
        let started = Instant::now();
        let code = app.error_code(&query, json!({})).await;
        let took = started.elapsed();
        assert_eq!(code, "LIMIT_EXCEEDED");
        assert!(took < Duration::from_secs(5), "refused in {took:?}");
        eprintln!("H2 refused in {took:?}");
    }
    assert_eq!(app.statements.get(), before, "no SQL");

    // Many at once from one client while another reads: the reader is not held up.
    let attacks: Vec<_> = (0..8)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/graphql");
            let body = json!({ "query": query });
            tokio::spawn(async move { client.post(url).json(&body).send().await })
        })
        .collect();
    let started = Instant::now();
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    app.query("{ timeline(first: 5) { nodes { title } } }", json!({}))
        .await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "another client waited {took:?}"
    );
    for attack in attacks {
        let response = attack.await.expect("join").expect("answered");
        assert_eq!(response.status(), 200);
    }
}

/// M1: persisted-query texts that cannot run take no room; the store is bounded by bytes.
#[tokio::test]
async fn persisted_queries_remember_only_texts_that_can_run() {
    let app = spawn_app().await;
    let text = format!("{{ {} }}", "__typename ".repeat(100_000));
    let hash = standoff_api::schema::persisted::query_hash(&text);
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    for _ in 0..3 {
        let body = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": text, "extensions": ext }))
            .send()
            .await
            .expect("sent")
            .json::<Value>()
            .await
            .expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    }
    let body = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "extensions": ext }))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "an over-limit text was not stored"
    );
}

/// M2: binary frames get the same protocol checks as text ones.
#[tokio::test]
async fn binary_frames_get_the_protocol_checks_too() {
    let app = spawn_app().await;
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    let subscribe = |id: usize| {
        json!({ "type": "subscribe", "id": id.to_string(),
                "payload": { "query": "subscription { timelineEvents { cursor } }" } })
    };
    for id in 0..25 {
        client.send_binary(subscribe(id)).await;
    }
    let mut refused = 0;
    while let Some(message) = client.next_message().await {
        if message["type"] == "error" {
            refused += 1;
            assert_eq!(
                message["payload"][0]["extensions"]["code"],
                "LIMIT_EXCEEDED"
            );
        }
        if refused == 5 {
            break;
        }
    }
    assert_eq!(refused, 5, "twenty run, five are refused");
    client.send_binary(subscribe(3)).await;
    assert_eq!(client.close_code().await, Some(4409), "a duplicate id");
}

/// M3: one query's many aggregates share the pool with everyone else instead of taking it.
#[tokio::test]
async fn one_querys_aliases_cannot_starve_the_pool() {
    let app = spawn_app_with_pool(
        |pool| {
            pool.max_connections = 4;
            pool.acquire_timeout_secs = 1;
        },
        |s| {
            s.statements_per_request = 2;
            // What is tested is that the aggregates share the pool, not how fast thirty of
            // them finish on a busy machine: the attack is given all the time it needs.
            s.request_timeout_secs = 300;
        },
    )
    .await;
    standoff_seeds::generate(
        &app.db,
        standoff_seeds::Synthetic {
            actions: 20_000,
            seed: 3,
        },
        &mut |_| {},
    )
    .await
    .expect("generated");
    let fields: Vec<String> = (0..30)
        .map(|n| {
            format!("e{n}: escalation(filter: {{ text: \"a\" }}, bucket: MONTH) {{ actionCount }}")
        })
        .collect();
    let heavy = format!("{{ {} }}", fields.join(" "));
    let attack = {
        let client = app.client.clone();
        let url = app.url("/graphql");
        tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({ "query": heavy }))
                .send()
                .await
                .expect("sent")
                .json::<Value>()
                .await
                .expect("JSON")
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let data = app
        .query("{ timeline(first: 5) { totalCount } }", json!({}))
        .await;
    assert!(data["timeline"]["totalCount"].as_i64().expect("count") > 20_000);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "another client waited {took:?}"
    );
    let body = attack.await.expect("join");
    let errors = body["errors"].as_array().map_or(0, Vec::len);
    assert_eq!(errors, 0, "every aggregate ran, in turn: {body:#}");
}

/// M4: lists as long as a request can carry, and forged cursors, are input errors, never
/// INTERNAL.
#[tokio::test]
async fn huge_lists_and_forged_cursors_are_input_errors() {
    let app = spawn_app().await;
    // More items than either driver binds in one statement (SQLite 32,766, PostgreSQL 65,535),
    // each list alone within the 1 MiB body limit.
    let many: Vec<&str> = std::iter::repeat_n("THREATEN", 66_000).collect();
    let data = app
        .query(
            "query($c: [Category!]) { timeline(filter: { categories: $c }) { totalCount } }",
            json!({ "c": many }),
        )
        .await;
    assert!(data["timeline"]["totalCount"].as_i64().is_some());
    let kinds: Vec<&str> = std::iter::repeat_n("ORDER", 66_000).collect();
    app.query(
        "query($k: [ActionKind!]) { timeline(filter: { kinds: $k }) { totalCount } }",
        json!({ "k": kinds }),
    )
    .await;
    let statuses: Vec<&str> = std::iter::repeat_n("REPORTED", 66_000).collect();
    app.query(
        "query($s: [ActionStatus!]) { escalation(filter: { statuses: $s }) { actionCount } }",
        json!({ "s": statuses }),
    )
    .await;
    assert_eq!(
        app.error_code(
            "{ timeline(after: \"dDE6LTIxMTAwMDAwMDAwMDAwMDAwMDox\") { totalCount } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code("{ actors(after: \"YTE6AA\") { totalCount } }", json!({}))
            .await,
        "BAD_USER_INPUT"
    );
}

/// M5 and M6: dates outside 0001-9999, texts longer than their columns and NUL characters are
/// refused as input, on every path, and write nothing.
#[tokio::test]
async fn out_of_range_dates_oversized_texts_and_nuls_are_refused() {
    let app = spawn_app().await;
    let editor = app.editor("fuzzer").await;
    let source = app.source_id().await;
    let record = "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }";
    let base = json!({
        "actor": "jb-pritzker", "kind": "STATEMENT", "occurredAt": "2025-09-01T12:00:00Z",
        "title": "A statement", "citations": [{ "sourceId": source }],
    });
    let with = |key: &str, value: Value| {
        let mut input = base.clone();
        input[key] = value;
        json!({ "input": input })
    };
    for (key, value) in [
        ("occurredAt", json!("+10000-01-01T00:00:00Z")),
        ("occurredAt", json!("0000-12-31T00:00:00Z")),
        ("reportedAt", json!("+10000-01-01T00:00:00Z")),
        ("place", json!("p".repeat(250))),
        ("title", json!("a\u{0}b")),
        ("summary", json!("nul \u{0} inside")),
        ("magnitude", json!(3_000_000_000i64)),
    ] {
        let code = app
            .refused(Some(&editor), record, with(key, value.clone()))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{key} = {value}");
    }
    let actor = "mutation($input: CreateActorInput!) { createActor(input: $input) { id } }";
    for (key, value) in [
        ("name", json!("n".repeat(250))),
        ("title", json!("t".repeat(250))),
        ("party", json!("p".repeat(150))),
        ("name", json!("nul\u{0}")),
    ] {
        let mut input =
            json!({ "slug": "new-actor", "name": "New", "kind": "PERSON", "side": "OTHER" });
        input[key] = value.clone();
        let code = app
            .refused(Some(&editor), actor, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "actor {key} = {value}");
    }
    let source_q = "mutation($input: AddSourceInput!) { addSource(input: $input) { id } }";
    let code = app
        .refused(
            Some(&editor),
            source_q,
            json!({ "input": { "title": "A source", "publisher": "p".repeat(250) } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        app.error_code(
            "{ timeline(filter: { from: \"+10000-01-01T00:00:00Z\" }) { totalCount } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    let chart = app
        .get("/charts/escalation.svg?to=%2B10000-01-01T00:00:00Z")
        .await;
    assert_eq!(chart.status(), 400);
    // The escalation series still answers: nothing out of range got in.
    app.query("{ escalation(bucket: MONTH) { actionCount } }", json!({}))
        .await;
}

/// L: the small ones, each a class closed.
#[tokio::test]
async fn the_small_findings_are_closed() {
    let app = spawn_app().await;

    // Accept's q-values decide the response type.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(
            "accept",
            "application/json;q=0.1, application/graphql-response+json",
        )
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("sent");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/graphql-response+json")
    );

    // Directives: only @skip/@include with `if`, even on __typename.
    for query in ["{ __typename @unknown }", "{ __typename @skip }"] {
        assert_eq!(
            app.error_code(query, json!({})).await,
            "BAD_USER_INPUT",
            "{query}"
        );
    }

    // One spelling per id.
    let leading_zero = "QWN0aW9uOjAx"; // "Action:01"
    assert_eq!(
        app.error_code(
            "query($id: ID!) { action(id: $id) { id } }",
            json!({ "id": leading_zero })
        )
        .await,
        "BAD_USER_INPUT"
    );

    // A change cursor ahead of the log is refused instead of waiting forever.
    let ahead = standoff_core::cursor::ChangeCursor(i64::MAX).encode();
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client
        .subscribe(
            "1",
            "subscription($after: String) { timelineEvents(after: $after) { cursor } }",
            json!({ "after": ahead }),
        )
        .await;
    let payload = client.next_payload().await;
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{payload}"
    );

    // connection_init's payload is an object or nothing.
    let mut client = ws::open(app.addr, "graphql-transport-ws").await;
    client
        .send(json!({ "type": "connection_init", "payload": "a string" }))
        .await;
    assert_eq!(client.close_code().await, Some(4400));

    // The legacy protocol refuses an operation before connection_init without a 1011.
    let mut client = ws::open(app.addr, "graphql-ws").await;
    client
        .send(json!({ "type": "start", "id": "1",
                      "payload": { "query": "{ __typename }" } }))
        .await;
    let message = client.next_message().await.expect("an answer");
    assert_eq!(message["type"], "error", "{message}");
    client.send(json!({ "type": "connection_init" })).await;
    let ack = client.next_message().await.expect("ack");
    assert_eq!(ack["type"], "connection_ack", "the socket is still open");

    // A message larger than a request body may be is not executed: the socket closes.
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    let huge = format!("{{ __typename }} #{}", "x".repeat(2 * 1024 * 1024));
    client
        .send(json!({ "type": "subscribe", "id": "big", "payload": { "query": huge } }))
        .await;
    assert!(client.closed_by_server().await);
}

/// L: junk operation names cannot push real ones out of the metrics' labels.
#[tokio::test]
async fn junk_operation_names_do_not_take_the_metrics_labels() {
    let app = spawn_app_configured(|s| s.rate_limit_per_second = 0).await;
    for n in 0..300 {
        let query = format!("query Junk{n} {{ __typename }}");
        app.post(&query, json!({})).await;
        app.post(&format!("query Broken{n} {{ nope }}"), json!({}))
            .await;
    }
    for _ in 0..6 {
        app.query(
            "query Dashboard { timeline(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    }
    let metrics = app.get_text("/metrics").await;
    assert!(metrics.contains("operation=\"Dashboard\""), "{metrics}");
    assert!(
        !metrics.contains("operation=\"Broken1\""),
        "failed requests take no label"
    );
    let labels: std::collections::HashSet<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("standoff_graphql_requests_total{"))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(labels.len() <= 201, "{} labels", labels.len());
}

/// L: with trusted proxies, the client is the entry the nearest proxy wrote, so a forged
/// first entry does not escape the rate limit.
#[tokio::test]
async fn a_forged_forwarded_for_entry_does_not_escape_the_rate_limit() {
    let app = spawn_app_configured(|s| {
        s.trust_forwarded_for = true;
        s.trusted_proxies = 1;
        s.rate_limit_per_second = 1;
        s.rate_limit_burst = 5;
    })
    .await;
    let mut limited = 0;
    for n in 0..20 {
        let response = app
            .client
            .get(app.url("/graphql?query=%7B__typename%7D"))
            .header("x-forwarded-for", format!("10.9.9.{n}, 203.0.113.7"))
            .send()
            .await
            .expect("sent");
        if response.status() == 429 {
            limited += 1;
        }
    }
    assert!(limited >= 10, "{limited} of 20 limited");
}

/// L: a body declared too large is answered 413 that the client reads, not a reset.
#[tokio::test]
async fn an_oversized_body_gets_a_413_the_client_can_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let body = vec![b'x'; 3 * 1024 * 1024];
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connects");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("headers");
    stream
        .write_all(&body)
        .await
        .expect("the whole body is taken");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("LIMIT_EXCEEDED"), "{answer}");
}

/// L: a peer that stops reading while the server writes to it is dropped.
#[tokio::test]
async fn a_peer_that_stops_reading_is_dropped() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = spawn_app_configured(|s| s.slow_client_timeout_secs = 2).await;
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connects");
    socket
        .send(Message::Text(
            json!({ "type": "connection_init" }).to_string().into(),
        ))
        .await
        .expect("init");
    // Pings the server answers with pongs, which this peer never reads.
    let ping = json!({ "type": "ping", "payload": { "pad": "p".repeat(4000) } }).to_string();
    let writer = tokio::spawn(async move {
        for _ in 0..20_000 {
            if socket
                .send(Message::Text(ping.clone().into()))
                .await
                .is_err()
            {
                return true;
            }
        }
        false
    });
    let started = Instant::now();
    let dropped = loop {
        let metrics = app.get_text("/metrics").await;
        if metrics.contains("standoff_websockets_open 0") {
            break true;
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    writer.abort();
    assert!(dropped, "the server still holds the socket");
}

/// Shutdown ends within the grace period whatever is in flight.
#[tokio::test]
async fn sigterm_ends_the_process_within_the_grace_period() {
    use tokio::io::AsyncWriteExt;
    let db = crate::helpers::fresh_database().await;
    let mut instance = crate::process::Instance::start_with(
        &db.url,
        &[
            ("STANDOFF_SHUTDOWN_GRACE_SECS", "1"),
            ("STANDOFF_SLOW_CLIENT_TIMEOUT_SECS", "60"),
        ],
    )
    .await;
    // A request whose body never finishes arriving keeps its connection busy.
    let mut stream = tokio::net::TcpStream::connect(instance.addr)
        .await
        .expect("connects");
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"qu",
        )
        .await
        .expect("part of a request");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = instance.terminate().await;
    assert!(status.success(), "{status}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "stopped after {:?}",
        started.elapsed()
    );
    drop(stream);
}
