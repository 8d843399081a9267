//! Opaque global ids (`Node.id`) as GraphQL `ID`s; the encoding is the core's, which also
//! names rows by them in its messages.

use crate::error::CoreResultExt;
use async_graphql::ID;
use standoff_core::public_id;
pub use standoff_core::public_id::NodeType;

/// Makes the global id of a row.
pub fn encode(kind: NodeType, id: i64) -> ID {
    ID(public_id::encode(kind, id))
}

/// Reads any global id back into its type and row id.
pub fn decode_any(id: &ID) -> async_graphql::Result<(NodeType, i64)> {
    public_id::decode_any(id.as_str()).gql()
}

/// Reads a global id that must name a row of `kind`.
pub fn decode(id: &ID, kind: NodeType) -> async_graphql::Result<i64> {
    public_id::decode(id.as_str(), kind).gql()
}
