//! The committed SDL, the playground and the example query.

use crate::helpers::spawn_app;
use serde_json::json;
use standoff_api::http::{EXAMPLE_QUERY, story_query};

const COMMITTED_SDL: &str = include_str!("../../schema.graphql");

#[tokio::test]
async fn the_served_schema_matches_the_committed_file() {
    let app = spawn_app().await;
    let served = app.get_text("/schema.graphql").await;
    assert!(
        served == COMMITTED_SDL,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and commit it"
    );
    for name in [
        "interface Node",
        "type ActionConnection",
        "totalCount",
        "thread(",
        "escalation(",
    ] {
        assert!(served.contains(name), "{name} missing from the SDL");
    }
}

#[tokio::test]
async fn the_playground_opens_with_the_example_query_which_runs() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("/vendor/graphiql/graphiql.min.js") && html.contains("/playground.js"));
    let preloaded = serde_json::to_string(EXAMPLE_QUERY).expect("json");
    assert!(html.contains(&preloaded), "example query preloaded");

    let data = app.query(EXAMPLE_QUERY, json!({})).await;
    assert_eq!(data["timeline"]["totalCount"], 11);
    assert_eq!(
        data["timeline"]["nodes"].as_array().expect("nodes").len(),
        11
    );
}

#[tokio::test]
async fn a_story_page_links_to_a_playground_example_for_that_story_which_runs() {
    let app = spawn_app().await;
    let story_page = app.get_text("/stories/chicago-2025").await;
    assert!(
        story_page.contains("href=\"/?story=chicago-2025\""),
        "the story page links to its example"
    );
    let html = app.get_text("/?story=chicago-2025").await;
    let example = story_query("chicago-2025");
    let preloaded = serde_json::to_string(&example).expect("json");
    assert!(html.contains(&preloaded), "the story's example preloaded");
    let data = app.query(&example, json!({})).await;
    assert_eq!(data["story"]["timeZone"], "America/Chicago");
    assert_eq!(
        data["story"]["actions"]["nodes"]
            .as_array()
            .expect("nodes")
            .len(),
        11
    );
    // A slug that is not one opens the general example, with nothing of the input echoed.
    let html = app.get_text("/?story=%3Cscript%3E").await;
    assert!(html.contains(&serde_json::to_string(EXAMPLE_QUERY).expect("json")));
    assert!(
        !html.contains("story(slug:"),
        "no story example for a bad slug"
    );
}

#[tokio::test]
async fn graphql_answers_over_get_too() {
    let app = spawn_app().await;
    let body: serde_json::Value = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ actor(slug: \"jb-pritzker\") { name title } }")])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["data"]["actor"]["name"], "JB Pritzker");
    assert_eq!(body["data"]["actor"]["title"], "Governor of Illinois");
}

#[tokio::test]
async fn the_playground_needs_no_other_host_and_sends_its_policy() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("policy")
        .to_owned();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    let html = page.text().await.expect("html");
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "no inline script");
    // Every file the page names is served here, with its type.
    let names: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with('/') && (part.ends_with(".js") || part.ends_with(".css")))
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    for name in names {
        let response = app.get(name).await;
        assert_eq!(response.status(), 200, "{name}");
        let kind = response.headers()["content-type"].to_str().expect("type");
        let expected = if name.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(kind.starts_with(expected), "{name}: {kind}");
        assert!(!response.bytes().await.expect("body").is_empty(), "{name}");
    }
    // Their licences and manifest are served beside them; nothing else is.
    assert_eq!(app.get("/vendor/graphiql/LICENSE").await.status(), 200);
    let manifest = app.get_text("/vendor/MANIFEST").await;
    assert!(manifest.contains("graphiql@4.1.2"), "{manifest}");
    let missing = app.get("/vendor/../Cargo.toml").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(app.get("/vendor/graphiql/nothing.js").await.status(), 404);
}
