//! `EscalationPoint`: one bucket of one side's escalation series.

use crate::schema::enums::Side;
use crate::schema::when::When;
use async_graphql::SimpleObject;
use standoff_core::escalation::EscalationRow;

/// How one side acted in one time bucket: how often and how conflictually.
#[derive(SimpleObject)]
pub struct EscalationPoint {
    /// The first instant of the bucket (midnight UTC of its first day).
    pub bucket_start: When,
    /// The side that acted.
    pub side: Side,
    /// How many actions the side took in the bucket.
    pub action_count: i64,
    /// The sum of their intensities (-10 each at most conflictual, +10 most cooperative).
    pub intensity_sum: f64,
    /// Their mean intensity.
    pub intensity_mean: f64,
}

impl From<EscalationRow> for EscalationPoint {
    fn from(row: EscalationRow) -> Self {
        Self {
            bucket_start: row.bucket_start.into(),
            side: row.side.into(),
            action_count: row.actions,
            intensity_sum: row.intensity_sum,
            intensity_mean: row.intensity_mean,
        }
    }
}
