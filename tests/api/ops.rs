//! Operations endpoints: liveness, readiness, metrics and request ids.

use crate::helpers::spawn_app;
use crate::ws;
use serde_json::json;

#[tokio::test]
async fn health_readiness_and_request_ids() {
    let app = spawn_app().await;
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status(), 200);
    let id = health
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every response carries a request id")
        .to_owned();
    let next = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(next.status(), 200, "the database answers");
    assert_ne!(
        next.headers()["x-request-id"].to_str().ok(),
        Some(id.as_str()),
        "ids differ"
    );
    let kept = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "from-the-load-balancer")
        .send()
        .await
        .expect("sent");
    assert_eq!(kept.headers()["x-request-id"], "from-the-load-balancer");
}

fn metric(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name_and_labels} not in:\n{text}"))
}

#[tokio::test]
async fn metrics_count_operations_errors_sockets_and_subscriptions() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.query("query Dashboard { timeline { totalCount } }", json!({}))
            .await;
    }
    app.post("{ timeline(first: 500) { totalCount } }", json!({}))
        .await;
    app.post("{ timeline(", json!({})).await;
    let mut socket = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    socket
        .subscribe(
            "live",
            "subscription { timelineEvents { cursor } }",
            json!({}),
        )
        .await;
    // The subscription counts once the server has started it; a query on the same socket
    // is answered after that.
    socket
        .subscribe("q", "{ timeline { totalCount } }", json!({}))
        .await;
    socket.next_payload().await;

    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert_eq!(
        metric(
            &text,
            "standoff_graphql_requests_total{operation=\"Dashboard\"}"
        ),
        3.0
    );
    assert_eq!(
        metric(
            &text,
            "standoff_graphql_request_duration_seconds_count{operation=\"Dashboard\"}"
        ),
        3.0
    );
    assert_eq!(
        metric(
            &text,
            "standoff_graphql_errors_total{code=\"LIMIT_EXCEEDED\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "standoff_graphql_errors_total{code=\"BAD_USER_INPUT\"}"
        ),
        1.0
    );
    assert_eq!(metric(&text, "standoff_websockets_open"), 1.0);
    assert_eq!(metric(&text, "standoff_subscriptions_active"), 1.0);
    assert!(metric(&text, "standoff_db_pool_connections") >= 1.0);

    socket.hang_up().await;
    let mut closed = 1.0;
    for _ in 0..50 {
        let text = app.get_text("/metrics").await;
        closed = metric(&text, "standoff_websockets_open");
        if closed == 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(closed, 0.0, "a closed socket is no longer counted");
}
