//! The accept loop. By default every connection is hyper's alone. With `--bare-sse`, each
//! connection's first request is judged first (`first`): a Server-Sent Events stream is answered
//! on the bare socket (`stream`), everything else is served by hyper with the bytes already read.

mod first;
mod replay;
mod stream;

use axum::Router;
use axum::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// What the accept loop needs to know of the settings.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How long a client may take to send a request head (and, for a stream answered on its
    /// bare socket, to take each chunk).
    pub slow_client: Duration,
    /// How long shutdown waits for requests in flight.
    pub grace: Duration,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Whether a first request for a stream is answered on the bare socket.
    pub bare_sse: bool,
}

/// Accepts connections until `signal` completes, then lets each finish the request it is
/// serving (idle keep-alive connections close at once). Our own accept loop rather than
/// `axum::serve`, because that one cannot time out a client that sends its headers slowly.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timing: Timing,
    signal: impl Future<Output = ()>,
) {
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timing.slow_client);
    let http = Arc::new(http.http1_only());
    let graceful = GracefulShutdown::new();
    // Connections still being judged stop waiting for their first request when this turns.
    let (stopping, stop) = tokio::sync::watch::channel(false);
    tokio::pin!(signal);
    // Whether accepting is failing now (out of file descriptors, say): told once, not 20 times
    // a second.
    let mut failing = false;
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    if !failing {
                        tracing::warn!(%err, "cannot accept connections; retrying every 50 ms");
                        failing = true;
                    }
                    // Back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        if failing {
            tracing::info!("accepting connections again");
            failing = false;
        }
        let _ = socket.set_nodelay(true);
        tokio::spawn(connection(
            socket,
            peer,
            router.clone(),
            http.clone(),
            graceful.watcher(),
            stop.clone(),
            timing,
        ));
    }
    drop(listener);
    let _ = stopping.send(true);
    if tokio::time::timeout(timing.grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = timing.grace.as_secs(),
            "requests still in flight after the shutdown grace period; stopping anyway"
        );
    }
}

/// Serves one connection. `watcher` is held to the end either way, so shutdown waits for a
/// stream answered here as it does for hyper's connections.
async fn connection(
    mut socket: TcpStream,
    peer: SocketAddr,
    router: Router,
    http: Arc<auto::Builder<TokioExecutor>>,
    watcher: Watcher,
    mut stop: tokio::sync::watch::Receiver<bool>,
    timing: Timing,
) {
    if !timing.bare_sse {
        serve_with_hyper(socket, peer, router, &http, watcher, Bytes::new()).await;
        return;
    }
    let deadline = tokio::time::Instant::now() + timing.slow_client;
    let first = tokio::select! {
        first = first::read(&mut socket, crate::http::STREAM_PATH, timing.max_body_bytes, deadline) => first,
        // A request still arriving when shutdown begins is not answered: nothing of it has
        // run, and its client retries elsewhere.
        _ = stop.wait_for(|stopping| *stopping) => first::First::Gone,
    };
    drop(stop);
    match first {
        first::First::Gone => {}
        first::First::Stream(mut request) => {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            stream::answer(socket, router, *request, timing.slow_client).await;
            drop(watcher);
        }
        first::First::Hyper(read) => {
            serve_with_hyper(socket, peer, router, &http, watcher, read).await;
        }
    }
}

/// Lets hyper serve the connection, starting with the bytes `read` from it already.
async fn serve_with_hyper(
    socket: TcpStream,
    peer: SocketAddr,
    router: Router,
    http: &auto::Builder<TokioExecutor>,
    watcher: Watcher,
    read: Bytes,
) {
    // Peer addresses let the rate limit and the WebSocket cap tell clients apart.
    let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        tower::Service::call(&mut router.clone(), request)
    });
    let connection = http
        .serve_connection_with_upgrades(TokioIo::new(replay::Replayed::new(read, socket)), service)
        .into_owned();
    log_connection_end(watcher.watch(connection).await);
}

/// Connection errors are the client's business (resets, header timeouts): debug level only.
fn log_connection_end(result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(err) = result {
        tracing::debug!(%err, "connection ended with an error");
    }
}
