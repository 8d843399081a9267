//! `/graphql/ws`: GraphQL over WebSocket in both subprotocols, `graphql-transport-ws` (the
//! graphql-ws library) and the legacy `graphql-ws`.
//!
//! async-graphql speaks the protocols; this loop around it adds what a public service needs:
//! a client that never sends `connection_init` is closed with 4408, the server pings and drops
//! peers that stop answering, and on shutdown every socket is closed with 1001 so clients
//! reconnect elsewhere.

use super::AppState;
use super::graphql::authenticate;
use crate::metrics::GaugeGuard;
use crate::schema::auth::Auth;
use crate::schema::loader::loaders;
use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Close codes of graphql-ws's PROTOCOL.md for a client's mistakes.
const BAD_MESSAGE: u16 = 4400;
const UNAUTHORIZED: u16 = 4401;
const FORBIDDEN: u16 = 4403;
const INIT_TIMEOUT: u16 = 4408;
const DUPLICATE_ID: u16 = 4409;
const TOO_MANY_INITS: u16 = 4429;
/// Why `connection_init` is refused: it presented a token that does not work.
const INIT_REFUSED: &str = "Forbidden: the token is invalid or revoked";
/// Close code for a server going away (RFC 6455).
const GOING_AWAY: u16 = 1001;
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
    /// Whether the client's address comes from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
}

/// Open WebSockets per client address.
#[derive(Clone, Default)]
pub struct SocketsPerClient(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One counted connection; the count goes down when it is dropped.
struct ClientSlot {
    counts: SocketsPerClient,
    client: IpAddr,
}

impl SocketsPerClient {
    fn take(&self, client: IpAddr, max: usize) -> Option<ClientSlot> {
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

/// The operation a client message starts or stops, by id.
enum Operation {
    Start(String),
    Stop(String),
    Other,
}

fn operation(message: &serde_json::Value) -> Operation {
    let id = message
        .get("id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    match (message.get("type").and_then(|t| t.as_str()), id) {
        (Some("subscribe" | "start"), Some(id)) => Operation::Start(id),
        (Some("complete" | "stop"), Some(id)) => Operation::Stop(id),
        _ => Operation::Other,
    }
}

/// Checks a graphql-transport-ws client message against the protocol before async-graphql
/// sees it, so each mistake closes the socket with the code PROTOCOL.md gives it (async-graphql
/// itself answers some of them with 1002 or 1011).
fn check_message(
    message: &serde_json::Value,
    initialised: bool,
    acknowledged: bool,
    running: &std::collections::HashSet<String>,
) -> Result<(), (u16, String)> {
    let bad = || (BAD_MESSAGE, "Invalid message received".to_owned());
    let id = || {
        message
            .get("id")
            .and_then(|v| v.as_str())
            .filter(|id| !id.is_empty())
    };
    match message.get("type").and_then(|t| t.as_str()) {
        Some("connection_init") if initialised => Err((
            TOO_MANY_INITS,
            "Too many initialisation requests".to_owned(),
        )),
        Some("connection_init" | "ping" | "pong") => Ok(()),
        Some("subscribe") => {
            let id = id().ok_or_else(bad)?;
            let has_query = message
                .get("payload")
                .and_then(|p| p.get("query"))
                .is_some_and(|q| q.is_string());
            if !has_query {
                return Err(bad());
            }
            if !acknowledged {
                return Err((UNAUTHORIZED, "Unauthorized".to_owned()));
            }
            if running.contains(id) {
                return Err((DUPLICATE_ID, format!("Subscriber for {id} already exists")));
            }
            Ok(())
        }
        Some("complete") => id().map(|_| ()).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// The protocol's error message for an operation refused before it starts.
fn refusal(protocol: WebSocketProtocols, id: &str, message: &str) -> String {
    let error =
        serde_json::json!([{ "message": message, "extensions": { "code": "LIMIT_EXCEEDED" } }]);
    match protocol {
        WebSocketProtocols::GraphQLWS => {
            serde_json::json!({ "type": "error", "id": id, "payload": error }).to_string()
        }
        WebSocketProtocols::SubscriptionsTransportWS => {
            serde_json::json!({ "type": "error", "id": id, "payload": error[0] }).to_string()
        }
    }
}

/// Upgrades to a WebSocket speaking the subprotocol the client asked for.
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "ask for the graphql-transport-ws (or legacy graphql-ws) subprotocol",
        )
            .into_response();
    };
    let client = super::rate::client_address(&headers, peer, state.ws.trust_forwarded_for);
    let Some(slot) = state.sockets.take(client, state.ws.max_per_client) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "too many WebSocket connections from this address",
        )
            .into_response();
    };
    // Small buffers: most sockets idle between events, and tungstenite's 128 KiB defaults
    // would cost that much per subscriber. A peer that lets 1 MiB of events pile up unread is
    // disconnected rather than buffered without end.
    upgrade
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            serve(socket, state, protocol).await;
            drop(slot);
        })
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn serve(socket: WebSocket, state: AppState, protocol: WebSocketProtocols) {
    // Held until this function returns, so shutdown can wait for the close frame to go out.
    let _open = state.open_sockets.clone();
    let _counted = GaugeGuard::hold(&state.metrics.websockets);
    let settings = state.ws;
    let (mut sink, mut source) = socket.split();
    let (to_protocol, mut from_client) = mpsc::channel::<Vec<u8>>(32);
    let client_messages = async_stream::stream! {
        while let Some(message) = from_client.recv().await {
            yield message;
        }
    };

    // Events are single items read long after the connection began, so the loader must not
    // cache: a corrected action has to show its new values.
    let connection_loaders = loaders(state.db.clone());
    connection_loaders.enable_all_cache(false);
    let mut data = Data::default();
    data.insert(connection_loaders);
    data.insert(Auth::Anonymous);
    let db = state.db.clone();
    let protocol_machine =
        async_graphql::http::WebSocket::new(state.schema.clone(), client_messages, protocol)
            .connection_data(data)
            .on_connection_init(move |payload| async move {
                let mut data = Data::default();
                let auth = match payload
                    .get("authorization")
                    .or_else(|| payload.get("Authorization"))
                {
                    Some(value) => authenticate(&db, value.as_str()).await,
                    None => Auth::Anonymous,
                };
                // Reads need no token, but a client that presents a bad one is told so.
                if matches!(auth, Auth::Invalid) {
                    return Err(async_graphql::Error::new(INIT_REFUSED));
                }
                data.insert(auth);
                Ok(data)
            });
    let mut protocol_machine = std::pin::pin!(protocol_machine);

    let init_deadline = tokio::time::sleep(settings.init_timeout);
    let mut init_deadline = std::pin::pin!(init_deadline);
    let mut initialised = false;
    let mut acknowledged = false;
    let strict = matches!(protocol, WebSocketProtocols::GraphQLWS);
    let mut ping = tokio::time::interval(settings.ping_every);
    ping.reset();
    let mut last_heard = Instant::now();
    let mut shutdown = state.shutdown.clone();
    let mut running: std::collections::HashSet<String> = std::collections::HashSet::new();

    loop {
        tokio::select! {
            incoming = source.next() => {
                let bytes = match incoming {
                    Some(Ok(Message::Text(text))) => {
                        let message: serde_json::Value =
                            serde_json::from_str(text.as_str()).unwrap_or_default();
                        if strict
                            && let Err((code, reason)) =
                                check_message(&message, initialised, acknowledged, &running)
                        {
                            let _ = sink.send(close(code, &reason)).await;
                            break;
                        }
                        if message.get("type").and_then(|t| t.as_str()) == Some("connection_init") {
                            initialised = true;
                        }
                        match operation(&message) {
                            Operation::Start(id) if !running.contains(&id)
                                && running.len() >= settings.max_operations => {
                                let refused = refusal(
                                    protocol,
                                    &id,
                                    &format!("a connection runs at most {} operations at once", settings.max_operations),
                                );
                                if sink.send(Message::Text(refused.into())).await.is_err() {
                                    break;
                                }
                                continue;
                            }
                            Operation::Start(id) => {
                                running.insert(id);
                            }
                            Operation::Stop(id) => {
                                running.remove(&id);
                            }
                            Operation::Other => {}
                        }
                        text.as_bytes().to_vec()
                    }
                    Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                        last_heard = Instant::now();
                        continue;
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                last_heard = Instant::now();
                if to_protocol.send(bytes).await.is_err() {
                    break;
                }
            }
            outgoing = protocol_machine.next() => {
                let message = match outgoing {
                    Some(WsMessage::Text(text)) => {
                        // An operation the server completed no longer counts against the limit.
                        // Results are most of the traffic and need no look; async-graphql
                        // writes the `type` tag first, so a prefix tells them apart.
                        let result = text.starts_with(r#"{"type":"next""#)
                            || text.starts_with(r#"{"type":"data""#);
                        if !result
                            && let Ok(sent) = serde_json::from_str::<serde_json::Value>(&text)
                        {
                            match sent.get("type").and_then(|t| t.as_str()) {
                                Some("connection_ack") => acknowledged = true,
                                Some("complete" | "error") => {
                                    if let Some(id) = sent.get("id").and_then(|v| v.as_str()) {
                                        running.remove(id);
                                    }
                                }
                                _ => {}
                            }
                        }
                        Message::Text(text.into())
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        // async-graphql closes with 1002 or 1011 for some client mistakes;
                        // graphql-ws clients expect the protocol's own codes.
                        let code = match (strict, code) {
                            (true, 1002) if reason == INIT_REFUSED => FORBIDDEN,
                            (true, 1002) => BAD_MESSAGE,
                            (true, 1011) => UNAUTHORIZED,
                            _ => code,
                        };
                        let _ = sink.send(close(code, &reason)).await;
                        break;
                    }
                    None => break,
                };
                if sink.send(message).await.is_err() {
                    break;
                }
            }
            () = &mut init_deadline, if !initialised => {
                let _ = sink.send(close(INIT_TIMEOUT, "Connection initialisation timeout")).await;
                break;
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > settings.ping_every * MISSED_PINGS {
                    tracing::info!("closing a WebSocket whose peer stopped answering pings");
                    break;
                }
                if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
            _ = shutdown.changed() => {
                let _ = sink.send(close(GOING_AWAY, "server shutting down")).await;
                break;
            }
        }
    }
}
