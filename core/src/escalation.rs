//! Escalation: actions and their intensity summed per time bucket and side, in SQL.

use super::CoreResult;
use super::filter::ResolvedFilter;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::ActiveEnum;
use sea_orm::sea_query::{Alias, ExprTrait, Query};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use standoff_entities::{Side, action, actor};
use standoff_migration::ESCALATION_DAY_TABLE;
use std::collections::BTreeMap;

/// The width of an escalation bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bucket {
    /// Calendar days (UTC).
    #[default]
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

/// One bucket of one side.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRow {
    /// The first day of the bucket, at midnight UTC.
    pub bucket_start: DateTime<Utc>,
    /// The side that acted.
    pub side: Side,
    /// How many actions that side took in the bucket.
    pub actions: i64,
    /// The sum of their intensities.
    pub intensity_sum: f64,
    /// Their mean intensity.
    pub intensity_mean: f64,
}

#[derive(Debug, FromQueryResult)]
struct RawRow {
    bucket: String,
    side: Side,
    actions: i64,
    intensity_sum: f64,
    intensity_mean: f64,
}

/// The SQL that turns `action.occurred_at` into its bucket's first day as `YYYY-MM-DD` text,
/// written for each backend because date arithmetic is where SQL dialects differ.
fn bucket_sql(backend: DbBackend, bucket: Bucket) -> &'static str {
    match (backend, bucket) {
        (DbBackend::Postgres, Bucket::Day) => {
            "to_char(date_trunc('day', \"action\".\"occurred_at\" AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
        }
        (DbBackend::Postgres, Bucket::Week) => {
            "to_char(date_trunc('week', \"action\".\"occurred_at\" AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
        }
        (DbBackend::Postgres, Bucket::Month) => {
            "to_char(date_trunc('month', \"action\".\"occurred_at\" AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
        }
        (_, Bucket::Day) => "strftime('%Y-%m-%d', \"action\".\"occurred_at\")",
        // 'weekday 0' moves to the coming Sunday (or stays), six days back is that week's Monday.
        (_, Bucket::Week) => "date(\"action\".\"occurred_at\", 'weekday 0', '-6 days')",
        (_, Bucket::Month) => "strftime('%Y-%m-01', \"action\".\"occurred_at\")",
    }
}

/// The escalation series for the filtered actions, ordered by bucket then side.
pub async fn escalation<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    bucket: Bucket,
) -> CoreResult<Vec<EscalationRow>> {
    match filter.only_sides() {
        Some(sides) => from_rollup(db, sides, bucket).await,
        None => aggregated(db, filter, bucket).await,
    }
}

/// Sums are rounded to nine decimals, so the roll-up (which adds and later subtracts a
/// corrected action's intensity) and a fresh aggregate print the same figures.
fn rounded(sum: f64) -> f64 {
    (sum * 1e9).round() / 1e9
}

/// The first day of the bucket that holds `day`.
fn bucket_of(day: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => day,
        Bucket::Week => {
            day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
        }
        Bucket::Month => day.with_day(1).unwrap_or(day),
    }
}

#[derive(Debug, FromQueryResult)]
struct DayRow {
    day: String,
    side: Side,
    actions: i64,
    intensity_sum: f64,
}

/// The series from the per-day roll-up: a few thousand rows for years of actions.
async fn from_rollup<C: ConnectionTrait>(
    db: &C,
    sides: &[Side],
    bucket: Bucket,
) -> CoreResult<Vec<EscalationRow>> {
    let mut query = Query::select()
        .columns([
            Alias::new("day"),
            Alias::new("side"),
            Alias::new("actions"),
            Alias::new("intensity_sum"),
        ])
        .from(Alias::new(ESCALATION_DAY_TABLE))
        .and_where(Expr::col(Alias::new("actions")).gt(0))
        .to_owned();
    if !sides.is_empty() {
        query.and_where(Expr::col(Alias::new("side")).is_in(sides.iter().map(|s| s.to_value())));
    }
    let days = DayRow::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let mut buckets: BTreeMap<(NaiveDate, String), (Side, i64, f64)> = BTreeMap::new();
    for row in days {
        let day = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d").map_err(|_| {
            sea_orm::DbErr::Type(format!("roll-up day {:?} is not a date", row.day))
        })?;
        let entry = buckets
            .entry((bucket_of(day, bucket), row.side.to_value()))
            .or_insert((row.side, 0, 0.0));
        entry.1 += row.actions;
        entry.2 += row.intensity_sum;
    }
    Ok(buckets
        .into_iter()
        .map(|((start, _), (side, actions, sum))| EscalationRow {
            bucket_start: start.and_time(chrono::NaiveTime::MIN).and_utc(),
            side,
            actions,
            intensity_sum: rounded(sum),
            intensity_mean: rounded(sum / Ord::max(actions, 1) as f64),
        })
        .collect())
}

/// The series aggregated from the filtered actions themselves.
async fn aggregated<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    bucket: Bucket,
) -> CoreResult<Vec<EscalationRow>> {
    let bucket_expr = Expr::cust(bucket_sql(db.get_database_backend(), bucket));
    let rows = action::Entity::find()
        .select_only()
        .column_as(bucket_expr.clone(), "bucket")
        .column_as(Expr::col((actor::Entity, actor::Column::Side)), "side")
        .column_as(
            Expr::expr(Func::count(Expr::col((action::Entity, action::Column::Id)))),
            "actions",
        )
        .column_as(
            Expr::expr(Func::sum(Expr::col((
                action::Entity,
                action::Column::Intensity,
            )))),
            "intensity_sum",
        )
        .column_as(
            Expr::expr(Func::avg(Expr::col((
                action::Entity,
                action::Column::Intensity,
            )))),
            "intensity_mean",
        )
        .join(JoinType::InnerJoin, action::Relation::Actor.def())
        .filter(filter.condition())
        .group_by(bucket_expr.clone())
        .group_by(Expr::col((actor::Entity, actor::Column::Side)))
        .order_by_asc(bucket_expr)
        .order_by_asc(Expr::col((actor::Entity, actor::Column::Side)))
        .into_model::<RawRow>()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            let day = NaiveDate::parse_from_str(&r.bucket, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .ok_or_else(|| {
                    sea_orm::DbErr::Type(format!("bucket {:?} is not a date", r.bucket))
                })?;
            Ok(EscalationRow {
                bucket_start: day.and_utc(),
                side: r.side,
                actions: r.actions,
                intensity_sum: rounded(r.intensity_sum),
                intensity_mean: rounded(r.intensity_mean),
            })
        })
        .collect()
}
