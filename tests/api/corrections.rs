//! Corrections readers can see: each action's history and retraction through GraphQL, a
//! mistaken retraction undone, and the exports that tell readers.

use crate::helpers::spawn_app;
use serde_json::json;

const ACTION: &str = "query($id: ID!) { action(id: $id) {
  title revision retracted
  history { revision at note changes { field from to } }
  retraction { at reason }
} }";

#[tokio::test]
async fn a_correction_is_in_the_history_with_its_note_and_old_and_new_values() {
    let app = spawn_app().await;
    let editor = app.editor("copy-desk").await;
    let id = app.action_id("Washington DC").await;
    app.write(
        &editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "The article says about 2,000; the headline is ours",
            input: { title: "Trump sends about 2,000 troops to Washington DC", place: null }) { revision } }"#,
        json!({ "id": id }),
    )
    .await;
    let data = app.query(ACTION, json!({ "id": id })).await;
    let action = &data["action"];
    assert_eq!(action["revision"], 2);
    let history = action["history"].as_array().expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["revision"], 2);
    assert_eq!(
        history[0]["note"],
        "The article says about 2,000; the headline is ours"
    );
    assert!(
        history[0]["at"]
            .as_str()
            .is_some_and(|at| at.starts_with("20"))
    );
    let changes = history[0]["changes"].as_array().expect("changes");
    let field = |name: &str| changes.iter().find(|c| c["field"] == name).cloned();
    assert_eq!(
        field("title"),
        Some(
            json!({ "field": "title", "from": "Trump deploys about 2,000 troops to Washington DC",
                     "to": "Trump sends about 2,000 troops to Washington DC" })
        )
    );
    assert_eq!(
        field("place"),
        Some(json!({ "field": "place", "from": "Washington DC", "to": null }))
    );
    assert_eq!(changes.len(), 2, "only what changed: {changes:?}");
    assert!(action["retraction"].is_null());

    // The export says so on the slide.
    let doc: serde_json::Value = app
        .get("/export/timelinejs.json?text=troops%20Washington")
        .await
        .json()
        .await
        .expect("JSON");
    let text = doc["events"][0]["text"]["text"].as_str().expect("text");
    assert!(
        text.contains("Corrected") && text.contains("the headline is ours"),
        "{text}"
    );
}

#[tokio::test]
async fn a_retraction_is_shown_with_its_reason_and_a_mistaken_one_is_undone() {
    let app = spawn_app().await;
    let editor = app.editor("standards").await;
    let id = app.action_id("killing field").await;
    let retract = "mutation($id: ID!) { retractAction(id: $id, reason: \"Quote not in the article\") { retracted } }";
    let restore = "mutation($id: ID!, $r: String!) { restoreAction(id: $id, reason: $r) { retracted revision } }";
    // Restoring what is not retracted is a conflict and writes nothing.
    let code = app
        .refused(Some(&editor), restore, json!({ "id": id, "r": "oops" }))
        .await;
    assert_eq!(code, "CONFLICT");
    app.write(&editor, retract, json!({ "id": id })).await;
    let data = app.query(ACTION, json!({ "id": id })).await;
    assert_eq!(data["action"]["retracted"], true);
    assert_eq!(
        data["action"]["retraction"]["reason"],
        "Quote not in the article"
    );
    assert!(data["action"]["retraction"]["at"].is_string());
    assert!(
        !app.titles(json!({}))
            .await
            .iter()
            .any(|t| t.contains("killing field"))
    );
    // The export leaves it out even when asked for retracted actions.
    let doc: serde_json::Value = app
        .get("/export/timelinejs.json?includeRetracted=true")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(doc["events"].as_array().expect("events").len(), 10);

    // Without a reason, or by a reader, nothing is restored.
    let code = app
        .refused(Some(&editor), restore, json!({ "id": id, "r": "  " }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let code = app
        .refused(None, restore, json!({ "id": id, "r": "mistake" }))
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
    let restored = app
        .write(
            &editor,
            restore,
            json!({ "id": id, "r": "The quote is in the article after all" }),
        )
        .await;
    assert_eq!(restored["restoreAction"]["retracted"], false);
    assert_eq!(
        restored["restoreAction"]["revision"], 1,
        "a restoration is not a correction"
    );
    let data = app.query(ACTION, json!({ "id": id })).await;
    assert!(data["action"]["retraction"].is_null());
    assert!(
        app.titles(json!({}))
            .await
            .iter()
            .any(|t| t.contains("killing field"))
    );
    // The log keeps both, with their reasons, as the last two changes.
    let log = app
        .query("{ changes(last: 2) { nodes { kind note } } }", json!({}))
        .await;
    assert_eq!(
        log["changes"]["nodes"],
        json!([
            { "kind": "RETRACTED", "note": "Quote not in the article" },
            { "kind": "RESTORED", "note": "The quote is in the article after all" },
        ])
    );
}
