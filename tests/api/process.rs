//! Real `standoff serve` processes, for the tests that need a process: signals, crashes,
//! several instances.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// POSTs a GraphQL request to the instance at `addr`, optionally as an editor.
pub async fn post(addr: SocketAddr, auth: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
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

/// One `standoff serve` process.
pub struct Instance {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Instance {
    /// Starts an instance on `db_url` and waits for it to log the address it listens on.
    pub async fn start(db_url: &str) -> Self {
        Self::start_with(db_url, &[]).await
    }

    /// Starts an instance with further environment variables (settings).
    pub async fn start_with(db_url: &str, env: &[(&str, &str)]) -> Self {
        Self::spawn(Command::new(env!("CARGO_BIN_EXE_standoff")), db_url, env).await
    }

    /// Starts an instance that may hold at most `descriptors` open files (util-linux's
    /// `prlimit`, which execs the server in its own place, so the process is the server).
    pub async fn start_with_descriptors(
        db_url: &str,
        env: &[(&str, &str)],
        descriptors: u32,
    ) -> Self {
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--nofile={descriptors}:{descriptors}"))
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_standoff"));
        Self::spawn(command, db_url, env).await
    }

    async fn spawn(mut command: Command, db_url: &str, env: &[(&str, &str)]) -> Self {
        let mut child = command
            .arg("serve")
            .envs(env.iter().copied())
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
        self.signal("-9");
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits (up to 20 s) for the process to exit.
    pub async fn terminate(&mut self) -> ExitStatus {
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal}");
    }

    /// The process's resident memory, in bytes (Linux's `/proc`).
    pub fn resident_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the process is alive");
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kib * 1024
    }

    /// CPU time the process has used so far, user and system, in clock ticks (1/100 s).
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("the process is alive");
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let tick = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // utime and stime are the 14th and 15th fields of the whole line.
        tick(11) + tick(12)
    }

    /// POSTs a GraphQL request, optionally as an editor.
    pub async fn post(&self, auth: Option<&str>, query: &str, variables: Value) -> Value {
        post(self.addr, auth, query, variables).await
    }

    /// The HTTP status of a GET (0 when nothing answers).
    pub async fn status(&self, path: &str) -> u16 {
        match reqwest::get(format!("http://{}{path}", self.addr)).await {
            Ok(response) => response.status().as_u16(),
            Err(_) => 0,
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
