//! The two GraphQL-over-WebSocket protocols' messages: what each client message asks for and
//! which are mistakes, with their close codes (graphql-ws's PROTOCOL.md: 4400, 4401, 4409,
//! 4429; legacy clients are sent `connection_error` first, as they read no codes), and the
//! server's messages.

use serde::Deserialize;

/// A malformed or unknown message.
pub const BAD_MESSAGE: u16 = 4400;
/// An operation before the connection was acknowledged.
pub const UNAUTHORIZED: u16 = 4401;
/// A `connection_init` whose token does not work.
pub const FORBIDDEN: u16 = 4403;
/// No `connection_init` in time.
pub const INIT_TIMEOUT: u16 = 4408;
/// An operation id already running.
pub const DUPLICATE_ID: u16 = 4409;
/// A second `connection_init`.
pub const TOO_MANY_INITS: u16 = 4429;
/// A normal close (RFC 6455).
pub const NORMAL: u16 = 1000;
/// The server is going away (RFC 6455).
pub const GOING_AWAY: u16 = 1001;
/// A message over the size limit (RFC 6455).
pub const TOO_BIG: u16 = 1009;
/// Why `connection_init` is refused: it presented a token that does not work.
pub const INIT_REFUSED: &str = "Forbidden: the token is invalid or revoked";
/// Why a malformed or unknown message closes the connection.
pub const INVALID_MESSAGE: &str = "Invalid message received";
/// Why an operation before the acknowledgement closes the connection.
pub const NOT_ACKNOWLEDGED: &str = "Unauthorized";
/// The server's answer to `connection_init`.
pub const ACK: &str = r#"{"type":"connection_ack"}"#;
/// The server's answer to a graphql-transport-ws `ping`.
pub const PONG: &str = r#"{"type":"pong"}"#;
/// Why a connection is closed when the token it presented has been revoked since.
pub const REVOKED: &str = "Forbidden: the token was revoked";

/// Which of the two subprotocols a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `graphql-transport-ws`, the graphql-ws library's PROTOCOL.md.
    TransportWs,
    /// The legacy `graphql-ws` of subscriptions-transport-ws.
    Legacy,
}

impl Dialect {
    /// The dialect of the subprotocol the upgrade agreed on.
    pub fn of(subprotocol: Option<&str>) -> Self {
        match subprotocol {
            Some(p) if p.eq_ignore_ascii_case("graphql-transport-ws") => Self::TransportWs,
            _ => Self::Legacy,
        }
    }
}

/// A client message's envelope: its type, id and payload.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    payload: Option<serde_json::Value>,
}

/// What a client message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `connection_init`, with its parameters.
    Init(Option<serde_json::Value>),
    /// Start an operation with this id and request (`subscribe`, or legacy `start`).
    Start(String, Option<serde_json::Value>),
    /// Stop the operation with this id (`complete`, or legacy `stop`).
    Stop(String),
    /// An operation the legacy dialect starts before `connection_init`: its protocol has no
    /// close code for that, so the operation alone is refused.
    Premature(String),
    /// `ping` (graphql-transport-ws), to be answered with `pong`.
    Ping,
    /// Legacy `connection_terminate`: the client is leaving.
    Terminate,
    /// Anything else the protocol allows (`pong`, and in the legacy dialect whatever it
    /// does not know).
    Other,
}

/// How far a connection has got, for judging the next client message.
pub struct Progress<'a> {
    /// `connection_init` was received.
    pub initialised: bool,
    /// The server acknowledged it.
    pub acknowledged: bool,
    /// Whether an operation with this id is running now.
    pub running: &'a dyn Fn(&str) -> bool,
}

/// A client mistake: the close code and reason.
pub type Mistake = (u16, String);

fn bad() -> Mistake {
    (BAD_MESSAGE, INVALID_MESSAGE.to_owned())
}

/// Reads a client message (text or binary frame alike) and judges it against the connection's
/// progress. The legacy dialect is lenient: what it does not understand is ignored, and only a
/// second `connection_init`, a bad one, or an operation without an id ends the connection.
pub fn read(bytes: &[u8], dialect: Dialect, progress: &Progress) -> Result<ClientMessage, Mistake> {
    let strict = dialect == Dialect::TransportWs;
    let envelope: Envelope = match serde_json::from_slice(bytes) {
        Ok(envelope) => envelope,
        Err(_) if strict => return Err(bad()),
        Err(_) => return Ok(ClientMessage::Other),
    };
    let id = envelope.id.filter(|id| !id.is_empty());
    match (envelope.kind.as_str(), dialect) {
        ("connection_init", _) if progress.initialised => Err((
            TOO_MANY_INITS,
            "Too many initialisation requests".to_owned(),
        )),
        // The payload is the connection's parameters: an object, or nothing.
        ("connection_init", _)
            if envelope
                .payload
                .as_ref()
                .is_some_and(|p| !(p.is_object() || p.is_null())) =>
        {
            Err(bad())
        }
        ("connection_init", _) => Ok(ClientMessage::Init(envelope.payload)),
        ("ping", Dialect::TransportWs) => Ok(ClientMessage::Ping),
        ("pong", Dialect::TransportWs) => Ok(ClientMessage::Other),
        ("subscribe", Dialect::TransportWs) | ("start", Dialect::Legacy) => {
            let id = id.ok_or_else(bad)?;
            let has_query = envelope
                .payload
                .as_ref()
                .and_then(|p| p.get("query"))
                .is_some_and(serde_json::Value::is_string);
            if strict && !has_query {
                return Err(bad());
            }
            if strict && !progress.acknowledged {
                return Err((UNAUTHORIZED, NOT_ACKNOWLEDGED.to_owned()));
            }
            if strict && (progress.running)(&id) {
                return Err((DUPLICATE_ID, format!("Subscriber for {id} already exists")));
            }
            // Messages are taken in order, so a legacy `start` right behind its
            // `connection_init` is fine; one before it is not.
            if !progress.initialised {
                return Ok(ClientMessage::Premature(id));
            }
            Ok(ClientMessage::Start(id, envelope.payload))
        }
        ("complete", Dialect::TransportWs) | ("stop", Dialect::Legacy) => {
            id.map(ClientMessage::Stop).ok_or_else(bad)
        }
        ("connection_terminate", Dialect::Legacy) => Ok(ClientMessage::Terminate),
        _ if strict => Err(bad()),
        _ => Ok(ClientMessage::Other),
    }
}

/// An operation's answer (`next`, or legacy `data`), its JSON inserted as it is: a shared
/// answer's bytes are the same for every subscriber.
pub fn result(dialect: Dialect, id: &str, json: &str) -> String {
    let kind = match dialect {
        Dialect::TransportWs => "next",
        Dialect::Legacy => "data",
    };
    format!(
        r#"{{"type":"{kind}","id":{},"payload":{json}}}"#,
        quoted(id)
    )
}

/// The end of operation `id`.
pub fn complete(id: &str) -> String {
    format!(r#"{{"type":"complete","id":{}}}"#, quoted(id))
}

/// The legacy dialect's word for a refused connection, sent before it is closed.
pub fn connection_error(reason: &str) -> String {
    serde_json::json!({ "type": "connection_error", "payload": { "message": reason } }).to_string()
}

/// `text` as a JSON string, written straight from the text: this runs once per delivery.
fn quoted(text: &str) -> String {
    // Serialising a string cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}

/// The protocol's error message for an operation refused before it starts.
pub fn refusal(dialect: Dialect, id: &str, error: &crate::error::ApiError) -> String {
    let errors = serde_json::json!([{
        "message": error.message,
        "extensions": { "code": error.code.as_str() },
    }]);
    match dialect {
        Dialect::TransportWs => {
            serde_json::json!({ "type": "error", "id": id, "payload": errors }).to_string()
        }
        Dialect::Legacy => {
            serde_json::json!({ "type": "error", "id": id, "payload": errors[0] }).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any frame a client sends, text or binary, in any state of the connection, is
        /// judged without panicking.
        #[test]
        fn any_client_frame_is_judged_without_panicking(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            text in "[{}\\[\\]\":,a-z_0-9 ]{0,120}",
            initialised: bool,
            acknowledged: bool,
        ) {
            let progress = Progress { initialised, acknowledged, running: &|_| false };
            for dialect in [Dialect::TransportWs, Dialect::Legacy] {
                let _ = read(&bytes, dialect, &progress);
                let _ = read(text.as_bytes(), dialect, &progress);
            }
        }
    }

    /// A JSON value of the shapes clients send, and some they should not: any depth up to 4.
    fn value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[ -~]{0,12}".prop_map(serde_json::Value::from),
            Just(serde_json::json!("{ __typename }")),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("query".to_owned()),
                        Just("variables".to_owned()),
                        "[a-z]{1,6}"
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Messages of the protocols' own shape, with every field varied: never a panic, and in
        /// graphql-transport-ws every refusal is one of the codes its PROTOCOL.md names; in the
        /// legacy dialect only a bad or second `connection_init`, or an operation without an
        /// id, ends the connection.
        #[test]
        fn messages_of_any_shape_get_the_protocols_codes(
            kind in proptest::sample::select(vec![
                "connection_init", "ping", "pong", "subscribe", "complete", "start", "stop",
                "connection_terminate", "next", "", "SUBSCRIBE",
            ]),
            id in proptest::option::of(proptest::prop_oneof![
                proptest::strategy::Just(serde_json::json!("1")),
                proptest::strategy::Just(serde_json::json!("")),
                proptest::strategy::Just(serde_json::json!(7)),
                proptest::strategy::Strategy::prop_map("[ -~]{0,300}", serde_json::Value::from),
            ]),
            payload in proptest::option::of(value()),
            extra in proptest::option::of(value()),
            initialised: bool,
            acknowledged: bool,
            running: bool,
        ) {
            let mut message = serde_json::Map::new();
            message.insert("type".into(), kind.into());
            if let Some(id) = id { message.insert("id".into(), id); }
            if let Some(payload) = payload { message.insert("payload".into(), payload); }
            if let Some(extra) = extra { message.insert("extra".into(), extra); }
            let bytes = serde_json::Value::Object(message).to_string();
            let running = move |_: &str| running;
            let progress = Progress { initialised, acknowledged: acknowledged && initialised, running: &running };
            if let Err((code, reason)) = read(bytes.as_bytes(), Dialect::TransportWs, &progress) {
                proptest::prop_assert!(
                    [BAD_MESSAGE, UNAUTHORIZED, DUPLICATE_ID, TOO_MANY_INITS].contains(&code),
                    "{code} {reason} for {bytes}"
                );
            }
            if let Err((code, _)) = read(bytes.as_bytes(), Dialect::Legacy, &progress) {
                proptest::prop_assert!(
                    matches!(kind, "connection_init" | "start" | "stop"),
                    "the legacy dialect ended the connection ({code}) over {bytes}"
                );
            }
        }

        /// JSON nested far deeper than any message (the parser's recursion limit) is refused,
        /// not a stack overflow.
        #[test]
        fn deeply_nested_json_is_refused_without_overflowing(depth in 129usize..5000) {
            // A well-formed subscribe whose variables nest past serde_json's limit of 128.
            let text = format!(
                r#"{{"type":"subscribe","id":"1","payload":{{"query":"{{ a }}","variables":{{"v":{}{}}}}}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let nothing = |_: &str| false;
            let progress = Progress { initialised: true, acknowledged: true, running: &nothing };
            proptest::prop_assert!(read(text.as_bytes(), Dialect::TransportWs, &progress).is_err());
        }
    }

    fn judge(text: &str, progress: &Progress) -> Result<ClientMessage, u16> {
        read(text.as_bytes(), Dialect::TransportWs, progress).map_err(|(code, _)| code)
    }

    #[test]
    fn each_mistake_gets_the_protocols_own_close_code() {
        let nothing = |_: &str| false;
        let only_1 = |id: &str| id == "1";
        let mut progress = Progress {
            initialised: false,
            acknowledged: false,
            running: &nothing,
        };
        assert_eq!(judge("not json", &progress), Err(BAD_MESSAGE));
        assert_eq!(
            judge(r#"{"type":"start","id":"1"}"#, &progress),
            Err(BAD_MESSAGE)
        );
        let subscribe = r#"{"type":"subscribe","id":"1","payload":{"query":"{ a }"}}"#;
        assert_eq!(judge(subscribe, &progress), Err(UNAUTHORIZED));
        progress.initialised = true;
        progress.acknowledged = true;
        assert_eq!(
            judge(r#"{"type":"connection_init"}"#, &progress),
            Err(TOO_MANY_INITS)
        );
        assert_eq!(
            judge(subscribe, &progress),
            Ok(ClientMessage::Start(
                "1".into(),
                Some(serde_json::json!({ "query": "{ a }" }))
            ))
        );
        progress.running = &only_1;
        assert_eq!(judge(subscribe, &progress), Err(DUPLICATE_ID));
        let progress = Progress {
            initialised: false,
            acknowledged: false,
            running: &nothing,
        };
        assert_eq!(
            judge(
                r#"{"type":"connection_init","payload":"a string"}"#,
                &progress
            ),
            Err(BAD_MESSAGE)
        );
        assert_eq!(
            read(
                br#"{"type":"start","id":"1","payload":{"query":"{ a }"}}"#,
                Dialect::Legacy,
                &progress
            ),
            Ok(ClientMessage::Premature("1".into())),
            "the legacy dialect refuses the operation, not the connection"
        );
    }
}
