//! Mutations: each one's effect read back through queries, each refusal coded and writing
//! nothing.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

const RECORD: &str = r#"mutation($input: RecordActionInput!) {
  recordAction(input: $input) {
    id title revision retracted intensity displayDate
    actor { slug } targets { slug }
    citations { excerpt source { title } }
    respondsTo { stance respondsTo { title } }
  }
}"#;

/// The National Guard arriving in Chicago, answering Trump's threat.
async fn guard_arrives(app: &TestApp) -> Value {
    json!({
        "actor": "national-guard",
        "targets": ["city-of-chicago"],
        "kind": "DEPLOYMENT",
        "category": "MOBILIZE",
        "occurredAt": "2025-10-04T15:30:00Z",
        "precision": "MINUTE",
        "title": "National Guard troops arrive in Chicago",
        "place": "Chicago",
        "magnitude": 300,
        "citations": [{ "sourceId": app.source_id().await, "excerpt": "troops arrived" }],
        "respondsTo": [{ "actionId": app.action_id("threatens to extend").await, "stance": "CARRIES_OUT" }],
    })
}

#[tokio::test]
async fn an_editor_records_an_action_that_answers_the_threat() {
    let app = spawn_app().await;
    let editor = app.editor("desk-editor").await;
    let input = guard_arrives(&app).await;
    let data = app.write(&editor, RECORD, json!({ "input": input })).await;
    let recorded = &data["recordAction"];
    assert_eq!(recorded["revision"], 1);
    assert_eq!(recorded["actor"]["slug"], "national-guard");
    assert_eq!(recorded["targets"][0]["slug"], "city-of-chicago");
    assert_eq!(recorded["intensity"], -5.3, "MOBILIZE's default score");
    assert_eq!(recorded["displayDate"], "4 Oct 2025, 15:30 UTC");
    assert_eq!(recorded["respondsTo"][0]["stance"], "CARRIES_OUT");

    // Read back: on the timeline, as an answer to the threat, and in the change log.
    let threat = app
        .query(
            "query($id: ID!) { action(id: $id) { responses { stance action { title } } } }",
            json!({ "id": app.action_id("threatens to extend").await }),
        )
        .await;
    let answers = threat["action"]["responses"].as_array().expect("responses");
    assert!(answers.iter().any(|r| r["stance"] == "CARRIES_OUT"
        && r["action"]["title"] == "National Guard troops arrive in Chicago"));
    let data = app.query("{ timeline { totalCount } }", json!({})).await;
    assert_eq!(data["timeline"]["totalCount"], 12);
    let log = app
        .query(
            "{ changes(first: 100) { totalCount nodes { kind author action { title } } } }",
            json!({}),
        )
        .await;
    let nodes = log["changes"]["nodes"].as_array().expect("changes");
    let tail: Vec<(&str, &str)> = nodes[nodes.len() - 2..]
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind"),
                c["author"].as_str().expect("author"),
            )
        })
        .collect();
    assert_eq!(
        tail,
        vec![("RECORDED", "desk-editor"), ("RESPONDED", "desk-editor")]
    );
}

#[tokio::test]
async fn actors_sources_and_responses_can_be_added() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let data = app
        .write(
            &editor,
            r#"mutation {
                 createActor(input: { slug: "illinois-national-guard", name: "Illinois National Guard",
                   kind: FORCE, side: STATE, memberOf: "state-of-illinois" }) { id slug side memberOf { slug } }
                 addSource(input: { title: "Governor's statement", url: "https://example.org/statement",
                   publisher: "Office of the Governor", publishedAt: "2025-10-05T12:00:00Z" }) { id title url }
               }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["createActor"]["memberOf"]["slug"], "state-of-illinois");
    // A source nothing published cites yet is the newsroom's: editors find it, readers not.
    let node = app
        .write(
            &editor,
            "query($id: ID!) { node(id: $id) { ... on Source { title publisher publishedAt } } }",
            json!({ "id": data["addSource"]["id"] }),
        )
        .await;
    assert_eq!(node["node"]["publisher"], "Office of the Governor");
    let hidden = app
        .query(
            "query($id: ID!) { node(id: $id) { ... on Source { title } } }",
            json!({ "id": data["addSource"]["id"] }),
        )
        .await;
    assert_eq!(hidden["node"], serde_json::Value::Null);
    let actors = app
        .query("{ actors(side: STATE) { totalCount } }", json!({}))
        .await;
    assert_eq!(actors["actors"]["totalCount"], 3);

    let link = app
        .write(
            &editor,
            "mutation($a: ID!, $b: ID!) { recordResponse(input: { actionId: $a, respondsToId: $b, stance: SUPPORTS }) { stance action { title } respondsTo { title } } }",
            json!({ "a": app.action_id("partisan issue").await, "b": app.action_id("publicity stunt").await }),
        )
        .await;
    assert_eq!(link["recordResponse"]["stance"], "SUPPORTS");
    assert!(
        link["recordResponse"]["respondsTo"]["title"]
            .as_str()
            .expect("t")
            .contains("publicity stunt")
    );
}

#[tokio::test]
async fn invalid_writes_are_refused_with_codes_and_write_nothing() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let good = guard_arrives(&app).await;
    let with = |changes: Value| {
        let mut input = good.clone();
        for (k, v) in changes.as_object().expect("object") {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let cases = [
        (json!({ "actor": "no-such-actor" }), "BAD_USER_INPUT"),
        (json!({ "targets": ["nobody"] }), "BAD_USER_INPUT"),
        (
            json!({ "intensity": 11.0, "intensityReason": "why" }),
            "BAD_USER_INPUT",
        ),
        (json!({ "intensity": -3.0 }), "BAD_USER_INPUT"),
        (json!({ "title": "   " }), "BAD_USER_INPUT"),
        (json!({ "title": "x".repeat(301) }), "BAD_USER_INPUT"),
        (json!({ "summary": "x".repeat(5001) }), "BAD_USER_INPUT"),
        (json!({ "citations": [] }), "BAD_USER_INPUT"),
        (
            json!({ "citations": [{ "sourceId": "U291cmNlOjk5OTk" }] }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "occurredAt": "2025-13-01T00:00:00Z" }),
            "BAD_USER_INPUT",
        ),
        (json!({ "magnitude": -5 }), "BAD_USER_INPUT"),
        // Dated before the threat's month began: impossible, whatever the precisions.
        (
            json!({ "occurredAt": "2025-07-15T00:00:00Z", "precision": "DAY" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "respondsTo": [{ "actionId": "QWN0aW9uOjk5OTk5", "stance": "DEFIES" }] }),
            "BAD_USER_INPUT",
        ),
    ];
    for (change, code) in cases {
        assert_eq!(
            app.refused(Some(&editor), RECORD, with(change.clone()))
                .await,
            code,
            "{change}"
        );
    }
    // The month of the threat is August; an answer in the same month is allowed by precision.
    let same_month = with(json!({ "occurredAt": "2025-08-01T00:00:00Z", "precision": "MONTH" }));
    app.write(&editor, RECORD, same_month).await;

    let actor = r#"mutation($s: String!) { createActor(input: { slug: $s, name: "X", kind: GROUP, side: OTHER }) { id } }"#;
    assert_eq!(
        app.refused(Some(&editor), actor, json!({ "s": "jb-pritzker" }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.refused(Some(&editor), actor, json!({ "s": "Not A Slug" }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.refused(
            Some(&editor),
            r#"mutation { addSource(input: { title: "t", url: "javascript:alert(1)" }) { id } }"#,
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    let response = "mutation($a: ID!, $b: ID!) { recordResponse(input: { actionId: $a, respondsToId: $b, stance: CONDEMNS }) { stance } }";
    let pritzker = app.action_id("abuse of power").await;
    let threat = app.action_id("deploy the National Guard").await;
    let dc = app.action_id("Washington DC").await;
    assert_eq!(
        app.refused(
            Some(&editor),
            response,
            json!({ "a": pritzker, "b": threat })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(
        app.refused(
            Some(&editor),
            response,
            json!({ "a": pritzker, "b": pritzker })
        )
        .await,
        "BAD_USER_INPUT"
    );
    // The DC deployment cannot answer Johnson's order, which answers the threat that builds on
    // the deployment: that would make the deployment answer itself.
    let order = app.action_id("signs an order").await;
    assert_eq!(
        app.refused(Some(&editor), response, json!({ "a": dc, "b": order }))
            .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn a_correction_bumps_the_revision_and_logs_old_values_with_the_note() {
    let app = spawn_app().await;
    let editor = app.editor("copy-desk").await;
    let id = app.action_id("Washington DC").await;
    let data = app
        .write(
            &editor,
            r#"mutation($id: ID!) {
                 correctAction(id: $id, note: "The source says about 2,000; later reports say 2,200.",
                   input: { magnitude: 2200, summary: null, category: COERCE }) {
                   revision magnitude summary intensity category
                 }
               }"#,
            json!({ "id": id }),
        )
        .await;
    let action = &data["correctAction"];
    assert_eq!(action["revision"], 2);
    assert_eq!(action["magnitude"], 2200);
    assert!(action["summary"].is_null());
    assert_eq!(
        action["intensity"], -7.2,
        "the default follows the new category"
    );

    let log = app
        .query(
            "{ changes(first: 100) { nodes { kind note details action { revision } } } }",
            json!({}),
        )
        .await;
    let last = log["changes"]["nodes"]
        .as_array()
        .expect("nodes")
        .last()
        .cloned()
        .expect("last");
    assert_eq!(last["kind"], "CORRECTED");
    assert_eq!(
        last["note"],
        "The source says about 2,000; later reports say 2,200."
    );
    assert_eq!(
        last["details"]["changed"]["magnitude"],
        json!({ "from": 2000, "to": 2200 })
    );
    assert_eq!(last["details"]["changed"]["category"]["from"], "MOBILIZE");
    assert!(
        last["details"]["changed"]["summary"]["from"]
            .as_str()
            .expect("old")
            .contains("two thousand")
    );

    let q = "mutation($id: ID!) { correctAction(id: $id, note: \"n\", input: {}) { revision } }";
    assert_eq!(
        app.refused(Some(&editor), q, json!({ "id": id })).await,
        "BAD_USER_INPUT"
    );
    let q = "mutation($id: ID!) { correctAction(id: $id, note: \"  \", input: { magnitude: 1 }) { revision } }";
    assert_eq!(
        app.refused(Some(&editor), q, json!({ "id": id })).await,
        "BAD_USER_INPUT"
    );
    let q = "mutation { correctAction(id: \"QWN0aW9uOjk5OTk5\", note: \"n\", input: { magnitude: 1 }) { revision } }";
    assert_eq!(app.refused(Some(&editor), q, json!({})).await, "NOT_FOUND");
}

#[tokio::test]
async fn a_retraction_hides_the_action_but_keeps_it() {
    let app = spawn_app().await;
    let editor = app.editor("standards").await;
    let id = app.action_id("killing field").await;
    let retract = "mutation($id: ID!) { retractAction(id: $id, reason: \"Misattributed quote\") { retracted } }";
    let data = app.write(&editor, retract, json!({ "id": id })).await;
    assert_eq!(data["retractAction"]["retracted"], true);

    assert_eq!(app.titles(json!({})).await.len(), 10);
    let all = app.titles(json!({ "includeRetracted": true })).await;
    assert_eq!(all.len(), 11);
    assert!(all.iter().any(|t| t.contains("killing field")));
    let direct = app
        .query(
            "query($id: ID!) { action(id: $id) { retracted title } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(direct["action"]["retracted"], true);
    let log = app
        .query("{ changes(first: 100) { nodes { kind note } } }", json!({}))
        .await;
    let last = log["changes"]["nodes"]
        .as_array()
        .expect("nodes")
        .last()
        .cloned()
        .expect("last");
    assert_eq!(
        (last["kind"].as_str(), last["note"].as_str()),
        (Some("RETRACTED"), Some("Misattributed quote"))
    );
    assert_eq!(
        app.refused(Some(&editor), retract, json!({ "id": id }))
            .await,
        "CONFLICT"
    );
}

#[tokio::test]
async fn writes_without_a_valid_token_are_unauthenticated_and_write_nothing() {
    let app = spawn_app().await;
    let input = json!({ "input": guard_arrives(&app).await });
    let revoked = app.editor("former-intern").await;
    standoff_core::tokens::revoke_token(&app.db, "former-intern")
        .await
        .expect("revoke");
    for auth in [
        None,
        Some("Bearer stf_not-a-real-token"),
        Some("Bearer"),
        Some("Basic dXNlcjpwYXNz"),
        Some(revoked.as_str()),
    ] {
        assert_eq!(
            app.refused(auth, RECORD, input.clone()).await,
            "UNAUTHENTICATED",
            "{auth:?}"
        );
    }
    let actor = r#"mutation { createActor(input: { slug: "x", name: "X", kind: GROUP, side: OTHER }) { id } }"#;
    assert_eq!(app.refused(None, actor, json!({})).await, "UNAUTHENTICATED");
    // Reads stay public.
    assert_eq!(
        app.query("{ timeline { totalCount } }", json!({})).await["timeline"]["totalCount"],
        11
    );
}

#[tokio::test]
async fn concurrent_editors_all_land_their_writes() {
    let app = spawn_app().await;
    let source = app.source_id().await;
    let mut editors = Vec::new();
    for n in 0..8 {
        editors.push(app.editor(&format!("desk-{n}")).await);
    }
    // Each write reads (slugs, sources) before it writes; on SQLite a reader that turns writer
    // while another commits must wait its turn, not fail.
    let writes = (0..48).map(|n| {
        let (app, editor, source) = (&app, &editors[n % editors.len()], &source);
        async move {
            let input = json!({
                "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-10-05T12:00:00Z",
                "title": format!("Concurrent statement {n}"),
                "citations": [{ "sourceId": source }],
            });
            app.post_with(Some(editor), RECORD, json!({ "input": input }))
                .await
        }
    });
    let answers = futures_util::future::join_all(writes).await;
    for answer in &answers {
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    let data = app.query("{ timeline { totalCount } }", json!({})).await;
    assert_eq!(data["timeline"]["totalCount"], 11 + 48);
}
