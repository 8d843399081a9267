//! Spawning the app and talking GraphQL to it.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use standoff_api::config::{DatabaseSettings, ServerSettings};
use standoff_core::db::StatementCounter;
use standoff_entities::{
    action, action_target, actor, api_token, change, citation, response, source,
};
use std::net::SocketAddr;
use tempfile::TempDir;

/// Names a PostgreSQL server (`postgres://user@host:port`) to run the suite on instead of
/// SQLite; each test then gets a scratch database there.
pub const POSTGRES_ENV: &str = "STANDOFF_TEST_POSTGRES";

/// A fresh, empty database for one test. The directory holds a SQLite file (or nothing, on
/// PostgreSQL) and lives as long as the value.
pub struct FreshDatabase {
    pub url: String,
    pub dir: TempDir,
}

/// A new database: a SQLite file, or a scratch database on the server `STANDOFF_TEST_POSTGRES`
/// names (`.ci/run` drops the scratch databases afterwards). An unreachable server fails the
/// test; nothing is skipped.
pub async fn fresh_database() -> FreshDatabase {
    use sea_orm::sqlx::{Connection, Executor, PgConnection};
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::var(POSTGRES_ENV) {
        Ok(server) => {
            let server = server.trim_end_matches('/');
            let name = format!(
                "standoff_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                chrono::Utc::now().timestamp_micros()
            );
            let mut admin = PgConnection::connect(&format!("{server}/postgres"))
                .await
                .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={server} is unreachable: {e}"));
            let create = format!("CREATE DATABASE {name}");
            admin
                .execute(sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(create)))
                .await
                .expect("scratch database created");
            format!("{server}/{name}")
        }
        Err(_) => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("standoff.db").display()
        ),
    };
    FreshDatabase { url, dir }
}

/// A running app on its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The database's URL, for the CLI.
    pub url: String,
    pub client: reqwest::Client,
    pub statements: StatementCounter,
    pub db: DatabaseConnection,
    /// The instance's change feed.
    pub feed: standoff_core::feed::ChangeFeed,
    _dir: TempDir,
}

/// Starts the app seeded with the Chicago story.
pub async fn spawn_app() -> TestApp {
    spawn(false).await
}

/// Starts the app on an empty (migrated, unseeded) database.
pub async fn spawn_empty_app() -> TestApp {
    spawn(true).await
}

/// Starts the app on a given database URL; `dir` is kept alive as long as the app.
pub async fn spawn_app_on(db_url: String, dir: TempDir) -> TestApp {
    spawn_with(db_url, dir, false, |_| {}).await
}

/// Starts another instance on `app`'s database (a second server behind a load balancer), with
/// its settings changed by `configure`.
pub async fn spawn_beside(app: &TestApp, configure: impl FnOnce(&mut ServerSettings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_with(app.url.clone(), dir, true, configure).await
}

/// Starts the seeded app allowing cross-origin calls from `origins`.
pub async fn spawn_app_with_cors(origins: &[&str]) -> TestApp {
    let origins: Vec<String> = origins.iter().map(|o| (*o).to_owned()).collect();
    spawn_app_configured(move |s| s.cors_origins = origins).await
}

/// Starts the seeded app with its server settings changed by `configure`.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut ServerSettings)) -> TestApp {
    let db = fresh_database().await;
    spawn_with(db.url, db.dir, false, configure).await
}

/// Starts the seeded app with its pool and its server settings changed.
pub async fn spawn_app_with_pool(
    pool: impl FnOnce(&mut DatabaseSettings),
    configure: impl FnOnce(&mut ServerSettings),
) -> TestApp {
    let db = fresh_database().await;
    let mut database = DatabaseSettings::new(db.url);
    pool(&mut database);
    spawn_on(database, db.dir, false, configure).await
}

async fn spawn(no_seed: bool) -> TestApp {
    let db = fresh_database().await;
    spawn_with(db.url, db.dir, no_seed, |_| {}).await
}

async fn spawn_with(
    db_url: String,
    dir: TempDir,
    no_seed: bool,
    configure: impl FnOnce(&mut ServerSettings),
) -> TestApp {
    spawn_on(DatabaseSettings::new(db_url), dir, no_seed, configure).await
}

async fn spawn_on(
    database: DatabaseSettings,
    dir: TempDir,
    no_seed: bool,
    configure: impl FnOnce(&mut ServerSettings),
) -> TestApp {
    let mut server = ServerSettings {
        bind: "127.0.0.1:0".parse().expect("address"),
        no_seed,
        // Short WebSocket timings so the 4408 and ping tests run in seconds.
        ws_init_timeout_secs: 1,
        ws_ping_secs: 2,
        ..ServerSettings::default()
    };
    configure(&mut server);
    let app = standoff::application(&database, &server)
        .await
        .expect("app builds");
    let addr = app.local_addr().expect("bound address");
    let statements = app.statements();
    let db = app.database();
    let feed = app.feed();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        addr,
        url: database.url.clone(),
        client: reqwest::Client::new(),
        statements,
        db,
        feed,
        _dir: dir,
    }
}

impl TestApp {
    /// The URL of a path on the app.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GETs a path on the app.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("sent")
    }

    /// GETs a path on the app and returns its body as text.
    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("text")
    }

    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.post_with(None, query, variables).await
    }

    /// POSTs a GraphQL request with an optional Authorization value.
    pub async fn post_with(&self, auth: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// Makes an editor token through the service the CLI uses; returns `Bearer <token>`.
    pub async fn editor(&self, name: &str) -> String {
        self.token(name, standoff_entities::Role::Editor).await
    }

    /// Makes an admin token (who also manages stories and tokens); returns `Bearer <token>`.
    pub async fn admin(&self, name: &str) -> String {
        self.token(name, standoff_entities::Role::Admin).await
    }

    /// Makes a token as the CLI does, then tells the instance at once: left to its poll, the
    /// head (and every ETag) would move a few seconds into the test.
    async fn token(&self, name: &str, role: standoff_entities::Role) -> String {
        let token = standoff_core::tokens::create_token(&self.db, name, role)
            .await
            .expect("token");
        let head = standoff_core::change_log::head(&self.db)
            .await
            .expect("head");
        self.feed.announce(head);
        format!("Bearer {token}")
    }

    /// Runs a mutation as `auth` that must succeed; returns its `data`.
    pub async fn write(&self, auth: &str, query: &str, variables: Value) -> Value {
        let body = self.post_with(Some(auth), query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs a mutation that must fail, writing nothing; returns the error's code.
    pub async fn refused(&self, auth: Option<&str>, query: &str, variables: Value) -> String {
        let before = self.row_counts().await;
        let body = self.post_with(auth, query, variables).await;
        assert_eq!(
            self.row_counts().await,
            before,
            "a refused write wrote: {body:#}"
        );
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected a coded error, got {body:#}"))
            .to_owned()
    }

    /// The global id of the seeded action with this title fragment.
    pub async fn action_id(&self, title_part: &str) -> String {
        let data = self
            .query(
                "query($t: String) { timeline(filter: { text: $t, includeRetracted: true }) { nodes { id title } } }",
                json!({ "t": title_part }),
            )
            .await;
        data["timeline"]["nodes"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no action titled like {title_part:?}"))
            .to_owned()
    }

    /// The global id of the seeded article source.
    pub async fn source_id(&self) -> String {
        let data = self
            .query(
                "{ timeline(first: 1) { nodes { citations { source { id } } } } }",
                json!({}),
            )
            .await;
        data["timeline"]["nodes"][0]["citations"][0]["source"]["id"]
            .as_str()
            .expect("source id")
            .to_owned()
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let body = self.post(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs a query that must fail and returns the first error's `extensions.code`.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let body = self.post(query, variables).await;
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("expected errors, got {body:#}"));
        assert!(!errors.is_empty(), "expected errors, got {body:#}");
        errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("error without a code: {body:#}"))
            .to_owned()
    }

    /// Row counts of every table, to prove that something wrote nothing.
    pub async fn row_counts(&self) -> [u64; 8] {
        let db = &self.db;
        [
            actor::Entity::find().count(db).await.expect("count"),
            action::Entity::find().count(db).await.expect("count"),
            action_target::Entity::find()
                .count(db)
                .await
                .expect("count"),
            response::Entity::find().count(db).await.expect("count"),
            source::Entity::find().count(db).await.expect("count"),
            citation::Entity::find().count(db).await.expect("count"),
            change::Entity::find().count(db).await.expect("count"),
            api_token::Entity::find().count(db).await.expect("count"),
        ]
    }

    /// Titles of the timeline's first page under a filter, in order.
    pub async fn titles(&self, filter: Value) -> Vec<String> {
        let data = self
            .query(
                "query($f: TimelineFilter) { timeline(filter: $f, first: 100) { totalCount nodes { title } } }",
                json!({ "f": filter }),
            )
            .await;
        let titles: Vec<String> = data["timeline"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["title"].as_str().expect("title").to_owned())
            .collect();
        assert_eq!(
            data["timeline"]["totalCount"].as_u64(),
            Some(titles.len() as u64),
            "totalCount agrees with the page"
        );
        titles
    }
}

/// A story file with `n` actions by two actors, `per_instant` of them sharing each timestamp.
pub fn generated_story(n: usize, per_instant: usize) -> String {
    let mut s = String::from(
        r#"
[[actors]]
slug = "gen-federal"
name = "Generated federal actor"
kind = "AGENCY"
side = "FEDERAL"

[[actors]]
slug = "gen-local"
name = "Generated local actor"
kind = "GOVERNMENT"
side = "LOCAL"

[[sources]]
key = "gen-source"
title = "Generated source"
"#,
    );
    let start = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").expect("start");
    for i in 0..n {
        let at = start + chrono::Duration::minutes((i / per_instant) as i64);
        let (actor, target) = if i % 3 == 0 {
            ("gen-local", "gen-federal")
        } else {
            ("gen-federal", "gen-local")
        };
        s.push_str(&format!(
            r#"
[[actions]]
key = "gen-{i}"
actor = "{actor}"
targets = ["{target}"]
kind = "STATEMENT"
category = "ACCUSE"
occurred_at = "{at}"
title = "Generated action {i}"
citations = [{{ source = "gen-source", excerpt = "excerpt {i}" }}]
"#,
            at = at.to_rfc3339()
        ));
        // Every odd action answers the one before it, so any page carries response links.
        if i % 2 == 1 {
            s.push_str(&format!(
                "responds_to = [{{ action = \"gen-{}\", stance = \"CRITICIZES\" }}]\n",
                i - 1
            ));
        }
    }
    s
}

/// Loads a story file into the app's database through the seed loader.
pub async fn load_story(app: &TestApp, text: &str) -> standoff_seeds::LoadReport {
    let story = standoff_seeds::parse(text).expect("story parses");
    standoff_seeds::load(&app.db, &story)
        .await
        .expect("story loads")
}

/// A newsroom's own file naming the shared President and the Chicago article by slug and key
/// alone, and restating the President with another title.
pub const BY_REFERENCE: &str = r#"
[story]
slug = "memphis-2025"
title = "Memphis and the federal task force, 2025"

[[actors]]
slug = "donald-trump"

[[actors]]
slug = "memphis-mayor"
name = "The Mayor of Memphis"
kind = "PERSON"
side = "LOCAL"

[[sources]]
key = "chicago-order-article"

[[actions]]
key = "memphis-threat"
actor = "donald-trump"
targets = ["memphis-mayor"]
kind = "STATEMENT"
category = "THREATEN"
status = "THREATENED"
occurred_at = "2025-09"
title = "A made-up threat for the tests"
citations = [{ source = "chicago-order-article" }]
"#;
