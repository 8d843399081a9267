//! Getting a database of the asked-for size and the real service running on it, in process.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
use standoff_api::config::{DatabaseSettings, ServerSettings};
use standoff_api::startup::Application;
use standoff_core::db::StatementCounter;
use std::net::SocketAddr;
use std::time::Instant;

/// The service under test.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its statement counter.
    pub statements: StatementCounter,
}

/// The first row a query returns; an error when it returns none.
pub async fn row(db: &DatabaseConnection, sql: &str) -> anyhow::Result<QueryResult> {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await?
    .with_context(|| format!("no row from {sql}"))
}

/// One number from a single-row, single-column query.
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    Ok(row(db, sql).await?.try_get_by_index::<i64>(0)?)
}

/// The slug of the actor whose id `id_sql` returns.
pub async fn slug_of(db: &DatabaseConnection, id_sql: &str) -> anyhow::Result<String> {
    let id = scalar(db, id_sql).await?;
    Ok(row(db, &format!("SELECT slug FROM actor WHERE id = {id}"))
        .await?
        .try_get("", "slug")?)
}

/// Connects, migrates, and tops the archive up to `actions` synthetic actions.
pub async fn prepare(url: &str, actions: u64) -> anyhow::Result<DatabaseConnection> {
    let (db, _) = standoff_core::db::connect(&DatabaseSettings::new(url)).await?;
    standoff_core::db::migrate(&db).await?;
    let present = u64::try_from(scalar(&db, "SELECT COUNT(*) FROM action").await?)?;
    if present < actions {
        let started = Instant::now();
        let missing = actions - present;
        eprintln!("generating {missing} synthetic actions…");
        let plan = standoff_seeds::Synthetic {
            actions: missing,
            seed: 2025,
        };
        standoff_seeds::generate(&db, plan, &mut |_| {}).await?;
        eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Statistics for whatever loaded the archive (this machine runs without autovacuum).
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(db)
}

/// Starts the service on `url` with request limits that would throttle a load test off, and
/// nothing kept between requests.
pub async fn start(url: &str, max_connections: u32) -> anyhow::Result<Running> {
    start_with(url, max_connections, 0).await
}

/// Starts the service as [`start`] does, keeping answers as it does by default.
pub async fn start_keeping(url: &str, max_connections: u32) -> anyhow::Result<Running> {
    start_with(
        url,
        max_connections,
        standoff_api::config::defaults::RESPONSE_CACHE_BYTES,
    )
    .await
}

async fn start_with(url: &str, max_connections: u32, kept: u64) -> anyhow::Result<Running> {
    let mut database = DatabaseSettings::new(url);
    database.max_connections = max_connections;
    let server = ServerSettings {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        no_seed: true,
        rate_limit_per_second: 0,
        max_sockets_per_client: 1_000_000,
        // Zero for the cold path: every page is computed, so the service is measured against
        // its floor and not its own cache.
        response_cache_bytes: kept,
        ..ServerSettings::default()
    };
    let app = Application::build(&database, &server).await?;
    let addr = app.local_addr()?;
    let statements = app.statements();
    tokio::spawn(app.run_until(std::future::pending()));
    Ok(Running { addr, statements })
}

/// The id of a source the first action cites, asked of the service at `graphql_url` (so it is
/// the public id a `recordAction` takes).
pub async fn cited_source(
    client: &reqwest::Client,
    graphql_url: &str,
) -> anyhow::Result<serde_json::Value> {
    let answer: serde_json::Value = client
        .post(graphql_url)
        .json(&serde_json::json!({
            "query": "{ timeline(first: 1) { nodes { citations { source { id } } } } }"
        }))
        .send()
        .await?
        .json()
        .await?;
    let id = answer["data"]["timeline"]["nodes"][0]["citations"][0]["source"]["id"].clone();
    anyhow::ensure!(id.is_string(), "no cited source in {answer}");
    Ok(id)
}
