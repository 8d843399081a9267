//! The story file's shape and the checks that need no database.

use crate::SeedError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use standoff_entities::{
    ActionKind, ActionStatus, ActorKind, Category, DatePrecision, Side, Stance,
};
use std::collections::HashSet;

/// Longest title or name accepted, in characters.
const MAX_SHORT_TEXT: usize = 300;
/// Longest summary, quote or excerpt accepted, in characters.
const MAX_LONG_TEXT: usize = 5000;

/// A whole story file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    /// Optional description of the story as a whole.
    #[serde(default)]
    pub story: Option<StoryInfo>,
    /// The actors, each with a unique slug.
    #[serde(default)]
    pub actors: Vec<ActorRecord>,
    /// The sources, each with a unique key.
    #[serde(default)]
    pub sources: Vec<SourceRecord>,
    /// The actions, each with a unique key.
    #[serde(default)]
    pub actions: Vec<ActionRecord>,
}

/// The story's own title and description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryInfo {
    /// The story's title.
    pub title: String,
    /// A sentence on what the feud is about.
    #[serde(default)]
    pub description: Option<String>,
}

/// An actor as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRecord {
    /// Unique, stable, lower-case identifier.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Person, office, agency, ...
    pub kind: ActorKind,
    /// The level of government the actor acts for.
    pub side: Side,
    /// Title or office, e.g. "Mayor of Chicago".
    #[serde(default)]
    pub title: Option<String>,
    /// Political party.
    #[serde(default)]
    pub party: Option<String>,
    /// Slug of the actor this one belongs to.
    #[serde(default)]
    pub member_of: Option<String>,
}

/// A source as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    /// Unique, stable key that citations refer to.
    pub key: String,
    /// The document's title.
    pub title: String,
    /// Where it is published, when it has an address.
    #[serde(default)]
    pub url: Option<String>,
    /// Who published it.
    #[serde(default)]
    pub publisher: Option<String>,
    /// When it was published, as an RFC 3339 instant or a date.
    #[serde(default)]
    pub published_at: Option<String>,
}

/// An action as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRecord {
    /// Unique, stable key that responses refer to.
    pub key: String,
    /// Slug of the actor who acted.
    pub actor: String,
    /// Slugs of the actors it is aimed at.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Deployment, order, statement.
    pub kind: ActionKind,
    /// PLOVER category; none for context that is neither cooperation nor conflict.
    #[serde(default)]
    pub category: Option<Category>,
    /// Words or deeds; carried out unless said otherwise.
    #[serde(default = "carried_out")]
    pub status: ActionStatus,
    /// "YYYY", "YYYY-MM", "YYYY-MM-DD" or an RFC 3339 instant.
    pub occurred_at: String,
    /// Overrides the precision the form of `occurred_at` implies.
    #[serde(default)]
    pub precision: Option<DatePrecision>,
    /// When the first source reported it.
    #[serde(default)]
    pub reported_at: Option<String>,
    /// One-line headline.
    pub title: String,
    /// Our own words.
    #[serde(default)]
    pub summary: Option<String>,
    /// Only what the source quotes, verbatim.
    #[serde(default)]
    pub quote: Option<String>,
    /// Where it happened.
    #[serde(default)]
    pub place: Option<String>,
    /// A count, such as troops deployed.
    #[serde(default)]
    pub magnitude: Option<i64>,
    /// Overrides the category's default intensity; needs `intensity_reason`.
    #[serde(default)]
    pub intensity: Option<f64>,
    /// Why the intensity was overridden.
    #[serde(default)]
    pub intensity_reason: Option<String>,
    /// Where the evidence is; at least one.
    #[serde(default)]
    pub citations: Vec<CitationRecord>,
    /// Earlier actions this one answers.
    #[serde(default)]
    pub responds_to: Vec<RespondsToRecord>,
}

/// A citation of a source by key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitationRecord {
    /// Key of the source.
    pub source: String,
    /// The passage that supports the action.
    #[serde(default)]
    pub excerpt: Option<String>,
}

/// A response link to an earlier action, by key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RespondsToRecord {
    /// Key of the action answered.
    pub action: String,
    /// How it answers.
    pub stance: Stance,
}

fn carried_out() -> ActionStatus {
    ActionStatus::CarriedOut
}

/// A parsed date with the precision its form implies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FileDate {
    pub at: DateTime<Utc>,
    pub precision: DatePrecision,
}

/// Parses "YYYY", "YYYY-MM", "YYYY-MM-DD" or an RFC 3339 instant.
pub(crate) fn parse_date(text: &str) -> Result<FileDate, String> {
    let text = text.trim();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    let parsed = match text.len() {
        4 => text
            .parse::<i32>()
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
            .and_then(midnight)
            .map(|at| (at, DatePrecision::Year)),
        7 => NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
            .ok()
            .and_then(midnight)
            .map(|at| (at, DatePrecision::Month)),
        10 => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(midnight)
            .map(|at| (at, DatePrecision::Day)),
        _ => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|at| (at.with_timezone(&Utc), DatePrecision::Minute)),
    };
    parsed
        .map(|(at, precision)| FileDate { at, precision })
        .ok_or_else(|| {
            format!(
                "{text:?} is not a date: write \"2025\", \"2025-08\", \"2025-08-30\" or an RFC 3339 instant"
            )
        })
}

fn check_text(record: &str, field: &str, value: &str, max: usize) -> Result<(), SeedError> {
    if value.trim().is_empty() {
        return Err(SeedError::invalid(record, format!("{field} is empty")));
    }
    if value.chars().count() > max {
        return Err(SeedError::invalid(
            record,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(())
}

fn check_optional_text(
    record: &str,
    field: &str,
    value: Option<&String>,
    max: usize,
) -> Result<(), SeedError> {
    value.map_or(Ok(()), |v| check_text(record, field, v, max))
}

/// Slugs and keys: lower-case letters, digits and single hyphens, 1 to 100 characters.
pub(crate) fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 100
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

impl Story {
    /// Checks everything that needs no database: slugs, keys, dates, texts and intensities.
    pub(crate) fn check(&self) -> Result<(), SeedError> {
        let mut slugs = HashSet::new();
        for actor in &self.actors {
            let record = format!("actor {:?}", actor.slug);
            if !is_valid_slug(&actor.slug) {
                return Err(SeedError::invalid(
                    record,
                    "a slug is lower-case letters, digits and single hyphens",
                ));
            }
            if !slugs.insert(actor.slug.as_str()) {
                return Err(SeedError::invalid(record, "slug appears twice in the file"));
            }
            check_text(&record, "name", &actor.name, MAX_SHORT_TEXT)?;
            check_optional_text(&record, "title", actor.title.as_ref(), MAX_SHORT_TEXT)?;
            check_optional_text(&record, "party", actor.party.as_ref(), MAX_SHORT_TEXT)?;
        }
        let mut source_keys = HashSet::new();
        for source in &self.sources {
            let record = format!("source {:?}", source.key);
            if !is_valid_slug(&source.key) {
                return Err(SeedError::invalid(
                    record,
                    "a key is lower-case letters, digits and single hyphens",
                ));
            }
            if !source_keys.insert(source.key.as_str()) {
                return Err(SeedError::invalid(record, "key appears twice in the file"));
            }
            check_text(&record, "title", &source.title, MAX_SHORT_TEXT)?;
            if let Some(date) = &source.published_at {
                parse_date(date).map_err(|m| SeedError::invalid(&record, m))?;
            }
        }
        let mut action_keys = HashSet::new();
        for action in &self.actions {
            let record = format!("action {:?}", action.key);
            if !is_valid_slug(&action.key) {
                return Err(SeedError::invalid(
                    record,
                    "a key is lower-case letters, digits and single hyphens",
                ));
            }
            if !action_keys.insert(action.key.as_str()) {
                return Err(SeedError::invalid(record, "key appears twice in the file"));
            }
            check_text(&record, "title", &action.title, MAX_SHORT_TEXT)?;
            check_optional_text(&record, "summary", action.summary.as_ref(), MAX_LONG_TEXT)?;
            check_optional_text(&record, "quote", action.quote.as_ref(), MAX_LONG_TEXT)?;
            check_optional_text(&record, "place", action.place.as_ref(), MAX_SHORT_TEXT)?;
            parse_date(&action.occurred_at).map_err(|m| SeedError::invalid(&record, m))?;
            if let Some(date) = &action.reported_at {
                parse_date(date).map_err(|m| SeedError::invalid(&record, m))?;
            }
            if let Some(intensity) = action.intensity {
                if !(-10.0..=10.0).contains(&intensity) {
                    return Err(SeedError::invalid(
                        record,
                        "intensity must be within -10..10",
                    ));
                }
                if action
                    .intensity_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
                {
                    return Err(SeedError::invalid(
                        record,
                        "an intensity override needs an intensity_reason",
                    ));
                }
            }
            if action.magnitude.is_some_and(|m| m < 0) {
                return Err(SeedError::invalid(record, "magnitude cannot be negative"));
            }
            if action.citations.is_empty() {
                return Err(SeedError::invalid(
                    record,
                    "every action cites at least one source",
                ));
            }
            for citation in &action.citations {
                check_optional_text(&record, "excerpt", citation.excerpt.as_ref(), MAX_LONG_TEXT)?;
            }
            if action.responds_to.iter().any(|r| r.action == action.key) {
                return Err(SeedError::invalid(
                    record,
                    "an action cannot respond to itself",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn parsing_any_date_text_never_panics(text in ".{0,40}") {
            let _ = parse_date(&text);
        }

        #[test]
        fn parsing_any_story_text_never_panics(text in ".{0,400}") {
            let _ = crate::parse(&text);
        }

        #[test]
        fn a_damaged_story_file_is_refused_or_loaded_but_never_panics(
            cuts in proptest::collection::vec((0usize..20_000, ".{0,8}"), 1..6)
        ) {
            let mut text = crate::CHICAGO_2025.to_owned();
            for (at, insert) in cuts {
                let mut at = at % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, &insert);
            }
            let _ = crate::parse(&text);
        }
    }

    #[test]
    fn date_forms_imply_their_precision() {
        let d = parse_date("2025").expect("year");
        assert_eq!(d.precision, DatePrecision::Year);
        assert_eq!(d.at.to_rfc3339(), "2025-01-01T00:00:00+00:00");
        let d = parse_date("2025-08").expect("month");
        assert_eq!(d.precision, DatePrecision::Month);
        assert_eq!(d.at.to_rfc3339(), "2025-08-01T00:00:00+00:00");
        let d = parse_date("2025-08-30").expect("day");
        assert_eq!(d.precision, DatePrecision::Day);
        let d = parse_date("2025-08-30T14:05:00-05:00").expect("instant");
        assert_eq!(d.precision, DatePrecision::Minute);
        assert_eq!(d.at.to_rfc3339(), "2025-08-30T19:05:00+00:00");
    }

    #[test]
    fn impossible_dates_are_refused() {
        for bad in [
            "2025-13",
            "2025-02-30",
            "yesterday",
            "",
            "20x5",
            "2025-08-30T25:00:00Z",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_hyphens() {
        assert!(is_valid_slug("jb-pritzker"));
        assert!(is_valid_slug("us-armed-forces-2"));
        for bad in ["", "JB", "a--b", "-a", "a-", "a b", "a_b", "é"] {
            assert!(!is_valid_slug(bad), "{bad:?} should be refused");
        }
    }
}
