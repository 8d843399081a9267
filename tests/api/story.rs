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
    assert_eq!(data["timeline"]["totalCount"], 10);
    let list = titles(&data["timeline"]["nodes"]);
    assert!(
        position(&list, "2,000 troops to Washington") < position(&list, "signs an executive order")
    );
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
    let order = position(&list, "signs an executive order");
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
        assert_eq!((federal_n, local_n), (6, 3), "{bucket}");
        assert!(federal < 0.0 && local < 0.0, "{bucket}: {federal} {local}");
        // Threat -5.1, two mobilisations -5.3 each, three accusations -2.0 each.
        assert!((federal - -21.7).abs() < 1e-9, "{bucket}: {federal}");
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
    let weekly = app
        .query(
            r#"{ escalation(bucket: WEEK, filter: { kinds: [ORDER] }) { bucketStart side actionCount } }"#,
            json!({}),
        )
        .await;
    // 30 August 2025 is a Saturday; its ISO week starts on Monday 25 August.
    assert_eq!(
        weekly["escalation"][0]["bucketStart"],
        "2025-08-25T00:00:00+00:00"
    );
    assert_eq!(weekly["escalation"][0]["side"], "LOCAL");
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
    assert_eq!(data["actors"]["totalCount"], 3);
    assert_eq!(data["all"]["totalCount"], 11);
    assert!(data["nobody"].is_null());
    // The story, 11 actors, 1 source, 10 actions and 8 responses were written by the loader.
    assert_eq!(data["changes"]["totalCount"], 31);
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
