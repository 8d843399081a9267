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
        json!({ "stories": ["chicago-2025"] }),
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

const ACTORS_WITH_ACTIONS: &str = r#"query($n: Int, $first: Int, $last: Int) {
  actors(first: $n) {
    nodes {
      slug
      actions(first: $first, last: $last) {
        pageInfo { hasNextPage hasPreviousPage }
        nodes { title actor { slug } targets { slug } citations { excerpt } }
      }
    }
  }
}"#;

#[tokio::test]
async fn a_list_of_actors_with_their_actions_costs_the_same_for_three_or_thirteen() {
    let app = spawn_app().await;
    load_story(&app, &generated_story(300, 3)).await;
    let cost = |n: u32, first: Option<u32>, last: Option<u32>| {
        let app = &app;
        async move {
            let before = app.statements.get();
            let data = app
                .query(
                    ACTORS_WITH_ACTIONS,
                    json!({ "n": n, "first": first, "last": last }),
                )
                .await;
            (app.statements.get() - before, data)
        }
    };
    let (few, _) = cost(3, Some(5), None).await;
    let (many, data) = cost(13, Some(5), None).await;
    assert_eq!(few, many, "statements for 3 vs 13 actors");
    // Each actor's page is its own first five actions, as the timeline filtered to it says.
    for actor in data["actors"]["nodes"].as_array().expect("actors") {
        let slug = actor["slug"].as_str().expect("slug");
        let own: Vec<&str> = actor["actions"]["nodes"]
            .as_array()
            .expect("actions")
            .iter()
            .map(|a| a["title"].as_str().expect("title"))
            .collect();
        assert!(
            actor["actions"]["nodes"]
                .as_array()
                .expect("actions")
                .iter()
                .all(|a| a["actor"]["slug"] == slug)
        );
        let timeline = app
            .query(
                "query($slug: String!) { timeline(first: 6, filter: { actors: [$slug] }) { nodes { title } } }",
                json!({ "slug": slug }),
            )
            .await;
        let expected: Vec<&str> = timeline["timeline"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|a| a["title"].as_str().expect("title"))
            .collect();
        assert_eq!(own, expected[..expected.len().min(5)], "{slug}");
        assert_eq!(
            actor["actions"]["pageInfo"]["hasNextPage"],
            expected.len() > 5,
            "{slug}"
        );
    }
    // From the end too: the last two, in time order.
    let (_, data) = cost(13, None, Some(2)).await;
    let generated = data["actors"]["nodes"]
        .as_array()
        .expect("actors")
        .iter()
        .find(|a| a["slug"] == "gen-federal")
        .expect("generated actor");
    let titles: Vec<&str> = generated["actions"]["nodes"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles.len(), 2);
    assert_eq!(generated["actions"]["pageInfo"]["hasPreviousPage"], true);
}

/// What SQLite's planner says it would do for one page of the timeline as `filter` sees it.
async fn sqlite_plan(
    db: &sea_orm::DatabaseConnection,
    filter: &standoff_core::filter::ResolvedFilter,
    order: standoff_core::timeline::TimeOrder,
) -> String {
    use sea_orm::{ConnectionTrait, QueryTrait};
    let request = standoff_core::page::PageRequest {
        size: 50,
        after: None,
        before: None,
        from_end: false,
    };
    let sql = standoff_core::timeline::page_query(filter, order, &request)
        .build(sea_orm::DbBackend::Sqlite)
        .to_string();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {sql}"),
        ))
        .await
        .expect("a plan");
    rows.iter()
        .map(|row| row.try_get::<String>("", "detail").expect("detail"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_timeline_page_walks_the_order_index_on_sqlite_for_readers_and_editors() {
    // On SQLite, which keeps no statistics, an index led by the publication column once looked
    // narrow to the planner, which then sorted every published action for each page (9.6 s a
    // page at a million). The page must walk the order index and sort nothing.
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("plan.db").display());
    let (db, _) = standoff_core::db::connect(&standoff_api::config::DatabaseSettings::new(url))
        .await
        .expect("connects");
    standoff_core::db::migrate(&db).await.expect("migrates");
    let readers = standoff_core::filter::ResolvedFilter::default();
    let editors = standoff_core::filter::ResolvedFilter::default().for_newsroom();
    for (who, filter) in [("readers", &readers), ("editors", &editors)] {
        for order in [
            standoff_core::timeline::TimeOrder::Asc,
            standoff_core::timeline::TimeOrder::Desc,
        ] {
            let plan = sqlite_plan(&db, filter, order).await;
            assert!(
                plan.contains("idx_action_order") && !plan.contains("TEMP B-TREE"),
                "{who}, {order:?}: {plan}"
            );
        }
    }
}

/// The response links of every action on the first page, as `shape` selects them; each link as
/// its id, with the id of the action at its far end when `shape` shows it.
async fn links(app: &TestApp, field: &str, shape: &str) -> Vec<Vec<String>> {
    let query = format!("{{ timeline(first: 100) {{ nodes {{ {field} {{ {shape} }} }} }} }}");
    let data = app.query(&query, json!({})).await;
    data["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| {
            node[field]
                .as_array()
                .expect("links")
                .iter()
                .map(|link| link["id"].as_str().expect("a link id").to_owned())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_page_showing_only_stances_lists_the_same_responses_as_one_showing_the_answers() {
    // A page that asks only how each answer stands reads the links without the answering
    // actions; it must still leave out exactly what the full read leaves out (here a retracted
    // answer), in the same order.
    let app = spawn_app().await;
    let data = app
        .query(
            "{ timeline(first: 100) { nodes { responses { id action { id } } } } }",
            json!({}),
        )
        .await;
    let (link, answer) = data["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find_map(|node| {
            let first = &node["responses"][0];
            Some((first["id"].as_str()?, first["action"]["id"].as_str()?))
        })
        .map(|(link, answer)| (link.to_owned(), answer.to_owned()))
        .expect("the story has an answered action");
    assert!(
        links(&app, "responses", "id stance")
            .await
            .concat()
            .contains(&link)
    );
    let editor = app.editor("standards").await;
    app.write(
        &editor,
        "mutation($id: ID!) { retractAction(id: $id, reason: \"duplicate\") { id } }",
        json!({ "id": answer }),
    )
    .await;

    let shown = links(&app, "responses", "id stance action { id }").await;
    let stances_only = links(&app, "responses", "id stance").await;
    assert_eq!(stances_only, shown);
    assert!(
        !stances_only.concat().contains(&link),
        "the retracted answer's link is left out"
    );
    let answering = links(&app, "respondsTo", "id stance respondsTo { id }").await;
    let answering_only = links(&app, "respondsTo", "id stance").await;
    assert_eq!(answering_only, answering);
    assert!(answering.iter().any(|l| !l.is_empty()));
}
