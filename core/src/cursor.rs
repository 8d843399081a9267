//! Opaque cursors: URL-safe base64 of a tagged position, checked field by field on decode so a
//! forged or truncated cursor is refused instead of paging from a wrong place.

use super::{CoreError, CoreResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

/// Longest encoded cursor accepted; real ones are far shorter.
const MAX_CURSOR_LEN: usize = 200;

/// A position on the timeline: the keyset `(order_key, id)` (see [`crate::order`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimelineCursor {
    /// The action's order key.
    pub order_key: i64,
    /// The action's id, which orders actions sharing a key.
    pub id: i64,
}

/// Order keys an action can have: from the first second of year 1 to well past year 9999.
fn is_order_key(key: i64) -> bool {
    let first = DateTime::<Utc>::from_timestamp(-62_135_596_800, 0).map(crate::order::own_key);
    let last = DateTime::<Utc>::from_timestamp(253_402_300_800, 0).map(crate::order::own_key);
    matches!((first, last), (Some(first), Some(last)) if (first..=2 * last).contains(&key))
}

/// A position in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor(pub i64);

/// A position in the alphabetical list of actors (by slug, which is unique).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorCursor(pub String);

/// A position in the list of sources, newest first (by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceCursor(pub i64);

/// A position in the alphabetical list of stories (by slug, which is unique).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryCursor(pub String);

fn wrap(tag: &str, body: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}:{body}"))
}

fn unwrap<'a>(text: &str, tag: &str, buf: &'a mut String) -> CoreResult<&'a str> {
    let bad = || CoreError::BadInput(format!("{text:?} is not a valid cursor for this list"));
    if text.is_empty() || text.len() > MAX_CURSOR_LEN {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    *buf = String::from_utf8(bytes).map_err(|_| bad())?;
    buf.strip_prefix(tag)
        .and_then(|rest| rest.strip_prefix(':'))
        .ok_or_else(bad)
}

impl TimelineCursor {
    /// Encodes the position as an opaque string.
    pub fn encode(&self) -> String {
        wrap("t2", &format!("{}:{}", self.order_key, self.id))
    }

    /// Decodes a string made by [`TimelineCursor::encode`].
    pub fn decode(text: &str) -> CoreResult<Self> {
        let mut buf = String::new();
        let body = unwrap(text, "t2", &mut buf)?;
        let bad = || CoreError::BadInput(format!("{text:?} is not a valid timeline cursor"));
        let (key, id) = body.split_once(':').ok_or_else(bad)?;
        let order_key: i64 = key.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        if id < 1 || !is_order_key(order_key) {
            return Err(bad());
        }
        Ok(Self { order_key, id })
    }
}

impl ChangeCursor {
    /// Encodes the sequence number as an opaque string.
    pub fn encode(&self) -> String {
        wrap("c1", &self.0.to_string())
    }

    /// Decodes a string made by [`ChangeCursor::encode`].
    pub fn decode(text: &str) -> CoreResult<Self> {
        let mut buf = String::new();
        let body = unwrap(text, "c1", &mut buf)?;
        match body.parse::<i64>() {
            Ok(seq) if seq >= 0 => Ok(Self(seq)),
            _ => Err(CoreError::BadInput(format!(
                "{text:?} is not a valid change cursor"
            ))),
        }
    }
}

impl SourceCursor {
    /// Encodes the id as an opaque string.
    pub fn encode(&self) -> String {
        wrap("r1", &self.0.to_string())
    }

    /// Decodes a string made by [`SourceCursor::encode`].
    pub fn decode(text: &str) -> CoreResult<Self> {
        let mut buf = String::new();
        let body = unwrap(text, "r1", &mut buf)?;
        match body.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Self(id)),
            _ => Err(CoreError::BadInput(format!(
                "{text:?} is not a valid source cursor"
            ))),
        }
    }
}

impl ActorCursor {
    /// Encodes the slug as an opaque string.
    pub fn encode(&self) -> String {
        wrap("a1", &self.0)
    }

    /// Decodes a string made by [`ActorCursor::encode`].
    pub fn decode(text: &str) -> CoreResult<Self> {
        let mut buf = String::new();
        let body = unwrap(text, "a1", &mut buf)?;
        if !crate::check::is_slug(body) {
            return Err(CoreError::BadInput(format!(
                "{text:?} is not a valid actor cursor"
            )));
        }
        Ok(Self(body.to_owned()))
    }
}

impl StoryCursor {
    /// Encodes the slug as an opaque string.
    pub fn encode(&self) -> String {
        wrap("s1", &self.0)
    }

    /// Decodes a string made by [`StoryCursor::encode`].
    pub fn decode(text: &str) -> CoreResult<Self> {
        let mut buf = String::new();
        let body = unwrap(text, "s1", &mut buf)?;
        if !crate::check::is_slug(body) {
            return Err(CoreError::BadInput(format!(
                "{text:?} is not a valid story cursor"
            )));
        }
        Ok(Self(body.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_cursors_round_trip() {
        let at: DateTime<Utc> = "2025-08-30T12:34:56Z".parse().expect("instant");
        let c = TimelineCursor {
            order_key: crate::order::own_key(at) + 3,
            id: 42,
        };
        assert_eq!(TimelineCursor::decode(&c.encode()).expect("decodes"), c);
    }

    #[test]
    fn change_and_actor_cursors_round_trip() {
        assert_eq!(
            ChangeCursor::decode(&ChangeCursor(7).encode()).expect("decodes"),
            ChangeCursor(7)
        );
        let a = ActorCursor("jb-pritzker".into());
        assert_eq!(ActorCursor::decode(&a.encode()).expect("decodes"), a);
    }

    proptest::proptest! {
        #[test]
        fn decoding_any_text_never_panics(text in ".{0,300}") {
            let _ = TimelineCursor::decode(&text);
            let _ = ChangeCursor::decode(&text);
            let _ = ActorCursor::decode(&text);
        }

        #[test]
        fn every_position_round_trips(secs in -62_000_000_000i64..250_000_000_000i64, rank in 0i64..65536, id in 1i64..i64::MAX) {
            let c = TimelineCursor { order_key: secs * crate::order::PER_SECOND + rank, id };
            proptest::prop_assert_eq!(TimelineCursor::decode(&c.encode()).ok(), Some(c));
        }

        #[test]
        fn decoding_any_wrapped_body_never_panics(body in ".{0,120}") {
            let _ = TimelineCursor::decode(&wrap("t2", &body));
            let _ = ChangeCursor::decode(&wrap("c1", &body));
            let _ = ActorCursor::decode(&wrap("a1", &body));
        }
    }

    #[test]
    fn forged_cursors_are_refused() {
        let wrong_kind = ChangeCursor(3).encode();
        for bad in [
            "",
            "not base64!",
            "dDE6",
            &wrap("t2", "abc:1"),
            &wrap("t2", "1:0"),
            &wrap("t2", "1"),
            &wrap("t2", "99999999999999999999:1"),
            &wrap("t2", "-9000000000000000000:1"),
            &wrap("t1", "1756557296000000:1"),
            &wrong_kind,
            &"A".repeat(500),
        ] {
            assert!(TimelineCursor::decode(bad).is_err(), "{bad:?} should fail");
        }
        assert!(ChangeCursor::decode(&wrap("c1", "-4")).is_err());
    }
}
