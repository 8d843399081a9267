//! Input checks, one definition each, used by every write whatever its door (a mutation, a
//! story file, the synthetic archive); each failure is BAD_USER_INPUT naming the field.

use crate::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use standoff_entities::DatePrecision;

/// Longest title, name or place.
pub const MAX_SHORT: usize = 300;
/// Longest summary, quote, excerpt or note.
pub const MAX_LONG: usize = 5000;

fn bad(message: String) -> CoreError {
    CoreError::BadInput(message)
}

/// A required text: trimmed, not empty, not over `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> CoreResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(format!("{field} cannot be empty")));
    }
    if value.chars().count() > max {
        return Err(bad(format!("{field} is longer than {max} characters")));
    }
    Ok(value.to_owned())
}

/// An optional text: absent stays absent, present is checked like [`text`].
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> CoreResult<Option<String>> {
    value.map(|v| text(field, v, max)).transpose()
}

/// A slug or key (`field` names which): lower-case letters, digits and single hyphens, 1 to
/// 100 characters.
pub fn slug(field: &str, value: &str) -> CoreResult<String> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if ok {
        Ok(value.to_owned())
    } else {
        Err(bad(format!(
            "{field} {value:?} is not valid: use lower-case letters, digits and single hyphens"
        )))
    }
}

/// An intensity override: finite, within -10..10, and explained.
pub fn intensity(value: f64, reason: Option<&str>) -> CoreResult<String> {
    if !value.is_finite() || !(-10.0..=10.0).contains(&value) {
        return Err(bad(format!("intensity {value} is outside -10..10")));
    }
    match reason {
        Some(r) => text("intensityReason", r, MAX_LONG),
        None => Err(bad("an intensity override needs an intensityReason".into())),
    }
}

/// A magnitude: a count, so not negative.
pub fn magnitude(value: i64) -> CoreResult<i64> {
    if value < 0 {
        return Err(bad("magnitude cannot be negative".into()));
    }
    Ok(value)
}

/// An http(s) URL of reasonable length.
pub fn url(value: &str) -> CoreResult<String> {
    let value = value.trim();
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= 2000
        && !value.chars().any(char::is_whitespace);
    if ok {
        Ok(value.to_owned())
    } else {
        Err(bad(format!("{value:?} is not an http(s) URL")))
    }
}

/// Whether an action at `answer` can answer one at `answered`, given how precisely each is
/// known: the answer's period must not end before the answered period begins.
pub fn may_answer(
    answer: (DateTime<Utc>, DatePrecision),
    answered: (DateTime<Utc>, DatePrecision),
) -> bool {
    answer.1.end_of(answer.0) > answered.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn an_answer_may_share_the_period_of_what_it_answers() {
        let order = (at("2025-08-30T00:00:00Z"), DatePrecision::Day);
        let same_month = (at("2025-08-01T00:00:00Z"), DatePrecision::Month);
        let day_before = (at("2025-08-29T00:00:00Z"), DatePrecision::Day);
        let same_day = (at("2025-08-30T00:00:00Z"), DatePrecision::Day);
        assert!(may_answer(same_month, order), "August may answer 30 August");
        assert!(may_answer(same_day, order));
        assert!(
            !may_answer(day_before, order),
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
        assert!(slug("slug", "jb-pritzker").is_ok());
        assert!(slug("slug", "us-armed-forces-2").is_ok());
        for bad in ["", "JB", "a--b", "-a", "a-", "a b", "a_b", "é"] {
            assert!(slug("key", bad).is_err(), "{bad:?} should be refused");
        }
    }
}
