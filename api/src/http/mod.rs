//! The HTTP app: GraphQL, the playground and the SDL.

mod graphql;
mod playground;
mod ws;

pub use playground::EXAMPLE_QUERY;
pub use ws::WsSettings;

use crate::schema::StandoffSchema;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The executable schema.
    pub schema: StandoffSchema,
    /// The database pool, handed to each request's loaders.
    pub db: DatabaseConnection,
    /// The SDL, rendered once at start-up.
    pub sdl: Arc<str>,
    /// WebSocket timing.
    pub ws: WsSettings,
    /// Turns true when the server begins to shut down; WebSockets then close with 1001.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Each open WebSocket holds a clone; when all are dropped, every socket has closed.
    pub open_sockets: tokio::sync::mpsc::Sender<()>,
}

/// The router with every route and layer.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/", get(playground::page))
        .route("/graphql", get(graphql::execute).post(graphql::execute))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/schema.graphql", get(sdl))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn sdl(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.sdl.to_string(),
    )
}
