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
