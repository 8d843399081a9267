//! Live timeline events over WebSocket: delivery, filters, resume without loss or repeat,
//! both subprotocols, the connection rules (4408, pings), executions shared by question and
//! a subscriber that falls behind its group.

use crate::helpers::{TestApp, spawn_app, spawn_app_configured};
use crate::ws::{self, WsClient};
use serde_json::{Value, json};
use std::time::Duration;

const EVENTS: &str = "subscription($f: TimelineFilter, $after: String) {
  timelineEvents(filter: $f, after: $after) {
    cursor type at
    action { title revision retracted actor { slug side } }
  }
}";

const RECORD: &str = "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }";

async fn record(app: &TestApp, editor: &str, actor: &str, kind: &str, title: &str) -> String {
    let input = json!({
        "actor": actor, "kind": kind, "category": "ACCUSE",
        "occurredAt": "2025-10-01T12:00:00Z",
        "title": title,
        "citations": [{ "sourceId": app.source_id().await }],
    });
    let data = app.write(editor, RECORD, json!({ "input": input })).await;
    data["recordAction"]["id"].as_str().expect("id").to_owned()
}

async fn subscribe(app: &TestApp, filter: Value, after: Option<&str>) -> WsClient {
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client
        .subscribe("events", EVENTS, json!({ "f": filter, "after": after }))
        .await;
    client
}

/// Subscribing is asynchronous on the server: the subscription's head is read when it starts.
/// A recorded marker proves the subscription is live before the test's own writes begin.
async fn until_live(app: &TestApp, editor: &str, client: &mut WsClient, marker_actor: &str) {
    until_live_with(app, editor, client, marker_actor, "STATEMENT").await;
}

/// `until_live` with a marker of the given kind, for filters that a statement would not match.
async fn until_live_with(
    app: &TestApp,
    editor: &str,
    client: &mut WsClient,
    marker_actor: &str,
    kind: &str,
) {
    // A marker recorded before the subscription read its head is never delivered: try again.
    for _ in 0..10 {
        record(app, editor, marker_actor, kind, "Marker").await;
        if let Some(event) = client.event_within(Duration::from_secs(1)).await {
            assert_eq!(event["action"]["title"], "Marker");
            return;
        }
    }
    panic!("the subscription never went live");
}

#[tokio::test]
async fn a_subscriber_receives_what_another_connection_records() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let mut subscriber = subscribe(&app, json!({}), None).await;
    until_live(&app, &editor, &mut subscriber, "white-house").await;

    let id = record(
        &app,
        &editor,
        "national-guard",
        "DEPLOYMENT",
        "Guard arrives",
    )
    .await;
    let event = subscriber.next_event().await;
    assert_eq!(event["type"], "RECORDED");
    assert_eq!(event["action"]["title"], "Guard arrives");
    assert_eq!(event["action"]["actor"]["slug"], "national-guard");

    // Corrections and retractions are events too, with the action as it now is.
    app.write(
        &editor,
        "mutation($id: ID!) { correctAction(id: $id, note: \"headline\", input: { title: \"Guard troops arrive\" }) { revision } }",
        json!({ "id": id }),
    )
    .await;
    let event = subscriber.next_event().await;
    assert_eq!(event["type"], "CORRECTED");
    assert_eq!(event["action"]["title"], "Guard troops arrive");
    assert_eq!(event["action"]["revision"], 2);
    app.write(
        &editor,
        "mutation($id: ID!) { retractAction(id: $id, reason: \"wrong city\") { retracted } }",
        json!({ "id": id }),
    )
    .await;
    let event = subscriber.next_event().await;
    assert_eq!(event["type"], "RETRACTED");
    assert_eq!(event["action"]["retracted"], true);
}

#[tokio::test]
async fn filters_let_through_only_what_matches() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    // Each subscription is live once it has seen a marker that matches it and none of the
    // others, so a subscription that starts late cannot miss the marker meant for it.
    let mut guard = subscribe(&app, json!({ "actors": ["national-guard"] }), None).await;
    until_live_with(&app, &editor, &mut guard, "national-guard", "DEPLOYMENT").await;
    let mut local = subscribe(&app, json!({ "sides": ["LOCAL"] }), None).await;
    until_live_with(&app, &editor, &mut local, "city-of-chicago", "ORDER").await;
    let mut statements = subscribe(&app, json!({ "kinds": ["STATEMENT"] }), None).await;
    until_live(&app, &editor, &mut statements, "white-house").await;

    record(
        &app,
        &editor,
        "national-guard",
        "DEPLOYMENT",
        "Guard deploys",
    )
    .await;
    record(
        &app,
        &editor,
        "brandon-johnson",
        "STATEMENT",
        "Johnson speaks",
    )
    .await;
    record(&app, &editor, "jb-pritzker", "ORDER", "Pritzker orders").await;

    assert_eq!(guard.next_event().await["action"]["title"], "Guard deploys");
    assert_eq!(
        local.next_event().await["action"]["title"],
        "Johnson speaks"
    );
    assert_eq!(
        statements.next_event().await["action"]["title"],
        "Johnson speaks"
    );
    for client in [&mut guard, &mut local, &mut statements] {
        assert!(
            client.quiet_for(Duration::from_millis(700)).await,
            "nothing else matches"
        );
    }
}

#[tokio::test]
async fn a_resubscriber_receives_exactly_what_it_missed_then_live_events() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let mut first = subscribe(&app, json!({}), None).await;
    until_live(&app, &editor, &mut first, "white-house").await;
    record(
        &app,
        &editor,
        "white-house",
        "STATEMENT",
        "Seen before the drop",
    )
    .await;
    let seen = first.next_event().await;
    let cursor = seen["cursor"].as_str().expect("cursor").to_owned();
    first.hang_up().await;

    for i in 0..50 {
        record(
            &app,
            &editor,
            "donald-trump",
            "STATEMENT",
            &format!("Missed {i}"),
        )
        .await;
    }
    let mut again = subscribe(&app, json!({}), Some(&cursor)).await;
    let mut cursors = Vec::new();
    for i in 0..50 {
        let event = again.next_event().await;
        assert_eq!(
            event["action"]["title"],
            format!("Missed {i}"),
            "in order, none skipped"
        );
        assert_eq!(event["type"], "RECORDED");
        cursors.push(event["cursor"].as_str().expect("cursor").to_owned());
    }
    assert!(
        !cursors.contains(&cursor),
        "the last event seen is not sent again"
    );
    record(
        &app,
        &editor,
        "jb-pritzker",
        "STATEMENT",
        "Live after the replay",
    )
    .await;
    let live = again.next_event().await;
    assert_eq!(
        live["action"]["title"], "Live after the replay",
        "no duplicate at the seam"
    );
    assert!(again.quiet_for(Duration::from_millis(500)).await);

    // A replay from the start of the log tells the seeded story too.
    let mut from_start = subscribe(&app, json!({ "kinds": ["ORDER"] }), Some("YzE6MA")).await;
    let order = from_start.next_event().await;
    assert!(
        order["action"]["title"]
            .as_str()
            .expect("title")
            .contains("signs an order")
    );
}

#[tokio::test]
async fn the_legacy_protocol_works_too() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let mut legacy = ws::connect(app.addr, "graphql-ws", json!({})).await;
    legacy.subscribe("1", EVENTS, json!({ "f": {} })).await;
    until_live(&app, &editor, &mut legacy, "white-house").await;
    record(
        &app,
        &editor,
        "local-officials",
        "STATEMENT",
        "Officials statement",
    )
    .await;
    let event = legacy.next_event().await;
    assert_eq!(event["action"]["title"], "Officials statement");
    assert_eq!(event["action"]["actor"]["side"], "LOCAL");
}

#[tokio::test]
async fn queries_and_authorised_mutations_work_over_the_socket() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let mut anonymous = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    anonymous
        .subscribe("q", "{ timeline { totalCount } }", json!({}))
        .await;
    assert_eq!(
        anonymous.next_payload().await["data"]["timeline"]["totalCount"],
        11
    );
    let source = app.source_id().await;
    let mutation = "mutation($s: ID!) { recordAction(input: { actor: \"white-house\", kind: STATEMENT, occurredAt: \"2025-10-01T00:00:00Z\", title: \"Over the socket\", citations: [{ sourceId: $s }] }) { title } }";
    anonymous
        .subscribe("m", mutation, json!({ "s": source }))
        .await;
    let refused = anonymous.next_payload().await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    let mut authorised = ws::connect(
        app.addr,
        "graphql-transport-ws",
        json!({ "authorization": editor }),
    )
    .await;
    authorised
        .subscribe("m", mutation, json!({ "s": source }))
        .await;
    assert_eq!(
        authorised.next_payload().await["data"]["recordAction"]["title"],
        "Over the socket"
    );
}

#[tokio::test]
async fn a_client_that_never_initialises_is_closed_with_4408() {
    let app = spawn_app().await;
    let mut silent = ws::open(app.addr, "graphql-transport-ws").await;
    assert_eq!(silent.close_code().await, Some(4408));
}

#[tokio::test]
async fn the_server_pings() {
    let app = spawn_app().await;
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    assert!(client.server_ping().await);
}

#[tokio::test]
async fn a_bad_subscription_gets_a_coded_error() {
    let app = spawn_app().await;
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client
        .subscribe("bad", EVENTS, json!({ "f": { "actors": ["nobody"] } }))
        .await;
    let payload = client.next_payload().await;
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{payload}"
    );
    client
        .subscribe("forged", EVENTS, json!({ "after": "not-a-cursor" }))
        .await;
    let payload = client.next_payload().await;
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{payload}"
    );
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    let app = spawn_app().await;
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    // A client that does not read never answers the server's pings; after three silent ping
    // intervals (2 s each here) the server closes the connection.
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(
        client.closed_by_server().await,
        "the silent peer was dropped"
    );
}

/// The cursor of the newest change in the log: resuming there replays nothing.
async fn head_cursor(app: &TestApp) -> String {
    let head = app
        .post("{ changes(last: 1) { edges { cursor } } }", json!({}))
        .await;
    head["data"]["changes"]["edges"][0]["cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned()
}

/// The value of a metric in the instance's `/metrics`.
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.get_text("/metrics").await;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in:\n{text}"))
}

/// Waits until the instance counts `subscriptions` open and `executions` running.
async fn until_counted(app: &TestApp, subscriptions: f64, executions: f64) {
    for _ in 0..100 {
        if metric(app, "standoff_subscriptions_active").await == subscriptions
            && metric(app, "standoff_subscription_executions_running").await == executions
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {subscriptions} subscriptions in {executions} executions, found {} in {}",
        metric(app, "standoff_subscriptions_active").await,
        metric(app, "standoff_subscription_executions_running").await
    );
}

/// Records one action and returns the statements it cost, counted once every client in
/// `clients` has received it (each event is resolved before it is sent).
async fn statements_to_deliver(app: &TestApp, editor: &str, clients: &mut [WsClient]) -> u64 {
    let before = app.statements.get();
    record(app, editor, "national-guard", "DEPLOYMENT", "Guard arrives").await;
    for client in clients.iter_mut() {
        let event = client.next_event().await;
        assert_eq!(event["action"]["title"], "Guard arrives");
        assert_eq!(event["action"]["actor"]["slug"], "national-guard");
    }
    app.statements.get() - before
}

#[tokio::test]
async fn subscribers_asking_the_same_question_share_one_execution() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let mut alone = vec![subscribe(&app, json!({}), None).await];
    until_counted(&app, 1.0, 1.0).await;
    until_live(&app, &editor, &mut alone[0], "white-house").await;
    let one = statements_to_deliver(&app, &editor, &mut alone).await;

    // Twenty more ask the same question: one execution for twenty-one subscriptions, and an
    // event costs what it cost for one.
    let mut everyone = alone;
    for _ in 0..20 {
        everyone.push(subscribe(&app, json!({}), None).await);
    }
    until_counted(&app, 21.0, 1.0).await;
    until_live(&app, &editor, &mut everyone[1], "white-house").await;
    for (n, client) in everyone.iter_mut().enumerate().filter(|(n, _)| *n != 1) {
        let event = client.next_event().await;
        assert_eq!(event["action"]["title"], "Marker", "subscriber {n}");
    }
    let twenty_one = statements_to_deliver(&app, &editor, &mut everyone).await;
    assert_eq!(
        twenty_one, one,
        "an event costs the same statements for twenty-one subscribers as for one"
    );

    // Another question (the same filter, spelt differently) and a subscriber resuming from a
    // cursor run executions of their own, and hear the same events.
    let mut other = subscribe(&app, Value::Null, None).await;
    let head = head_cursor(&app).await;
    let mut resumed = subscribe(&app, json!({}), Some(&head)).await;
    until_counted(&app, 23.0, 3.0).await;
    until_live(&app, &editor, &mut other, "white-house").await;
    until_live(&app, &editor, &mut resumed, "white-house").await;
    record(
        &app,
        &editor,
        "national-guard",
        "DEPLOYMENT",
        "Guard arrives",
    )
    .await;
    for client in everyone.iter_mut().chain([&mut other, &mut resumed]) {
        loop {
            let event = client.next_event().await;
            match event["action"]["title"].as_str() {
                Some("Guard arrives") => break,
                title => assert_eq!(title, Some("Marker")),
            }
        }
    }
    let three = [other, resumed, everyone.pop().expect("a subscriber")];

    // An execution stops when its last subscriber leaves.
    for client in everyone {
        client.hang_up().await;
    }
    until_counted(&app, 3.0, 3.0).await;
    for client in three {
        client.hang_up().await;
    }
    until_counted(&app, 0.0, 0.0).await;
}

#[tokio::test]
async fn a_subscription_whose_after_comes_from_a_default_replays_however_many_ask_it() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let head = head_cursor(&app).await;
    record(
        &app,
        &editor,
        "national-guard",
        "DEPLOYMENT",
        "Before anyone asked",
    )
    .await;
    // The cursor is the variable's default, so nothing in the variables says it resumes.
    let query = format!(
        "subscription($after: String = \"{head}\") {{ timelineEvents(after: $after) {{ action {{ title }} }} }}"
    );
    let mut open = Vec::new();
    for n in 0..2 {
        let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
        client.subscribe("replay", &query, json!({})).await;
        let event = client.next_event().await;
        assert_eq!(
            event["action"]["title"], "Before anyone asked",
            "subscriber {n} replays from the default cursor"
        );
        // Kept open, so the second subscriber could have joined the first one's execution.
        open.push(client);
    }
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_its_group_replays_what_it_missed_on_its_own() {
    // A backlog of two answers, and time enough for a stalled peer not to be dropped.
    let app = spawn_app_configured(|s| {
        s.subscription_backlog = 2;
        s.slow_client_timeout_secs = 60;
    })
    .await;
    let editor = app.editor("desk").await;
    let mut fast = subscribe(&app, json!({}), None).await;
    until_live(&app, &editor, &mut fast, "white-house").await;
    let mut slow = ws::connect_narrow(app.addr, 4096).await;
    slow.subscribe("events", EVENTS, json!({ "f": {}, "after": null }))
        .await;
    until_counted(&app, 2.0, 1.0).await;
    record(&app, &editor, "white-house", "STATEMENT", "Heard by both").await;
    for client in [&mut fast, &mut slow] {
        assert_eq!(
            client.next_event().await["action"]["title"],
            "Heard by both"
        );
    }

    // The slow client asks for the schema again and again and reads none of the answers: once
    // they fill its narrow window and the server's send buffer (4 MiB at most here), the
    // server's sends to it wait, and its subscription's answers pile up behind.
    let schema = "{ __schema { types { name description fields { name description \
                  args { name description type { name kind } } type { name kind } } } } }";
    for n in 0..120 {
        slow.send(json!({ "id": format!("schema-{n}"), "type": "subscribe", "payload": { "query": schema } }))
            .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let missed: Vec<String> = (0..6).map(|n| format!("Missed {n}")).collect();
    for title in &missed {
        record(&app, &editor, "white-house", "STATEMENT", title).await;
    }
    for title in &missed {
        assert_eq!(&fast.next_event().await["action"]["title"], title);
    }

    // Reading again, the slow client gets every event it missed, once each and in order.
    let mut heard = Vec::new();
    while heard.len() < missed.len() {
        let message = slow
            .next_message()
            .await
            .expect("the connection stays open");
        if message["id"] == "events" {
            assert_eq!(message["type"], "next", "{message}");
            let payload = &message["payload"];
            assert!(payload.get("errors").is_none(), "{payload}");
            heard.push(
                payload["data"]["timelineEvents"]["action"]["title"]
                    .as_str()
                    .expect("a title")
                    .to_owned(),
            );
        }
    }
    assert_eq!(heard, missed);
    // It left its group to replay: two executions now, its own and the fast one's.
    until_counted(&app, 2.0, 2.0).await;
    record(&app, &editor, "white-house", "STATEMENT", "Live again").await;
    assert_eq!(fast.next_event().await["action"]["title"], "Live again");
    let mut next = slow.next_message().await.expect("open");
    while next["id"] != "events" {
        next = slow.next_message().await.expect("open");
    }
    assert_eq!(
        next["payload"]["data"]["timelineEvents"]["action"]["title"],
        "Live again"
    );
}
