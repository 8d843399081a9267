//! The `DateTime` scalar: RFC 3339 instants in UTC when read; when written, any date form the
//! core accepts (EDTF: a year, month, day, instant or interval), so every date input of the
//! contract takes the dates sources give.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, SecondsFormat, Utc};
use standoff_core::date::{self, KnownDate};
use standoff_entities::DatePrecision;

/// A date: read as an RFC 3339 instant in UTC; written as "2025", "2025-08", "2025-08-30", an
/// RFC 3339 instant with offset, an interval "2025-08-11/2025-08-30" or "../2025-08" (EDTF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When(pub KnownDate, Option<DateTime<Utc>>);

#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.loc.gov/standards/datetime/"
)]
impl ScalarType for When {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => {
                let known = date::parse(text).map_err(InputValueError::custom)?;
                // The domain keeps an instant to the minute; a moment to act at (a
                // publication) keeps its seconds.
                let exact = DateTime::parse_from_rfc3339(text)
                    .ok()
                    .map(|at| at.with_timezone(&Utc));
                Ok(When(known, exact))
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.at.to_rfc3339())
    }
}

impl From<DateTime<Utc>> for When {
    fn from(at: DateTime<Utc>) -> Self {
        Self(
            KnownDate {
                at,
                until: at,
                precision: DatePrecision::Minute,
                edtf: at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            },
            Some(at),
        )
    }
}

impl When {
    /// The earliest instant the date allows.
    pub fn earliest(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The latest instant the date allows.
    pub fn latest(&self) -> DateTime<Utc> {
        self.0.until
    }

    /// The moment it names, to the second when it was given as an instant; else its earliest.
    pub fn moment(&self) -> DateTime<Utc> {
        self.1.unwrap_or(self.0.at)
    }
}
