//! Actions read with only the columns a reader asked for.
//!
//! An action has 29 columns and a dashboard shows five of them; reading whole rows, a timeline
//! page on SQLite copied and decoded about four values for each one it showed, a fifth of the
//! page's CPU time. A pruned read selects the listed columns and decodes them by position; the
//! model's other fields hold placeholders that the caller has promised not to read.

use sea_orm::{DbErr, Iterable, QueryResult, TryGetError};
use standoff_entities::action::{self, Column};
use standoff_entities::enums::{ActionKind, ActionStatus, DatePrecision, Publication};

/// A set of `action`'s columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActionColumns(u64);

impl ActionColumns {
    /// What every read needs: the id, the keyset position and the actor joined in.
    pub fn minimal() -> Self {
        Self::default()
            .with(Column::Id)
            .with(Column::OrderKey)
            .with(Column::ActorId)
    }

    /// Every column: a whole row.
    pub fn all() -> Self {
        Column::iter().fold(Self::default(), Self::with)
    }

    /// The set with `column` added.
    pub fn with(self, column: Column) -> Self {
        Self(self.0 | 1 << column as u64)
    }

    /// Whether the set holds every column.
    pub fn is_all(self) -> bool {
        self == Self::all()
    }

    /// The columns, in the entity's order (the order they are selected and read back in).
    pub fn iter(self) -> impl Iterator<Item = Column> {
        Column::iter().filter(move |c| self.0 & 1 << *c as u64 != 0)
    }
}

/// Decodes a row whose first columns are `columns`, in their order.
pub fn action_from(row: &QueryResult, columns: ActionColumns) -> Result<action::Model, DbErr> {
    let mut model = placeholder();
    for (index, column) in columns.iter().enumerate() {
        read(&mut model, column, row, index)?;
    }
    Ok(model)
}

/// Sets the field of `column` from the value at `i`. The match is exhaustive, so a column added
/// to the entity cannot be forgotten here.
fn read(
    model: &mut action::Model,
    column: Column,
    row: &QueryResult,
    i: usize,
) -> Result<(), TryGetError> {
    fn get<T: sea_orm::TryGetable>(row: &QueryResult, i: usize) -> Result<T, TryGetError> {
        row.try_get_by_index_nullable(i)
    }
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

/// A model whose every field is a placeholder, to be overwritten by the columns read.
fn placeholder() -> action::Model {
    let epoch = chrono::DateTime::UNIX_EPOCH;
    action::Model {
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

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::IdenStatic;

    #[test]
    fn sets_hold_what_was_added_in_the_entity_order() {
        let set = ActionColumns::default()
            .with(Column::Title)
            .with(Column::Id)
            .with(Column::Title);
        let names: Vec<&str> = set.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["id", "title"]);
        assert!(!set.is_all());
        assert_eq!(ActionColumns::all().iter().count(), Column::iter().count());
        assert!(ActionColumns::all().is_all());
    }
}
