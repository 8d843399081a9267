//! A story's periods: set through the API or a story file, checked like every date, shown as
//! TimelineJS eras.

use crate::helpers::{load_story, spawn_app};
use serde_json::{Value, json};

const PERIODS: &str = r#"query($slug: String!) { story(slug: $slug) {
    periods { label edtf startsAt endsAt } } }"#;

#[tokio::test]
async fn periods_are_kept_in_time_order_and_become_timelinejs_eras() {
    let app = spawn_app().await;
    let editor = app.admin("desk").await;
    app.write(
        &editor,
        r#"mutation { createStory(input: { slug: "eras", title: "Eras", periods: [
            { label: "Talks", date: "2025-09-11/2025-09-30" },
            { label: "The deployment", date: "2025-08" } ] }) { slug } }"#,
        json!({}),
    )
    .await;
    let story = app.query(PERIODS, json!({ "slug": "eras" })).await;
    assert_eq!(
        story["story"]["periods"],
        json!([
            { "label": "The deployment", "edtf": "2025-08",
              "startsAt": "2025-08-01T00:00:00+00:00", "endsAt": "2025-08-31T23:59:59+00:00" },
            { "label": "Talks", "edtf": "2025-09-11/2025-09-30",
              "startsAt": "2025-09-11T00:00:00+00:00", "endsAt": "2025-09-30T23:59:59+00:00" },
        ])
    );
    let doc: Value = app
        .get("/export/timelinejs.json?stories=eras")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        doc["eras"],
        json!([
            { "start_date": { "year": 2025, "month": 8, "display_date": "August 2025" },
              "end_date": { "year": 2025, "month": 8, "display_date": "August 2025" },
              "text": { "headline": "The deployment" } },
            { "start_date": { "year": 2025, "month": 9, "day": 11, "display_date": "11–30 Sep 2025" },
              "end_date": { "year": 2025, "month": 9, "day": 30, "display_date": "11–30 Sep 2025" },
              "text": { "headline": "Talks" } },
        ])
    );
    // A story without periods has no eras at all.
    let chicago: Value = app
        .get("/export/timelinejs.json?stories=chicago-2025")
        .await
        .json()
        .await
        .expect("json");
    assert!(chicago.get("eras").is_none());

    // Replacing them is logged like any change to a story; an empty list removes them.
    app.write(
        &editor,
        r#"mutation { updateStory(slug: "eras", input: { periods: [] }) { slug } }"#,
        json!({}),
    )
    .await;
    let story = app.query(PERIODS, json!({ "slug": "eras" })).await;
    assert_eq!(story["story"]["periods"], json!([]));
}

#[tokio::test]
async fn a_bad_period_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let editor = app.admin("desk").await;
    let create = r#"mutation($periods: [PeriodInput!]) {
        createStory(input: { slug: "bad", title: "Bad", periods: $periods }) { slug } }"#;
    for (periods, code) in [
        (
            json!([{ "label": "Soon", "date": "next week" }]),
            "BAD_USER_INPUT",
        ),
        (json!([{ "label": " ", "date": "2025" }]), "BAD_USER_INPUT"),
        (
            json!(
                (0..51)
                    .map(|n| json!({ "label": format!("P{n}"), "date": "2025" }))
                    .collect::<Vec<_>>()
            ),
            "LIMIT_EXCEEDED",
        ),
    ] {
        assert_eq!(
            app.refused(Some(&editor), create, json!({ "periods": periods }))
                .await,
            code
        );
    }
}

#[tokio::test]
async fn a_story_file_sets_its_periods_and_loading_it_twice_changes_nothing() {
    let app = spawn_app().await;
    let file = r#"
[story]
slug = "filed"
title = "Filed"
periods = [{ label = "Summer", date = "2025-06/2025-08" }]
"#;
    load_story(&app, file).await;
    let story = app.query(PERIODS, json!({ "slug": "filed" })).await;
    assert_eq!(story["story"]["periods"][0]["label"], "Summer");
    assert_eq!(story["story"]["periods"][0]["edtf"], "2025-06/2025-08");
    let report = load_story(&app, file).await;
    assert!(!report.story_updated, "{report:?}");
}
