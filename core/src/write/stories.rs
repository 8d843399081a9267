//! Creating and updating stories, and putting actions in them or taking them out.

use super::Patch;
use super::{WriteTxn, Writer};
use crate::change_log::LogEntry;
use crate::check::{self, MAX_LONG, MAX_SHORT};
use crate::stories::Period;
use crate::{CoreError, CoreResult};
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use standoff_entities::{ChangeKind, action, story, story_action};
use standoff_migration::sizes;

/// A new story.
#[derive(Debug, Clone)]
pub struct NewStory {
    /// Unique, stable identifier, used in URLs.
    pub slug: String,
    /// Its title, as pages and feeds show it.
    pub title: String,
    /// A sentence on what the feud is about.
    pub summary: Option<String>,
    /// An IANA time zone name, such as `America/Chicago`.
    pub time_zone: String,
    /// A BCP 47 language tag, such as `en-US`.
    pub locale: String,
    /// Named spans of its timeline.
    pub periods: Vec<Period>,
    /// Whether its actions need a second editor's approval before they are published.
    pub review_required: bool,
}

/// A story's periods, checked: each label a short text, each date one the core reads, at most
/// [`sizes::PERIODS`] of them; stored in time order as JSON.
pub fn periods_json(periods: &[Period]) -> CoreResult<String> {
    if periods.len() > sizes::PERIODS {
        return Err(CoreError::LimitExceeded(format!(
            "a story has at most {} periods, not {}",
            sizes::PERIODS,
            periods.len()
        )));
    }
    let mut checked = Vec::with_capacity(periods.len());
    for period in periods {
        let label = check::text("period label", &period.label, MAX_SHORT)?;
        let date = Period {
            label: label.clone(),
            edtf: period.edtf.clone(),
        }
        .date()?;
        checked.push((
            date.at,
            Period {
                label,
                edtf: date.edtf,
            },
        ));
    }
    checked.sort_by_key(|(at, _)| *at);
    let list: Vec<Period> = checked.into_iter().map(|(_, p)| p).collect();
    serde_json::to_string(&list).map_err(|e| CoreError::Internal(format!("periods: {e}")))
}

/// A time zone the IANA database knows, such as `America/Chicago`.
pub fn time_zone(value: &str) -> CoreResult<String> {
    let value = value.trim();
    if value.len() <= sizes::TIME_ZONE && value.parse::<chrono_tz::Tz>().is_ok() {
        Ok(value.to_owned())
    } else {
        Err(CoreError::BadInput(format!(
            "{value:?} is not an IANA time zone such as \"America/Chicago\""
        )))
    }
}

/// A BCP 47 language tag in its common form: a two- or three-letter language, then subtags
/// of letters and digits (`en`, `en-US`, `es-419`).
pub fn locale(value: &str) -> CoreResult<String> {
    let value = value.trim();
    let mut parts = value.split('-');
    let language = parts.next().unwrap_or("");
    let ok = value.len() <= sizes::LOCALE
        && (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(CoreError::BadInput(format!(
            "{value:?} is not a language tag such as \"en-US\" or \"es\""
        )))
    }
}

impl NewStory {
    /// Checks what needs no database and tidies the texts.
    pub fn checked(self) -> CoreResult<Self> {
        Ok(Self {
            slug: check::slug("slug", &self.slug)?,
            title: check::text("title", &self.title, MAX_SHORT)?,
            summary: check::optional_text("summary", self.summary.as_deref(), MAX_LONG)?,
            time_zone: time_zone(&self.time_zone)?,
            locale: locale(&self.locale)?,
            periods: self.periods,
            review_required: self.review_required,
        })
    }
}

/// A change to a story: every field optional (its slug never changes).
#[derive(Debug, Clone, Default)]
pub struct StoryPatch {
    /// New title.
    pub title: Option<String>,
    /// New summary, or none.
    pub summary: Patch<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New language.
    pub locale: Option<String>,
    /// New periods, replacing all of them.
    pub periods: Option<Vec<Period>>,
    /// Whether its actions need a second editor's approval.
    pub review_required: Option<bool>,
}

/// Creates a story inside `txn`; a slug already in use is CONFLICT.
pub async fn create_story_in(
    txn: &mut WriteTxn,
    author: &str,
    input: NewStory,
) -> CoreResult<story::Model> {
    let input = input.checked()?;
    let slug = input.slug.clone();
    let taken = format!("a story has the slug {slug:?} already");
    if crate::stories::story_by_slug(txn.db(), &slug)
        .await?
        .is_some()
    {
        return Err(CoreError::Conflict(taken));
    }
    let now = Utc::now();
    let model = story::Entity::insert(story::ActiveModel {
        slug: Set(input.slug),
        title: Set(input.title),
        summary: Set(input.summary),
        time_zone: Set(input.time_zone),
        locale: Set(input.locale),
        periods: Set(periods_json(&input.periods)?),
        review_required: Set(input.review_required),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(txn.db())
    .await
    .map_err(|e| CoreError::from(e).conflict_on_unique(taken))?;
    txn.append(
        author,
        LogEntry::about(ChangeKind::StoryCreated, "story", model.id),
    )
    .await?;
    Ok(model)
}

/// Creates a story in a transaction of its own.
pub async fn create_story(writer: &Writer<'_>, input: NewStory) -> CoreResult<story::Model> {
    let input = input.checked()?;
    let mut txn = writer.begin().await?;
    let model = create_story_in(&mut txn, writer.author(), input).await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// Updates a story inside `txn`, logging what changed with `note`; a patch that changes
/// nothing is BAD_USER_INPUT.
pub async fn update_story_in(
    txn: &mut WriteTxn,
    author: &str,
    slug: &str,
    patch: StoryPatch,
    note: Option<String>,
) -> CoreResult<story::Model> {
    let before = crate::stories::existing_story(txn.db(), slug).await?;
    let mut after = before.clone();
    if let Some(title) = &patch.title {
        after.title = check::text("title", title, MAX_SHORT)?;
    }
    after.summary = check::optional_text(
        "summary",
        patch.summary.apply(after.summary.clone()).as_deref(),
        MAX_LONG,
    )?;
    if let Some(zone) = &patch.time_zone {
        after.time_zone = time_zone(zone)?;
    }
    if let Some(tag) = &patch.locale {
        after.locale = locale(tag)?;
    }
    if let Some(periods) = &patch.periods {
        after.periods = periods_json(periods)?;
    }
    if let Some(review) = patch.review_required {
        after.review_required = review;
    }
    let mut changed = super::Changes::default();
    let mut field =
        |name: &str, old: serde_json::Value, new: serde_json::Value| changed.field(name, old, new);
    field("title", json!(before.title), json!(after.title));
    field("summary", json!(before.summary), json!(after.summary));
    field("timeZone", json!(before.time_zone), json!(after.time_zone));
    field("locale", json!(before.locale), json!(after.locale));
    let list = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    field("periods", list(&before.periods), list(&after.periods));
    field(
        "reviewRequired",
        json!(before.review_required),
        json!(after.review_required),
    );
    if changed.is_empty() {
        return Err(CoreError::BadInput("the update changes nothing".into()));
    }
    after.updated_at = Utc::now();
    let model = story::Entity::update(story::ActiveModel {
        id: Set(before.id),
        title: Set(after.title.clone()),
        summary: Set(after.summary.clone()),
        time_zone: Set(after.time_zone.clone()),
        locale: Set(after.locale.clone()),
        periods: Set(after.periods.clone()),
        review_required: Set(after.review_required),
        updated_at: Set(after.updated_at),
        ..Default::default()
    })
    .exec(txn.db())
    .await?;
    let entry = changed.entry(ChangeKind::StoryUpdated, "story", model.id, note);
    txn.append(author, entry).await?;
    Ok(model)
}

/// Updates a story in a transaction of its own.
pub async fn update_story(
    writer: &Writer<'_>,
    slug: &str,
    patch: StoryPatch,
) -> CoreResult<story::Model> {
    let mut txn = writer.begin().await?;
    let model = update_story_in(&mut txn, writer.author(), slug, patch, None).await?;
    writer.commit(txn).await?;
    Ok(model)
}

async fn member(txn: &WriteTxn, story_id: i64, action_id: i64) -> CoreResult<bool> {
    Ok(story_action::Entity::find()
        .filter(story_action::Column::StoryId.eq(story_id))
        .filter(story_action::Column::ActionId.eq(action_id))
        .count(txn.db())
        .await?
        > 0)
}

/// Puts an action in a story inside `txn`; one already there is CONFLICT.
pub async fn add_to_story_in(
    txn: &mut WriteTxn,
    author: &str,
    slug: &str,
    action_id: i64,
) -> CoreResult<story::Model> {
    let story = crate::stories::existing_story(txn.db(), slug).await?;
    if action::Entity::find_by_id(action_id)
        .one(txn.db())
        .await?
        .is_none()
    {
        return Err(CoreError::NotFound(format!(
            "no action has the id {}",
            crate::public_id::action(action_id)
        )));
    }
    if member(txn, story.id, action_id).await? {
        return Err(CoreError::Conflict(format!(
            "the action is in the story {slug:?} already"
        )));
    }
    story_action::Entity::insert(story_action::ActiveModel {
        story_id: Set(story.id),
        action_id: Set(action_id),
    })
    .exec_without_returning(txn.db())
    .await?;
    txn.append(
        author,
        LogEntry {
            action_id: Some(action_id),
            data: Some(json!({ "story": slug })),
            ..LogEntry::about(ChangeKind::AddedToStory, "story", story.id)
        },
    )
    .await?;
    Ok(story)
}

/// Puts an action in a story, in a transaction of its own.
pub async fn add_to_story(
    writer: &Writer<'_>,
    slug: &str,
    action_id: i64,
) -> CoreResult<story::Model> {
    let mut txn = writer.begin().await?;
    let story = add_to_story_in(&mut txn, writer.author(), slug, action_id).await?;
    writer.commit(txn).await?;
    Ok(story)
}

/// Takes an action out of a story, in a transaction of its own; an action keeps at least one
/// story, so that every story's readers can still find it somewhere.
pub async fn remove_from_story(
    writer: &Writer<'_>,
    slug: &str,
    action_id: i64,
) -> CoreResult<story::Model> {
    let mut txn = writer.begin().await?;
    let story = crate::stories::existing_story(txn.db(), slug).await?;
    if !member(&txn, story.id, action_id).await? {
        return Err(CoreError::NotFound(format!(
            "the action is not in the story {slug:?}"
        )));
    }
    let stories = story_action::Entity::find()
        .filter(story_action::Column::ActionId.eq(action_id))
        .count(txn.db())
        .await?;
    if stories < 2 {
        return Err(CoreError::Conflict(
            "this is the action's only story: add it to another first".into(),
        ));
    }
    story_action::Entity::delete_many()
        .filter(story_action::Column::StoryId.eq(story.id))
        .filter(story_action::Column::ActionId.eq(action_id))
        .exec(txn.db())
        .await?;
    txn.append(
        writer.author(),
        LogEntry {
            action_id: Some(action_id),
            data: Some(json!({ "story": slug })),
            ..LogEntry::about(ChangeKind::RemovedFromStory, "story", story.id)
        },
    )
    .await?;
    writer.commit(txn).await?;
    Ok(story)
}

/// The stories a new action goes in: those named, or the only story when none is named
/// (none while there are no stories); naming none when there are several is BAD_USER_INPUT.
pub async fn stories_for_new_action(txn: &WriteTxn, slugs: &[String]) -> CoreResult<Vec<i64>> {
    if slugs.is_empty() {
        let all: Vec<story::Model> = story::Entity::find().all(txn.db()).await?;
        return match all.as_slice() {
            [] => Ok(Vec::new()),
            [only] => Ok(vec![only.id]),
            many => Err(CoreError::BadInput(format!(
                "name the action's stories: there are {}",
                many.len()
            ))),
        };
    }
    let found = crate::lookup::story_ids_by_slug(txn.db(), slugs).await?;
    let mut ids = Vec::new();
    for slug in slugs {
        let id = *found
            .get(slug)
            .ok_or_else(|| CoreError::BadInput(format!("no story has the slug {slug:?}")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}
