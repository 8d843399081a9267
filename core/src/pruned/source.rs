//! Which fields of a source each column fills.

use super::{Prunable, get};
use sea_orm::{QueryResult, TryGetError};
use standoff_entities::source::{Column, Entity, Model};

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
            key: None,
            url: None,
            publisher: None,
            title: String::new(),
            published_at: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn read(m: &mut Model, column: Column, row: &QueryResult, i: usize) -> Result<(), TryGetError> {
        match column {
            Column::Id => m.id = get(row, i)?,
            Column::Key => m.key = get(row, i)?,
            Column::Url => m.url = get(row, i)?,
            Column::Publisher => m.publisher = get(row, i)?,
            Column::Title => m.title = get(row, i)?,
            Column::PublishedAt => m.published_at = get(row, i)?,
            Column::CreatedAt => m.created_at = get(row, i)?,
        }
        Ok(())
    }
}
