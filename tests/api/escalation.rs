//! The escalation series read from the per-day roll-up (no filter, or sides only) must equal the
//! series aggregated from the actions themselves, through recordings, corrections (new date,
//! new intensity) and retractions; and an action known only to a month or an interval is never
//! pinned to a day or a week.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

const SERIES: &str = r#"query($filter: TimelineFilter, $bucket: Bucket) {
  escalation(filter: $filter, bucket: $bucket) {
    bucketStart bucketEnd bucketWidth side actionCount undatedWithinBucket intensitySum intensityMean
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
    // A day, a month, an interval inside one ISO week, and "by the end of November".
    for (n, when) in [
        "2025-10-01T09:00:00Z",
        "2025-10",
        "2025-10-07/2025-10-09",
        "../2025-11",
    ]
    .iter()
    .enumerate()
    {
        let input = json!({
            "actor": if n % 2 == 0 { "white-house" } else { "brandon-johnson" },
            "kind": "STATEMENT", "category": "THREATEN", "occurredAt": when,
            "stories": ["chicago-2025"],
            "title": format!("Roll-up check {n}"), "citations": [{ "sourceId": source }],
        });
        let data = app.write(&editor, record, json!({ "input": input })).await;
        ids.push(data["recordAction"]["id"].as_str().expect("id").to_owned());
    }
    // Widen one to a month, move one to another month with a new score, retract another.
    app.write(
        &editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "only the month is known",
            input: { occurredAt: "2025-11" }) { id } }"#,
        json!({ "id": ids[2] }),
    )
    .await;
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
    for bucket in ["DAY", "WEEK", "MONTH", "YEAR"] {
        for sides in [json!([]), json!(["LOCAL", "FEDERAL"])] {
            let (rollup, aggregate) = both_ways(&app, sides.clone(), bucket).await;
            let points = rollup["escalation"].as_array().expect("points");
            assert!(
                points.len() > if bucket == "YEAR" { 1 } else { 10 },
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

/// The points of one side whose bucket starts at `start`, as (width, count, undated, end).
fn at(points: &Value, side: &str, start: &str) -> Vec<(String, i64, i64, String)> {
    points["escalation"]
        .as_array()
        .expect("points")
        .iter()
        .filter(|p| p["side"] == side && p["bucketStart"] == start)
        .map(|p| {
            (
                p["bucketWidth"].as_str().expect("width").to_owned(),
                p["actionCount"].as_i64().expect("count"),
                p["undatedWithinBucket"].as_i64().expect("undated"),
                p["bucketEnd"].as_str().expect("end").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_date_known_to_a_month_is_a_band_over_the_month_at_every_finer_bucket() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let source = app.source_id().await;
    let record = r#"mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }"#;
    for (n, when) in ["2026-03-10T15:00:00Z", "2026-03", "2026-03-10/2026-03-12"]
        .iter()
        .enumerate()
    {
        let input = json!({
            "actor": "white-house", "kind": "STATEMENT", "category": "THREATEN",
            "occurredAt": when, "title": format!("Band check {n}"), "stories": ["chicago-2025"],
            "citations": [{ "sourceId": source }],
        });
        app.write(&editor, record, json!({ "input": input })).await;
    }
    let series = |bucket: &'static str| {
        let app = &app;
        async move {
            app.query(
                SERIES,
                json!({ "filter": { "sides": ["FEDERAL"] }, "bucket": bucket }),
            )
            .await
        }
    };
    let march = "2026-03-01T00:00:00+00:00";
    let april = "2026-04-01T00:00:00+00:00";
    // By day: the instant on its day; the interval (Tuesday to Thursday) in its week; the
    // month across the month; none of them pinned to 1 March or to the week of 23 February.
    let days = series("DAY").await;
    assert_eq!(
        at(&days, "FEDERAL", "2026-03-10T00:00:00+00:00"),
        vec![("DAY".into(), 1, 0, "2026-03-11T00:00:00+00:00".into())]
    );
    assert_eq!(
        at(&days, "FEDERAL", "2026-03-09T00:00:00+00:00"),
        vec![("WEEK".into(), 1, 1, "2026-03-16T00:00:00+00:00".into())]
    );
    assert_eq!(
        at(&days, "FEDERAL", march),
        vec![("MONTH".into(), 1, 1, april.into())]
    );
    // By week: the month is still a band; the interval is a week of its own.
    let weeks = series("WEEK").await;
    assert_eq!(
        at(&weeks, "FEDERAL", march),
        vec![("MONTH".into(), 1, 1, april.into())]
    );
    assert_eq!(
        at(&weeks, "FEDERAL", "2026-03-09T00:00:00+00:00"),
        vec![("WEEK".into(), 2, 0, "2026-03-16T00:00:00+00:00".into())]
    );
    // By month: all three are dated within March.
    let months = series("MONTH").await;
    assert_eq!(
        at(&months, "FEDERAL", march),
        vec![("MONTH".into(), 3, 0, april.into())]
    );
    // Every action is counted once at every width.
    for points in [&days, &weeks, &months] {
        let total: i64 = points["escalation"]
            .as_array()
            .expect("points")
            .iter()
            .filter(|p| p["side"] == "FEDERAL")
            .map(|p| p["actionCount"].as_i64().expect("count"))
            .sum();
        let all: i64 = months["escalation"]
            .as_array()
            .expect("points")
            .iter()
            .filter(|p| p["side"] == "FEDERAL")
            .map(|p| p["actionCount"].as_i64().expect("count"))
            .sum();
        assert_eq!(total, all);
    }

    // The chart by day draws the month as a band across March, not a point on 1 March.
    let svg = app
        .get_text("/charts/escalation.svg?sides=FEDERAL&bucket=day&from=2026-03")
        .await;
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let bands: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("band"))
        .filter_map(|n| Some((n.attribute("data-start")?, n.attribute("data-end")?)))
        .collect();
    assert_eq!(
        bands,
        vec![
            ("2026-03-01T00:00:00+00:00", april),
            ("2026-03-09T00:00:00+00:00", "2026-03-16T00:00:00+00:00"),
        ]
    );
    let points = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "circle")
        .count();
    assert_eq!(points, 1, "only the instant is a point");
    assert!(svg.contains("known only to a longer period"), "{svg}");
}
