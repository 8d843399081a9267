//! One WebSocket connection: the protocol's conversation (`connection_init` and its deadline,
//! operations started and stopped, their answers, pings, the 1001 close on shutdown), the
//! operations running and their limit, dead peers and revoked tokens; plus the count of
//! sockets per client address.
//!
//! Written here rather than left to async-graphql-axum's `GraphQLWebSocket`: that machine
//! serialises every answer once per subscriber and keeps an execution state machine and two
//! channels per connection, where a shared answer's bytes can be sent to each subscriber as
//! they are and an idle connection needs only its socket and its operations' receivers.

use super::protocol::{self, ClientMessage, Dialect, Progress};
use crate::error::ApiError;
use crate::http::AppState;
use crate::metrics::GaugeGuard;
use crate::schema::auth::Auth;
use crate::schema::hub::Live;
use crate::schema::loader::loaders;
use crate::schema::viewer::Viewer;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{Data, Request};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_stream::StreamMap;

/// A peer silent for this many ping intervals is taken for dead.
const MISSED_PINGS: u32 = 3;

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

/// The operations a connection runs, by id; each stream ends with `None`, its `complete`.
type Operations = StreamMap<String, BoxStream<'static, Option<Live>>>;

/// One connection's socket and where its conversation stands.
struct Connection {
    socket: WebSocket,
    dialect: Dialect,
    settings: WsSettings,
    /// `connection_init` was received.
    initialised: bool,
    /// What every operation runs with, once `connection_init` is accepted.
    session: Option<Arc<Data>>,
    /// The credentials `connection_init` presented, checked again at each ping.
    presented: Auth,
}

/// Whether the connection goes on after a message was dealt with.
enum Next {
    Continue,
    Close,
}

impl Connection {
    /// Sends one message, giving the peer `send_timeout` to take it: a peer that stops
    /// reading fills the TCP window, and waiting on it without end would stop this loop's
    /// pings and deadlines too. `Close` when the connection is to be dropped.
    async fn send(&mut self, message: Message) -> Next {
        match tokio::time::timeout(self.settings.send_timeout, self.socket.send(message)).await {
            Ok(Ok(())) => Next::Continue,
            _ => Next::Close,
        }
    }

    async fn send_text(&mut self, text: String) -> Next {
        self.send(Message::Text(text.into())).await
    }

    /// Closes with `code`; the connection ends whether or not the peer takes the frame.
    async fn close(&mut self, code: u16, reason: &str) -> Next {
        // A close frame's reason is at most 123 bytes (RFC 6455); an id quoted in it may be longer.
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let _ = self
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason[..end].into(),
            })))
            .await;
        Next::Close
    }

    /// Ends the connection over a client mistake or a refused `connection_init`: with the
    /// protocol's close code, after a `connection_error` in the legacy dialect, whose clients
    /// read no codes.
    async fn refuse(&mut self, code: u16, reason: &str) -> Next {
        if self.dialect == Dialect::Legacy {
            let _ = self.send_text(protocol::connection_error(reason)).await;
        }
        self.close(code, reason).await
    }

    /// Sends one answer of operation `id`, or its `complete` when it has ended.
    async fn answer(&mut self, id: &str, answer: Option<Live>) -> Next {
        let text = match answer {
            Some(answer) => protocol::result(self.dialect, id, &answer.json()),
            None => protocol::complete(id),
        };
        self.send_text(text).await
    }

    /// Answers `connection_init`: checks the credentials it presents and acknowledges it.
    async fn init(&mut self, state: &AppState, payload: Option<serde_json::Value>) -> Next {
        let share = state.share();
        let value = payload
            .as_ref()
            .and_then(|p| p.get("authorization").or_else(|| p.get("Authorization")));
        // A value that is not text cannot be a token.
        let auth = Auth::of(value.map(|v| v.as_str().unwrap_or("")));
        // Reads need no token, but a client that presents a bad one is told so.
        let viewer = match auth.editor(&share).await {
            Ok(None) if matches!(auth, Auth::Presented(_)) => None,
            Ok(editor) => Some(Viewer(editor)),
            Err(_) => None,
        };
        let Some(viewer) = viewer else {
            return self
                .refuse(protocol::FORBIDDEN, protocol::INIT_REFUSED)
                .await;
        };
        // Events are single items read long after the connection began, so the loader must
        // not cache: a corrected action has to show its new values. It reads as the viewer
        // the connection began with sees.
        let connection_loaders = loaders(share.clone(), viewer.visibility());
        connection_loaders.enable_all_cache(false);
        let mut data = Data::default();
        data.insert(share);
        data.insert(connection_loaders);
        data.insert(auth.clone());
        data.insert(viewer);
        self.session = Some(Arc::new(data));
        self.presented = auth;
        self.send_text(protocol::ACK.to_owned()).await
    }

    /// Starts operation `id` from a `subscribe` (or legacy `start`) message's payload.
    async fn start(
        &mut self,
        state: &AppState,
        operations: &mut Operations,
        id: String,
        payload: Option<serde_json::Value>,
    ) -> Next {
        if operations.len() >= self.settings.max_operations && !operations.contains_key(&id) {
            let refused = protocol::refusal(
                self.dialect,
                &id,
                &ApiError::limit(format!(
                    "a connection runs at most {} operations at once",
                    self.settings.max_operations
                )),
            );
            return self.send_text(refused).await;
        }
        // The legacy dialect may reuse a running id: the operation it named ends here, and the
        // new one, if its request can run, takes its place.
        operations.remove(&id);
        let request = payload
            .map(serde_json::from_value::<Request>)
            .unwrap_or_else(|| serde_json::from_str("null"));
        let request = match request {
            Ok(request) => request,
            Err(error) => {
                return match self.dialect {
                    Dialect::TransportWs => {
                        self.close(protocol::BAD_MESSAGE, protocol::INVALID_MESSAGE)
                            .await
                    }
                    Dialect::Legacy => {
                        let refused = protocol::refusal(
                            self.dialect,
                            &id,
                            &ApiError::bad_input(format!("not a GraphQL request: {error}")),
                        );
                        self.send_text(refused).await
                    }
                };
            }
        };
        let Some(session) = self.session.clone() else {
            return self
                .close(protocol::UNAUTHORIZED, protocol::NOT_ACKNOWLEDGED)
                .await;
        };
        let answers = state
            .executor
            .live(request, session)
            .map(Some)
            .chain(futures_util::stream::once(std::future::ready(None)))
            .boxed();
        operations.insert(id, answers);
        Next::Continue
    }

    /// Deals with one message from the client.
    async fn heard(&mut self, state: &AppState, operations: &mut Operations, bytes: &[u8]) -> Next {
        let read = {
            let running = |id: &str| operations.contains_key(id);
            let progress = Progress {
                initialised: self.initialised,
                acknowledged: self.session.is_some(),
                running: &running,
            };
            protocol::read(bytes, self.dialect, &progress)
        };
        let read = match read {
            Ok(read) => read,
            Err((code, reason)) => return self.refuse(code, &reason).await,
        };
        match read {
            ClientMessage::Init(payload) => {
                self.initialised = true;
                self.init(state, payload).await
            }
            ClientMessage::Start(id, payload) => self.start(state, operations, id, payload).await,
            ClientMessage::Stop(id) => {
                if operations.remove(&id).is_some() {
                    self.answer(&id, None).await
                } else {
                    Next::Continue
                }
            }
            ClientMessage::Premature(id) => {
                let refused = protocol::refusal(
                    self.dialect,
                    &id,
                    &ApiError::bad_input("send connection_init and wait for connection_ack first"),
                );
                self.send_text(refused).await
            }
            ClientMessage::Ping => self.send_text(protocol::PONG.to_owned()).await,
            ClientMessage::Terminate => self.close(protocol::NORMAL, "").await,
            ClientMessage::Other => Next::Continue,
        }
    }

    /// The server's ping, after checking the peer still answers and its token still works.
    async fn ping(&mut self, state: &AppState, last_heard: Instant) -> Next {
        if last_heard.elapsed() > self.settings.ping_every * MISSED_PINGS {
            tracing::info!("closing a WebSocket whose peer stopped answering pings");
            return Next::Close;
        }
        // A token revoked since `connection_init` closes the connections it opened.
        if matches!(self.presented, Auth::Presented(_))
            && matches!(self.presented.editor(&state.share()).await, Ok(None))
        {
            return self.close(protocol::FORBIDDEN, protocol::REVOKED).await;
        }
        self.send(Message::Ping(Vec::new().into())).await
    }
}

/// Serves one upgraded connection until either side closes it or the server shuts down.
///
/// The future this returns is the whole of an idle connection's task, so what runs seldom
/// (a client message, which may check a token in the database; a ping) is boxed while it
/// runs instead of sizing every connection's task for it.
pub async fn serve(socket: WebSocket, state: Arc<AppState>) {
    // Held until this function returns, so shutdown can wait for the close frame to go out.
    let _open = state.open_sockets.clone();
    let _counted = GaugeGuard::hold(&state.metrics.websockets);
    let settings = state.ws;
    // The subprotocol the upgrade agreed on.
    let dialect = Dialect::of(socket.protocol().and_then(|v| v.to_str().ok()));
    let mut connection = Connection {
        socket,
        dialect,
        settings,
        initialised: false,
        session: None,
        presented: Auth::Anonymous,
    };
    let mut operations = Operations::new();
    let init_deadline = tokio::time::sleep(settings.init_timeout);
    let mut init_deadline = std::pin::pin!(init_deadline);
    let mut ping = tokio::time::interval(settings.ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.reset();
    let mut last_heard = Instant::now();
    // Waited on across the loop, not made again for each message: every connection waits on
    // the same signal, and registering with it anew for each answer costs them all its lock.
    let mut shutdown = state.shutdown.clone();
    let shutting_down = shutdown.changed();
    let mut shutting_down = std::pin::pin!(shutting_down);

    loop {
        // Shutdown and the deadlines first: a stream of ready answers must not hold them off.
        let next = tokio::select! {
            biased;
            _ = &mut shutting_down => {
                connection.close(protocol::GOING_AWAY, "server shutting down").await
            }
            () = &mut init_deadline, if !connection.initialised => {
                connection
                    .close(protocol::INIT_TIMEOUT, "Connection initialisation timeout")
                    .await
            }
            _ = ping.tick() => Box::pin(connection.ping(&state, last_heard)).await,
            Some((id, answer)) = operations.next(), if !operations.is_empty() => {
                connection.answer(&id, answer).await
            }
            incoming = connection.socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    last_heard = Instant::now();
                    Box::pin(connection.heard(&state, &mut operations, text.as_bytes())).await
                }
                Some(Ok(Message::Binary(bytes))) => {
                    last_heard = Instant::now();
                    Box::pin(connection.heard(&state, &mut operations, &bytes)).await
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                    last_heard = Instant::now();
                    Next::Continue
                }
                Some(Err(err)) if too_big(&err) => {
                    connection.close(protocol::TOO_BIG, "message too big").await
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => Next::Close,
            },
        };
        if let Next::Close = next {
            break;
        }
    }
    finish_close(connection.socket).await;
}

/// Whether a read failed because the message was over the size limit.
fn too_big(err: &axum::Error) -> bool {
    std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<tungstenite::Error>())
        .is_some_and(|err| matches!(err, tungstenite::Error::Capacity(_)))
}

/// Most time spent finishing a close handshake.
const CLOSE_LINGER: Duration = Duration::from_secs(1);
/// Messages read while finishing one, at most.
const CLOSE_LINGER_MESSAGES: usize = 16;

/// Lets the close handshake finish before the socket is dropped: the WebSocket library sends
/// its reply to a client's close, or its 1009 for an oversized message, only while the socket is
/// driven, and bytes left unread when the socket is dropped make the kernel reset the
/// connection, so the client would see 1006 instead of the code. Bounded in time and messages.
async fn finish_close(mut socket: WebSocket) {
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        let _ = futures_util::SinkExt::flush(&mut socket).await;
        for _ in 0..CLOSE_LINGER_MESSAGES {
            match socket.recv().await {
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
}
