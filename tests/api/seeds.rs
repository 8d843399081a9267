//! The story loader: idempotent, all-or-nothing, and clear about what is wrong.

use crate::helpers::{load_story, spawn_app, spawn_empty_app};
use serde_json::json;
use standoff_seeds::{CHICAGO_2025, SeedError};

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let app = spawn_app().await;
    let before = app.row_counts().await;
    assert_eq!(
        before[..2],
        [11, 10],
        "actors and actions after the first load"
    );
    let report = load_story(&app, CHICAGO_2025).await;
    assert_eq!(
        report.actions_created + report.actors_created + report.responses_created,
        0
    );
    assert_eq!((report.actors_existing, report.actions_existing), (11, 10));
    assert_eq!(app.row_counts().await, before);
    let data = app.query("{ timeline { totalCount } }", json!({})).await;
    assert_eq!(data["timeline"]["totalCount"], 10);
}

/// A story that is fine up to its last action, which answers an action nobody recorded: the
/// loader has written actors and actions by the time it finds out.
const BROKEN_AT_THE_END: &str = r#"
[[actors]]
slug = "new-actor"
name = "New actor"
kind = "GROUP"
side = "OTHER"

[[sources]]
key = "new-source"
title = "New source"

[[actions]]
key = "fine-action"
actor = "new-actor"
kind = "STATEMENT"
occurred_at = "2025-09-01"
title = "A fine action"
citations = [{ source = "new-source" }]

[[actions]]
key = "broken-action"
actor = "new-actor"
kind = "STATEMENT"
occurred_at = "2025-09-02"
title = "An action answering nothing we know"
citations = [{ source = "new-source" }]
responds_to = [{ action = "never-recorded", stance = "DEFIES" }]
"#;

#[tokio::test]
async fn a_broken_story_writes_nothing_and_names_the_record() {
    let app = spawn_app().await;
    let before = app.row_counts().await;
    let story = standoff_seeds::parse(BROKEN_AT_THE_END).expect("shape is fine");
    let err = standoff_seeds::load(&app.db, &story)
        .await
        .expect_err("unknown action");
    let message = err.to_string();
    assert!(
        message.contains("broken-action") && message.contains("never-recorded"),
        "{message}"
    );
    assert_eq!(app.row_counts().await, before, "rolled back");

    let unknown_actor = BROKEN_AT_THE_END.replace(
        "actor = \"new-actor\"\nkind = \"STATEMENT\"\noccurred_at = \"2025-09-01\"",
        "actor = \"ghost\"\nkind = \"STATEMENT\"\noccurred_at = \"2025-09-01\"",
    );
    let story = standoff_seeds::parse(&unknown_actor).expect("shape is fine");
    let err = standoff_seeds::load(&app.db, &story)
        .await
        .expect_err("unknown slug");
    assert!(
        matches!(&err, SeedError::Invalid { record, .. } if record.contains("fine-action")),
        "{err}"
    );
    assert!(err.to_string().contains("ghost"), "{err}");
    assert_eq!(app.row_counts().await, before, "rolled back");
}

#[tokio::test]
async fn bad_dates_and_enums_are_named_before_anything_is_written() {
    let app = spawn_empty_app().await;
    let bad_date = BROKEN_AT_THE_END.replace("2025-09-01", "2025-02-30");
    let err = standoff_seeds::parse(&bad_date).expect_err("bad date");
    assert!(
        err.to_string().contains("fine-action") && err.to_string().contains("2025-02-30"),
        "{err}"
    );

    let bad_enum = BROKEN_AT_THE_END.replace("side = \"OTHER\"", "side = \"GALACTIC\"");
    let err = standoff_seeds::parse(&bad_enum).expect_err("bad enum");
    let message = err.to_string();
    assert!(
        message.contains("GALACTIC") && message.contains("line"),
        "{message}"
    );

    let no_citation = BROKEN_AT_THE_END.replace(
        "citations = [{ source = \"new-source\" }]\n\n[[actions]]",
        "\n[[actions]]",
    );
    let err = standoff_seeds::parse(&no_citation).expect_err("no citation");
    assert!(
        err.to_string().contains("fine-action") && err.to_string().contains("cites"),
        "{err}"
    );
    assert_eq!(app.row_counts().await, [0; 8]);
}
