//! `standoff-bench`: Standoff's benchmarks, each printing its figures beside its floor or goal.
//! See BENCHMARKS.md for the commands, the machine and the figures.

mod export;
mod fanout;
mod floor;
mod hot;
mod load;
mod nginx;
mod reads;
mod setup;
mod writes;

use clap::{Parser, Subcommand};

/// The same allocator as the `standoff` binary (SQLite's `malloc` included, through mimalloc's
/// `override`), so the floor runs on what the shipped service runs on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;

/// The default archive: a SQLite file under target/, generated on first use.
const DEFAULT_SQLITE: &str = "sqlite://target/bench/standoff-bench.db?mode=rwc";

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Timeline pages beside their floor, deep pages, text search, escalation, statements.
    Reads {
        /// The archive (SQLite or PostgreSQL URL); topped up to `--actions` first.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_SQLITE)]
        database_url: String,
        /// Actions the archive holds.
        #[arg(long, default_value_t = 1_000_000)]
        actions: u64,
        /// Concurrent clients, one run for each.
        #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
        clients: Vec<usize>,
        /// Seconds each run lasts.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// The same dashboard page asked by many clients, kept by the service, beside its floor;
    /// with If-None-Match; and with a write a second mixed in.
    Hot {
        /// The archive (SQLite or PostgreSQL URL); topped up to `--actions` first.
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_SQLITE)]
        database_url: String,
        /// Actions the archive holds.
        #[arg(long, default_value_t = 1_000_000)]
        actions: u64,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds each run lasts.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// nginx's proxy_cache in front of two instances on PostgreSQL: requests reaching the
    /// instances, and how soon a write shows through it.
    Nginx {
        /// The PostgreSQL database both instances use.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// Actions the archive holds.
        #[arg(long, default_value_t = 1_000_000)]
        actions: u64,
        /// Concurrent readers through nginx.
        #[arg(long, default_value_t = 64)]
        readers: usize,
        /// Seconds the readers run.
        #[arg(long, default_value_t = 30.0)]
        seconds: f64,
        /// Writes made meanwhile.
        #[arg(long, default_value_t = 5)]
        writes: usize,
    },
    /// `recordAction` from concurrent editors.
    Writes {
        /// The database (SQLite or PostgreSQL URL).
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_SQLITE)]
        database_url: String,
        /// Actions the archive holds before the writes.
        #[arg(long, default_value_t = 1_000_000)]
        actions: u64,
        /// Concurrent editors.
        #[arg(long, default_value_t = 16)]
        editors: usize,
        /// Seconds the run lasts.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// WebSocket subscribers on one instance of the `standoff` binary.
    Fanout {
        /// The `standoff` binary (default: next to this one).
        #[arg(long)]
        binary: Option<PathBuf>,
        /// The instance's database (default: a fresh SQLite file with the bundled story).
        #[arg(long)]
        database_url: Option<String>,
        /// Subscribers.
        #[arg(long, default_value_t = 10_000)]
        subscribers: usize,
        /// Events recorded.
        #[arg(long, default_value_t = 50)]
        events: usize,
        /// Events per second.
        #[arg(long, default_value_t = 5.0)]
        rate: f64,
        /// Only open and initialise sockets (the memory of a bare connection).
        #[arg(long)]
        connections_only: bool,
        /// Subscribe over Server-Sent Events instead of WebSocket.
        #[arg(long)]
        sse: bool,
        /// Client processes to spread the subscribers over (each may hold 20,000 descriptors).
        #[arg(long, default_value_t = 1)]
        processes: usize,
    },
    /// The client side of `fanout` in a process of its own (started by `fanout --processes`).
    #[command(hide = true)]
    FanoutClients {
        /// The instance's base URL.
        #[arg(long)]
        base: String,
        /// Subscribers.
        #[arg(long)]
        subscribers: usize,
        /// Events each waits for.
        #[arg(long)]
        events: usize,
        /// Over Server-Sent Events.
        #[arg(long)]
        sse: bool,
        /// Sockets only.
        #[arg(long)]
        connections_only: bool,
    },
    /// The whole archive streamed as CSV or NDJSON, with the instance's memory sampled.
    Export {
        /// The `standoff` binary (default: next to this one).
        #[arg(long)]
        binary: Option<PathBuf>,
        /// The archive (SQLite or PostgreSQL URL), already filled.
        #[arg(long)]
        database_url: String,
        /// `csv` or `ndjson`.
        #[arg(long, default_value = "csv")]
        format: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Reads {
            database_url,
            actions,
            clients,
            seconds,
        } => {
            make_parent_dir(&database_url)?;
            reads::run(&reads::ReadPlan {
                url: database_url,
                actions,
                clients,
                seconds,
            })
            .await
        }
        Command::Hot {
            database_url,
            actions,
            clients,
            seconds,
        } => {
            make_parent_dir(&database_url)?;
            hot::run(&hot::HotPlan {
                url: database_url,
                actions,
                clients,
                seconds,
            })
            .await
        }
        Command::Nginx {
            database_url,
            actions,
            readers,
            seconds,
            writes,
        } => {
            nginx::run(&nginx::NginxPlan {
                url: database_url,
                actions,
                readers,
                seconds,
                writes,
            })
            .await
        }
        Command::Writes {
            database_url,
            actions,
            editors,
            seconds,
        } => {
            make_parent_dir(&database_url)?;
            writes::run(&database_url, actions, editors, seconds).await
        }
        Command::Export {
            binary,
            database_url,
            format,
        } => export::run(&standoff_binary(binary)?, &database_url, &format).await,
        Command::Fanout {
            binary,
            database_url,
            subscribers,
            events,
            rate,
            connections_only,
            sse,
            processes,
        } => {
            fanout::run(&fanout::FanoutPlan {
                binary: standoff_binary(binary)?,
                url: database_url,
                subscribers,
                events,
                rate,
                connections_only,
                sse,
                processes,
            })
            .await
        }
        Command::FanoutClients {
            base,
            subscribers,
            events,
            sse,
            connections_only,
        } => {
            fanout::clients(&fanout::Subscribing {
                base,
                count: subscribers,
                events,
                sse,
                connections_only,
            })
            .await
        }
    }
}

/// The `standoff` binary given, or the one next to this one.
fn standoff_binary(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match given {
        Some(path) => Ok(path),
        None => std::env::current_exe()?
            .parent()
            .map(|dir| dir.join("standoff"))
            .ok_or_else(|| anyhow::anyhow!("cannot find the standoff binary")),
    }
}

/// Creates the directory of a relative SQLite file, as the default URL names one.
fn make_parent_dir(url: &str) -> anyhow::Result<()> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
    }
    Ok(())
}
