//! The migration is reversible: up, down to nothing, and up again.

use standoff_api::config::DatabaseSettings;
use standoff_core::db;
use standoff_migration::{Migrator, MigratorTrait, SchemaManager};

const TABLES: [&str; 10] = [
    "story",
    "story_action",
    "api_token",
    "actor",
    "action",
    "action_target",
    "response",
    "source",
    "citation",
    "change",
];

async fn tables_present(conn: &sea_orm::DatabaseConnection) -> Vec<bool> {
    let manager = SchemaManager::new(conn);
    let mut present = Vec::new();
    for table in TABLES {
        present.push(manager.has_table(table).await.expect("schema query"));
    }
    present
}

#[tokio::test]
async fn migrations_go_down_and_up_again() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let (conn, _) = db::connect(&DatabaseSettings::new(url))
        .await
        .expect("connect");
    db::migrate(&conn).await.expect("up");
    db::migrate(&conn).await.expect("up again is a no-op");
    assert_eq!(tables_present(&conn).await, vec![true; 10]);
    Migrator::down(&conn, None).await.expect("down");
    assert_eq!(tables_present(&conn).await, vec![false; 10]);
    db::migrate(&conn).await.expect("up after down");
    assert_eq!(tables_present(&conn).await, vec![true; 10]);
    let report = standoff_seeds::seed_if_empty(&conn)
        .await
        .expect("seed")
        .expect("was empty");
    assert_eq!(report.actions_created, 11);
}

#[tokio::test]
async fn a_database_from_before_stories_gets_one_story_holding_every_action() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let (conn, _) = db::connect(&DatabaseSettings::new(url))
        .await
        .expect("connect");
    db::migrate(&conn).await.expect("up");
    standoff_seeds::seed_if_empty(&conn)
        .await
        .expect("seed")
        .expect("was empty");
    // Back to before stories existed (the story migration and every one after it), and up
    // again: the adoption runs on a full database.
    let after_stories = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name().contains("create_story"))
        .expect("the story migration")
        + 1;
    Migrator::down(&conn, Some(u32::try_from(after_stories).expect("few")))
        .await
        .expect("down to before stories");
    assert!(
        !SchemaManager::new(&conn)
            .has_table("story")
            .await
            .expect("query")
    );
    db::migrate(&conn).await.expect("up again");
    let stories = standoff_entities::story::Entity::find()
        .all(&conn)
        .await
        .expect("stories");
    assert_eq!(stories.len(), 1);
    assert_eq!(
        stories[0].slug, "chicago-2025",
        "named from the bundled file"
    );
    assert_eq!(stories[0].time_zone, "America/Chicago");
    let members = standoff_entities::story_action::Entity::find()
        .count(&conn)
        .await
        .expect("memberships");
    assert_eq!(members, 11, "every action is in it");
}

#[tokio::test]
async fn a_database_from_before_order_keys_gets_them_with_every_answer_after_what_it_answers() {
    use sea_orm::EntityTrait;
    use standoff_entities::{action, response};
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let (conn, _) = db::connect(&DatabaseSettings::new(url))
        .await
        .expect("connect");
    db::migrate(&conn).await.expect("up");
    standoff_seeds::seed_if_empty(&conn)
        .await
        .expect("seed")
        .expect("was empty");
    let seeded = action::Entity::find().all(&conn).await.expect("actions");
    // Back to before intervals and order keys, and up again: the core fills them in.
    Migrator::down(&conn, Some(1)).await.expect("down one");
    db::migrate(&conn).await.expect("up again");
    let actions = action::Entity::find().all(&conn).await.expect("actions");
    let key = |id: i64| {
        actions
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.order_key)
            .expect("action")
    };
    for link in response::Entity::find().all(&conn).await.expect("links") {
        assert!(
            (key(link.action_id), link.action_id) > (key(link.responds_to_id), link.responds_to_id),
            "{} sorts after {}",
            link.action_id,
            link.responds_to_id
        );
    }
    for (before, after) in seeded.iter().zip(&actions) {
        assert_eq!(
            before.order_key, after.order_key,
            "the same keys as when written"
        );
        // A row from before intervals is the period of its precision: an open start
        // ("../2025-08") was not storable then, so it comes back as the month.
        assert!(after.date_edtf.is_some() && after.occurred_until.is_some());
        assert_eq!(before.occurred_until, after.occurred_until);
    }
}
