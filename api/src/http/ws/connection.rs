//! One WebSocket connection's bookkeeping around async-graphql-axum's `GraphQLWebSocket`: the
//! client messages it is given (checked first, see `protocol`), the operations running and
//! their limit, the `connection_init` deadline (4408), server pings and dead peers, and the
//! 1001 close on shutdown; plus the count of sockets per client address.

use super::protocol::{self, ClientMessage, Dialect, Progress};
use crate::http::AppState;
use crate::metrics::GaugeGuard;
use crate::schema::auth::Auth;
use crate::schema::loader::loaders;
use crate::schema::viewer::Viewer;
use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_channel::mpsc;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A peer silent for this many ping intervals is taken for dead.
const MISSED_PINGS: u32 = 3;
/// Messages queued between the loop and the machine in each direction.
const QUEUED: usize = 32;

/// Timing and limits of the WebSocket endpoint.
#[derive(Debug, Clone, Copy)]
pub struct WsSettings {
    /// How long a client has to send `connection_init`.
    pub init_timeout: Duration,
    /// How often the server pings.
    pub ping_every: Duration,
    /// Most operations (subscriptions) one connection may run at once.
    pub max_operations: usize,
    /// Most connections one client address may hold open.
    pub max_per_client: usize,
    /// How long a peer has to take one message before it is dropped.
    pub send_timeout: Duration,
}

/// Open WebSockets per client address.
#[derive(Clone, Default)]
pub struct SocketsPerClient(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One counted connection; the count goes down when it is dropped.
pub struct ClientSlot {
    counts: SocketsPerClient,
    client: IpAddr,
}

impl SocketsPerClient {
    /// A slot for one more connection from `client`, if it holds fewer than `max`.
    pub fn take(&self, client: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let open = counts.entry(client).or_insert(0);
        if *open >= max {
            return None;
        }
        *open += 1;
        Some(ClientSlot {
            counts: self.clone(),
            client,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = counts.get_mut(&self.client) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

/// Sends one message, giving the peer `send_timeout` to take it: a peer that stops reading
/// fills the TCP window, and waiting on it without end would stop this loop's pings and
/// deadlines too. `false` when the connection is to be dropped.
async fn send(
    sink: &mut SplitSink<WebSocket, Message>,
    message: Message,
    settings: WsSettings,
) -> bool {
    matches!(
        tokio::time::timeout(settings.send_timeout, sink.send(message)).await,
        Ok(Ok(()))
    )
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// Serves one upgraded connection until either side closes it or the server shuts down.
pub async fn serve(socket: WebSocket, state: AppState, protocol: GraphQLProtocol) {
    // Held until this function returns, so shutdown can wait for the close frame to go out.
    let _open = state.open_sockets.clone();
    let _counted = GaugeGuard::hold(&state.metrics.websockets);
    let settings = state.ws;
    // The subprotocol the upgrade agreed on, which is the one `protocol` stands for.
    let dialect = Dialect::of(socket.protocol().and_then(|v| v.to_str().ok()));
    let (mut sink, mut source) = socket.split();

    // The machine reads the client messages this loop lets through and writes its own back.
    // futures' channels allocate per queued message, so an idle connection holds no buffers.
    let (mut to_machine, machine_input) = mpsc::channel::<Result<Message, axum::Error>>(QUEUED);
    let (machine_output, mut from_machine) = mpsc::channel::<Message>(QUEUED);
    let share = state.share();
    let mut data = Data::default();
    data.insert(share.clone());
    data.insert(Auth::Anonymous);
    // The credentials `connection_init` presented, which the loop checks again now and then.
    let presented: Arc<Mutex<Auth>> = Arc::new(Mutex::new(Auth::Anonymous));
    let init_auth = presented.clone();
    let init_share = share.clone();
    let machine = GraphQLWebSocket::new_with_pair(
        machine_output,
        machine_input,
        state.executor.clone(),
        protocol,
    )
    .with_data(data)
    .on_connection_init(move |payload| async move {
        let mut data = Data::default();
        let value = payload
            .get("authorization")
            .or_else(|| payload.get("Authorization"));
        // A value that is not text cannot be a token.
        let auth = Auth::of(value.map(|v| v.as_str().unwrap_or("")));
        // Reads need no token, but a client that presents a bad one is told so.
        if matches!(auth, Auth::Presented(_))
            && !matches!(auth.editor(&init_share).await, Ok(Some(_)))
        {
            return Err(async_graphql::Error::new(protocol::INIT_REFUSED));
        }
        let viewer = match auth.editor(&init_share).await {
            Ok(editor) => Viewer(editor),
            Err(_) => return Err(async_graphql::Error::new(protocol::INIT_REFUSED)),
        };
        // Events are single items read long after the connection began, so the loader must
        // not cache: a corrected action has to show its new values. It reads as the viewer
        // the connection began with sees.
        let connection_loaders = loaders(init_share.clone(), viewer.visibility());
        connection_loaders.enable_all_cache(false);
        *init_auth.lock().unwrap_or_else(|p| p.into_inner()) = auth.clone();
        data.insert(connection_loaders);
        data.insert(auth);
        data.insert(viewer);
        Ok(data)
    })
    .serve();
    let mut machine = std::pin::pin!(machine);

    let init_deadline = tokio::time::sleep(settings.init_timeout);
    let mut init_deadline = std::pin::pin!(init_deadline);
    let mut progress = Progress::default();
    let mut ping = tokio::time::interval(settings.ping_every);
    ping.reset();
    let mut last_heard = Instant::now();
    let mut shutdown = state.shutdown.clone();
    let mut machine_done = false;

    loop {
        tokio::select! {
            biased;
            outgoing = from_machine.next() => {
                let message = match outgoing {
                    Some(Message::Text(text)) => {
                        protocol::sent(text.as_str(), &mut progress);
                        Message::Text(text)
                    }
                    Some(Message::Close(frame)) => {
                        let (code, reason) = frame
                            .map(|f| (f.code, f.reason.to_string()))
                            .unwrap_or((1000, String::new()));
                        let code = protocol::close_code(dialect, code, &reason);
                        let _ = send(&mut sink, close(code, &reason), settings).await;
                        break;
                    }
                    Some(other) => other,
                    None => break,
                };
                if !send(&mut sink, message, settings).await {
                    break;
                }
            }
            // Its last messages are still queued: the first branch sends them, then ends.
            () = &mut machine, if !machine_done => machine_done = true,
            incoming = source.next() => {
                let message = match incoming {
                    Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => message,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                        last_heard = Instant::now();
                        continue;
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                last_heard = Instant::now();
                let bytes: &[u8] = match &message {
                    Message::Text(text) => text.as_bytes(),
                    Message::Binary(bytes) => bytes,
                    _ => &[],
                };
                match protocol::read(bytes, dialect, &progress) {
                    Err((code, reason)) => {
                        let _ = send(&mut sink, close(code, &reason), settings).await;
                        break;
                    }
                    Ok(ClientMessage::Init) => progress.initialised = true,
                    Ok(ClientMessage::Start(id))
                        if !progress.running.contains(&id)
                            && progress.running.len() >= settings.max_operations =>
                    {
                        let refused = protocol::refusal(
                            dialect,
                            &id,
                            &crate::error::ApiError::limit(format!(
                                "a connection runs at most {} operations at once",
                                settings.max_operations
                            )),
                        );
                        if !send(&mut sink, Message::Text(refused.into()), settings).await {
                            break;
                        }
                        continue;
                    }
                    Ok(ClientMessage::Start(id)) => {
                        progress.running.insert(id);
                    }
                    Ok(ClientMessage::Stop(id)) => {
                        progress.running.remove(&id);
                    }
                    Ok(ClientMessage::Premature(id)) => {
                        let refused = protocol::refusal(
                            dialect,
                            &id,
                            &crate::error::ApiError::bad_input(
                                "send connection_init and wait for connection_ack first",
                            ),
                        );
                        if !send(&mut sink, Message::Text(refused.into()), settings).await {
                            break;
                        }
                        continue;
                    }
                    Ok(ClientMessage::Other) => {}
                }
                if to_machine.send(Ok(message)).await.is_err() {
                    break;
                }
            }
            () = &mut init_deadline, if !progress.initialised => {
                let _ = send(
                    &mut sink,
                    close(protocol::INIT_TIMEOUT, "Connection initialisation timeout"),
                    settings,
                )
                .await;
                break;
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > settings.ping_every * MISSED_PINGS {
                    tracing::info!("closing a WebSocket whose peer stopped answering pings");
                    break;
                }
                // A token revoked since `connection_init` closes the connections it opened.
                let auth = presented.lock().unwrap_or_else(|p| p.into_inner()).clone();
                if matches!(auth, Auth::Presented(_))
                    && matches!(auth.editor(&share).await, Ok(None))
                {
                    let _ = send(&mut sink, close(protocol::FORBIDDEN, protocol::REVOKED), settings).await;
                    break;
                }
                if !send(&mut sink, Message::Ping(Vec::new().into()), settings).await {
                    break;
                }
            }
            _ = shutdown.changed() => {
                let _ = send(
                    &mut sink,
                    close(protocol::GOING_AWAY, "server shutting down"),
                    settings,
                )
                .await;
                break;
            }
        }
    }
}
