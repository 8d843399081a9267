//! The number of SQL statements a timeline page costs does not grow with the page size.

use crate::helpers::{TestApp, generated_story, load_story, spawn_app};
use serde_json::json;

const PAGE_QUERY: &str = r#"query($n: Int) {
  timeline(first: $n) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id title displayDate intensity
      actor { slug name side memberOf { slug name } }
      targets { slug }
      citations { excerpt source { title } }
      respondsTo { stance respondsTo { title displayDate } }
      responses { stance action { title displayDate } }
    }
    edges {
      cursor
      node { title actor { slug } targets { name } }
    }
  }
}"#;

async fn statements_for(app: &TestApp, n: u32) -> u64 {
    let before = app.statements.get();
    let data = app.query(PAGE_QUERY, json!({ "n": n })).await;
    let after = app.statements.get();
    assert_eq!(
        data["timeline"]["nodes"].as_array().expect("nodes").len(),
        n as usize
    );
    after - before
}

#[tokio::test]
async fn a_page_of_100_costs_the_same_statements_as_a_page_of_5() {
    let app = spawn_app().await;
    load_story(&app, &generated_story(300, 3)).await;
    let small = statements_for(&app, 5).await;
    let large = statements_for(&app, 100).await;
    assert_eq!(small, large, "statements for 5 vs 100 actions");
    // Page, count, and one batch per relation: well under one statement per action.
    assert!(large <= 12, "{large} statements for one page");
}

/// The benchmark's page: actor, targets, citations and who answered, as a dashboard shows it.
const DASHBOARD_PAGE: &str = r#"query($n: Int, $filter: TimelineFilter) {
  timeline(first: $n, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id title displayDate
      actor { slug name side }
      targets { slug name }
      citations { excerpt source { title url } }
      responses { stance }
    }
  }
}"#;

#[tokio::test]
async fn a_dashboard_page_costs_at_most_four_statements_at_any_size_and_filter() {
    let app = spawn_app().await;
    load_story(&app, &generated_story(300, 3)).await;
    let filters = [
        json!({}),
        json!({ "sides": ["FEDERAL", "STATE"] }),
        json!({ "actors": ["gen-federal", "jb-pritzker"], "involving": true }),
        json!({ "text": "generated" }),
    ];
    for filter in filters {
        // The first use of a slug looks it up; slugs never change, so later pages need not.
        app.query(DASHBOARD_PAGE, json!({ "n": 1, "filter": filter }))
            .await;
        for n in [1, 50, 100] {
            let before = app.statements.get();
            let data = app
                .query(DASHBOARD_PAGE, json!({ "n": n, "filter": filter }))
                .await;
            let spent = app.statements.get() - before;
            assert!(
                !data["timeline"]["nodes"]
                    .as_array()
                    .expect("nodes")
                    .is_empty(),
                "{filter} finds actions"
            );
            assert!(
                spent <= 4,
                "{spent} statements for {n} actions with {filter}"
            );
        }
    }
}
