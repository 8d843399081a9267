//! The longest text each bounded column holds, in characters. The core's input checks use
//! these, so anything that passes them fits the column on every backend.

/// Slugs and importer keys.
pub const SLUG: usize = 100;
/// Names and titles of actors, source publishers, places.
pub const NAME: usize = 200;
/// Political parties.
pub const PARTY: usize = 100;
/// Authors in the change log (token names).
pub const AUTHOR: usize = 100;
/// IANA time zone names (`America/Argentina/ComodRivadavia` is the longest, at 32).
pub const TIME_ZONE: usize = 64;
/// BCP 47 language tags such as `en-US` or `es-419`.
pub const LOCALE: usize = 35;
/// A date in EDTF: the longest accepted form, an interval of two days, is 21.
pub const EDTF: usize = 32;
/// How a source words a date ("by late August 2025").
pub const DATE_TEXT: usize = 200;
/// Periods of one story.
pub const PERIODS: usize = 50;
