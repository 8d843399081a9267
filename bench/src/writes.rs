//! Write benchmark: `recordAction` from concurrent editors, each with its own token.

use crate::load::{self, MakeRequest};
use crate::setup;
use anyhow::Context;
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
    let actor_id = setup::scalar(&db, "SELECT MIN(id) FROM actor").await?;
    let slug: String = sea_orm::ConnectionTrait::query_one_raw(
        &db,
        sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT slug FROM actor WHERE id = {actor_id}"),
        ),
    )
    .await?
    .context("no actor")?
    .try_get("", "slug")?;
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
            standoff_api::service::tokens::create_token(
                &db,
                &name,
                standoff_entities::Role::Editor,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    let tokens = Arc::new(tokens);
    let endpoint = format!("http://{}/graphql", app.addr);
    let make: MakeRequest = Arc::new(move |c: &reqwest::Client| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let token = &tokens[usize::try_from(n).unwrap_or(0) % tokens.len()];
        let input = json!({
            "actor": slug,
            "kind": "STATEMENT",
            "category": "ACCUSE",
            "occurredAt": "2026-01-15T12:00:00Z",
            "title": format!("Benchmark statement {run_id}-{n}"),
            "citations": [{ "sourceId": source, "excerpt": "benchmark" }],
        });
        c.post(&endpoint)
            .bearer_auth(token)
            .json(&json!({ "query": RECORD, "variables": { "input": input } }))
    });
    let stats = load::run(&client, editors, Duration::from_secs_f64(seconds), make).await;
    let after = setup::scalar(&db, "SELECT COUNT(*) FROM action").await?;
    anyhow::ensure!(stats.failed == 0, "{} writes failed", stats.failed);
    // Warm-up writes count too: the table grew by at least the measured ones.
    anyhow::ensure!(
        u64::try_from(after - before)? >= stats.ok,
        "{} actions written, {} acknowledged",
        after - before,
        stats.ok
    );
    println!("## writes on {:?}", db.get_database_backend());
    println!("recordAction, {editors} editors: {stats}");
    Ok(())
}
