//! `standoff`: serve the feud over GraphQL, migrate, seed, and print the schema.

use anyhow::Context;
use clap::{Parser, Subcommand};
use standoff_api::config::{DatabaseSettings, ServerSettings};
use standoff_api::{db, schema, startup::Application};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// A sourced, time-ordered record of a political feud, served over GraphQL.
#[derive(Parser, Debug)]
#[command(name = "standoff", version, about)]
struct Cli {
    #[command(flatten)]
    database: DatabaseSettings,
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
        file: Option<PathBuf>,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    match cli.command {
        Command::Serve(server) => {
            tracing::info!(
                database = %cli.database.redacted_url(),
                bind = %server.bind,
                max_body_bytes = server.max_body_bytes,
                seed_when_empty = !server.no_seed,
                "starting"
            );
            let app = Application::build(&cli.database, &server).await?;
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
        Command::Seed { file } => {
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
            let report = standoff_seeds::load(&conn, &story)
                .await
                .with_context(|| format!("in {name}"))?;
            println!("{name}: {report}");
        }
        Command::Schema => print!("{}", schema::sdl()),
    }
    Ok(())
}
