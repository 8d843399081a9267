//! Rows read with only the columns a reader asked for.
//!
//! An action has 29 columns and a dashboard shows five of them; reading whole rows, a timeline
//! page on SQLite copied and decoded about four values for each one it showed, a fifth of the
//! page's CPU time. The actors and sources beside it were read whole too. A pruned read selects
//! the listed columns and decodes them by position; the model's other fields hold placeholders
//! that the caller has promised not to read.

mod action;
mod actor;
mod link;
mod source;

use crate::CoreResult;
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, QuerySelect,
    QueryTrait, Select, TryGetError,
};
use std::fmt;
use std::marker::PhantomData;

/// An entity whose rows can be read in part: a placeholder model and a reader for each column.
pub trait Prunable: EntityTrait {
    /// The columns every read needs. The first of them in the entity's order is the row's key,
    /// an integer that is null only where a left join found no row.
    fn required() -> &'static [Self::Column];

    /// The column's bit in a set (its place in the entity's order).
    fn bit(column: Self::Column) -> u32;

    /// A model whose every field is a placeholder, to be overwritten by the columns read.
    fn placeholder() -> Self::Model;

    /// Sets the field of `column` from the value at `i`. Implementations match exhaustively,
    /// so a column added to the entity cannot be forgotten.
    fn read(
        model: &mut Self::Model,
        column: Self::Column,
        row: &QueryResult,
        i: usize,
    ) -> Result<(), TryGetError>;
}

/// A set of an entity's columns.
pub struct Columns<E>(u64, PhantomData<fn() -> E>);

/// A set of `action`'s columns.
pub type ActionColumns = Columns<standoff_entities::action::Entity>;
/// A set of `actor`'s columns.
pub type ActorColumns = Columns<standoff_entities::actor::Entity>;
/// A set of `source`'s columns.
pub type SourceColumns = Columns<standoff_entities::source::Entity>;

impl<E: Prunable> Columns<E> {
    /// What every read needs (see [`Prunable::required`]).
    pub fn minimal() -> Self {
        Self(0, PhantomData).with_all(E::required())
    }

    /// Every column: a whole row.
    pub fn all() -> Self {
        E::Column::iter().fold(Self(0, PhantomData), Self::with)
    }

    /// The set with `column` added.
    pub fn with(self, column: E::Column) -> Self {
        Self(self.0 | 1 << E::bit(column), PhantomData)
    }

    /// The set with every one of `columns` added.
    pub fn with_all(self, columns: &[E::Column]) -> Self {
        columns.iter().fold(self, |set, c| set.with(*c))
    }

    /// The columns, in the entity's order (the order they are selected and read back in).
    pub fn iter(self) -> impl Iterator<Item = E::Column> {
        E::Column::iter().filter(move |c| self.0 & 1 << E::bit(*c) != 0)
    }

    /// How many columns the set holds.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set holds no column.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Decodes the row's values from position `at` on, which are this set's columns in order.
    pub fn decode(self, row: &QueryResult, at: usize) -> Result<E::Model, DbErr> {
        let mut model = E::placeholder();
        for (offset, column) in self.iter().enumerate() {
            E::read(&mut model, column, row, at + offset)?;
        }
        Ok(model)
    }

    /// As [`Columns::decode`], or `None` where the row's key is null (a left join found none).
    pub fn decode_optional(self, row: &QueryResult, at: usize) -> Result<Option<E::Model>, DbErr> {
        let key: Option<i64> = row.try_get_by_index_nullable(at)?;
        key.map(|_| self.decode(row, at)).transpose()
    }
}

// Written by hand: derives would demand the same traits of the entity, which a marker need not
// have.
impl<E> Clone for Columns<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Columns<E> {}
impl<E> PartialEq for Columns<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for Columns<E> {}
impl<E: Prunable> fmt::Debug for Columns<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|c| c.as_str()))
            .finish()
    }
}

/// The rows `select` finds, with only `columns` read.
pub async fn rows<E, C>(db: &C, select: Select<E>, columns: Columns<E>) -> CoreResult<Vec<E::Model>>
where
    E: Prunable,
    C: ConnectionTrait,
{
    let select = select.select_only().columns(columns.iter());
    let rows = db
        .query_all_raw(select.build(db.get_database_backend()))
        .await?;
    Ok(rows
        .iter()
        .map(|row| columns.decode(row, 0))
        .collect::<Result<_, _>>()?)
}

/// Reads the value at `i` as a field's type; the readers' one accessor.
fn get<T: sea_orm::TryGetable>(row: &QueryResult, i: usize) -> Result<T, TryGetError> {
    row.try_get_by_index_nullable(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use standoff_entities::{action, action_target, actor, citation, source};

    #[test]
    fn sets_hold_what_was_added_in_the_entity_order() {
        let set = ActionColumns::minimal()
            .with(action::Column::Title)
            .with(action::Column::Id)
            .with(action::Column::Title);
        let names: Vec<&str> = set.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["id", "actor_id", "order_key", "title"]);
        assert_eq!(set.len(), 4);
        assert_ne!(set, ActionColumns::all());
        assert_eq!(ActionColumns::all().len(), action::Column::iter().count());
        let read = ActorColumns::minimal().with_all(&[actor::Column::Side, actor::Column::Name]);
        assert_eq!(format!("{read:?}"), r#"["id", "name", "side"]"#);
    }

    /// The key is read first and is what tells a missing joined row, so it must lead.
    fn key_leads<E: Prunable>() {
        let first = E::Column::iter().next().expect("a column");
        assert_eq!(E::required()[0].as_str(), first.as_str());
        assert!(E::Column::iter().count() <= 64, "a set holds 64 columns");
        let bits: Vec<u32> = E::Column::iter().map(E::bit).collect();
        assert_eq!(bits, (0..bits.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn every_prunable_entity_reads_its_key_first_and_numbers_its_columns_in_order() {
        key_leads::<action::Entity>();
        key_leads::<actor::Entity>();
        key_leads::<source::Entity>();
        key_leads::<citation::Entity>();
        key_leads::<action_target::Entity>();
    }
}
