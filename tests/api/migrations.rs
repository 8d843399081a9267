//! The migration is reversible: up, down to nothing, and up again.

use standoff_api::config::DatabaseSettings;
use standoff_core::db;
use standoff_migration::{Migrator, MigratorTrait, SchemaManager};

const TABLES: [&str; 8] = [
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
    assert_eq!(tables_present(&conn).await, vec![true; 8]);
    Migrator::down(&conn, None).await.expect("down");
    assert_eq!(tables_present(&conn).await, vec![false; 8]);
    db::migrate(&conn).await.expect("up after down");
    assert_eq!(tables_present(&conn).await, vec![true; 8]);
    let report = standoff_seeds::seed_if_empty(&conn)
        .await
        .expect("seed")
        .expect("was empty");
    assert_eq!(report.actions_created, 10);
}
