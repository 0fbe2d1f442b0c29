//! Oversight of a service in operation (運用・保守): the records a
//! municipality keeps about a vendor once the service runs, the contract
//! deliverables it expects, and the alert rules that hold the vendor to
//! the contract. Everything here is pure: the current time and the
//! closed-day calendar are parameters; nothing reads a clock, a file or a
//! database. The rules, their seed sources and their exact boundaries are
//! documented in `docs/oversight.md`.
//!
//! - [`records`]: the record kinds (outages, inquiries, incidents,
//!   change and termination notices, the security-plan items and their
//!   monthly status, issues and risks), their fields and checks.
//! - [`deliverables`]: the contract deliverables (納品物・提出物), their
//!   periods, default due rules and content checklists, and their status.
//! - [`settings`]: a service's SLA settings (targets, operating schedule,
//!   extra closed days, the monthly report's due day).
//! - [`alerts`]: the alert rules (incident deadlines, notice lead time,
//!   expiring registrations, missing or late deliverables, SLA misses that
//!   require an improvement plan) and the month's SLA results.
//! - [`figures`]: the vendor's own SLA figures in a monthly report and
//!   where they differ from kijun's computation.
//! - [`csv`]: importing records from CSV (UTF-8, a header row), every row
//!   checked and every problem reported with its row and column.

pub mod alerts;
pub mod csv;
pub mod deliverables;
pub mod figures;
pub mod monitoring;
pub mod records;
pub mod settings;

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use crate::calendar::CalendarError;
use crate::sla::{self, SlaError};

pub use alerts::{Alert, AlertKind, AlertSeverity, AlertStatus, Subject};
pub use deliverables::{DeliverableKind, Period};
pub use records::{RecordData, RecordKind};
pub use settings::SlaSettings;

/// A request field at fault and what to do about it (Japanese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The field's name as in the JSON body and the CSV header
    /// (`end`, `checklist.audit`, `targets.availability`).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Errors of the oversight computations (not of the input: those are
/// [`FieldError`]s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OversightError {
    #[error(transparent)]
    Sla(#[from] SlaError),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// Date arithmetic left jiff's range.
    #[error("日付の計算が扱える範囲を超えました: {0} (date out of range)")]
    DateRange(String),
}

pub(crate) fn date_range(e: jiff::Error) -> OversightError {
    OversightError::DateRange(e.to_string())
}

// ---------------------------------------------------------------------------
// Dates, months, instants

/// Parses a strict `YYYY-MM-DD` (a real calendar date).
pub fn parse_day(text: &str) -> Option<Date> {
    let d = crate::service::parse_date(text)?;
    Date::new(
        i16::try_from(d.year).ok()?,
        i8::try_from(d.month).ok()?,
        i8::try_from(d.day).ok()?,
    )
    .ok()
}

/// The end of `date` in Asia/Tokyo: 00:00 of the next day. A duty due on
/// a date is on time anywhere before this instant.
pub fn end_of_day(date: Date) -> Result<Timestamp, OversightError> {
    let next = date.tomorrow().map_err(date_range)?;
    Ok(sla::tokyo_time(next, Time::midnight())?)
}

/// `ts` truncated to whole microseconds, the precision the store keeps, so
/// a record reads back exactly as it was written.
pub fn truncate_micros(ts: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(ts.as_microsecond()).unwrap_or(ts)
}

/// Strict `YYYY-MM-DD` dates in JSON (`jiff`'s own parser would accept a
/// date-time too).
pub mod day {
    use jiff::civil::Date;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_day(&text).ok_or_else(|| {
            D::Error::custom(format!(
                "日付 `{text}` は YYYY-MM-DD で指定してください (invalid date)"
            ))
        })
    }
}

/// [`day`] for optional dates (`null` allowed).
pub mod opt_day {
    use jiff::civil::Date;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_day(&text).map(Some).ok_or_else(|| {
                D::Error::custom(format!(
                    "日付 `{text}` は YYYY-MM-DD で指定してください (invalid date)"
                ))
            }),
        }
    }
}

/// A calendar month (`YYYY-MM`), counted in Asia/Tokyo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i16,
    month: i8,
}

impl Month {
    /// `year`-`month`, for years 1900–2999.
    pub fn new(year: i16, month: i8) -> Option<Month> {
        ((1900..=2999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// Parses a strict `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    /// The month of `date`.
    pub fn of(date: Date) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The Asia/Tokyo month of `ts`.
    pub fn of_instant(ts: Timestamp) -> Month {
        Month::of(sla::tokyo_date(ts))
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn month(self) -> i8 {
        self.month
    }

    /// The 1st.
    pub fn first_day(self) -> Result<Date, OversightError> {
        Date::new(self.year, self.month, 1).map_err(date_range)
    }

    /// The last day.
    pub fn last_day(self) -> Result<Date, OversightError> {
        Ok(self.first_day()?.last_of_month())
    }

    /// The month after.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year.saturating_add(1),
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before.
    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year.saturating_sub(1),
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// 00:00 Asia/Tokyo on the 1st.
    pub fn start(self) -> Result<Timestamp, OversightError> {
        Ok(sla::tokyo_time(self.first_day()?, Time::midnight())?)
    }

    /// 00:00 Asia/Tokyo on the 1st of the next month (exclusive end).
    pub fn end(self) -> Result<Timestamp, OversightError> {
        self.next().start()
    }

    /// `2026年5月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Month, FieldError> {
        Month::parse(s).ok_or_else(|| {
            FieldError::new("month", format!("月 `{s}` は YYYY-MM で指定してください"))
        })
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let text = String::deserialize(d)?;
        Month::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "月 `{text}` は YYYY-MM で指定してください (invalid month)"
            ))
        })
    }
}

// ---------------------------------------------------------------------------
// Text checks

/// Checks a text field: at most `max` characters; `required`: not blank.
pub(crate) fn check_text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), FieldError> {
    let n = value.trim().chars().count();
    if required && n == 0 {
        return Err(FieldError::new(
            field,
            format!("{label} ({field}) を入力してください"),
        ));
    }
    if n > max {
        return Err(FieldError::new(
            field,
            format!("{label} ({field}) は {max} 文字以内で入力してください"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            format!("{label} ({field}) に制御文字は使えません"),
        ));
    }
    Ok(())
}

/// Trims a text field in place.
pub(crate) fn trim(s: &mut String) {
    let t = s.trim();
    if t.len() != s.len() {
        *s = t.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly_and_step() -> Result<(), OversightError> {
        let m = Month::parse("2026-12").ok_or(OversightError::DateRange("parse".into()))?;
        assert_eq!(m.to_string(), "2026-12");
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.next().prev(), m);
        assert_eq!(m.label(), "2026年12月");
        for bad in [
            "2026-13",
            "2026-1",
            "26-01",
            "2026/01",
            "2026-00",
            "２０２６-01",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(m.last_day()?, jiff::civil::date(2026, 12, 31));
        // 2026-12-01 00:00 JST is 2026-11-30 15:00 UTC.
        assert_eq!(m.start()?.to_string(), "2026-11-30T15:00:00Z");
        assert_eq!(
            Month::of_instant("2026-11-30T15:00:00Z".parse().map_err(date_range)?),
            m
        );
        Ok(())
    }

    #[test]
    fn days_are_strict_and_end_at_tokyo_midnight() -> Result<(), OversightError> {
        assert_eq!(
            parse_day("2024-02-29"),
            Some(jiff::civil::date(2024, 2, 29))
        );
        assert_eq!(parse_day("2023-02-29"), None);
        assert_eq!(parse_day("2026-04-01T00:00"), None);
        assert_eq!(
            end_of_day(jiff::civil::date(2026, 4, 30))?.to_string(),
            "2026-04-30T15:00:00Z"
        );
        Ok(())
    }
}
