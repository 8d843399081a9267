//! `escalation`: how fast each side escalates.

use crate::error::CoreResultExt;
use crate::schema::enums::Bucket;
use crate::schema::input::TimelineFilter;
use crate::schema::object::{EscalationPoint, database};
use async_graphql::{Context, Object, Result};
use standoff_core::escalation;

/// The escalation series.
#[derive(Default)]
pub struct EscalationQuery;

#[Object]
impl EscalationQuery {
    /// Per time bucket and side: how many actions and their summed and mean intensity,
    /// ordered by bucket then side.
    async fn escalation(
        &self,
        ctx: &Context<'_>,
        filter: Option<TimelineFilter>,
        #[graphql(default_with = "Some(Bucket::Day)")] bucket: Option<Bucket>,
    ) -> Result<Vec<EscalationPoint>> {
        let db = database(ctx);
        let filter = TimelineFilter::resolve(filter, ctx).await?;
        let rows = escalation::escalation(db, &filter, bucket.unwrap_or_default().into())
            .await
            .gql()?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
