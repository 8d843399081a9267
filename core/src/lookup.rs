//! Batch lookups by id (for the GraphQL layer's DataLoaders: however many
//! actions a page holds, each relation costs one query) and by slug or key (for importers).

use super::CoreResult;
use crate::joined::with_joined;
use crate::pruned::{self, ActorColumns, Columns, SourceColumns};
use crate::visibility::Visibility;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Select,
};
use standoff_entities::{
    Publication, action, action_target, actor, citation, response, source, story, story_action,
};
use std::collections::HashMap;

/// Rows of `E` whose `id` column is among `ids`, by id.
async fn by_id<E, C>(
    db: &C,
    id_column: E::Column,
    ids: &[i64],
    id_of: impl Fn(&E::Model) -> i64,
) -> CoreResult<HashMap<i64, E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let rows = E::find()
        .filter(id_column.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (id_of(&row), row)).collect())
}

/// Actors by id.
pub async fn actors<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> CoreResult<HashMap<i64, actor::Model>> {
    actors_with(db, ids, ActorColumns::all()).await
}

/// As [`actors`], reading only `columns` of each.
pub async fn actors_with<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    columns: ActorColumns,
) -> CoreResult<HashMap<i64, actor::Model>> {
    let select = actor::Entity::find().filter(actor::Column::Id.is_in(ids.iter().copied()));
    let rows = pruned::rows(db, select, columns).await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// Actions by id, as `visibility` sees them: readers find only published ones.
pub async fn actions<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, action::Model>> {
    let rows = action::Entity::find()
        .filter(action::Column::Id.is_in(ids.iter().copied()))
        .filter(seen(visibility))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The condition on `action` rows that `visibility` sees.
pub fn seen(visibility: Visibility) -> Condition {
    match visibility {
        Visibility::Public => {
            Condition::all().add(action::Column::Publication.eq(Publication::Published))
        }
        Visibility::Newsroom => Condition::all(),
    }
}

/// Sources by id, as `visibility` sees them: readers find only those a published action cites
/// (a source added for a draft may be the scoop itself).
pub async fn sources<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, source::Model>> {
    let rows = source::Entity::find()
        .filter(source::Column::Id.is_in(ids.iter().copied()))
        .filter(sources_seen(visibility))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The condition on `source` rows that `visibility` sees.
pub fn sources_seen(visibility: Visibility) -> Condition {
    match visibility {
        Visibility::Public => {
            let cited = Query::select()
                .expr(Expr::val(1))
                .from(citation::Entity)
                .inner_join(
                    action::Entity,
                    Expr::col((action::Entity, action::Column::Id))
                        .equals((citation::Entity, citation::Column::ActionId)),
                )
                .and_where(
                    Expr::col((citation::Entity, citation::Column::SourceId))
                        .equals((source::Entity, source::Column::Id)),
                )
                .and_where(
                    Expr::col((action::Entity, action::Column::Publication))
                        .eq(Publication::Published),
                )
                .to_owned();
            Condition::all().add(Expr::exists(cited))
        }
        Visibility::Newsroom => Condition::all(),
    }
}

/// Stories by id.
pub async fn stories<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> CoreResult<HashMap<i64, story::Model>> {
    by_id::<story::Entity, _>(db, story::Column::Id, ids, |s| s.id).await
}

/// Responses by id.
pub async fn responses<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> CoreResult<HashMap<i64, response::Model>> {
    by_id::<response::Entity, _>(db, response::Column::Id, ids, |r| r.id).await
}

/// The target actors of each action, by name.
pub async fn targets<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
) -> CoreResult<HashMap<i64, Vec<actor::Model>>> {
    targets_with(db, action_ids, ActorColumns::all()).await
}

/// As [`targets`], reading only `columns` of each actor.
pub async fn targets_with<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
    columns: ActorColumns,
) -> CoreResult<HashMap<i64, Vec<actor::Model>>> {
    let rows = with_joined(
        db,
        actor::Entity::find()
            .join_rev(JoinType::InnerJoin, action_target::Relation::Actor.def())
            .filter(action_target::Column::ActionId.is_in(action_ids.iter().copied()))
            .order_by_asc(actor::Column::Name),
        columns,
        Columns::<action_target::Entity>::all(),
    )
    .await?;
    let mut out: HashMap<i64, Vec<actor::Model>> = HashMap::new();
    for (target, link) in rows {
        if let Some(link) = link {
            out.entry(link.action_id).or_default().push(target);
        }
    }
    Ok(out)
}

/// The stories each action belongs to, by slug.
pub async fn stories_of<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
) -> CoreResult<HashMap<i64, Vec<story::Model>>> {
    let rows = story_action::Entity::find()
        .filter(story_action::Column::ActionId.is_in(action_ids.iter().copied()))
        .find_also_related(story::Entity)
        .order_by_asc(story::Column::Slug)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<story::Model>> = HashMap::new();
    for (link, story) in rows {
        if let Some(story) = story {
            out.entry(link.action_id).or_default().push(story);
        }
    }
    Ok(out)
}

/// The citations of each action with their sources, in the order they were recorded.
pub async fn citations<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
) -> CoreResult<HashMap<i64, Vec<(citation::Model, source::Model)>>> {
    citations_with(db, action_ids, SourceColumns::all()).await
}

/// As [`citations`], reading only `columns` of each source.
pub async fn citations_with<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
    columns: SourceColumns,
) -> CoreResult<HashMap<i64, Vec<(citation::Model, source::Model)>>> {
    let rows = with_joined(
        db,
        source::Entity::find()
            .join_rev(JoinType::InnerJoin, citation::Relation::Source.def())
            .filter(citation::Column::ActionId.is_in(action_ids.iter().copied()))
            .order_by_asc(citation::Column::Id),
        columns,
        Columns::<citation::Entity>::all(),
    )
    .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for (src, cite) in rows {
        if let Some(cite) = cite {
            out.entry(cite.action_id).or_default().push((cite, src));
        }
    }
    Ok(out)
}

/// A response link with the action at its far end: the answer, or what was answered.
pub type Link = (response::Model, action::Model);

/// Which end of its response links an action is at.
#[derive(Clone, Copy, Debug)]
enum End {
    /// The action is answered: the far end is the answer.
    Answered,
    /// The action answers: the far end is what it answers.
    Answering,
}

impl End {
    /// The link's column holding the actions asked about, and its relation to the far end.
    fn sides(self) -> (response::Column, response::Relation) {
        match self {
            End::Answered => (response::Column::RespondsToId, response::Relation::Answer),
            End::Answering => (response::Column::ActionId, response::Relation::Answered),
        }
    }

    /// The action asked about in `link`.
    fn near(self, link: &response::Model) -> i64 {
        match self {
            End::Answered => link.responds_to_id,
            End::Answering => link.action_id,
        }
    }
}

/// The links at `end` of `action_ids` whose far action `visibility` sees and is not retracted
/// (as the timeline leaves it out), in the far action's time order.
fn links(end: End, action_ids: &[i64], visibility: Visibility) -> Select<response::Entity> {
    let (near, far) = end.sides();
    response::Entity::find()
        .join(JoinType::InnerJoin, far.def())
        .filter(near.is_in(action_ids.iter().copied()))
        .filter(action::Column::Retracted.eq(false))
        .filter(seen(visibility))
        .order_by_asc(action::Column::OrderKey)
        .order_by_asc(action::Column::Id)
}

/// The links at `end` of each action with the actions at their far ends.
async fn links_with_actions<C: ConnectionTrait>(
    db: &C,
    end: End,
    action_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, Vec<Link>>> {
    let rows = links(end, action_ids, visibility)
        .select_also(action::Entity)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for (link, far) in rows {
        if let Some(far) = far {
            out.entry(end.near(&link)).or_default().push((link, far));
        }
    }
    Ok(out)
}

/// The links at `end` of each action, without the far actions' rows (a page that shows only
/// how each answer stands reads a few columns instead of every answer in full).
async fn links_only<C: ConnectionTrait>(
    db: &C,
    end: End,
    action_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, Vec<response::Model>>> {
    let rows = links(end, action_ids, visibility).all(db).await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for link in rows {
        out.entry(end.near(&link)).or_default().push(link);
    }
    Ok(out)
}

/// For each action, the responses that answer it with the answering actions, in time order;
/// retracted answers are left out as they are from the timeline, and answers `visibility`
/// does not see.
pub async fn responses_to<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, Vec<Link>>> {
    links_with_actions(db, End::Answered, action_ids, visibility).await
}

/// For each action, the responses it makes with the actions it answers, in their time order,
/// those `visibility` sees.
pub async fn responses_from<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, Vec<Link>>> {
    links_with_actions(db, End::Answering, action_ids, visibility).await
}

/// The links of [`responses_to`] without the answering actions.
pub async fn response_links_to<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, Vec<response::Model>>> {
    links_only(db, End::Answered, action_ids, visibility).await
}

/// The links of [`responses_from`] without the answered actions.
pub async fn response_links_from<C: ConnectionTrait>(
    db: &C,
    action_ids: &[i64],
    visibility: Visibility,
) -> CoreResult<HashMap<i64, Vec<response::Model>>> {
    links_only(db, End::Answering, action_ids, visibility).await
}

/// The members of each actor, by name.
pub async fn members<C: ConnectionTrait>(
    db: &C,
    actor_ids: &[i64],
) -> CoreResult<HashMap<i64, Vec<actor::Model>>> {
    let rows = actor::Entity::find()
        .filter(actor::Column::MemberOfId.is_in(actor_ids.iter().copied()))
        .order_by_asc(actor::Column::Name)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for a in rows {
        if let Some(parent) = a.member_of_id {
            out.entry(parent).or_default().push(a);
        }
    }
    Ok(out)
}

/// Bound parameters per `IN (...)` lookup by name, well under SQLite's and PostgreSQL's limits.
const NAMES_PER_STATEMENT: usize = 500;

/// Ids of rows of `E` by a unique text column (a slug or key), for the names that exist.
async fn ids_by_name<E, C>(
    db: &C,
    name_column: E::Column,
    id_column: E::Column,
    names: &[String],
) -> CoreResult<HashMap<String, i64>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut names = names.to_vec();
    names.sort();
    names.dedup();
    let mut ids = HashMap::new();
    for chunk in names.chunks(NAMES_PER_STATEMENT) {
        let found: Vec<(String, i64)> = E::find()
            .select_only()
            .column(name_column)
            .column(id_column)
            .filter(name_column.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Actor ids by slug, for the slugs that exist.
pub async fn actor_ids_by_slug<C: ConnectionTrait>(
    db: &C,
    slugs: &[String],
) -> CoreResult<HashMap<String, i64>> {
    ids_by_name::<actor::Entity, _>(db, actor::Column::Slug, actor::Column::Id, slugs).await
}

/// Source ids by importer key, for the keys that exist.
pub async fn source_ids_by_key<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> CoreResult<HashMap<String, i64>> {
    ids_by_name::<source::Entity, _>(db, source::Column::Key, source::Column::Id, keys).await
}

/// Action ids by importer key, for the keys that exist.
pub async fn action_ids_by_key<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> CoreResult<HashMap<String, i64>> {
    ids_by_name::<action::Entity, _>(db, action::Column::Key, action::Column::Id, keys).await
}

/// Story ids by slug, for the slugs that exist.
pub async fn story_ids_by_slug<C: ConnectionTrait>(
    db: &C,
    slugs: &[String],
) -> CoreResult<HashMap<String, i64>> {
    ids_by_name::<story::Entity, _>(db, story::Column::Slug, story::Column::Id, slugs).await
}
