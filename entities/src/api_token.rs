//! `api_token`: who may write. Only the SHA-256 of a token is kept.

use crate::enums::Role;
use sea_orm::entity::prelude::*;

/// One editor or admin token.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who holds it; recorded in the change log as the author of each write.
    #[sea_orm(unique)]
    pub name: String,
    pub role: Role,
    /// Lower-case hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub hash: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
