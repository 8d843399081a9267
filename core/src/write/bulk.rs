//! Bulk loads (the synthetic archive): rows with ids chosen by the loader, written in large
//! batches, with the same checks and the same change-log rows as one write at a time.
//!
//! A batch holds the tables and the log's lock from its first statement, so the ids it reads
//! next stay free until it commits (concurrent writers wait rather than collide), and writes
//! each table with a few multi-row statements instead of a round trip per row.

use super::WriteTxn;
use crate::CoreResult;
use crate::change_log::LogEntry;
use crate::check::{self, MAX_LONG, MAX_SHORT};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use standoff_entities::{
    ActionKind, ActionStatus, ActorKind, Category, ChangeKind, DatePrecision, Side, Stance, action,
    action_target, actor, change, citation, response, source,
};

/// The next free id of each table a loader names rows by.
#[derive(Debug, Clone, Copy)]
pub struct NextIds {
    /// The next actor id.
    pub actor: i64,
    /// The next source id.
    pub source: i64,
    /// The next action id.
    pub action: i64,
}

/// An actor with the id the loader gave it.
#[derive(Debug, Clone)]
pub struct BulkActor {
    /// Its id, from [`NextIds::actor`] onwards.
    pub id: i64,
    /// Unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Person, office, ...
    pub kind: ActorKind,
    /// Level of government.
    pub side: Side,
    /// Title or office.
    pub title: Option<String>,
    /// The id of the actor it belongs to.
    pub member_of: Option<i64>,
}

/// A source with the id the loader gave it.
#[derive(Debug, Clone)]
pub struct BulkSource {
    /// Its id, from [`NextIds::source`] onwards.
    pub id: i64,
    /// Where it is published.
    pub url: Option<String>,
    /// Who published it.
    pub publisher: Option<String>,
    /// Its title.
    pub title: String,
}

/// An action with the id the loader gave it, and its links by id.
#[derive(Debug, Clone)]
pub struct BulkAction {
    /// Its id, from [`NextIds::action`] onwards.
    pub id: i64,
    /// Who acted.
    pub actor_id: i64,
    /// Deployment, order, statement.
    pub kind: ActionKind,
    /// PLOVER category, which sets the intensity.
    pub category: Option<Category>,
    /// Words or deeds.
    pub status: ActionStatus,
    /// When (moved to the start of its precision's unit).
    pub occurred_at: DateTime<Utc>,
    /// How precisely that is known.
    pub precision: DatePrecision,
    /// Headline.
    pub title: String,
    /// Our own words.
    pub summary: Option<String>,
    /// Verbatim quote.
    pub quote: Option<String>,
    /// A count.
    pub magnitude: Option<i64>,
    /// The actors it is aimed at.
    pub targets: Vec<i64>,
    /// Sources cited, with excerpts.
    pub citations: Vec<(i64, Option<String>)>,
    /// Earlier actions it answers.
    pub responds_to: Vec<(i64, Stance)>,
}

/// Rows per statement, under SQLite's 32,766 bound parameters.
const ROWS_PER_STATEMENT: usize = 1000;

/// One batch of a bulk load: a write transaction holding the tables.
pub struct BulkBatch {
    txn: WriteTxn,
    author: &'static str,
    next: NextIds,
    citation: i64,
    response: i64,
    change: i64,
    changes: Vec<change::ActiveModel>,
    at: DateTime<Utc>,
}

impl BulkBatch {
    /// Begins a batch written by `author`, taking the tables and the log first.
    pub async fn begin(db: &DatabaseConnection, author: &'static str) -> CoreResult<Self> {
        let mut txn = WriteTxn::begin(db).await?;
        if txn.db().get_database_backend() == DbBackend::Postgres {
            // Writers insert their rows first and append to the log last; taking the tables in
            // one statement before the log's advisory lock keeps the two orders from deadlocking.
            txn.db()
                .execute_unprepared(
                    "LOCK TABLE actor, source, action, action_target, citation, response, change \
                 IN EXCLUSIVE MODE",
                )
                .await?;
        }
        txn.lock_log().await?;
        let next = NextIds {
            actor: max_id(txn.db(), "actor", "id").await? + 1,
            source: max_id(txn.db(), "source", "id").await? + 1,
            action: max_id(txn.db(), "action", "id").await? + 1,
        };
        Ok(Self {
            citation: max_id(txn.db(), "citation", "id").await? + 1,
            response: max_id(txn.db(), "response", "id").await? + 1,
            change: max_id(txn.db(), "change", "seq").await? + 1,
            txn,
            author,
            next,
            changes: Vec::new(),
            at: Utc::now(),
        })
    }

    /// The ids this batch's rows may take.
    pub fn next_ids(&self) -> NextIds {
        self.next
    }

    fn log(&mut self, entry: LogEntry) {
        self.changes
            .push(entry.into_row(Some(self.change), self.author, self.at));
        self.change += 1;
    }

    /// Writes actors (checked like `createActor`), each logged.
    pub async fn actors(&mut self, actors: Vec<BulkActor>) -> CoreResult<()> {
        let mut rows = Vec::with_capacity(actors.len());
        for a in actors {
            rows.push(actor::ActiveModel {
                id: Set(a.id),
                slug: Set(check::slug("slug", &a.slug)?),
                name: Set(check::text("name", &a.name, MAX_SHORT)?),
                kind: Set(a.kind),
                side: Set(a.side),
                title: Set(check::optional_text(
                    "title",
                    a.title.as_deref(),
                    MAX_SHORT,
                )?),
                party: Set(None),
                member_of_id: Set(a.member_of),
                created_at: Set(self.at),
            });
            self.log(LogEntry::about(ChangeKind::ActorCreated, "actor", a.id));
        }
        insert(self.txn.db(), rows, ROWS_PER_STATEMENT).await
    }

    /// Writes sources (checked like `addSource`), each logged.
    pub async fn sources(&mut self, sources: Vec<BulkSource>) -> CoreResult<()> {
        let mut rows = Vec::with_capacity(sources.len());
        for s in sources {
            rows.push(source::ActiveModel {
                id: Set(s.id),
                key: Set(None),
                url: Set(s.url.as_deref().map(check::url).transpose()?),
                publisher: Set(check::optional_text(
                    "publisher",
                    s.publisher.as_deref(),
                    MAX_SHORT,
                )?),
                title: Set(check::text("title", &s.title, MAX_SHORT)?),
                published_at: Set(None),
                created_at: Set(self.at),
            });
            self.log(LogEntry::about(ChangeKind::SourceAdded, "source", s.id));
        }
        insert(self.txn.db(), rows, ROWS_PER_STATEMENT).await
    }

    /// Writes actions with their targets, citations and responses (checked like
    /// `recordAction`), each recording and each response logged.
    pub async fn actions(&mut self, actions: Vec<BulkAction>) -> CoreResult<()> {
        let mut rows = Vec::with_capacity(actions.len());
        let mut targets = Vec::new();
        let mut citations = Vec::new();
        let mut responses = Vec::new();
        for a in actions {
            if a.citations.is_empty() {
                return Err(crate::CoreError::BadInput(
                    "every action cites at least one source".into(),
                ));
            }
            rows.push(action::ActiveModel {
                id: Set(a.id),
                key: Set(None),
                actor_id: Set(a.actor_id),
                kind: Set(a.kind),
                category: Set(a.category),
                status: Set(a.status),
                occurred_at: Set(a.precision.truncate(a.occurred_at)),
                precision: Set(a.precision),
                reported_at: Set(None),
                title: Set(check::text("title", &a.title, MAX_SHORT)?),
                summary: Set(check::optional_text(
                    "summary",
                    a.summary.as_deref(),
                    MAX_LONG,
                )?),
                quote: Set(check::optional_text("quote", a.quote.as_deref(), MAX_LONG)?),
                place: Set(None),
                magnitude: Set(a.magnitude.map(check::magnitude).transpose()?),
                intensity: Set(super::actions::default_intensity(a.category)),
                intensity_reason: Set(None),
                revision: Set(1),
                retracted: Set(false),
                created_at: Set(self.at),
                updated_at: Set(self.at),
            });
            self.log(LogEntry {
                action_id: Some(a.id),
                ..LogEntry::about(ChangeKind::Recorded, "action", a.id)
            });
            for actor_id in a.targets {
                targets.push(action_target::ActiveModel {
                    action_id: Set(a.id),
                    actor_id: Set(actor_id),
                });
            }
            for (source_id, excerpt) in a.citations {
                citations.push(citation::ActiveModel {
                    id: Set(self.citation),
                    action_id: Set(a.id),
                    source_id: Set(source_id),
                    excerpt: Set(check::optional_text(
                        "excerpt",
                        excerpt.as_deref(),
                        MAX_LONG,
                    )?),
                });
                self.citation += 1;
            }
            for (answered, stance) in a.responds_to {
                let id = self.response;
                responses.push(response::ActiveModel {
                    id: Set(id),
                    action_id: Set(a.id),
                    responds_to_id: Set(answered),
                    stance: Set(stance),
                    created_at: Set(self.at),
                });
                self.log(LogEntry {
                    action_id: Some(a.id),
                    data: Some(serde_json::json!({ "respondsTo": answered, "stance": stance })),
                    ..LogEntry::about(ChangeKind::Responded, "response", id)
                });
                self.response += 1;
            }
        }
        insert(self.txn.db(), rows, ROWS_PER_STATEMENT).await?;
        insert(self.txn.db(), targets, 8 * ROWS_PER_STATEMENT).await?;
        insert(self.txn.db(), citations, 4 * ROWS_PER_STATEMENT).await?;
        insert(self.txn.db(), responses, 4 * ROWS_PER_STATEMENT).await
    }

    /// Appends the batch's change-log rows and commits. On PostgreSQL each id sequence moves
    /// past the ids written by hand first; SQLite's AUTOINCREMENT follows them by itself.
    pub async fn commit(mut self) -> CoreResult<()> {
        let changes = std::mem::take(&mut self.changes);
        let newest = self.change - 1;
        let mut chunks = changes.into_iter().peekable();
        while chunks.peek().is_some() {
            let part: Vec<_> = chunks.by_ref().take(2 * ROWS_PER_STATEMENT).collect();
            self.txn.append_assigned(part, newest).await?;
        }
        let backend = self.txn.db().get_database_backend();
        if backend == DbBackend::Postgres {
            for (table, column) in [
                ("actor", "id"),
                ("source", "id"),
                ("action", "id"),
                ("citation", "id"),
                ("response", "id"),
                ("change", "seq"),
            ] {
                self.txn
                    .db()
                    .execute_raw(Statement::from_string(
                        backend,
                        format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                             (SELECT COALESCE(MAX({column}), 1) FROM {table}))"
                        ),
                    ))
                    .await?;
            }
        }
        self.txn.commit(None).await
    }
}

async fn max_id<C: ConnectionTrait>(db: &C, table: &str, column: &str) -> CoreResult<i64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COALESCE(MAX({column}), 0) AS m FROM {table}"),
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "m")?,
        None => 0,
    })
}

async fn insert<C, A>(db: &C, rows: Vec<A>, per_statement: usize) -> CoreResult<()>
where
    C: ConnectionTrait,
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<A> = rows.by_ref().take(per_statement).collect();
        A::Entity::insert_many(part)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load (PostgreSQL; autovacuum may be off or
/// not yet round): the text search and the escalation roll-up rely on it knowing table sizes.
pub async fn analyze(db: &DatabaseConnection) -> CoreResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}
