//! `standoff backup` and `standoff restore`: SQLite through the core's `VACUUM INTO`, safe
//! while serving; PostgreSQL through its own `pg_dump` and `pg_restore`, which know its
//! formats best, run when they are installed.

use anyhow::{Context, bail};
use standoff_api::config::DatabaseSettings;
use standoff_core::{db, maintenance};
use std::path::Path;
use std::process::Command;

/// Writes a consistent copy of the database to `file`.
pub async fn backup(database: &DatabaseSettings, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        bail!("{} exists already; choose a new file", file.display());
    }
    if database.sqlite_path().is_some() {
        let (conn, _) = db::connect(database).await?;
        maintenance::backup_sqlite(&conn, file).await?;
    } else {
        let file_arg = file.to_str().context("the backup path is not valid text")?;
        run(
            "pg_dump",
            &[
                "--format=custom",
                "--no-owner",
                "--file",
                file_arg,
                &database.url,
            ],
        )?;
    }
    println!("backed up to {}", file.display());
    Ok(())
}

/// Restores a copy made by [`backup`] into the database, which must hold nothing unless
/// `force`.
pub async fn restore(database: &DatabaseSettings, file: &Path, force: bool) -> anyhow::Result<()> {
    if !file.exists() {
        bail!("no backup at {}", file.display());
    }
    let empty = holds_nothing(database).await;
    if !empty && !force {
        bail!(
            "the database at {} holds data; restore over it only with --force",
            database.redacted_url()
        );
    }
    match database.sqlite_path() {
        Some(target) => {
            if target.exists() {
                for suffix in ["", "-wal", "-shm"] {
                    let path = format!("{}{suffix}", target.display());
                    if Path::new(&path).exists() {
                        std::fs::remove_file(&path)
                            .with_context(|| format!("cannot remove {path}"))?;
                    }
                }
            }
            maintenance::restore_sqlite(file, &target).await?;
        }
        None => {
            let file_arg = file.to_str().context("the backup path is not valid text")?;
            run(
                "pg_restore",
                &[
                    "--no-owner",
                    "--clean",
                    "--if-exists",
                    "--dbname",
                    &database.url,
                    file_arg,
                ],
            )?;
        }
    }
    println!(
        "restored {} into {}; `standoff check` verifies it",
        file.display(),
        database.redacted_url()
    );
    Ok(())
}

/// Whether the database is missing, empty, or has no Standoff data yet.
async fn holds_nothing(database: &DatabaseSettings) -> bool {
    if let Some(path) = database.sqlite_path()
        && std::fs::metadata(&path).map_or(true, |m| m.len() == 0)
    {
        return true;
    }
    match db::connect(database).await {
        // Without Standoff's tables there is nothing of Standoff's to lose.
        Ok((conn, _)) => maintenance::is_empty(&conn).await.unwrap_or(
            conn.get_database_backend() == sea_orm::DbBackend::Postgres && !has_tables(&conn).await,
        ),
        Err(_) => false,
    }
}

async fn has_tables(conn: &sea_orm::DatabaseConnection) -> bool {
    use sea_orm::ConnectionTrait;
    conn.query_one_raw(sea_orm::Statement::from_string(
        conn.get_database_backend(),
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'action'",
    ))
    .await
    .map_or(true, |row| row.is_some())
}

/// Runs a PostgreSQL client program, naming it when it is missing.
fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(program).args(args).status().with_context(|| {
        format!(
            "cannot run {program}: install PostgreSQL's client programs (Debian: postgresql-client), \
             or run it yourself: {program} {}",
            args.join(" ")
        )
    })?;
    if !status.success() {
        bail!("{program} failed ({status})");
    }
    Ok(())
}
