//! Tokens, sources and writes against real `standoff serve` processes.

pub use crate::process::Instance;
use serde_json::json;
use std::net::SocketAddr;
use std::process::Command;

/// Makes an editor token with the CLI (migrating first: the CLI never makes a database for a
/// token); returns `Bearer <token>`.
pub fn editor_token(db_url: &str, name: &str) -> String {
    let migrated = Command::new(env!("CARGO_BIN_EXE_standoff"))
        .arg("migrate")
        .env("DATABASE_URL", db_url)
        .output()
        .expect("migrate runs");
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_standoff"))
        .args(["token", "create", "--name", name])
        .env("DATABASE_URL", db_url)
        .output()
        .expect("token create runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("Bearer {}", String::from_utf8_lossy(&out.stdout).trim())
}

/// The global id of the seeded article source.
pub async fn source_id(instance: &Instance) -> String {
    let data = instance
        .post(
            None,
            "{ timeline(first: 1) { nodes { citations { source { id } } } } }",
            json!({}),
        )
        .await;
    data["data"]["timeline"]["nodes"][0]["citations"][0]["source"]["id"]
        .as_str()
        .expect("source id")
        .to_owned()
}

/// Records a statement through the instance at `addr`; panics on any error.
pub async fn record(addr: SocketAddr, auth: &str, source: &str, title: &str) {
    let body = crate::process::post(
        addr,
        Some(auth),
        "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }",
        json!({ "input": {
            "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-10-01T00:00:00Z",
            "title": title, "citations": [{ "sourceId": source }]
        }}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
}
