//! The story file's shape, and how each record becomes the core's input (checked by the
//! core's own rules before anything is written).

use crate::SeedError;
use serde::Deserialize;
use standoff_core::date::{self, KnownDate};
use standoff_core::write::actions::{NewAction, NewCitation};
use standoff_core::write::actors::{NewActor, NewSource};
use standoff_core::write::stories::NewStory;
use standoff_entities::{
    ActionKind, ActionStatus, ActorKind, Category, DatePrecision, Side, Stance,
};
use std::collections::HashSet;

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
    /// Unique, stable identifier, used in URLs (`/stories/chicago-2025`).
    pub slug: String,
    /// The story's title.
    pub title: String,
    /// A sentence on what the feud is about.
    #[serde(default, alias = "description")]
    pub summary: Option<String>,
    /// The IANA time zone its dates are shown in; UTC unless given.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Its readers' language, a BCP 47 tag; `en` unless given.
    #[serde(default = "english")]
    pub locale: String,
    /// Named spans of its timeline, for TimelineJS's eras.
    #[serde(default)]
    pub periods: Vec<PeriodRecord>,
    /// Whether its actions need a second editor's approval before they are published; left as
    /// the newsroom set it when the file does not say.
    #[serde(default)]
    pub review_required: Option<bool>,
}

/// A named span of a story's timeline, as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodRecord {
    /// What readers call it.
    pub label: String,
    /// When it ran, in EDTF ("2025-08", "2025-08-11/2025-08-30").
    pub date: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

fn english() -> String {
    "en".to_owned()
}

impl StoryInfo {
    /// The record's name in messages.
    pub(crate) fn name(&self) -> String {
        format!("story {:?}", self.slug)
    }

    /// The story as the core creates it.
    pub(crate) fn to_new(&self) -> NewStory {
        NewStory {
            slug: self.slug.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            time_zone: self.time_zone.clone(),
            locale: self.locale.clone(),
            periods: self
                .periods
                .iter()
                .map(|p| standoff_core::stories::Period {
                    label: p.label.clone(),
                    edtf: p.date.clone(),
                })
                .collect(),
            review_required: self.review_required.unwrap_or(false),
        }
    }
}

/// An actor as written in the file. A new actor needs its name, kind and side; an actor
/// already stored (shared by every story) may be named by its slug alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRecord {
    /// Unique, stable, lower-case identifier.
    pub slug: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Person, office, agency, ...
    #[serde(default)]
    pub kind: Option<ActorKind>,
    /// The level of government the actor acts for.
    #[serde(default)]
    pub side: Option<Side>,
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

/// A source as written in the file. A new source needs its title; a source already stored
/// may be named by its key alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    /// Unique, stable key that citations refer to.
    pub key: String,
    /// The document's title.
    #[serde(default)]
    pub title: Option<String>,
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
    /// How the source words the date ("by late August 2025").
    #[serde(default)]
    pub date_text: Option<String>,
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

/// Parses one of a record's dates, naming the record when it is not a date.
fn date(record: &str, text: &str) -> Result<KnownDate, SeedError> {
    date::parse(text).map_err(|m| SeedError::invalid(record, m))
}

impl ActorRecord {
    /// The record's name in messages.
    pub(crate) fn name(&self) -> String {
        format!("actor {:?}", self.slug)
    }

    /// The actor as the core creates it, checked; a record that names a stored actor only
    /// ([`Self::is_reference`]) has its texts checked all the same, with placeholders for what
    /// it leaves out.
    pub(crate) fn to_new(&self) -> Result<NewActor, SeedError> {
        NewActor {
            slug: self.slug.clone(),
            name: self.name.clone().unwrap_or_else(|| self.slug.clone()),
            kind: self.kind.unwrap_or(ActorKind::Person),
            side: self.side.unwrap_or(Side::Other),
            title: self.title.clone(),
            party: self.party.clone(),
            member_of: self.member_of.clone(),
        }
        .checked()
        .map_err(|e| SeedError::rejected(&self.name(), e))
    }

    /// Whether the record only names a stored actor: it lacks the name, kind or side a new
    /// one needs.
    pub(crate) fn is_reference(&self) -> bool {
        self.name.is_none() || self.kind.is_none() || self.side.is_none()
    }
}

impl SourceRecord {
    /// The record's name in messages.
    pub(crate) fn name(&self) -> String {
        format!("source {:?}", self.key)
    }

    /// The source as the core adds it, checked; its title is a placeholder (the key) when
    /// the record names a stored source only, which [`Self::is_reference`] tells.
    pub(crate) fn to_new(&self) -> Result<NewSource, SeedError> {
        let published_at = match &self.published_at {
            Some(text) => Some(date(&self.name(), text)?.at),
            None => None,
        };
        NewSource {
            key: Some(self.key.clone()),
            title: self.title.clone().unwrap_or_else(|| self.key.clone()),
            url: self.url.clone(),
            publisher: self.publisher.clone(),
            published_at,
        }
        .checked()
        .map_err(|e| SeedError::rejected(&self.name(), e))
    }

    /// Whether the record only names a stored source: it gives no title.
    pub(crate) fn is_reference(&self) -> bool {
        self.title.is_none()
    }
}

impl ActionRecord {
    /// The record's name in messages.
    pub(crate) fn name(&self) -> String {
        format!("action {:?}", self.key)
    }

    /// The action as the core records it (in `story`, when the file names one), still naming
    /// sources and answered actions by key.
    pub(crate) fn to_new(&self, story: Option<&str>) -> Result<NewAction<String>, SeedError> {
        let record = self.name();
        let occurred = date(&record, &self.occurred_at)?;
        let reported_at = match &self.reported_at {
            Some(text) => Some(date(&record, text)?.at),
            None => None,
        };
        Ok(NewAction {
            draft: false,
            reviewed: true,
            key: Some(self.key.clone()),
            actor: self.actor.clone(),
            targets: self.targets.clone(),
            stories: story.map(|s| vec![s.to_owned()]).unwrap_or_default(),
            kind: self.kind,
            category: self.category,
            status: self.status,
            date: match self.precision {
                Some(precision) => occurred.at_most(precision),
                None => occurred,
            },
            date_text: self.date_text.clone(),
            reported_at,
            title: self.title.clone(),
            summary: self.summary.clone(),
            quote: self.quote.clone(),
            place: self.place.clone(),
            magnitude: self.magnitude,
            intensity: self.intensity,
            intensity_reason: self.intensity_reason.clone(),
            citations: self
                .citations
                .iter()
                .map(|c| NewCitation {
                    source: c.source.clone(),
                    excerpt: c.excerpt.clone(),
                })
                .collect(),
            responds_to: self
                .responds_to
                .iter()
                .map(|r| (r.action.clone(), r.stance))
                .collect(),
        })
    }
}

impl Story {
    /// The slug of the story the file's actions belong to, when it names one.
    pub(crate) fn story_slug(&self) -> Option<&str> {
        self.story.as_ref().map(|s| s.slug.as_str())
    }

    /// Checks everything that needs no database, with the core's own checks (slugs, keys,
    /// dates, texts, intensities, citations), and that no slug or key appears twice.
    pub(crate) fn check(&self) -> Result<(), SeedError> {
        if let Some(story) = &self.story {
            story
                .to_new()
                .checked()
                .map_err(|e| SeedError::rejected(&story.name(), e))?;
        }
        let mut slugs = HashSet::new();
        for actor in &self.actors {
            let record = actor.name();
            if !slugs.insert(actor.slug.as_str()) {
                return Err(SeedError::invalid(record, "slug appears twice in the file"));
            }
            actor.to_new()?;
        }
        let mut source_keys = HashSet::new();
        for source in &self.sources {
            let record = source.name();
            if !source_keys.insert(source.key.as_str()) {
                return Err(SeedError::invalid(record, "key appears twice in the file"));
            }
            source.to_new()?;
        }
        let mut action_keys = HashSet::new();
        for action in &self.actions {
            let record = action.name();
            if !action_keys.insert(action.key.as_str()) {
                return Err(SeedError::invalid(record, "key appears twice in the file"));
            }
            action
                .to_new(self.story_slug())?
                .checked()
                .map_err(|e| SeedError::rejected(&record, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
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
    fn the_bundled_story_passes_the_cores_checks() {
        crate::parse(crate::CHICAGO_2025).expect("the Chicago story is valid");
    }

    #[test]
    fn a_bad_slug_or_key_names_its_record() {
        let story =
            crate::CHICAGO_2025.replacen("slug = \"donald-trump\"", "slug = \"Donald Trump\"", 1);
        let err = crate::parse(&story).expect_err("bad slug");
        assert!(err.to_string().contains("Donald Trump"), "{err}");
    }
}
