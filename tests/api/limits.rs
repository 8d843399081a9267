//! Query limits: a request just inside each passes, one just outside is refused with
//! LIMIT_EXCEEDED before any SQL runs.

use crate::helpers::{TestApp, spawn_app};
use crate::ws;
use serde_json::{Value, json};

/// Runs a query that must be refused as over a limit, checking that it ran no SQL.
async fn refused_without_sql(app: &TestApp, query: &str) -> Value {
    let before = app.statements.get();
    let body = app.post(query, json!({})).await;
    assert_eq!(app.statements.get(), before, "no SQL ran for {query:.80}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body:.300}"
    );
    assert!(body["data"].is_null(), "{body:.300}");
    body
}

/// `{ actor { members { … slug } } }` with `levels` nested `members`: depth `levels + 2`.
fn nested(levels: usize) -> String {
    let mut inner = "slug".to_owned();
    for _ in 0..levels {
        inner = format!("members {{ {inner} }}");
    }
    format!("{{ actor(slug: \"white-house\") {{ {inner} }} }}")
}

#[tokio::test]
async fn depth_is_limited_to_twelve() {
    let app = spawn_app().await;
    app.query(&nested(10), json!({})).await;
    refused_without_sql(&app, &nested(11)).await;
}

#[tokio::test]
async fn complexity_counts_page_sizes() {
    let app = spawn_app().await;
    let nested_pages = |n: usize| {
        format!(
            "{{ actors(first: {n}) {{ nodes {{ actions(first: 100) {{ nodes {{ id }} }} }} }} }}"
        )
    };
    app.query(&nested_pages(24), json!({})).await;
    refused_without_sql(&app, &nested_pages(25)).await;
}

#[tokio::test]
async fn aliases_directives_and_tokens_are_limited() {
    let app = spawn_app().await;
    let aliases = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    app.query(&aliases(30), json!({})).await;
    refused_without_sql(&app, &aliases(31)).await;

    let directives = |n: usize| {
        let fields: Vec<String> = (0..n)
            .map(|_| "__typename @include(if: true)".to_owned())
            .collect();
        format!("{{ {} }}", fields.join(" "))
    };
    app.query(&directives(20), json!({})).await;
    refused_without_sql(&app, &directives(21)).await;

    // `{`, `}` and n names: 3000 tokens pass, 3001 do not.
    let tokens = |n: usize| format!("{{ {} }}", vec!["__typename"; n].join(" "));
    app.query(&tokens(2998), json!({})).await;
    refused_without_sql(&app, &tokens(2999)).await;
}

#[tokio::test]
async fn the_newsroom_queries_stay_inside_the_limits() {
    let app = spawn_app().await;
    // The widget's query, as web/embed/timeline.js sends it.
    let widget = "query Embed($f: TimelineFilter, $after: String) {
      timeline(filter: $f, first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes {
          id title displayDate occurredAt quote retracted
          actor { name side }
          citations { excerpt source { title url publisher } }
          respondsTo { stance respondsTo { id title } } } } }";
    let data = app.query(widget, json!({ "f": {} })).await;
    assert_eq!(data["timeline"]["totalCount"], 11);
    let id = app.action_id("signs an order").await;
    let thread = app
        .query(
            "query($id: ID!) { thread(actionId: $id, depth: 10) { title actor { name } respondsTo { stance } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(thread["thread"].as_array().is_some_and(|t| t.len() > 1));
}

#[tokio::test]
async fn batches_are_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!([{ "query": "{ timeline { totalCount } }" }, { "query": "{ timeline { totalCount } }" }]))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400, "batching is off");
}

#[tokio::test]
async fn a_connection_runs_at_most_twenty_operations() {
    let app = spawn_app().await;
    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    for i in 0..20 {
        client
            .subscribe(
                &format!("s{i}"),
                "subscription { timelineEvents { cursor } }",
                json!({}),
            )
            .await;
    }
    client
        .subscribe(
            "one-too-many",
            "subscription { timelineEvents { cursor } }",
            json!({}),
        )
        .await;
    let refusal = client.next_message().await.expect("an answer");
    assert_eq!(refusal["type"], "error", "{refusal}");
    assert_eq!(refusal["id"], "one-too-many");
    assert_eq!(
        refusal["payload"][0]["extensions"]["code"],
        "LIMIT_EXCEEDED"
    );
    // Completing one makes room for another.
    client.send(json!({ "id": "s0", "type": "complete" })).await;
    client
        .subscribe("s20", "{ timeline { totalCount } }", json!({}))
        .await;
    let answer = client.next_payload().await;
    assert_eq!(answer["data"]["timeline"]["totalCount"], 11);
}

#[tokio::test]
async fn a_flood_of_over_limit_queries_does_not_starve_other_clients() {
    let app = std::sync::Arc::new(spawn_app().await);
    let too_deep = nested(11);
    let flood: Vec<_> = (0..8)
        .map(|_| {
            let (app, query) = (app.clone(), too_deep.clone());
            tokio::spawn(async move {
                for _ in 0..60 {
                    let body = app.post(&query, json!({})).await;
                    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
                }
            })
        })
        .collect();
    // Meanwhile, another client's ordinary queries all succeed.
    for _ in 0..30 {
        let data = app
            .query(
                "{ timeline(first: 5) { totalCount nodes { title } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["timeline"]["totalCount"], 11);
    }
    for task in flood {
        task.await.expect("flood task");
    }
}

#[tokio::test]
async fn a_client_address_holds_a_bounded_number_of_sockets() {
    let app = crate::helpers::spawn_app_configured(|s| s.max_sockets_per_client = 3).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(ws::connect(app.addr, "graphql-transport-ws", json!({})).await);
    }
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{}/graphql/ws",
            app.addr
        ))
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(request.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
        }
        other => panic!(
            "a fourth socket should be refused with 429, got {:?}",
            other.map(|_| ())
        ),
    }
    // Closing one frees its place.
    open.pop().expect("a socket").hang_up().await;
    let mut again = None;
    for _ in 0..50 {
        if let Ok((socket, _)) = tokio_tungstenite::connect_async(request.clone()).await {
            again = Some(socket);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a place came free");
}
