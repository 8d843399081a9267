//! Causal order. The timeline runs by `(order_key, id)`. An action's stored key is the second
//! its date starts, scaled, or the key of anything it answers or escalates, whichever is later;
//! equal keys fall to the id, the order of recording, so an answer recorded after what it
//! answers shares its key, and one recorded before it (linked later) takes the next key up.
//! So an answer never sorts above what it answers, and an action dated to a period sits at the
//! earliest point of it consistent with that. Writes keep the keys current in their own
//! transaction.

use crate::date::KnownDate;
use crate::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    RelationTrait, TransactionTrait,
};
use standoff_entities::{action, response};
use std::collections::{HashMap, HashSet, VecDeque};

/// Keys per second of date: room for that many answers in a chain within one second before a
/// key spills into the next second, which keeps the order right and moves nothing a reader sees.
pub const PER_SECOND: i64 = 1 << 16;

/// The action's place on the timeline as text that sorts like the timeline (ASC), for clients
/// that insert live actions into a list they already show.
pub fn sort_key(order_key: i64, id: i64) -> String {
    // Shifted to be positive, so that equal-width decimals compare as the numbers do.
    let shifted = i128::from(order_key) + (1i128 << 62);
    format!("{shifted:020}-{id:020}")
}

/// How many ids one `IN (...)` list carries.
const CHUNK: usize = 500;

/// The key an action takes from its own date alone.
pub fn own_key(at: DateTime<Utc>) -> i64 {
    at.timestamp() * PER_SECOND
}

/// The key of action `id`, whose own key is `own`, answering the actions `answered` (id, key):
/// never below theirs, and above a key it would otherwise sort before by id.
pub fn key_after(id: i64, own: i64, answered: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    answered
        .into_iter()
        .map(|(other, key)| {
            if other < id {
                key
            } else {
                key.saturating_add(1)
            }
        })
        .fold(own, i64::max)
}

/// Keys for `own` (id to own key) in an order where each action comes after what it answers:
/// `edges` are (answer, answered); an answered action outside `own` keeps its key in `fixed`.
/// An edge closing a loop is an error.
fn keys(
    own: &HashMap<i64, i64>,
    edges: &[(i64, i64)],
    fixed: &HashMap<i64, i64>,
) -> CoreResult<HashMap<i64, i64>> {
    let mut waiting: HashMap<i64, usize> = own.keys().map(|id| (*id, 0)).collect();
    let mut answers: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut answered_by: HashMap<i64, Vec<i64>> = HashMap::new();
    // Only edges from an action being keyed count; others are not this computation's.
    for (answer, answered) in edges.iter().filter(|(a, _)| own.contains_key(a)) {
        answered_by.entry(*answer).or_default().push(*answered);
        if own.contains_key(answered) {
            *waiting.entry(*answer).or_default() += 1;
            answers.entry(*answered).or_default().push(*answer);
        }
    }
    let mut ready: VecDeque<i64> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| *id)
        .collect();
    let mut done: HashMap<i64, i64> = HashMap::with_capacity(own.len());
    while let Some(id) = ready.pop_front() {
        let before = answered_by.get(&id).map(Vec::as_slice).unwrap_or_default();
        let Some(own_key) = own.get(&id).copied() else {
            continue;
        };
        let key = key_after(
            id,
            own_key,
            before
                .iter()
                .filter_map(|b| done.get(b).or_else(|| fixed.get(b)).map(|k| (*b, *k))),
        );
        done.insert(id, key);
        for next in answers.get(&id).map(Vec::as_slice).unwrap_or_default() {
            if let Some(n) = waiting.get_mut(next) {
                *n -= 1;
                if *n == 0 {
                    ready.push_back(*next);
                }
            }
        }
    }
    if done.len() < own.len() {
        return Err(CoreError::BadInput(
            "these responses would make an action answer itself".into(),
        ));
    }
    Ok(done)
}

/// Recomputes the key of `start` and of everything that answers it, directly or through
/// others, inside the caller's transaction; only keys that change are written.
pub(crate) async fn reorder<C: ConnectionTrait>(db: &C, start: i64) -> CoreResult<()> {
    let mut members = vec![start];
    let mut seen = HashSet::from([start]);
    let mut frontier = vec![start];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for chunk in frontier.chunks(CHUNK) {
            let found: Vec<i64> = response::Entity::find()
                .select_only()
                .column(response::Column::ActionId)
                .filter(response::Column::RespondsToId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            for id in found {
                if id == start {
                    return Err(CoreError::BadInput(
                        "this response would make an action answer itself".into(),
                    ));
                }
                if seen.insert(id) {
                    members.push(id);
                    next.push(id);
                }
            }
        }
        frontier = next;
    }
    let mut own = HashMap::new();
    let mut current = HashMap::new();
    let mut edges = Vec::new();
    let mut fixed = HashMap::new();
    for chunk in members.chunks(CHUNK) {
        let rows: Vec<(i64, DateTime<Utc>, i64)> = action::Entity::find()
            .select_only()
            .columns([
                action::Column::Id,
                action::Column::OccurredAt,
                action::Column::OrderKey,
            ])
            .filter(action::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, at, key) in rows {
            own.insert(id, own_key(at));
            current.insert(id, key);
        }
        let links: Vec<(i64, i64, i64)> = response::Entity::find()
            .select_only()
            .column(response::Column::ActionId)
            .column(response::Column::RespondsToId)
            .column_as(
                Expr::col((action::Entity, action::Column::OrderKey)),
                "answered_key",
            )
            .join(
                sea_orm::JoinType::InnerJoin,
                response::Relation::Answered.def(),
            )
            .filter(response::Column::ActionId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (answer, answered, key) in links {
            edges.push((answer, answered));
            fixed.insert(answered, key);
        }
    }
    for id in own.keys() {
        fixed.remove(id);
    }
    for (id, key) in keys(&own, &edges, &fixed)? {
        if current.get(&id) != Some(&key) {
            action::Entity::update_many()
                .col_expr(action::Column::OrderKey, Expr::value(key))
                .filter(action::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Gives rows from before intervals their latest instant and EDTF, and every action its order
/// key; runs after migrating and does nothing once every row has them.
pub async fn backfill(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let mut filled = 0usize;
    loop {
        let rows: Vec<(i64, DateTime<Utc>, standoff_entities::DatePrecision)> =
            action::Entity::find()
                .select_only()
                .columns([
                    action::Column::Id,
                    action::Column::OccurredAt,
                    action::Column::Precision,
                ])
                .filter(action::Column::DateEdtf.is_null())
                .limit(CHUNK as u64)
                .into_tuple()
                .all(&txn)
                .await?;
        if rows.is_empty() {
            break;
        }
        filled += rows.len();
        for (id, at, precision) in rows {
            let date = KnownDate::unit(at, precision);
            action::Entity::update_many()
                .col_expr(action::Column::OccurredUntil, Expr::value(date.until))
                .col_expr(action::Column::DateEdtf, Expr::value(date.edtf))
                .filter(action::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
    }
    if filled > 0 {
        let rows: Vec<(i64, DateTime<Utc>, i64)> = action::Entity::find()
            .select_only()
            .columns([
                action::Column::Id,
                action::Column::OccurredAt,
                action::Column::OrderKey,
            ])
            .into_tuple()
            .all(&txn)
            .await?;
        let edges: Vec<(i64, i64)> = response::Entity::find()
            .select_only()
            .columns([response::Column::ActionId, response::Column::RespondsToId])
            .into_tuple()
            .all(&txn)
            .await?;
        let own: HashMap<i64, i64> = rows.iter().map(|(id, at, _)| (*id, own_key(*at))).collect();
        let computed =
            keys(&own, &edges, &HashMap::new()).map_err(|e| DbErr::Custom(e.to_string()))?;
        for (id, _, key) in rows {
            let Some(new_key) = computed.get(&id).copied() else {
                continue;
            };
            if new_key != key {
                action::Entity::update_many()
                    .col_expr(action::Column::OrderKey, Expr::value(new_key))
                    .filter(action::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
            }
        }
        tracing::info!(actions = filled, "dates and order keys filled in");
    }
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_comes_after_what_it_answers_even_when_dated_earlier_in_its_period() {
        // 1: a day in August; 2: August, answering 1; 3: the same August, answering 2.
        let own = HashMap::from([(1, 30 * PER_SECOND), (2, 0), (3, 0)]);
        let computed = keys(&own, &[(2, 1), (3, 2)], &HashMap::new()).expect("no loop");
        assert!(computed[&1] <= computed[&2] && computed[&2] <= computed[&3]);
        assert_eq!(
            computed[&2],
            30 * PER_SECOND,
            "later ids sort after at the same key"
        );
    }

    #[test]
    fn an_answer_recorded_before_what_it_answers_takes_the_next_key() {
        let own = HashMap::from([(1, 0), (2, 0)]);
        let computed = keys(&own, &[(1, 2)], &HashMap::new()).expect("no loop");
        assert_eq!(computed[&1], computed[&2] + 1);
    }

    #[test]
    fn a_loop_is_refused() {
        let own = HashMap::from([(1, 0), (2, 0)]);
        assert!(keys(&own, &[(1, 2), (2, 1)], &HashMap::new()).is_err());
    }

    #[test]
    fn an_action_dated_after_what_it_answers_keeps_its_own_date() {
        let own = HashMap::from([(2, 100 * PER_SECOND)]);
        let fixed = HashMap::from([(1, 5 * PER_SECOND)]);
        assert_eq!(
            keys(&own, &[(2, 1)], &fixed).expect("keys")[&2],
            100 * PER_SECOND
        );
    }
}
