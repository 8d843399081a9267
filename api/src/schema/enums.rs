//! The domain's vocabularies as GraphQL enums, mirrored from the entities with `remote` so the
//! two cannot drift apart silently (a missing variant fails to compile).

use async_graphql::Enum;
use standoff_core::filter::Visibility;
use standoff_entities as e;

/// The level of government an actor acts for.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::Side")]
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
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::ActorKind")]
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
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::ActionKind")]
pub enum ActionKind {
    /// Troops, agents or police sent somewhere.
    Deployment,
    /// An executive order, directive or instruction.
    Order,
    /// Something said or written publicly.
    Statement,
}

/// PLOVER event category; each has a default intensity on the -10..+10 scale.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::Category")]
pub enum Category {
    /// Verbal cooperation (+4.2).
    Agree,
    /// Verbal cooperation (+2.1).
    Consult,
    /// Verbal cooperation (+4.6).
    Support,
    /// Verbal cooperation (+5.0).
    Concede,
    /// Material cooperation (+6.8).
    Cooperate,
    /// Material cooperation (+7.4).
    Aid,
    /// Material cooperation (+7.6).
    Retreat,
    /// Verbal conflict (-5.0).
    Demand,
    /// Verbal conflict (-2.0).
    Accuse,
    /// Verbal conflict (-4.2).
    Reject,
    /// Verbal conflict (-5.1).
    Threaten,
    /// Material conflict (-6.6).
    Protest,
    /// Material conflict (-5.2).
    Sanction,
    /// Material conflict (-5.3).
    Mobilize,
    /// Material conflict (-7.2).
    Coerce,
    /// Material conflict (-9.3).
    Assault,
}

/// Whether an action is words or deeds, and how far it got.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::ActionStatus")]
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

/// How precisely `occurredAt` is known.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::DatePrecision")]
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
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::Stance")]
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

/// What a change-log entry records.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::ChangeKind")]
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
    /// A token was made (editors only).
    TokenCreated,
    /// A token was revoked (editors only).
    TokenRevoked,
}

/// What a token may do.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::Role")]
pub enum Role {
    /// Records, corrects, reviews and publishes.
    Editor,
    /// An editor who also manages stories and tokens.
    Admin,
}

/// Whether readers see an action yet.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "e::Publication")]
pub enum PublicationState {
    /// Being written; editors only.
    Draft,
    /// Waiting for a second editor.
    InReview,
    /// To be published at `publishAt`.
    Scheduled,
    /// Readers see it.
    Published,
}

/// Which way the timeline runs.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Default)]
#[graphql(remote = "standoff_core::timeline::TimeOrder")]
pub enum TimeOrder {
    /// Oldest first.
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// The width of an escalation bucket.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Default)]
#[graphql(remote = "standoff_core::escalation::Bucket")]
pub enum Bucket {
    /// Calendar days (UTC).
    #[default]
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}

/// What happened to an action, as a timeline event tells it.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ChangeType {
    /// The action was recorded.
    Recorded,
    /// The action was corrected.
    Corrected,
    /// The action was retracted.
    Retracted,
    /// The action's retraction was undone.
    Restored,
    /// The action was linked as a response to an earlier one.
    Responded,
    /// The action was published (editors' view; readers get RECORDED at that moment).
    Published,
    /// The draft was sent for review (editors only).
    Submitted,
    /// The action was approved for publication (editors only).
    Approved,
    /// The action was scheduled for publication (editors only).
    Scheduled,
    /// The action went back to being a draft (editors only).
    Unpublished,
}

impl ChangeType {
    /// The event type of a change-log kind as `visibility` is told it; `None` for changes that
    /// are not about an action. Readers learn of an action when it is published, so to them
    /// its publication is its recording.
    pub fn from_kind(kind: e::ChangeKind, visibility: Visibility) -> Option<Self> {
        match kind {
            e::ChangeKind::Published if visibility == Visibility::Public => Some(Self::Recorded),
            e::ChangeKind::Published => Some(Self::Published),
            e::ChangeKind::Submitted => Some(Self::Submitted),
            e::ChangeKind::Approved => Some(Self::Approved),
            e::ChangeKind::Scheduled => Some(Self::Scheduled),
            e::ChangeKind::Unpublished => Some(Self::Unpublished),
            e::ChangeKind::Recorded => Some(Self::Recorded),
            e::ChangeKind::Corrected => Some(Self::Corrected),
            e::ChangeKind::Retracted => Some(Self::Retracted),
            e::ChangeKind::Restored => Some(Self::Restored),
            e::ChangeKind::Responded => Some(Self::Responded),
            e::ChangeKind::ActorCreated
            | e::ChangeKind::SourceAdded
            | e::ChangeKind::ActorCorrected
            | e::ChangeKind::SourceCorrected
            | e::ChangeKind::StoryCreated
            | e::ChangeKind::StoryUpdated
            | e::ChangeKind::AddedToStory
            | e::ChangeKind::RemovedFromStory
            | e::ChangeKind::TokenCreated
            | e::ChangeKind::TokenRevoked => None,
        }
    }
}
