//! graphql-transport-ws close codes (its PROTOCOL.md), each provoked by a raw client; a
//! client's mistake is never answered with 1011.

use crate::helpers::spawn_app;
use crate::ws;
use serde_json::json;

const SUBSCRIBE: &str = "subscription { timelineEvents { cursor } }";

#[tokio::test]
async fn each_protocol_mistake_closes_with_its_code() {
    let app = spawn_app().await;

    let mut client = ws::open(app.addr, "graphql-transport-ws").await;
    client.send_text("this is not JSON").await;
    assert_eq!(client.close_code().await, Some(4400), "invalid message");

    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client.send(json!({ "type": "subscribe", "id": "1" })).await;
    assert_eq!(
        client.close_code().await,
        Some(4400),
        "subscribe without a payload"
    );

    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client.send(json!({ "type": "shout" })).await;
    assert_eq!(
        client.close_code().await,
        Some(4400),
        "unknown message type"
    );

    let mut client = ws::open(app.addr, "graphql-transport-ws").await;
    client.subscribe("1", SUBSCRIBE, json!({})).await;
    assert_eq!(
        client.close_code().await,
        Some(4401),
        "subscribe before connection_ack"
    );

    let mut client = ws::open(app.addr, "graphql-transport-ws").await;
    client
        .send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer stf_forged" } }))
        .await;
    assert_eq!(client.close_code().await, Some(4403), "a forged token");

    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client.subscribe("same", SUBSCRIBE, json!({})).await;
    client.subscribe("same", SUBSCRIBE, json!({})).await;
    assert_eq!(
        client.close_code().await,
        Some(4409),
        "a duplicate operation id"
    );
    // The reason names the id; a long one must not make the close frame too long to send.
    let long = "x".repeat(300);
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client.subscribe(&long, SUBSCRIBE, json!({})).await;
    client.subscribe(&long, SUBSCRIBE, json!({})).await;
    assert_eq!(
        client.close_code().await,
        Some(4409),
        "a long duplicate operation id"
    );

    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client.send(json!({ "type": "connection_init" })).await;
    assert_eq!(
        client.close_code().await,
        Some(4429),
        "a second connection_init"
    );
    // The legacy dialect has no codes, but a second connection_init there is refused too: it
    // could otherwise trade the token the connection began with for another.
    let mut legacy = ws::connect(app.addr, "graphql-ws", json!({})).await;
    legacy.send(json!({ "type": "connection_init" })).await;
    let refused = legacy.next_message().await.expect("told why");
    assert_eq!(refused["type"], "connection_error", "{refused}");
    assert!(legacy.closed_by_server().await, "and closed");

    // After all that, the service still serves.
    assert_eq!(
        app.query("{ timeline { totalCount } }", json!({})).await["timeline"]["totalCount"],
        11
    );
}

#[tokio::test]
async fn hundreds_of_unauthenticated_and_forged_writes_write_nothing() {
    let app = spawn_app().await;
    let before = app.row_counts().await;
    let mutation = r#"mutation { addSource(input: { title: "Planted" }) { id } }"#;
    let forged: Vec<String> = (0..100)
        .map(|i| format!("Bearer stf_forged{i:04}"))
        .collect();
    for i in 0..300 {
        let auth = match i % 3 {
            0 => None,
            1 => Some(forged[i % 100].as_str()),
            _ => Some("Bearer not-even-our-format"),
        };
        let body = app.post_with(auth, mutation, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
    }
    assert_eq!(app.row_counts().await, before, "nothing was written");
}

/// Frames a client might send, hostile or not: JSON of the protocols' shapes, text, bytes.
fn frames() -> impl proptest::strategy::Strategy<Value = Vec<(bool, Vec<u8>)>> {
    use proptest::prelude::*;
    let envelope = (
        proptest::sample::select(vec![
            "connection_init",
            "ping",
            "pong",
            "subscribe",
            "complete",
            "start",
            "stop",
            "connection_terminate",
            "shout",
        ]),
        proptest::option::of(prop_oneof![Just("1".to_owned()), "[ -~]{0,40}"]),
        proptest::option::of(prop_oneof![
            Just(json!({ "query": "{ __typename }" })),
            Just(json!({ "query": "subscription { timelineEvents { cursor } }" })),
            Just(json!({ "query": 5 })),
            Just(json!("text")),
            Just(json!([1, 2])),
        ]),
    )
        .prop_map(|(kind, id, payload)| {
            let mut message = json!({ "type": kind });
            if let Some(id) = id {
                message["id"] = json!(id);
            }
            if let Some(payload) = payload {
                message["payload"] = payload;
            }
            message.to_string().into_bytes()
        });
    let frame = prop_oneof![
        3 => (any::<bool>(), envelope),
        1 => (Just(false), "[ -~]{0,60}".prop_map(String::into_bytes)),
        1 => (Just(true), proptest::collection::vec(any::<u8>(), 0..80)),
    ];
    proptest::collection::vec(frame, 1..5)
}

/// Random sequences of frames on initialised connections of either subprotocol: each
/// connection answers or closes with one of the protocols' codes, and the server goes on.
#[tokio::test]
async fn random_frames_get_answers_or_the_protocols_close_codes() {
    use proptest::strategy::{Strategy, ValueTree};
    let app = spawn_app().await;
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 60,
        ..Default::default()
    });
    let strategy = frames();
    let allowed = [1000, 4400, 4401, 4403, 4409, 4429];
    for case in 0..60 {
        let sequence = strategy.new_tree(&mut runner).expect("a case").current();
        let protocol = if case % 2 == 0 {
            "graphql-transport-ws"
        } else {
            "graphql-ws"
        };
        let mut client = ws::connect(app.addr, protocol, json!({})).await;
        for (binary, bytes) in &sequence {
            if *binary {
                client.send_bytes(bytes.clone()).await;
            } else {
                client.try_send_text(&String::from_utf8_lossy(bytes)).await;
            }
        }
        if let Some(code) = client
            .closed_within(std::time::Duration::from_millis(300))
            .await
        {
            assert!(
                code.is_some_and(|c| allowed.contains(&c)),
                "{protocol}: closed with {code:?} after {sequence:?}"
            );
        }
    }
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client.subscribe("ok", "{ __typename }", json!({})).await;
    assert_eq!(client.next_payload().await["data"]["__typename"], "Query");
}
