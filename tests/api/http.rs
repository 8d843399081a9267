//! GraphQL over HTTP: media types, status codes and methods, as the specification asks.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn the_response_type_follows_the_accept_header() {
    let app = spawn_app().await;
    let post = |accept: Option<&'static str>, query: &'static str| {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": query }));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        request.send()
    };
    let json_type = |r: &reqwest::Response| {
        r.headers()["content-type"]
            .to_str()
            .expect("type")
            .to_owned()
    };

    let plain = post(None, "{ timeline { totalCount } }")
        .await
        .expect("sent");
    assert!(json_type(&plain).starts_with("application/json"));
    let modern = post(
        Some("application/graphql-response+json"),
        "{ timeline { totalCount } }",
    )
    .await
    .expect("sent");
    assert!(json_type(&modern).starts_with("application/graphql-response+json"));
    assert_eq!(modern.status(), 200);
    let refused = post(Some("text/html"), "{ timeline { totalCount } }")
        .await
        .expect("sent");
    assert_eq!(refused.status(), 406);

    // A request that cannot run: 400 without `data` under graphql-response+json, 200 with
    // `data: null` under application/json.
    let broken = post(Some("application/graphql-response+json"), "{ timeline(")
        .await
        .expect("sent");
    assert_eq!(broken.status(), 400);
    let body: Value = broken.json().await.expect("json");
    assert!(
        body.get("data").is_none() && body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    );
    let legacy = post(Some("application/json"), "{ timeline(")
        .await
        .expect("sent");
    assert_eq!(legacy.status(), 200);

    // A field error is not a request error: the request ran, so 200 with `data`.
    let field = post(
        Some("application/graphql-response+json"),
        "{ timeline(first: 500) { totalCount } }",
    )
    .await
    .expect("sent");
    assert_eq!(field.status(), 200);
    let body: Value = field.json().await.expect("json");
    assert!(body.get("data").is_some());
}

#[tokio::test]
async fn bodies_that_are_not_json_and_mutations_over_get_are_refused() {
    let app = spawn_app().await;
    let text = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body("{ timeline { totalCount } }")
        .send()
        .await
        .expect("sent");
    assert_eq!(text.status(), 415);
    let missing = app
        .client
        .post(app.url("/graphql"))
        .body(r#"{"query":"{ timeline { totalCount } }"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), 415, "no content type");
    let no_query = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "variables": {} }))
        .send()
        .await
        .expect("sent");
    assert_eq!(no_query.status(), 400);

    let before = app.row_counts().await;
    let mutation = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { addSource(input: { title: \"x\" }) { id } }",
        )])
        .send()
        .await
        .expect("sent");
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers()["allow"], "POST");
    assert_eq!(app.row_counts().await, before);
    let put = app
        .client
        .put(app.url("/graphql"))
        .json(&json!({ "query": "{ timeline { totalCount } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(put.status(), 405);
    let variables = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query($n: Int) { timeline(first: $n) { totalCount } }",
            ),
            ("variables", "{\"n\": 3}"),
        ])
        .send()
        .await
        .expect("sent");
    let body: Value = variables.json().await.expect("json");
    assert_eq!(body["data"]["timeline"]["totalCount"], 11, "{body}");
}
