//! Fan-out: many WebSocket subscribers on one instance of the real binary (a child process, so
//! its memory can be read alone), events recorded at a steady rate, every delivery timed.

use crate::load::{ms, quantile};
use anyhow::{Context, bail, ensure};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// How the fan-out benchmark runs.
pub struct FanoutPlan {
    /// The `standoff` binary to run.
    pub binary: PathBuf,
    /// Database URL for the instance (a fresh SQLite file when absent).
    pub url: Option<String>,
    /// How many subscribers.
    pub subscribers: usize,
    /// How many events to record.
    pub events: usize,
    /// Events per second.
    pub rate: f64,
    /// Only open and initialise the sockets, subscribing to nothing: the memory of a bare
    /// connection, to tell it from a subscription's.
    pub connections_only: bool,
    /// Subscribe over Server-Sent Events (`/graphql/stream`) instead of WebSocket.
    pub sse: bool,
}

/// The subscription every subscriber sends.
const SUBSCRIPTION: &str = "subscription { timelineEvents { cursor action { title } } }";

/// The event number in a delivered `next` payload, if it is one of the benchmark's.
fn event_number(payload: &Value) -> Option<usize> {
    payload["data"]["timelineEvents"]["action"]["title"]
        .as_str()?
        .strip_prefix("Fan-out event ")?
        .parse()
        .ok()
}

/// One subscriber over Server-Sent Events: the deliveries it saw, with when.
async fn sse_subscriber(
    http: reqwest::Client,
    url: String,
    subscribed: tokio::sync::mpsc::Sender<()>,
    expected: usize,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Vec<(usize, Instant)>> {
    let mut response = http
        .post(url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": SUBSCRIPTION }))
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "the stream was refused: {}",
        response.status()
    );
    let _ = subscribed.send(()).await;
    let mut received = Vec::with_capacity(expected);
    let mut pending: Vec<u8> = Vec::new();
    while received.len() < expected {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk?,
            _ = stop.changed() => break,
        };
        let Some(chunk) = chunk else { break };
        let now = Instant::now();
        pending.extend_from_slice(&chunk);
        // Events end with a blank line; a chunk may hold several or part of one.
        while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = pending.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let Some(data) = text.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            if !text.lines().any(|l| l == "event: next") {
                continue;
            }
            let payload: Value = serde_json::from_str(data)?;
            if let Some(n) = event_number(&payload) {
                received.push((n, now));
            }
        }
    }
    Ok(received)
}

/// The instance under test, stopped when dropped.
pub(crate) struct Child {
    pub(crate) process: tokio::process::Child,
    pub(crate) _dir: Option<tempdir::Dir>,
}

pub(crate) mod tempdir {
    /// A directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.start_kill();
    }
}

/// A subscriber's task: the deliveries it saw, with when.
type Subscriber = tokio::task::JoinHandle<anyhow::Result<Vec<(usize, Instant)>>>;

/// Waits for one more subscriber's acknowledgement; fails (rather than waiting for ever) when a
/// subscriber's task ended without one, or when none comes within ten seconds.
async fn acked(
    subscribed: &mut tokio::sync::mpsc::Receiver<()>,
    tasks: &mut [Subscriber],
) -> anyhow::Result<()> {
    match tokio::time::timeout(Duration::from_secs(10), subscribed.recv()).await {
        Ok(Some(())) => Ok(()),
        _ => {
            for task in tasks.iter_mut().filter(|t| t.is_finished()) {
                if let Ok(Err(err)) = task.await {
                    bail!("a subscriber failed before its acknowledgement: {err:#}");
                }
            }
            bail!("no acknowledgement within 10 s")
        }
    }
}

/// Resident memory of a process, in bytes.
pub(crate) fn rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS")?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .context("VmRSS value")?
        .parse()?;
    Ok(kib * 1024)
}

/// Waits until the instance at `base` says it is ready, for at most `limit`.
pub(crate) async fn wait_ready(
    http: &reqwest::Client,
    base: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if started.elapsed() > limit {
            bail!("the instance did not become ready");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A port nothing listens on now.
pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Runs the benchmark and prints its figures; fails if an event went missing.
pub async fn run(plan: &FanoutPlan) -> anyhow::Result<()> {
    ensure!(
        plan.binary.exists(),
        "{} is missing: build it first (cargo build --release)",
        plan.binary.display()
    );
    let port = free_port()?;
    let (url, dir) = match &plan.url {
        Some(url) => (url.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("standoff-fanout-{port}"));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}?mode=rwc", dir.join("fanout.db").display());
            (url, Some(tempdir::Dir(dir)))
        }
    };
    let envs = [
        ("DATABASE_URL", url.clone()),
        ("STANDOFF_BIND", format!("127.0.0.1:{port}")),
        ("STANDOFF_RATE_LIMIT_PER_SECOND", "0".into()),
        ("STANDOFF_MAX_SOCKETS_PER_CLIENT", "1000000".into()),
        ("RUST_LOG", "warn,sqlx=warn".into()),
    ];
    let token = {
        // The CLI makes tokens only in a database that exists.
        let migrated = tokio::process::Command::new(&plan.binary)
            .arg("migrate")
            .envs(envs.iter().cloned())
            .output()
            .await?;
        ensure!(
            migrated.status.success(),
            "migrate failed: {}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        let out = tokio::process::Command::new(&plan.binary)
            .args(["token", "create", "--name", &format!("fanout-{port}")])
            .envs(envs.iter().cloned())
            .output()
            .await?;
        ensure!(
            out.status.success(),
            "token create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)?.trim().to_owned()
    };
    let process = tokio::process::Command::new(&plan.binary)
        .arg("serve")
        .envs(envs.iter().cloned())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let child = Child { process, _dir: dir };
    let pid = child.process.id().context("no pid")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    wait_ready(&http, &base, Duration::from_secs(60)).await?;
    // Something to cite and someone to act.
    let setup: Value = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ timeline(first: 1) { nodes { actor { slug } citations { source { id } } } } }" }))
        .send()
        .await?
        .json()
        .await?;
    let node = &setup["data"]["timeline"]["nodes"][0];
    let slug = node["actor"]["slug"]
        .as_str()
        .context("an actor")?
        .to_owned();
    let source = node["citations"][0]["source"]["id"]
        .as_str()
        .context("a source")?
        .to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_before = rss(pid)?;

    // Subscribe everyone, a few hundred connections at a time.
    let (stop_tx, stop) = watch::channel(false);
    let (subscribed_tx, mut subscribed) = tokio::sync::mpsc::channel::<()>(plan.subscribers.max(1));
    let ws_url = format!("ws://127.0.0.1:{port}/graphql/ws");
    let sse_url = format!("{base}/graphql/stream");
    // Each stream holds its connection for the whole run, so the pool opens one per subscriber.
    let streams = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let mut tasks = Vec::with_capacity(plan.subscribers);
    // Counts finished WebSocket handshakes, to tell a stuck handshake from a missing ack.
    let handshakes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    for _ in 0..plan.subscribers {
        // At most 64 handshakes in flight.
        if tasks.len() >= 64 {
            acked(&mut subscribed, &mut tasks)
                .await
                .with_context(|| format!("{handshakes:?} handshakes of {} sockets", tasks.len()))?;
        }
        let url = ws_url.clone();
        let mut stop = stop.clone();
        let subscribed_tx = subscribed_tx.clone();
        let expected = plan.events;
        let connections_only = plan.connections_only;
        let handshakes = handshakes.clone();
        if plan.sse {
            tasks.push(tokio::spawn(sse_subscriber(
                streams.clone(),
                sse_url.clone(),
                subscribed_tx,
                expected,
                stop,
            )));
            continue;
        }
        tasks.push(tokio::spawn(async move {
            let mut request = url.into_client_request()?;
            request
                .headers_mut()
                .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
            handshakes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            socket
                .send(Message::text(json!({ "type": "connection_init" }).to_string()))
                .await?;
            // The protocol forbids subscribing before the acknowledgement (the server closes
            // with 4401), so wait for it.
            loop {
                match socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let value: Value = serde_json::from_str(&text)?;
                        if value["type"] == "connection_ack" {
                            break;
                        }
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    other => bail!("the socket closed before its acknowledgement: {other:?}"),
                }
            }
            if !connections_only {
                socket
                    .send(Message::text(
                        json!({ "id": "1", "type": "subscribe", "payload": {
                            "query": SUBSCRIPTION
                        }})
                        .to_string(),
                    ))
                    .await?;
            }
            let _ = subscribed_tx.send(()).await;
            let mut received: Vec<(usize, Instant)> = Vec::with_capacity(expected);
            loop {
                tokio::select! {
                    message = socket.next() => {
                        let Some(message) = message else { break };
                        let text = match message? {
                            Message::Text(text) => text,
                            Message::Ping(_) | Message::Pong(_) => continue,
                            _ => break,
                        };
                        let now = Instant::now();
                        let value: Value = serde_json::from_str(&text)?;
                        match value["type"].as_str() {
                            Some("next") => {
                                if let Some(n) = event_number(&value["payload"]) {
                                    received.push((n, now));
                                }
                                if received.len() == expected {
                                    break;
                                }
                            }
                            Some("ping") => {
                                socket.send(Message::text(json!({ "type": "pong" }).to_string())).await?;
                            }
                            _ => {}
                        }
                    }
                    _ = stop.changed() => break,
                }
            }
            anyhow::Ok(received)
        }));
    }
    drop(subscribed_tx);
    for _ in 0..tasks.len().min(64) {
        acked(&mut subscribed, &mut tasks)
            .await
            .with_context(|| format!("{handshakes:?} handshakes of {} sockets", tasks.len()))?;
    }
    let connect_time = started.elapsed();
    // The subscription starts right after the ack; give the last ones a moment to settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_after = rss(pid)?;
    let per_subscription =
        (idle_after.saturating_sub(idle_before)) as f64 / plan.subscribers.max(1) as f64;

    if plan.connections_only {
        println!(
            "## {} idle connections: {:.1} MiB before, {:.1} MiB after: {:.1} KiB per connection",
            plan.subscribers,
            idle_before as f64 / 1048576.0,
            idle_after as f64 / 1048576.0,
            per_subscription / 1024.0
        );
        return Ok(());
    }
    // Record events at the steady rate, remembering when each was sent.
    let mut sent = Vec::with_capacity(plan.events);
    let every = Duration::from_secs_f64(1.0 / plan.rate);
    let mut tick = tokio::time::interval(every);
    for n in 0..plan.events {
        tick.tick().await;
        let at = Instant::now();
        let body: Value = http
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&json!({
                "query": "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }",
                "variables": { "input": {
                    "actor": slug, "kind": "STATEMENT", "occurredAt": "2026-01-15T12:00:00Z",
                    "title": format!("Fan-out event {n}"),
                    "citations": [{ "sourceId": source }],
                }},
            }))
            .send()
            .await?
            .json()
            .await?;
        ensure!(body.get("errors").is_none(), "recording failed: {body}");
        sent.push(at);
    }
    // Wait for deliveries to finish, then stop whoever is still waiting.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut latencies = Vec::with_capacity(plan.subscribers * plan.events);
    let mut delivered = 0usize;
    let mut failed = 0usize;
    let mut waiting = tasks.into_iter();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep_until(deadline.into()).await;
        let _ = stop_tx.send(true);
    });
    for task in waiting.by_ref() {
        match task.await {
            Ok(Ok(received)) => {
                for (n, at) in received {
                    if let Some(sent_at) = sent.get(n) {
                        delivered += 1;
                        latencies.push(at.saturating_duration_since(*sent_at));
                    }
                }
            }
            _ => failed += 1,
        }
    }
    stopper.abort();
    latencies.sort_unstable();
    let expected = plan.subscribers * plan.events;
    println!(
        "## fan-out over {}: {} subscribers, {} events at {}/s",
        if plan.sse { "SSE" } else { "WebSocket" },
        plan.subscribers,
        plan.events,
        plan.rate
    );
    println!(
        "subscribed in {:.1} s; {failed} subscribers failed",
        connect_time.as_secs_f64()
    );
    println!(
        "delivered / expected: {delivered} / {expected} = {:.3}",
        delivered as f64 / expected.max(1) as f64
    );
    println!(
        "send-to-client latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal p99 at most 100 ms at 10,000 subscribers, 250 ms at 19,000)",
        ms(quantile(&latencies, 0.5)),
        ms(quantile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    println!(
        "resident memory: {:.1} MiB idle, {:.1} MiB with subscribers: {:.1} KiB per idle subscription (goal at most 8 KiB)",
        idle_before as f64 / 1048576.0,
        idle_after as f64 / 1048576.0,
        per_subscription / 1024.0
    );
    drop(child);
    ensure!(failed == 0, "{failed} subscribers failed");
    ensure!(
        delivered == expected,
        "{} deliveries missing",
        expected - delivered
    );
    Ok(())
}
