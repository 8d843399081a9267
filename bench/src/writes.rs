//! Write benchmark: `recordAction` from concurrent editors, each with its own token.

use crate::load::{self, MakeRequest};
use crate::setup;
use serde_json::json;
use standoff_api::schema::id::{NodeType, encode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const RECORD: &str = "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }";

/// Records actions from `editors` concurrent editors for `seconds` and prints the rate.
pub async fn run(url: &str, actions: u64, editors: usize, seconds: f64) -> anyhow::Result<()> {
    let db = setup::prepare(url, actions).await?;
    let app = setup::start(url, 16).await?;
    let slug = setup::slug_of(&db, "SELECT MIN(id) FROM actor").await?;
    // The synthetic archive holds several stories, so every write names one, as an editor must.
    let story: String = setup::row(&db, "SELECT slug FROM story ORDER BY id LIMIT 1")
        .await?
        .try_get("", "slug")?;
    let story_for_floor = story.clone();
    let source = encode(
        NodeType::Source,
        setup::scalar(&db, "SELECT MIN(id) FROM source").await?,
    )
    .0;
    let before = setup::scalar(&db, "SELECT COUNT(*) FROM action").await?;
    let client = reqwest::Client::new();
    let counter = Arc::new(AtomicU64::new(0));
    let run_id = chrono::Utc::now().timestamp_millis();
    // One token per editor; each request takes the next editor's token in turn.
    let mut tokens = Vec::new();
    for n in 0..editors {
        let name = format!("bench-{run_id}-{n}");
        tokens.push(
            standoff_core::tokens::create_token(&db, &name, standoff_entities::Role::Editor)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    let tokens = Arc::new(tokens);
    let tokens_for_floor = tokens.clone();
    let slug_for_floor = slug.clone();
    let endpoint = format!("http://{}/graphql", app.addr);
    let make: MakeRequest = Arc::new(move |c: &reqwest::Client| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let token = &tokens[usize::try_from(n).unwrap_or(0) % tokens.len()];
        let input = json!({
            "actor": slug,
            "kind": "STATEMENT",
            "category": "ACCUSE",
            "occurredAt": "2026-01-15T12:00:00Z",
            "stories": [story],
            "title": format!("Benchmark statement {run_id}-{n}"),
            "citations": [{ "sourceId": source, "excerpt": "benchmark" }],
        });
        c.post(&endpoint)
            .bearer_auth(token)
            .json(&json!({ "query": RECORD, "variables": { "input": input } }))
    });
    let duration = Duration::from_secs_f64(seconds);
    let stats = load::run(&client, editors, duration, make).await;
    let after = setup::scalar(&db, "SELECT COUNT(*) FROM action").await?;
    anyhow::ensure!(stats.failed == 0, "{} writes failed", stats.failed);
    // Warm-up writes count too: the table grew by at least the measured ones.
    anyhow::ensure!(
        u64::try_from(after - before)? >= stats.ok,
        "{} actions written, {} acknowledged",
        after - before,
        stats.ok
    );

    // The floor: the same rows by hand-written SQL, over HTTP, with the same tokens.
    let (floor_db, _) = standoff_core::db::connect(&standoff_api::config::DatabaseSettings {
        max_connections: 16,
        ..standoff_api::config::DatabaseSettings::new(url)
    })
    .await?;
    let floor_addr = crate::floor::start(floor_db).await?;
    let source_row = setup::scalar(&db, "SELECT MIN(id) FROM source").await?;
    let floor_tokens = tokens_for_floor.clone();
    let floor_counter = Arc::new(AtomicU64::new(0));
    let floor_slug = slug_for_floor.clone();
    let floor_url = format!("http://{floor_addr}/floor/record");
    let floor: MakeRequest = Arc::new(move |c: &reqwest::Client| {
        let n = floor_counter.fetch_add(1, Ordering::Relaxed);
        let token = &floor_tokens[usize::try_from(n).unwrap_or(0) % floor_tokens.len()];
        c.post(&floor_url).bearer_auth(token).json(&json!({
            "actor": floor_slug,
            "story": story_for_floor,
            "title": format!("Floor statement {run_id}-{n}"),
            "occurred_at": "2026-01-15T12:00:00Z",
            "source_id": source_row,
            "excerpt": "benchmark",
        }))
    });
    let before_floor = setup::scalar(&db, "SELECT COUNT(*) FROM action").await?;
    let floor_stats = load::run(&client, editors, duration, floor).await;
    let after_floor = setup::scalar(&db, "SELECT COUNT(*) FROM action").await?;
    anyhow::ensure!(
        floor_stats.failed == 0,
        "{} floor writes failed",
        floor_stats.failed
    );
    anyhow::ensure!(
        u64::try_from(after_floor - before_floor)? >= floor_stats.ok,
        "the floor acknowledged writes it did not make"
    );
    println!("## writes on {:?}", db.get_database_backend());
    println!("recordAction, {editors} editors: {stats}");
    println!("floor,        {editors} editors: {floor_stats}");
    println!(
        "service / floor throughput: {:.2}",
        stats.per_second / floor_stats.per_second.max(1e-9)
    );
    Ok(())
}
