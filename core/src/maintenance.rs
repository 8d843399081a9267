//! Keeping a database healthy: consistent backups of a live SQLite file, restoring one into an
//! empty database, and checking that everything derived from the actions (the search index,
//! the escalation roll-up, the change log) agrees with them.

use crate::{CoreError, CoreResult};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    Statement,
};
use standoff_entities::{ChangeKind, action, actor, change, response};
use standoff_migration::{ESCALATION_SPAN_TABLE, SQLITE_TABLE, rollup_from_actions};
use std::collections::BTreeMap;
use std::path::Path;

/// What `check` found; empty `problems` means the database is sound.
#[derive(Debug, Default, Clone)]
pub struct CheckReport {
    /// What was checked, one line each, for the operator.
    pub checked: Vec<String>,
    /// What is wrong, one line each.
    pub problems: Vec<String>,
}

impl CheckReport {
    fn note(&mut self, ok: bool, what: impl Into<String>, problem: impl FnOnce() -> String) {
        let what = what.into();
        if ok {
            self.checked.push(what);
        } else {
            self.problems.push(problem());
        }
    }
}

async fn scalar<C: ConnectionTrait>(db: &C, sql: &str) -> CoreResult<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Checks the database: SQLite's own integrity and foreign keys, the search index against the
/// actions, the escalation roll-up against the actions, and that every action and response is
/// in the change log and every change names a row that exists.
pub async fn check(db: &DatabaseConnection) -> CoreResult<CheckReport> {
    let mut report = CheckReport::default();
    let backend = db.get_database_backend();
    if backend == DbBackend::Sqlite {
        let rows = db
            .query_all_raw(Statement::from_string(backend, "PRAGMA integrity_check"))
            .await?;
        let verdict: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get_by_index::<String>(0).ok())
            .collect();
        report.note(verdict == ["ok"], "SQLite integrity_check: ok", || {
            format!("SQLite integrity_check: {}", verdict.join("; "))
        });
        let broken = db
            .query_all_raw(Statement::from_string(backend, "PRAGMA foreign_key_check"))
            .await?
            .len();
        report.note(
            broken == 0,
            "foreign keys: every reference resolves",
            || format!("foreign keys: {broken} rows refer to rows that do not exist"),
        );
        // FTS5 compares its index with the `action` table it indexes.
        let search = db
            .execute_unprepared(&format!(
                "INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rank) VALUES ('integrity-check', 1)"
            ))
            .await;
        report.note(
            search.is_ok(),
            "search index: agrees with the actions",
            || {
                "search index: does not agree with the actions (rebuild it with \
             INSERT INTO action_search(action_search) VALUES ('rebuild'))"
                    .to_owned()
            },
        );
    } else {
        report
            .checked
            .push("PostgreSQL: foreign keys and the search index are kept by the server".into());
    }
    check_rollup(db, &mut report).await?;
    check_log(db, &mut report).await?;
    Ok(report)
}

/// The roll-up's rows against the same sums computed from the actions.
async fn check_rollup(db: &DatabaseConnection, report: &mut CheckReport) -> CoreResult<()> {
    let backend = db.get_database_backend();
    let read = |sql: String| async move {
        let rows = db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        let mut sums = BTreeMap::new();
        for row in rows {
            let day: String = row.try_get("", "day")?;
            let until_day: String = row.try_get("", "until_day")?;
            let side: String = row.try_get("", "side")?;
            let actions: i64 = row.try_get("", "actions")?;
            let intensity: f64 = row.try_get("", "intensity_sum")?;
            if actions != 0 {
                sums.insert((day, until_day, side), (actions, intensity));
            }
        }
        Ok::<_, CoreError>(sums)
    };
    let stored = read(format!(
        "SELECT day, until_day, side, actions, intensity_sum FROM {ESCALATION_SPAN_TABLE}"
    ))
    .await?;
    let expected = read(rollup_from_actions(backend).to_owned()).await?;
    let differing = expected
        .iter()
        .filter(|(key, (n, sum))| {
            stored
                .get(*key)
                .is_none_or(|(m, s)| m != n || (s - sum).abs() > 1e-6)
        })
        .count()
        + stored.keys().filter(|k| !expected.contains_key(*k)).count();
    report.note(
        differing == 0,
        format!(
            "escalation roll-up: {} span-and-side rows agree with the actions",
            expected.len()
        ),
        || format!("escalation roll-up: {differing} span-and-side rows disagree with the actions"),
    );
    Ok(())
}

/// Every action recorded and every response linked in the change log, every change about an
/// action naming one that exists, and (on SQLite, whose numbers are never spent by a
/// transaction that rolls back) no number missing.
async fn check_log(db: &DatabaseConnection, report: &mut CheckReport) -> CoreResult<()> {
    let backend = db.get_database_backend();
    let logged = |kind: ChangeKind, table: &str| {
        Query::select()
            .expr(Expr::val(1))
            .from(change::Entity)
            .and_where(change::Column::Kind.eq(kind))
            .and_where(
                Expr::col((change::Entity, change::Column::EntityId))
                    .equals((Alias::new(table), Alias::new("id"))),
            )
            .to_owned()
    };
    let unrecorded = action::Entity::find()
        .filter_not_exists(logged(ChangeKind::Recorded, "action"))
        .count(db)
        .await?;
    report.note(
        unrecorded == 0,
        "change log: every action's recording is logged",
        || format!("change log: {unrecorded} actions have no RECORDED change"),
    );
    let unlinked = response::Entity::find()
        .filter_not_exists(logged(ChangeKind::Responded, "response"))
        .count(db)
        .await?;
    report.note(
        unlinked == 0,
        "change log: every response link is logged",
        || format!("change log: {unlinked} responses have no RESPONDED change"),
    );
    let dangling = scalar(
        db,
        "SELECT COUNT(*) FROM change WHERE action_id IS NOT NULL \
         AND action_id NOT IN (SELECT id FROM action)",
    )
    .await?;
    report.note(
        dangling == 0,
        "change log: every change names an action that exists",
        || format!("change log: {dangling} changes name an action that does not exist"),
    );
    if backend == DbBackend::Sqlite {
        let (count, first, last) = (
            scalar(db, "SELECT COUNT(*) FROM change").await?,
            scalar(db, "SELECT COALESCE(MIN(seq), 1) FROM change").await?,
            scalar(db, "SELECT COALESCE(MAX(seq), 0) FROM change").await?,
        );
        let missing = (last - first + 1) - count;
        report.note(
            missing <= 0,
            format!("change log: {count} changes, none missing"),
            || format!("change log: {missing} sequence numbers missing between {first} and {last}"),
        );
    }
    Ok(())
}

trait NotExists {
    fn filter_not_exists(self, sub: sea_orm::sea_query::SelectStatement) -> Self;
}

impl<E: EntityTrait> NotExists for sea_orm::Select<E> {
    fn filter_not_exists(self, sub: sea_orm::sea_query::SelectStatement) -> Self {
        use sea_orm::QueryFilter;
        self.filter(Expr::exists(sub).not())
    }
}

/// Whether the database holds anything a restore would overwrite.
pub async fn is_empty(db: &DatabaseConnection) -> CoreResult<bool> {
    Ok(actor::Entity::find().count(db).await? == 0
        && action::Entity::find().count(db).await? == 0
        && change::Entity::find().count(db).await? == 0)
}

/// Writes a consistent copy of a SQLite database to `path` (which must not exist), safely
/// while the service writes: `VACUUM INTO` reads one snapshot, like the online backup API.
pub async fn backup_sqlite(db: &DatabaseConnection, path: &Path) -> CoreResult<()> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(CoreError::BadInput(
            "only a SQLite database is backed up this way".into(),
        ));
    }
    if path.exists() {
        return Err(CoreError::Conflict(format!(
            "{} exists already; choose a new file",
            path.display()
        )));
    }
    let target = path
        .to_str()
        .ok_or_else(|| CoreError::BadInput("the backup path is not valid text".into()))?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await?;
    Ok(())
}

/// Restores a SQLite backup into `target`, which must not exist (the caller removes a
/// database it was told to overwrite); the backup is opened read-only.
pub async fn restore_sqlite(backup: &Path, target: &Path) -> CoreResult<()> {
    if target.exists() {
        return Err(CoreError::Conflict(format!(
            "{} exists already",
            target.display()
        )));
    }
    let source = backup
        .to_str()
        .ok_or_else(|| CoreError::BadInput("the backup path is not valid text".into()))?;
    let into = target
        .to_str()
        .ok_or_else(|| CoreError::BadInput("the database path is not valid text".into()))?;
    let db = sea_orm::Database::connect(format!("sqlite://{source}?mode=ro")).await?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [into.into()],
    ))
    .await?;
    db.close().await?;
    Ok(())
}
