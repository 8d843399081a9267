//! `change`: the append-only log of every write, in commit order.

use crate::enums::ChangeKind;
use sea_orm::entity::prelude::*;

/// One logged write; `seq` is monotonic.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub kind: ChangeKind,
    /// The table the changed row lives in (`action`, `actor`, ...).
    pub entity: String,
    pub entity_id: i64,
    /// The action the change concerns, when there is one: what subscriptions filter on.
    pub action_id: Option<i64>,
    pub at: DateTimeUtc,
    /// The name of the token that wrote, or `seed` for the seed loader.
    pub author: String,
    pub note: Option<String>,
    /// Old values on a correction, as JSON.
    pub data: Option<Json>,
    /// Whether readers may know of it: false for anything about an action that readers do not
    /// see (a draft's recording, a correction before publication, a review step).
    pub public: bool,
    #[sea_orm(belongs_to, from = "action_id", to = "id")]
    pub action: BelongsTo<Option<super::action::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
