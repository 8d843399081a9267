//! Escalation: actions and their intensity summed per time bucket and side.
//!
//! An action is counted in a bucket of the width asked for only when its whole date falls in
//! it; one known less precisely ("August 2025" when days are asked for, an interval across two
//! weeks) is never pinned to its first day: it is counted in the finest coarser calendar bucket
//! that holds its whole date (a week, a month, a year, or the years it spans), marked as undated
//! within that bucket. Every action is counted exactly once.

use super::CoreResult;
use super::filter::ResolvedFilter;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use sea_orm::ActiveEnum;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};
use standoff_entities::{Side, action, actor};
use standoff_migration::ESCALATION_SPAN_TABLE;
use std::collections::BTreeMap;

/// The width of an escalation bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Bucket {
    /// Calendar days (UTC).
    #[default]
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}

impl Bucket {
    /// The first day of the bucket of this width that holds `day`.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => day,
            Bucket::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Bucket::Month => day.with_day(1).unwrap_or(day),
            Bucket::Year => day.with_ordinal(1).unwrap_or(day),
        }
    }

    /// The first day after the bucket that starts on `start`.
    pub fn after(self, start: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => start + Duration::days(1),
            Bucket::Week => start + Duration::days(7),
            Bucket::Month => start + Months::new(1),
            Bucket::Year => start + Months::new(12),
        }
    }
}

/// One bucket of one side.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRow {
    /// The first day of the bucket, at midnight UTC.
    pub bucket_start: DateTime<Utc>,
    /// Midnight UTC after the bucket's last day.
    pub bucket_end: DateTime<Utc>,
    /// The bucket's width: the one asked for, or a coarser one holding less precise dates.
    pub width: Bucket,
    /// The side that acted.
    pub side: Side,
    /// How many actions that side took in the bucket.
    pub actions: i64,
    /// How many of them are known only to the whole bucket, not to one of the width asked for.
    pub undated: i64,
    /// The sum of their intensities.
    pub intensity_sum: f64,
    /// Their mean intensity.
    pub intensity_mean: f64,
}

/// Actions of one side whose dates run from one day to another, with their summed intensity:
/// a row of the roll-up, or of the same sums over a filter. `first` is a day in their bucket;
/// the two days, when given, are where their dates start and end.
#[derive(Debug, FromQueryResult)]
struct SpanRow {
    first: String,
    day: Option<String>,
    until_day: Option<String>,
    side: Side,
    actions: i64,
    intensity_sum: f64,
}

/// The escalation series for the filtered actions, ordered by bucket start, then the finer
/// bucket first, then side.
pub async fn escalation<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    bucket: Bucket,
) -> CoreResult<Vec<EscalationRow>> {
    let spans = match filter.only_sides() {
        Some(sides) => from_rollup(db, sides).await?,
        None => aggregated(db, filter, bucket).await?,
    };
    bucketed(spans, bucket)
}

/// The series at the bucket that suits it (see [`suited_bucket`]), with that bucket: what a
/// chart shows when no bucket is asked for. One aggregate at day width serves every width.
pub async fn escalation_suited<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
) -> CoreResult<(Bucket, Vec<EscalationRow>)> {
    let spans = match filter.only_sides() {
        Some(sides) => from_rollup(db, sides).await?,
        None => aggregated(db, filter, Bucket::Day).await?,
    };
    let bucket = suited_bucket(&spans)?;
    Ok((bucket, bucketed(spans, bucket)?))
}

/// At most this many buckets across a chart before a coarser width reads better.
const MOST_BUCKETS: i64 = 60;

/// The finest width at which the span of the actions takes at most [`MOST_BUCKETS`] buckets
/// and at least half of the actions are dated within one bucket (not drawn as bands over a
/// longer period): a month of daily statements by day, a year of them by week, a story known
/// only to months by month.
fn suited_bucket(spans: &[SpanRow]) -> CoreResult<Bucket> {
    let mut days = Vec::with_capacity(spans.len());
    for row in spans {
        let first = parse_day(&row.first)?;
        let (from, until) = match (&row.day, &row.until_day) {
            (Some(day), Some(until)) => (parse_day(day)?, parse_day(until)?),
            _ => (first, first),
        };
        days.push((from, Ord::max(from, until), row.actions));
    }
    let total: i64 = days.iter().map(|d| d.2).sum();
    for width in [Bucket::Day, Bucket::Week, Bucket::Month] {
        let mut banded = 0;
        let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
        for (from, until, actions) in &days {
            let (placed, start, end) = place(*from, *until, width);
            if placed != width {
                banded += actions;
            }
            first = Some(first.map_or(start, |f| Ord::min(f, start)));
            last = Some(last.map_or(end, |l| Ord::max(l, end)));
        }
        let span_days = match (first, last) {
            (Some(first), Some(last)) => (last - first).num_days(),
            _ => 0,
        };
        let per_bucket = match width {
            Bucket::Day => 1,
            Bucket::Week => 7,
            _ => 30,
        };
        if span_days / per_bucket <= MOST_BUCKETS && banded * 2 <= total {
            return Ok(width);
        }
    }
    Ok(Bucket::Year)
}

/// Sums are rounded to nine decimals, so the roll-up (which adds and later subtracts a
/// corrected action's intensity) and a fresh aggregate print the same figures.
fn rounded(sum: f64) -> f64 {
    (sum * 1e9).round() / 1e9
}

/// The bucket for a date that runs from `from` to `until`: the one of the width asked for
/// when it holds the whole date, else the finest coarser one that does, else the years it
/// spans. Gives the width, the first day and the first day after.
pub fn place(from: NaiveDate, until: NaiveDate, asked: Bucket) -> (Bucket, NaiveDate, NaiveDate) {
    for width in [Bucket::Day, Bucket::Week, Bucket::Month, Bucket::Year] {
        if width < asked {
            continue;
        }
        let start = width.start_of(from);
        if width.start_of(until) == start {
            return (width, start, width.after(start));
        }
    }
    (
        Bucket::Year,
        Bucket::Year.start_of(from),
        Bucket::Year.after(Bucket::Year.start_of(until)),
    )
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn parse_day(text: &str) -> CoreResult<NaiveDate> {
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| sea_orm::DbErr::Type(format!("roll-up day {text:?} is not a date")))?)
}

/// Places each span in its bucket and sums each bucket and side.
fn bucketed(spans: Vec<SpanRow>, asked: Bucket) -> CoreResult<Vec<EscalationRow>> {
    type Key = (NaiveDate, NaiveDate, String);
    let mut buckets: BTreeMap<Key, (Bucket, Side, i64, f64)> = BTreeMap::new();
    for row in spans {
        let (width, start, end) = match (&row.day, &row.until_day) {
            (Some(day), Some(until)) => {
                let (from, until) = (parse_day(day)?, parse_day(until)?);
                place(from, Ord::max(until, from), asked)
            }
            _ => {
                let first = parse_day(&row.first)?;
                place(first, first, asked)
            }
        };
        let entry = buckets
            .entry((start, end, row.side.to_value()))
            .or_insert((width, row.side, 0, 0.0));
        entry.2 += row.actions;
        entry.3 += row.intensity_sum;
    }
    Ok(buckets
        .into_iter()
        .filter(|(_, (_, _, actions, _))| *actions > 0)
        .map(
            |((start, end, _), (width, side, actions, sum))| EscalationRow {
                bucket_start: midnight(start),
                bucket_end: midnight(end),
                width,
                side,
                actions,
                undated: if width == asked { 0 } else { actions },
                intensity_sum: rounded(sum),
                intensity_mean: rounded(sum / Ord::max(actions, 1) as f64),
            },
        )
        .collect())
}

/// The spans from the roll-up: a few thousand rows for years of actions.
async fn from_rollup<C: ConnectionTrait>(db: &C, sides: &[Side]) -> CoreResult<Vec<SpanRow>> {
    let mut query = Query::select()
        .expr_as(Expr::col(Alias::new("day")), Alias::new("first"))
        .columns([
            Alias::new("day"),
            Alias::new("until_day"),
            Alias::new("side"),
            Alias::new("actions"),
            Alias::new("intensity_sum"),
        ])
        .from(Alias::new(ESCALATION_SPAN_TABLE))
        .and_where(Expr::col(Alias::new("actions")).gt(0))
        .to_owned();
    if !sides.is_empty() {
        query.and_where(Expr::col(Alias::new("side")).is_in(sides.iter().map(|s| s.to_value())));
    }
    Ok(
        SpanRow::find_by_statement(db.get_database_backend().build(&query))
            .all(db)
            .await?,
    )
}

/// SQL for the first day, as `YYYY-MM-DD` text, of the bucket of `width` that holds the
/// instant `column`, written for each backend because date functions are where SQL dialects
/// differ (the roll-up's triggers use the same day expressions).
fn bucket_sql(backend: DbBackend, width: Bucket, column: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            let unit = match width {
                Bucket::Day => "day",
                Bucket::Week => "week",
                Bucket::Month => "month",
                Bucket::Year => "year",
            };
            format!("to_char(date_trunc('{unit}', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')")
        }
        _ => match width {
            Bucket::Day => format!("substr({column}, 1, 10)"),
            // 'weekday 0' moves to the coming Sunday (or stays); six days back is its Monday.
            Bucket::Week => format!("date({column}, 'weekday 0', '-6 days')"),
            Bucket::Month => format!("strftime('%Y-%m-01', {column})"),
            Bucket::Year => format!("strftime('%Y-01-01', {column})"),
        },
    }
}

/// The spans of the filtered actions themselves, grouped under their bucket's first day. Only
/// an action with a span (a date other than an instant) keeps its own days, in a branch SQL
/// evaluates for those rows alone, so the query costs what one bucket expression costs.
async fn aggregated<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    bucket: Bucket,
) -> CoreResult<Vec<SpanRow>> {
    let backend = db.get_database_backend();
    let (at, until) = (
        "\"action\".\"occurred_at\"",
        "\"action\".\"occurred_until\"",
    );
    let instant = format!("{until} IS NULL OR {until} = {at}");
    let first = bucket_sql(backend, bucket, at);
    let day = format!(
        "CASE WHEN {instant} THEN NULL ELSE {} END",
        bucket_sql(backend, Bucket::Day, at)
    );
    let until_day = format!(
        "CASE WHEN {instant} THEN NULL ELSE {} END",
        bucket_sql(backend, Bucket::Day, until)
    );
    let side = Expr::col((actor::Entity, actor::Column::Side));
    Ok(action::Entity::find()
        .select_only()
        .column_as(Expr::cust(first.clone()), "first")
        .column_as(Expr::cust(day.clone()), "day")
        .column_as(Expr::cust(until_day.clone()), "until_day")
        .column_as(side.clone(), "side")
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
        .join(JoinType::InnerJoin, action::Relation::Actor.def())
        .filter(filter.condition())
        .group_by(Expr::cust(first))
        .group_by(Expr::cust(day))
        .group_by(Expr::cust(until_day))
        .group_by(side)
        .into_model::<SpanRow>()
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("day")
    }

    fn span(first: &str, until: Option<&str>, actions: i64) -> SpanRow {
        SpanRow {
            first: first.to_owned(),
            day: until.map(|_| first.to_owned()),
            until_day: until.map(str::to_owned),
            side: Side::Local,
            actions,
            intensity_sum: 0.0,
        }
    }

    #[test]
    fn the_suited_bucket_fits_the_span_and_the_precision() {
        // Two weeks of dated days: by day.
        let days = [span("2025-08-01", None, 3), span("2025-08-14", None, 2)];
        assert_eq!(suited_bucket(&days).ok(), Some(Bucket::Day));
        // A year of dated days: by week (52 weeks), not 365 days.
        let year = [span("2025-01-06", None, 3), span("2025-12-20", None, 2)];
        assert_eq!(suited_bucket(&year).ok(), Some(Bucket::Week));
        // Everything known only to August: by month, not bands across a day chart.
        let months = [span("2025-08-01", Some("2025-08-31"), 11)];
        assert_eq!(suited_bucket(&months).ok(), Some(Bucket::Month));
        // Decades: by year.
        let decades = [span("1990-01-01", None, 1), span("2025-01-01", None, 1)];
        assert_eq!(suited_bucket(&decades).ok(), Some(Bucket::Year));
        assert_eq!(suited_bucket(&[]).ok(), Some(Bucket::Day));
    }

    #[test]
    fn a_month_is_never_pinned_to_a_day_or_a_week() {
        let august = (day("2025-08-01"), day("2025-08-31"));
        for asked in [Bucket::Day, Bucket::Week, Bucket::Month] {
            assert_eq!(
                place(august.0, august.1, asked),
                (Bucket::Month, day("2025-08-01"), day("2025-09-01")),
                "{asked:?}"
            );
        }
        assert_eq!(
            place(august.0, august.1, Bucket::Year).0,
            Bucket::Year,
            "a month inside a year bucket"
        );
    }

    #[test]
    fn spans_climb_to_the_finest_bucket_that_holds_them() {
        // Monday 11 to Wednesday 13 August 2025: one week, not one day.
        assert_eq!(
            place(day("2025-08-11"), day("2025-08-13"), Bucket::Day),
            (Bucket::Week, day("2025-08-11"), day("2025-08-18"))
        );
        // Across a month's end and a week's: the year.
        assert_eq!(
            place(day("2025-08-30"), day("2025-09-02"), Bucket::Day),
            (Bucket::Year, day("2025-01-01"), day("2026-01-01"))
        );
        // Across years: the years it spans.
        assert_eq!(
            place(day("2024-12-30"), day("2025-01-02"), Bucket::Month),
            (Bucket::Year, day("2024-01-01"), day("2026-01-01"))
        );
        // A day is its own bucket at every width.
        assert_eq!(
            place(day("2025-08-30"), day("2025-08-30"), Bucket::Week),
            (Bucket::Week, day("2025-08-25"), day("2025-09-01"))
        );
    }
}
