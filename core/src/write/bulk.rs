//! Bulk loads (the synthetic archive): rows with ids chosen by the loader, written in large
//! batches, with the same checks and the same change-log rows as one write at a time.
//!
//! A batch holds the tables and the log's lock from its first statement, so the ids it reads
//! next stay free until it commits (concurrent writers wait rather than collide), and writes
//! each table with a few multi-row statements instead of a round trip per row.

use super::WriteTxn;
use super::actions::NewAction;
use super::actors::{NewActor, NewSource};
use crate::change_log::LogEntry;
use crate::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use standoff_entities::{
    ChangeKind, Publication, action, action_target, actor, change, citation, response, source,
    story_action,
};
use std::collections::HashMap;

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

/// An actor with the id the loader gave it; `member_of` names an actor of this batch or one
/// already stored.
#[derive(Debug, Clone)]
pub struct BulkActor {
    /// Its id, from [`NextIds::actor`] onwards.
    pub id: i64,
    /// The actor, checked like `createActor`'s input.
    pub actor: NewActor,
}

/// A source with the id the loader gave it.
#[derive(Debug, Clone)]
pub struct BulkSource {
    /// Its id, from [`NextIds::source`] onwards.
    pub id: i64,
    /// The source, checked like `addSource`'s input.
    pub source: NewSource,
}

/// An action with the id the loader gave it; its actor and targets by slug, its citations and
/// the actions it answers by id.
#[derive(Debug, Clone)]
pub struct BulkAction {
    /// Its id, from [`NextIds::action`] onwards.
    pub id: i64,
    /// The action, checked like `recordAction`'s input.
    pub action: NewAction,
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
    /// Actor ids by slug, as this batch has learnt them.
    actors: HashMap<String, i64>,
    /// Story ids by slug, as this batch has learnt them.
    stories: HashMap<String, i64>,
    /// Order keys of the actions this batch has written, which later ones may answer.
    order_keys: HashMap<i64, i64>,
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
            actors: HashMap::new(),
            stories: HashMap::new(),
            order_keys: HashMap::new(),
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

    /// The ids of `slugs`: actors of this load first, then stored ones (one statement).
    async fn actor_ids(&mut self, slugs: &[&str]) -> CoreResult<()> {
        let missing: Vec<String> = slugs
            .iter()
            .filter(|s| !self.actors.contains_key(**s))
            .map(|s| (*s).to_owned())
            .collect();
        if !missing.is_empty() {
            let found = crate::lookup::actor_ids_by_slug(self.txn.db(), &missing).await?;
            self.actors.extend(found);
        }
        Ok(())
    }

    fn actor_id(&self, slug: &str) -> CoreResult<i64> {
        self.actors
            .get(slug)
            .copied()
            .ok_or_else(|| CoreError::BadInput(format!("no actor has the slug {slug:?}")))
    }

    /// Writes actors (checked like `createActor`), each logged.
    pub async fn actors(&mut self, actors: Vec<BulkActor>) -> CoreResult<()> {
        let mut checked = Vec::with_capacity(actors.len());
        for a in actors {
            let actor = a.actor.checked()?;
            self.actors.insert(actor.slug.clone(), a.id);
            checked.push((a.id, actor));
        }
        let parents: Vec<String> = checked
            .iter()
            .filter_map(|(_, a)| a.member_of.clone())
            .collect();
        let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
        self.actor_ids(&parents).await?;
        let mut rows = Vec::with_capacity(checked.len());
        for (id, a) in checked {
            let member_of_id = a
                .member_of
                .as_deref()
                .map(|p| self.actor_id(p))
                .transpose()?;
            rows.push(actor::ActiveModel {
                id: Set(id),
                slug: Set(a.slug),
                name: Set(a.name),
                kind: Set(a.kind),
                side: Set(a.side),
                title: Set(a.title),
                party: Set(a.party),
                member_of_id: Set(member_of_id),
                created_at: Set(self.at),
            });
            self.log(LogEntry::about(ChangeKind::ActorCreated, "actor", id));
        }
        insert(self.txn.db(), rows, ROWS_PER_STATEMENT).await
    }

    /// Writes sources (checked like `addSource`), each logged.
    pub async fn sources(&mut self, sources: Vec<BulkSource>) -> CoreResult<()> {
        let mut rows = Vec::with_capacity(sources.len());
        for s in sources {
            let source = s.source.checked()?;
            rows.push(source::ActiveModel {
                id: Set(s.id),
                key: Set(source.key),
                url: Set(source.url),
                publisher: Set(source.publisher),
                title: Set(source.title),
                published_at: Set(source.published_at),
                created_at: Set(self.at),
            });
            self.log(LogEntry::about(ChangeKind::SourceAdded, "source", s.id));
        }
        insert(self.txn.db(), rows, ROWS_PER_STATEMENT).await
    }

    /// Writes actions with their targets, citations and responses (checked like
    /// `recordAction`), each recording and each response logged.
    pub async fn actions(&mut self, actions: Vec<BulkAction>) -> CoreResult<()> {
        let mut checked = Vec::with_capacity(actions.len());
        let mut slugs: Vec<String> = Vec::new();
        let mut story_slugs: Vec<String> = Vec::new();
        for a in actions {
            let action = a.action.checked()?;
            slugs.push(action.actor.clone());
            slugs.extend(action.targets.iter().cloned());
            story_slugs.extend(
                action
                    .stories
                    .iter()
                    .filter(|s| !self.stories.contains_key(*s))
                    .cloned(),
            );
            checked.push((a.id, action));
        }
        if !story_slugs.is_empty() {
            story_slugs.sort();
            story_slugs.dedup();
            let found = crate::lookup::story_ids_by_slug(self.txn.db(), &story_slugs).await?;
            self.stories.extend(found);
        }
        slugs.sort();
        slugs.dedup();
        let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
        self.actor_ids(&slugs).await?;
        self.stored_keys(&checked).await?;
        let mut rows = Vec::with_capacity(checked.len());
        let mut targets = Vec::new();
        let mut memberships = Vec::new();
        let mut citations = Vec::new();
        let mut responses = Vec::new();
        for (id, a) in checked {
            for slug in &a.stories {
                let story_id = *self.stories.get(slug).ok_or_else(|| {
                    CoreError::BadInput(format!("no story has the slug {slug:?}"))
                })?;
                memberships.push(story_action::ActiveModel {
                    story_id: Set(story_id),
                    action_id: Set(id),
                });
            }
            let (intensity, intensity_reason) = super::actions::intensity_of(&a);
            let mut answered_keys = Vec::with_capacity(a.responds_to.len());
            for (answered, _) in &a.responds_to {
                answered_keys.push((
                    *answered,
                    *self.order_keys.get(answered).ok_or_else(|| {
                        CoreError::BadInput(format!(
                            "action {id} answers {answered}, not yet written"
                        ))
                    })?,
                ));
            }
            let order_key =
                crate::order::key_after(id, crate::order::own_key(a.date.at), answered_keys);
            self.order_keys.insert(id, order_key);
            rows.push(action::ActiveModel {
                id: Set(id),
                key: Set(a.key),
                actor_id: Set(self.actor_id(&a.actor)?),
                kind: Set(a.kind),
                category: Set(a.category),
                status: Set(a.status),
                occurred_at: Set(a.date.at),
                precision: Set(a.date.precision),
                occurred_until: Set(Some(a.date.until)),
                date_edtf: Set(Some(a.date.edtf)),
                date_text: Set(a.date_text),
                order_key: Set(order_key),
                reported_at: Set(a.reported_at),
                title: Set(a.title),
                summary: Set(a.summary),
                quote: Set(a.quote),
                place: Set(a.place),
                magnitude: Set(a.magnitude),
                intensity: Set(intensity),
                intensity_reason: Set(intensity_reason),
                revision: Set(1),
                retracted: Set(false),
                // A bulk load publishes what it loads, as a story file's actions are public.
                publication: Set(Publication::Published),
                publish_at: Set(Some(self.at)),
                recorded_by: Set(Some(self.author.to_owned())),
                approved_by: Set(None),
                published_by: Set(Some(self.author.to_owned())),
                created_at: Set(self.at),
                updated_at: Set(self.at),
            });
            self.log(LogEntry {
                action_id: Some(id),
                ..LogEntry::about(ChangeKind::Recorded, "action", id)
            });
            for slug in &a.targets {
                targets.push(action_target::ActiveModel {
                    action_id: Set(id),
                    actor_id: Set(self.actor_id(slug)?),
                });
            }
            for c in a.citations {
                citations.push(citation::ActiveModel {
                    id: Set(self.citation),
                    action_id: Set(id),
                    source_id: Set(c.source),
                    excerpt: Set(c.excerpt),
                });
                self.citation += 1;
            }
            for (answered, stance) in a.responds_to {
                let response_id = self.response;
                responses.push(response::ActiveModel {
                    id: Set(response_id),
                    action_id: Set(id),
                    responds_to_id: Set(answered),
                    stance: Set(stance),
                    created_at: Set(self.at),
                });
                self.log(super::actions::response_entry(
                    id,
                    response_id,
                    answered,
                    stance,
                ));
                self.response += 1;
            }
        }
        insert(self.txn.db(), rows, ROWS_PER_STATEMENT).await?;
        insert(self.txn.db(), targets, 8 * ROWS_PER_STATEMENT).await?;
        insert(self.txn.db(), memberships, 8 * ROWS_PER_STATEMENT).await?;
        insert(self.txn.db(), citations, 4 * ROWS_PER_STATEMENT).await?;
        insert(self.txn.db(), responses, 4 * ROWS_PER_STATEMENT).await
    }

    /// Learns the order keys of stored actions that this part's actions answer.
    async fn stored_keys(&mut self, actions: &[(i64, NewAction)]) -> CoreResult<()> {
        use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
        let wanted: Vec<i64> = actions
            .iter()
            .flat_map(|(_, a)| a.responds_to.iter().map(|(id, _)| *id))
            .filter(|id| !self.order_keys.contains_key(id))
            .collect();
        for chunk in wanted.chunks(500) {
            let found: Vec<(i64, i64)> = action::Entity::find()
                .select_only()
                .columns([action::Column::Id, action::Column::OrderKey])
                .filter(action::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(self.txn.db())
                .await?;
            self.order_keys.extend(found);
        }
        Ok(())
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
