//! The escalation series read from the per-day roll-up (no filter, or sides only) must equal the
//! series aggregated from the actions themselves, through recordings, corrections (new date,
//! new intensity) and retractions.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

const SERIES: &str = r#"query($filter: TimelineFilter, $bucket: Bucket) {
  escalation(filter: $filter, bucket: $bucket) {
    bucketStart side actionCount intensitySum intensityMean
  }
}"#;

/// The series as the roll-up answers it and as a fresh aggregate does (a `from` before any
/// action keeps every action but takes the aggregate's path).
async fn both_ways(app: &crate::helpers::TestApp, sides: Value, bucket: &str) -> (Value, Value) {
    let rollup = app
        .query(
            SERIES,
            json!({ "filter": { "sides": sides }, "bucket": bucket }),
        )
        .await;
    let aggregate = app
        .query(
            SERIES,
            json!({ "filter": { "sides": sides, "from": "1900-01-01T00:00:00Z" }, "bucket": bucket }),
        )
        .await;
    (rollup, aggregate)
}

#[tokio::test]
async fn the_rollup_agrees_with_the_aggregate_through_corrections_and_retractions() {
    let app = spawn_app().await;
    standoff_seeds::generate(
        &app.db,
        standoff_seeds::Synthetic {
            actions: 3000,
            seed: 11,
        },
        &mut |_| {},
    )
    .await
    .expect("generated");
    let editor = app.editor("desk").await;
    let source = app.source_id().await;
    let record = r#"mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }"#;
    let mut ids = Vec::new();
    for (n, day) in ["2025-10-01", "2025-10-01", "2025-10-06", "2025-11-30"]
        .iter()
        .enumerate()
    {
        let input = json!({
            "actor": if n % 2 == 0 { "white-house" } else { "brandon-johnson" },
            "kind": "STATEMENT", "category": "THREATEN", "occurredAt": format!("{day}T09:00:00Z"),
            "stories": ["chicago-2025"],
            "title": format!("Roll-up check {n}"), "citations": [{ "sourceId": source }],
        });
        let data = app.write(&editor, record, json!({ "input": input })).await;
        ids.push(data["recordAction"]["id"].as_str().expect("id").to_owned());
    }
    // Move one to another month with a new score, and retract another.
    app.write(
        &editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "date and score",
            input: { occurredAt: "2025-12-24T09:00:00Z", intensity: 3.3, intensityReason: "eased" }) { id } }"#,
        json!({ "id": ids[0] }),
    )
    .await;
    app.write(
        &editor,
        r#"mutation($id: ID!) { retractAction(id: $id, reason: "duplicate") { id } }"#,
        json!({ "id": ids[1] }),
    )
    .await;
    for bucket in ["DAY", "WEEK", "MONTH"] {
        for sides in [json!([]), json!(["LOCAL", "FEDERAL"])] {
            let (rollup, aggregate) = both_ways(&app, sides.clone(), bucket).await;
            let points = rollup["escalation"].as_array().expect("points");
            assert!(
                points.len() > 10,
                "{bucket} {sides}: {} points",
                points.len()
            );
            assert_eq!(rollup, aggregate, "{bucket} {sides}");
        }
    }
    // The retraction and the move show: 11 + 3000 + 4 recorded, one retracted.
    let (all, _) = both_ways(&app, json!([]), "MONTH").await;
    let counted: i64 = all["escalation"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["actionCount"].as_i64().expect("count"))
        .sum();
    assert_eq!(counted, 11 + 3000 + 3);
    let december = all["escalation"]
        .as_array()
        .expect("points")
        .iter()
        .find(|p| p["bucketStart"] == "2025-12-01T00:00:00+00:00" && p["side"] == "FEDERAL");
    assert_eq!(
        december.map(|p| p["intensitySum"].clone()),
        Some(json!(3.3))
    );
}
