//! Persisted queries: Apollo's automatic persisted queries (a client sends a query's SHA-256
//! instead of its text once the server knows it) and the allow-list mode, in which only
//! registered operations run.

use crate::error::{ApiError, Code};
use async_graphql::ServerError;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::Arc;

/// Bytes of query texts remembered for automatic persisted queries, per instance.
const REMEMBERED_BYTES: u64 = 16 * 1024 * 1024;

/// Lower-case hex SHA-256 of a query text, as Apollo clients compute it.
pub fn query_hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn error(message: &str, code: Code) -> ServerError {
    ApiError::new(code, message).into_server_error()
}

/// Why a registered-operations file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AllowListError {
    /// The file is not JSON.
    #[error("not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// The JSON is not an array or object of query texts.
    #[error("expected an array or object of query texts")]
    Shape,
}

/// The query texts this instance has seen, by hash: a cache bounded by the bytes it holds, so
/// that however many or however long the texts clients send, it cannot grow past its bound.
/// Forgetting one costs its client one extra round trip.
#[derive(Clone)]
pub struct PersistedQueries(moka::sync::Cache<String, Arc<str>>);

impl Default for PersistedQueries {
    fn default() -> Self {
        Self::new(REMEMBERED_BYTES)
    }
}

/// A request's query text, and whether it is to be remembered once it proves runnable.
pub struct Resolved {
    /// The text to run.
    pub text: String,
    /// The hash to remember it under, when the client sent both.
    remember: Option<String>,
}

impl PersistedQueries {
    /// A cache holding at most `bytes` of hashes and texts.
    pub fn new(bytes: u64) -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(bytes)
                .weigher(|hash: &String, text: &Arc<str>| {
                    u32::try_from(hash.len() + text.len()).unwrap_or(u32::MAX)
                })
                .build(),
        )
    }

    /// The query text of a request: its own (checked against its hash), or the one remembered
    /// for the hash it sends alone. `PERSISTED_QUERY_NOT_FOUND` asks the client to send the
    /// text once; `None` when there is neither.
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: &Map<String, Value>,
    ) -> Result<Option<Resolved>, ServerError> {
        let Some(persisted) = extensions.get("persistedQuery") else {
            return Ok(query.map(|text| Resolved {
                text,
                remember: None,
            }));
        };
        let hash = persisted
            .get("sha256Hash")
            .and_then(|h| h.as_str())
            .filter(|_| persisted.get("version").and_then(Value::as_i64) == Some(1))
            .ok_or_else(|| {
                error(
                    "persistedQuery needs version 1 and a sha256Hash",
                    Code::BadUserInput,
                )
            })?;
        match query {
            Some(text) if query_hash(&text) != hash => Err(error(
                "the sha256Hash does not match the query",
                Code::BadUserInput,
            )),
            Some(text) => Ok(Some(Resolved {
                text,
                remember: Some(hash.to_owned()),
            })),
            None => self
                .0
                .get(hash)
                .map(|text| {
                    Some(Resolved {
                        text: text.to_string(),
                        remember: None,
                    })
                })
                .ok_or_else(|| error("PersistedQueryNotFound", Code::PersistedQueryNotFound)),
        }
    }

    /// Remembers a resolved text under its hash: called once the text has passed the limits,
    /// so only texts that can run take room.
    pub fn remember(&self, resolved: &Resolved) {
        if let Some(hash) = &resolved.remember {
            self.0
                .insert(hash.clone(), Arc::from(resolved.text.as_str()));
        }
    }
}

/// Reads a registered-operations file: a JSON array of query texts, or an object whose values
/// are query texts (names as keys).
pub fn load_allow_list(text: &str) -> Result<HashSet<String>, AllowListError> {
    let value: Value = serde_json::from_str(text)?;
    let texts: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => return Err(AllowListError::Shape),
    };
    texts
        .into_iter()
        .map(|t| t.as_str().map(query_hash).ok_or(AllowListError::Shape))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lower_case_hex_sha256() {
        assert_eq!(
            query_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            query_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_hash_alone_needs_the_text_once() {
        let store = PersistedQueries::default();
        let q = "{ timeline { totalCount } }";
        let ext = |hash: &str| {
            serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        let hash = query_hash(q);
        assert!(store.resolve(None, &ext(&hash)).is_err(), "not yet known");
        let sent = store
            .resolve(Some(q.into()), &ext(&hash))
            .ok()
            .flatten()
            .expect("the text");
        assert_eq!(sent.text, q);
        assert!(
            store.resolve(None, &ext(&hash)).is_err(),
            "not until it proved runnable"
        );
        store.remember(&sent);
        assert_eq!(
            store
                .resolve(None, &ext(&hash))
                .ok()
                .flatten()
                .map(|r| r.text)
                .as_deref(),
            Some(q)
        );
        assert!(
            store
                .resolve(Some("{ other }".into()), &ext(&hash))
                .is_err(),
            "hash mismatch"
        );
    }

    #[test]
    fn the_store_is_bounded_by_bytes_not_entries() {
        let store = PersistedQueries::new(100_000);
        let ext = |hash: &str| {
            serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        for n in 0..50 {
            let text = format!("{{ a{n} }}{}", " ".repeat(10_000));
            let hash = query_hash(&text);
            let resolved = store
                .resolve(Some(text), &ext(&hash))
                .ok()
                .flatten()
                .expect("text");
            store.remember(&resolved);
        }
        store.0.run_pending_tasks();
        assert!(
            store.0.weighted_size() <= 100_000,
            "{}",
            store.0.weighted_size()
        );
    }
}
