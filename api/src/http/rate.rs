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
    proxies: TrustedProxies,
}

/// How many proxies in front of the service append the address they heard from to
/// `X-Forwarded-For`; 0 when none is trusted and the peer is the client.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustedProxies(pub usize);

impl TrustedProxies {
    /// The client's address. With N trusted proxies the client is the N-th entry from the
    /// right of `X-Forwarded-For`: entries further left were written by the client itself and
    /// could be anything.
    pub fn client(self, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
        if self.0 == 0 {
            return peer.ip();
        }
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let Some(at) = entries.len().checked_sub(self.0) else {
            // Fewer entries than proxies: the request did not come through all of them.
            return peer.ip();
        };
        entries
            .get(at)
            .and_then(|entry| entry.parse().ok())
            .unwrap_or_else(|| peer.ip())
    }
}

impl ClientRate {
    /// `per_second` sustained with bursts of `burst`; a zero rate turns the limit off.
    pub fn new(per_second: u32, burst: u32, proxies: TrustedProxies) -> Self {
        let buckets = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
            Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            ))
        });
        Self { buckets, proxies }
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
    let client = rate.proxies.client(request.headers(), peer);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_str(xff).expect("value"),
        );
        headers
    }

    #[test]
    fn the_client_is_taken_from_the_right_past_the_trusted_proxies() {
        let peer: SocketAddr = "10.0.0.2:4000".parse().expect("peer");
        let forged = headers("6.6.6.6, 203.0.113.7");
        assert_eq!(
            TrustedProxies(0).client(&forged, peer).to_string(),
            "10.0.0.2"
        );
        assert_eq!(
            TrustedProxies(1).client(&forged, peer).to_string(),
            "203.0.113.7"
        );
        assert_eq!(
            TrustedProxies(2).client(&forged, peer).to_string(),
            "6.6.6.6"
        );
        assert_eq!(
            TrustedProxies(3).client(&forged, peer).to_string(),
            "10.0.0.2",
            "fewer entries than proxies"
        );
        assert_eq!(
            TrustedProxies(1).client(&headers("junk"), peer).to_string(),
            "10.0.0.2"
        );
    }
}
