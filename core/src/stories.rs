//! Stories: lookup by slug, the alphabetical list, and each story's actors and span.

use crate::cursor::StoryCursor;
use crate::filter::Visibility;
use crate::page::{Page, PageRequest};
use crate::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use standoff_entities::{action, actor, story, story_action};
use std::collections::HashMap;

/// A named span of a story's timeline ("The DC deployment"): TimelineJS's eras.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Period {
    /// What readers call it.
    pub label: String,
    /// When it ran, in EDTF ("2025-08", "2025-08-11/2025-08-30").
    pub edtf: String,
}

impl Period {
    /// Its dates, as the core reads every date.
    pub fn date(&self) -> CoreResult<crate::date::KnownDate> {
        crate::date::parse(&self.edtf)
            .map_err(|why| CoreError::BadInput(format!("period {:?}: {why}", self.label)))
    }
}

/// A story's periods in time order. They were checked when written, so a row that does not
/// read is the database's fault and an error.
pub fn periods(story: &story::Model) -> CoreResult<Vec<Period>> {
    serde_json::from_str(&story.periods).map_err(|e| {
        CoreError::Internal(format!("story {:?} periods do not read: {e}", story.slug))
    })
}

/// The story with this slug, if any.
pub async fn story_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> CoreResult<Option<story::Model>> {
    if !crate::check::is_slug(slug) {
        return Ok(None);
    }
    Ok(story::Entity::find()
        .filter(story::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// The story with this slug; NOT_FOUND when there is none.
pub async fn existing_story<C: ConnectionTrait>(db: &C, slug: &str) -> CoreResult<story::Model> {
    story_by_slug(db, slug)
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no story has the slug {slug:?}")))
}

/// One page of stories ordered by slug.
pub async fn stories_page<C: ConnectionTrait>(
    db: &C,
    request: &PageRequest<StoryCursor>,
) -> CoreResult<Page<story::Model>> {
    let mut cond = Condition::all();
    if let Some(StoryCursor(after)) = &request.after {
        cond = cond.add(story::Column::Slug.gt(after.clone()));
    }
    if let Some(StoryCursor(before)) = &request.before {
        cond = cond.add(story::Column::Slug.lt(before.clone()));
    }
    let dir = if request.from_end {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = story::Entity::find()
        .filter(cond)
        .order_by(story::Column::Slug, dir)
        .limit(request.size + 1)
        .all(db)
        .await?;
    Ok(Page::assemble(rows, request, |s| {
        StoryCursor(s.slug.clone()).encode()
    }))
}

/// How many stories there are.
pub async fn count_stories<C: ConnectionTrait>(db: &C) -> CoreResult<u64> {
    Ok(story::Entity::find().count(db).await?)
}

/// What a story spans: its first and last action and how many it holds (retracted ones left
/// out, as the default timeline leaves them out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorySpan {
    /// When its earliest action occurred.
    pub first_at: Option<DateTime<Utc>>,
    /// When its latest action occurred.
    pub last_at: Option<DateTime<Utc>>,
    /// How many actions it holds.
    pub actions: u64,
}

/// The spans of several stories as `visibility` sees them, in one statement.
pub async fn spans<C: ConnectionTrait>(
    db: &C,
    story_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, StorySpan>> {
    let mut spans: HashMap<i64, StorySpan> = story_ids
        .iter()
        .map(|id| (*id, StorySpan::default()))
        .collect();
    if story_ids.is_empty() {
        return Ok(spans);
    }
    let mut select = Query::select();
    select
        .column((story_action::Entity, story_action::Column::StoryId))
        .expr_as(
            Func::min(Expr::col((action::Entity, action::Column::OccurredAt))),
            Alias::new("first_at"),
        )
        .expr_as(
            Func::max(Expr::col((action::Entity, action::Column::OccurredAt))),
            Alias::new("last_at"),
        )
        .expr_as(Func::count(Expr::val(1)), Alias::new("actions"))
        .from(story_action::Entity)
        .inner_join(
            action::Entity,
            Expr::col((action::Entity, action::Column::Id))
                .equals((story_action::Entity, story_action::Column::ActionId)),
        )
        .and_where(story_action::Column::StoryId.is_in(story_ids.iter().copied()))
        .and_where(Expr::col((action::Entity, action::Column::Retracted)).eq(false))
        .cond_where(crate::lookup::seen(visibility))
        .group_by_col((story_action::Entity, story_action::Column::StoryId));
    let rows = db.query_all(&select).await?;
    for row in rows {
        let id: i64 = row.try_get("", "story_id")?;
        let span = StorySpan {
            first_at: row.try_get("", "first_at")?,
            last_at: row.try_get("", "last_at")?,
            actions: u64::try_from(row.try_get::<i64>("", "actions")?).unwrap_or(0),
        };
        spans.insert(id, span);
    }
    Ok(spans)
}

/// The actors with actions in a story that `visibility` sees, by slug.
pub async fn story_actors<C: ConnectionTrait>(
    db: &C,
    story_id: i64,
    visibility: Visibility,
) -> CoreResult<Vec<actor::Model>> {
    let members = Query::select()
        .column((action::Entity, action::Column::ActorId))
        .from(action::Entity)
        .inner_join(
            story_action::Entity,
            Expr::col((story_action::Entity, story_action::Column::ActionId))
                .equals((action::Entity, action::Column::Id)),
        )
        .and_where(Expr::col((story_action::Entity, story_action::Column::StoryId)).eq(story_id))
        .cond_where(crate::lookup::seen(visibility))
        .to_owned();
    Ok(actor::Entity::find()
        .filter(actor::Column::Id.in_subquery(members))
        .order_by_asc(actor::Column::Slug)
        .all(db)
        .await?)
}
