//! Input checks, one definition each, used by every write whatever its door (a mutation, a
//! story file, the synthetic archive); each failure is BAD_USER_INPUT naming the field.

use crate::{CoreError, CoreResult};
use chrono::{DateTime, Datelike, Utc};
use standoff_migration::sizes;

/// Longest headline (an action's or a source's title).
pub const MAX_SHORT: usize = 300;
/// Longest name of an actor, actor title, publisher or place: what their columns hold.
pub const MAX_NAME: usize = sizes::NAME;
/// Longest party name: what its column holds.
pub const MAX_PARTY: usize = sizes::PARTY;
/// Longest summary, quote, excerpt or note.
pub const MAX_LONG: usize = 5000;
/// Longest URL.
const MAX_URL: usize = 2000;
/// Years a date may fall in: what every backend stores and every output can write.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// A refusal that names the input field it concerns, so a form can show it beside the field.
fn bad(field: &str, message: String) -> CoreError {
    CoreError::Invalid {
        field: field.to_owned(),
        message,
    }
}

/// A required text: trimmed, not empty, not over `max` characters, and without control
/// characters other than line breaks and tabs (PostgreSQL refuses a NUL in any text).
pub fn text(field: &str, value: &str, max: usize) -> CoreResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(field, format!("{field} cannot be empty")));
    }
    if value.chars().count() > max {
        return Err(bad(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(bad(field, format!("{field} holds a control character")));
    }
    Ok(value.to_owned())
}

/// An instant within the years every backend stores (0001 to 9999).
pub fn instant(field: &str, value: DateTime<Utc>) -> CoreResult<DateTime<Utc>> {
    if YEARS.contains(&value.year()) {
        Ok(value)
    } else {
        Err(bad(
            field,
            format!("{field} must fall in the years 0001 to 9999"),
        ))
    }
}

/// An optional instant, checked like [`instant`].
pub fn optional_instant(
    field: &str,
    value: Option<DateTime<Utc>>,
) -> CoreResult<Option<DateTime<Utc>>> {
    value.map(|v| instant(field, v)).transpose()
}

/// Most items in a list a write takes (targets, citations, answered actions).
pub const MAX_LIST: usize = 50;

/// A list of `len` items, refused when it is longer than [`MAX_LIST`].
pub fn list(field: &str, len: usize) -> CoreResult<()> {
    if len > MAX_LIST {
        return Err(CoreError::LimitExceeded(format!(
            "{field} holds at most {MAX_LIST} items"
        )));
    }
    Ok(())
}

/// Whether a text is a valid slug or key, without saying why not.
pub fn is_slug(value: &str) -> bool {
    slug("slug", value).is_ok()
}

/// An optional text: absent stays absent, present is checked like [`text`].
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> CoreResult<Option<String>> {
    value.map(|v| text(field, v, max)).transpose()
}

/// A slug or key (`field` names which): lower-case letters, digits and single hyphens, 1 to
/// 100 characters.
pub fn slug(field: &str, value: &str) -> CoreResult<String> {
    let ok = !value.is_empty()
        && value.len() <= sizes::SLUG
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if ok {
        Ok(value.to_owned())
    } else {
        Err(bad(
            field,
            format!(
                "{field} {value:?} is not valid: use lower-case letters, digits and single hyphens"
            ),
        ))
    }
}

/// An intensity override: finite, within -10..10, and explained.
pub fn intensity(value: f64, reason: Option<&str>) -> CoreResult<String> {
    if !value.is_finite() || !(-10.0..=10.0).contains(&value) {
        return Err(bad(
            "intensity",
            format!("intensity {value} is outside -10..10"),
        ));
    }
    match reason {
        Some(r) => text("intensityReason", r, MAX_LONG),
        None => Err(bad(
            "intensityReason",
            "an intensity override needs an intensityReason".into(),
        )),
    }
}

/// A magnitude: a count, so not negative, and within GraphQL's 32-bit `Int`.
pub fn magnitude(value: i64) -> CoreResult<i64> {
    if value < 0 {
        return Err(bad("magnitude", "magnitude cannot be negative".into()));
    }
    if value > i64::from(i32::MAX) {
        return Err(bad(
            "magnitude",
            format!("magnitude is at most {}", i32::MAX),
        ));
    }
    Ok(value)
}

/// An http(s) URL of reasonable length.
pub fn url(value: &str) -> CoreResult<String> {
    let value = value.trim();
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= MAX_URL
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(bad("url", format!("{value:?} is not an http(s) URL")))
    }
}

/// Whether an action at `answer` can answer one at `answered`, given how precisely each is
/// known: the answer's period must not end before the answered period begins.
pub fn may_answer(answer: &crate::date::KnownDate, answered: &crate::date::KnownDate) -> bool {
    answer.until >= answered.at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_may_share_the_period_of_what_it_answers() {
        let d = |t: &str| crate::date::parse(t).expect("date");
        let order = d("2025-08-30");
        assert!(
            may_answer(&d("2025-08"), &order),
            "August may answer 30 August"
        );
        assert!(may_answer(&d("2025-08-30"), &order));
        assert!(may_answer(&d("../2025-08"), &order));
        assert!(
            !may_answer(&d("2025-08-29"), &order),
            "29 August cannot answer 30 August"
        );
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(text("title", "  x ", 10).expect("ok"), "x");
        assert!(text("title", "   ", 10).is_err());
        assert!(text("title", &"y".repeat(11), 10).is_err());
        assert!(intensity(10.5, Some("why")).is_err());
        assert!(intensity(f64::NAN, Some("why")).is_err());
        assert!(intensity(-3.0, None).is_err());
        assert!(url("javascript:alert(1)").is_err());
        assert!(slug("slug", "Bad Slug").is_err());
        assert!(text("title", "a\0b", 10).is_err(), "NUL");
        assert!(text("summary", "line\nline\tend", 20).is_ok());
        assert!(magnitude(i64::from(i32::MAX) + 1).is_err());
        let year = |y: i32| {
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
                .expect("date")
        };
        assert!(instant("at", year(1)).is_ok());
        assert!(instant("at", year(9999)).is_ok());
        assert!(instant("at", year(0)).is_err());
        assert!(instant("at", year(10000)).is_err());
        assert!(slug("slug", "jb-pritzker").is_ok());
        assert!(slug("slug", "us-armed-forces-2").is_ok());
        for bad in ["", "JB", "a--b", "-a", "a-", "a b", "a_b", "é"] {
            assert!(slug("key", bad).is_err(), "{bad:?} should be refused");
        }
    }
}
