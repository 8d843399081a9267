//! The ids clients see (`Node.id`): URL-safe base64 of `Type:number`, checked on decode. Every
//! message that names a row uses them, so an editor is never told of an id they were not given.

use crate::{CoreError, CoreResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The node types a public id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// An actor.
    Actor,
    /// An action.
    Action,
    /// A response link.
    Response,
    /// A source.
    Source,
    /// A story.
    Story,
}

impl NodeType {
    /// Its name inside the id, and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Actor => "Actor",
            Self::Action => "Action",
            Self::Response => "Response",
            Self::Source => "Source",
            Self::Story => "Story",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Self::Actor,
            Self::Action,
            Self::Response,
            Self::Source,
            Self::Story,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

/// The public id of a row.
pub fn encode(kind: NodeType, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name()))
}

/// The public id of an action, for messages.
pub fn action(id: i64) -> String {
    encode(NodeType::Action, id)
}

/// Reads any public id back into its type and row id.
pub fn decode_any(text: &str) -> CoreResult<(NodeType, i64)> {
    let bad = || CoreError::BadInput(format!("{text:?} is not a valid id"));
    if text.len() > 64 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(text.as_bytes()).map_err(|_| bad())?;
    let decoded = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, number) = decoded.split_once(':').ok_or_else(bad)?;
    let kind = NodeType::from_name(name).ok_or_else(bad)?;
    match number.parse::<i64>() {
        // One spelling per id: no sign, no leading zero.
        Ok(n) if n > 0 && !number.starts_with(['+', '0']) => Ok((kind, n)),
        _ => Err(bad()),
    }
}

/// Reads a public id that must name a row of `kind`.
pub fn decode(text: &str, kind: NodeType) -> CoreResult<i64> {
    let (found, n) = decode_any(text)?;
    if found != kind {
        return Err(CoreError::BadInput(format!(
            "{text:?} is the id of a {}, not of a {}",
            found.name(),
            kind.name()
        )));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let id = encode(NodeType::Action, 42);
        assert_eq!(decode(&id, NodeType::Action).ok(), Some(42));
        assert!(decode(&id, NodeType::Actor).is_err());
    }

    proptest::proptest! {
        #[test]
        fn decoding_any_id_never_panics(text in ".{0,100}") {
            let _ = decode_any(&text);
        }

        #[test]
        fn decoding_any_encoded_text_never_panics(text in ".{0,60}") {
            let _ = decode_any(&URL_SAFE_NO_PAD.encode(text));
        }

        #[test]
        fn ids_round_trip(n in 1i64..i64::MAX) {
            proptest::prop_assert_eq!(decode(&encode(NodeType::Source, n), NodeType::Source).ok(), Some(n));
        }
    }

    #[test]
    fn forged_ids_are_refused() {
        for bad in ["", "42", "QWN0aW9uOjA", "QWN0aW9uOi0x", "Rm9vOjE", "!!!!"] {
            assert!(decode_any(bad).is_err(), "{bad:?} should fail");
        }
    }
}
