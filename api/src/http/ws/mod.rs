//! `/graphql/ws`: GraphQL over WebSocket in both subprotocols, `graphql-transport-ws` (the
//! graphql-ws library) and the legacy `graphql-ws`. axum picks the subprotocol and
//! async-graphql-axum's `GraphQLProtocol` refuses an upgrade that names neither; `protocol`
//! holds the messages, `connection` the conversation and its operations.

mod connection;
mod protocol;

pub use connection::{SocketsPerClient, WsSettings};

use super::AppState;
use crate::error::ApiError;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::GraphQLProtocol;
use axum::Extension;
use axum::extract::ConnectInfo;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// Upgrades to a WebSocket speaking the subprotocol the client asked for.
pub async fn upgrade(
    Extension(state): Extension<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    protocol: Result<GraphQLProtocol, StatusCode>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The connection reads the subprotocol agreed on from the socket itself.
    if protocol.is_err() {
        return ApiError::bad_input(
            "ask for the graphql-transport-ws (or legacy graphql-ws) subprotocol",
        )
        .into_response();
    }
    let client = state.proxies.client(&headers, peer);
    let Some(slot) = state.sockets.take(client, state.ws.max_per_client) else {
        return ApiError::limit("too many WebSocket connections from this address")
            .with_status(StatusCode::TOO_MANY_REQUESTS)
            .into_response();
    };
    // Small buffers: most sockets idle between events, and tungstenite's 128 KiB defaults
    // would cost that much per subscriber. A peer that lets 1 MiB of events pile up unread is
    // disconnected rather than buffered without end. A message is no larger than a request
    // body may be.
    upgrade
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(state.max_body_bytes)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            connection::serve(socket, state).await;
            drop(slot);
        })
}
