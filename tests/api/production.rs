//! Production mode, automatic persisted queries and the allow-list mode.

use crate::helpers::{spawn_app, spawn_app_configured};
use serde_json::{Value, json};
use standoff_api::schema::persisted::query_hash;

#[tokio::test]
async fn production_mode_hides_suggestions_and_the_playground() {
    let dev = spawn_app().await;
    let typo = dev.post("{ timelin { totalCount } }", json!({})).await;
    assert!(
        typo["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("Did you mean")
    );

    let prod = spawn_app_configured(|s| s.production = true).await;
    let typo = prod.post("{ timelin { totalCount } }", json!({})).await;
    let message = typo["errors"][0]["message"].as_str().expect("message");
    assert!(!message.contains("Did you mean"), "{message}");
    assert_eq!(typo["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let page = prod.get("/").await;
    assert_eq!(page.status(), 404, "no playground in production");

    let asked = spawn_app_configured(|s| {
        s.production = true;
        s.playground = Some(true);
    })
    .await;
    assert_eq!(
        asked
            .client
            .get(asked.url("/"))
            .send()
            .await
            .expect("sent")
            .status(),
        200
    );
}

async fn send(app: &crate::helpers::TestApp, body: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json")
}

#[tokio::test]
async fn automatic_persisted_queries_send_the_text_once() {
    let app = spawn_app().await;
    let query = "{ timeline { totalCount } }";
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": query_hash(query) } });
    let unknown = send(&app, json!({ "extensions": ext })).await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    let registered = send(&app, json!({ "query": query, "extensions": ext })).await;
    assert_eq!(registered["data"]["timeline"]["totalCount"], 11);
    let by_hash = send(&app, json!({ "extensions": ext })).await;
    assert_eq!(by_hash["data"]["timeline"]["totalCount"], 11, "{by_hash}");
    let mismatch = send(
        &app,
        json!({ "query": "{ actors { totalCount } }", "extensions": ext }),
    )
    .await;
    assert_eq!(
        mismatch["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    let get: Value = app
        .client
        .get(app.url("/graphql"))
        .query(&[("extensions", ext.to_string())])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(get["data"]["timeline"]["totalCount"], 11, "hash-only GET");
}

#[tokio::test]
async fn allow_list_mode_runs_only_registered_operations() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("operations.json");
    let allowed = "query Dashboard { timeline { totalCount } }";
    std::fs::write(&file, json!({ "dashboard": allowed }).to_string()).expect("write");
    let app = spawn_app_configured(move |s| s.allowed_operations = Some(file)).await;

    let ok = app.query(allowed, json!({})).await;
    assert_eq!(ok["timeline"]["totalCount"], 11);
    let before = app.statements.get();
    let other = app.post("{ actors { totalCount } }", json!({})).await;
    assert_eq!(other["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        app.statements.get(),
        before,
        "no SQL for an unregistered operation"
    );
}
