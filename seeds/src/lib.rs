//! Stories as data files and their loader, and the synthetic archive for load tests.
//!
//! A story file (TOML) lists actors, sources and actions with their citations and responses.
//! [`parse`] checks its shape and every record with the core's own checks; [`load`] writes it
//! in one transaction through the core's writes, so a file and a mutation are checked and
//! logged by the same code. Loading again brings the database in line with the file: actors
//! are found by slug, sources and actions by key, changed actions are corrected, and what the
//! file no longer lists is left and reported.

mod error;
mod file;
mod loader;
mod synthetic;

pub use error::SeedError;
pub use file::{ActionRecord, ActorRecord, CitationRecord, RespondsToRecord, SourceRecord, Story};
pub use loader::{LoadOptions, LoadReport, SharedDifference, load, plan};
pub use synthetic::{Synthetic, SyntheticReport, generate};

use sea_orm::DatabaseConnection;

/// The bundled first story: Chicago, Illinois and the Trump administration, 2025.
pub const CHICAGO_2025: &str = include_str!("../stories/chicago-2025.toml");

/// Parses a story file, naming the line and record of the first problem.
pub fn parse(text: &str) -> Result<Story, SeedError> {
    let story: Story = toml::from_str(text).map_err(|e| SeedError::Parse(e.to_string()))?;
    story.check()?;
    Ok(story)
}

/// Loads the bundled story when the database holds no actor yet; on PostgreSQL, one instance
/// at a time, so two starting together do not both seed.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<LoadReport>, SeedError> {
    standoff_core::db::during_setup(db, async {
        if standoff_core::people::count_actors(db, None).await? > 0 {
            return Ok(None);
        }
        load(db, &parse(CHICAGO_2025)?).await.map(Some)
    })
    .await
}

#[cfg(test)]
mod tests {
    /// The loader's and the generator's sources, which must leave every write to the core.
    const SOURCES: [(&str, &str); 4] = [
        ("lib.rs", include_str!("lib.rs")),
        ("file.rs", include_str!("file.rs")),
        ("loader.rs", include_str!("loader.rs")),
        ("synthetic.rs", include_str!("synthetic.rs")),
    ];

    #[test]
    fn stories_and_the_synthetic_archive_write_only_through_the_core() {
        // Each of these would be a write, a transaction or a change-log row of its own.
        let forbidden = [
            "ActiveModel",
            "ActiveValue",
            "insert_many",
            "::insert(",
            "TransactionTrait",
            "execute_raw",
            "execute_unprepared",
            "change::",
            "fn check_text",
        ];
        for (file, text) in SOURCES {
            // The list above is this test's own text, not a write.
            let text = text.split("#[cfg(test)]").next().unwrap_or(text);
            for token in forbidden {
                assert!(
                    !text.contains(token),
                    "seeds/src/{file} uses {token}: write through standoff-core instead"
                );
            }
        }
    }
}
