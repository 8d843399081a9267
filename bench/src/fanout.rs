//! Fan-out: many subscribers (WebSocket or Server-Sent Events) on one instance of the real
//! binary (a child process, so its memory can be read alone), events recorded at a steady rate,
//! every delivery timed. The subscribers may be spread over several client processes, each
//! timing its deliveries by the wall clock they share.

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
    /// Client processes the subscribers are spread over (1: this one).
    pub processes: usize,
}

/// The subscription every subscriber sends.
const SUBSCRIPTION: &str = "subscription { timelineEvents { cursor action { title } } }";

/// The event number in a delivered message, if it carries one of the benchmark's titles. Read
/// from the text, not a parsed tree: ten thousand sockets share the cores with the instance,
/// and the load generator's own parsing would be measured as the service's latency.
fn event_number(text: &str) -> Option<usize> {
    let (_, rest) = text.split_once("Fan-out event ")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..digits].parse().ok()
}

/// One subscriber over WebSocket (graphql-transport-ws): the deliveries it saw, with when.
async fn ws_subscriber(
    url: String,
    subscribed: tokio::sync::mpsc::Sender<()>,
    expected: usize,
    connections_only: bool,
    mut stop: watch::Receiver<bool>,
    handshakes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> anyhow::Result<Vec<(usize, u128)>> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    // Messages are small: tungstenite's 128 KiB read buffer per socket would only cost memory.
    let config =
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096);
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), false).await?;
    handshakes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await?;
    // The protocol forbids subscribing before the acknowledgement (the server closes with
    // 4401), so wait for it.
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
                json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } })
                    .to_string(),
            ))
            .await?;
    }
    let _ = subscribed.send(()).await;
    let mut received = Vec::with_capacity(expected);
    // Waited on across the loop: made anew for each message, every socket would register with
    // the one stop signal, under its lock, once a message.
    let stopped = stop.changed();
    let mut stopped = std::pin::pin!(stopped);
    loop {
        tokio::select! {
            message = socket.next() => {
                let Some(message) = message else { break };
                let text = match message? {
                    Message::Text(text) => text,
                    Message::Ping(_) | Message::Pong(_) => continue,
                    _ => break,
                };
                let now = wall_clock();
                if let Some(n) = event_number(&text) {
                    received.push((n, now));
                    if received.len() == expected {
                        break;
                    }
                } else if text.contains("\"type\":\"ping\"") {
                    socket.send(Message::text(json!({ "type": "pong" }).to_string())).await?;
                }
            }
            _ = &mut stopped => break,
        }
    }
    Ok(received)
}

/// One subscriber over Server-Sent Events: the deliveries it saw, with when.
async fn sse_subscriber(
    http: reqwest::Client,
    url: String,
    subscribed: tokio::sync::mpsc::Sender<()>,
    expected: usize,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Vec<(usize, u128)>> {
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
    // See `ws_subscriber`.
    let stopped = stop.changed();
    let mut stopped = std::pin::pin!(stopped);
    while received.len() < expected {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk?,
            _ = &mut stopped => break,
        };
        let Some(chunk) = chunk else { break };
        let now = wall_clock();
        pending.extend_from_slice(&chunk);
        // Events end with a blank line; a chunk may hold several or part of one.
        while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = pending.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            if text.lines().any(|l| l == "event: next")
                && let Some(n) = event_number(&text)
            {
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
type Subscriber = tokio::task::JoinHandle<anyhow::Result<Vec<(usize, u128)>>>;

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

/// Where and how a group of subscribers connects.
#[derive(Clone)]
pub struct Subscribing {
    /// The instance's base URL (`http://host:port`).
    pub base: String,
    /// How many subscribers.
    pub count: usize,
    /// How many events each waits for.
    pub events: usize,
    /// Over Server-Sent Events instead of WebSocket.
    pub sse: bool,
    /// Open and initialise sockets only.
    pub connections_only: bool,
}

/// Now, as nanoseconds since the epoch: deliveries are timed in other processes too.
fn wall_clock() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// `total` split into `parts` nearly equal shares.
fn split(total: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|i| total / parts + usize::from(i < total % parts))
        .filter(|&n| n > 0)
        .collect()
}

/// Opens and subscribes every subscriber, at most 64 handshakes at a time; returns once each
/// has its acknowledgement (or, over SSE, its stream).
async fn subscribe_all(
    plan: &Subscribing,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Vec<Subscriber>> {
    let (subscribed_tx, mut subscribed) = tokio::sync::mpsc::channel::<()>(plan.count.max(1));
    let ws_url = format!("{}/graphql/ws", plan.base.replacen("http", "ws", 1));
    let sse_url = format!("{}/graphql/stream", plan.base);
    // Each stream holds its connection for the whole run, so the pool opens one per subscriber.
    let streams = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let mut tasks = Vec::with_capacity(plan.count);
    // Counts finished WebSocket handshakes, to tell a stuck handshake from a missing ack.
    let handshakes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..plan.count {
        if tasks.len() >= 64 {
            acked(&mut subscribed, &mut tasks)
                .await
                .with_context(|| format!("{handshakes:?} handshakes of {} sockets", tasks.len()))?;
        }
        if plan.sse {
            tasks.push(tokio::spawn(sse_subscriber(
                streams.clone(),
                sse_url.clone(),
                subscribed_tx.clone(),
                plan.events,
                stop.clone(),
            )));
        } else {
            tasks.push(tokio::spawn(ws_subscriber(
                ws_url.clone(),
                subscribed_tx.clone(),
                plan.events,
                plan.connections_only,
                stop.clone(),
                handshakes.clone(),
            )));
        }
    }
    drop(subscribed_tx);
    for _ in 0..tasks.len().min(64) {
        acked(&mut subscribed, &mut tasks)
            .await
            .with_context(|| format!("{handshakes:?} handshakes of {} sockets", tasks.len()))?;
    }
    Ok(tasks)
}

/// Every delivery the subscribers saw, and how many of them failed.
async fn collect(tasks: Vec<Subscriber>) -> (Vec<(usize, u128)>, usize) {
    let mut deliveries = Vec::new();
    let mut failed = 0;
    for task in tasks {
        match task.await {
            Ok(Ok(received)) => deliveries.extend(received),
            _ => failed += 1,
        }
    }
    (deliveries, failed)
}

/// A client process holding a share of the subscribers (`standoff-bench fanout-clients`).
struct Helper {
    process: tokio::process::Child,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl Helper {
    /// Starts one with its share.
    fn start(plan: &Subscribing) -> anyhow::Result<Self> {
        let mut command = tokio::process::Command::new(std::env::current_exe()?);
        command
            .args(["fanout-clients", "--base", &plan.base])
            .args(["--subscribers", &plan.count.to_string()])
            .args(["--events", &plan.events.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if plan.sse {
            command.arg("--sse");
        }
        if plan.connections_only {
            command.arg("--connections-only");
        }
        let mut process = command.spawn()?;
        let stdout = process.stdout.take().context("the helper's output")?;
        use tokio::io::AsyncBufReadExt;
        Ok(Self {
            process,
            lines: tokio::io::BufReader::new(stdout).lines(),
        })
    }

    /// Waits until every one of its subscribers is subscribed.
    async fn subscribed(&mut self) -> anyhow::Result<()> {
        match self.lines.next_line().await? {
            Some(line) if line == "subscribed" => Ok(()),
            other => bail!("a client process failed to subscribe: {other:?}"),
        }
    }

    /// Stops it (closing its input) once it has what it waits for or 30 s have passed, and
    /// reads its deliveries and failures.
    async fn finish(mut self) -> anyhow::Result<(Vec<(usize, u128)>, usize)> {
        let stdin = self.process.stdin.take();
        let closer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(stdin);
        });
        let mut deliveries = Vec::new();
        let mut failed = 0;
        while let Some(line) = self.lines.next_line().await? {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("failed"), Some(n)) => failed = n.parse()?,
                (Some(n), Some(at)) => deliveries.push((n.parse()?, at.parse()?)),
                _ => {}
            }
        }
        closer.abort();
        let _ = self.process.wait().await;
        Ok((deliveries, failed))
    }
}

/// The client side alone, run by a helper process: subscribes, says `subscribed`, then prints
/// `failed <n>` and one `<event> <nanoseconds>` line per delivery once done (or once its
/// input closes).
pub async fn clients(plan: &Subscribing) -> anyhow::Result<()> {
    let (stop_tx, stop) = watch::channel(false);
    let tasks = subscribe_all(plan, stop).await?;
    println!("subscribed");
    // Blocking: a thread waiting for the input to close costs nothing while it waits.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = stop_tx.send(true);
    });
    let (deliveries, failed) = collect(tasks).await;
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "failed {failed}")?;
    for (n, at) in deliveries {
        writeln!(out, "{n} {at}")?;
    }
    out.flush()?;
    Ok(())
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

    // Subscribe everyone: in this process, or spread over several (each process may hold
    // at most 20,000 descriptors on these machines, so 19,000 sockets need two or more).
    let subscribing = Subscribing {
        base: base.clone(),
        count: plan.subscribers,
        events: plan.events,
        sse: plan.sse,
        connections_only: plan.connections_only,
    };
    let started = Instant::now();
    let (stop_tx, stop) = watch::channel(false);
    let mut local = Vec::new();
    let mut helpers = Vec::new();
    if plan.processes <= 1 {
        local = subscribe_all(&subscribing, stop).await?;
    } else {
        for share in split(plan.subscribers, plan.processes) {
            helpers.push(Helper::start(&Subscribing {
                count: share,
                ..subscribing.clone()
            })?);
        }
        for helper in &mut helpers {
            helper.subscribed().await?;
        }
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
    let mut acknowledged = Vec::with_capacity(plan.events);
    let every = Duration::from_secs_f64(1.0 / plan.rate);
    let mut tick = tokio::time::interval(every);
    for n in 0..plan.events {
        tick.tick().await;
        let at = wall_clock();
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
        acknowledged.push(wall_clock());
    }
    // Wait for deliveries to finish (30 s at most), then stop whoever is still waiting.
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        let _ = stop_tx.send(true);
    });
    let (mut deliveries, mut failed) = collect(local).await;
    for helper in helpers {
        let (theirs, their_failed) = helper.finish().await?;
        deliveries.extend(theirs);
        failed += their_failed;
    }
    stopper.abort();
    let since = |from: u128, to: u128| {
        Duration::from_nanos(u64::try_from(to.saturating_sub(from)).unwrap_or(u64::MAX))
    };
    let mut latencies = Vec::with_capacity(deliveries.len());
    let mut after_ack = Vec::with_capacity(deliveries.len());
    let mut delivered = 0usize;
    for (n, at) in deliveries {
        if let (Some(sent_at), Some(acked_at)) = (sent.get(n), acknowledged.get(n)) {
            delivered += 1;
            latencies.push(since(*sent_at, at));
            after_ack.push(since(*acked_at, at));
        }
    }
    latencies.sort_unstable();
    after_ack.sort_unstable();
    let mut writes: Vec<Duration> = sent
        .iter()
        .zip(&acknowledged)
        .map(|(from, to)| since(*from, *to))
        .collect();
    writes.sort_unstable();
    let expected = plan.subscribers * plan.events;
    println!(
        "## fan-out over {}: {} subscribers, {} events at {}/s",
        if plan.sse { "SSE" } else { "WebSocket" },
        plan.subscribers,
        plan.events,
        plan.rate
    );
    println!(
        "subscribed in {:.1} s from {} client process(es); {failed} subscribers failed",
        connect_time.as_secs_f64(),
        plan.processes.max(1)
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
        "of which the write itself (request to acknowledgement): p50 {:.1} ms, p99 {:.1} ms; from the acknowledgement to the client: p50 {:.1} ms, p99 {:.1} ms",
        ms(quantile(&writes, 0.5)),
        ms(quantile(&writes, 0.99)),
        ms(quantile(&after_ack, 0.5)),
        ms(quantile(&after_ack, 0.99))
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
