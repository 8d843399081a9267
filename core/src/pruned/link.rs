//! The link tables beside the pruned rows, always read whole: they are a few small columns,
//! and reading them by position spares the name look-ups of sea-orm's decoding.

use super::{Prunable, get};
use sea_orm::{QueryResult, TryGetError};
use standoff_entities::{action_target, citation};

impl Prunable for action_target::Entity {
    fn required() -> &'static [action_target::Column] {
        use action_target::Column::*;
        &[ActionId, ActorId]
    }

    fn bit(column: action_target::Column) -> u32 {
        column as u32
    }

    fn placeholder() -> action_target::Model {
        action_target::Model {
            action_id: 0,
            actor_id: 0,
        }
    }

    fn read(
        m: &mut action_target::Model,
        column: action_target::Column,
        row: &QueryResult,
        i: usize,
    ) -> Result<(), TryGetError> {
        match column {
            action_target::Column::ActionId => m.action_id = get(row, i)?,
            action_target::Column::ActorId => m.actor_id = get(row, i)?,
        }
        Ok(())
    }
}

impl Prunable for citation::Entity {
    fn required() -> &'static [citation::Column] {
        use citation::Column::*;
        &[Id, ActionId, SourceId]
    }

    fn bit(column: citation::Column) -> u32 {
        column as u32
    }

    fn placeholder() -> citation::Model {
        citation::Model {
            id: 0,
            action_id: 0,
            source_id: 0,
            excerpt: None,
        }
    }

    fn read(
        m: &mut citation::Model,
        column: citation::Column,
        row: &QueryResult,
        i: usize,
    ) -> Result<(), TryGetError> {
        match column {
            citation::Column::Id => m.id = get(row, i)?,
            citation::Column::ActionId => m.action_id = get(row, i)?,
            citation::Column::SourceId => m.source_id = get(row, i)?,
            citation::Column::Excerpt => m.excerpt = get(row, i)?,
        }
        Ok(())
    }
}
