//! The `standoff` binary itself: seed, migrate, schema, and serve with a clean SIGTERM exit.

use crate::helpers::fresh_database;
use std::process::{Command, Output};

fn standoff(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_standoff"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("standoff runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn seed_twice_reports_nothing_new_and_a_broken_file_fails_loudly() {
    let db = fresh_database().await;
    let (url, dir) = (db.url, db.dir);

    let first = standoff(&url, &["seed"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("created 12 actors, 1 sources, 11 actions, 8 responses"));

    let again = standoff(&url, &["seed"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let out = text(&again.stdout);
    assert!(
        out.contains("created 0 actors, 0 sources, 0 actions, 0 responses"),
        "{out}"
    );
    assert!(
        out.contains("already present: 12 actors, 1 sources, 11 actions"),
        "{out}"
    );

    let story = dir.path().join("broken.toml");
    std::fs::write(
        &story,
        "[[actors]]\nslug = \"x\"\nname = \"X\"\nkind = \"PERSON\"\nside = \"LOCAL\"\nmember_of = \"nobody-known\"\n",
    )
    .expect("write");
    let broken = standoff(&url, &["seed", story.to_str().expect("path")]);
    assert!(!broken.status.success());
    let err = text(&broken.stderr);
    assert!(
        err.contains("actor \"x\"") && err.contains("nobody-known"),
        "{err}"
    );

    let missing = standoff(&url, &["seed", "/no/such/story.toml"]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("cannot read"));
}

#[tokio::test]
async fn migrate_twice_and_print_the_committed_schema() {
    let db = fresh_database().await;
    let url = db.url.clone();
    for _ in 0..2 {
        let out = standoff(&url, &["migrate"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let schema = standoff(&url, &["schema"]);
    assert!(schema.status.success());
    assert!(
        text(&schema.stdout) == include_str!("../../schema.graphql"),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and commit it"
    );
}

#[tokio::test]
async fn serve_answers_then_stops_cleanly_on_sigterm_closing_websockets_with_1001() {
    let db = fresh_database().await;
    let mut serve = crate::process::Instance::start(&db.url).await;
    let body = serve
        .post(None, "{ timeline { totalCount } }", serde_json::json!({}))
        .await;
    assert_eq!(body["data"]["timeline"]["totalCount"], 11, "{body}");
    let mut subscriber =
        crate::ws::connect(serve.addr, "graphql-transport-ws", serde_json::json!({})).await;
    subscriber
        .subscribe(
            "live",
            "subscription { timelineEvents { cursor } }",
            serde_json::json!({}),
        )
        .await;

    let status = serve.terminate().await;
    assert_eq!(
        subscriber.close_code().await,
        Some(1001),
        "clients are told to go elsewhere"
    );
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn tokens_made_by_the_cli_write_until_revoked() {
    let db = fresh_database().await;
    let (url, dir) = (db.url, db.dir);
    let migrated = standoff(&url, &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    let created = standoff(
        &url,
        &[
            "token",
            "create",
            "--name",
            "night-desk",
            "--role",
            "editor",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let token = text(&created.stdout).trim().to_owned();
    assert!(token.starts_with("stf_") && token.len() > 40, "{token}");
    let again = standoff(&url, &["token", "create", "--name", "night-desk"]);
    assert!(!again.status.success(), "names are unique");

    let listed = text(&standoff(&url, &["token", "list"]).stdout);
    assert!(
        listed.contains("night-desk") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&token), "the list never shows a token");

    let app = crate::helpers::spawn_app_on(url.clone(), dir).await;
    let auth = format!("Bearer {token}");
    let mutation = r#"mutation { addSource(input: { title: "Night desk notes" }) { title } }"#;
    let data = app.write(&auth, mutation, serde_json::json!({})).await;
    assert_eq!(data["addSource"]["title"], "Night desk notes");

    let revoked = standoff(&url, &["token", "revoke", "night-desk"]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(text(&standoff(&url, &["token", "list"]).stdout).contains("revoked"));
    assert_eq!(
        app.refused(Some(&auth), mutation, serde_json::json!({}))
            .await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_synthetic_archive_is_generated_beside_a_story_and_served() {
    let db = fresh_database().await;
    let url = db.url.clone();
    // Two batches and a remainder, added beside the bundled story.
    assert!(standoff(&url, &["seed"]).status.success());
    let run = standoff(
        &url,
        &["seed", "--synthetic", "25000", "--random-seed", "9"],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = text(&run.stdout);
    assert!(
        out.contains("160 actors, 500 sources, 25000 actions"),
        "{out}"
    );
    // Generating again adds a second, distinct cast rather than colliding with the first.
    let again = standoff(&url, &["seed", "--synthetic", "10", "--random-seed", "9"]);
    assert!(again.status.success(), "{}", text(&again.stderr));

    let app = crate::helpers::spawn_app_on(db.url, db.dir).await;
    let data = app
        .query(
            r#"{ timeline(first: 100, filter: { sides: [LOCAL] }) {
                   totalCount
                   nodes { actor { side } citations { source { title } } } }
                 everything: timeline { totalCount }
                 searched: timeline(filter: { text: "troops" }) { totalCount } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(data["everything"]["totalCount"], 11 + 25000 + 10);
    let local = data["timeline"]["totalCount"].as_u64().expect("count");
    assert!(
        (4000..9000).contains(&local),
        "{local} local actions of 25,020"
    );
    for node in data["timeline"]["nodes"].as_array().expect("nodes") {
        assert_eq!(node["actor"]["side"], "LOCAL");
        assert_eq!(node["citations"].as_array().map(Vec::len), Some(1));
    }
    let searched = data["searched"]["totalCount"].as_u64().expect("count");
    assert!(
        searched > 100,
        "the full-text index finds {searched} of 'troops'"
    );
    // Every generated action is in the change log, so subscribers can replay them.
    let changes = app
        .query(
            "{ changes(first: 1) { totalCount } }",
            serde_json::json!({}),
        )
        .await;
    assert!(changes["changes"]["totalCount"].as_u64().expect("count") > 25000);
}

#[tokio::test]
async fn token_create_never_makes_a_database() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("elsewhere").join("standoff.db");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("folder");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let out = standoff(&url, &["token", "create", "--name", "lost-desk"]);
    assert!(!out.status.success(), "a token for no database is refused");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "no Standoff database at sqlite://{}?mode=rwc; run `standoff serve` or `standoff migrate` first",
            file.display()
        )),
        "{stderr}"
    );
    assert!(text(&out.stdout).trim().is_empty(), "no token printed");
    assert!(!file.exists(), "no database made");
    // An empty database (not Standoff's) is refused the same way, and left as it was.
    let (conn, _) =
        standoff_core::db::connect(&standoff_api::config::DatabaseSettings::new(url.clone()))
            .await
            .expect("an empty file");
    drop(conn);
    let out = standoff(&url, &["token", "create", "--name", "lost-desk"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no Standoff database at"));
}

#[tokio::test]
async fn seed_reports_a_restated_shared_actor_and_corrects_it_only_with_correct_shared() {
    let db = fresh_database().await;
    let url = db.url.clone();
    let first = standoff(&url, &["seed"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("memphis.toml");
    let restated = crate::helpers::BY_REFERENCE.replacen(
        "slug = \"donald-trump\"\n",
        "slug = \"donald-trump\"\ntitle = \"President of the United States\"\n",
        1,
    );
    std::fs::write(&file, restated).expect("written");
    let path = file.display().to_string();
    let difference = "actor \"donald-trump\" title: stored \"President\", file \"President of the United States\"";

    let dry = standoff(&url, &["seed", "--dry-run", &path]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let said = text(&dry.stdout);
    assert!(
        said.contains("nothing written") && said.contains(difference),
        "{said}"
    );
    assert!(said.contains("--correct-shared"), "{said}");

    let kept = standoff(&url, &["seed", &path]);
    assert!(kept.status.success(), "{}", text(&kept.stderr));
    let said = text(&kept.stdout);
    assert!(
        said.contains("created 1 actors, 0 sources, 1 actions"),
        "{said}"
    );
    assert!(said.contains("kept") && said.contains(difference), "{said}");

    let corrected = standoff(&url, &["seed", "--correct-shared", &path]);
    assert!(corrected.status.success(), "{}", text(&corrected.stderr));
    let said = text(&corrected.stdout);
    assert!(
        said.contains("corrected 1 fields of shared") && said.contains(difference),
        "{said}"
    );

    let again = standoff(&url, &["seed", "--dry-run", &path]);
    let said = text(&again.stdout);
    assert!(!said.contains("shared actors"), "in line now: {said}");
}
