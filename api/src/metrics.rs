//! Prometheus metrics: GraphQL requests and latency by operation name, errors by code, open
//! WebSockets and subscriptions, and the database pool.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Counts of what the cache did.
#[derive(Clone, Debug, Default)]
pub struct CacheCounts {
    /// Answers served from the cache.
    pub hits: Counter,
    /// Answers computed because none was kept for the current head.
    pub misses: Counter,
    /// Requests answered 304 Not Modified.
    pub not_modified: Counter,
}

/// Distinct operation names kept as labels; later ones are counted as `other`, since clients
/// choose the names and a label per name would let them grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;
/// Labels a name gets on its first successful request; the rest are kept for names seen
/// again and again, so names sent once (junk) cannot take the labels real clients need.
const FIRST_COME: usize = MAX_OPERATION_NAMES / 2;
/// Successful requests under a name before it gets one of the kept labels.
const ADMIT_AFTER: u32 = 3;
/// Names waiting to be admitted; the waiting list starts afresh when it is full.
const MAX_CANDIDATES: usize = 2000;

/// Operation names with labels, and names on their way to one.
#[derive(Debug, Default)]
struct Names {
    labelled: HashSet<String>,
    candidates: std::collections::HashMap<String, u32>,
}

/// Labels of a GraphQL operation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// The operation's name, `anonymous` without one, `other` past the cap.
    pub operation: String,
}

/// Labels of an error.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    /// The error's `extensions.code`.
    pub code: String,
}

/// Every metric the service exports.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// GraphQL requests by operation name.
    pub requests: Family<OperationLabels, Counter>,
    /// GraphQL request latency by operation name, in seconds.
    pub latency: Family<OperationLabels, Histogram>,
    /// GraphQL errors by code.
    pub errors: Family<CodeLabels, Counter>,
    /// Open WebSocket connections.
    pub websockets: Gauge,
    /// Active subscriptions.
    pub subscriptions: Gauge,
    /// Subscription executions running: one per distinct question however many listen, and
    /// one per subscription that resumes from a cursor.
    pub subscription_executions: Gauge,
    /// Connections in the database pool.
    pub pool_size: Gauge,
    /// Idle connections in the database pool.
    pub pool_idle: Gauge,
    /// What the shared answers did: hits, misses, 304s.
    pub cache: CacheCounts,
    /// Bytes of answers kept, read at each scrape.
    pub cache_bytes: Gauge,
    names: Arc<Mutex<Names>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("standoff");
        let requests = Family::<OperationLabels, Counter>::default();
        let latency = Family::<OperationLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ])
        });
        let errors = Family::<CodeLabels, Counter>::default();
        let websockets = Gauge::default();
        let subscriptions = Gauge::default();
        let subscription_executions = Gauge::default();
        let pool_size = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests by operation name",
            requests.clone(),
        );
        registry.register(
            "graphql_request_duration_seconds",
            "GraphQL request latency by operation name",
            latency.clone(),
        );
        registry.register("graphql_errors", "GraphQL errors by code", errors.clone());
        registry.register(
            "websockets_open",
            "Open WebSocket connections",
            websockets.clone(),
        );
        registry.register(
            "subscriptions_active",
            "Active GraphQL subscriptions",
            subscriptions.clone(),
        );
        registry.register(
            "subscription_executions_running",
            "Subscription executions running: one per distinct operation, variables and visibility, and one per resuming subscription",
            subscription_executions.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Connections in the database pool",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_idle",
            "Idle connections in the database pool",
            pool_idle.clone(),
        );
        let cache = CacheCounts::default();
        let cache_bytes = Gauge::default();
        registry.register(
            "response_cache_hits",
            "Answers served from the shared cache",
            cache.hits.clone(),
        );
        registry.register(
            "response_cache_misses",
            "Answers computed because none was kept for the change log's head",
            cache.misses.clone(),
        );
        registry.register(
            "response_not_modified",
            "Requests answered 304 Not Modified",
            cache.not_modified.clone(),
        );
        registry.register(
            "response_cache_bytes",
            "Bytes of answers kept",
            cache_bytes.clone(),
        );
        Self {
            cache,
            cache_bytes,
            registry: Arc::new(registry),
            requests,
            latency,
            errors,
            websockets,
            subscriptions,
            subscription_executions,
            pool_size,
            pool_idle,
            names: Arc::default(),
        }
    }

    /// The label for an operation name: its own from its first successful request while the
    /// first-come labels last, then once it has been seen in a few successful requests while
    /// there is room, and `other` until then; so the labels stay bounded and junk names cannot
    /// crowd out the ones real clients send.
    pub fn operation(&self, name: Option<&str>, succeeded: bool) -> OperationLabels {
        let Some(name) = name else {
            return OperationLabels {
                operation: "anonymous".to_owned(),
            };
        };
        let name: String = name.chars().take(64).collect();
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if names.labelled.contains(&name) {
            return OperationLabels { operation: name };
        }
        if succeeded && names.labelled.len() < MAX_OPERATION_NAMES {
            if names.candidates.len() >= MAX_CANDIDATES {
                names.candidates.clear();
            }
            let first_come = names.labelled.len() < FIRST_COME;
            let seen = names.candidates.entry(name.clone()).or_insert(0);
            *seen += 1;
            if first_come || *seen >= ADMIT_AFTER {
                names.candidates.remove(&name);
                names.labelled.insert(name.clone());
                return OperationLabels { operation: name };
            }
        }
        OperationLabels {
            operation: "other".to_owned(),
        }
    }

    /// The registry in the Prometheus (OpenMetrics) text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(err) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(%err, "cannot encode metrics");
        }
        out
    }
}

/// Adds one to a gauge until dropped: an open socket, an active subscription.
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    /// Increments `gauge` now and decrements it on drop.
    pub fn hold(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
