//! Dates as sources give them: a year, a month, a day or an instant, each form implying its
//! precision. One parser for every door that takes a written date.

use chrono::{DateTime, NaiveDate, Utc};
use standoff_entities::DatePrecision;

/// A parsed date with the precision its form implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDate {
    /// The start of the period (midnight UTC for a year, month or day).
    pub at: DateTime<Utc>,
    /// How precisely it is known.
    pub precision: DatePrecision,
}

/// Parses "YYYY", "YYYY-MM", "YYYY-MM-DD" or an RFC 3339 instant; the error says which forms
/// are accepted.
pub fn parse(text: &str) -> Result<KnownDate, String> {
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
        .map(|(at, precision)| KnownDate { at, precision })
        .ok_or_else(|| {
            format!(
                "{text:?} is not a date: write \"2025\", \"2025-08\", \"2025-08-30\" or an RFC 3339 instant"
            )
        })
}

/// A date as readers should see it: at its precision, and an instant in `time_zone` (an IANA
/// name; UTC when it is not one). A day, month or year is a calendar date and shown as such.
pub fn display(precision: DatePrecision, at: DateTime<Utc>, time_zone: &str) -> String {
    if precision != DatePrecision::Minute {
        return precision.display(at);
    }
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) if zone != chrono_tz::UTC => at
            .with_timezone(&zone)
            .format("%-d %b %Y, %H:%M %Z")
            .to_string(),
        _ => precision.display(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn parsing_any_date_text_never_panics(text in ".{0,40}") {
            let _ = parse(&text);
        }
    }

    #[test]
    fn date_forms_imply_their_precision() {
        let d = parse("2025").expect("year");
        assert_eq!(d.precision, DatePrecision::Year);
        assert_eq!(d.at.to_rfc3339(), "2025-01-01T00:00:00+00:00");
        let d = parse("2025-08").expect("month");
        assert_eq!(d.precision, DatePrecision::Month);
        assert_eq!(d.at.to_rfc3339(), "2025-08-01T00:00:00+00:00");
        let d = parse("2025-08-30").expect("day");
        assert_eq!(d.precision, DatePrecision::Day);
        let d = parse("2025-08-30T14:05:00-05:00").expect("instant");
        assert_eq!(d.precision, DatePrecision::Minute);
        assert_eq!(d.at.to_rfc3339(), "2025-08-30T19:05:00+00:00");
    }

    #[test]
    fn instants_show_in_the_story_time_zone_and_dates_as_dates() {
        let at = parse("2025-08-30T19:05:00Z").expect("instant").at;
        assert_eq!(
            display(DatePrecision::Minute, at, "America/Chicago"),
            "30 Aug 2025, 14:05 CDT"
        );
        assert_eq!(
            display(DatePrecision::Minute, at, "UTC"),
            "30 Aug 2025, 19:05 UTC"
        );
        let day = parse("2025-08-30").expect("day").at;
        assert_eq!(
            display(DatePrecision::Day, day, "America/Chicago"),
            "30 Aug 2025"
        );
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
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
