//! Bad input of every kind gets a clear error with `extensions.code`, never a 500.

use crate::helpers::spawn_app;
use serde_json::json;
use standoff_core::cursor::ChangeCursor;

#[tokio::test]
async fn paging_arguments_out_of_range_are_refused_with_codes() {
    let app = spawn_app().await;
    let cases = [
        ("{ timeline(first: 101) { totalCount } }", "LIMIT_EXCEEDED"),
        ("{ timeline(last: 101) { totalCount } }", "LIMIT_EXCEEDED"),
        ("{ actors(first: 1000) { totalCount } }", "LIMIT_EXCEEDED"),
        ("{ changes(first: 101) { totalCount } }", "LIMIT_EXCEEDED"),
        (
            "{ timeline(first: 1, last: 1) { totalCount } }",
            "BAD_USER_INPUT",
        ),
        ("{ timeline(first: -1) { totalCount } }", "BAD_USER_INPUT"),
        (
            "{ timeline(first: 1, after: \"forged\") { totalCount } }",
            "BAD_USER_INPUT",
        ),
        (
            "{ timeline(before: \"dDE6MQ\") { totalCount } }",
            "BAD_USER_INPUT",
        ),
        (
            "{ actors(after: \"%%%\") { totalCount } }",
            "BAD_USER_INPUT",
        ),
    ];
    for (query, code) in cases {
        assert_eq!(app.error_code(query, json!({})).await, code, "{query}");
    }
    // A well-formed cursor of another list is still not a timeline cursor.
    let change_cursor = ChangeCursor(3).encode();
    assert_eq!(
        app.error_code(
            "query($c: String) { timeline(after: $c) { totalCount } }",
            json!({ "c": change_cursor })
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn bad_filters_are_refused_with_codes() {
    let app = spawn_app().await;
    let q = "query($f: TimelineFilter) { timeline(filter: $f) { totalCount } }";
    let cases = [
        (
            json!({ "from": "2025-09-01T00:00:00Z", "to": "2025-08-01T00:00:00Z" }),
            "BAD_USER_INPUT",
        ),
        (json!({ "actors": ["no-such-actor"] }), "NOT_FOUND"),
        (json!({ "actors": ["donald-trump", "nobody"] }), "NOT_FOUND"),
        (json!({ "from": "2025-13-45" }), "BAD_USER_INPUT"),
        (json!({ "from": "yesterday" }), "BAD_USER_INPUT"),
        (json!({ "sides": ["MARTIAN"] }), "BAD_USER_INPUT"),
        (json!({ "text": "x".repeat(201) }), "LIMIT_EXCEEDED"),
    ];
    for (filter, code) in cases {
        assert_eq!(
            app.error_code(q, json!({ "f": filter })).await,
            code,
            "{filter}"
        );
    }
    assert_eq!(
        app.error_code(
            r#"{ escalation(filter: { actors: ["nobody"] }) { side } }"#,
            json!({})
        )
        .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn malformed_graphql_and_ids_are_refused_with_codes() {
    let app = spawn_app().await;
    let cases = [
        ("{ timeline(", "BAD_USER_INPUT"),
        ("{ noSuchField }", "BAD_USER_INPUT"),
        ("{ action(id: \"forged\") { title } }", "BAD_USER_INPUT"),
        ("{ node(id: \"QWN0b3I6\") { id } }", "BAD_USER_INPUT"),
        // "Actor:1" is a valid id, but not of an action.
        ("{ action(id: \"QWN0b3I6MQ\") { title } }", "BAD_USER_INPUT"),
        // "Action:999999" is well-formed and names nothing.
        (
            "{ thread(actionId: \"QWN0aW9uOjk5OTk5OQ\") { title } }",
            "NOT_FOUND",
        ),
        (
            "{ thread(actionId: \"QWN0aW9uOjE\", depth: 51) { title } }",
            "LIMIT_EXCEEDED",
        ),
        (
            "{ thread(actionId: \"QWN0aW9uOjE\", depth: -1) { title } }",
            "BAD_USER_INPUT",
        ),
    ];
    for (query, code) in cases {
        assert_eq!(app.error_code(query, json!({})).await, code, "{query}");
    }
    let missing = app
        .query(
            "{ action(id: \"QWN0aW9uOjk5OTk5OQ\") { title } }",
            json!({}),
        )
        .await;
    assert!(missing["action"].is_null(), "an unknown action is null");
}

#[tokio::test]
async fn no_bad_request_is_a_server_error() {
    let app = spawn_app().await;
    let bodies = [
        "{".to_owned(),
        "not json".to_owned(),
        json!({ "query": 42 }).to_string(),
        json!({ "query": "{ timeline(first: 101) { totalCount } }" }).to_string(),
    ];
    for body in bodies {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("sent");
        assert!(
            !response.status().is_server_error(),
            "{body}: {}",
            response.status()
        );
    }
}

#[tokio::test]
async fn oversized_bodies_get_413_and_the_service_keeps_serving() {
    let app = spawn_app().await;
    let huge = json!({ "query": format!("{{ timeline {{ totalCount }} }} #{}", "x".repeat(2 * 1024 * 1024)) });
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&huge)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 413);
    let data = app.query("{ timeline { totalCount } }", json!({})).await;
    assert_eq!(data["timeline"]["totalCount"], 11);
}
