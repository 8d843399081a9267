//! The HTTP app: GraphQL, the playground and the SDL.

mod body;
mod cache;
mod desk;
mod embed;
pub mod export;
mod graphql;
mod oembed;
mod ops;
pub mod params;
mod playground;
mod rate;
mod sse;
mod story;
mod story_list;
mod vendor;
mod ws;

pub use cache::{Answers, CacheCounts, CacheSettings};
pub use playground::{EXAMPLE_QUERY, story_query};
pub use rate::{ClientRate, TrustedProxies};
pub use ws::{SocketsPerClient, WsSettings};

use crate::metrics::Metrics;
use crate::schema::executor::StandoffExecutor;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::http::{HeaderValue, Method, Request};
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Runs every GraphQL operation, over HTTP and WebSocket alike.
    pub executor: StandoffExecutor,
    /// The database pool, handed to each request's loaders.
    pub db: DatabaseConnection,
    /// The SDL, rendered once at start-up.
    pub sdl: Arc<str>,
    /// WebSocket timing.
    pub ws: WsSettings,
    /// Largest request body, and so the largest WebSocket message.
    pub max_body_bytes: usize,
    /// Turns true when the server begins to shut down; WebSockets then close with 1001.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Each open WebSocket holds a clone; when all are dropped, every socket has closed.
    pub open_sockets: tokio::sync::mpsc::Sender<()>,
    /// What `/metrics` reports.
    pub metrics: Metrics,
    /// How long a client may take to send a request body.
    pub slow_client_timeout: std::time::Duration,
    /// Query texts known by hash, for automatic persisted queries.
    pub persisted: crate::schema::persisted::PersistedQueries,
    /// What resolving filters has learnt (slugs, common searches), shared with the schema.
    pub filter_cache: standoff_core::filter::FilterCache,
    /// Open WebSockets per client address.
    pub sockets: SocketsPerClient,
    /// Statements one request (or WebSocket connection) may run at once.
    pub statements_per_request: usize,
    /// Which `X-Forwarded-For` entry is the client's.
    pub proxies: TrustedProxies,
    /// Whether `/` serves the playground (so pages may link to it).
    pub playground: bool,
    /// Answers shared among readers until the change log moves.
    pub answers: Answers,
}

impl AppState {
    /// A request's (or connection's) fair share of the database pool.
    pub fn share(&self) -> standoff_core::db::FairShare {
        standoff_core::db::FairShare::new(self.db.clone(), self.statements_per_request)
    }
}

/// Where GraphQL over Server-Sent Events is served (the accept loop answers it itself).
pub const STREAM_PATH: &str = "/graphql/stream";

/// Media types of the text assets compiled into the binary.
pub(crate) const CSS: &str = "text/css; charset=utf-8";
/// See [`CSS`].
pub(crate) const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// A page's stylesheet or script compiled into the binary, cached for five minutes: they change
/// only with a new binary, and a deploy should reach readers soon.
pub(crate) fn asset(media_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
}

/// Why the router cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// A CORS origin is not a valid header value.
    #[error("bad CORS origin {0:?}")]
    CorsOrigin(String),
}

/// The CORS policy: any origin when none is listed (or `*` is), else only the listed ones;
/// simple methods and the two headers the API reads; never credentials, so a page of another
/// origin reads what anyone may read and writes only with a token it was given.
fn cors(origins: &[String]) -> Result<CorsLayer, RouterError> {
    let listed: Vec<&str> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    let allow = if listed.is_empty() || listed.contains(&"*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            listed
                .iter()
                .map(|o| HeaderValue::from_str(o).map_err(|_| RouterError::CorsOrigin((*o).into())))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    Ok(CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(std::time::Duration::from_secs(3600)))
}

/// The router with every route and layer.
pub fn router(
    state: AppState,
    cors_origins: &[String],
    rate: ClientRate,
) -> Result<Router, RouterError> {
    let cors = cors(cors_origins)?;
    let mut router = Router::new();
    if state.playground {
        router = router
            .route("/", get(playground::page))
            .route("/playground.css", get(playground::style))
            .route("/playground.js", get(playground::script))
            .route("/vendor/{*path}", get(vendor::file));
    }
    let router = router
        .route("/graphql", get(graphql::execute).post(graphql::execute))
        // One copy of the state for every socket: a connection's task holds a pointer to it.
        .route(
            "/graphql/ws",
            get(ws::upgrade).layer(axum::Extension(Arc::new(state.clone()))),
        )
        .route(STREAM_PATH, get(sse::stream).post(sse::stream))
        .route("/schema.graphql", get(sdl))
        .route("/desk", get(desk::page))
        .route("/desk/desk.css", get(desk::style))
        .route("/desk/desk.js", get(desk::script))
        .route("/embed/timeline", get(embed::page))
        .route("/embed/timeline.css", get(embed::style))
        .route("/embed/timeline.js", get(embed::script))
        .route("/embed.js", get(embed::sizer))
        .route("/stories.css", get(story::style))
        .merge(public_reads(&state))
        .route("/favicon.svg", get(favicon))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(state.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            body::BodyLimit {
                max: state.max_body_bytes,
                timeout: state.slow_client_timeout,
            },
            body::refuse_oversized,
        ))
        .layer(axum::middleware::from_fn_with_state(rate, rate::limit))
        .with_state(state);
    Ok(guarded(router).layer(cors))
}

/// The public GET routes whose answers depend only on the database: each carries an ETag from
/// the change log's head, answers `If-None-Match` with 304, and is kept while the head stays.
fn public_reads(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/oembed", get(oembed::oembed))
        .route("/export/timelinejs.json", get(export::timelinejs::export))
        .route("/export/actions.csv", get(export::table::csv))
        .route("/export/actions.ndjson", get(export::table::ndjson))
        .route("/feed.atom", get(export::atom::feed))
        .route("/charts/escalation.svg", get(export::chart::chart))
        .route("/charts/escalation.csv", get(export::chart::table))
        .route("/stories", get(story_list::list))
        .route("/stories/{slug}", get(story::page_of))
        .route_layer(axum::middleware::from_fn_with_state(
            state.answers.clone(),
            cache::revalidated,
        ))
}

/// Wraps every request in a request id, a log span and a panic guard.
fn guarded(router: Router) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

/// A panic while handling one request becomes an INTERNAL error for that request alone.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    crate::error::ApiError::internal("a request handler panicked").into_response()
}

/// Request ids: a per-process random prefix and a counter, unique across instances and cheap.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let mut bytes = [0u8; 4];
        // Without randomness the ids are still unique within this process.
        let _ = getrandom::fill(&mut bytes);
        let prefix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self {
            prefix: prefix.into(),
            next: Arc::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// The span each request's logs carry: method, path and request id (the client's, if sent).
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}

/// Standoff's icon, so no page asks for a `/favicon.ico` that is not there.
async fn favicon() -> impl IntoResponse {
    asset("image/svg+xml", include_str!("../../../web/favicon.svg"))
}

async fn sdl(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.sdl.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
    use axum::body::Body;

    struct Query;

    #[Object]
    impl Query {
        /// Always answers.
        async fn fine(&self) -> i32 {
            1
        }

        /// Panics inside the resolver, as a bug would.
        async fn broken(&self) -> i32 {
            let empty: Vec<i32> = Vec::new();
            #[allow(clippy::indexing_slicing)]
            empty[0]
        }
    }

    /// Runs one query through the guarded router and returns its status and JSON body.
    async fn call(router: &Router, query: &str) -> (axum::http::StatusCode, serde_json::Value) {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from(
                serde_json::json!({ "query": query }).to_string(),
            ))
            .expect("request");
        let response = tower::Service::call(&mut router.clone(), request)
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, serde_json::from_slice(&bytes).expect("JSON body"))
    }

    #[tokio::test]
    async fn a_panicking_resolver_fails_its_own_request_only() {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let router = guarded(Router::new().route(
            "/graphql",
            axum::routing::post(async move |body: axum::Json<async_graphql::Request>| {
                axum::Json(schema.execute(body.0).await)
            }),
        ));
        let (status, body) = call(&router, "{ broken }").await;
        assert_eq!(status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
        assert!(body.get("data").is_none());
        let (status, body) = call(&router, "{ fine }").await;
        assert_eq!(status, axum::http::StatusCode::OK);
        assert_eq!(body["data"]["fine"], 1);
    }
}
