//! Closed-loop load: N clients each send a request, wait for the whole answer, and send the
//! next, for a fixed time; the run reports throughput and latency percentiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one load run measured.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Requests answered with 200 and a body without errors.
    pub ok: u64,
    /// Requests that failed in any way.
    pub failed: u64,
    /// Answered requests per second.
    pub per_second: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>8.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} ok, {} failed)",
            self.per_second,
            ms(self.p50),
            ms(self.p99),
            self.ok,
            self.failed
        )
    }
}

/// A duration in milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The value at quantile `q` of sorted samples.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Builds the request each client sends.
pub type MakeRequest = Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `clients` closed loops for `duration` after a short warm-up.
pub async fn run(
    client: &reqwest::Client,
    clients: usize,
    duration: Duration,
    make: MakeRequest,
) -> Stats {
    let warm_up = Instant::now() + duration.mul_f64(0.2).min(Duration::from_secs(1));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let make = make.clone();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < warm_up {
                let _ = send(&client, &make).await;
            }
            let started = Instant::now();
            let deadline = started + duration;
            let mut samples = Vec::new();
            let mut failed = 0u64;
            while Instant::now() < deadline {
                let sent = Instant::now();
                if send(&client, &make).await {
                    samples.push(sent.elapsed());
                } else {
                    failed += 1;
                }
            }
            (samples, failed, started.elapsed())
        }));
    }
    let mut all = Vec::new();
    let mut failed = 0;
    let mut longest = Duration::ZERO;
    for task in tasks {
        if let Ok((samples, f, took)) = task.await {
            all.extend(samples);
            failed += f;
            longest = longest.max(took);
        }
    }
    all.sort_unstable();
    Stats {
        ok: all.len() as u64,
        failed,
        per_second: all.len() as f64 / longest.as_secs_f64().max(1e-9),
        p50: quantile(&all, 0.5),
        p99: quantile(&all, 0.99),
    }
}

/// Whether a failure has been shown yet: the first one is printed, to say why.
static SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn show_first(what: &str) {
    if !SHOWN.swap(true, std::sync::atomic::Ordering::Relaxed) {
        eprintln!("first failed request: {what:.500}");
    }
}

/// Sends one request; true when it came back 200 with a body free of GraphQL errors.
async fn send(client: &reqwest::Client, make: &MakeRequest) -> bool {
    let response = match make(client).send().await {
        Ok(response) => response,
        Err(err) => {
            show_first(&err.to_string());
            return false;
        }
    };
    let status = response.status();
    match response.bytes().await {
        // A cheap scan for an "errors" entry keeps the client light.
        // A 304 is an answer too: the client already holds it.
        Ok(body)
            if (status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED)
                && !body.windows(9).any(|w| w == b"\"errors\":") =>
        {
            true
        }
        Ok(body) => {
            show_first(&format!("{status}: {}", String::from_utf8_lossy(&body)));
            false
        }
        Err(err) => {
            show_first(&err.to_string());
            false
        }
    }
}
