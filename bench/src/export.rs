//! Streamed exports: the whole archive as CSV or NDJSON from one instance of the real binary
//! (a child process, so its resident memory is read alone while the rows stream).

use crate::fanout::{Child, free_port, rss, wait_ready};
use anyhow::{Context, ensure};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The goal: the instance's resident memory grows by less than this while a whole archive
/// streams out.
const GROWTH_GOAL: u64 = 50 * 1024 * 1024;

/// Streams `/export/actions.{format}` of the archive at `url` to nowhere, sampling the
/// instance's memory, and prints rows, time and memory beside the goal.
pub async fn run(binary: &PathBuf, url: &str, format: &str) -> anyhow::Result<()> {
    ensure!(
        binary.exists(),
        "{} is missing: build it first (cargo build --release)",
        binary.display()
    );
    ensure!(
        format == "csv" || format == "ndjson",
        "format is csv or ndjson"
    );
    let port = free_port()?;
    let process = tokio::process::Command::new(binary)
        .args(["serve", "--no-seed"])
        .env("DATABASE_URL", url)
        .env("STANDOFF_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let child = Child {
        process,
        _dir: None,
    };
    let pid = child.process.id().context("no pid")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_ready(&http, &base, Duration::from_secs(120)).await?;
    // Warm the instance with a small export first, so the baseline holds its caches and pool.
    http.get(format!("{base}/export/actions.{format}?limit=600"))
        .send()
        .await?
        .bytes()
        .await?;
    let baseline = rss(pid)?;
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok(now) = rss(pid) {
                    peak.fetch_max(now, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let began = Instant::now();
    let response = http
        .get(format!("{base}/export/actions.{format}"))
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "export: {}",
        response.status()
    );
    let (mut bytes, mut lines) = (0u64, 0u64);
    let mut response = response;
    while let Some(chunk) = response.chunk().await? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let seconds = began.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    let rows = if format == "csv" { lines - 1 } else { lines };
    let growth = peak.load(Ordering::Relaxed).saturating_sub(baseline);
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "{format}: {rows} rows, {:.1} MiB in {seconds:.1} s ({:.0} rows/s); resident {:.1} MiB before, {:.1} MiB at most while streaming: grew {:.1} MiB (goal under {:.0} MiB: {})",
        mib(bytes),
        rows as f64 / seconds,
        mib(baseline),
        mib(peak.load(Ordering::Relaxed)),
        mib(growth),
        mib(GROWTH_GOAL),
        if growth < GROWTH_GOAL {
            "met"
        } else {
            "MISSED"
        }
    );
    drop(child);
    ensure!(growth < GROWTH_GOAL, "memory grew past the goal");
    Ok(())
}
