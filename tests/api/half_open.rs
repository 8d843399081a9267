//! Clients that open connections and send part of a head, then stop: thousands of them leave
//! room for readers, and a full descriptor table is waited out, not spun on. Each test drives
//! a real `standoff serve` process.

use crate::helpers::fresh_database;
use crate::process::Instance;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The start of a request head that never ends.
const PART: &[u8] = b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: standoff\r\nAccept: ";

/// Opens `n` connections to `instance`, a few hundred at a time, each sending part of a head;
/// the connections that could be opened are returned, still open.
async fn half_open(instance: &Instance, n: usize) -> Vec<TcpStream> {
    let mut open = Vec::with_capacity(n);
    let mut left = n;
    while left > 0 {
        let batch = left.min(500);
        left -= batch;
        let connecting = (0..batch).map(|_| async {
            let mut socket = TcpStream::connect(instance.addr).await.ok()?;
            socket.write_all(PART).await.ok()?;
            Some(socket)
        });
        open.extend(
            futures_util::future::join_all(connecting)
                .await
                .into_iter()
                .flatten(),
        );
    }
    open
}

async fn timeline_count(instance: &Instance) -> Option<i64> {
    let answer = reqwest::Client::new()
        .post(format!("http://{}/graphql", instance.addr))
        .json(&serde_json::json!({ "query": "{ timeline(first: 5) { totalCount nodes { id } } }" }))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?
        .json::<serde_json::Value>()
        .await
        .ok()?;
    answer["data"]["timeline"]["totalCount"].as_i64()
}

#[tokio::test]
async fn fifteen_thousand_half_open_connections_leave_room_for_a_reader() {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits
                .lines()
                .find(|l| l.starts_with("Max open files"))?
                .to_owned();
            line.split_whitespace().nth(3)?.parse::<u64>().ok()
        })
        .unwrap_or(0);
    assert!(
        limit > 15_500,
        "this test holds 15,000 sockets on each side: raise `ulimit -n` (now {limit}) to 16384 or more"
    );
    let db = fresh_database().await;
    // They stay until the test is done: the slow-client timeout is longer than the test.
    let instance =
        Instance::start_with(&db.url, &[("STANDOFF_SLOW_CLIENT_TIMEOUT_SECS", "120")]).await;
    let held = half_open(&instance, 15_000).await;
    assert_eq!(held.len(), 15_000, "every connection opened");

    let asked = Instant::now();
    let count = timeline_count(&instance).await;
    let took = asked.elapsed();
    assert!(
        count.is_some_and(|n| n > 0),
        "the timeline answered: {count:?}"
    );
    assert!(
        took < Duration::from_secs(2),
        "the timeline took {took:?} beside 15,000 half-open connections"
    );
    assert_eq!(instance.status("/healthz").await, 200);
    drop(held);
}

#[tokio::test]
async fn a_full_descriptor_table_is_waited_out_without_spinning() {
    let db = fresh_database().await;
    // Room for the server's own files and a few dozen connections; half-open ones are cut off
    // after a second.
    let instance = Instance::start_with_descriptors(
        &db.url,
        &[("STANDOFF_SLOW_CLIENT_TIMEOUT_SECS", "1")],
        96,
    )
    .await;
    let held = half_open(&instance, 300).await;
    // With the table full, connections wait in the listen queue and each accept fails: the
    // instance must back off, not retry at once (which would burn a core).
    let before = instance.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let used = instance.cpu_ticks() - before;
    assert!(
        used < 60,
        "the instance used {used} ticks (1/100 s) of CPU in 3 s with its descriptor table full"
    );
    drop(held);
    // Once the half-open clients are gone (or timed out), readers are served again.
    let mut answered = None;
    for _ in 0..40 {
        answered = timeline_count(&instance).await;
        if answered.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        answered.is_some_and(|n| n > 0),
        "served again: {answered:?}"
    );
    assert_eq!(instance.status("/healthz").await, 200);
}
