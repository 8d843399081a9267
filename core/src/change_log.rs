//! The change log: every write appends here in its own transaction, through [`WriteTxn`], so
//! the log and the data never disagree and readers can trust its order on every backend.
//!
//! Readers page the log by sequence number and remember how far they got. That is only safe if
//! a change with a higher number can never become visible before one with a lower number. On
//! PostgreSQL, sequence values are handed out at insert time and transactions commit in any
//! order, so a writer takes a transaction-scoped advisory lock before its first append: the
//! numbers are then given out in commit order. SQLite runs one writer at a time already.

use crate::CoreResult;
use crate::feed::{ChangeFeed, NOTIFY_CHANNEL};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use standoff_entities::{ChangeKind, Publication, action, change};

/// The advisory lock key of the change log ("STNDLOG" in ASCII).
pub const APPEND_LOCK: i64 = 0x53_54_4e_44_4c_4f_47;

/// One change-log row to append.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// What happened.
    pub kind: ChangeKind,
    /// The table the changed row lives in (`action`, `actor`, ...).
    pub entity: &'static str,
    /// The changed row's id.
    pub entity_id: i64,
    /// The action the change concerns, when there is one: what subscriptions filter on.
    pub action_id: Option<i64>,
    /// The editor's note or reason.
    pub note: Option<String>,
    /// What changed, as JSON (old and new values on a correction).
    pub data: Option<serde_json::Value>,
    /// Whether readers may know of it; [`WriteTxn::append`] decides it for entries about an
    /// action, from whether the action is published.
    pub public: bool,
}

impl LogEntry {
    /// An entry about one row, with no action, note or data (set those with struct update).
    pub fn about(kind: ChangeKind, entity: &'static str, entity_id: i64) -> Self {
        Self {
            kind,
            entity,
            entity_id,
            action_id: None,
            note: None,
            data: None,
            public: true,
        }
    }

    /// The row this entry becomes, written by `author` at `at`; `seq` is given by the database
    /// unless a bulk load assigns it.
    pub fn into_row(
        self,
        seq: Option<i64>,
        author: &str,
        at: DateTime<Utc>,
    ) -> change::ActiveModel {
        change::ActiveModel {
            seq: seq.map_or(sea_orm::ActiveValue::NotSet, Set),
            kind: Set(self.kind),
            entity: Set(self.entity.to_owned()),
            entity_id: Set(self.entity_id),
            action_id: Set(self.action_id),
            at: Set(at),
            author: Set(author.to_owned()),
            note: Set(self.note),
            data: Set(self.data),
            public: Set(self.public),
        }
    }
}

/// A write transaction that appends to the change log: the one way data changes.
///
/// It takes the append lock before its first append, and on commit queues one notification
/// for the newest change (PostgreSQL delivers it only if the transaction commits) and then
/// tells this instance's feed.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    locked: bool,
    newest: Option<i64>,
}

impl WriteTxn {
    /// The transaction, for the reads and writes of the change itself.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Begins a write. On SQLite the write lock is taken by the first statement, so concurrent
    /// writers queue on the busy timeout instead of failing: a transaction that read first and
    /// wrote second would get `SQLITE_BUSY` at once if another writer committed in between.
    pub async fn begin(db: &DatabaseConnection) -> CoreResult<Self> {
        let txn = db.begin().await?;
        if db.get_database_backend() == DbBackend::Sqlite {
            // Changes no row, but a write statement takes the write lock.
            txn.execute_unprepared("UPDATE change SET seq = seq WHERE 1 = 0")
                .await?;
        }
        Ok(Self {
            txn,
            locked: false,
            newest: None,
        })
    }

    /// Takes the append lock now, for a writer that must hold it before reading ids it will
    /// write (a bulk load); later appends find it taken.
    pub async fn lock_log(&mut self) -> CoreResult<()> {
        if !self.locked {
            if self.txn.get_database_backend() == DbBackend::Postgres {
                self.txn
                    .execute_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT pg_advisory_xact_lock($1)",
                        [APPEND_LOCK.into()],
                    ))
                    .await?;
            }
            self.locked = true;
        }
        Ok(())
    }

    /// Appends one entry by `author`; returns its sequence number. An entry about an action is
    /// public exactly when the action is published as the entry is written: readers learn of
    /// a draft's life only from its publication on, whichever write forgot to say so.
    pub async fn append(&mut self, author: &str, mut entry: LogEntry) -> CoreResult<i64> {
        self.lock_log().await?;
        if let Some(id) = entry.action_id {
            let publication: Option<Publication> = action::Entity::find_by_id(id)
                .select_only()
                .column(action::Column::Publication)
                .into_tuple()
                .one(&self.txn)
                .await?;
            entry.public = publication == Some(Publication::Published);
        }
        let inserted = change::Entity::insert(entry.into_row(None, author, Utc::now()))
            .exec(&self.txn)
            .await?;
        let seq = inserted.last_insert_id;
        self.newest = Some(seq);
        Ok(seq)
    }

    /// Appends rows whose sequence numbers a bulk load assigned itself (under the lock);
    /// `newest` is the highest of them.
    pub async fn append_assigned(
        &mut self,
        rows: Vec<change::ActiveModel>,
        newest: i64,
    ) -> CoreResult<()> {
        self.lock_log().await?;
        if !rows.is_empty() {
            change::Entity::insert_many(rows)
                .exec_without_returning(&self.txn)
                .await?;
            self.newest = Some(self.newest.map_or(newest, |n| n.max(newest)));
        }
        Ok(())
    }

    /// Commits, notifying other instances (PostgreSQL) and then this instance's `feed`.
    pub async fn commit(self, feed: Option<&ChangeFeed>) -> CoreResult<()> {
        if let Some(seq) = self.newest
            && self.txn.get_database_backend() == DbBackend::Postgres
        {
            self.txn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [NOTIFY_CHANNEL.into(), seq.to_string().into()],
                ))
                .await?;
        }
        self.txn.commit().await?;
        if let (Some(seq), Some(feed)) = (self.newest, feed) {
            feed.announce(seq);
        }
        Ok(())
    }
}

/// The newest sequence number in the log (0 when it is empty).
pub async fn head<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = change::Entity::find()
        .select_only()
        .column_as(Expr::expr(Func::max(Expr::col(change::Column::Seq))), "max")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// When the newest change readers may know of was made: what a chart or export is "as of"
/// (a draft's edits do not move it). Read by the sequence's index, newest first.
pub async fn head_at<C: ConnectionTrait>(db: &C) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(change::Entity::find()
        .filter(change::Column::Public.eq(true))
        .order_by_desc(change::Column::Seq)
        .one(db)
        .await?
        .map(|c| c.at))
}
