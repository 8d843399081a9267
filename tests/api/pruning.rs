//! A timeline page reads only the columns its query selects, of the actions and of the actors
//! and sources beside them. Every field of `Action`, `Actor` and `Source`, asked for alone,
//! answers on the page exactly what it answers for the same action read whole (through
//! `node`), including the action a response link hands back.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

/// Every field of the type `name` with the selection that shows it: scalars bare, objects by
/// their type name (what matters is the columns the field itself reads).
async fn fields_of(app: &TestApp, name: &str) -> Vec<String> {
    let data = app
        .query(
            r#"query($name: String!) { __type(name: $name) { fields {
                name args { name type { kind } }
                type { kind ofType { kind ofType { kind ofType { kind } } } } } } }"#,
            json!({ "name": name }),
        )
        .await;
    let fields = data["__type"]["fields"].as_array().expect("fields");
    fields
        .iter()
        .map(|field| {
            let required = field["args"].as_array().expect("args").iter();
            let required: Vec<_> = required
                .filter(|a| a["type"]["kind"] == "NON_NULL")
                .collect();
            assert!(required.is_empty(), "{field}: arguments to cover");
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
fn placements(field: &str) -> Vec<String> {
    vec![
        field.to_owned(),
        format!("responses {{ respondsTo {{ {field} }} }}"),
        format!("respondsTo {{ action {{ {field} }} }}"),
    ]
}

/// The selections that show `field` of an actor beside an action on a page.
fn actor_placements(field: &str) -> Vec<String> {
    vec![
        format!("actor {{ {field} }}"),
        format!("targets {{ {field} }}"),
    ]
}

/// The selection that shows `field` of a source an action on a page cites.
fn source_placements(field: &str) -> Vec<String> {
    vec![format!("citations {{ source {{ {field} }} }}")]
}

/// Asks a page of every action for `selection` alone and checks each answer against the same
/// action read whole through `node`.
async fn page_answers_as_read_whole(app: &TestApp, editor: &str, selection: &str) {
    let page = app
        .post_with(
            Some(editor),
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
        .post_with(Some(editor), &format!("{{ {whole} }}"), json!({}))
        .await;
    assert!(
        read_whole.get("errors").is_none(),
        "{selection}: {read_whole:#}"
    );
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node, &read_whole["data"][format!("a{i}")], "{selection}");
    }
}

/// Records what the seed lacks: a draft with every optional field, by and aimed at an actor
/// with every field, citing a source with every field, approved by a second editor; a draft
/// published; a retraction; a correction.
async fn vary(app: &TestApp, editor: &str) {
    let answered = app.action_id("killing field").await;
    let source = json!({ "input": {
        "title": "A source with every field", "url": "https://example.org/every-field",
        "publisher": "A publisher", "publishedAt": "2025-09-02T12:00:00Z" } });
    let source = app
        .write(
            editor,
            "mutation($input: AddSourceInput!) { addSource(input: $input) { id } }",
            source,
        )
        .await;
    let actor = json!({ "input": {
        "slug": "a-press-secretary", "name": "A press secretary", "kind": "PERSON",
        "side": "LOCAL", "title": "Press secretary", "party": "Independent",
        "memberOf": "brandon-johnson" } });
    app.write(
        editor,
        "mutation($input: CreateActorInput!) { createActor(input: $input) { id } }",
        actor,
    )
    .await;
    let input = json!({
        "actor": "a-press-secretary", "targets": ["donald-trump", "a-press-secretary"],
        "kind": "STATEMENT",
        "category": "REJECT", "status": "THREATENED", "occurredAt": "2025-09-02T15:30:00Z",
        "precision": "MINUTE", "dateText": "on Tuesday afternoon",
        "reportedAt": "2025-09-02T18:00:00Z", "title": "A draft with every field",
        "summary": "A summary.", "quote": "A quote.", "place": "City Hall", "magnitude": 12,
        "intensity": -7.5, "intensityReason": "Sharper than the category says",
        "stories": ["chicago-2025"], "draft": true,
        "citations": [
            { "sourceId": app.source_id().await, "excerpt": "An excerpt." },
            { "sourceId": source["addSource"]["id"] },
        ],
        "respondsTo": [{ "actionId": answered, "stance": "DISMISSES" }],
    });
    let record = "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }";
    let full = app.write(editor, record, json!({ "input": input })).await;
    let full = json!({ "id": full["recordAction"]["id"] });
    app.write(
        editor,
        "mutation($id: ID!) { submitForReview(id: $id) { id } }",
        full.clone(),
    )
    .await;
    let second = app.editor("second-reader").await;
    app.write(
        &second,
        "mutation($id: ID!) { approve(id: $id) { id } }",
        full,
    )
    .await;
    let published = json!({ "input": {
        "actor": "jb-pritzker", "kind": "STATEMENT", "occurredAt": "2025-09-03",
        "title": "A draft published", "draft": true,
        "citations": [{ "sourceId": app.source_id().await }] } });
    let published = app.write(editor, record, published).await;
    app.write(
        editor,
        "mutation($id: ID!) { publish(id: $id) { id } }",
        json!({ "id": published["recordAction"]["id"] }),
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
    for field in fields_of(&app, "Action").await {
        for selection in placements(&field) {
            page_answers_as_read_whole(&app, &editor, &selection).await;
        }
        covered += 1;
    }
    assert!(covered >= 30, "{covered} fields of Action");
    let data = app
        .post_with(
            Some(&editor),
            r#"{ timeline(first: 100, filter: { includeRetracted: true }) {
                nodes { title recordedBy approvedBy publishedBy retraction { reason } } } }"#,
            json!({}),
        )
        .await;
    let nodes: Vec<Value> = data["data"]["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    let shows = |field: &str, value: &str| nodes.iter().any(|n| n[field] == value);
    // The variations show on the page, so the comparison above saw them.
    assert!(shows("title", "A draft with every field"), "the draft");
    assert!(shows("title", "A corrected title"), "the correction");
    assert!(shows("recordedBy", "desk"), "a recorder");
    assert!(shows("approvedBy", "second-reader"), "an approver");
    assert!(shows("publishedBy", "desk"), "a publisher");
    let retracted = nodes
        .iter()
        .any(|n| n["retraction"]["reason"] == "Not in the article");
    assert!(retracted, "the retraction");
}

#[tokio::test]
async fn every_field_of_an_actor_and_a_source_answers_the_same_on_a_page_as_read_whole() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    vary(&app, &editor).await;
    let actor_fields = fields_of(&app, "Actor").await;
    assert!(actor_fields.len() >= 10, "{actor_fields:?}");
    for field in &actor_fields {
        for selection in actor_placements(field) {
            page_answers_as_read_whole(&app, &editor, &selection).await;
        }
    }
    let source_fields = fields_of(&app, "Source").await;
    assert!(source_fields.len() >= 5, "{source_fields:?}");
    for field in &source_fields {
        for selection in source_placements(field) {
            page_answers_as_read_whole(&app, &editor, &selection).await;
        }
    }
    // The variations show on the page, so the comparison above saw them.
    let page = app
        .post_with(
            Some(&editor),
            r#"{ timeline(first: 100) { nodes {
                actor { party memberOf { slug } }
                targets { title party memberOf { slug } }
                citations { source { url publisher publishedAt } } } } }"#,
            json!({}),
        )
        .await
        .to_string();
    for shown in [
        r#""party":"Independent""#,
        r#""party":"Democratic""#,
        r#""memberOf":{"slug":"brandon-johnson"}"#,
        r#""memberOf":{"slug":"white-house"}"#,
        r#""title":"Press secretary""#,
        "https://example.org/every-field",
        r#""publisher":"A publisher""#,
        "2025-09-02T12:00:00",
    ] {
        assert!(page.contains(shown), "{shown} is not on the page: {page}");
    }
}

/// An actor or source read in part stays with the action it was read for: the same actor on
/// the page and through a response link, or as one action's actor and another's target, shows
/// in each place the fields asked for there.
#[tokio::test]
async fn a_row_read_in_part_is_not_handed_to_another_part_of_the_query() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    vary(&app, &editor).await;
    for selection in [
        "actor { slug } responses { respondsTo { actor { party title } } }
         respondsTo { action { actor { kind party memberOf { slug } } } }",
        "targets { slug } actor { party memberOf { slug } }",
        "actor { slug } targets { name }
         responses { action { actor { party } targets { title party }
                              citations { source { publisher url } } } }
         citations { source { title } }",
    ] {
        page_answers_as_read_whole(&app, &editor, selection).await;
    }
    // The draft's actor is also its target, and it answers an action on the same page.
    let page = app
        .post_with(
            Some(&editor),
            r#"{ timeline(first: 100) { nodes {
                actor { slug } targets { slug }
                responses { action { actor { party } targets { party } } } } } }"#,
            json!({}),
        )
        .await
        .to_string();
    assert!(page.contains(r#""slug":"a-press-secretary""#), "{page}");
    assert!(page.contains(r#""party":"Independent""#), "{page}");
}

/// A thread reads its actors with only the columns it shows, as a page does.
#[tokio::test]
async fn a_thread_answers_the_same_as_its_actions_read_whole() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    vary(&app, &editor).await;
    let start = app.action_id("killing field").await;
    for selection in [
        "actor { slug }",
        "actor { name party memberOf { slug name } }",
        "targets { name title }",
        "citations { excerpt source { title publisher } }",
        "actor { kind side } targets { slug } citations { source { url } }",
        "actor { slug } responses { action { actor { party } targets { party } } }",
    ] {
        let thread = app
            .post_with(
                Some(&editor),
                &format!("query($id: ID!) {{ thread(actionId: $id) {{ id {selection} }} }}"),
                json!({ "id": start }),
            )
            .await;
        assert!(thread.get("errors").is_none(), "{selection}: {thread:#}");
        let actions = thread["data"]["thread"].as_array().expect("thread");
        // What was answered and the draft that answers it.
        assert!(actions.len() >= 2, "{selection}: {} actions", actions.len());
        for action in actions {
            let whole = app
                .post_with(
                    Some(&editor),
                    &format!(
                        "query($id: ID!) {{ node(id: $id) {{ ... on Action {{ id {selection} }} }} }}"
                    ),
                    json!({ "id": action["id"] }),
                )
                .await;
            assert_eq!(action, &whole["data"]["node"], "{selection}");
        }
    }
}

/// Edges, a named fragment and back-links two deep: the columns each asks for are read.
const EDGES: &str = "fragment F on Action {
  id summary
  responses { respondsTo { quote respondsTo { action { place title } } } }
  respondsTo { action { dateText responses { respondsTo { intensity } } } }
}";

#[tokio::test]
async fn edges_fragments_and_deep_links_answer_as_read_whole() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    vary(&app, &editor).await;
    let page = app
        .post_with(
            Some(&editor),
            &format!(
                "{{ timeline(first: 100, filter: {{ includeRetracted: true }}) {{
                    edges {{ node {{ ...F }} }} nodes {{ id }} }} }} {EDGES}"
            ),
            json!({}),
        )
        .await;
    assert!(page.get("errors").is_none(), "{page:#}");
    let edges = page["data"]["timeline"]["edges"].as_array().expect("edges");
    assert!(edges.len() > 10, "{} actions", edges.len());
    for edge in edges {
        let node = &edge["node"];
        let whole = app
            .post_with(
                Some(&editor),
                &format!("query($id: ID!) {{ node(id: $id) {{ ...F }} }} {EDGES}"),
                json!({ "id": node["id"] }),
            )
            .await;
        assert_eq!(node, &whole["data"]["node"]);
    }
    // Some of them are not empty, so the comparison saw values.
    let text = page.to_string();
    for shown in [
        "A summary.",
        "on Tuesday afternoon",
        r#""place":"Chicago""#,
        "a mess",
    ] {
        assert!(text.contains(shown), "{shown} is not on the page");
    }
}
