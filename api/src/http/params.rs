//! The timeline filter as URL parameters, for the pages and exports that take it: the same
//! fields as `TimelineFilter`, lists comma-separated or repeated (`sides=FEDERAL,LOCAL`).

use serde::de::DeserializeOwned;
use standoff_core::date::{self, KnownDate};
use standoff_core::escalation::Bucket;
use standoff_core::filter::ActionFilter;
use standoff_core::timeline::TimeOrder;
use standoff_core::words::Lang;
use standoff_core::{CoreError, CoreResult};

/// What a page or export was asked for.
#[derive(Debug, Default)]
pub struct TimelineParams {
    /// The filter.
    pub filter: ActionFilter,
    /// The order (`order=desc`).
    pub order: TimeOrder,
    /// The bucket of a chart (`bucket=week`); without one, the chart picks one for its span.
    pub bucket: Option<Bucket>,
    /// At most this many actions (`limit=`), when the caller gives one.
    pub limit: Option<u64>,
    /// Only actions changed since then, retracted ones included (`updatedSince=`, exports).
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// The language of reader-facing text (`lang=es`), when asked for.
    pub lang: Option<Lang>,
}

fn bad(message: String) -> CoreError {
    CoreError::BadInput(message)
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty())
}

/// An enum value by its GraphQL name, in any case.
fn name<T: DeserializeOwned>(param: &str, value: &str) -> CoreResult<T> {
    serde_json::from_value(serde_json::Value::String(value.to_uppercase()))
        .map_err(|_| bad(format!("{value:?} is not a valid value of {param}")))
}

fn flag(param: &str, value: &str) -> CoreResult<bool> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(bad(format!("{param} is true or false, not {value:?}"))),
    }
}

/// A date in any form the API takes (EDTF); `from` uses its earliest instant, `to` its latest.
fn known(param: &str, value: &str) -> CoreResult<KnownDate> {
    date::parse(value).map_err(|why| bad(format!("{param}: {why}")))
}

impl TimelineParams {
    /// Reads the parameters; an unknown name or a bad value is BAD_USER_INPUT.
    pub fn parse(pairs: &[(String, String)]) -> CoreResult<Self> {
        let mut p = Self::default();
        for (key, value) in pairs {
            let f = &mut p.filter;
            match key.as_str() {
                "actors" => f.actors.extend(list(value).map(str::to_owned)),
                "stories" => f.stories.extend(list(value).map(str::to_owned)),
                "involving" => f.involving = flag(key, value)?,
                "sides" => {
                    for v in list(value) {
                        f.sides.push(name(key, v)?);
                    }
                }
                "kinds" => {
                    for v in list(value) {
                        f.kinds.push(name(key, v)?);
                    }
                }
                "categories" => {
                    for v in list(value) {
                        f.categories.push(name(key, v)?);
                    }
                }
                "statuses" => {
                    for v in list(value) {
                        f.statuses.push(name(key, v)?);
                    }
                }
                "from" => f.from = Some(known(key, value)?.at),
                "to" => f.to = Some(known(key, value)?.until),
                "text" => f.text = Some(value.clone()),
                // To the instant a client last saw (an `updated_at` it was given), or any date.
                "updatedSince" => {
                    p.updated_since = Some(match chrono::DateTime::parse_from_rfc3339(value) {
                        Ok(at) => at.with_timezone(&chrono::Utc),
                        Err(_) => known(key, value)?.at,
                    })
                }
                "includeRetracted" => f.include_retracted = flag(key, value)?,
                "order" => {
                    p.order = match value.to_lowercase().as_str() {
                        "asc" => TimeOrder::Asc,
                        "desc" => TimeOrder::Desc,
                        _ => return Err(bad(format!("order is asc or desc, not {value:?}"))),
                    }
                }
                "bucket" => {
                    p.bucket = Some(match value.to_lowercase().as_str() {
                        "day" => Bucket::Day,
                        "week" => Bucket::Week,
                        "month" => Bucket::Month,
                        "year" => Bucket::Year,
                        _ => {
                            return Err(bad(format!(
                                "bucket is day, week, month or year, not {value:?}"
                            )));
                        }
                    })
                }
                "lang" => {
                    p.lang = Some(
                        Lang::from_tag(value)
                            .ok_or_else(|| bad(format!("lang is en or es, not {value:?}")))?,
                    )
                }
                "limit" => {
                    p.limit = Some(
                        value
                            .parse()
                            .map_err(|_| bad(format!("limit is a number, not {value:?}")))?,
                    )
                }
                other => return Err(bad(format!("unknown parameter {other:?}"))),
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn lists_may_be_comma_separated_or_repeated() {
        let p = TimelineParams::parse(&pairs(&[
            ("sides", "federal,LOCAL"),
            ("sides", "STATE"),
            ("actors", "jb-pritzker"),
            ("from", "2025-08-01"),
            ("order", "desc"),
        ]))
        .expect("parses");
        assert_eq!(p.filter.sides.len(), 3);
        assert_eq!(p.filter.actors, vec!["jb-pritzker"]);
        assert_eq!(p.order, TimeOrder::Desc);
        assert!(p.filter.from.is_some());
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_parameters_never_panics(
            pairs in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "actors", "stories", "involving", "sides", "kinds", "categories", "statuses", "from",
                    "to", "text", "includeRetracted", "order", "bucket", "limit", "updatedSince", "lang", "other",
                ]), ".{0,40}"),
                0..8,
            )
        ) {
            let pairs: Vec<(String, String)> =
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let _ = TimelineParams::parse(&pairs);
        }
    }

    #[test]
    fn unknown_parameters_and_bad_values_are_refused() {
        for bad in [
            ("sides", "MARTIAN"),
            ("from", "yesterday"),
            ("order", "sideways"),
            ("limit", "many"),
            ("colour", "red"),
            ("lang", "fr"),
        ] {
            assert!(TimelineParams::parse(&pairs(&[bad])).is_err(), "{bad:?}");
        }
    }
}
