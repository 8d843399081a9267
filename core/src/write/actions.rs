//! Recording, linking, correcting and retracting actions.

pub use super::Patch;
use super::{WriteTxn, Writer};
use crate::change_log::LogEntry;
use crate::check::{self, MAX_LONG, MAX_NAME, MAX_SHORT};
use crate::date::{self, KnownDate};
use crate::order;
use crate::public_id;
use crate::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    RelationTrait,
};
use serde_json::{Map, Value, json};
use standoff_entities::{
    ActionKind, ActionStatus, Category, ChangeKind, DatePrecision, Publication, Stance, action,
    action_target, actor, citation, response, source, story_action,
};
use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

/// A citation of a source, by id (or, in a story file, by key: `R`).
#[derive(Debug, Clone)]
pub struct NewCitation<R = i64> {
    /// The source.
    pub source: R,
    /// The passage that supports the action.
    pub excerpt: Option<String>,
}

/// A new action as an editor records it; `R` is how it names sources and the actions it answers
/// (ids, or keys in a story file).
#[derive(Debug, Clone)]
pub struct NewAction<R = i64> {
    /// A stable key given by an importer (a story file), so loading twice finds the same row.
    pub key: Option<String>,
    /// Slug of the actor who acted.
    pub actor: String,
    /// Slugs of the actors it is aimed at.
    pub targets: Vec<String>,
    /// Slugs of the stories it belongs to (none: the only story, when there is one).
    pub stories: Vec<String>,
    /// Deployment, order, statement.
    pub kind: ActionKind,
    /// PLOVER category.
    pub category: Option<Category>,
    /// Words or deeds.
    pub status: ActionStatus,
    /// When it happened, as precisely as the source allows.
    pub date: KnownDate,
    /// How the source words the date ("by late August 2025").
    pub date_text: Option<String>,
    /// When the first source reported it.
    pub reported_at: Option<DateTime<Utc>>,
    /// Headline.
    pub title: String,
    /// Our own words.
    pub summary: Option<String>,
    /// Verbatim quote.
    pub quote: Option<String>,
    /// Where.
    pub place: Option<String>,
    /// A count.
    pub magnitude: Option<i64>,
    /// An override of the category's intensity.
    pub intensity: Option<f64>,
    /// Why it was overridden.
    pub intensity_reason: Option<String>,
    /// At least one citation.
    pub citations: Vec<NewCitation<R>>,
    /// Earlier actions it answers, with the stance.
    pub responds_to: Vec<(R, Stance)>,
    /// Kept from readers as a draft, rather than published as it is recorded.
    pub draft: bool,
    /// Published even in a story that requires review: the writer vouches that it was
    /// reviewed (a story file, which its editors checked before loading it).
    pub reviewed: bool,
}

impl<R: Eq + Hash + Debug> NewAction<R> {
    /// Checks everything that needs no database and tidies the texts; a story file is checked
    /// this way whole before anything is written.
    pub fn checked(self) -> CoreResult<Self> {
        if let Some(value) = self.intensity {
            check::intensity(value, self.intensity_reason.as_deref())?;
        }
        if self.citations.is_empty() {
            return Err(CoreError::BadInput(
                "every action cites at least one source".into(),
            ));
        }
        check::list("targets", self.targets.len())?;
        check::list("stories", self.stories.len())?;
        check::list("citations", self.citations.len())?;
        check::list("respondsTo", self.responds_to.len())?;
        distinct_links(&self.responds_to)?;
        let citations = self
            .citations
            .into_iter()
            .map(|c| {
                Ok(NewCitation {
                    excerpt: check::optional_text("excerpt", c.excerpt.as_deref(), MAX_LONG)?,
                    source: c.source,
                })
            })
            .collect::<CoreResult<_>>()?;
        Ok(Self {
            key: self
                .key
                .as_deref()
                .map(|k| check::slug("key", k))
                .transpose()?,
            title: check::text("title", &self.title, MAX_SHORT)?,
            summary: check::optional_text("summary", self.summary.as_deref(), MAX_LONG)?,
            quote: check::optional_text("quote", self.quote.as_deref(), MAX_LONG)?,
            place: check::optional_text("place", self.place.as_deref(), MAX_NAME)?,
            magnitude: self.magnitude.map(check::magnitude).transpose()?,
            date: checked_date(self.date)?,
            date_text: check::optional_text("dateText", self.date_text.as_deref(), MAX_NAME)?,
            reported_at: check::optional_instant("reportedAt", self.reported_at)?,
            targets: self
                .targets
                .iter()
                .map(|t| check::slug("target", t))
                .collect::<CoreResult<_>>()?,
            stories: self
                .stories
                .iter()
                .map(|s| check::slug("story", s))
                .collect::<CoreResult<_>>()?,
            intensity_reason: check::optional_text(
                "intensityReason",
                self.intensity_reason.as_deref(),
                MAX_LONG,
            )?,
            citations,
            ..self
        })
    }

    /// The same action naming its sources and answered actions another way (a story file's
    /// keys resolved to ids).
    pub fn resolve<T, E>(
        self,
        source: impl Fn(&R) -> Result<T, E>,
        action: impl Fn(&R) -> Result<T, E>,
    ) -> Result<NewAction<T>, E> {
        Ok(NewAction {
            citations: self
                .citations
                .into_iter()
                .map(|c| {
                    Ok(NewCitation {
                        source: source(&c.source)?,
                        excerpt: c.excerpt,
                    })
                })
                .collect::<Result<_, E>>()?,
            responds_to: self
                .responds_to
                .into_iter()
                .map(|(r, stance)| Ok((action(&r)?, stance)))
                .collect::<Result<_, E>>()?,
            key: self.key,
            actor: self.actor,
            targets: self.targets,
            stories: self.stories,
            kind: self.kind,
            category: self.category,
            status: self.status,
            date: self.date,
            date_text: self.date_text,
            reported_at: self.reported_at,
            title: self.title,
            summary: self.summary,
            quote: self.quote,
            place: self.place,
            magnitude: self.magnitude,
            intensity: self.intensity,
            intensity_reason: self.intensity_reason,
            draft: self.draft,
            reviewed: self.reviewed,
        })
    }
}

/// A correction: every field optional; actions answered by `responds_to` are linked in addition.
#[derive(Debug, Clone, Default)]
pub struct ActionPatch {
    /// Replaces the targets.
    pub targets: Option<Vec<String>>,
    /// New kind.
    pub kind: Option<ActionKind>,
    /// New category.
    pub category: Patch<Category>,
    /// New status.
    pub status: Option<ActionStatus>,
    /// New date.
    pub date: Option<KnownDate>,
    /// New precision: the date made no more precise than this.
    pub precision: Option<DatePrecision>,
    /// New wording of the date.
    pub date_text: Patch<String>,
    /// New report date.
    pub reported_at: Patch<DateTime<Utc>>,
    /// New headline.
    pub title: Option<String>,
    /// New summary.
    pub summary: Patch<String>,
    /// New quote.
    pub quote: Patch<String>,
    /// New place.
    pub place: Patch<String>,
    /// New magnitude.
    pub magnitude: Patch<i64>,
    /// New intensity override; clearing it returns to the category's default.
    pub intensity: Patch<f64>,
    /// Why the intensity was overridden.
    pub intensity_reason: Option<String>,
    /// Replaces the citations (at least one).
    pub citations: Option<Vec<NewCitation>>,
    /// Further actions this one answers.
    pub responds_to: Vec<(i64, Stance)>,
}

/// An action's intensity and the reason for it: the editor's override, or the category's
/// default.
pub(crate) fn intensity_of<R>(action: &NewAction<R>) -> (f64, Option<String>) {
    match action.intensity {
        Some(value) => (value, action.intensity_reason.clone()),
        None => (default_intensity(action.category), None),
    }
}

/// A date every backend can store: both ends in the years 0001 to 9999.
fn checked_date(date: KnownDate) -> CoreResult<KnownDate> {
    check::instant("occurredAt", date.at)?;
    check::instant("occurredAt", date.until)?;
    Ok(date)
}

/// The change-log entry of a response link.
pub(crate) fn response_entry(
    answer: i64,
    response: i64,
    answered: i64,
    stance: Stance,
) -> LogEntry {
    LogEntry {
        action_id: Some(answer),
        data: Some(json!({ "respondsTo": answered, "stance": stance })),
        ..LogEntry::about(ChangeKind::Responded, "response", response)
    }
}

/// The intensity an action takes from its category when no editor overrode it.
pub(crate) fn default_intensity(category: Option<Category>) -> f64 {
    category.map(Category::default_intensity).unwrap_or(0.0)
}

/// The ids of `slugs`, in their order without repeats; an unknown slug is BAD_USER_INPUT.
async fn actor_ids<C: ConnectionTrait>(db: &C, slugs: &[String]) -> CoreResult<Vec<i64>> {
    let unknown = |slug: &String| CoreError::BadInput(format!("no actor has the slug {slug:?}"));
    if let Some(bad) = slugs.iter().find(|s| !check::is_slug(s)) {
        return Err(unknown(bad));
    }
    let found = crate::lookup::actor_ids_by_slug(db, slugs).await?;
    let mut ids = Vec::new();
    for slug in slugs {
        let id = *found.get(slug).ok_or_else(|| unknown(slug))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

async fn write_targets<C: ConnectionTrait>(db: &C, action_id: i64, ids: &[i64]) -> CoreResult<()> {
    action_target::Entity::delete_many()
        .filter(action_target::Column::ActionId.eq(action_id))
        .exec(db)
        .await?;
    if !ids.is_empty() {
        action_target::Entity::insert_many(ids.iter().map(|actor_id| action_target::ActiveModel {
            action_id: Set(action_id),
            actor_id: Set(*actor_id),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn write_citations<C: ConnectionTrait>(
    db: &C,
    action_id: i64,
    citations: &[NewCitation],
) -> CoreResult<()> {
    if citations.is_empty() {
        return Err(CoreError::BadInput(
            "every action cites at least one source".into(),
        ));
    }
    let mut rows = Vec::new();
    for c in citations {
        let exists = source::Entity::find_by_id(c.source).count(db).await? > 0;
        if !exists {
            return Err(CoreError::BadInput(format!(
                "no source has the id {}",
                public_id::encode(public_id::NodeType::Source, c.source)
            )));
        }
        rows.push(citation::ActiveModel {
            action_id: Set(action_id),
            source_id: Set(c.source),
            excerpt: Set(check::optional_text(
                "excerpt",
                c.excerpt.as_deref(),
                MAX_LONG,
            )?),
            ..Default::default()
        });
    }
    citation::Entity::delete_many()
        .filter(citation::Column::ActionId.eq(action_id))
        .exec(db)
        .await?;
    citation::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Links `answer` to the action `answered_id`, checking dates and duplicates.
async fn link(
    txn: &mut WriteTxn,
    author: &str,
    answer: &action::Model,
    answered_id: i64,
    stance: Stance,
) -> CoreResult<response::Model> {
    if answered_id == answer.id {
        return Err(CoreError::BadInput(
            "an action cannot respond to itself".into(),
        ));
    }
    let answered = action::Entity::find_by_id(answered_id)
        .one(txn.db())
        .await?
        .ok_or_else(|| {
            CoreError::BadInput(format!(
                "no action has the id {}",
                public_id::action(answered_id)
            ))
        })?;
    super::publication::check_may_answer(answer, &answered)?;
    if answered.retracted {
        return Err(CoreError::BadInput(format!(
            "action {} is retracted and cannot be answered",
            public_id::action(answered_id)
        )));
    }
    if !check::may_answer(&date::of(answer), &date::of(&answered)) {
        return Err(CoreError::BadInput(format!(
            "the response is dated before the action it answers ({})",
            date::display(&date::of(&answered), "UTC")
        )));
    }
    if stance == Stance::Escalates {
        let sides: Vec<(i64, standoff_entities::Side)> = actor::Entity::find()
            .select_only()
            .columns([actor::Column::Id, actor::Column::Side])
            .filter(actor::Column::Id.is_in([answer.actor_id, answered.actor_id]))
            .into_tuple()
            .all(txn.db())
            .await?;
        let side = |id| sides.iter().find(|(a, _)| *a == id).map(|(_, s)| *s);
        if side(answer.actor_id) != side(answered.actor_id) {
            return Err(CoreError::BadInput(
                "ESCALATES links actions of the same side; an answer from the other side takes \
                 another stance"
                    .into(),
            ));
        }
    }
    let duplicate = format!(
        "action {} already responds to action {}",
        public_id::action(answer.id),
        public_id::action(answered_id)
    );
    let existing = response::Entity::find()
        .filter(response::Column::ActionId.eq(answer.id))
        .filter(response::Column::RespondsToId.eq(answered_id))
        .count(txn.db())
        .await?;
    if existing > 0 {
        return Err(CoreError::Conflict(duplicate));
    }
    let model = response::Entity::insert(response::ActiveModel {
        action_id: Set(answer.id),
        responds_to_id: Set(answered_id),
        stance: Set(stance),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(txn.db())
    .await
    .map_err(|e| CoreError::from(e).conflict_on_unique(duplicate))?;
    txn.append(
        author,
        response_entry(answer.id, model.id, answered_id, stance),
    )
    .await?;
    Ok(model)
}

fn distinct_links<R: Eq + Hash + Debug>(links: &[(R, Stance)]) -> CoreResult<()> {
    let mut seen = HashSet::new();
    for (id, _) in links {
        if !seen.insert(id) {
            return Err(CoreError::BadInput(format!(
                "respondsTo names action {id:?} twice"
            )));
        }
    }
    Ok(())
}

/// Records an action with its targets, citations and the responses it makes, inside `txn`.
pub async fn record_action_in(
    txn: &mut WriteTxn,
    author: &str,
    input: NewAction,
) -> CoreResult<action::Model> {
    let input = input.checked()?;
    let (intensity, intensity_reason) = intensity_of(&input);
    let actor_id = *actor_ids(txn.db(), std::slice::from_ref(&input.actor))
        .await?
        .first()
        .ok_or_else(|| CoreError::BadInput("no actor given".into()))?;
    let targets = actor_ids(txn.db(), &input.targets).await?;
    let stories = super::stories::stories_for_new_action(txn, &input.stories).await?;
    if !input.draft && !input.reviewed {
        super::publication::check_no_review_needed(txn, &stories).await?;
    }
    let now = Utc::now();
    let published = !input.draft;
    let key = input.key.clone();
    let model = action::Entity::insert(action::ActiveModel {
        key: Set(input.key),
        actor_id: Set(actor_id),
        kind: Set(input.kind),
        category: Set(input.category),
        status: Set(input.status),
        occurred_at: Set(input.date.at),
        precision: Set(input.date.precision),
        occurred_until: Set(Some(input.date.until)),
        date_edtf: Set(Some(input.date.edtf.clone())),
        date_text: Set(input.date_text),
        order_key: Set(order::own_key(input.date.at)),
        reported_at: Set(input.reported_at),
        title: Set(input.title),
        summary: Set(input.summary),
        quote: Set(input.quote),
        place: Set(input.place),
        magnitude: Set(input.magnitude),
        intensity: Set(intensity),
        intensity_reason: Set(intensity_reason),
        revision: Set(1),
        retracted: Set(false),
        publication: Set(if published {
            Publication::Published
        } else {
            Publication::Draft
        }),
        publish_at: Set(published.then_some(now)),
        recorded_by: Set(Some(author.to_owned())),
        approved_by: Set(None),
        published_by: Set(published.then(|| author.to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(txn.db())
    .await
    .map_err(|e| {
        CoreError::from(e).conflict_on_unique(format!("an action has the key {key:?} already"))
    })?;
    write_targets(txn.db(), model.id, &targets).await?;
    if !stories.is_empty() {
        story_action::Entity::insert_many(stories.iter().map(|story_id| {
            story_action::ActiveModel {
                story_id: Set(*story_id),
                action_id: Set(model.id),
            }
        }))
        .exec_without_returning(txn.db())
        .await?;
    }
    write_citations(txn.db(), model.id, &input.citations).await?;
    txn.append(
        author,
        LogEntry {
            action_id: Some(model.id),
            ..LogEntry::about(ChangeKind::Recorded, "action", model.id)
        },
    )
    .await?;
    for (answered, stance) in &input.responds_to {
        link(txn, author, &model, *answered, *stance).await?;
    }
    if !input.responds_to.is_empty() {
        order::reorder(txn.db(), model.id).await?;
        return existing_action(txn.db(), model.id).await;
    }
    Ok(model)
}

/// Records an action in a transaction of its own.
pub async fn record_action(writer: &Writer<'_>, input: NewAction) -> CoreResult<action::Model> {
    let input = input.checked()?;
    let mut txn = writer.begin().await?;
    let model = record_action_in(&mut txn, writer.author(), input).await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// Links two recorded actions inside `txn`: `action_id` answers `responds_to_id`.
pub async fn record_response_in(
    txn: &mut WriteTxn,
    author: &str,
    action_id: i64,
    responds_to_id: i64,
    stance: Stance,
) -> CoreResult<response::Model> {
    let answer = action::Entity::find_by_id(action_id)
        .one(txn.db())
        .await?
        .ok_or_else(|| {
            CoreError::BadInput(format!(
                "no action has the id {}",
                public_id::action(action_id)
            ))
        })?;
    if answer.retracted {
        return Err(CoreError::BadInput(format!(
            "action {} is retracted",
            public_id::action(action_id)
        )));
    }
    let model = link(txn, author, &answer, responds_to_id, stance).await?;
    order::reorder(txn.db(), action_id).await?;
    Ok(model)
}

/// Links two recorded actions in a transaction of its own.
pub async fn record_response(
    writer: &Writer<'_>,
    action_id: i64,
    responds_to_id: i64,
    stance: Stance,
) -> CoreResult<response::Model> {
    let mut txn = writer.begin().await?;
    let model =
        record_response_in(&mut txn, writer.author(), action_id, responds_to_id, stance).await?;
    writer.commit(txn).await?;
    Ok(model)
}

async fn existing_action<C: ConnectionTrait>(db: &C, id: i64) -> CoreResult<action::Model> {
    action::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            CoreError::NotFound(format!("no action has the id {}", public_id::action(id)))
        })
}

/// Records what a correction changed, field by field, for the change log.
fn diff(before: &action::Model, after: &action::Model) -> Map<String, Value> {
    let mut changed = super::Changes::default();
    let mut field = |name: &str, old: Value, new: Value| changed.field(name, old, new);
    field("kind", json!(before.kind), json!(after.kind));
    field("category", json!(before.category), json!(after.category));
    field("status", json!(before.status), json!(after.status));
    field(
        "occurredAt",
        json!(before.occurred_at),
        json!(after.occurred_at),
    );
    field(
        "occurredUntil",
        json!(before.occurred_until),
        json!(after.occurred_until),
    );
    field("date", json!(before.date_edtf), json!(after.date_edtf));
    field("precision", json!(before.precision), json!(after.precision));
    field("dateText", json!(before.date_text), json!(after.date_text));
    field(
        "reportedAt",
        json!(before.reported_at),
        json!(after.reported_at),
    );
    field("title", json!(before.title), json!(after.title));
    field("summary", json!(before.summary), json!(after.summary));
    field("quote", json!(before.quote), json!(after.quote));
    field("place", json!(before.place), json!(after.place));
    field("magnitude", json!(before.magnitude), json!(after.magnitude));
    field("intensity", json!(before.intensity), json!(after.intensity));
    field(
        "intensityReason",
        json!(before.intensity_reason),
        json!(after.intensity_reason),
    );
    changed.into_map()
}

/// Corrects an action inside `txn`: bumps its revision and logs the old values with the editor's note.
pub async fn correct_action_in(
    txn: &mut WriteTxn,
    author: &str,
    id: i64,
    patch: ActionPatch,
    note: &str,
) -> CoreResult<action::Model> {
    let note = check::text("note", note, MAX_LONG)?;
    check::list("targets", patch.targets.as_ref().map_or(0, Vec::len))?;
    check::list("citations", patch.citations.as_ref().map_or(0, Vec::len))?;
    check::list("respondsTo", patch.responds_to.len())?;
    distinct_links(&patch.responds_to)?;
    // Locked before the read: a correction racing the scheduler sees the action as published.
    txn.lock_log().await?;
    let before = existing_action(txn.db(), id).await?;
    if before.retracted {
        return Err(CoreError::Conflict(format!(
            "action {} is retracted; record a new action instead",
            public_id::action(id)
        )));
    }
    let mut after = before.clone();
    if let Some(kind) = patch.kind {
        after.kind = kind;
    }
    after.category = patch.category.apply(after.category);
    if let Some(status) = patch.status {
        after.status = status;
    }
    let mut when = patch.date.clone().unwrap_or_else(|| date::of(&before));
    if let Some(precision) = patch.precision {
        when = when.at_most(precision);
    }
    let when = checked_date(when)?;
    after.occurred_at = when.at;
    after.occurred_until = Some(when.until);
    after.precision = when.precision;
    after.date_edtf = Some(when.edtf.clone());
    after.date_text = check::optional_text(
        "dateText",
        patch.date_text.apply(after.date_text).as_deref(),
        MAX_NAME,
    )?;
    after.reported_at =
        check::optional_instant("reportedAt", patch.reported_at.apply(after.reported_at))?;
    if let Some(title) = &patch.title {
        after.title = check::text("title", title, MAX_SHORT)?;
    }
    after.summary = patch.summary.apply(after.summary);
    after.summary = check::optional_text("summary", after.summary.as_deref(), MAX_LONG)?;
    after.quote = patch.quote.apply(after.quote);
    after.quote = check::optional_text("quote", after.quote.as_deref(), MAX_LONG)?;
    after.place = patch.place.apply(after.place);
    after.place = check::optional_text("place", after.place.as_deref(), MAX_NAME)?;
    after.magnitude = patch
        .magnitude
        .apply(after.magnitude)
        .map(check::magnitude)
        .transpose()?;
    // An override stays until it is cleared; without one, the score follows the category.
    match &patch.intensity {
        Patch::Set(value) => {
            let reason = patch
                .intensity_reason
                .as_deref()
                .or(before.intensity_reason.as_deref());
            after.intensity_reason = Some(check::intensity(*value, reason)?);
            after.intensity = *value;
        }
        Patch::Clear => {
            after.intensity_reason = None;
            after.intensity = default_intensity(after.category);
        }
        Patch::Keep if after.intensity_reason.is_none() => {
            after.intensity = default_intensity(after.category);
        }
        Patch::Keep => {}
    }

    let mut changed = diff(&before, &after);
    let redated =
        after.occurred_at != before.occurred_at || after.occurred_until != before.occurred_until;
    if redated {
        check_neighbours(txn.db(), id, &when).await?;
    }
    if let Some(slugs) = &patch.targets {
        let ids = actor_ids(txn.db(), slugs).await?;
        write_targets(txn.db(), id, &ids).await?;
        changed.insert("targets".into(), json!(slugs));
    }
    if let Some(citations) = &patch.citations {
        write_citations(txn.db(), id, citations).await?;
        let sources: Vec<i64> = citations.iter().map(|c| c.source).collect();
        changed.insert("citations".into(), json!(sources));
    }
    if changed.is_empty() && patch.responds_to.is_empty() {
        return Err(CoreError::BadInput("the correction changes nothing".into()));
    }
    after.revision = before.revision + 1;
    after.updated_at = Utc::now();
    let model = action::Entity::update(action::ActiveModel {
        id: Set(id),
        kind: Set(after.kind),
        category: Set(after.category),
        status: Set(after.status),
        occurred_at: Set(after.occurred_at),
        precision: Set(after.precision),
        occurred_until: Set(after.occurred_until),
        date_edtf: Set(after.date_edtf.clone()),
        date_text: Set(after.date_text.clone()),
        reported_at: Set(after.reported_at),
        title: Set(after.title.clone()),
        summary: Set(after.summary.clone()),
        quote: Set(after.quote.clone()),
        place: Set(after.place.clone()),
        magnitude: Set(after.magnitude),
        intensity: Set(after.intensity),
        intensity_reason: Set(after.intensity_reason.clone()),
        revision: Set(after.revision),
        updated_at: Set(after.updated_at),
        ..Default::default()
    })
    .exec(txn.db())
    .await?;
    super::publication::after_edit(txn, &before).await?;
    txn.append(
        author,
        LogEntry {
            action_id: Some(id),
            note: Some(note),
            data: Some(json!({ "revision": model.revision, "changed": changed })),
            ..LogEntry::about(ChangeKind::Corrected, "action", id)
        },
    )
    .await?;
    for (answered, stance) in &patch.responds_to {
        link(txn, author, &model, *answered, *stance).await?;
    }
    if redated || !patch.responds_to.is_empty() {
        order::reorder(txn.db(), id).await?;
        return existing_action(txn.db(), id).await;
    }
    Ok(model)
}

/// A new date for action `id` must still fall no earlier than what it answers, and no later
/// than what answers it.
async fn check_neighbours<C: ConnectionTrait>(db: &C, id: i64, when: &KnownDate) -> CoreResult<()> {
    let answered: Vec<action::Model> = action::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            response::Relation::Answered.def().rev(),
        )
        .filter(response::Column::ActionId.eq(id))
        .filter(action::Column::Retracted.eq(false))
        .all(db)
        .await?;
    for earlier in &answered {
        if !check::may_answer(when, &date::of(earlier)) {
            return Err(CoreError::BadInput(format!(
                "the new date is before action {} ({}), which this one answers",
                earlier.id,
                date::display(&date::of(earlier), "UTC")
            )));
        }
    }
    let answers: Vec<action::Model> = action::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            response::Relation::Answer.def().rev(),
        )
        .filter(response::Column::RespondsToId.eq(id))
        .filter(action::Column::Retracted.eq(false))
        .all(db)
        .await?;
    if let Some(later) = answers
        .iter()
        .find(|a| !check::may_answer(&date::of(a), when))
    {
        return Err(CoreError::BadInput(format!(
            "the new date is after action {} ({}), which answers this one",
            later.id,
            date::display(&date::of(later), "UTC")
        )));
    }
    Ok(())
}

/// Corrects an action in a transaction of its own.
pub async fn correct_action(
    writer: &Writer<'_>,
    id: i64,
    patch: ActionPatch,
    note: &str,
) -> CoreResult<action::Model> {
    let mut txn = writer.begin().await?;
    let model = correct_action_in(&mut txn, writer.author(), id, patch, note).await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// Retracts an action: hidden from the default timeline, kept, and logged with the reason.
pub async fn retract_action(
    writer: &Writer<'_>,
    id: i64,
    reason: &str,
) -> CoreResult<action::Model> {
    set_retracted(writer, id, reason, true).await
}

/// Undoes a retraction made in error: the action is back on the timeline, and the change log
/// keeps both the retraction and this restoration with their reasons.
pub async fn restore_action(
    writer: &Writer<'_>,
    id: i64,
    reason: &str,
) -> CoreResult<action::Model> {
    set_retracted(writer, id, reason, false).await
}

/// Retracts (`retracted`) or restores an action in a transaction of its own, logging why;
/// asking for the state it is already in is CONFLICT.
async fn set_retracted(
    writer: &Writer<'_>,
    id: i64,
    reason: &str,
    retracted: bool,
) -> CoreResult<action::Model> {
    let reason = check::text("reason", reason, MAX_LONG)?;
    let mut txn = writer.begin().await?;
    txn.lock_log().await?;
    let before = existing_action(txn.db(), id).await?;
    if before.retracted == retracted {
        return Err(CoreError::Conflict(if retracted {
            format!("action {} is retracted already", public_id::action(id))
        } else {
            format!("action {} is not retracted", public_id::action(id))
        }));
    }
    if retracted {
        super::publication::before_retraction(&txn, &before).await?;
    }
    let model = action::Entity::update(action::ActiveModel {
        id: Set(id),
        retracted: Set(retracted),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(txn.db())
    .await?;
    let kind = if retracted {
        ChangeKind::Retracted
    } else {
        ChangeKind::Restored
    };
    txn.append(
        writer.author(),
        LogEntry {
            action_id: Some(id),
            note: Some(reason),
            ..LogEntry::about(kind, "action", id)
        },
    )
    .await?;
    writer.commit(txn).await?;
    Ok(model)
}
