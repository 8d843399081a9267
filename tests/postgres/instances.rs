//! Running real `standoff serve` processes.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One `standoff serve` process.
pub struct Instance {
    child: Child,
    pub addr: SocketAddr,
}

impl Instance {
    /// Starts an instance on `db_url` and waits for it to listen.
    pub async fn start(db_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_standoff"))
            .arg("serve")
            .env("DATABASE_URL", db_url)
            .env("STANDOFF_BIND", "127.0.0.1:0")
            .env("STANDOFF_DB_ACQUIRE_TIMEOUT_SECS", "2")
            .env("STANDOFF_DB_CONNECT_TIMEOUT_SECS", "2")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("playground at http://").nth(1) {
                    let addr: String = rest.chars().take_while(|c| *c != '/').collect();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(90)))
            .await
            .expect("join")
            .expect("serve logs its address")
            .parse()
            .expect("address");
        Self { child, addr }
    }

    /// Ends the process at once, as a crash would.
    pub fn kill9(&mut self) {
        let _ = Command::new("kill")
            .args(["-9", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    /// POSTs a GraphQL request, optionally as an editor.
    pub async fn post(&self, auth: Option<&str>, query: &str, variables: Value) -> Value {
        Remote(self.addr).post(auth, query, variables).await
    }

    /// The HTTP status of a GET.
    pub async fn status(&self, path: &str) -> u16 {
        match reqwest::get(format!("http://{}{path}", self.addr)).await {
            Ok(response) => response.status().as_u16(),
            Err(_) => 0,
        }
    }
}

/// An instance known only by its address (for tasks that outlive a borrow).
struct Remote(SocketAddr);

impl Remote {
    async fn post(&self, auth: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("http://{}/graphql", self.0))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes an editor token with the CLI; returns `Bearer <token>`.
pub fn editor_token(db_url: &str, name: &str) -> String {
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
    let instance = Remote(addr);
    let body = instance
        .post(
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
