//! `source`: a published document that actions cite.

use sea_orm::entity::prelude::*;

/// One source document.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "source")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// A stable key given by an importer (the seed file).
    #[sea_orm(unique)]
    pub key: Option<String>,
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub title: String,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
