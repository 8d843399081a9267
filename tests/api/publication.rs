//! Drafts, review and publication: readers see an action only once it is published, through
//! every door (queries, node, exports, feed, chart, escalation, subscriptions, the change log);
//! editors see everything with their token; a scheduled action goes out at its time with no
//! request arriving, and subscribers hear of it once.

use crate::helpers::{TestApp, spawn_app};
use crate::ws;
use serde_json::{Value, json};
use std::time::Duration;

const RECORD: &str = "mutation($input: RecordActionInput!) {
    recordAction(input: $input) { id publication publishAt recordedBy } }";

/// Records a statement by the mayor in the Chicago story, as a draft or published.
async fn record(app: &TestApp, auth: &str, title: &str, draft: bool) -> String {
    let input = json!({
        "actor": "brandon-johnson", "kind": "STATEMENT", "category": "REJECT",
        "occurredAt": "2025-09-02", "stories": ["chicago-2025"], "title": title,
        "draft": draft, "citations": [{ "sourceId": app.source_id().await }],
    });
    let data = app.write(auth, RECORD, json!({ "input": input })).await;
    data["recordAction"]["id"].as_str().expect("id").to_owned()
}

/// What readers (no token) and the editor see of one action, by `action` and `node`.
async fn seen(app: &TestApp, auth: Option<&str>, id: &str) -> (Value, Value) {
    let body = app
        .post_with(
            auth,
            r#"query($id: ID!) { action(id: $id) { title publication }
                node(id: $id) { ... on Action { title } } }"#,
            json!({ "id": id }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    (body["data"]["action"].clone(), body["data"]["node"].clone())
}

/// The counts readers get from every public door.
async fn public_counts(app: &TestApp) -> [u64; 7] {
    let data = app
        .query(
            r#"{ timeline(filter: { stories: ["chicago-2025"] }) { totalCount }
                 story(slug: "chicago-2025") { actionCount actors { slug } }
                 escalation(bucket: YEAR) { actionCount }
                 changes(first: 1) { totalCount } }"#,
            json!({}),
        )
        .await;
    let escalation: u64 = data["escalation"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["actionCount"].as_u64().expect("count"))
        .sum();
    let csv = app
        .get_text("/export/actions.csv?stories=chicago-2025")
        .await;
    let feed = app.get_text("/feed.atom?stories=chicago-2025").await;
    let feed = atom_syndication::Feed::read_from(feed.as_bytes()).expect("atom");
    let chart = app
        .get_text("/charts/escalation.csv?stories=chicago-2025&bucket=year")
        .await;
    let chart_actions: u64 = chart
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(5)
                .and_then(|n| n.parse::<u64>().ok())
                .expect("actions")
        })
        .sum();
    [
        data["timeline"]["totalCount"].as_u64().expect("total"),
        data["story"]["actionCount"].as_u64().expect("count"),
        escalation,
        u64::try_from(csv.lines().count() - 1).expect("rows"),
        u64::try_from(feed.entries().len()).expect("entries"),
        chart_actions,
        data["changes"]["totalCount"].as_u64().expect("changes"),
    ]
}

#[tokio::test]
async fn a_draft_is_seen_by_editors_only_until_it_is_published() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let before = public_counts(&app).await;
    let id = record(&app, &editor, "A draft statement", true).await;

    // Readers: nothing anywhere; the counts are what they were.
    assert_eq!(seen(&app, None, &id).await, (Value::Null, Value::Null));
    assert_eq!(
        public_counts(&app).await,
        before,
        "no public door shows the draft"
    );
    assert!(
        !app.titles(json!({}))
            .await
            .contains(&"A draft statement".to_owned())
    );
    // The editor sees it, marked a draft, and who recorded it.
    let (action, node) = seen(&app, Some(&editor), &id).await;
    assert_eq!(
        action,
        json!({ "title": "A draft statement", "publication": "DRAFT" })
    );
    assert_eq!(node["title"], "A draft statement");
    let editors = app
        .post_with(
            Some(&editor),
            r#"{ timeline(filter: { stories: ["chicago-2025"] }) { totalCount }
                 changes(last: 1) { nodes { kind } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(editors["data"]["timeline"]["totalCount"], before[0] + 1);
    assert_eq!(editors["data"]["changes"]["nodes"][0]["kind"], "RECORDED");

    // Published: every door shows it, once.
    let published = app
        .write(
            &editor,
            r#"mutation($id: ID!) { publish(id: $id) { publication publishAt publishedBy } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(published["publish"]["publication"], "PUBLISHED");
    assert_eq!(published["publish"]["publishedBy"], "desk");
    let after = public_counts(&app).await;
    for (n, (b, a)) in before.iter().zip(after).enumerate().take(6) {
        assert_eq!(a, b + 1, "door {n} shows the published action");
    }
    assert_eq!(
        after[6],
        before[6] + 1,
        "readers learn of one change: its publication"
    );
    let (action, _) = seen(&app, None, &id).await;
    assert_eq!(action["publication"], "PUBLISHED");
    // Readers are not told who did what inside the newsroom.
    let who = app
        .query(
            r#"query($id: ID!) { action(id: $id) { recordedBy publishedBy } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        who["action"],
        json!({ "recordedBy": null, "publishedBy": null })
    );
}

#[tokio::test]
async fn a_story_that_requires_review_needs_a_second_editor() {
    let app = spawn_app().await;
    let admin = app.admin("standards").await;
    app.write(
        &admin,
        r#"mutation { updateStory(slug: "chicago-2025", input: { reviewRequired: true }) { reviewRequired } }"#,
        json!({}),
    )
    .await;
    let author = app.editor("reporter").await;
    let second = app.editor("second-reader").await;
    let input = json!({ "input": {
        "actor": "jb-pritzker", "kind": "STATEMENT", "occurredAt": "2025-09-03",
        "title": "Published straight away", "citations": [{ "sourceId": app.source_id().await }] } });
    assert_eq!(app.refused(Some(&author), RECORD, input).await, "CONFLICT");
    let id = record(&app, &author, "Needs a second pair of eyes", true).await;
    let publish = r#"mutation($id: ID!) { publish(id: $id) { publication } }"#;
    let approve = r#"mutation($id: ID!) { approve(id: $id) { publication approvedBy } }"#;
    let submit = r#"mutation($id: ID!) { submitForReview(id: $id) { publication } }"#;
    let vars = json!({ "id": id });
    assert_eq!(
        app.refused(Some(&author), publish, vars.clone()).await,
        "CONFLICT"
    );
    assert_eq!(
        app.refused(Some(&second), approve, vars.clone()).await,
        "CONFLICT"
    );
    let submitted = app.write(&author, submit, vars.clone()).await;
    assert_eq!(submitted["submitForReview"]["publication"], "IN_REVIEW");
    assert_eq!(
        app.refused(Some(&author), approve, vars.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.refused(Some(&author), publish, vars.clone()).await,
        "CONFLICT"
    );
    let approved = app.write(&second, approve, vars.clone()).await;
    assert_eq!(
        approved["approve"],
        json!({ "publication": "IN_REVIEW", "approvedBy": "second-reader" })
    );
    assert_eq!(
        app.refused(Some(&second), approve, vars.clone()).await,
        "CONFLICT"
    );
    let published = app.write(&author, publish, vars.clone()).await;
    assert_eq!(published["publish"]["publication"], "PUBLISHED");
    // A published action is retracted, never silently unpublished.
    let unpublish = r#"mutation($id: ID!) { unpublish(id: $id) { publication } }"#;
    assert_eq!(
        app.refused(Some(&author), unpublish, vars).await,
        "CONFLICT"
    );
    // Each step is logged with its author.
    let log = app
        .post_with(
            Some(&admin),
            r#"{ changes(last: 4) { nodes { kind author } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        log["data"]["changes"]["nodes"],
        json!([
            { "kind": "RECORDED", "author": "reporter" },
            { "kind": "SUBMITTED", "author": "reporter" },
            { "kind": "APPROVED", "author": "second-reader" },
            { "kind": "PUBLISHED", "author": "reporter" },
        ])
    );
}

#[tokio::test]
async fn a_scheduled_action_goes_out_at_its_time_and_subscribers_hear_once() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let events = "subscription { timelineEvents { type action { id title publication } } }";
    let mut reader = ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    reader.subscribe("public", events, json!({})).await;
    let mut newsroom = ws::connect(
        app.addr,
        "graphql-transport-ws",
        json!({ "authorization": editor }),
    )
    .await;
    newsroom.subscribe("desk", events, json!({})).await;
    // Both subscriptions are live once a published marker reaches them.
    for _ in 0..10 {
        record(&app, &editor, "Marker", false).await;
        if reader.event_within(Duration::from_secs(1)).await.is_some() {
            break;
        }
    }
    while newsroom
        .event_within(Duration::from_millis(500))
        .await
        .is_some()
    {}

    let id = record(&app, &editor, "Scheduled statement", true).await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let scheduled = app
        .write(
            &editor,
            r#"mutation($id: ID!, $at: DateTime) { publish(id: $id, at: $at) { publication publishAt } }"#,
            json!({ "id": id, "at": at }),
        )
        .await;
    assert_eq!(scheduled["publish"]["publication"], "SCHEDULED");
    assert_eq!(
        seen(&app, None, &id).await.0,
        Value::Null,
        "not before its time"
    );
    let desk = newsroom.next_event().await;
    assert_eq!(
        (desk["type"].as_str(), desk["action"]["id"].as_str()),
        (Some("RECORDED"), Some(id.as_str()))
    );
    assert_eq!(newsroom.next_event().await["type"], "SCHEDULED");

    // No request arrives: the scheduler publishes it, and readers hear of it as recorded.
    let event = reader
        .event_within(Duration::from_secs(15))
        .await
        .expect("the publication reaches readers");
    assert_eq!(event["type"], "RECORDED");
    assert_eq!(event["action"]["id"], id.as_str());
    assert_eq!(event["action"]["publication"], "PUBLISHED");
    assert!(
        reader.quiet_for(Duration::from_secs(3)).await,
        "exactly once"
    );
    assert_eq!(newsroom.next_event().await["type"], "PUBLISHED");
    assert_eq!(
        seen(&app, None, &id).await.0["title"],
        "Scheduled statement"
    );
    let log = app
        .post_with(
            Some(&editor),
            r#"{ changes(last: 1) { nodes { kind author } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        log["data"]["changes"]["nodes"][0],
        json!({ "kind": "PUBLISHED", "author": "desk" })
    );
}

#[tokio::test]
async fn a_scheduled_or_reviewed_action_can_go_back_to_a_draft() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let id = record(&app, &editor, "Not yet", true).await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    app.write(
        &editor,
        r#"mutation($id: ID!, $at: DateTime) { publish(id: $id, at: $at) { publication } }"#,
        json!({ "id": id, "at": at }),
    )
    .await;
    let back = app
        .write(
            &editor,
            r#"mutation($id: ID!) { unpublish(id: $id) { publication publishAt } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        back["unpublish"],
        json!({ "publication": "DRAFT", "publishAt": null })
    );
    let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    assert_eq!(
        app.refused(
            Some(&editor),
            r#"mutation($id: ID!, $at: DateTime) { publish(id: $id, at: $at) { publication } }"#,
            json!({ "id": id, "at": far }),
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn readers_never_see_a_link_to_a_draft_and_a_published_action_never_answers_one() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let order = app.action_id("Johnson signs").await;
    // A draft answering a published action is the newsroom's business.
    let input = json!({ "input": {
        "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-09-04",
        "title": "Draft answer", "draft": true,
        "citations": [{ "sourceId": app.source_id().await }],
        "respondsTo": [{ "actionId": order, "stance": "DISMISSES" }] } });
    let draft = app.write(&editor, RECORD, input).await["recordAction"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let answers = r#"query($id: ID!) { action(id: $id) { responses { action { title } } } }"#;
    let public = app.query(answers, json!({ "id": order })).await;
    let titles = public["action"]["responses"].to_string();
    assert!(!titles.contains("Draft answer"), "{titles}");
    let newsroom = app
        .post_with(Some(&editor), answers, json!({ "id": order }))
        .await;
    assert!(
        newsroom["data"]["action"]["responses"]
            .to_string()
            .contains("Draft answer")
    );
    let thread = app
        .query(
            r#"query($id: ID!) { thread(actionId: $id) { title } }"#,
            json!({ "id": order }),
        )
        .await;
    assert!(!thread.to_string().contains("Draft answer"));

    // A published action may not answer the draft, whichever way the link is made.
    let input = json!({ "input": {
        "actor": "jb-pritzker", "kind": "STATEMENT", "occurredAt": "2025-09-05",
        "title": "Answers a draft", "citations": [{ "sourceId": app.source_id().await }],
        "respondsTo": [{ "actionId": draft, "stance": "CRITICIZES" }] } });
    assert_eq!(app.refused(Some(&editor), RECORD, input).await, "CONFLICT");
    let published = record(&app, &editor, "Published alone", false).await;
    assert_eq!(
        app.refused(
            Some(&editor),
            r#"mutation($a: ID!, $b: ID!) { recordResponse(input: { actionId: $a, respondsToId: $b, stance: CRITICIZES }) { id } }"#,
            json!({ "a": published, "b": draft }),
        )
        .await,
        "CONFLICT"
    );
}

#[tokio::test]
async fn roles_tokens_and_the_signed_in_editor() {
    let app = spawn_app().await;
    let editor = app.editor("reporter").await;
    let admin = app.admin("chief").await;
    let me = app
        .post_with(Some(&editor), "{ me { name role } }", json!({}))
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "name": "reporter", "role": "EDITOR" })
    );
    assert_eq!(
        app.query("{ me { name } }", json!({})).await["me"],
        Value::Null
    );
    let bad = app
        .post_with(Some("Bearer stf_nope"), "{ me { name } }", json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let create_story =
        r#"mutation { createStory(input: { slug: "desk-test", title: "Desk" }) { slug } }"#;
    assert_eq!(
        app.refused(Some(&editor), create_story, json!({})).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.post_with(Some(&editor), "{ tokens { name } }", json!({}))
            .await["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
    app.write(&admin, create_story, json!({})).await;
    let made = app
        .write(
            &admin,
            r#"mutation { createToken(input: { name: "night-desk" }) { token info { name role revokedAt } } }"#,
            json!({}),
        )
        .await;
    let token = made["createToken"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        made["createToken"]["info"],
        json!({ "name": "night-desk", "role": "EDITOR", "revokedAt": null })
    );
    let night = format!("Bearer {token}");
    let me = app
        .post_with(Some(&night), "{ me { name } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["name"], "night-desk");
    let listed = app.write(&admin, "{ tokens { name } }", json!({})).await;
    assert!(listed["tokens"].to_string().contains("night-desk"));
    assert!(
        !listed["tokens"].to_string().contains("stf_"),
        "never the tokens themselves"
    );
    app.write(
        &admin,
        r#"mutation { revokeToken(name: "night-desk") { revokedAt } }"#,
        json!({}),
    )
    .await;
    let revoked = app
        .post_with(Some(&night), "{ me { name } }", json!({}))
        .await;
    assert_eq!(
        revoked["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn errors_name_the_ids_clients_were_given() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let id = app.action_id("killing field").await;
    let retract = r#"mutation($id: ID!) { retractAction(id: $id, reason: "wrong") { retracted } }"#;
    app.write(&editor, retract, json!({ "id": id })).await;
    let again = app
        .post_with(Some(&editor), retract, json!({ "id": id }))
        .await;
    let message = again["errors"][0]["message"].as_str().expect("message");
    assert_eq!(message, format!("action {id} is retracted already"));
    let publish = r#"mutation($id: ID!) { publish(id: $id) { publication } }"#;
    let order = app.action_id("Johnson signs").await;
    let message = app
        .post_with(Some(&editor), publish, json!({ "id": order }))
        .await;
    assert_eq!(
        message["errors"][0]["message"],
        format!("action {order} is published already")
    );
}

/// Schedules `id` for `seconds` from now as `auth`.
async fn schedule(app: &TestApp, auth: &str, id: &str, seconds: i64) -> Value {
    let at = (chrono::Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339();
    app.write(
        auth,
        r#"mutation($id: ID!, $at: DateTime) { publish(id: $id, at: $at) { publication } }"#,
        json!({ "id": id, "at": at }),
    )
    .await
}

/// The editor's view of an action's workflow state.
async fn state(app: &TestApp, auth: &str, id: &str) -> Value {
    app.write(
        auth,
        r#"query($id: ID!) { action(id: $id) { publication approvedBy publishAt retracted } }"#,
        json!({ "id": id }),
    )
    .await["action"]
        .clone()
}

#[tokio::test]
async fn what_is_withdrawn_or_changed_after_approval_never_goes_out_unchecked() {
    let app = spawn_app().await;
    let editor = app.editor("reporter").await;
    let second = app.editor("second").await;
    // A scheduled action that is retracted goes back to a draft: its time passes unnoticed.
    let withdrawn = record(&app, &editor, "Withdrawn before its time", true).await;
    schedule(&app, &editor, &withdrawn, 2).await;
    app.write(
        &editor,
        r#"mutation($id: ID!) { retractAction(id: $id, reason: "not ready") { id } }"#,
        json!({ "id": withdrawn }),
    )
    .await;
    // An action scheduled before its story came to require review is held back at its time.
    let unchecked = record(&app, &editor, "Scheduled before review", true).await;
    schedule(&app, &editor, &unchecked, 2).await;
    let admin = app.admin("standards").await;
    app.write(
        &admin,
        r#"mutation { updateStory(slug: "chicago-2025", input: { reviewRequired: true }) { slug } }"#,
        json!({}),
    )
    .await;
    // An approved action edited by its author goes back to review.
    let approved = record(&app, &editor, "Approved, then rewritten", true).await;
    for (who, step) in [(&editor, "submitForReview"), (&second, "approve")] {
        app.write(
            who,
            &format!("mutation($id: ID!) {{ {step}(id: $id) {{ id }} }}"),
            json!({ "id": approved }),
        )
        .await;
    }
    app.write(
        &editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "sharper", input: { title: "Rewritten after approval" }) { id } }"#,
        json!({ "id": approved }),
    )
    .await;
    assert_eq!(
        state(&app, &editor, &approved).await,
        json!({ "publication": "IN_REVIEW", "approvedBy": null, "publishAt": null, "retracted": false })
    );

    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        state(&app, &editor, &withdrawn).await,
        json!({ "publication": "DRAFT", "approvedBy": null, "publishAt": null, "retracted": true })
    );
    assert_eq!(
        state(&app, &editor, &unchecked).await["publication"],
        "DRAFT"
    );
    for id in [&withdrawn, &unchecked, &approved] {
        assert_eq!(
            seen(&app, None, id).await.0,
            Value::Null,
            "readers never saw {id}"
        );
    }
    let held = app
        .post_with(
            Some(&editor),
            r#"{ changes(last: 20) { nodes { kind note action { title } } } }"#,
            json!({}),
        )
        .await;
    let held = held["data"]["changes"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|c| c["kind"] == "UNPUBLISHED")
        .expect("the hold is logged")
        .clone();
    assert_eq!(held["action"]["title"], "Scheduled before review");
    assert!(
        held["note"]
            .as_str()
            .expect("note")
            .contains("requires review")
    );
}

#[tokio::test]
async fn readers_see_only_sources_that_published_actions_cite() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let scoop = app
        .write(
            &editor,
            r#"mutation { addSource(input: { title: "Leaked memo" }) { id } }"#,
            json!({}),
        )
        .await["addSource"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let input = json!({ "input": {
        "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-09-06",
        "title": "Cites the memo", "draft": true, "citations": [{ "sourceId": scoop }] } });
    let id = app.write(&editor, RECORD, input).await["recordAction"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let list = r#"query($id: ID!) { sources(first: 100) { totalCount nodes { title } }
        node(id: $id) { ... on Source { title } } }"#;
    let public = app.query(list, json!({ "id": scoop })).await;
    assert!(!public["sources"].to_string().contains("Leaked memo"));
    assert_eq!(public["node"], Value::Null);
    let newsroom = app.write(&editor, list, json!({ "id": scoop })).await;
    assert!(newsroom["sources"].to_string().contains("Leaked memo"));
    // Edited as a draft, then published: readers see it, not as corrected.
    app.write(
        &editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "draft edit", input: { summary: "Tidied" }) { id } }"#,
        json!({ "id": id }),
    )
    .await;
    app.write(
        &editor,
        r#"mutation($id: ID!) { publish(id: $id) { id } }"#,
        json!({ "id": id }),
    )
    .await;
    let public = app.query(list, json!({ "id": scoop })).await;
    assert_eq!(public["node"]["title"], "Leaked memo");
    let feed = app.get_text("/feed.atom").await;
    assert!(
        feed.contains("<title>Cites the memo</title>"),
        "not marked corrected: {feed}"
    );
    let history = app
        .query(
            r#"query($id: ID!) { action(id: $id) { history { note } } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(history["action"]["history"], json!([]));
}

#[tokio::test]
async fn a_scheduled_action_may_not_answer_a_draft() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let draft = record(&app, &editor, "A draft", true).await;
    let scheduled = record(&app, &editor, "Goes out later", true).await;
    schedule(&app, &editor, &scheduled, 3600).await;
    assert_eq!(
        app.refused(
            Some(&editor),
            r#"mutation($a: ID!, $b: ID!) { recordResponse(input: { actionId: $a, respondsToId: $b, stance: CRITICIZES }) { id } }"#,
            json!({ "a": scheduled, "b": draft }),
        )
        .await,
        "CONFLICT"
    );
}
