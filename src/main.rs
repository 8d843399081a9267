//! `standoff`: serve the feud over GraphQL, migrate, seed, and print the schema.

/// mimalloc: async-graphql allocates a great deal per request, and glibc's allocator was a
/// fifth of the service's CPU time under load (see BENCHMARKS.md). With `override` it serves
/// the bundled SQLite's `malloc` too (a copy of every column value read goes through it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod backup;

use anyhow::Context;
use clap::{Parser, Subcommand};
use standoff_api::config::{DatabaseSettings, ServerSettings};
use standoff_api::schema;
use standoff_core::{db, tokens};
use standoff_entities::Role;
use std::path::PathBuf;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// A sourced, time-ordered record of a political feud, served over GraphQL.
#[derive(Parser, Debug)]
#[command(name = "standoff", version, about)]
struct Cli {
    #[command(flatten)]
    database: DatabaseSettings,
    /// Log lines as human-readable text or as one JSON object each (for log collectors).
    #[arg(long, env = "STANDOFF_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate, seed an empty database with the bundled story, and serve.
    Serve(ServerSettings),
    /// Apply pending migrations.
    Migrate,
    /// Load a story file (the bundled Chicago story when no file is given); loading twice
    /// changes nothing.
    Seed {
        /// A story file in the format of seeds/stories/chicago-2025.toml.
        #[arg(conflicts_with = "synthetic")]
        file: Option<PathBuf>,
        /// Instead of a story, generate a synthetic archive of this many actions (for load
        /// tests and benchmarks), with actors on every side, responses and citations.
        #[arg(long, value_name = "N")]
        synthetic: Option<u64>,
        /// The random seed of `--synthetic`; the same seed gives the same archive.
        #[arg(long, default_value_t = 2025, requires = "synthetic")]
        random_seed: u64,
        /// Print what loading the file would add, correct and leave, and write nothing.
        #[arg(long, conflicts_with = "synthetic")]
        dry_run: bool,
        /// Correct stored actors and sources (shared by every story) whose fields differ from
        /// the file; without it a difference is reported and the stored values kept.
        #[arg(long, conflicts_with = "synthetic")]
        correct_shared: bool,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Write a consistent copy of the database to FILE, safely while the service runs
    /// (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump`'s custom format, when it is installed).
    Backup {
        /// Where to write the copy; it must not exist.
        file: PathBuf,
    },
    /// Restore a copy made by `standoff backup` into the database (stop the service first).
    Restore {
        /// The copy to restore.
        file: PathBuf,
        /// Overwrite a database that holds anything.
        #[arg(long)]
        force: bool,
    },
    /// Check the database: integrity and foreign keys, the search index, the escalation
    /// roll-up and the change log against the actions; exits non-zero on any problem.
    Check,
    /// Manage the tokens editors write with.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Make a token and print it once; only its hash is stored.
    Create {
        /// Who holds it; recorded as the author of each change it makes.
        #[arg(long)]
        name: String,
        /// What it may do.
        #[arg(long, value_enum, default_value_t = RoleArg::Editor)]
        role: RoleArg,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by name; it stops working at once.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the request span (method, path, request id).
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum RoleArg {
    /// Records and corrects the story.
    Editor,
    /// An editor who also manages tokens.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Editor => Role::Editor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(start());
    // A task stuck past the shutdown grace period must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

async fn start() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The whole chain on one line: what failed and why, without a backtrace.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(server) => {
            tracing::info!(
                database = %cli.database.redacted_url(),
                max_connections = cli.database.max_connections,
                bind = %server.bind,
                max_body_bytes = server.max_body_bytes,
                seed_when_empty = !server.no_seed,
                cors_origins = ?server.cors_origins,
                "starting"
            );
            let app = standoff::application(&cli.database, &server).await?;
            let addr = app.local_addr()?;
            tracing::info!("playground at http://{addr}/, GraphQL at http://{addr}/graphql");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            let (conn, _) = db::connect(&cli.database).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
        }
        Command::Seed {
            synthetic: Some(actions),
            random_seed,
            ..
        } => {
            let (conn, _) = db::connect(&cli.database).await?;
            db::migrate(&conn).await?;
            let bar = indicatif::ProgressBar::new(actions).with_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:40}] {pos}/{len} actions ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            let started = std::time::Instant::now();
            let plan = standoff_seeds::Synthetic {
                actions,
                seed: random_seed,
            };
            let report = standoff_seeds::generate(&conn, plan, &mut |done| bar.set_position(done))
                .await
                .context("generating a synthetic archive")?;
            bar.finish();
            println!(
                "synthetic archive: {report} in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Seed {
            file,
            dry_run,
            correct_shared,
            ..
        } => {
            let (text, name) = match &file {
                Some(path) => (
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                    path.display().to_string(),
                ),
                None => (
                    standoff_seeds::CHICAGO_2025.to_owned(),
                    "bundled story chicago-2025".to_owned(),
                ),
            };
            let story = standoff_seeds::parse(&text).with_context(|| format!("in {name}"))?;
            let (conn, _) = db::connect(&cli.database).await?;
            db::migrate(&conn).await?;
            let options = standoff_seeds::LoadOptions {
                dry_run,
                correct_shared,
            };
            let report = standoff_seeds::plan(&conn, &story, options)
                .await
                .with_context(|| format!("in {name}"))?;
            if dry_run {
                println!("{name} (dry run, nothing written): would have {report}");
            } else {
                println!("{name}: {report}");
            }
        }
        Command::Schema => print!("{}", schema::sdl()),
        Command::Backup { file } => backup::backup(&cli.database, &file).await?,
        Command::Restore { file, force } => backup::restore(&cli.database, &file, force).await?,
        Command::Check => {
            let (conn, _) = db::connect(&cli.database).await?;
            let report = standoff_core::maintenance::check(&conn).await?;
            for line in &report.checked {
                println!("ok: {line}");
            }
            for line in &report.problems {
                println!("PROBLEM: {line}");
            }
            if !report.problems.is_empty() {
                anyhow::bail!("{} problems found", report.problems.len());
            }
        }
        Command::Token(command) => {
            let (conn, _) = db::connect_existing(&cli.database).await?;
            db::migrate(&conn).await?;
            match command {
                TokenCommand::Create { name, role } => {
                    let token = tokens::create_token(&conn, &name, role.into()).await?;
                    eprintln!("token {name:?} created; it is shown only this once:");
                    println!("{token}");
                }
                TokenCommand::List => {
                    for t in tokens::list_tokens(&conn).await? {
                        let state = match t.revoked_at {
                            Some(at) => format!("revoked {}", at.to_rfc3339()),
                            None => "active".to_owned(),
                        };
                        println!(
                            "{}\t{:?}\tcreated {}\t{state}",
                            t.name,
                            t.role,
                            t.created_at.to_rfc3339()
                        );
                    }
                }
                TokenCommand::Revoke { name } => {
                    tokens::revoke_token(&conn, &name).await?;
                    println!("token {name:?} revoked");
                }
            }
        }
    }
    Ok(())
}
