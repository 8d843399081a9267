//! `Token` and `Me`: the desk's tokens as an admin lists them, and who is signed in.

use crate::schema::enums::Role;
use crate::schema::when::When;
use async_graphql::Object;
use standoff_core::tokens::{Editor, TokenInfo};

/// A token as listed: never the token itself, which is shown once, when it is made.
pub struct Token(pub TokenInfo);

#[Object]
impl Token {
    /// Who or what holds it; recorded as the author of its changes.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// When it was made.
    async fn created_at(&self) -> When {
        self.0.created_at.into()
    }

    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<When> {
        self.0.revoked_at.map(Into::into)
    }
}

/// The editor whose token the request carries.
pub struct Me(pub Editor);

#[Object]
impl Me {
    /// The token's name, as the change log records its writes.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
}
