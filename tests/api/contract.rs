//! The public contract's defaults: every argument and input field with a default is nullable,
//! a variable declared but not sent gives the default (GraphQL spec, CoerceArgumentValues), and
//! a variable sent as null gives null, over HTTP and WebSocket alike.

use crate::helpers::spawn_app;
use crate::ws;
use serde_json::{Value, json};

const TITLES: &str = "query($order: TimeOrder) {
    timeline(order: $order, first: 20) { nodes { title } }
}";

fn titles(data: &Value) -> Vec<String> {
    data["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title").to_owned())
        .collect()
}

#[tokio::test]
async fn an_omitted_order_is_ascending_a_null_one_too_and_desc_reverses() {
    let app = spawn_app().await;
    let omitted = titles(&app.query(TITLES, json!({})).await);
    let ascending = titles(
        &app.query("{ timeline(first: 20) { nodes { title } } }", json!({}))
            .await,
    );
    assert_eq!(omitted, ascending, "an omitted $order is the default, ASC");
    let null = titles(&app.query(TITLES, json!({ "order": null })).await);
    assert_eq!(
        null, ascending,
        "null order is accepted and means the default"
    );
    let mut descending = titles(&app.query(TITLES, json!({ "order": "DESC" })).await);
    descending.reverse();
    assert_eq!(descending, ascending);
}

#[tokio::test]
async fn every_defaulted_argument_and_field_takes_its_default_when_its_variable_is_omitted() {
    let app = spawn_app().await;
    let order_id = app.action_id("signs an order").await;
    let data = app
        .query(
            "query($id: ID!, $depth: Int, $bucket: Bucket, $involving: Boolean, $retracted: Boolean) {
                thread(actionId: $id, depth: $depth) { title }
                escalation(bucket: $bucket) { bucketStart }
                timeline(filter: { actors: [\"donald-trump\"], involving: $involving,
                                   includeRetracted: $retracted }) { totalCount }
            }",
            json!({ "id": order_id }),
        )
        .await;
    let defaults = app
        .query(
            "query($id: ID!) {
                thread(actionId: $id) { title }
                escalation { bucketStart }
                timeline(filter: { actors: [\"donald-trump\"] }) { totalCount }
            }",
            json!({ "id": order_id }),
        )
        .await;
    assert_eq!(data, defaults);
    assert!(
        data["thread"].as_array().expect("thread").len() > 3,
        "{data:#}"
    );
    // Trump acted four times in the story; `involving` would add the actions aimed at him.
    assert_eq!(data["timeline"]["totalCount"], 4);
    let days: Vec<&str> = data["escalation"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["bucketStart"].as_str().expect("start"))
        .collect();
    assert!(days.len() > 1, "DAY buckets, not one MONTH: {days:?}");
}

#[tokio::test]
async fn a_recorded_action_takes_the_default_status_and_precision_when_they_are_omitted() {
    let app = spawn_app().await;
    let editor = app.editor("contract").await;
    let source = app.source_id().await;
    let data = app
        .write(
            &editor,
            "mutation($source: ID!, $status: ActionStatus, $precision: DatePrecision) {
                recordAction(input: {
                    actor: \"jb-pritzker\", kind: STATEMENT, category: ACCUSE,
                    occurredAt: \"2025-09-02T15:00:00Z\", title: \"A later statement\",
                    status: $status, precision: $precision,
                    citations: [{ sourceId: $source }]
                }) { status precision occurredAt }
            }",
            json!({ "source": source }),
        )
        .await;
    let action = &data["recordAction"];
    assert_eq!(action["status"], "CARRIED_OUT");
    assert_eq!(action["precision"], "DAY");
    assert_eq!(action["occurredAt"], "2025-09-02T00:00:00+00:00");
}

#[tokio::test]
async fn a_correction_keeps_a_field_whose_variable_is_omitted_and_clears_one_sent_as_null() {
    let app = spawn_app().await;
    let editor = app.editor("contract").await;
    let id = app.action_id("2,000 troops").await;
    let correct = "mutation($id: ID!, $summary: String, $magnitude: Int) {
        correctAction(id: $id, note: \"A check of the figure\",
                      input: { summary: $summary, magnitude: $magnitude }) {
            summary magnitude revision
        }
    }";
    let before = app
        .query(
            "query($id: ID!) { action(id: $id) { summary } }",
            json!({ "id": id }),
        )
        .await;
    let summary = before["action"]["summary"]
        .as_str()
        .expect("a summary")
        .to_owned();
    let kept = app
        .write(&editor, correct, json!({ "id": id, "magnitude": 2100 }))
        .await;
    assert_eq!(
        kept["correctAction"]["summary"],
        summary.as_str(),
        "omitted: kept"
    );
    assert_eq!(kept["correctAction"]["magnitude"], 2100);
    let cleared = app
        .write(
            &editor,
            correct,
            json!({ "id": id, "summary": null, "magnitude": 2200 }),
        )
        .await;
    assert!(
        cleared["correctAction"]["summary"].is_null(),
        "null: cleared"
    );
    assert_eq!(cleared["correctAction"]["revision"], 3);
}

#[tokio::test]
async fn omitted_variables_work_in_a_named_operation_of_several_and_over_websocket() {
    let app = spawn_app().await;
    let document = "query Other($x: Int) { actors(first: $x) { totalCount } }
        query Titles($order: TimeOrder) { timeline(order: $order, first: 20) { nodes { title } } }";
    let body = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": document, "operationName": "Titles", "variables": {} }))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body:#}");
    let ascending = titles(
        &app.query("{ timeline(first: 20) { nodes { title } } }", json!({}))
            .await,
    );
    assert_eq!(titles(&body["data"]), ascending);

    let mut client = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client.subscribe("1", TITLES, json!({})).await;
    let payload = client.next_payload().await;
    assert!(payload.get("errors").is_none(), "{payload}");
    assert_eq!(titles(&payload["data"]), ascending);
}

#[tokio::test]
async fn an_omitted_variable_inside_a_list_is_null_which_a_list_of_non_null_refuses() {
    let app = spawn_app().await;
    let code = app
        .error_code(
            "query($k: ActionKind) { timeline(filter: { kinds: [$k] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn no_argument_or_input_field_with_a_default_is_non_null_in_the_schema() {
    let app = spawn_app().await;
    let sdl = app.get_text("/schema.graphql").await;
    let mut defaulted = 0;
    for line in sdl.lines() {
        // `name: Type = default` in an argument list or an input type.
        for part in line.split([',', '(']) {
            if let Some((declared, _default)) = part.split_once(" = ")
                && declared.contains(':')
            {
                defaulted += 1;
                assert!(
                    !declared.trim_end().ends_with('!'),
                    "a defaulted argument or field must be nullable: {}",
                    line.trim()
                );
            }
        }
    }
    assert!(
        defaulted >= 7,
        "found {defaulted} defaulted arguments and fields"
    );
}

#[tokio::test]
async fn every_timeline_filter_field_is_a_url_parameter_of_the_newsroom_routes() {
    let app = spawn_app().await;
    let sdl = app.get_text("/schema.graphql").await;
    let block = sdl
        .split("input TimelineFilter {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("TimelineFilter in the SDL");
    // Field lines, with the descriptions (`"..."` and `"""` blocks) skipped.
    let mut fields: Vec<&str> = Vec::new();
    let mut in_description = false;
    for line in block.lines().map(str::trim) {
        if line.starts_with("\"\"\"") {
            in_description = !(in_description || line.len() > 3 && line.ends_with("\"\"\""));
            continue;
        }
        if in_description || line.is_empty() || line.starts_with('"') {
            continue;
        }
        if let Some((name, _)) = line.split_once(':') {
            fields.push(name);
        }
    }
    assert!(fields.len() >= 10, "{fields:?}");
    for field in fields {
        let body = app
            .get_text(&format!("/export/timelinejs.json?{field}="))
            .await;
        assert!(
            !body.contains("unknown parameter"),
            "{field} is a filter field but not a URL parameter: {body}"
        );
    }
}
