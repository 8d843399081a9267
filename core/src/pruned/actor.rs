//! Which fields of an actor each column fills.

use super::{Prunable, get};
use sea_orm::{QueryResult, TryGetError};
use standoff_entities::actor::{Column, Entity, Model};
use standoff_entities::enums::{ActorKind, Side};

impl Prunable for Entity {
    fn required() -> &'static [Column] {
        &[Column::Id]
    }

    fn bit(column: Column) -> u32 {
        column as u32
    }

    fn placeholder() -> Model {
        Model {
            id: 0,
            slug: String::new(),
            name: String::new(),
            kind: ActorKind::Person,
            side: Side::Federal,
            title: None,
            party: None,
            member_of_id: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn read(m: &mut Model, column: Column, row: &QueryResult, i: usize) -> Result<(), TryGetError> {
        match column {
            Column::Id => m.id = get(row, i)?,
            Column::Slug => m.slug = get(row, i)?,
            Column::Name => m.name = get(row, i)?,
            Column::Kind => m.kind = get(row, i)?,
            Column::Side => m.side = get(row, i)?,
            Column::Title => m.title = get(row, i)?,
            Column::Party => m.party = get(row, i)?,
            Column::MemberOfId => m.member_of_id = get(row, i)?,
            Column::CreatedAt => m.created_at = get(row, i)?,
        }
        Ok(())
    }
}
