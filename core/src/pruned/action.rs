//! Which fields of an action each column fills.

use super::{Prunable, get};
use sea_orm::{QueryResult, TryGetError};
use standoff_entities::action::{Column, Entity, Model};
use standoff_entities::enums::{ActionKind, ActionStatus, DatePrecision, Publication};

impl Prunable for Entity {
    fn required() -> &'static [Column] {
        // The id, the keyset position and the actor joined in.
        &[Column::Id, Column::OrderKey, Column::ActorId]
    }

    fn bit(column: Column) -> u32 {
        column as u32
    }

    fn placeholder() -> Model {
        let epoch = chrono::DateTime::UNIX_EPOCH;
        Model {
            id: 0,
            key: None,
            actor_id: 0,
            kind: ActionKind::Statement,
            category: None,
            status: ActionStatus::Threatened,
            occurred_at: epoch,
            precision: DatePrecision::Day,
            occurred_until: None,
            date_edtf: None,
            date_text: None,
            order_key: 0,
            reported_at: None,
            title: String::new(),
            summary: None,
            quote: None,
            place: None,
            magnitude: None,
            intensity: 0.0,
            intensity_reason: None,
            revision: 0,
            retracted: false,
            publication: Publication::Draft,
            publish_at: None,
            recorded_by: None,
            approved_by: None,
            published_by: None,
            created_at: epoch,
            updated_at: epoch,
        }
    }

    fn read(
        model: &mut Model,
        column: Column,
        row: &QueryResult,
        i: usize,
    ) -> Result<(), TryGetError> {
        let m = model;
        match column {
            Column::Id => m.id = get(row, i)?,
            Column::Key => m.key = get(row, i)?,
            Column::ActorId => m.actor_id = get(row, i)?,
            Column::Kind => m.kind = get(row, i)?,
            Column::Category => m.category = get(row, i)?,
            Column::Status => m.status = get(row, i)?,
            Column::OccurredAt => m.occurred_at = get(row, i)?,
            Column::Precision => m.precision = get(row, i)?,
            Column::OccurredUntil => m.occurred_until = get(row, i)?,
            Column::DateEdtf => m.date_edtf = get(row, i)?,
            Column::DateText => m.date_text = get(row, i)?,
            Column::OrderKey => m.order_key = get(row, i)?,
            Column::ReportedAt => m.reported_at = get(row, i)?,
            Column::Title => m.title = get(row, i)?,
            Column::Summary => m.summary = get(row, i)?,
            Column::Quote => m.quote = get(row, i)?,
            Column::Place => m.place = get(row, i)?,
            Column::Magnitude => m.magnitude = get(row, i)?,
            Column::Intensity => m.intensity = get(row, i)?,
            Column::IntensityReason => m.intensity_reason = get(row, i)?,
            Column::Revision => m.revision = get(row, i)?,
            Column::Retracted => m.retracted = get(row, i)?,
            Column::Publication => m.publication = get(row, i)?,
            Column::PublishAt => m.publish_at = get(row, i)?,
            Column::RecordedBy => m.recorded_by = get(row, i)?,
            Column::ApprovedBy => m.approved_by = get(row, i)?,
            Column::PublishedBy => m.published_by = get(row, i)?,
            Column::CreatedAt => m.created_at = get(row, i)?,
            Column::UpdatedAt => m.updated_at = get(row, i)?,
        }
        Ok(())
    }
}
