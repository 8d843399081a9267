//! Building the app and running it: `serve` and the integration tests both start here, so the
//! tests exercise exactly what ships.

use crate::config::{DatabaseSettings, ServerSettings};
use crate::db::{self, StatementCounter};
use crate::http::{self, AppState, WsSettings};
use crate::metrics::Metrics;
use crate::schema;
use crate::service::feed::ChangeFeed;
use axum::Router;
use sea_orm::DatabaseConnection;
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
    /// The bundled story could not be loaded.
    #[error("seeding: {0}")]
    Seed(#[from] standoff_seeds::SeedError),
    /// A setting is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// A migrated, seeded service bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    shutdown: tokio::sync::watch::Sender<bool>,
    sockets_closed: tokio::sync::mpsc::Receiver<()>,
    router: Router,
    slow_client_timeout: Duration,
    db: DatabaseConnection,
    statements: StatementCounter,
}

impl Application {
    /// Connects, migrates, seeds an empty database (unless told not to) and binds.
    pub async fn build(
        database: &DatabaseSettings,
        server: &ServerSettings,
    ) -> Result<Self, StartupError> {
        let (db, statements) = db::connect(database).await?;
        db::migrate(&db).await?;
        if !server.no_seed
            && let Some(report) = db::seed_if_empty(&db).await?
        {
            tracing::info!(%report, "seeded an empty database with the bundled story");
        }
        let listener =
            TcpListener::bind(server.bind)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: server.bind,
                    source,
                })?;
        let allow_list = match &server.allowed_operations {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    StartupError::Config(format!("cannot read {}: {e}", path.display()))
                })?;
                let hashes = schema::persisted::load_allow_list(&text)
                    .map_err(|e| StartupError::Config(format!("{}: {e}", path.display())))?;
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
        let filter_cache = crate::service::filter::FilterCache::default();
        let tail = crate::service::tail::LogTail::default();
        // The shared log reader has a small pool of its own: its reads belong to no request,
        // so they stay out of the request pool's statement count and never queue behind it.
        let (tail_db, _) = db::connect(&DatabaseSettings {
            max_connections: 2,
            ..database.clone()
        })
        .await?;
        tail.spawn(tail_db, feed.clone());
        let metrics = Metrics::new();
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            tokio::spawn(crate::service::feed::follow_postgres(
                db.clone(),
                feed.clone(),
            ));
        }
        let rate = http::ClientRate::new(
            server.rate_limit_per_second,
            server.rate_limit_burst,
            server.trust_forwarded_for,
        );
        rate.spawn_forgetting();
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let (open_sockets, sockets_closed) = tokio::sync::mpsc::channel(1);
        let schemas = schema::build(
            db.clone(),
            feed.clone(),
            metrics.clone(),
            filter_cache.clone(),
            tail,
            &options,
        );
        let state = AppState {
            schema: schemas.sockets,
            http_schema: schemas.http,
            limits: options.limits,
            filter_cache,
            db: db.clone(),
            sdl: schema::sdl().into(),
            ws: WsSettings {
                init_timeout: Duration::from_secs(server.ws_init_timeout_secs.max(1)),
                ping_every: Duration::from_secs(server.ws_ping_secs.max(1)),
                max_operations: server.max_subscriptions_per_connection.max(1),
                max_per_client: server.max_sockets_per_client.max(1),
                trust_forwarded_for: server.trust_forwarded_for,
            },
            request_timeout: Duration::from_secs(server.request_timeout_secs.max(1)),
            slow_client_timeout: Duration::from_secs(server.slow_client_timeout_secs.max(1)),
            persisted: schema::persisted::PersistedQueries::default(),
            sockets: http::SocketsPerClient::default(),
            shutdown: shutdown_rx,
            open_sockets,
            metrics,
        };
        Ok(Self {
            listener,
            shutdown,
            sockets_closed,
            router: http::router(
                state,
                server.max_body_bytes,
                &server.cors_origins,
                server.serves_playground(),
                rate,
            )
            .map_err(StartupError::Config)?,
            slow_client_timeout: Duration::from_secs(server.slow_client_timeout_secs.max(1)),
            db,
            statements,
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

    /// Serves until `signal` completes, then closes WebSockets (1001) and finishes requests in
    /// flight.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sockets = self.shutdown;
        let mut sockets_closed = self.sockets_closed;
        serve(
            self.listener,
            self.router,
            self.slow_client_timeout,
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

/// Accepts connections until `signal` completes, then lets each finish the request it is
/// serving (idle keep-alive connections close at once). Our own loop rather than
/// `axum::serve`, because that one cannot time out a client that sends its headers slowly.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    signal: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout);
    let (stopping, stop) = tokio::sync::watch::channel(false);
    // Each connection holds a clone; `recv` returns `None` once all have finished.
    let (open, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    tokio::pin!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        // Peer addresses let the rate limit and the WebSocket cap tell clients apart.
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            tower::Service::call(&mut router.clone(), request)
        });
        let connection = http
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stop.clone();
        let open = open.clone();
        tokio::spawn(async move {
            let _open = open;
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => log_connection_end(result),
                () = async { let _ = stop.wait_for(|stopping| *stopping).await; } => {
                    connection.as_mut().graceful_shutdown();
                    log_connection_end(connection.await);
                }
            }
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(open);
    let _ = all_closed.recv().await;
}

/// Connection errors are the client's business (resets, header timeouts): debug level only.
fn log_connection_end(result: Result<(), hyper::Error>) {
    if let Err(err) = result {
        tracing::debug!(%err, "connection ended with an error");
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
