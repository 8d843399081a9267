//! `me` and `tokens`: who is signed in, and (for admins) every token.

use crate::error::CoreResultExt;
use crate::schema::mutation::admin;
use crate::schema::object::{Me, Token, database};
use crate::schema::viewer::viewer;
use async_graphql::{Context, Object, Result};
use standoff_core::tokens;

/// The desk's questions about tokens.
#[derive(Default)]
pub struct TokenQuery;

#[Object]
impl TokenQuery {
    /// The editor whose token this request carries; null without one.
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        viewer(ctx).0.clone().map(Me)
    }

    /// Every token, oldest first (admins only).
    async fn tokens(&self, ctx: &Context<'_>) -> Result<Vec<Token>> {
        admin(ctx).await?;
        Ok(tokens::list_tokens(database(ctx))
            .await
            .gql()?
            .into_iter()
            .map(Token)
            .collect())
    }
}
