//! A timeline page reads only the columns of `action` its query selects. Every field of
//! `Action`, asked for alone, answers on the page exactly what it answers for the same action
//! read whole (through `node`), including the action a response link hands back.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

/// Every field of `Action` with the selection that shows it: scalars bare, objects by their
/// type name (what matters is the columns the field itself reads).
async fn action_fields(app: &TestApp) -> Vec<String> {
    let data = app
        .query(
            r#"{ __type(name: "Action") { fields {
                name args { name }
                type { kind ofType { kind ofType { kind ofType { kind } } } } } } }"#,
            json!({}),
        )
        .await;
    let fields = data["__type"]["fields"].as_array().expect("fields");
    fields
        .iter()
        .map(|field| {
            assert_eq!(field["args"], json!([]), "{field}: arguments to cover");
            let mut kind = &field["type"];
            while ["NON_NULL", "LIST"].contains(&kind["kind"].as_str().expect("kind")) {
                kind = &kind["ofType"];
            }
            let name = field["name"].as_str().expect("name");
            match kind["kind"].as_str() {
                Some("SCALAR" | "ENUM") => name.to_owned(),
                _ => format!("{name} {{ __typename }}"),
            }
        })
        .collect()
}

/// The selections that show `field` of an action read on a page: on the action itself, and on
/// the same action handed back by a response link, each alone (so only it asks for the column).
fn placements(field: &str) -> [String; 3] {
    [
        field.to_owned(),
        format!("responses {{ respondsTo {{ {field} }} }}"),
        format!("respondsTo {{ action {{ {field} }} }}"),
    ]
}

/// Records what the seed lacks: a draft with every optional field, a retraction, a correction.
async fn vary(app: &TestApp, editor: &str) {
    let answered = app.action_id("killing field").await;
    let input = json!({
        "actor": "brandon-johnson", "targets": ["donald-trump"], "kind": "STATEMENT",
        "category": "REJECT", "status": "THREATENED", "occurredAt": "2025-09-02T15:30:00Z",
        "precision": "MINUTE", "dateText": "on Tuesday afternoon",
        "reportedAt": "2025-09-02T18:00:00Z", "title": "A draft with every field",
        "summary": "A summary.", "quote": "A quote.", "place": "City Hall", "magnitude": 12,
        "intensity": -7.5, "intensityReason": "Sharper than the category says",
        "stories": ["chicago-2025"], "draft": true,
        "citations": [{ "sourceId": app.source_id().await, "excerpt": "An excerpt." }],
        "respondsTo": [{ "actionId": answered, "stance": "DISMISSES" }],
    });
    app.write(
        editor,
        "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }",
        json!({ "input": input }),
    )
    .await;
    app.write(
        editor,
        r#"mutation($id: ID!) { retractAction(id: $id, reason: "Not in the article") { id } }"#,
        json!({ "id": app.action_id("Washington DC").await }),
    )
    .await;
    app.write(
        editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "Typo",
            input: { title: "A corrected title" }) { id } }"#,
        json!({ "id": answered }),
    )
    .await;
}

#[tokio::test]
async fn every_field_of_an_action_answers_the_same_on_a_page_as_read_whole() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    vary(&app, &editor).await;
    let mut covered = 0;
    for field in action_fields(&app).await {
        for selection in placements(&field) {
            let page = app
                .post_with(
                    Some(&editor),
                    &format!(
                        "{{ timeline(first: 100, filter: {{ includeRetracted: true }}) {{
                            nodes {{ id {selection} }} }} }}"
                    ),
                    json!({}),
                )
                .await;
            assert!(page.get("errors").is_none(), "{selection}: {page:#}");
            let nodes = page["data"]["timeline"]["nodes"].as_array().expect("nodes");
            assert!(nodes.len() > 10, "{selection}: {} actions", nodes.len());
            let whole: String = nodes
                .iter()
                .enumerate()
                .map(|(i, node)| {
                    let id = &node["id"];
                    format!("a{i}: node(id: {id}) {{ ... on Action {{ id {selection} }} }}\n")
                })
                .collect();
            let read_whole = app
                .post_with(Some(&editor), &format!("{{ {whole} }}"), json!({}))
                .await;
            assert!(
                read_whole.get("errors").is_none(),
                "{selection}: {read_whole:#}"
            );
            for (i, node) in nodes.iter().enumerate() {
                assert_eq!(node, &read_whole["data"][format!("a{i}")], "{selection}");
            }
        }
        covered += 1;
    }
    assert!(covered >= 30, "{covered} fields of Action");
    let data = app
        .post_with(
            Some(&editor),
            r#"{ timeline(first: 100, filter: { includeRetracted: true }) {
                nodes { title recordedBy retracted retraction { reason } } } }"#,
            json!({}),
        )
        .await;
    let nodes: Vec<Value> = data["data"]["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    // The variations show on the page, so the comparison above saw them.
    for (what, found) in [
        (
            "the draft",
            nodes
                .iter()
                .any(|n| n["title"] == "A draft with every field"),
        ),
        (
            "its recorder",
            nodes.iter().any(|n| n["recordedBy"] == "desk"),
        ),
        (
            "the retraction",
            nodes
                .iter()
                .any(|n| n["retraction"]["reason"] == "Not in the article"),
        ),
        (
            "the correction",
            nodes.iter().any(|n| n["title"] == "A corrected title"),
        ),
    ] {
        assert!(found, "{what} is not on the page");
    }
}
