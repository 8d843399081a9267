//! A synthetic archive for load tests and benchmarks: actors on every side, actions spread over
//! years, chains of responses, citations and the change log, written in large batches.
//!
//! The data is random but shaped like the real thing: each action has an actor, usually a
//! target on another side, one citation, and often answers a recent action. A seed makes a run
//! repeatable. Rows get their ids from the generator, in batches of one transaction each, so the
//! archive grows without a round trip per row.

use crate::SeedError;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, Statement,
    TransactionTrait,
};
use standoff_entities::{
    ActionKind, ActionStatus, ActorKind, Category, ChangeKind, DatePrecision, Side, Stance, action,
    action_target, actor, change, change_log, citation, response, source,
};

/// Actions written per transaction.
const BATCH: u64 = 10_000;
/// Actors per side.
const ACTORS_PER_SIDE: usize = 40;
/// Sources cited across the archive.
const SOURCES: usize = 500;
/// How far back a response may reach, in actions.
const ANSWER_WINDOW: usize = 50;
/// The author the change log names for generated rows.
const AUTHOR: &str = "synthetic";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Synthetic {
    /// How many actions.
    pub actions: u64,
    /// The random seed; the same seed gives the same archive.
    pub seed: u64,
}

/// What a generation wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticReport {
    /// Actors written.
    pub actors: u64,
    /// Sources written.
    pub sources: u64,
    /// Actions written.
    pub actions: u64,
    /// Target links written.
    pub targets: u64,
    /// Citations written.
    pub citations: u64,
    /// Response links written.
    pub responses: u64,
}

impl std::fmt::Display for SyntheticReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "created {} actors, {} sources, {} actions, {} targets, {} citations, {} responses",
            self.actors, self.sources, self.actions, self.targets, self.citations, self.responses
        )
    }
}

/// The next free id of each table, read inside a batch's transaction.
#[derive(Debug, Clone, Copy)]
struct NextIds {
    actor: i64,
    source: i64,
    action: i64,
    citation: i64,
    response: i64,
    change: i64,
}

/// The actors and sources of this run, by id.
struct Cast {
    /// `(id, side)` of each actor.
    actors: Vec<(i64, Side)>,
    /// Names, by position in `actors`, for titles.
    names: Vec<String>,
    sources: Vec<i64>,
}

/// Writes the archive, calling `progress` with the number of actions written after each batch.
pub async fn generate(
    db: &DatabaseConnection,
    plan: Synthetic,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<SyntheticReport, SeedError> {
    let mut rng = fastrand::Rng::with_seed(plan.seed);
    let mut report = SyntheticReport::default();
    let start = Utc
        .with_ymd_and_hms(2015, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    // Ten years, or more for huge archives, so days hold a plausible number of actions.
    let span = Duration::days(3653.max(i64::try_from(plan.actions / 250).unwrap_or(i64::MAX)));
    let step_seconds = span.num_seconds() / i64::try_from(plan.actions.max(1)).unwrap_or(1);

    let txn = begin_writing(db).await?;
    let ids = next_ids(&txn).await?;
    let cast = write_cast(&txn, &mut rng, ids, &mut report).await?;
    finish_batch(&txn, db.get_database_backend()).await?;
    txn.commit().await?;

    let mut recent: Vec<i64> = Vec::with_capacity(ANSWER_WINDOW);
    let mut done = 0u64;
    while done < plan.actions {
        let count = BATCH.min(plan.actions - done);
        let txn = begin_writing(db).await?;
        let ids = next_ids(&txn).await?;
        let rows = batch(
            &mut rng,
            &cast,
            ids,
            done,
            count,
            start,
            step_seconds,
            &mut recent,
        );
        write_batch(&txn, rows, &mut report).await?;
        finish_batch(&txn, db.get_database_backend()).await?;
        txn.commit().await?;
        done += count;
        progress(done);
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // Fresh statistics, so the planner knows the archive's size (autovacuum may be off
        // or not yet round).
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(report)
}

/// Starts a transaction that holds the write lock from its first statement, so the ids read
/// next stay free until it commits (concurrent writers wait rather than collide).
async fn begin_writing(db: &DatabaseConnection) -> Result<DatabaseTransaction, SeedError> {
    let txn = db.begin().await?;
    let backend = db.get_database_backend();
    let sql = match backend {
        // Writers insert the action first and append to the log last; taking the tables in one
        // statement before the log's advisory lock keeps the two orders from deadlocking.
        DbBackend::Postgres => {
            "LOCK TABLE actor, source, action, action_target, citation, response, change \
             IN EXCLUSIVE MODE"
        }
        // A write that changes nothing still takes SQLite's single write lock.
        _ => "UPDATE actor SET id = id WHERE 1 = 0",
    };
    txn.execute_raw(Statement::from_string(backend, sql))
        .await?;
    change_log::lock_for_append(&txn).await?;
    Ok(txn)
}

async fn max_id(txn: &DatabaseTransaction, table: &str, column: &str) -> Result<i64, SeedError> {
    let backend = txn.get_database_backend();
    let row = txn
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

async fn next_ids(txn: &DatabaseTransaction) -> Result<NextIds, SeedError> {
    Ok(NextIds {
        actor: max_id(txn, "actor", "id").await? + 1,
        source: max_id(txn, "source", "id").await? + 1,
        action: max_id(txn, "action", "id").await? + 1,
        citation: max_id(txn, "citation", "id").await? + 1,
        response: max_id(txn, "response", "id").await? + 1,
        change: max_id(txn, "change", "seq").await? + 1,
    })
}

/// On PostgreSQL, moves each id sequence past the ids written by hand, and tells listening
/// instances that the log grew. SQLite's AUTOINCREMENT follows explicit ids by itself.
async fn finish_batch(txn: &DatabaseTransaction, backend: DbBackend) -> Result<(), SeedError> {
    if backend != DbBackend::Postgres {
        return Ok(());
    }
    for (table, column) in [
        ("actor", "id"),
        ("source", "id"),
        ("action", "id"),
        ("citation", "id"),
        ("response", "id"),
        ("change", "seq"),
    ] {
        txn.execute_raw(Statement::from_string(
            backend,
            format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 (SELECT COALESCE(MAX({column}), 1) FROM {table}))"
            ),
        ))
        .await?;
    }
    let newest = max_id(txn, "change", "seq").await?;
    change_log::notify_appended(txn, newest).await?;
    Ok(())
}

const FIRST_NAMES: [&str; 16] = [
    "Avery", "Blake", "Casey", "Dana", "Emerson", "Finley", "Harper", "Jordan", "Kendall", "Logan",
    "Morgan", "Parker", "Quinn", "Reese", "Sawyer", "Taylor",
];
const LAST_NAMES: [&str; 16] = [
    "Abbott",
    "Barros",
    "Castillo",
    "Dorsey",
    "Ellison",
    "Fairbanks",
    "Greer",
    "Haldane",
    "Ibarra",
    "Jessup",
    "Kowalski",
    "Lindqvist",
    "Mbeki",
    "Novak",
    "Okafor",
    "Pruitt",
];
const OFFICES: [&str; 8] = [
    "Office of the Mayor",
    "Department of Justice",
    "Department of Homeland Security",
    "National Guard",
    "Police Department",
    "Office of the Governor",
    "City Council",
    "Civil Liberties Union",
];
const TOPICS: [&str; 24] = [
    "troop deployment",
    "immigration raids",
    "the transit budget",
    "federal funding",
    "sanctuary policy",
    "the police contract",
    "a curfew",
    "border enforcement",
    "the state budget",
    "school safety",
    "a court injunction",
    "emergency powers",
    "the detention centre",
    "protest permits",
    "election security",
    "housing grants",
    "the national guard",
    "customs checkpoints",
    "public health orders",
    "the city charter",
    "water rights",
    "a tariff dispute",
    "highway funds",
    "disaster relief",
];
const SYLLABLES: [&str; 20] = [
    "ka", "lo", "mer", "vin", "dra", "sul", "te", "bro", "quo", "zan", "pel", "rix", "ta", "nor",
    "vey", "gal", "hu", "sim", "oth", "wen",
];

/// A made-up word; there are 8,000 of them, so a search for one finds a small share.
fn codeword(rng: &mut fastrand::Rng) -> String {
    let mut word = String::new();
    for _ in 0..3 {
        word.push_str(SYLLABLES[rng.usize(..SYLLABLES.len())]);
    }
    word
}

fn pick<T: Copy>(rng: &mut fastrand::Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

/// Writes the run's actors (leaders, offices, agencies, forces on each side) and sources.
async fn write_cast(
    txn: &DatabaseTransaction,
    rng: &mut fastrand::Rng,
    ids: NextIds,
    report: &mut SyntheticReport,
) -> Result<Cast, SeedError> {
    let now = Utc::now();
    let run = ids.actor;
    let sides = [Side::Federal, Side::State, Side::Local, Side::Other];
    let kinds = [
        ActorKind::Person,
        ActorKind::Office,
        ActorKind::Agency,
        ActorKind::Force,
        ActorKind::Government,
        ActorKind::Group,
    ];
    let mut actors = Vec::new();
    let mut names = Vec::new();
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    let mut id = ids.actor;
    let mut seq = ids.change;
    for side in sides {
        // The first actor of each side is its government; the others may belong to it.
        let head = id;
        for n in 0..ACTORS_PER_SIDE {
            let kind = if n == 0 {
                ActorKind::Government
            } else {
                pick(rng, &kinds)
            };
            let name = match kind {
                ActorKind::Person => {
                    format!("{} {}", pick(rng, &FIRST_NAMES), pick(rng, &LAST_NAMES))
                }
                _ => format!("{} {}", pick(rng, &OFFICES), n),
            };
            rows.push(actor::ActiveModel {
                id: Set(id),
                slug: Set(format!("syn{run}-{}-{n}", side_slug(side))),
                name: Set(name.clone()),
                kind: Set(kind),
                side: Set(side),
                title: Set((kind == ActorKind::Person).then(|| "Official".to_owned())),
                party: Set(None),
                member_of_id: Set((n > 0 && rng.bool()).then_some(head)),
                created_at: Set(now),
            });
            changes.push(change_row(
                seq,
                ChangeKind::ActorCreated,
                "actor",
                id,
                None,
                now,
            ));
            actors.push((id, side));
            names.push(name);
            id += 1;
            seq += 1;
        }
    }
    let mut sources = Vec::new();
    let mut source_rows = Vec::new();
    for n in 0..SOURCES {
        let source_id = ids.source + i64::try_from(n).unwrap_or(0);
        source_rows.push(source::ActiveModel {
            id: Set(source_id),
            key: Set(None),
            url: Set(Some(format!("https://news.example/{run}/{n}"))),
            publisher: Set(Some(format!("Example Wire {}", n % 12))),
            title: Set(format!("Report {n} on {}", pick(rng, &TOPICS))),
            published_at: Set(None),
            created_at: Set(now),
        });
        changes.push(change_row(
            seq,
            ChangeKind::SourceAdded,
            "source",
            source_id,
            None,
            now,
        ));
        sources.push(source_id);
        seq += 1;
    }
    report.actors += u64::try_from(rows.len()).unwrap_or(0);
    report.sources += u64::try_from(source_rows.len()).unwrap_or(0);
    actor::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    insert_chunked(txn, source_rows, 2000).await?;
    insert_chunked(txn, changes, 2000).await?;
    Ok(Cast {
        actors,
        names,
        sources,
    })
}

fn side_slug(side: Side) -> &'static str {
    match side {
        Side::Federal => "federal",
        Side::State => "state",
        Side::Local => "local",
        Side::Other => "other",
    }
}

fn change_row(
    seq: i64,
    kind: ChangeKind,
    entity: &str,
    entity_id: i64,
    action_id: Option<i64>,
    at: DateTime<Utc>,
) -> change::ActiveModel {
    change::ActiveModel {
        seq: Set(seq),
        kind: Set(kind),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        action_id: Set(action_id),
        at: Set(at),
        author: Set(AUTHOR.to_owned()),
        note: Set(None),
        data: Set(None),
    }
}

/// The rows of one batch.
#[derive(Default)]
struct BatchRows {
    actions: Vec<action::ActiveModel>,
    targets: Vec<action_target::ActiveModel>,
    citations: Vec<citation::ActiveModel>,
    responses: Vec<response::ActiveModel>,
    changes: Vec<change::ActiveModel>,
}

/// Makes `count` actions, the `done`-th onwards, with their links and change-log entries.
#[expect(clippy::too_many_arguments, reason = "one batch's whole context")]
fn batch(
    rng: &mut fastrand::Rng,
    cast: &Cast,
    ids: NextIds,
    done: u64,
    count: u64,
    start: DateTime<Utc>,
    step_seconds: i64,
    recent: &mut Vec<i64>,
) -> BatchRows {
    let now = Utc::now();
    let categories = [
        Category::Agree,
        Category::Consult,
        Category::Support,
        Category::Cooperate,
        Category::Demand,
        Category::Accuse,
        Category::Reject,
        Category::Threaten,
        Category::Protest,
        Category::Sanction,
        Category::Mobilize,
        Category::Coerce,
    ];
    let stances = [
        Stance::Supports,
        Stance::Complies,
        Stance::Dismisses,
        Stance::Criticizes,
        Stance::Condemns,
    ];
    let mut rows = BatchRows::default();
    let (mut citation_id, mut response_id, mut seq) = (ids.citation, ids.response, ids.change);
    for k in 0..count {
        let id = ids.action + i64::try_from(k).unwrap_or(0);
        let n = i64::try_from(done + k).unwrap_or(i64::MAX);
        let who = rng.usize(..cast.actors.len());
        let (actor_id, side) = cast.actors[who];
        let category = pick(rng, &categories);
        let kind = match category {
            Category::Mobilize | Category::Coerce => ActionKind::Deployment,
            Category::Demand | Category::Sanction => ActionKind::Order,
            _ => ActionKind::Statement,
        };
        let status = match rng.u8(..10) {
            0 => ActionStatus::Threatened,
            1 => ActionStatus::Planned,
            2 | 3 => ActionStatus::Reported,
            _ => ActionStatus::CarriedOut,
        };
        let jitter = rng.i64(0..step_seconds.max(1));
        let occurred_at = start + Duration::seconds(n * step_seconds + jitter);
        let topic = pick(rng, &TOPICS);
        let verb = verb(category);
        let word = codeword(rng);
        rows.actions.push(action::ActiveModel {
            id: Set(id),
            key: Set(None),
            actor_id: Set(actor_id),
            kind: Set(kind),
            category: Set(Some(category)),
            status: Set(status),
            occurred_at: Set(DatePrecision::Minute.truncate(occurred_at)),
            precision: Set(DatePrecision::Minute),
            reported_at: Set(None),
            title: Set(format!("{} {verb} {topic}", cast.names[who])),
            summary: Set(Some(format!(
                "In the {word} affair, {} {verb} {topic} after weeks of pressure.",
                cast.names[who]
            ))),
            quote: Set(rng
                .bool()
                .then(|| format!("We will not back down on {topic}."))),
            place: Set(None),
            magnitude: Set((kind == ActionKind::Deployment).then(|| rng.i64(50..5000))),
            intensity: Set(category.default_intensity()),
            intensity_reason: Set(None),
            revision: Set(1),
            retracted: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        });
        rows.changes.push(change_row(
            seq,
            ChangeKind::Recorded,
            "action",
            id,
            Some(id),
            now,
        ));
        seq += 1;
        // Most actions aim at someone on another side; some at two.
        let aims = match rng.u8(..10) {
            0 => 0,
            1 => 2,
            _ => 1,
        };
        let mut aimed = Vec::new();
        while aimed.len() < aims {
            let (target, target_side) = cast.actors[rng.usize(..cast.actors.len())];
            if target_side != side && !aimed.contains(&target) {
                aimed.push(target);
            }
        }
        for target in aimed {
            rows.targets.push(action_target::ActiveModel {
                action_id: Set(id),
                actor_id: Set(target),
            });
        }
        rows.citations.push(citation::ActiveModel {
            id: Set(citation_id),
            action_id: Set(id),
            source_id: Set(pick(rng, &cast.sources)),
            excerpt: Set(Some(format!("{} {verb} {topic}.", cast.names[who]))),
        });
        citation_id += 1;
        // A third of actions answer one of the last few, which makes chains.
        if !recent.is_empty() && rng.u8(..3) == 0 {
            let answered = recent[rng.usize(..recent.len())];
            rows.responses.push(response::ActiveModel {
                id: Set(response_id),
                action_id: Set(id),
                responds_to_id: Set(answered),
                stance: Set(pick(rng, &stances)),
                created_at: Set(now),
            });
            rows.changes.push(change_row(
                seq,
                ChangeKind::Responded,
                "response",
                response_id,
                Some(id),
                now,
            ));
            response_id += 1;
            seq += 1;
        }
        if recent.len() == ANSWER_WINDOW {
            recent.remove(0);
        }
        recent.push(id);
    }
    rows
}

fn verb(category: Category) -> &'static str {
    match category {
        Category::Agree => "agrees on",
        Category::Consult => "meets over",
        Category::Support => "backs",
        Category::Cooperate => "joins forces on",
        Category::Demand => "demands action on",
        Category::Accuse => "blames rivals for",
        Category::Reject => "rejects",
        Category::Threaten => "threatens to escalate",
        Category::Protest => "protests",
        Category::Sanction => "cuts off",
        Category::Mobilize => "sends troops over",
        Category::Coerce => "enforces",
        _ => "responds on",
    }
}

async fn write_batch(
    txn: &DatabaseTransaction,
    rows: BatchRows,
    report: &mut SyntheticReport,
) -> Result<(), SeedError> {
    let len = |n: usize| u64::try_from(n).unwrap_or(0);
    report.actions += len(rows.actions.len());
    report.targets += len(rows.targets.len());
    report.citations += len(rows.citations.len());
    report.responses += len(rows.responses.len());
    // Chunks stay under SQLite's 32,766 bound parameters per statement.
    insert_chunked(txn, rows.actions, 1000).await?;
    insert_chunked(txn, rows.targets, 8000).await?;
    insert_chunked(txn, rows.citations, 4000).await?;
    insert_chunked(txn, rows.responses, 4000).await?;
    insert_chunked(txn, rows.changes, 2000).await?;
    Ok(())
}

async fn insert_chunked<A>(
    txn: &DatabaseTransaction,
    rows: Vec<A>,
    chunk: usize,
) -> Result<(), SeedError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<A> = rows.by_ref().take(chunk).collect();
        A::Entity::insert_many(part)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
