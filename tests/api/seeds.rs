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
        [12, 11],
        "actors and actions after the first load"
    );
    let report = load_story(&app, CHICAGO_2025).await;
    assert_eq!(
        report.actions_created + report.actors_created + report.responses_created,
        0
    );
    assert_eq!((report.actors_existing, report.actions_existing), (12, 11));
    assert_eq!(app.row_counts().await, before);
    let data = app.query("{ timeline { totalCount } }", json!({})).await;
    assert_eq!(data["timeline"]["totalCount"], 11);
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

/// The bundled story's one source, as published (a copy of the article kept beside the story).
const ARTICLE: &str = include_str!("../../seeds/sources/chicago-feud-article.txt");
const README: &str = include_str!("../../README.md");

#[test]
fn every_quote_and_excerpt_of_the_bundled_story_is_in_the_article_verbatim() {
    let story = standoff_seeds::parse(CHICAGO_2025).expect("parses");
    let mut checked = 0;
    for action in &story.actions {
        if let Some(quote) = &action.quote {
            assert!(
                ARTICLE.contains(quote.as_str()),
                "{}: quote {quote:?}",
                action.key
            );
            checked += 1;
        }
        for citation in &action.citations {
            let excerpt = citation.excerpt.as_deref().unwrap_or_else(|| {
                panic!(
                    "{}: every citation of the bundled story has an excerpt",
                    action.key
                )
            });
            assert!(
                ARTICLE.contains(excerpt),
                "{}: excerpt {excerpt:?}",
                action.key
            );
            checked += 1;
        }
        // The article is undated: nothing is dated more precisely than "by August 2025".
        assert_eq!(action.occurred_at, "../2025-08", "{}", action.key);
    }
    assert!(checked > story.actions.len(), "{checked} passages checked");
    // No address or publisher the article does not give.
    assert!(
        story
            .sources
            .iter()
            .all(|s| s.url.is_none() && s.publisher.is_none())
    );
}

/// The numbered list under "## The bundled story" in the README, without the link notes.
fn readme_story_list() -> Vec<String> {
    let section = README
        .split("## The bundled story")
        .nth(1)
        .expect("the README has the section");
    section
        .lines()
        .skip_while(|l| !l.starts_with("1. "))
        .take_while(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|l| {
            let item = l.split_once(". ").expect("numbered").1;
            match item.rfind(" (") {
                Some(at) if item.ends_with(')') => item[..at].to_owned(),
                _ => item.to_owned(),
            }
        })
        .collect()
}

#[tokio::test]
async fn the_readme_lists_the_story_file_s_actions_in_timeline_order() {
    let app = spawn_app().await;
    let listed = readme_story_list();
    let file: Vec<String> = standoff_seeds::parse(CHICAGO_2025)
        .expect("parses")
        .actions
        .iter()
        .map(|a| a.title.clone())
        .collect();
    let mut sorted_listed = listed.clone();
    let mut sorted_file = file.clone();
    sorted_listed.sort();
    sorted_file.sort();
    assert_eq!(
        sorted_listed, sorted_file,
        "the README lists exactly the file's actions"
    );
    assert_eq!(
        app.titles(json!({})).await,
        listed,
        "in the timeline's order"
    );
}

#[tokio::test]
async fn the_readme_example_query_gives_the_answer_the_readme_shows() {
    let app = spawn_app().await;
    let section = README
        .split("## An example query and its real answer")
        .nth(1)
        .expect("the README has the example");
    let block = |fence: &str| {
        let start = section.find(fence).expect(fence) + fence.len();
        let rest = &section[start..];
        rest[..rest.find("```").expect("closing fence")].to_owned()
    };
    let query = block("```graphql\n");
    let shown: serde_json::Value = serde_json::from_str(&block("```json\n")).expect("JSON");
    let answer = app.query(&query, json!({})).await;
    assert_eq!(json!({ "data": answer }), shown);
}

#[tokio::test]
async fn a_story_file_that_requires_review_loads_and_a_file_that_is_silent_keeps_the_setting() {
    let app = crate::helpers::spawn_empty_app().await;
    let reviewed = include_str!("../../seeds/stories/chicago-2025.toml").replacen(
        "[story]\n",
        "[story]\nreview_required = true\n",
        1,
    );
    crate::helpers::load_story(&app, &reviewed).await;
    let data = app
        .query(
            r#"{ story(slug: "chicago-2025") { reviewRequired actionCount } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        data["story"],
        serde_json::json!({ "reviewRequired": true, "actionCount": 11 })
    );
    crate::helpers::load_story(&app, include_str!("../../seeds/stories/chicago-2025.toml")).await;
    let data = app
        .query(
            r#"{ story(slug: "chicago-2025") { reviewRequired } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        data["story"]["reviewRequired"], true,
        "a silent file changes nothing"
    );
}
