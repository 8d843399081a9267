//! Dates as sources give them, in EDTF (ISO 8601-2): a year, a month, a day, an instant, or an
//! interval between two of the first three, open at the start ("../2025-08": by the end of
//! August). One parser for every door that takes a written date, one way to show one.

use crate::words::{Lang, Phrase};
use chrono::{DateTime, Datelike, Duration, NaiveDate, SecondsFormat, Utc};
use edtf_core::{Bound, Edtf, IntervalEndpoint, Precision};
use standoff_entities::{DatePrecision, action};

/// Longest date text read; the longest real form (an interval of two days) is 21 bytes.
const MAX_TEXT: usize = 64;

/// What every refusal says about the forms accepted.
const FORMS: &str = "write \"2025\", \"2025-08\", \"2025-08-30\", an RFC 3339 instant such as \
                     \"2025-08-30T14:05:00-05:00\", an interval \"2025-08-11/2025-08-30\" or an \
                     open start \"../2025-08\"";

/// A date as known: the earliest and latest instants it allows, its precision, and its EDTF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDate {
    /// The earliest instant (midnight UTC for a year, month or day).
    pub at: DateTime<Utc>,
    /// The latest instant, inclusive (the last second of the last unit; `at` for an instant).
    pub until: DateTime<Utc>,
    /// How precisely it is known: the coarser end of an interval.
    pub precision: DatePrecision,
    /// The date in EDTF, as stored and given back.
    pub edtf: String,
}

impl KnownDate {
    /// The period of `precision` that starts at `at`: a stored legacy date, or a date made
    /// coarser.
    pub fn unit(at: DateTime<Utc>, precision: DatePrecision) -> Self {
        let at = precision.truncate(at);
        Self {
            at,
            until: last_instant(precision, at),
            precision,
            edtf: unit_text(precision, at),
        }
    }

    /// A date as stored on a row (a row from before intervals is the period of its precision).
    pub fn stored(
        at: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        precision: DatePrecision,
        edtf: Option<&str>,
    ) -> Self {
        match (until, edtf) {
            (Some(until), Some(edtf)) => Self {
                at,
                until,
                precision,
                edtf: edtf.to_owned(),
            },
            _ => Self::unit(at, precision),
        }
    }

    /// The same date known no more precisely than `precision`: an editor's coarser precision
    /// widens it to whole units; a finer one than the form allows changes nothing.
    pub fn at_most(self, precision: DatePrecision) -> Self {
        if rank(precision) <= rank(self.precision) {
            return self;
        }
        let at = precision.truncate(self.at);
        let last = precision.truncate(self.until);
        if at == last {
            return Self::unit(at, precision);
        }
        let open = self.edtf.starts_with("../");
        Self {
            at,
            until: last_instant(precision, last),
            precision,
            edtf: if open {
                format!("../{}", unit_text(precision, last))
            } else {
                format!(
                    "{}/{}",
                    unit_text(precision, at),
                    unit_text(precision, last)
                )
            },
        }
    }

    /// True when the start is open: the source gives only the latest date.
    pub fn open_start(&self) -> bool {
        self.edtf.starts_with("../")
    }

    /// True when the date is one unit of its precision (a day, a month), not a span of them.
    pub fn is_one_unit(&self) -> bool {
        !self.open_start() && self.until == last_instant(self.precision, self.at)
    }
}

/// The date of a stored action.
pub fn of(action: &action::Model) -> KnownDate {
    KnownDate::stored(
        action.occurred_at,
        action.occurred_until,
        action.precision,
        action.date_edtf.as_deref(),
    )
}

/// Coarseness, finest first.
fn rank(p: DatePrecision) -> u8 {
    match p {
        DatePrecision::Minute => 0,
        DatePrecision::Day => 1,
        DatePrecision::Month => 2,
        DatePrecision::Year => 3,
    }
}

/// The last second of the unit of `precision` that starts at `start` (an instant is its own).
fn last_instant(precision: DatePrecision, start: DateTime<Utc>) -> DateTime<Utc> {
    if precision == DatePrecision::Minute {
        return start;
    }
    precision.end_of(start) - Duration::seconds(1)
}

/// A unit as EDTF writes it: "2025", "2025-08", "2025-08-30" or an instant.
fn unit_text(precision: DatePrecision, at: DateTime<Utc>) -> String {
    match precision {
        DatePrecision::Year => at.format("%Y").to_string(),
        DatePrecision::Month => at.format("%Y-%m").to_string(),
        DatePrecision::Day => at.format("%Y-%m-%d").to_string(),
        DatePrecision::Minute => at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    }
}

fn refuse(text: &str, why: &str) -> String {
    format!("{text:?} is not a date this service records ({why}): {FORMS}")
}

/// Parses one of the accepted forms; the error names the forms expected.
pub fn parse(text: &str) -> Result<KnownDate, String> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_TEXT {
        return Err(refuse(
            text.get(..MAX_TEXT.min(text.len())).unwrap_or(""),
            "empty or too long",
        ));
    }
    // EDTF's own date-time form is RFC 3339's; chrono reads the offset into an instant, which
    // the EDTF crate leaves to its caller.
    if text.contains('T') && !text.contains('/') {
        // Minutes are the finest precision kept.
        let at = DatePrecision::Minute.truncate(
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| refuse(text, "an instant needs a time and an offset"))?
                .with_timezone(&Utc),
        );
        check_year(text, at.year())?;
        return Ok(KnownDate {
            at,
            until: at,
            precision: DatePrecision::Minute,
            edtf: unit_text(DatePrecision::Minute, at),
        });
    }
    let parsed = Edtf::parse(text).map_err(|e| refuse(text, e.message))?;
    if parsed.is_uncertain() || parsed.is_approximate() {
        return Err(refuse(
            text,
            "uncertain or approximate marks (?, ~, %) are not recorded; give the interval the source allows",
        ));
    }
    match parsed {
        Edtf::Date(date) => {
            let precision = precision_of(date.precision());
            let (at, until) = span(text, &parsed, precision)?;
            Ok(finish(text, at, until, precision, false))
        }
        Edtf::Interval(interval) => match (interval.start, interval.end) {
            (IntervalEndpoint::Date(start), IntervalEndpoint::Date(end)) => {
                let precision = coarser(
                    precision_of(start.precision()),
                    precision_of(end.precision()),
                );
                let (at, until) = span(text, &parsed, precision)?;
                Ok(finish(text, at, until, precision, false))
            }
            (IntervalEndpoint::Open, IntervalEndpoint::Date(end)) => {
                let precision = precision_of(end.precision());
                let end_only = Edtf::Date(end);
                let (at, until) = span(text, &end_only, precision)?;
                Ok(finish(text, at, until, precision, true))
            }
            _ => Err(refuse(
                text,
                "an interval needs two dates, or \"..\" before the latest one",
            )),
        },
        _ => Err(refuse(text, "not a single date or interval")),
    }
}

fn coarser(a: DatePrecision, b: DatePrecision) -> DatePrecision {
    if rank(a) >= rank(b) { a } else { b }
}

fn precision_of(p: Precision) -> DatePrecision {
    match p {
        Precision::Year => DatePrecision::Year,
        Precision::Month | Precision::Season => DatePrecision::Month,
        Precision::Day => DatePrecision::Day,
    }
}

fn check_year(text: &str, year: impl Into<i64>) -> Result<(), String> {
    if (1..=9999).contains(&year.into()) {
        Ok(())
    } else {
        Err(refuse(text, "years run from 0001 to 9999"))
    }
}

/// The first and last instants of what `value` covers, from the EDTF crate's calendar bounds.
fn span(
    text: &str,
    value: &Edtf,
    precision: DatePrecision,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let day = |bound: Bound| -> Result<DateTime<Utc>, String> {
        let Bound::Date(d) = bound else {
            return Err(refuse(text, "its bounds are not calendar dates"));
        };
        check_year(text, d.year)?;
        let year = i32::try_from(d.year).map_err(|_| refuse(text, "year out of range"))?;
        NaiveDate::from_ymd_opt(year, u32::from(d.month), u32::from(d.day))
            .and_then(|n| n.and_hms_opt(0, 0, 0))
            .map(|n| n.and_utc())
            .ok_or_else(|| refuse(text, "no such day"))
    };
    let bounds = value.bounds();
    let at = precision.truncate(day(bounds.earliest)?);
    let last_day = day(bounds.latest)?;
    let until = last_instant(precision, precision.truncate(last_day)).max(last_day);
    if until < at {
        return Err(refuse(text, "it ends before it starts"));
    }
    Ok((at, until))
}

fn finish(
    text: &str,
    at: DateTime<Utc>,
    until: DateTime<Utc>,
    precision: DatePrecision,
    open: bool,
) -> KnownDate {
    let known = KnownDate {
        at,
        until,
        precision,
        edtf: String::new(),
    };
    let edtf = if open {
        format!("../{}", unit_text(precision, precision.truncate(until)))
    } else if known.until == last_instant(precision, at) {
        unit_text(precision, at)
    } else if text.contains('/') {
        format!(
            "{}/{}",
            unit_text(precision, at),
            unit_text(precision, precision.truncate(until))
        )
    } else {
        // A season or unspecified digits ("2025-22", "202X"): kept as written, which EDTF
        // readers understand and which round-trips.
        text.to_owned()
    };
    KnownDate { edtf, ..known }
}

/// A date as readers should see it, in English: see [`display_in`].
pub fn display(date: &KnownDate, time_zone: &str) -> String {
    display_in(date, time_zone, Lang::En)
}

/// One unit of `precision` at `at` in `lang`: "30 Aug 2025", "agosto de 2025", "2025".
fn unit_words(precision: DatePrecision, at: DateTime<Utc>, lang: Lang) -> String {
    match (lang, precision) {
        (Lang::En, _) => precision.display(at),
        (_, DatePrecision::Month) => at.format_localized("%B de %Y", lang.chrono()).to_string(),
        (_, DatePrecision::Minute) => at
            .format_localized("%-d %b %Y, %H:%M UTC", lang.chrono())
            .to_string(),
        (_, DatePrecision::Day) => at.format_localized("%-d %b %Y", lang.chrono()).to_string(),
        (_, DatePrecision::Year) => at.format("%Y").to_string(),
    }
}

/// A date as readers should see it in `lang`: at its precision ("August 2025", "11-30 Aug
/// 2025", "by August 2025"), an instant in `time_zone` (an IANA name; UTC when it is not one).
pub fn display_in(date: &KnownDate, time_zone: &str, lang: Lang) -> String {
    let p = date.precision;
    let unit = |at| unit_words(p, at, lang);
    if p == DatePrecision::Minute {
        return match time_zone.parse::<chrono_tz::Tz>() {
            Ok(zone) if zone != chrono_tz::UTC => date
                .at
                .with_timezone(&zone)
                .format_localized("%-d %b %Y, %H:%M %Z", lang.chrono())
                .to_string(),
            _ => unit(date.at),
        };
    }
    let last = p.truncate(date.until);
    if date.open_start() {
        return lang.fill(Phrase::By, &[("date", &unit(last))]);
    }
    if date.is_one_unit() {
        return unit(date.at);
    }
    let same_year = date.at.year() == last.year();
    match p {
        DatePrecision::Day if same_year && date.at.month() == last.month() => {
            format!("{}\u{2013}{}", date.at.format("%-d"), unit(last))
        }
        DatePrecision::Day if same_year => format!(
            "{} \u{2013} {}",
            date.at.format_localized("%-d %b", lang.chrono()),
            unit(last)
        ),
        DatePrecision::Month if same_year => format!(
            "{} \u{2013} {}",
            date.at.format_localized("%B", lang.chrono()),
            unit(last)
        ),
        _ => format!("{} \u{2013} {}", unit(date.at), unit(last)),
    }
}

/// How precisely a date is known, coded as ACLED codes `time_precision`: 1 when it is one day
/// (or an instant), 2 when it spans at most a week, 3 when it is known only to a month or
/// longer (ACLED's coarsest code, so a year is 3 as well).
pub fn acled_time_precision(date: &KnownDate) -> u8 {
    let days = (date.until - date.at).num_days();
    if date.precision == DatePrecision::Minute || (date.precision == DatePrecision::Day && days < 1)
    {
        1
    } else if date.precision == DatePrecision::Day && days < 7 {
        2
    } else {
        3
    }
}

/// The calendar day of an instant in `time_zone` (UTC when it is not an IANA name), in `lang`:
/// when an editor corrected or retracted something, as readers of the story see it.
pub fn day_in(at: DateTime<Utc>, time_zone: &str, lang: Lang) -> String {
    let local = match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).date_naive(),
        Err(_) => at.date_naive(),
    };
    local
        .format_localized("%-d %b %Y", lang.chrono())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acled_codes_a_day_a_week_and_anything_longer() {
        let code = |text: &str| acled_time_precision(&parse(text).expect(text));
        assert_eq!(code("2025-08-30T14:05:00-05:00"), 1);
        assert_eq!(code("2025-08-30"), 1);
        assert_eq!(code("2025-08-11/2025-08-13"), 2);
        assert_eq!(code("2025-08-11/2025-08-17"), 2, "seven days");
        assert_eq!(code("2025-08-11/2025-08-18"), 3, "eight days");
        assert_eq!(code("2025-08"), 3);
        assert_eq!(code("../2025-08"), 3);
        assert_eq!(code("2025"), 3);
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_date_text_never_panics(text in ".{0,40}") {
            let _ = parse(&text);
        }

        #[test]
        fn every_parsed_date_round_trips_through_its_edtf(
            y in 1i32..9999, m in 1u32..13, d in 1u32..29, len in 0i64..400, form in 0u8..4
        ) {
            let start = NaiveDate::from_ymd_opt(y, m, d).expect("day");
            let end = start + Duration::days(len);
            let text = match form {
                0 => start.format("%Y-%m-%d").to_string(),
                1 => format!("{}/{}", start.format("%Y-%m-%d"), end.format("%Y-%m-%d")),
                2 => format!("../{}", end.format("%Y-%m")),
                _ => format!("{}/{}", start.format("%Y-%m"), end.format("%Y-%m-%d")),
            };
            if let Ok(date) = parse(&text) {
                proptest::prop_assert_eq!(parse(&date.edtf).expect("own EDTF parses"), date.clone());
                proptest::prop_assert!(date.at <= date.until);
            }
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn date_forms_imply_their_precision_and_span() {
        let d = parse("2025").expect("year");
        assert_eq!(d.precision, DatePrecision::Year);
        assert_eq!(d.at, at("2025-01-01T00:00:00Z"));
        assert_eq!(d.until, at("2025-12-31T23:59:59Z"));
        let d = parse("2025-08").expect("month");
        assert_eq!(d.precision, DatePrecision::Month);
        assert_eq!(d.until, at("2025-08-31T23:59:59Z"));
        assert_eq!(d.edtf, "2025-08");
        let d = parse("2025-08-30").expect("day");
        assert_eq!(d.precision, DatePrecision::Day);
        let d = parse("2025-08-30T14:05:00-05:00").expect("instant");
        assert_eq!(d.precision, DatePrecision::Minute);
        assert_eq!(d.at, at("2025-08-30T19:05:00Z"));
        assert_eq!(d.until, d.at);
    }

    #[test]
    fn intervals_keep_both_ends_and_an_open_start_only_the_latest() {
        let d = parse("2025-08-11/2025-08-30").expect("interval");
        assert_eq!(
            (d.at, d.until, d.precision),
            (
                at("2025-08-11T00:00:00Z"),
                at("2025-08-30T23:59:59Z"),
                DatePrecision::Day
            )
        );
        assert_eq!(d.edtf, "2025-08-11/2025-08-30");
        let d = parse("../2025-08").expect("open start");
        assert!(d.open_start());
        assert_eq!(d.until, at("2025-08-31T23:59:59Z"));
        assert_eq!(d.edtf, "../2025-08");
        let d = parse("2025-07/2025-08-15").expect("mixed");
        assert_eq!(d.precision, DatePrecision::Month);
        assert_eq!(d.until, at("2025-08-31T23:59:59Z"));
    }

    #[test]
    fn a_coarser_precision_widens_to_whole_units() {
        let d = parse("2025-08-30")
            .expect("day")
            .at_most(DatePrecision::Month);
        assert_eq!(d.edtf, "2025-08");
        let d = parse("2025-08-30T14:05:00Z")
            .expect("instant")
            .at_most(DatePrecision::Day);
        assert_eq!(
            (d.edtf.as_str(), d.precision),
            ("2025-08-30", DatePrecision::Day)
        );
        let d = parse("2025-08").expect("month").at_most(DatePrecision::Day);
        assert_eq!(
            d.precision,
            DatePrecision::Month,
            "never finer than the source"
        );
    }

    #[test]
    fn dates_show_as_exactly_as_they_are_known() {
        let shown = |t: &str| display(&parse(t).expect("date"), "America/Chicago");
        assert_eq!(shown("2025-08-30T19:05:00Z"), "30 Aug 2025, 14:05 CDT");
        assert_eq!(shown("2025-08-30"), "30 Aug 2025");
        assert_eq!(shown("2025-08"), "August 2025");
        assert_eq!(shown("2025-08-11/2025-08-30"), "11\u{2013}30 Aug 2025");
        assert_eq!(shown("2025-07/2025-08"), "July \u{2013} August 2025");
        assert_eq!(shown("../2025-08"), "by August 2025");
        assert_eq!(
            display(&parse("2025-08-30T19:05:00Z").expect("instant"), "UTC"),
            "30 Aug 2025, 19:05 UTC"
        );
    }

    #[test]
    fn impossible_and_unrecorded_dates_are_refused_naming_the_forms() {
        for bad in [
            "2025-13",
            "2025-02-30",
            "yesterday",
            "",
            "20x5",
            "2025-08-30T25:00:00Z",
            "2025-08-30T14:05:00",
            "2025?",
            "2025-08~",
            "0000",
            "Y12345",
            "2025-08/..",
            "2025-08-30/2025-08-01",
            "{2024,2025}",
        ] {
            let error = parse(bad).expect_err(bad);
            assert!(error.contains("\"2025-08-30\""), "{bad:?}: {error}");
        }
    }
}
