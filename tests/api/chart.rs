//! The escalation chart as a reader meets it: a bucket that suits the span when none is asked
//! for, a source line, and its numbers as a table that equals the GraphQL series.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    doc.descendants()
        .filter_map(|n| n.text())
        .map(str::to_owned)
        .collect()
}

/// Records statements of `side`'s actor on each of `days` in a new story `slug`.
async fn story_of_days(app: &TestApp, slug: &str, days: &[&str]) {
    let editor = app.admin(&format!("desk-{slug}")).await;
    app.write(
        &editor,
        r#"mutation($slug: String!) { createStory(input: { slug: $slug, title: "Days" }) { slug } }"#,
        json!({ "slug": slug }),
    )
    .await;
    let source = app.source_id().await;
    for (n, day) in days.iter().enumerate() {
        app.write(
            &editor,
            r#"mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }"#,
            json!({ "input": {
                "actor": "brandon-johnson", "kind": "STATEMENT", "category": "REJECT",
                "occurredAt": day, "stories": [slug], "title": format!("Day {n}"),
                "citations": [{ "sourceId": source }] } }),
        )
        .await;
    }
}

#[tokio::test]
async fn without_a_bucket_the_chart_picks_one_that_suits_its_span_and_precision() {
    let app = spawn_app().await;
    // The bundled story is known only to August 2025: a chart by day would be all bands.
    let chicago = texts(
        &app.get_text("/charts/escalation.svg?stories=chicago-2025")
            .await,
    );
    assert!(
        chicago
            .iter()
            .any(|t| t.ends_with("escalation by side, per month")),
        "{chicago:?}"
    );
    story_of_days(
        &app,
        "fortnight",
        &["2025-09-01", "2025-09-05", "2025-09-14"],
    )
    .await;
    let fortnight = texts(
        &app.get_text("/charts/escalation.svg?stories=fortnight")
            .await,
    );
    assert!(
        fortnight
            .iter()
            .any(|t| t == "Days: escalation by side, per day"),
        "{fortnight:?}"
    );
    story_of_days(
        &app,
        "year-long",
        &["2025-01-06", "2025-06-01", "2025-12-20"],
    )
    .await;
    let year = texts(
        &app.get_text("/charts/escalation.svg?stories=year-long")
            .await,
    );
    assert!(
        year.iter()
            .any(|t| t == "Days: escalation by side, per week"),
        "{year:?}"
    );
    // Asked for, a bucket is kept.
    let asked = texts(
        &app.get_text("/charts/escalation.svg?stories=fortnight&bucket=month")
            .await,
    );
    assert!(asked.iter().any(|t| t.ends_with("per month")), "{asked:?}");
}

#[tokio::test]
async fn the_chart_has_a_source_line_a_text_alternative_and_a_data_table() {
    let app = spawn_app().await;
    let svg = app
        .get_text("/charts/escalation.svg?stories=chicago-2025")
        .await;
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.attribute("role"), Some("img"));
    let title = doc
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .expect("a <title>");
    assert!(
        title.starts_with("Chicago vs. the White House, 2025"),
        "{title}"
    );
    let desc = doc
        .descendants()
        .find(|n| n.has_tag_name("desc"))
        .and_then(|n| n.text())
        .expect("a <desc>");
    assert!(
        desc.contains("3 sides over 1 month"),
        "plurals right: {desc}"
    );
    assert!(desc.contains("Source: Standoff"), "{desc}");
    let all = texts(&svg).join(" ");
    assert!(
        all.contains("Source: Standoff, Chicago vs. the White House, 2025, "),
        "{all}"
    );
    let link = doc
        .descendants()
        .find(|n| n.has_tag_name("a"))
        .and_then(|n| n.attribute("href"))
        .expect("a link to the data");
    assert_eq!(link, "/charts/escalation.csv?stories=chicago-2025");

    // The table holds the same numbers as the GraphQL series at the chart's bucket.
    let response = app.get(link).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let csv = response.text().await.expect("text");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "bucket_start,bucket_end,width,side,side_name,actions,undated_within_bucket,intensity_sum,intensity_mean"
        )
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let series: Value = app
        .query(
            r#"{ escalation(filter: { stories: ["chicago-2025"] }, bucket: MONTH) {
                bucketStart side actionCount intensitySum } }"#,
            json!({}),
        )
        .await;
    let points = series["escalation"].as_array().expect("points");
    assert_eq!(rows.len(), points.len());
    for (row, point) in rows.iter().zip(points) {
        assert!(
            point["bucketStart"]
                .as_str()
                .expect("start")
                .starts_with(&row[0])
        );
        assert_eq!(point["side"], row[3].as_str());
        assert_eq!(point["actionCount"].to_string(), row[5]);
        let sum: f64 = row[7].parse().expect("sum");
        assert!((point["intensitySum"].as_f64().expect("sum") - sum).abs() < 1e-9);
    }
    assert_eq!(
        app.get("/charts/escalation.csv?bucket=hourly")
            .await
            .status(),
        400
    );
}
