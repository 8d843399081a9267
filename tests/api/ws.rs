//! A minimal GraphQL-over-WebSocket client for the tests, speaking either subprotocol.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a message it expects.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One WebSocket connection to `/graphql/ws`.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    legacy: bool,
}

/// The upgrade request for `/graphql/ws` asking for `protocol`.
fn upgrade_request(
    addr: std::net::SocketAddr,
    protocol: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        protocol.parse().expect("header value"),
    );
    request
}

/// Opens a socket with `protocol` without initialising it.
pub async fn open(addr: std::net::SocketAddr, protocol: &str) -> WsClient {
    let (socket, response) = tokio_tungstenite::connect_async(upgrade_request(addr, protocol))
        .await
        .expect("websocket connects");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some(protocol),
        "the server speaks the asked subprotocol"
    );
    WsClient {
        socket,
        legacy: protocol == "graphql-ws",
    }
}

/// Opens and initialises a `graphql-transport-ws` socket whose receive buffer is `bytes` long,
/// so the server's sends to it stall soon after this client stops reading.
pub async fn connect_narrow(addr: std::net::SocketAddr, bytes: u32) -> WsClient {
    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    tcp.set_recv_buffer_size(bytes).expect("receive buffer");
    let stream = tcp.connect(addr).await.expect("connects");
    let request = upgrade_request(addr, "graphql-transport-ws");
    let (socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
        .await
        .expect("websocket connects");
    let mut client = WsClient {
        socket,
        legacy: false,
    };
    client.initialise(json!({})).await;
    client
}

/// Opens and initialises a socket (`payload` as the connection_init payload).
pub async fn connect(addr: std::net::SocketAddr, protocol: &str, payload: Value) -> WsClient {
    let mut client = open(addr, protocol).await;
    client.initialise(payload).await;
    client
}

impl WsClient {
    /// Sends `connection_init` with `payload` and waits for its acknowledgement.
    async fn initialise(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = self
            .next_message()
            .await
            .expect("an answer to connection_init");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
    }

    /// Sends one protocol message.
    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("sent");
    }

    /// Sends a protocol message as a binary frame.
    pub async fn send_binary(&mut self, message: Value) {
        self.socket
            .send(Message::Binary(message.to_string().into_bytes().into()))
            .await
            .expect("sent");
    }

    /// Sends raw text, well-formed or not.
    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.to_owned().into()))
            .await
            .expect("sent");
    }

    /// Starts an operation under `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({
            "id": id, "type": kind,
            "payload": { "query": query, "variables": variables }
        }))
        .await;
    }

    /// The next protocol message, answering protocol pings on the way; `None` on close.
    pub async fn next_message(&mut self) -> Option<Value> {
        // One deadline for the message, not per frame: the server's pings would renew it forever.
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .expect("a message in time")?;
            match frame.expect("frame") {
                Message::Text(text) => {
                    let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    match message["type"].as_str() {
                        Some("ping") => self.send(json!({ "type": "pong" })).await,
                        Some("ka") => {}
                        _ => return Some(message),
                    }
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// The payload of the next result for any operation (completions of earlier ones skipped).
    pub async fn next_payload(&mut self) -> Value {
        let mut message = self.next_message().await.expect("a result before close");
        while message["type"] == "complete" {
            message = self.next_message().await.expect("a result before close");
        }
        let expected = if self.legacy { "data" } else { "next" };
        assert_eq!(message["type"], expected, "{message}");
        message["payload"].clone()
    }

    /// The next `timelineEvents` event.
    pub async fn next_event(&mut self) -> Value {
        let payload = self.next_payload().await;
        assert!(payload.get("errors").is_none(), "{payload}");
        payload["data"]["timelineEvents"].clone()
    }

    /// The next `timelineEvents` event if one arrives within `wait`.
    pub async fn event_within(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.next_event()).await.ok()
    }

    /// Whether anything arrives within `wait` (used to prove that nothing else was sent).
    pub async fn quiet_for(&mut self, wait: Duration) -> bool {
        // One deadline for the whole wait: the server's pings would otherwise renew it forever.
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return true,
                Ok(Some(Ok(Message::Text(text)))) => {
                    let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return false;
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(_) => return false,
            }
        }
    }

    /// Sends raw bytes as a binary frame.
    pub async fn send_bytes(&mut self, bytes: Vec<u8>) {
        // The server may already have closed over an earlier frame; that is for the reader.
        let _ = self.socket.send(Message::Binary(bytes.into())).await;
    }

    /// Sends raw text, ignoring whether the server still listens.
    pub async fn try_send_text(&mut self, text: &str) {
        let _ = self
            .socket
            .send(Message::Text(text.to_owned().into()))
            .await;
    }

    /// Reads what the server sends until it closes (`Some` of its close code, `None` inside
    /// when it closed without one) or stays quiet for `wait` (`None`).
    pub async fn closed_within(&mut self, wait: Duration) -> Option<Option<u16>> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Err(_) => return None,
                Ok(Some(Ok(Message::Close(frame)))) => return Some(frame.map(|f| f.code.into())),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) => return Some(None),
            }
        }
    }

    /// Reads until the server closes; returns the close code.
    pub async fn close_code(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .expect("the server closes in time");
            match frame {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Whether the server has ended the connection (reading what it sent before that).
    pub async fn closed_by_server(&mut self) -> bool {
        let ended = async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => continue,
                }
            }
        };
        tokio::time::timeout(PATIENCE, ended).await.is_ok()
    }

    /// Waits for a WebSocket ping frame from the server.
    pub async fn server_ping(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .expect("a frame in time");
            match frame {
                Some(Ok(Message::Ping(_))) => return true,
                Some(Ok(_)) => continue,
                _ => return false,
            }
        }
    }

    /// Closes the connection from the client side.
    pub async fn hang_up(mut self) {
        let _ = self.socket.close(None).await;
    }
}
