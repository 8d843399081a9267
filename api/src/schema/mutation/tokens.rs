//! `createToken` and `revokeToken`: an admin hands out and withdraws the desk's tokens.

use super::admin_writer;
use crate::error::CoreResultExt;
use crate::schema::enums::Role;
use crate::schema::object::{Token, database};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use standoff_core::tokens;

/// A new token.
#[derive(InputObject)]
pub struct CreateTokenInput {
    /// Who or what holds it, recorded as the author of every change it makes (unique).
    pub name: String,
    /// What it may do.
    #[graphql(default_with = "Some(Role::Editor)")]
    pub role: Option<Role>,
}

/// A token as it is made: the only time the token itself is shown.
#[derive(SimpleObject)]
pub struct CreatedToken {
    /// The token: copy it now, as Standoff keeps only its hash.
    pub token: String,
    /// The token as listed.
    pub info: Token,
}

/// Writes about tokens (admins only).
#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    /// Makes a token; a name in use is CONFLICT.
    async fn create_token(
        &self,
        ctx: &Context<'_>,
        input: CreateTokenInput,
    ) -> Result<CreatedToken> {
        let writer = admin_writer(ctx).await?;
        let role = input.role.unwrap_or(Role::Editor).into();
        let db = database(ctx);
        let token = tokens::create_token_as(&writer, &input.name, role)
            .await
            .gql()?;
        let info = tokens::list_tokens(db)
            .await
            .gql()?
            .into_iter()
            .find(|t| t.name == input.name.trim())
            .map(Token)
            .ok_or_else(|| crate::error::ApiError::internal("a made token is missing"))?;
        Ok(CreatedToken { token, info })
    }

    /// Revokes a token by name: it writes nothing more, and sockets it opened close.
    async fn revoke_token(&self, ctx: &Context<'_>, name: String) -> Result<Token> {
        let writer = admin_writer(ctx).await?;
        let db = database(ctx);
        tokens::revoke_token_as(&writer, &name).await.gql()?;
        tokens::list_tokens(db)
            .await
            .gql()?
            .into_iter()
            .find(|t| t.name == name)
            .map(Token)
            .ok_or_else(|| crate::error::ApiError::internal("a revoked token is missing").into())
    }
}
