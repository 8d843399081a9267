//! Escalation: actions and their intensity summed per time bucket and side, in SQL.

use super::ServiceResult;
use super::filter::ResolvedFilter;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use standoff_entities::{Side, action, actor};

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
) -> ServiceResult<Vec<EscalationRow>> {
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
                intensity_sum: r.intensity_sum,
                intensity_mean: r.intensity_mean,
            })
        })
        .collect()
}
