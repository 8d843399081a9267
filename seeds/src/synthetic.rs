//! A synthetic archive for load tests and benchmarks: actors on every side, actions spread over
//! years, chains of responses, citations and the change log, written in large batches.
//!
//! The data is random but shaped like the real thing: each action has an actor, usually a
//! target on another side, one citation, and often answers a recent action. A seed makes a run
//! repeatable. Rows get their ids from the generator and are written through the core's bulk
//! writer, in batches of one transaction each, so the archive grows without a round trip per
//! row yet is checked and logged like any other write.

use crate::SeedError;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::DatabaseConnection;
use standoff_core::date::KnownDate;
use standoff_core::write::WriteTxn;
use standoff_core::write::actions::{NewAction, NewCitation};
use standoff_core::write::actors::{NewActor, NewSource};
use standoff_core::write::bulk::{self, BulkAction, BulkActor, BulkBatch, BulkSource, NextIds};
use standoff_core::write::stories::{NewStory, create_story_in};
use standoff_entities::{
    ActionKind, ActionStatus, ActorKind, Category, DatePrecision, Side, Stance,
};

/// Actions written per transaction.
const BATCH: u64 = 10_000;
/// Actors per side.
const ACTORS_PER_SIDE: usize = 40;
/// Sources cited across the archive.
const SOURCES: usize = 500;
/// Stories the archive's actions are spread over.
const STORIES: usize = 20;
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
    /// Stories written.
    pub stories: u64,
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
            "created {} stories, {} actors, {} sources, {} actions, {} targets, {} citations, {} responses",
            self.stories,
            self.actors,
            self.sources,
            self.actions,
            self.targets,
            self.citations,
            self.responses
        )
    }
}

/// The actors and sources of this run, by id.
struct Cast {
    /// `(slug, side)` of each actor.
    actors: Vec<(String, Side)>,
    /// Names, by position in `actors`, for titles.
    names: Vec<String>,
    sources: Vec<i64>,
    /// Slugs of the run's stories.
    stories: Vec<String>,
}

/// Writes the run's stories, which share every actor: one write transaction through the core.
async fn write_stories(
    db: &DatabaseConnection,
    report: &mut SyntheticReport,
) -> Result<Vec<String>, SeedError> {
    let base = standoff_core::stories::count_stories(db).await?;
    let mut txn = WriteTxn::begin(db).await?;
    let mut slugs = Vec::with_capacity(STORIES);
    for n in 1..=STORIES {
        let number = base + u64::try_from(n).unwrap_or(0);
        let story = NewStory {
            slug: format!("synthetic-{number}"),
            title: format!("Synthetic story {number}"),
            summary: Some("A generated feud for load tests.".to_owned()),
            time_zone: "UTC".to_owned(),
            locale: "en".to_owned(),
            periods: Vec::new(),
            review_required: false,
        };
        slugs.push(create_story_in(&mut txn, AUTHOR, story).await?.slug);
    }
    txn.commit(None).await?;
    report.stories += u64::try_from(STORIES).unwrap_or(0);
    Ok(slugs)
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

    let stories = write_stories(db, &mut report).await?;
    let mut batch = BulkBatch::begin(db, AUTHOR).await?;
    let mut cast = write_cast(&mut batch, &mut rng, &mut report).await?;
    cast.stories = stories;
    batch.commit().await?;

    let mut recent: Vec<i64> = Vec::with_capacity(ANSWER_WINDOW);
    let mut done = 0u64;
    while done < plan.actions {
        let count = BATCH.min(plan.actions - done);
        let mut batch = BulkBatch::begin(db, AUTHOR).await?;
        let actions = make_actions(
            &mut rng,
            &cast,
            batch.next_ids(),
            done,
            count,
            start,
            step_seconds,
            &mut recent,
        );
        count_rows(&mut report, &actions);
        batch.actions(actions).await?;
        batch.commit().await?;
        done += count;
        progress(done);
        // Each batch looks up the actions it answers by id; a planner that still takes the
        // table for empty scans it whole for them, every batch, so statistics are refreshed as
        // the table doubles.
        let batches = done.div_ceil(BATCH);
        if batches.is_power_of_two() {
            bulk::analyze(db).await?;
        }
    }
    bulk::analyze(db).await?;
    Ok(report)
}

fn count_rows(report: &mut SyntheticReport, actions: &[BulkAction]) {
    let len = |n: usize| u64::try_from(n).unwrap_or(0);
    report.actions += len(actions.len());
    for a in actions {
        report.targets += len(a.action.targets.len());
        report.citations += len(a.action.citations.len());
        report.responses += len(a.action.responds_to.len());
    }
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
    batch: &mut BulkBatch,
    rng: &mut fastrand::Rng,
    report: &mut SyntheticReport,
) -> Result<Cast, SeedError> {
    let ids = batch.next_ids();
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
    let mut id = ids.actor;
    for side in sides {
        // The first actor of each side is its government; the others may belong to it.
        let mut head = String::new();
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
            let slug = format!("syn{run}-{}-{n}", side_slug(side));
            rows.push(BulkActor {
                id,
                actor: NewActor {
                    slug: slug.clone(),
                    name: name.clone(),
                    kind,
                    side,
                    title: (kind == ActorKind::Person).then(|| "Official".to_owned()),
                    party: None,
                    member_of: (n > 0 && rng.bool()).then(|| head.clone()),
                },
            });
            if n == 0 {
                head = slug.clone();
            }
            actors.push((slug, side));
            names.push(name);
            id += 1;
        }
    }
    let mut sources = Vec::new();
    let mut source_rows = Vec::new();
    for n in 0..SOURCES {
        let source_id = ids.source + i64::try_from(n).unwrap_or(0);
        source_rows.push(BulkSource {
            id: source_id,
            source: NewSource {
                key: None,
                url: Some(format!("https://news.example/{run}/{n}")),
                publisher: Some(format!("Example Wire {}", n % 12)),
                title: format!("Report {n} on {}", pick(rng, &TOPICS)),
                published_at: None,
            },
        });
        sources.push(source_id);
    }
    report.actors += u64::try_from(rows.len()).unwrap_or(0);
    report.sources += u64::try_from(source_rows.len()).unwrap_or(0);
    batch.actors(rows).await?;
    batch.sources(source_rows).await?;
    Ok(Cast {
        actors,
        names,
        sources,
        stories: Vec::new(),
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

/// Makes `count` actions, the `done`-th onwards, with their links and change-log entries.
#[expect(clippy::too_many_arguments, reason = "one batch's whole context")]
fn make_actions(
    rng: &mut fastrand::Rng,
    cast: &Cast,
    ids: NextIds,
    done: u64,
    count: u64,
    start: DateTime<Utc>,
    step_seconds: i64,
    recent: &mut Vec<i64>,
) -> Vec<BulkAction> {
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
    let mut rows = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    for k in 0..count {
        let id = ids.action + i64::try_from(k).unwrap_or(0);
        let n = i64::try_from(done + k).unwrap_or(i64::MAX);
        let who = rng.usize(..cast.actors.len());
        let (actor, side) = &cast.actors[who];
        let side = *side;
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
        let title = format!("{} {verb} {topic}", cast.names[who]);
        let summary = format!(
            "In the {word} affair, {} {verb} {topic} after weeks of pressure.",
            cast.names[who]
        );
        let quote = rng
            .bool()
            .then(|| format!("We will not back down on {topic}."));
        let magnitude = (kind == ActionKind::Deployment).then(|| rng.i64(50..5000));
        // Most actions aim at someone on another side; some at two.
        let aims = match rng.u8(..10) {
            0 => 0,
            1 => 2,
            _ => 1,
        };
        let mut targets = Vec::new();
        while targets.len() < aims {
            let (target, target_side) = &cast.actors[rng.usize(..cast.actors.len())];
            if *target_side != side && !targets.contains(target) {
                targets.push(target.clone());
            }
        }
        let citation = (
            pick(rng, &cast.sources),
            Some(format!("{} {verb} {topic}.", cast.names[who])),
        );
        // A third of actions answer one of the last few, which makes chains.
        let mut responds_to = Vec::new();
        if !recent.is_empty() && rng.u8(..3) == 0 {
            let answered = recent[rng.usize(..recent.len())];
            responds_to.push((answered, pick(rng, &stances)));
        }
        // Each action belongs to a story; one in twenty to a second one too.
        let mut stories = Vec::new();
        if !cast.stories.is_empty() {
            stories.push(cast.stories[rng.usize(..cast.stories.len())].clone());
            if rng.u8(..20) == 0 {
                let other = cast.stories[rng.usize(..cast.stories.len())].clone();
                if !stories.contains(&other) {
                    stories.push(other);
                }
            }
        }
        rows.push(BulkAction {
            id,
            action: NewAction {
                draft: false,
                reviewed: true,
                key: None,
                actor: actor.clone(),
                targets,
                stories,
                kind,
                category: Some(category),
                status,
                date: KnownDate::unit(occurred_at, DatePrecision::Minute),
                date_text: None,
                reported_at: None,
                title,
                summary: Some(summary),
                quote,
                place: None,
                magnitude,
                intensity: None,
                intensity_reason: None,
                citations: vec![NewCitation {
                    source: citation.0,
                    excerpt: citation.1,
                }],
                responds_to,
            },
        });
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
