//! The fixed vocabularies of the domain, stored as their upper-case names so the SQL stays
//! readable and portable.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The level of government an actor acts for; the feud is between sides.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    /// National government and its agencies.
    Federal,
    /// A state government.
    State,
    /// A city or county.
    Local,
    /// Press, courts, civil-society groups.
    Other,
}

/// What sort of actor this is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorKind {
    /// A named individual.
    Person,
    /// An office such as the White House.
    Office,
    /// A government agency.
    Agency,
    /// An armed or police force.
    Force,
    /// A government as a whole.
    Government,
    /// Any other organised group.
    Group,
}

/// What sort of thing an action is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionKind {
    /// Troops, agents or police sent somewhere.
    Deployment,
    /// An executive order, directive or instruction.
    Order,
    /// Something said or written publicly.
    Statement,
}

/// PLOVER event category, the CAMEO successor used in political event data.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// Verbal cooperation: agree.
    Agree,
    /// Verbal cooperation: consult.
    Consult,
    /// Verbal cooperation: support.
    Support,
    /// Verbal cooperation: concede.
    Concede,
    /// Material cooperation: cooperate.
    Cooperate,
    /// Material cooperation: aid.
    Aid,
    /// Material cooperation: retreat.
    Retreat,
    /// Verbal conflict: demand.
    Demand,
    /// Verbal conflict: accuse.
    Accuse,
    /// Verbal conflict: reject.
    Reject,
    /// Verbal conflict: threaten.
    Threaten,
    /// Material conflict: protest.
    Protest,
    /// Material conflict: sanction.
    Sanction,
    /// Material conflict: mobilize.
    Mobilize,
    /// Material conflict: coerce.
    Coerce,
    /// Material conflict: assault.
    Assault,
}

impl Category {
    /// The Goldstein-style default intensity of the category, from -10 (conflict) to +10.
    pub fn default_intensity(self) -> f64 {
        match self {
            Self::Agree => 4.2,
            Self::Consult => 2.1,
            Self::Support => 4.6,
            Self::Concede => 5.0,
            Self::Cooperate => 6.8,
            Self::Aid => 7.4,
            Self::Retreat => 7.6,
            Self::Demand => -5.0,
            Self::Accuse => -2.0,
            Self::Reject => -4.2,
            Self::Threaten => -5.1,
            Self::Protest => -6.6,
            Self::Sanction => -5.2,
            Self::Mobilize => -5.3,
            Self::Coerce => -7.2,
            Self::Assault => -9.3,
        }
    }
}

/// Whether an action is words or deeds, and how far it got.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionStatus {
    /// Announced as a threat; open until carried out or withdrawn.
    Threatened,
    /// Announced as a plan.
    Planned,
    /// Reported by a source but not confirmed.
    Reported,
    /// Done.
    CarriedOut,
    /// Called off.
    Withdrawn,
}

/// How precisely `occurred_at` is known; display honours it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DatePrecision {
    /// Known to the minute.
    Minute,
    /// Known to the day.
    Day,
    /// Only the month is known; the instant is the first of the month.
    Month,
    /// Only the year is known; the instant is the first of January.
    Year,
}

/// How a response answers the action it responds to, from cooperative to conflictual.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stance {
    /// Backs it.
    Supports,
    /// Does what it asked.
    Complies,
    /// Carries out a threat or plan.
    CarriesOut,
    /// Withdraws a threat or plan.
    Withdraws,
    /// Brushes it off.
    Dismisses,
    /// Finds fault with it.
    Criticizes,
    /// Denounces it strongly.
    Condemns,
    /// Refuses to comply.
    Defies,
    /// Extends or builds on an earlier action of the same side.
    Escalates,
}

/// What a token may do.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(24))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Records and corrects the story.
    Editor,
    /// An editor who also manages the newsroom's tokens.
    Admin,
}

/// What a row of the change log records.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(24))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// An action was recorded.
    Recorded,
    /// An action was corrected.
    Corrected,
    /// An action was retracted.
    Retracted,
    /// A retracted action was restored.
    Restored,
    /// A response linked two actions.
    Responded,
    /// An actor was created.
    ActorCreated,
    /// A source was added.
    SourceAdded,
    /// A shared actor was corrected (from a story file loaded with `--correct-shared`).
    ActorCorrected,
    /// A shared source was corrected (from a story file loaded with `--correct-shared`).
    SourceCorrected,
    /// A story was created.
    StoryCreated,
    /// A story's title, summary or settings changed.
    StoryUpdated,
    /// An action was put in a story.
    AddedToStory,
    /// An action was taken out of a story.
    RemovedFromStory,
    /// A draft was sent for review.
    Submitted,
    /// An action in review was approved for publication.
    Approved,
    /// An action was scheduled for publication.
    Scheduled,
    /// An action was published: readers learn of it now.
    Published,
    /// A scheduled or reviewed action went back to being a draft.
    Unpublished,
    /// A token was made.
    TokenCreated,
    /// A token was revoked.
    TokenRevoked,
}

/// Whether readers see an action yet.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Publication {
    /// Being written; editors only.
    Draft,
    /// Waiting for a second editor.
    InReview,
    /// To be published at `publish_at`.
    Scheduled,
    /// Readers see it.
    Published,
}

impl DatePrecision {
    /// Moves an instant to the start of its minute, day, month or year, so that equal dates at
    /// one precision are equal instants and "in August" is stored as 1 August.
    pub fn truncate(self, at: DateTimeUtc) -> DateTimeUtc {
        use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Utc};
        let date = at.date_naive();
        let day = |y: i32, m: u32, d: u32| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|naive| Utc.from_utc_datetime(&naive))
                .unwrap_or(at)
        };
        match self {
            Self::Minute => at
                .with_second(0)
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(at),
            Self::Day => day(date.year(), date.month(), date.day()),
            Self::Month => day(date.year(), date.month(), 1),
            Self::Year => day(date.year(), 1, 1),
        }
    }
}

impl DatePrecision {
    /// The end (exclusive) of the minute, day, month or year that starts at `start`.
    pub fn end_of(self, start: DateTimeUtc) -> DateTimeUtc {
        use chrono::{Datelike, Duration, Months};
        match self {
            Self::Minute => start + Duration::minutes(1),
            Self::Day => start + Duration::days(1),
            Self::Month => start.checked_add_months(Months::new(1)).unwrap_or(start),
            Self::Year => start.with_year(start.year() + 1).unwrap_or(start),
        }
    }

    /// Writes an instant as a reader should see it at this precision: "30 Aug 2025, 14:05 UTC",
    /// "30 Aug 2025", "August 2025" or "2025".
    pub fn display(self, at: DateTimeUtc) -> String {
        let format = match self {
            Self::Minute => "%-d %b %Y, %H:%M UTC",
            Self::Day => "%-d %b %Y",
            Self::Month => "%B %Y",
            Self::Year => "%Y",
        };
        at.format(format).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTimeUtc {
        s.parse().expect("test instant")
    }

    #[test]
    fn truncation_moves_to_the_start_of_the_unit() {
        let t = at("2025-08-30T17:45:12.5Z");
        assert_eq!(
            DatePrecision::Minute.truncate(t),
            at("2025-08-30T17:45:00Z")
        );
        assert_eq!(DatePrecision::Day.truncate(t), at("2025-08-30T00:00:00Z"));
        assert_eq!(DatePrecision::Month.truncate(t), at("2025-08-01T00:00:00Z"));
        assert_eq!(DatePrecision::Year.truncate(t), at("2025-01-01T00:00:00Z"));
    }

    #[test]
    fn units_end_where_the_next_begins() {
        assert_eq!(
            DatePrecision::Month.end_of(at("2025-12-01T00:00:00Z")),
            at("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            DatePrecision::Day.end_of(at("2025-08-30T00:00:00Z")),
            at("2025-08-31T00:00:00Z")
        );
        assert_eq!(
            DatePrecision::Year.end_of(at("2025-01-01T00:00:00Z")),
            at("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn display_honours_the_precision() {
        let t = at("2025-08-30T14:05:00Z");
        assert_eq!(DatePrecision::Minute.display(t), "30 Aug 2025, 14:05 UTC");
        assert_eq!(DatePrecision::Day.display(t), "30 Aug 2025");
        assert_eq!(DatePrecision::Month.display(t), "August 2025");
        assert_eq!(DatePrecision::Year.display(t), "2025");
    }

    #[test]
    fn every_conflict_category_scores_below_zero() {
        use sea_orm::Iterable;
        for c in Category::iter() {
            let conflict = matches!(
                c,
                Category::Demand
                    | Category::Accuse
                    | Category::Reject
                    | Category::Threaten
                    | Category::Protest
                    | Category::Sanction
                    | Category::Mobilize
                    | Category::Coerce
                    | Category::Assault
            );
            assert_eq!(c.default_intensity() < 0.0, conflict, "{c:?}");
            assert!((-10.0..=10.0).contains(&c.default_intensity()));
        }
    }
}
