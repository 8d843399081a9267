//! Read benchmarks over a large archive: dashboard pages beside their floor, deep pages, text
//! search, escalation, and the statements one page costs.

use crate::floor::{self, FloorParams};
use crate::load::{self, MakeRequest, Stats, ms};
use crate::setup;
use anyhow::{Context, ensure};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The dashboard page: actor, targets, citations and who answered.
pub const DASHBOARD: &str = "query($first: Int!, $after: String, $filter: TimelineFilter) {
  timeline(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id title displayDate
      actor { slug name side }
      targets { slug name }
      citations { excerpt source { title url } }
      responses { stance }
    }
  }
}";

const ESCALATION: &str =
    "{ escalation(bucket: WEEK) { bucketStart side actionCount intensitySum intensityMean } }";

/// How the reads benchmark runs.
pub struct ReadPlan {
    /// The database URL.
    pub url: String,
    /// Actions the archive must hold.
    pub actions: u64,
    /// Concurrent clients, one run each.
    pub clients: Vec<usize>,
    /// Seconds per run.
    pub seconds: f64,
}

/// One filter the timeline is read with, for the service and for the floor.
struct Scenario {
    name: &'static str,
    filter: Value,
    floor: FloorParams,
}

fn graphql(addr: std::net::SocketAddr, variables: Value) -> MakeRequest {
    let url = format!("http://{addr}/graphql");
    let body = json!({ "query": DASHBOARD, "variables": variables }).to_string();
    Arc::new(move |client: &reqwest::Client| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
    })
}

fn floor_request(addr: std::net::SocketAddr, params: &FloorParams) -> MakeRequest {
    let mut url = reqwest::Url::parse(&format!("http://{addr}/floor")).expect("static URL");
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("first", &params.first.to_string());
        if params.common_text {
            q.append_pair("common_text", "true");
        }
        for (key, value) in [
            ("after", &params.after),
            ("actor", &params.actor),
            ("side", &params.side),
            ("story", &params.story),
            ("text", &params.text),
        ] {
            if let Some(value) = value {
                q.append_pair(key, value);
            }
        }
    }
    Arc::new(move |client: &reqwest::Client| client.get(url.clone()))
}

async fn post(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let body: Value = client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    ensure!(body.get("errors").is_none(), "GraphQL errors: {body}");
    Ok(body)
}

/// A made-up word from the middle of the archive, which only a few actions hold.
async fn rare_word(db: &DatabaseConnection) -> anyhow::Result<String> {
    let middle = setup::scalar(db, "SELECT (MIN(id) + MAX(id)) / 2 FROM action").await?;
    let row = setup::row(
        db,
        &format!(
            "SELECT summary FROM action WHERE id >= {middle} AND summary LIKE 'In the %' \
             ORDER BY id LIMIT 1"
        ),
    )
    .await?;
    let summary: String = row.try_get("", "summary")?;
    Ok(summary
        .split_whitespace()
        .nth(2)
        .context("summary too short")?
        .to_owned())
}

/// The cursor of the action at `position` (1-based) in timeline order.
async fn cursor_at(db: &DatabaseConnection, position: u64) -> anyhow::Result<String> {
    let row = setup::row(
        db,
        &format!(
            "SELECT id, order_key FROM action WHERE retracted = false \
             ORDER BY order_key, id LIMIT 1 OFFSET {}",
            position.saturating_sub(1)
        ),
    )
    .await
    .context("the archive is smaller than asked")?;
    Ok(standoff_core::cursor::TimelineCursor {
        order_key: row.try_get("", "order_key")?,
        id: row.try_get("", "id")?,
    }
    .encode())
}

/// Runs every read benchmark and prints its figures; fails if a check does not hold.
pub async fn run(plan: &ReadPlan) -> anyhow::Result<()> {
    let db = setup::prepare(&plan.url, plan.actions).await?;
    let total = u64::try_from(setup::scalar(&db, "SELECT COUNT(*) FROM action").await?)?;
    let app = setup::start(&plan.url, 16).await?;
    let (floor_db, _) = standoff_core::db::connect(&standoff_api::config::DatabaseSettings {
        max_connections: 16,
        ..standoff_api::config::DatabaseSettings::new(plan.url.clone())
    })
    .await?;
    let floor_addr = floor::start(floor_db.clone()).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let duration = Duration::from_secs_f64(plan.seconds);
    let backend = format!("{:?}", db.get_database_backend());
    println!("## reads on {backend}, {total} actions");

    let slug = setup::slug_of(&db, "SELECT MIN(actor_id) FROM action").await?;
    let story: String = setup::row(
        &db,
        "SELECT slug FROM story WHERE id = (SELECT MIN(story_id) FROM story_action)",
    )
    .await?
    .try_get("", "slug")?;
    let word = rare_word(&db).await?;
    let scenarios = [
        Scenario {
            name: "unfiltered",
            filter: json!({}),
            floor: FloorParams::default(),
        },
        Scenario {
            name: "by actor",
            filter: json!({ "actors": [slug] }),
            floor: FloorParams {
                actor: Some(slug.clone()),
                ..FloorParams::default()
            },
        },
        Scenario {
            name: "by side",
            filter: json!({ "sides": ["STATE"] }),
            floor: FloorParams {
                side: Some("STATE".into()),
                ..FloorParams::default()
            },
        },
        Scenario {
            name: "by story",
            filter: json!({ "stories": [story.clone()] }),
            floor: FloorParams {
                story: Some(story.clone()),
                ..FloorParams::default()
            },
        },
        Scenario {
            name: "by text",
            filter: json!({ "text": "troops" }),
            floor: FloorParams {
                text: Some("troops".into()),
                common_text: true,
                ..FloorParams::default()
            },
        },
    ];

    println!("\n### timeline page (first 50) beside its floor");
    println!("| filter | clients | service | floor | service / floor throughput |");
    println!("|---|---|---|---|---|");
    for scenario in &scenarios {
        let floor_params = FloorParams {
            first: 50,
            ..scenario.floor.clone()
        };
        // The floor must be the same work: the same JSON for the same page.
        let ours = post(
            &client,
            app.addr,
            DASHBOARD,
            json!({ "first": 50, "filter": scenario.filter }),
        )
        .await?;
        let theirs = floor::fetch(&floor_db, &floor_params).await?;
        ensure!(
            ours == theirs,
            "the floor's answer differs for {}:\n{ours}\n{theirs}",
            scenario.name
        );
        ensure!(
            ours["data"]["timeline"]["nodes"]
                .as_array()
                .is_some_and(|nodes| !nodes.is_empty()),
            "{} finds nothing",
            scenario.name
        );
        for &clients in &plan.clients {
            let service = load::run(
                &client,
                clients,
                duration,
                graphql(app.addr, json!({ "first": 50, "filter": scenario.filter })),
            )
            .await;
            let floor = load::run(
                &client,
                clients,
                duration,
                floor_request(floor_addr, &floor_params),
            )
            .await;
            ensure!(
                service.failed == 0 && floor.failed == 0,
                "failed requests: {service} / {floor}"
            );
            println!(
                "| {} | {clients} | {service} | {floor} | {:.2} |",
                scenario.name,
                service.per_second / floor.per_second.max(1e-9)
            );
        }
    }

    println!("\n### deep pages (keyset: the cursor of the action at 90% of the archive)");
    let deep = cursor_at(&db, total * 9 / 10).await?;
    let first = load::run(
        &client,
        1,
        duration,
        graphql(app.addr, json!({ "first": 50 })),
    )
    .await;
    let deep_stats = load::run(
        &client,
        1,
        duration,
        graphql(app.addr, json!({ "first": 50, "after": deep })),
    )
    .await;
    let deep_page = post(
        &client,
        app.addr,
        DASHBOARD,
        json!({ "first": 50, "after": deep }),
    )
    .await?;
    ensure!(
        deep_page["data"]["timeline"]["nodes"]
            .as_array()
            .map_or(0, Vec::len)
            > 0,
        "the deep page is empty"
    );
    println!("first page: {first}");
    println!("deep page:  {deep_stats}");
    println!(
        "deep / first p50: {:.2} (goal at most 1.5)",
        ms(deep_stats.p50) / ms(first.p50).max(1e-9)
    );

    println!("\n### text search (one client)");
    for text in [word.as_str(), "troops", "national guard"] {
        let stats: Stats = load::run(
            &client,
            1,
            duration,
            graphql(app.addr, json!({ "first": 50, "filter": { "text": text } })),
        )
        .await;
        let found = post(
            &client,
            app.addr,
            DASHBOARD,
            json!({ "first": 50, "filter": { "text": text } }),
        )
        .await?;
        let n = found["data"]["timeline"]["nodes"]
            .as_array()
            .map_or(0, Vec::len);
        println!("{text:>16}: {stats}  ({n} on the first page; goal p50 under 20 ms)");
    }

    println!("\n### escalation by week and side (one client)");
    let url = format!("http://{}/graphql", app.addr);
    let body = json!({ "query": ESCALATION }).to_string();
    let escalation: MakeRequest = Arc::new(move |c: &reqwest::Client| {
        c.post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
    });
    let points = post(&client, app.addr, ESCALATION, json!({})).await?;
    let counted: i64 = points["data"]["escalation"]
        .as_array()
        .context("escalation")?
        .iter()
        .filter_map(|p| p["actionCount"].as_i64())
        .sum();
    ensure!(
        u64::try_from(counted)? == total,
        "escalation counts {counted} of {total} actions"
    );
    let stats = load::run(&client, 1, duration, escalation).await;
    println!("escalation: {stats}  (goal p50 under 100 ms)");

    println!("\n### statements per dashboard page");
    for scenario in &scenarios {
        let mut line = format!("{:>10}:", scenario.name);
        for first in [1, 20, 50, 100] {
            let before = app.statements.get();
            post(
                &client,
                app.addr,
                DASHBOARD,
                json!({ "first": first, "filter": scenario.filter }),
            )
            .await?;
            let spent = app.statements.get() - before;
            ensure!(
                spent <= 4,
                "{spent} statements for a page of {first} {}",
                scenario.name
            );
            line.push_str(&format!(" {first} → {spent}"));
        }
        println!("{line} (goal at most 4)");
    }
    Ok(())
}
