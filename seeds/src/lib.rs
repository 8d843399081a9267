//! Stories as data files and their loader.
//!
//! A story file (TOML) lists actors, sources and actions with their citations and responses.
//! [`parse`] checks its shape, [`load`] checks its references and writes it in one transaction.
//! Loading is idempotent: actors are found by slug, sources and actions by key, and what exists
//! is left as it is.

mod error;
mod file;
mod loader;
mod synthetic;

pub use error::SeedError;
pub use file::{ActionRecord, ActorRecord, CitationRecord, RespondsToRecord, SourceRecord, Story};
pub use loader::{LoadReport, load};
pub use synthetic::{Synthetic, SyntheticReport, generate};

/// The bundled first story: Chicago, Illinois and the Trump administration, 2025.
pub const CHICAGO_2025: &str = include_str!("../stories/chicago-2025.toml");

/// Parses a story file, naming the line and record of the first problem.
pub fn parse(text: &str) -> Result<Story, SeedError> {
    let story: Story = toml::from_str(text).map_err(|e| SeedError::Parse(e.to_string()))?;
    story.check()?;
    Ok(story)
}
