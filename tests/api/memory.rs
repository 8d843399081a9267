//! Resident memory stays within the caches' documented bounds however many distinct large
//! requests arrive: the parsed documents, the persisted query texts and the shared answers
//! (README, "Memory"). Each test drives a real `standoff serve` process and reads its resident
//! set from `/proc`, as an operator watching the instance would.

use crate::helpers::fresh_database;
use crate::process::Instance;
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const MIB: u64 = 1024 * 1024;
/// What README documents the caches may hold together with the default settings: 256 KiB of
/// parsed documents' texts, 16 MiB of persisted texts, 64 MiB of answers.
const DOCUMENTED: u64 = MIB / 4 + 16 * MIB + 64 * MIB;
/// The slack the issue allows above the documented bound: buffers in flight, the allocator.
const SLACK: u64 = 64 * MIB;
/// Distinct requests each test sends.
const REQUESTS: usize = 800;
/// Requests in flight at once.
const IN_FLIGHT: usize = 4;

/// An instance that lets one client send as fast as it likes.
async fn unthrottled() -> (crate::helpers::FreshDatabase, Instance) {
    let db = fresh_database().await;
    let instance = Instance::start_with(
        &db.url,
        &[
            ("STANDOFF_RATE_LIMIT_PER_SECOND", "100000"),
            ("STANDOFF_RATE_LIMIT_BURST", "100000"),
        ],
    )
    .await;
    (db, instance)
}

/// A query of about 0.9 MB that no other request repeats: `{ __typename }` and a long comment.
fn padded(i: usize) -> String {
    format!("{{ __typename }} # {i} {}", "x".repeat(900 * 1024))
}

/// Sends `bodies` to `/graphql`, a few at a time, checking each answer with `check`, and
/// returns the most resident memory seen along the way.
async fn send_all(
    instance: &Instance,
    bodies: impl Iterator<Item = Value>,
    check: impl Fn(&Value) + Copy,
) -> u64 {
    let client = reqwest::Client::new();
    let url = format!("http://{}/graphql", instance.addr);
    let mut most = instance.resident_bytes();
    let mut answers = futures_util::stream::iter(bodies)
        .map(|body| {
            let request = client.post(&url).json(&body).send();
            async move {
                let response = request.await.expect("sent");
                assert_eq!(response.status(), 200);
                response.json::<Value>().await.expect("json")
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .enumerate();
    while let Some((n, answer)) = answers.next().await {
        check(&answer);
        if n % 50 == 0 {
            most = most.max(instance.resident_bytes());
        }
    }
    most.max(instance.resident_bytes())
}

fn assert_bounded(what: &str, before: u64, most: u64) {
    let grown = most.saturating_sub(before);
    // The figure BENCHMARKS.md reports (`cargo test --test api memory -- --nocapture`).
    eprintln!(
        "{what}: {} MiB before, {} MiB at most, grown {} MiB (bound {} MiB)",
        before / MIB,
        most / MIB,
        grown / MIB,
        (DOCUMENTED + SLACK) / MIB
    );
    assert!(
        grown <= DOCUMENTED + SLACK,
        "{what}: resident memory grew by {} MiB (from {} MiB), more than the documented {} MiB \
         plus {} MiB",
        grown / MIB,
        before / MIB,
        DOCUMENTED / MIB,
        SLACK / MIB
    );
}

#[tokio::test]
async fn distinct_long_query_texts_keep_memory_within_the_bound() {
    let (_db, instance) = unthrottled().await;
    let before = send_all(
        &instance,
        (0..2).map(|i| json!({ "query": padded(i) })),
        |_| {},
    )
    .await;
    let most = send_all(
        &instance,
        (0..REQUESTS).map(|i| json!({ "query": padded(i + 2) })),
        |answer| assert_eq!(answer["data"]["__typename"], "Query", "{answer}"),
    )
    .await;
    assert_bounded("800 distinct 0.9 MB queries", before, most);
}

#[tokio::test]
async fn distinct_long_persisted_queries_keep_memory_within_the_bound() {
    let (_db, instance) = unthrottled().await;
    let persisted = |text: &str| {
        let hash: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
    };
    let registered = |i: usize| {
        let text = padded(i);
        json!({ "extensions": persisted(&text), "query": text })
    };
    let before = send_all(&instance, (0..2).map(registered), |_| {}).await;
    let most = send_all(&instance, (2..REQUESTS + 2).map(registered), |answer| {
        assert_eq!(answer["data"]["__typename"], "Query", "{answer}")
    })
    .await;
    assert_bounded("800 distinct 0.9 MB persisted queries", before, most);
    // The newest texts are still remembered: the bound costs old ones, not the feature.
    let last = padded(REQUESTS + 1);
    let by_hash = reqwest::Client::new()
        .post(format!("http://{}/graphql", instance.addr))
        .json(&json!({ "extensions": persisted(&last) }))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(by_hash["data"]["__typename"], "Query", "{by_hash}");
}

#[tokio::test]
async fn answers_for_many_distinct_variables_keep_memory_within_the_bound() {
    let db = fresh_database().await;
    // Enough actions that each answer is a page of a hundred, so the answers kept would
    // outgrow the cache's 64 MiB several times over without its bound.
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_standoff"))
        .args(["seed", "--synthetic", "2000", "--random-seed", "7"])
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("seed runs");
    assert!(seeded.status.success(), "{seeded:?}");
    let instance = Instance::start_with(
        &db.url,
        &[
            ("STANDOFF_RATE_LIMIT_PER_SECOND", "100000"),
            ("STANDOFF_RATE_LIMIT_BURST", "100000"),
        ],
    )
    .await;
    let page_of = |alias: &str, order: &str| {
        format!(
            "{alias}: timeline(first: $n, order: {order}) {{ nodes {{ id title summary quote \
             dateText place actor {{ name title }} citations {{ excerpt source {{ title url }} }} }} }}"
        )
    };
    let query = format!(
        "query Page($n: Int) {{ {} {} }}",
        page_of("newest", "DESC"),
        page_of("oldest", "ASC")
    );
    // Each request names its own variables, so each answer is kept under a key of its own; a
    // long variable the query ignores makes every key distinct and every request heavy.
    let page = |i: usize| {
        json!({
            "query": query,
            "variables": { "n": 100, "ignored": format!("{i} {}", "y".repeat(200_000)) }
        })
    };
    let full_page = |answer: &Value| {
        assert_eq!(
            answer["data"]["newest"]["nodes"].as_array().map(Vec::len),
            Some(100),
            "{answer}"
        );
    };
    let before = send_all(&instance, (0..2).map(page), full_page).await;
    let one = reqwest::Client::new()
        .post(format!("http://{}/graphql", instance.addr))
        .json(&page(2))
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("an answer")
        .len() as u64;
    let requests = REQUESTS * 2;
    assert!(
        one * requests as u64 > 2 * 64 * MIB,
        "the answers ({one} bytes each) must outgrow the cache to test its bound"
    );
    let most = send_all(&instance, (3..requests + 3).map(page), full_page).await;
    assert_bounded("1,600 distinct pages of 100 actions", before, most);
}
