//! Operations: liveness, readiness and Prometheus metrics.

use super::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::time::Duration;

/// How long readiness waits for the database before saying no.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `/healthz`: the process is up and serving HTTP.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz`: the database answers; 503 when it does not, so a load balancer routes elsewhere.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: database unreachable\n",
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: database timed out\n",
        ),
    }
}

/// `/metrics`: every metric in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let pool = state.db.get_postgres_connection_pool();
        state.metrics.pool_size.set(i64::from(pool.size()));
        state.metrics.pool_idle.set(pool.num_idle() as i64);
    } else {
        let pool = state.db.get_sqlite_connection_pool();
        state.metrics.pool_size.set(i64::from(pool.size()));
        state.metrics.pool_idle.set(pool.num_idle() as i64);
    }
    state
        .metrics
        .cache_bytes
        .set(i64::try_from(state.answers.bytes()).unwrap_or(i64::MAX));
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
