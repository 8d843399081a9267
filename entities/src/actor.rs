//! `actor`: a person, office, agency, force, government or group.

use crate::enums::{ActorKind, Side};
use sea_orm::entity::prelude::*;

/// One actor of the feud.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actor")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub kind: ActorKind,
    pub side: Side,
    pub title: Option<String>,
    pub party: Option<String>,
    pub member_of_id: Option<i64>,
    pub created_at: DateTimeUtc,
    #[sea_orm(self_ref, relation_enum = "MemberOf", from = "member_of_id", to = "id")]
    pub member_of: HasOne<Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
