//! The Chicago story, as a journalist would check it in the playground.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

fn titles(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|n| n["title"].as_str().expect("title"))
        .collect()
}

fn position(list: &[&str], needle: &str) -> usize {
    list.iter()
        .position(|t| t.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in {list:?}"))
}

#[tokio::test]
async fn ascending_timeline_puts_the_dc_deployment_before_the_executive_order() {
    let app = spawn_app().await;
    let data = app
        .query(
            "{ timeline(first: 100) { totalCount nodes { title occurredAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["timeline"]["totalCount"], 11);
    let list = titles(&data["timeline"]["nodes"]);
    assert!(position(&list, "2,000 troops to Washington") < position(&list, "signs an order"));
    let times: Vec<&str> = data["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["occurredAt"].as_str().expect("time"))
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "ascending by time");

    let desc = app
        .query(
            "{ timeline(first: 100, order: DESC) { nodes { title } } }",
            json!({}),
        )
        .await;
    let mut reversed = titles(&desc["timeline"]["nodes"]);
    reversed.reverse();
    assert_eq!(reversed, list, "DESC is ASC reversed");
}

const ORDER_QUERY: &str = r#"{
  timeline(filter: { kinds: [ORDER] }) {
    nodes {
      id title
      actor { slug name title party side }
      targets { slug }
      citations { excerpt source { title } }
      respondsTo { stance respondsTo { title } }
      responses { stance action { title actor { slug title memberOf { slug } } } }
    }
  }
}"#;

#[tokio::test]
async fn the_executive_order_is_dismissed_as_a_publicity_stunt_by_the_spokesperson() {
    let app = spawn_app().await;
    let data = app.query(ORDER_QUERY, json!({})).await;
    let order = &data["timeline"]["nodes"][0];
    assert_eq!(order["actor"]["slug"], "brandon-johnson");
    assert_eq!(order["actor"]["title"], "Mayor of Chicago");
    assert_eq!(order["actor"]["side"], "LOCAL");
    let dismissal = order["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .find(|r| r["stance"] == "DISMISSES")
        .expect("a dismissal answers the order");
    assert!(
        dismissal["action"]["title"]
            .as_str()
            .expect("title")
            .contains("publicity stunt")
    );
    assert_eq!(dismissal["action"]["actor"]["slug"], "abigail-jackson");
    assert_eq!(
        dismissal["action"]["actor"]["memberOf"]["slug"],
        "white-house"
    );

    let defied: Vec<(&str, &str)> = order["respondsTo"]
        .as_array()
        .expect("respondsTo")
        .iter()
        .map(|r| {
            (
                r["stance"].as_str().expect("stance"),
                r["respondsTo"]["title"].as_str().expect("title"),
            )
        })
        .collect();
    assert_eq!(defied.len(), 2);
    assert!(defied.iter().all(|(stance, _)| *stance == "DEFIES"));
    assert!(
        defied
            .iter()
            .any(|(_, t)| t.contains("threatens to extend"))
    );
    assert!(
        defied
            .iter()
            .any(|(_, t)| t.contains("surge of federal immigration agents"))
    );
    assert!(!order["citations"].as_array().expect("citations").is_empty());
    assert!(
        order["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .any(|t| t["slug"] == "donald-trump")
    );
}

#[tokio::test]
async fn pritzker_condemns_the_threat() {
    let app = spawn_app().await;
    let data = app
        .query(
            r#"{ timeline(filter: { actors: ["jb-pritzker"] }) {
                 nodes { quote respondsTo { stance respondsTo { status actor { slug } title } } } } }"#,
            json!({}),
        )
        .await;
    let statement = &data["timeline"]["nodes"][0];
    assert!(
        statement["quote"]
            .as_str()
            .expect("quote")
            .starts_with("Donald Trump is attempting to manufacture a crisis")
    );
    let link = &statement["respondsTo"][0];
    assert_eq!(link["stance"], "CONDEMNS");
    assert_eq!(link["respondsTo"]["status"], "THREATENED");
    assert_eq!(link["respondsTo"]["actor"]["slug"], "donald-trump");
}

#[tokio::test]
async fn the_thread_from_the_order_reaches_the_threat_and_the_dismissal() {
    let app = spawn_app().await;
    let data = app.query(ORDER_QUERY, json!({})).await;
    let id = data["timeline"]["nodes"][0]["id"].clone();
    let thread = app
        .query(
            "query($id: ID!) { thread(actionId: $id) { title occurredAt } }",
            json!({ "id": id }),
        )
        .await;
    let list = titles(&thread["thread"]);
    let threat = position(&list, "threatens to extend");
    let order = position(&list, "signs an order");
    let dismissal = position(&list, "publicity stunt");
    assert!(threat < order && order < dismissal, "time order: {list:?}");
    // The killing-field remark neither answers nor is answered by anything in this thread.
    assert!(!list.iter().any(|t| t.contains("killing field")));

    let shallow = app
        .query(
            "query($id: ID!) { thread(actionId: $id, depth: 0) { title } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        titles(&shallow["thread"]).len(),
        1,
        "depth 0 is the action alone"
    );
}

#[tokio::test]
async fn escalation_by_side_is_negative_for_federal_and_local() {
    let app = spawn_app().await;
    for bucket in ["DAY", "WEEK", "MONTH"] {
        let data = app
            .query(
                &format!("{{ escalation(bucket: {bucket}) {{ bucketStart side actionCount intensitySum intensityMean }} }}"),
                json!({}),
            )
            .await;
        let points = data["escalation"].as_array().expect("points");
        let total = |side: &str| -> (i64, f64) {
            points
                .iter()
                .filter(|p| p["side"] == side)
                .fold((0, 0.0), |(n, s), p| {
                    (
                        n + p["actionCount"].as_i64().expect("count"),
                        s + p["intensitySum"].as_f64().expect("sum"),
                    )
                })
        };
        let (federal_n, federal) = total("FEDERAL");
        let (local_n, local) = total("LOCAL");
        assert_eq!((federal_n, local_n), (7, 3), "{bucket}");
        assert!(federal < 0.0 && local < 0.0, "{bucket}: {federal} {local}");
        // Two threats -5.1 each, two mobilisations -5.3 each, three accusations -2.0 each.
        assert!((federal - -26.8).abs() < 1e-9, "{bucket}: {federal}");
    }
    let monthly = app
        .query(
            "{ escalation(bucket: MONTH) { bucketStart side } }",
            json!({}),
        )
        .await;
    assert!(
        monthly["escalation"]
            .as_array()
            .expect("points")
            .iter()
            .all(|p| p["bucketStart"]
                .as_str()
                .expect("start")
                .starts_with("2025-08-01"))
    );
    let order = app
        .query(
            r#"{ escalation(bucket: MONTH, filter: { kinds: [ORDER] }) { bucketStart side actionCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        order["escalation"][0]["bucketStart"],
        "2025-08-01T00:00:00+00:00"
    );
    assert_eq!(order["escalation"][0]["side"], "LOCAL");
}

#[tokio::test]
async fn actors_nodes_and_the_change_log_are_reachable() {
    let app = spawn_app().await;
    let data = app
        .query(
            r#"{
              actor(slug: "white-house") { id name members { slug } actions { totalCount } }
              actors(side: LOCAL) { totalCount nodes { slug } }
              all: actors(first: 100) { totalCount }
              changes(first: 100) { totalCount nodes { seq kind author } }
              nobody: actor(slug: "nobody") { id }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["actor"]["members"][0]["slug"], "abigail-jackson");
    assert_eq!(data["actor"]["actions"]["totalCount"], 0);
    assert_eq!(data["actors"]["totalCount"], 4);
    assert_eq!(data["all"]["totalCount"], 12);
    assert!(data["nobody"].is_null());
    // The story, 12 actors, 1 source, 11 actions and 8 responses were written by the loader.
    assert_eq!(data["changes"]["totalCount"], 33);
    let seqs: Vec<i64> = data["changes"]["nodes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["seq"].as_i64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "monotonic");

    let id = data["actor"]["id"].clone();
    let node = app
        .query(
            "query($id: ID!) { node(id: $id) { id ... on Actor { slug } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["node"]["slug"], "white-house");
    assert_eq!(node["node"]["id"], id);

    let johnson = app
        .query(
            r#"{ actor(slug: "brandon-johnson") { actions(filter: { kinds: [STATEMENT] }) { totalCount nodes { title } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(johnson["actor"]["actions"]["totalCount"], 1);
}

#[tokio::test]
async fn a_story_page_lists_its_corrections_and_retractions_with_json_ld() {
    let app = spawn_app().await;
    let editor = app.editor("standards").await;
    let page = app.get_text("/stories/chicago-2025").await;
    assert!(
        !page.contains("Corrections and retractions"),
        "nothing to tell yet"
    );
    app.write(
        &editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "Magnitude as the article gives it", input: { magnitude: 2000, summary: "About two thousand troops." }) { revision } }"#,
        json!({ "id": app.action_id("Washington DC").await }),
    )
    .await;
    app.write(
        &editor,
        r#"mutation($id: ID!) { retractAction(id: $id, reason: "Attributed to the wrong speaker </script>") { retracted } }"#,
        json!({ "id": app.action_id("killing field").await }),
    )
    .await;
    let page = app.get_text("/stories/chicago-2025").await;
    let section = page
        .split("Corrections and retractions")
        .nth(1)
        .expect("the page lists corrections and retractions");
    assert!(section.contains("Magnitude as the article gives it"));
    assert!(section.contains("Attributed to the wrong speaker &lt;/script&gt;"));
    assert!(
        section.contains("Trump calls Chicago a"),
        "the retracted action is named"
    );
    // The corrected action carries its note in the timeline; the retracted one is not listed.
    assert!(page.contains("<strong>Corrected</strong>"));
    let timeline = page
        .split("What happened, in time order")
        .nth(1)
        .expect("timeline");
    let timeline = timeline
        .split("Corrections and retractions")
        .next()
        .expect("before");
    assert!(!timeline.contains("killing field"));
    // schema.org JSON-LD with a CorrectionComment per correction and retraction.
    let script = page
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD");
    let doc: serde_json::Value = serde_json::from_str(script).expect("valid JSON");
    assert_eq!(doc["@context"], "https://schema.org");
    assert_eq!(doc["name"], "Chicago vs. the White House, 2025");
    let corrections = doc["correction"].as_array().expect("corrections");
    assert_eq!(corrections.len(), 2);
    assert!(
        corrections
            .iter()
            .all(|c| c["@type"] == "CorrectionComment")
    );
    assert!(
        corrections[0]["text"]
            .as_str()
            .expect("text")
            .starts_with("Retracted")
    );
}

#[tokio::test]
async fn the_list_of_stories_links_each_page_and_story_pages_anchor_public_ids() {
    let app = spawn_app().await;
    let editor = app.admin("desk").await;
    app.write(
        &editor,
        r#"mutation { createStory(input: { slug: "springfield-2025", title: "Springfield, 2025" }) { slug } }"#,
        json!({}),
    )
    .await;
    let list = app.get("/stories").await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.expect("text");
    assert!(
        list.contains("<a href=\"/stories/chicago-2025\">Chicago vs. the White House, 2025</a>")
    );
    assert!(list.contains("<a href=\"/stories/springfield-2025\">Springfield, 2025</a>"));
    assert!(list.contains("11 actions"), "{list}");
    assert!(list.contains("0 actions"), "{list}");
    let bad = app.get("/stories?after=not-a-cursor").await;
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // The widget links an answered action that is not in it to the story page by the id
    // clients know, so the page's anchors are those ids.
    let id = app.action_id("Washington DC").await;
    let page = app.get_text("/stories/chicago-2025").await;
    assert!(page.contains(&format!("id=\"action-{id}\"")), "anchor {id}");
    assert!(
        page.contains(&format!("href=\"#action-{id}\"")),
        "answers link {id}"
    );
    assert!(
        page.contains("<details class=\"story-chart-data\">"),
        "the chart's numbers"
    );
    assert!(
        page.contains("11 actions, by August 2025."),
        "one date said once"
    );
}
