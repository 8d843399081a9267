//! Editor tokens: made by the CLI, shown once, stored as SHA-256, checked on every write.

use super::{CoreError, CoreResult};
use crate::change_log::{LogEntry, WriteTxn};
pub use crate::write::Editor;
use crate::write::Writer;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::DatabaseConnection;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use standoff_entities::{ChangeKind, Role, api_token};

/// The author the change log records for the command line's token commands.
const CLI: &str = "cli";

/// Prefix of every token, so a leaked one is recognisable in logs and secret scanners.
const TOKEN_PREFIX: &str = "stf_";

/// A token as listed: never the token itself.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// The token's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a token, logged as the CLI's; returns the plaintext, which is not stored.
pub async fn create_token(db: &DatabaseConnection, name: &str, role: Role) -> CoreResult<String> {
    let mut txn = WriteTxn::begin(db).await?;
    let token = create_token_in(&mut txn, CLI, name, role).await?;
    txn.commit(None).await?;
    Ok(token)
}

/// Makes a token as an admin writing through the API.
pub async fn create_token_as(writer: &Writer<'_>, name: &str, role: Role) -> CoreResult<String> {
    let mut txn = WriteTxn::begin(writer.db).await?;
    let token = create_token_in(&mut txn, &writer.editor.name, name, role).await?;
    txn.commit(Some(writer.feed)).await?;
    Ok(token)
}

/// Makes a token with 256 random bits inside `txn`, logged (for editors only) as `author`'s:
/// the change log's head moves, so no list of tokens kept for an admin outlives it.
async fn create_token_in(
    txn: &mut WriteTxn,
    author: &str,
    name: &str,
    role: Role,
) -> CoreResult<String> {
    let db = txn.db();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CoreError::BadInput(
            "a token name is 1 to 100 characters".into(),
        ));
    }
    let existing = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .one(db)
        .await?;
    if existing.is_some() {
        return Err(CoreError::Conflict(format!(
            "a token named {name:?} exists already"
        )));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| CoreError::Internal(format!("no randomness for a token: {e}")))?;
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let made = api_token::Entity::insert(api_token::ActiveModel {
        name: Set(name.to_owned()),
        role: Set(role),
        hash: Set(hash(&token)),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    txn.append(
        author,
        LogEntry {
            public: false,
            data: Some(serde_json::json!({ "name": name, "role": role })),
            ..LogEntry::about(ChangeKind::TokenCreated, "api_token", made.last_insert_id)
        },
    )
    .await?;
    Ok(token)
}

/// Every token, oldest first.
pub async fn list_tokens<C: ConnectionTrait>(db: &C) -> CoreResult<Vec<TokenInfo>> {
    let rows = api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| TokenInfo {
            name: t.name,
            role: t.role,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Revokes a token by name, logged as the CLI's; it stops working at once.
pub async fn revoke_token(db: &DatabaseConnection, name: &str) -> CoreResult<()> {
    let mut txn = WriteTxn::begin(db).await?;
    revoke_token_in(&mut txn, CLI, name).await?;
    txn.commit(None).await
}

/// Revokes a token as an admin writing through the API.
pub async fn revoke_token_as(writer: &Writer<'_>, name: &str) -> CoreResult<()> {
    let mut txn = WriteTxn::begin(writer.db).await?;
    revoke_token_in(&mut txn, &writer.editor.name, name).await?;
    txn.commit(Some(writer.feed)).await
}

/// Revokes a token inside `txn`, logged (for editors only) as `author`'s.
async fn revoke_token_in(txn: &mut WriteTxn, author: &str, name: &str) -> CoreResult<()> {
    let db = txn.db();
    let token = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no token is named {name:?}")))?;
    if token.revoked_at.is_some() {
        return Err(CoreError::Conflict(format!(
            "the token {name:?} is revoked already"
        )));
    }
    api_token::Entity::update(api_token::ActiveModel {
        id: Set(token.id),
        revoked_at: Set(Some(Utc::now())),
        ..Default::default()
    })
    .exec(db)
    .await?;
    txn.append(
        author,
        LogEntry {
            public: false,
            data: Some(serde_json::json!({ "name": name })),
            ..LogEntry::about(ChangeKind::TokenRevoked, "api_token", token.id)
        },
    )
    .await?;
    Ok(())
}

/// The editor a token belongs to, or `None` for an unknown or revoked token.
pub async fn authenticate<C: ConnectionTrait>(db: &C, token: &str) -> CoreResult<Option<Editor>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let found = api_token::Entity::find()
        .filter(api_token::Column::Hash.eq(hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(found.map(|t| Editor {
        name: t.name,
        role: t.role,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
