//! Backups while the service writes, restores into a fresh database, and `standoff check`,
//! through the real binary on whichever backend the suite runs.

use crate::helpers::{fresh_database, spawn_app};
use serde_json::json;
use std::collections::HashSet;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn standoff(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_standoff"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("standoff runs")
}

async fn standoff_async(db_url: String, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        standoff(&db_url, &args)
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_sixteen_writers_restores_every_acknowledged_write() {
    let app = Arc::new(spawn_app().await);
    let editor = app.editor("backup-writers").await;
    let source = app.source_id().await;
    let acknowledged: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let (app, editor, source) = (app.clone(), editor.clone(), source.clone());
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let title = format!("Backup writer {w} action {n}");
                    let body = app
                        .post_with(
                            Some(&editor),
                            "mutation($title: String!, $source: ID!) { recordAction(input: {
                                actor: \"jb-pritzker\", kind: STATEMENT,
                                occurredAt: \"2025-09-01T12:00:00Z\", title: $title,
                                citations: [{ sourceId: $source }] }) { id } }",
                            json!({ "title": title, "source": source }),
                        )
                        .await;
                    if body.get("errors").is_none() {
                        acknowledged
                            .lock()
                            .expect("lock")
                            .push((title, Instant::now()));
                    }
                    n += 1;
                }
            })
        })
        .collect();
    // Writes are under way (however busy the machine) before the backup starts.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().expect("lock").len() <= 16 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("standoff.backup");
    let file_arg = file.to_str().expect("path").to_owned();
    let backup_started = Instant::now();
    let output = standoff_async(app.url.clone(), vec!["backup".into(), file_arg.clone()]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    let before_backup: HashSet<String> = acknowledged
        .lock()
        .expect("lock")
        .iter()
        .filter(|(_, at)| *at < backup_started)
        .map(|(title, _)| title.clone())
        .collect();
    assert!(
        before_backup.len() > 16,
        "{} writes before the backup",
        before_backup.len()
    );

    let target = fresh_database().await;
    let output = standoff(&target.url, &["restore", &file_arg]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (restored, _) = standoff_core::db::connect(&standoff_core::db::DatabaseSettings::new(
        target.url.clone(),
    ))
    .await
    .expect("restored database");
    use sea_orm::{EntityTrait, QueryFilter};
    let titles: HashSet<String> = standoff_entities::action::Entity::find()
        .filter(sea_orm::ColumnTrait::like(
            &standoff_entities::action::Column::Title,
            "Backup writer %",
        ))
        .all(&restored)
        .await
        .expect("actions")
        .into_iter()
        .map(|a| a.title)
        .collect();
    let missing: Vec<&String> = before_backup.difference(&titles).collect();
    assert!(missing.is_empty(), "lost acknowledged writes: {missing:?}");

    let check = standoff(&target.url, &["check"]);
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    // A second restore over the data it just wrote is refused without --force.
    let again = standoff(&target.url, &["restore", &file_arg]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = standoff(&target.url, &["restore", "--force", &file_arg]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
}

#[tokio::test]
async fn check_finds_a_roll_up_that_disagrees_with_the_actions() {
    let app = spawn_app().await;
    let ok = standoff(&app.url, &["check"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("UPDATE escalation_span SET actions = actions + 1")
        .await
        .expect("damage");
    let damaged = standoff(&app.url, &["check"]);
    assert!(!damaged.status.success());
    let report = String::from_utf8_lossy(&damaged.stdout);
    assert!(report.contains("PROBLEM: escalation roll-up"), "{report}");
}
