//! The hot page: many clients asking the same dashboard question while a story breaks. The
//! service keeps the answer until the change log moves, so it should beat its floor (which runs
//! the SQL every time) several times over; with `If-None-Match` it answers 304 for nothing. Then
//! one `recordAction` a second while the clients read: every read after a write's
//! acknowledgement must reflect it, and most reads are still hits.

use crate::floor;
use crate::load::{self, MakeRequest};
use crate::reads::DASHBOARD;
use crate::setup;
use anyhow::ensure;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How the hot-page benchmark runs.
pub struct HotPlan {
    /// The database URL.
    pub url: String,
    /// Actions the archive must hold.
    pub actions: u64,
    /// Concurrent clients.
    pub clients: usize,
    /// Seconds per run.
    pub seconds: f64,
}

/// A counter from `/metrics` text.
fn counter(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Runs the hot-page benchmarks and prints their figures; fails if a read after a write's
/// acknowledgement did not reflect it.
pub async fn run(plan: &HotPlan) -> anyhow::Result<()> {
    let db = setup::prepare(&plan.url, plan.actions).await?;
    let app = setup::start_keeping(&plan.url, 16).await?;
    let (floor_db, _) = standoff_core::db::connect(&standoff_api::config::DatabaseSettings {
        max_connections: 16,
        ..standoff_api::config::DatabaseSettings::new(plan.url.clone())
    })
    .await?;
    let floor_addr = floor::start(floor_db).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let duration = Duration::from_secs_f64(plan.seconds);
    let backend = format!("{:?}", db.get_database_backend());
    println!("## the hot page on {backend}, {} clients", plan.clients);

    let url = format!("http://{}/graphql", app.addr);
    let body = json!({ "query": DASHBOARD, "variables": { "first": 50 } }).to_string();
    let first = client
        .post(&url)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await?;
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    ensure!(!etag.is_empty(), "the answer carries an ETag");
    let (u, b) = (url.clone(), body.clone());
    let hot: MakeRequest = Arc::new(move |c: &reqwest::Client| {
        c.post(&u)
            .header("content-type", "application/json")
            .body(b.clone())
    });
    let (u, b, t) = (url.clone(), body.clone(), etag.clone());
    let revalidated: MakeRequest = Arc::new(move |c: &reqwest::Client| {
        c.post(&u)
            .header("content-type", "application/json")
            .header("if-none-match", t.clone())
            .body(b.clone())
    });
    let floor_url = format!("http://{floor_addr}/floor?first=50");
    let floor_page: MakeRequest = Arc::new(move |c: &reqwest::Client| c.get(&floor_url));

    let service = load::run(&client, plan.clients, duration, hot.clone()).await;
    let not_modified = load::run(&client, plan.clients, duration, revalidated).await;
    let floor = load::run(&client, plan.clients, duration, floor_page).await;
    println!("| run | throughput (p50 / p99) | beside the floor (goal 3x) |");
    println!("|---|---|---|");
    println!(
        "| service, kept answer | {service} | {:.2}x |",
        service.per_second / floor.per_second
    );
    println!(
        "| service, If-None-Match (304) | {not_modified} | {:.2}x |",
        not_modified.per_second / floor.per_second
    );
    println!("| floor (SQL every time) | {floor} | 1.00x |");

    // Writes mixed in: one a second, each checked by a read right after its acknowledgement.
    let metrics_url = format!("http://{}/metrics", app.addr);
    let before = client.get(&metrics_url).send().await?.text().await?;
    let token = standoff_core::tokens::create_token(
        &db,
        &format!("hot-{}", std::process::id()),
        standoff_entities::Role::Editor,
    )
    .await?;
    let source = setup::cited_source(&client, &url).await?;
    let actor = setup::slug_of(&db, "SELECT MIN(actor_id) FROM action").await?;
    let story: String = setup::row(&db, "SELECT MIN(slug) AS slug FROM story")
        .await?
        .try_get("", "slug")?;
    let count = "{ timeline(first: 1) { totalCount } }";
    let stop = Arc::new(AtomicBool::new(false));
    let stale = Arc::new(AtomicU64::new(0));
    let writes = Arc::new(AtomicU64::new(0));
    let writer = {
        let (client, url, stop, stale, writes) = (
            client.clone(),
            url.clone(),
            stop.clone(),
            stale.clone(),
            writes.clone(),
        );
        tokio::spawn(async move {
            let total = |client: reqwest::Client, url: String| async move {
                let body: Value = client
                    .post(&url)
                    .json(&json!({ "query": count }))
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                body["data"]["timeline"]["totalCount"].as_u64()
            };
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let before = total(client.clone(), url.clone()).await;
                let input = json!({
                    "actor": actor, "stories": [story], "kind": "STATEMENT",
                    "occurredAt": "2025-10-01", "title": format!("Hot page write {n}"),
                    "citations": [{ "sourceId": source }] });
                let answer: Option<Value> = match client
                    .post(&url)
                    .header("authorization", format!("Bearer {token}"))
                    .json(&json!({ "query": "mutation($i: RecordActionInput!) { recordAction(input: $i) { id } }", "variables": { "i": input } }))
                    .send()
                    .await
                {
                    Ok(response) => response.json().await.ok(),
                    Err(_) => None,
                };
                let ok = answer.is_some_and(|a| a.get("errors").is_none());
                let after = total(client.clone(), url.clone()).await;
                if ok {
                    writes.fetch_add(1, Ordering::Relaxed);
                    if after != before.map(|b| b + 1) {
                        stale.fetch_add(1, Ordering::Relaxed);
                    }
                }
                n += 1;
                tokio::time::sleep(Duration::from_secs(1).saturating_sub(started.elapsed())).await;
            }
        })
    };
    let mixed = load::run(&client, plan.clients, duration, hot).await;
    stop.store(true, Ordering::Relaxed);
    let _ = writer.await;
    let after = client.get(&metrics_url).send().await?.text().await?;
    let hits = counter(&after, "standoff_response_cache_hits_total")
        - counter(&before, "standoff_response_cache_hits_total");
    let misses = counter(&after, "standoff_response_cache_misses_total")
        - counter(&before, "standoff_response_cache_misses_total");
    let (written, stale) = (
        writes.load(Ordering::Relaxed),
        stale.load(Ordering::Relaxed),
    );
    println!(
        "\nwrites mixed in: {mixed}; {written} writes, {stale} stale reads after one (goal 0); hit ratio {:.3}",
        hits / (hits + misses).max(1.0)
    );
    ensure!(
        stale == 0,
        "{stale} reads after a write's acknowledgement did not reflect it"
    );
    ensure!(written > 0, "no write landed");
    Ok(())
}
