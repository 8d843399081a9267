//! Appending to the change log so that readers can trust its order on every backend.
//!
//! Readers page the log by sequence number and remember how far they got. That is only safe if
//! a change with a higher number can never become visible before one with a lower number. On
//! PostgreSQL, sequence values are handed out at insert time and transactions commit in any
//! order, so writers take a transaction-scoped advisory lock before appending: the numbers are
//! then given out in commit order. SQLite runs one writer at a time already.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// The advisory lock key of the change log ("STNDLOG" in ASCII).
pub const APPEND_LOCK: i64 = 0x53_54_4e_44_4c_4f_47;
/// The PostgreSQL channel told of each appended change; the payload is the sequence number.
pub const NOTIFY_CHANNEL: &str = "standoff_changes";

/// Takes the append lock until the transaction ends (PostgreSQL; nothing to do on SQLite).
pub async fn lock_for_append<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [APPEND_LOCK.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Queues a notification of `seq` that PostgreSQL delivers only if the transaction commits.
pub async fn notify_appended<C: ConnectionTrait>(db: &C, seq: i64) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [NOTIFY_CHANNEL.into(), seq.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Begins a write transaction. On SQLite the write lock is taken by the first statement, so
/// concurrent writers queue on the busy timeout instead of failing: a transaction that read
/// first and wrote second would get `SQLITE_BUSY` at once if another writer committed in
/// between. PostgreSQL needs nothing special.
pub async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // Changes no row, but a write statement takes the write lock.
        txn.execute_unprepared("UPDATE change SET seq = seq WHERE 1 = 0")
            .await?;
    }
    Ok(txn)
}
