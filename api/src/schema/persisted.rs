//! Persisted queries: Apollo's automatic persisted queries (a client sends a query's SHA-256
//! instead of its text once the server knows it) and the allow-list mode, in which only
//! registered operations run.

use crate::error::{ApiError, Code};
use async_graphql::ServerError;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Queries remembered for automatic persisted queries, per instance.
const REMEMBERED: usize = 2000;

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

/// The query texts this instance has seen with their hashes (bounded).
#[derive(Clone, Default)]
pub struct PersistedQueries(Arc<Mutex<HashMap<String, String>>>);

impl PersistedQueries {
    /// The query text of a request: its own, checked against and remembered under its hash, or
    /// the one remembered for the hash it sends alone. `PERSISTED_QUERY_NOT_FOUND` asks the
    /// client to send the text once.
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: &Map<String, Value>,
    ) -> Result<Option<String>, ServerError> {
        let Some(persisted) = extensions.get("persistedQuery") else {
            return Ok(query);
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
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match query {
            Some(text) => {
                if query_hash(&text) != hash {
                    return Err(error(
                        "the sha256Hash does not match the query",
                        Code::BadUserInput,
                    ));
                }
                if known.len() >= REMEMBERED {
                    // Forgetting one query costs its client one extra round trip.
                    if let Some(old) = known.keys().next().cloned() {
                        known.remove(&old);
                    }
                }
                known.insert(hash.to_owned(), text.clone());
                Ok(Some(text))
            }
            None => known
                .get(hash)
                .cloned()
                .map(Some)
                .ok_or_else(|| error("PersistedQueryNotFound", Code::PersistedQueryNotFound)),
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
        assert_eq!(
            store
                .resolve(Some(q.into()), &ext(&hash))
                .ok()
                .flatten()
                .as_deref(),
            Some(q)
        );
        assert_eq!(
            store.resolve(None, &ext(&hash)).ok().flatten().as_deref(),
            Some(q)
        );
        assert!(
            store
                .resolve(Some("{ other }".into()), &ext(&hash))
                .is_err(),
            "hash mismatch"
        );
    }
}
