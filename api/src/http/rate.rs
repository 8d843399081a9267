//! The per-client request rate: a token bucket per client address, checked before any
//! handler runs, so a refused request costs no SQL.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

type Buckets = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;

/// How often buckets of clients that have gone quiet are dropped.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// The rate limit shared by every request of one instance.
#[derive(Clone)]
pub struct ClientRate {
    buckets: Option<Arc<Buckets>>,
    trust_forwarded_for: bool,
}

impl ClientRate {
    /// `per_second` sustained with bursts of `burst`; a zero rate turns the limit off.
    pub fn new(per_second: u32, burst: u32, trust_forwarded_for: bool) -> Self {
        let buckets = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
            Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            ))
        });
        Self {
            buckets,
            trust_forwarded_for,
        }
    }

    /// Drops idle clients' buckets now and then, so memory follows the active clients only;
    /// runs until the runtime stops.
    pub fn spawn_forgetting(&self) {
        let Some(buckets) = self.buckets.clone() else {
            return;
        };
        let weak = Arc::downgrade(&buckets);
        drop(buckets);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FORGET_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(buckets) = weak.upgrade() else {
                    return;
                };
                buckets.retain_recent();
                buckets.shrink_to_fit();
            }
        });
    }
}

/// The client's address: the peer, or the first `X-Forwarded-For` entry when trusted.
pub fn client_address(headers: &HeaderMap, peer: SocketAddr, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return forwarded;
    }
    peer.ip()
}

/// Passes the request on, or answers 429 with LIMIT_EXCEEDED and `Retry-After` when its client
/// has used its bucket. Health and metrics probes are never limited.
pub async fn limit(
    State(rate): State<ClientRate>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let Some(buckets) = &rate.buckets else {
        return next.run(request).await;
    };
    if matches!(request.uri().path(), "/healthz" | "/readyz" | "/metrics") {
        return next.run(request).await;
    }
    let client = client_address(request.headers(), peer, rate.trust_forwarded_for);
    match buckets.check_key(&client) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::limit(format!(
                "too many requests from this client; retry in {seconds} s"
            ))
            .with_status(StatusCode::TOO_MANY_REQUESTS)
            .with_header(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)))
            .into_response()
        }
    }
}
