//! `EscalationPoint`: one bucket of one side's escalation series.

use crate::schema::enums::{Bucket, Side};
use crate::schema::when::When;
use async_graphql::SimpleObject;
use standoff_core::escalation::EscalationRow;

/// How one side acted in one time bucket: how often and how conflictually. An action whose
/// date is less precise than the buckets asked for ("August 2025" by day) is never pinned to
/// one of them: it is counted in a coarser bucket that holds its whole date, with
/// `undatedWithinBucket` saying so, so a chart draws it as a band.
#[derive(SimpleObject)]
pub struct EscalationPoint {
    /// The first instant of the bucket (midnight UTC of its first day).
    pub bucket_start: When,
    /// The instant the bucket ends (midnight UTC after its last day; not in the bucket).
    pub bucket_end: When,
    /// The bucket's width: the one asked for, or the finest coarser one holding a whole date
    /// (a year for dates across years, whose bucket spans those years).
    pub bucket_width: Bucket,
    /// The side that acted.
    pub side: Side,
    /// How many actions the side took in the bucket.
    pub action_count: i64,
    /// How many of them are known only to this whole bucket, not to one bucket of the width
    /// asked for: all of them in a coarser bucket, none in one of the width asked for.
    pub undated_within_bucket: i64,
    /// The sum of their intensities (-10 each at most conflictual, +10 most cooperative).
    pub intensity_sum: f64,
    /// Their mean intensity.
    pub intensity_mean: f64,
}

impl From<EscalationRow> for EscalationPoint {
    fn from(row: EscalationRow) -> Self {
        Self {
            bucket_start: row.bucket_start.into(),
            bucket_end: row.bucket_end.into(),
            bucket_width: row.width.into(),
            side: row.side.into(),
            action_count: row.actions,
            undated_within_bucket: row.undated,
            intensity_sum: row.intensity_sum,
            intensity_mean: row.intensity_mean,
        }
    }
}
