//! Who is looking, which decides what a read may return.

/// Who is looking: readers see published actions only, editors everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Anyone: published actions and the changes readers may know of.
    #[default]
    Public,
    /// An editor with a valid token: drafts, reviews and schedules too.
    Newsroom,
}
