//! The publication workflow. An action is recorded as a draft or published at once; a draft is
//! sent for review, approved (by an editor other than its author when one of its stories
//! requires review), then published now or scheduled. The scheduler publishes what falls due
//! exactly once, on whichever instance gets there first, and readers learn of an action only
//! from its publication on.

use super::{WriteTxn, Writer};
use crate::change_log::LogEntry;
use crate::feed::ChangeFeed;
use crate::public_id;
use crate::{CoreError, CoreResult};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use standoff_entities::{ChangeKind, Publication, action, story, story_action};

/// How far ahead a publication may be scheduled.
pub const LONGEST_SCHEDULE: Duration = Duration::days(366);
/// Actions the scheduler publishes per transaction.
const DUE_BATCH: u64 = 100;

/// A publication state as editors read it.
fn state(publication: Publication) -> &'static str {
    match publication {
        Publication::Draft => "a draft",
        Publication::InReview => "in review",
        Publication::Scheduled => "scheduled",
        Publication::Published => "published",
    }
}

/// The slugs of `story_ids` that require review.
async fn reviewing<C: ConnectionTrait>(db: &C, story_ids: &[i64]) -> CoreResult<Vec<String>> {
    if story_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(story::Entity::find()
        .select_only()
        .column(story::Column::Slug)
        .filter(story::Column::Id.is_in(story_ids.iter().copied()))
        .filter(story::Column::ReviewRequired.eq(true))
        .order_by_asc(story::Column::Slug)
        .into_tuple()
        .all(db)
        .await?)
}

/// The slugs of the stories of an action that require review.
async fn reviewing_action<C: ConnectionTrait>(db: &C, action_id: i64) -> CoreResult<Vec<String>> {
    let ids: Vec<i64> = story_action::Entity::find()
        .select_only()
        .column(story_action::Column::StoryId)
        .filter(story_action::Column::ActionId.eq(action_id))
        .into_tuple()
        .all(db)
        .await?;
    reviewing(db, &ids).await
}

/// Refuses to publish an action as it is recorded when one of its stories requires review.
pub(crate) async fn check_no_review_needed(txn: &WriteTxn, story_ids: &[i64]) -> CoreResult<()> {
    match reviewing(txn.db(), story_ids).await?.first() {
        Some(slug) => Err(CoreError::Conflict(format!(
            "the story {slug:?} requires review: record the action as a draft, then submit it \
             for review"
        ))),
        None => Ok(()),
    }
}

/// An action readers see, or will see at its scheduled time, answers only actions readers see.
pub(crate) fn check_may_answer(answer: &action::Model, answered: &action::Model) -> CoreResult<()> {
    if matches!(
        answer.publication,
        Publication::Published | Publication::Scheduled
    ) && answered.publication != Publication::Published
    {
        return Err(CoreError::Conflict(format!(
            "action {} is not published: publish it before a published action answers it",
            public_id::action(answered.id)
        )));
    }
    Ok(())
}

/// The action, or NOT_FOUND; a retracted one is CONFLICT, as no step of the workflow applies.
/// The change log's lock is taken first, so the state read is the state written over: a step
/// racing the scheduler (or another editor) waits, then sees what the other did.
async fn workable(txn: &mut WriteTxn, id: i64) -> CoreResult<action::Model> {
    txn.lock_log().await?;
    let found = action::Entity::find_by_id(id)
        .one(txn.db())
        .await?
        .ok_or_else(|| {
            CoreError::NotFound(format!("no action has the id {}", public_id::action(id)))
        })?;
    if found.retracted {
        return Err(CoreError::Conflict(format!(
            "action {} is retracted; restore it first",
            public_id::action(id)
        )));
    }
    Ok(found)
}

/// Moves an action to `publication` with the workflow's other columns, and logs `kind`.
async fn transition(
    txn: &mut WriteTxn,
    author: &str,
    before: &action::Model,
    change: action::ActiveModel,
    kind: ChangeKind,
    data: Option<serde_json::Value>,
) -> CoreResult<action::Model> {
    let model = action::Entity::update(action::ActiveModel {
        id: Set(before.id),
        updated_at: Set(Utc::now()),
        ..change
    })
    .exec(txn.db())
    .await?;
    txn.append(
        author,
        LogEntry {
            action_id: Some(before.id),
            data,
            ..LogEntry::about(kind, "action", before.id)
        },
    )
    .await?;
    Ok(model)
}

/// Sends a draft for review.
pub async fn submit_for_review(writer: &Writer<'_>, id: i64) -> CoreResult<action::Model> {
    let mut txn = writer.begin().await?;
    let before = workable(&mut txn, id).await?;
    if before.publication != Publication::Draft {
        return Err(CoreError::Conflict(format!(
            "action {} is {}; only a draft is submitted for review",
            public_id::action(id),
            state(before.publication)
        )));
    }
    let change = action::ActiveModel {
        publication: Set(Publication::InReview),
        approved_by: Set(None),
        ..Default::default()
    };
    let model = transition(
        &mut txn,
        writer.author(),
        &before,
        change,
        ChangeKind::Submitted,
        None,
    )
    .await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// Approves an action in review for publication. When one of its stories requires review, its
/// author may not approve it: that is the second pair of eyes.
pub async fn approve(writer: &Writer<'_>, id: i64) -> CoreResult<action::Model> {
    let mut txn = writer.begin().await?;
    let before = workable(&mut txn, id).await?;
    if before.publication != Publication::InReview {
        return Err(CoreError::Conflict(format!(
            "action {} is {}; submit it for review before it is approved",
            public_id::action(id),
            state(before.publication)
        )));
    }
    if let Some(by) = &before.approved_by {
        return Err(CoreError::Conflict(format!(
            "action {} is approved already, by {by}",
            public_id::action(id)
        )));
    }
    let reviewing = reviewing_action(txn.db(), id).await?;
    if let Some(slug) = reviewing.first()
        && before.recorded_by.as_deref() == Some(writer.author())
    {
        return Err(CoreError::Forbidden(format!(
            "the story {slug:?} requires review by an editor other than the author, {}",
            writer.author()
        )));
    }
    let change = action::ActiveModel {
        approved_by: Set(Some(writer.author().to_owned())),
        ..Default::default()
    };
    let model = transition(
        &mut txn,
        writer.author(),
        &before,
        change,
        ChangeKind::Approved,
        None,
    )
    .await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// Publishes an action now, or schedules it for `at` when that is in the future. An action
/// whose story requires review must be approved first; everything it answers must be published.
pub async fn publish(
    writer: &Writer<'_>,
    id: i64,
    at: Option<DateTime<Utc>>,
) -> CoreResult<action::Model> {
    let now = Utc::now();
    let at = at.filter(|at| *at > now);
    if let Some(at) = at
        && at > now + LONGEST_SCHEDULE
    {
        return Err(CoreError::BadInput(format!(
            "a publication is scheduled at most {} days ahead",
            LONGEST_SCHEDULE.num_days()
        )));
    }
    let mut txn = writer.begin().await?;
    let before = workable(&mut txn, id).await?;
    if before.publication == Publication::Published {
        return Err(CoreError::Conflict(format!(
            "action {} is published already",
            public_id::action(id)
        )));
    }
    if let Some(slug) = reviewing_action(txn.db(), id).await?.first()
        && before.approved_by.is_none()
    {
        return Err(CoreError::Conflict(format!(
            "the story {slug:?} requires review: submit the action and have another editor \
             approve it before it is published"
        )));
    }
    let answered =
        crate::lookup::responses_from(txn.db(), &[id], crate::filter::Visibility::Newsroom).await?;
    for link in answered.get(&id).into_iter().flatten() {
        if link.1.publication != Publication::Published {
            return Err(CoreError::Conflict(format!(
                "action {} answers action {}, which is not published: publish that first",
                public_id::action(id),
                public_id::action(link.1.id)
            )));
        }
    }
    let (publication, kind, when) = match at {
        Some(at) => (Publication::Scheduled, ChangeKind::Scheduled, at),
        None => (Publication::Published, ChangeKind::Published, now),
    };
    let change = action::ActiveModel {
        publication: Set(publication),
        publish_at: Set(Some(when)),
        published_by: Set(Some(writer.author().to_owned())),
        ..Default::default()
    };
    let data = at.map(|at| json!({ "publishAt": at }));
    let model = transition(&mut txn, writer.author(), &before, change, kind, data).await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// Why an action may not go to readers yet because it answers one they do not see, if it does.
async fn unpublished_answered(txn: &WriteTxn, id: i64) -> CoreResult<Option<String>> {
    let answered =
        crate::lookup::responses_from(txn.db(), &[id], crate::filter::Visibility::Newsroom).await?;
    Ok(answered
        .get(&id)
        .into_iter()
        .flatten()
        .find(|link| link.1.publication != Publication::Published)
        .map(|link| {
            format!(
                "action {} answers action {}, which is not published: publish that first",
                public_id::action(id),
                public_id::action(link.1.id)
            )
        }))
}

/// After an edit: an approved or scheduled action in a story that requires review goes back to
/// review, so what readers get is what the second editor read.
pub(crate) async fn after_edit(txn: &mut WriteTxn, before: &action::Model) -> CoreResult<()> {
    let approved = before.approved_by.is_some() || before.publication == Publication::Scheduled;
    if !approved
        || before.publication == Publication::Published
        || reviewing_action(txn.db(), before.id).await?.is_empty()
    {
        return Ok(());
    }
    action::Entity::update(action::ActiveModel {
        id: Set(before.id),
        publication: Set(Publication::InReview),
        approved_by: Set(None),
        publish_at: Set(None),
        published_by: Set(None),
        ..Default::default()
    })
    .exec(txn.db())
    .await?;
    Ok(())
}

/// Before a retraction: an action readers never saw goes back to a draft, so no schedule can
/// publish what was withdrawn.
pub(crate) async fn before_retraction(txn: &WriteTxn, before: &action::Model) -> CoreResult<()> {
    if before.publication == Publication::Published || before.publication == Publication::Draft {
        return Ok(());
    }
    action::Entity::update(action::ActiveModel {
        id: Set(before.id),
        publication: Set(Publication::Draft),
        approved_by: Set(None),
        publish_at: Set(None),
        published_by: Set(None),
        ..Default::default()
    })
    .exec(txn.db())
    .await?;
    Ok(())
}

/// Takes an action in review or scheduled back to a draft (its approval and schedule go). A
/// published action is retracted instead, so readers are told: nothing silently disappears.
pub async fn unpublish(writer: &Writer<'_>, id: i64) -> CoreResult<action::Model> {
    let mut txn = writer.begin().await?;
    let before = workable(&mut txn, id).await?;
    match before.publication {
        Publication::Draft => {
            return Err(CoreError::Conflict(format!(
                "action {} is a draft already",
                public_id::action(id)
            )));
        }
        Publication::Published => {
            return Err(CoreError::Conflict(format!(
                "action {} is published: retract it instead, so readers are told",
                public_id::action(id)
            )));
        }
        Publication::InReview | Publication::Scheduled => {}
    }
    let change = action::ActiveModel {
        publication: Set(Publication::Draft),
        publish_at: Set(None),
        approved_by: Set(None),
        published_by: Set(None),
        ..Default::default()
    };
    let model = transition(
        &mut txn,
        writer.author(),
        &before,
        change,
        ChangeKind::Unpublished,
        None,
    )
    .await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// When the next scheduled publication falls due, if one is scheduled.
pub async fn next_due<C: ConnectionTrait>(db: &C) -> CoreResult<Option<DateTime<Utc>>> {
    let due: Option<Option<DateTime<Utc>>> = action::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::min(Expr::col(action::Column::PublishAt))),
            "due",
        )
        .filter(action::Column::Publication.eq(Publication::Scheduled))
        .filter(action::Column::Retracted.eq(false))
        .into_tuple()
        .one(db)
        .await?;
    Ok(due.flatten())
}

/// Publishes every scheduled action due by `now`, each exactly once across instances: the
/// change log's lock is taken before the due actions are read, so a second instance waits and
/// then finds them published. The rules are checked again at that moment (a story may have
/// come to require review, an answered action may have gone back to a draft): an action that
/// fails them goes back to a draft, with the reason in the log, rather than out to readers.
/// Returns how many it published.
pub async fn publish_due(
    db: &DatabaseConnection,
    feed: &ChangeFeed,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let mut txn = WriteTxn::begin(db).await?;
    txn.lock_log().await?;
    let due = action::Entity::find()
        .filter(action::Column::Publication.eq(Publication::Scheduled))
        .filter(action::Column::PublishAt.lte(now))
        .filter(action::Column::Retracted.eq(false))
        .order_by_asc(action::Column::PublishAt)
        .order_by_asc(action::Column::Id)
        .limit(DUE_BATCH)
        .all(txn.db())
        .await?;
    let mut published = 0;
    for before in &due {
        let author = before
            .published_by
            .clone()
            .unwrap_or_else(|| "schedule".to_owned());
        let unreviewed = match reviewing_action(txn.db(), before.id).await?.first() {
            Some(slug) if before.approved_by.is_none() => Some(format!(
                "held back: the story {slug:?} requires review and nobody approved it"
            )),
            _ => None,
        };
        let held = match unreviewed {
            Some(why) => Some(why),
            None => unpublished_answered(&txn, before.id)
                .await?
                .map(|why| format!("held back: {why}")),
        };
        if let Some(why) = held {
            let change = action::ActiveModel {
                publication: Set(Publication::Draft),
                publish_at: Set(None),
                approved_by: Set(None),
                published_by: Set(None),
                ..Default::default()
            };
            let model = action::Entity::update(action::ActiveModel {
                id: Set(before.id),
                updated_at: Set(Utc::now()),
                ..change
            })
            .exec(txn.db())
            .await?;
            txn.append(
                &author,
                LogEntry {
                    action_id: Some(model.id),
                    note: Some(why),
                    ..LogEntry::about(ChangeKind::Unpublished, "action", model.id)
                },
            )
            .await?;
            continue;
        }
        let change = action::ActiveModel {
            publication: Set(Publication::Published),
            ..Default::default()
        };
        transition(
            &mut txn,
            &author,
            before,
            change,
            ChangeKind::Published,
            Some(json!({ "scheduled": before.publish_at })),
        )
        .await?;
        published += 1;
    }
    txn.commit(Some(feed)).await?;
    Ok(published)
}
