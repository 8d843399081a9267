//! Building the app and running it: `serve` and the integration tests both start here, so the
//! tests exercise exactly what ships.

use crate::config::{DatabaseSettings, ServerSettings};
use crate::http::{self, AppState, WsSettings};
use crate::metrics::Metrics;
use crate::schema;
use crate::schema::executor::StandoffExecutor;
use axum::Router;
use sea_orm::DatabaseConnection;
use standoff_core::db::{self, StatementCounter};
use standoff_core::feed::ChangeFeed;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long shutdown waits for open WebSockets to close.
const SOCKET_CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Connecting or migrating failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The allow-list file cannot be read.
    #[error("cannot read {path}: {source}")]
    ReadAllowList {
        /// The file named.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The allow-list file is not a list of operations.
    #[error("{path}: {source}")]
    AllowList {
        /// The file named.
        path: std::path::PathBuf,
        /// What is wrong with it.
        source: schema::persisted::AllowListError,
    },
    /// A setting the router needs is invalid.
    #[error("configuration: {0}")]
    Router(#[from] http::RouterError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// A migrated service bound to its port, ready to run (the binary seeds an empty database
/// before it runs).
pub struct Application {
    listener: TcpListener,
    shutdown: tokio::sync::watch::Sender<bool>,
    sockets_closed: tokio::sync::mpsc::Receiver<()>,
    router: Router,
    slow_client_timeout: Duration,
    shutdown_grace: Duration,
    max_body_bytes: usize,
    bare_sse: bool,
    db: DatabaseConnection,
    statements: StatementCounter,
    feed: ChangeFeed,
}

impl Application {
    /// Connects, migrates and binds.
    pub async fn build(
        database: &DatabaseSettings,
        server: &ServerSettings,
    ) -> Result<Self, StartupError> {
        let (db, statements) = db::connect(database).await?;
        db::migrate(&db).await?;
        let listener =
            TcpListener::bind(server.bind)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: server.bind,
                    source,
                })?;
        let allow_list = match &server.allowed_operations {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| {
                    StartupError::ReadAllowList {
                        path: path.clone(),
                        source,
                    }
                })?;
                let hashes = schema::persisted::load_allow_list(&text).map_err(|source| {
                    StartupError::AllowList {
                        path: path.clone(),
                        source,
                    }
                })?;
                tracing::info!(
                    operations = hashes.len(),
                    "allow-list mode: only registered operations run"
                );
                Some(std::sync::Arc::new(hashes))
            }
            None => None,
        };
        let options = schema::SchemaOptions {
            limits: server.query_limits(),
            production: server.production,
            allow_list,
        };
        let feed = ChangeFeed::new();
        // What is kept for readers is valid for the head as this instance knows it: from the
        // start, the log's own.
        feed.announce(standoff_core::change_log::head(&db).await?);
        let filter_cache = standoff_core::filter::FilterCache::default();
        // The shared log reader has a small pool of its own: its reads belong to no request,
        // so they stay out of the request pool's statement count and never queue behind it.
        let (reader_db, _) = db::connect(&DatabaseSettings {
            max_connections: 2,
            ..database.clone()
        })
        .await?;
        // Scheduled publications go out at their time, whether or not a request arrives; the
        // scheduler belongs to no request either, so it uses the reader's pool.
        tokio::spawn(standoff_core::schedule::run(
            reader_db.clone(),
            feed.clone(),
        ));
        let follower = standoff_core::follow::Follower::start(db.clone(), reader_db, feed.clone());
        let metrics = Metrics::new();
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            tokio::spawn(standoff_core::feed::follow_postgres(
                db.clone(),
                feed.clone(),
            ));
        }
        let rate = http::ClientRate::new(
            server.rate_limit_per_second,
            server.rate_limit_burst,
            server.proxies(),
        );
        rate.spawn_forgetting();
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let (open_sockets, sockets_closed) = tokio::sync::mpsc::channel(1);
        let schema = schema::build(
            db.clone(),
            feed.clone(),
            metrics.clone(),
            filter_cache.clone(),
            follower,
            &options,
        );
        let executor = StandoffExecutor::new(
            schema,
            &options,
            metrics.clone(),
            Duration::from_secs(server.request_timeout_secs.max(1)),
            server.subscription_backlog,
        );
        let state = AppState {
            executor,
            filter_cache,
            db: db.clone(),
            sdl: schema::sdl().into(),
            ws: WsSettings {
                init_timeout: Duration::from_secs(server.ws_init_timeout_secs.max(1)),
                ping_every: Duration::from_secs(server.ws_ping_secs.max(1)),
                max_operations: server.max_subscriptions_per_connection.max(1),
                max_per_client: server.max_sockets_per_client.max(1),
                send_timeout: Duration::from_secs(server.slow_client_timeout_secs.max(1)),
            },
            statements_per_request: server.statements_per_request.max(1),
            proxies: server.proxies(),
            playground: server.serves_playground(),
            max_body_bytes: server.max_body_bytes,
            slow_client_timeout: Duration::from_secs(server.slow_client_timeout_secs.max(1)),
            persisted: schema::persisted::PersistedQueries::default(),
            sockets: http::SocketsPerClient::default(),
            shutdown: shutdown_rx,
            open_sockets,
            answers: http::Answers::new(feed.clone(), server.cache(), metrics.cache.clone()),
            metrics,
        };
        Ok(Self {
            listener,
            shutdown,
            sockets_closed,
            router: http::router(state, &server.cors_origins, rate)?,
            slow_client_timeout: Duration::from_secs(server.slow_client_timeout_secs.max(1)),
            shutdown_grace: Duration::from_secs(server.shutdown_grace_secs),
            max_body_bytes: server.max_body_bytes,
            bare_sse: server.bare_sse,
            db,
            statements,
            feed,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The statement counter of the service's pool.
    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// The service's pool.
    pub fn database(&self) -> DatabaseConnection {
        self.db.clone()
    }

    /// This instance's change feed: what it knows of the change log's head.
    pub fn feed(&self) -> ChangeFeed {
        self.feed.clone()
    }

    /// Serves until `signal` completes, then closes WebSockets (1001) and finishes requests in
    /// flight, waiting for them at most the shutdown grace period.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sockets = self.shutdown;
        let mut sockets_closed = self.sockets_closed;
        crate::serve::serve(
            self.listener,
            self.router,
            crate::serve::Timing {
                slow_client: self.slow_client_timeout,
                grace: self.shutdown_grace,
                max_body_bytes: self.max_body_bytes,
                bare_sse: self.bare_sse,
            },
            async move {
                signal.await;
                let _ = sockets.send(true);
            },
        )
        .await;
        // Upgraded WebSockets outlive the HTTP connections waited for above; give them a
        // moment to send their close frames. `recv` ends once the last socket drops its sender.
        let _ = tokio::time::timeout(SOCKET_CLOSE_GRACE, sockets_closed.recv()).await;
        Ok(())
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
