//! Stories: several feuds in one archive, each with its own timeline, export, feed, chart and
//! page; shared actors; story files that reconcile through the change log.

use crate::helpers::{TestApp, load_story, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A second, made-up story that shares the President with the bundled one.
const PORTLAND: &str = r#"
[story]
slug = "portland-2025"
title = "Portland vs. the federal government, 2025"
summary = "A made-up feud for the tests."
time_zone = "America/Los_Angeles"
locale = "en-US"

[[actors]]
slug = "donald-trump"
name = "Donald Trump"
kind = "PERSON"
side = "FEDERAL"

[[actors]]
slug = "portland-mayor"
name = "The Mayor of Portland"
kind = "PERSON"
side = "LOCAL"

[[sources]]
key = "portland-wire"
title = "A made-up wire report"

[[actions]]
key = "portland-threat"
actor = "donald-trump"
targets = ["portland-mayor"]
kind = "STATEMENT"
category = "THREATEN"
status = "THREATENED"
occurred_at = "2025-09-05T16:30:00Z"
title = "Trump threatens to send troops to Portland"
citations = [{ source = "portland-wire" }]

[[actions]]
key = "portland-answer"
actor = "portland-mayor"
targets = ["donald-trump"]
kind = "STATEMENT"
category = "REJECT"
occurred_at = "2025-09-06"
title = "Portland's mayor says the city does not want troops"
citations = [{ source = "portland-wire" }]
responds_to = [{ action = "portland-threat", stance = "DEFIES" }]
"#;

fn ids(data: &Value, path: &[&str]) -> BTreeSet<String> {
    let mut node = data;
    for key in path {
        node = &node[*key];
    }
    node.as_array()
        .expect("a list")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn two_stories() -> TestApp {
    let app = spawn_app().await;
    let report = load_story(&app, PORTLAND).await;
    assert!(report.story_created);
    assert_eq!(report.actors_existing, 1, "the President is shared");
    app
}

const STORY_ACTIONS: &str = "query($slug: String!) {
    story(slug: $slug) { title timeZone actionCount firstAt lastAt
        actors { slug } actions(first: 100) { totalCount nodes { id stories { slug } } } } }";

#[tokio::test]
async fn each_story_holds_its_own_actions_and_filters_combine_them() {
    let app = two_stories().await;
    let chicago = app
        .query(STORY_ACTIONS, json!({ "slug": "chicago-2025" }))
        .await;
    let portland = app
        .query(STORY_ACTIONS, json!({ "slug": "portland-2025" }))
        .await;
    assert_eq!(chicago["story"]["actionCount"], 11);
    assert_eq!(portland["story"]["actionCount"], 2);
    assert_eq!(portland["story"]["timeZone"], "America/Los_Angeles");
    let portland_actors: Vec<&str> = portland["story"]["actors"]
        .as_array()
        .expect("actors")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(portland_actors, ["donald-trump", "portland-mayor"]);
    let chicago_ids = ids(&chicago, &["story", "actions", "nodes"]);
    let portland_ids = ids(&portland, &["story", "actions", "nodes"]);
    assert!(chicago_ids.is_disjoint(&portland_ids));

    // An action in both stories appears in both.
    let editor = app.editor("desk").await;
    let dc = app.action_id("2,000 troops").await;
    app.write(
        &editor,
        "mutation($id: ID!) { addToStory(story: \"portland-2025\", actionId: $id) { stories { slug } } }",
        json!({ "id": dc }),
    )
    .await;
    let portland = app
        .query(STORY_ACTIONS, json!({ "slug": "portland-2025" }))
        .await;
    assert!(ids(&portland, &["story", "actions", "nodes"]).contains(&dc));
    let timeline = |filter: Value| {
        let app = &app;
        async move {
            let data = app
                .query(
                    "query($f: TimelineFilter) { timeline(filter: $f, first: 100) { totalCount nodes { id } } }",
                    json!({ "f": filter }),
                )
                .await;
            (
                data["timeline"]["totalCount"].as_i64().expect("count"),
                ids(&data, &["timeline", "nodes"]),
            )
        }
    };
    let (n, only) = timeline(json!({ "stories": ["portland-2025"] })).await;
    assert_eq!(n, 3);
    assert_eq!(only.len(), 3);
    let (n, both) = timeline(json!({ "stories": ["chicago-2025", "portland-2025"] })).await;
    assert_eq!(n, 13, "the union, the shared action once");
    let (n, all) = timeline(json!({})).await;
    assert_eq!((n, all), (13, both), "no filter is every story");
    let code = app
        .error_code(
            "{ timeline(filter: { stories: [\"atlantis\"] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    // Taken out again, and never out of its last story.
    app.write(
        &editor,
        "mutation($id: ID!) { removeFromStory(story: \"portland-2025\", actionId: $id) { id } }",
        json!({ "id": dc }),
    )
    .await;
    let code = app
        .refused(
            Some(&editor),
            "mutation($id: ID!) { removeFromStory(story: \"chicago-2025\", actionId: $id) { id } }",
            json!({ "id": dc }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let log = app
        .query("{ changes(first: 100) { nodes { kind } } }", json!({}))
        .await;
    let kinds: Vec<&str> = log["changes"]["nodes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["kind"].as_str().expect("kind"))
        .collect();
    for kind in ["STORY_CREATED", "ADDED_TO_STORY", "REMOVED_FROM_STORY"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn the_newsroom_routes_take_stories_and_title_themselves_by_the_story() {
    let app = two_stories().await;
    let export: Value = app
        .get("/export/timelinejs.json?stories=portland-2025")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(export["events"].as_array().expect("events").len(), 2);
    let headline = export["title"]["text"]["headline"]
        .as_str()
        .expect("headline");
    assert!(
        headline.starts_with("Portland vs. the federal government"),
        "{headline}"
    );
    let date = export["events"][0]["start_date"]["display_date"]
        .as_str()
        .expect("date");
    assert_eq!(
        date, "5 Sep 2025, 09:30 PDT",
        "an instant in the story's time zone"
    );

    let feed = app.get_text("/feed.atom?stories=portland-2025").await;
    let parsed = feed.parse::<atom_syndication::Feed>().expect("Atom");
    assert_eq!(parsed.entries().len(), 2);
    assert!(parsed.title().as_str().starts_with("Portland vs."));

    let chart = app
        .get_text("/charts/escalation.svg?stories=portland-2025")
        .await;
    assert!(chart.contains("Portland vs. the federal government, 2025: escalation"));
    let chicago = app
        .get_text("/charts/escalation.svg?stories=chicago-2025")
        .await;
    assert!(chicago.contains("Chicago vs. the White House"));

    let page = app.get("/stories/portland-2025").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .expect("CSP")
            .contains("default-src 'none'")
    );
    let html = page.text().await.expect("HTML");
    assert!(html.contains("<h1>Portland vs. the federal government, 2025</h1>"));
    assert!(html.contains("Trump threatens to send troops to Portland"));
    assert!(!html.contains("killing field"), "no other story's actions");
    assert!(html.contains("A made-up wire report"), "its sources");
    let missing = app.get("/stories/atlantis").await;
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .expect("HTML")
            .contains("No such story")
    );
}

#[tokio::test]
async fn a_subscription_to_one_story_gets_its_actions_and_none_of_the_other() {
    let app = two_stories().await;
    let editor = app.editor("desk").await;
    let source = app.source_id().await;
    let mut client = crate::ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client
        .subscribe(
            "portland",
            "subscription { timelineEvents(filter: { stories: [\"portland-2025\"] }) { cursor action { title } } }",
            json!({}),
        )
        .await;
    let record = "mutation($title: String!, $story: String!, $source: ID!) {
        recordAction(input: { actor: \"donald-trump\", kind: STATEMENT,
            occurredAt: \"2025-09-07T12:00:00Z\", title: $title, stories: [$story],
            citations: [{ sourceId: $source }] }) { id } }";
    // The subscription is live once it has seen a marker (one recorded before it read its head
    // is never delivered, so try again).
    let mut live = false;
    for _ in 0..10 {
        app.write(
            &editor,
            record,
            json!({ "title": "Marker", "story": "portland-2025", "source": source }),
        )
        .await;
        if let Some(event) = client.event_within(std::time::Duration::from_secs(1)).await {
            assert_eq!(event["action"]["title"], "Marker");
            live = true;
            break;
        }
    }
    assert!(live, "the subscription never went live");
    for (title, story) in [
        ("For Chicago only", "chicago-2025"),
        ("For Portland only", "portland-2025"),
    ] {
        app.write(
            &editor,
            record,
            json!({ "title": title, "story": story, "source": source }),
        )
        .await;
    }
    let event = client.next_event().await;
    assert_eq!(event["action"]["title"], "For Portland only");
    let cursor = event["cursor"].as_str().expect("cursor").to_owned();
    assert!(
        client
            .quiet_for(std::time::Duration::from_millis(500))
            .await
    );
    drop(client);

    // Recorded while no one listened; a reconnect with the cursor gets it, and only it.
    app.write(
        &editor,
        record,
        json!({ "title": "Portland, while away", "story": "portland-2025", "source": source }),
    )
    .await;
    app.write(
        &editor,
        record,
        json!({ "title": "Chicago, while away", "story": "chicago-2025", "source": source }),
    )
    .await;
    let mut client = crate::ws::connect(app.addr, "graphql-transport-ws", json!({})).await;
    client
        .subscribe(
            "again",
            "subscription($after: String) { timelineEvents(filter: { stories: [\"portland-2025\"] }, after: $after) { action { title } } }",
            json!({ "after": cursor }),
        )
        .await;
    let event = client.next_event().await;
    assert_eq!(event["action"]["title"], "Portland, while away");
    assert!(
        client
            .quiet_for(std::time::Duration::from_millis(500))
            .await
    );

    // With two stories, a new action must say which it belongs to.
    let code = app
        .refused(
            Some(&editor),
            "mutation($source: ID!) { recordAction(input: { actor: \"donald-trump\", kind: STATEMENT,
                occurredAt: \"2025-09-08T12:00:00Z\", title: \"Whose?\",
                citations: [{ sourceId: $source }] }) { id } }",
            json!({ "source": source }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn loading_an_edited_story_file_corrects_through_the_change_log() {
    let app = two_stories().await;
    let edited = PORTLAND.replace(
        "Portland's mayor says the city does not want troops",
        "Portland's mayor says the city needs no troops",
    );
    let before = app.row_counts().await;
    let plan = standoff_seeds::plan(
        &app.db,
        &standoff_seeds::parse(&edited).expect("parses"),
        standoff_seeds::LoadOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .await
    .expect("a dry run");
    assert_eq!(plan.actions_corrected, ["portland-answer"]);
    assert_eq!(app.row_counts().await, before, "a dry run writes nothing");

    let report = load_story(&app, &edited).await;
    assert_eq!(report.actions_corrected, ["portland-answer"]);
    let data = app
        .query(
            "{ timeline(filter: { stories: [\"portland-2025\"], text: \"needs no troops\" }) { nodes { id revision title } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["timeline"]["nodes"][0]["revision"], 2);
    let log = app
        .query(
            "{ changes(first: 100) { nodes { kind note author details } } }",
            json!({}),
        )
        .await;
    let correction = log["changes"]["nodes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["kind"] == "CORRECTED")
        .expect("a correction")
        .clone();
    assert_eq!(correction["note"], "seed file changed");
    assert_eq!(correction["author"], "seed");
    assert!(
        correction["details"]
            .to_string()
            .contains("Portland's mayor says the city does not want troops"),
        "the old title is kept: {correction}"
    );

    let again = load_story(&app, &edited).await;
    assert!(
        again.actions_corrected.is_empty(),
        "loading again changes nothing"
    );
    assert_eq!(again.actions_existing, 2);

    let before = app.row_counts().await;
    // Another story's action key.
    let stolen = edited.replace(
        "key = \"portland-threat\"",
        "key = \"killing-field-remark\"",
    );
    let story = standoff_seeds::parse(&stolen).expect("shape is fine");
    let err = standoff_seeds::load(&app.db, &story)
        .await
        .expect_err("another story's key");
    assert!(err.to_string().contains("another story"), "{err}");
    assert_eq!(app.row_counts().await, before, "nothing written");

    // Removed from the file: left as it is, and reported.
    let shorter = edited
        .split("[[actions]]\nkey = \"portland-answer\"")
        .next()
        .expect("the file's start")
        .to_owned();
    let report = load_story(&app, &shorter).await;
    assert_eq!(report.actions_left, ["portland-answer"]);
}

#[tokio::test]
async fn a_story_file_names_shared_actors_and_sources_by_slug_and_key_alone() {
    let app = spawn_app().await;
    let report = load_story(&app, crate::helpers::BY_REFERENCE).await;
    assert_eq!((report.actors_created, report.actors_existing), (1, 1));
    assert_eq!((report.sources_created, report.sources_existing), (0, 1));
    assert!(report.shared_differences.is_empty(), "{report}");
    let data = app
        .query(
            "{ story(slug: \"memphis-2025\") { actions(first: 5) { nodes { actor { slug name title } citations { source { title } } } } } }",
            json!({}),
        )
        .await;
    let node = &data["story"]["actions"]["nodes"][0];
    assert_eq!(node["actor"]["name"], "Donald Trump");
    assert_eq!(
        node["actor"]["title"], "President",
        "the stored actor, untouched"
    );
    assert!(
        node["citations"][0]["source"]["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("News article on Chicago's order")),
        "{data}"
    );

    // A reference to an actor or source nobody stored is an error naming it, and writes nothing.
    let before = app.row_counts().await;
    for (from, to, named) in [
        (
            "slug = \"donald-trump\"\n",
            "slug = \"nobody-stored\"\n",
            "actor \"nobody-stored\"",
        ),
        (
            "key = \"chicago-order-article\"\n",
            "key = \"no-such-source\"\n",
            "source \"no-such-source\"",
        ),
    ] {
        let story = standoff_seeds::parse(&crate::helpers::BY_REFERENCE.replacen(from, to, 1))
            .expect("shape");
        let err = standoff_seeds::load(&app.db, &story)
            .await
            .expect_err("an unknown reference");
        assert!(err.to_string().contains(named), "{err}");
    }
    assert_eq!(app.row_counts().await, before, "nothing written");
}

#[tokio::test]
async fn a_shared_actor_restated_differently_is_reported_and_corrected_only_when_asked() {
    let app = spawn_app().await;
    let restated = crate::helpers::BY_REFERENCE.replacen(
        "slug = \"donald-trump\"\n",
        "slug = \"donald-trump\"\nname = \"Donald Trump\"\nkind = \"PERSON\"\nside = \"FEDERAL\"\ntitle = \"President of the United States\"\n",
        1,
    );
    let story = standoff_seeds::parse(&restated).expect("parses");
    // Each read spelt anew: the loader writes past this app's feed, so a kept answer would
    // stand until the log reader's next poll.
    let reads = std::sync::atomic::AtomicUsize::new(0);
    let title = async || {
        let n = reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        app.query(
            &format!("query Read{n} {{ actor(slug: \"donald-trump\") {{ title }} }}"),
            json!({}),
        )
        .await["actor"]["title"]
            .clone()
    };
    // Reported by a dry run and by a load, which keep the stored title.
    let dry = standoff_seeds::plan(
        &app.db,
        &story,
        standoff_seeds::LoadOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .await
    .expect("a dry run");
    let expected = standoff_seeds::SharedDifference {
        record: "actor \"donald-trump\"".into(),
        field: "title",
        stored: "President".into(),
        file: "President of the United States".into(),
    };
    assert_eq!(dry.shared_differences, std::slice::from_ref(&expected));
    assert!(
        dry.to_string()
            .contains("actor \"donald-trump\" title: stored \"President\", file \"President of the United States\""),
        "{dry}"
    );
    assert!(dry.to_string().contains("--correct-shared"), "{dry}");
    let report = load_story(&app, &restated).await;
    assert_eq!(report.actions_created, 1, "the load went ahead");
    assert_eq!(report.shared_differences, std::slice::from_ref(&expected));
    assert_eq!(title().await, "President");

    // Corrected when asked, through the change log.
    let corrected = standoff_seeds::plan(
        &app.db,
        &story,
        standoff_seeds::LoadOptions {
            correct_shared: true,
            ..Default::default()
        },
    )
    .await
    .expect("a correcting load");
    assert!(
        corrected
            .to_string()
            .contains("corrected 1 fields of shared"),
        "{corrected}"
    );
    assert_eq!(title().await, "President of the United States");
    let logged = app
        .query(
            "{ changes(last: 1) { nodes { kind note author details } } }",
            json!({}),
        )
        .await;
    let change = &logged["changes"]["nodes"][0];
    assert_eq!(change["kind"], "ACTOR_CORRECTED", "{logged}");
    assert_eq!(change["author"], "seed");
    assert_eq!(change["note"], "seed file changed");
    assert_eq!(
        change["details"]["changed"]["title"],
        json!({ "from": "President", "to": "President of the United States" }),
        "{logged}"
    );
    let again = load_story(&app, &restated).await;
    assert!(again.shared_differences.is_empty(), "in line now: {again}");
}

#[tokio::test]
async fn memberships_restated_or_corrected_from_a_file_stay_a_tree() {
    let app = spawn_app().await;
    // The right parent, not listed in the file: no difference.
    let same = crate::helpers::BY_REFERENCE.replacen(
        "slug = \"donald-trump\"\n",
        "slug = \"donald-trump\"\n\n[[actors]]\nslug = \"abigail-jackson\"\nmember_of = \"white-house\"\n",
        1,
    );
    let report = load_story(&app, &same).await;
    assert!(report.shared_differences.is_empty(), "{report}");

    // A correction naming an actor new in the same file as the parent: made after it exists.
    let moved = same
        .replacen(
            "member_of = \"white-house\"",
            "member_of = \"memphis-mayor\"",
            1,
        )
        .replacen("title = \"Memphis", "title = \"Memphis again,", 1);
    let story = standoff_seeds::parse(&moved).expect("parses");
    let options = standoff_seeds::LoadOptions {
        correct_shared: true,
        ..Default::default()
    };
    let report = standoff_seeds::plan(&app.db, &story, options)
        .await
        .expect("a correcting load");
    assert_eq!(
        report.shared_differences[0].to_string(),
        "actor \"abigail-jackson\" member_of: stored \"white-house\", file \"memphis-mayor\""
    );

    // A correction that would make membership a circle is refused, and writes nothing.
    let before = app.row_counts().await;
    let circle = moved.replacen(
        "slug = \"memphis-mayor\"\nname",
        "slug = \"memphis-mayor\"\nmember_of = \"abigail-jackson\"\nname",
        1,
    );
    let story = standoff_seeds::parse(&circle).expect("parses");
    let err = standoff_seeds::plan(&app.db, &story, options)
        .await
        .expect_err("a circle");
    assert!(err.to_string().contains("belongs to it"), "{err}");
    assert_eq!(app.row_counts().await, before, "nothing written");
}
