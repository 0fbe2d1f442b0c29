//! The monthly SLA report (月次の SLA 判定): one month's availability,
//! major-failure recoveries, major failures of the fiscal year so far and
//! inquiry first answers, from one input document.
//!
//! - [`MonthlyInput::from_json`] reads and checks the JSON input of
//!   `kijun sla report` (format in `docs/sla.md` §7); every problem is a
//!   located [`LoadError`] naming the record and field
//!   (`outages[3].end: 終了が開始より前です…`).
//! - [`compute_month`] computes one [`ReportMonth`] of it into a
//!   [`MonthlySla`], whose serde form is the documented output JSON.
//!
//! Pure: the calendar and the month are parameters; nothing reads a clock.

mod input;
mod locate;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Serialize, Serializer};

use super::{
    FiscalYear, OperatingSchedule, Outage, Percent, SlaError, SlaTargets, TOKYO, availability,
    day_start, inquiry_response, recovery, time_range,
};
use crate::calendar::{CalendarError, ClosedDayCalendar, FIRST_YEAR, LAST_RULE_YEAR};
use crate::error::LoadError;

/// The name given to the input's `extra_closed_days` in the calendar.
pub const EXTRA_CLOSED_DAY_NAME: &str = "追加の閉庁日";

// ---------------------------------------------------------------------------
// Input

/// The input of one report: the contract's targets, the operating
/// schedule, extra closed days and the month's (and the fiscal year's)
/// events. Read from JSON with [`MonthlyInput::from_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyInput {
    /// The defaults of [`SlaTargets`] with the input's overrides.
    pub targets: SlaTargets,
    pub schedule: OperatingSchedule,
    /// Closed days beyond the national calendar (the tenant's by-law days).
    pub extra_closed_days: Vec<Date>,
    pub justified_stops: Vec<JustifiedStop>,
    pub outages: Vec<ReportedOutage>,
    pub inquiries: Vec<Inquiry>,
}

impl MonthlyInput {
    /// Reads and checks the JSON input (`docs/sla.md` §7). `file` names the
    /// input in the diagnostics (`file:line:column: path: message`). Every
    /// problem is reported, not only the first.
    pub fn from_json(file: &str, text: &str) -> Result<MonthlyInput, LoadError> {
        input::parse(file, text)
    }

    /// The justified stops and outages as [`Outage`]s for [`availability`].
    pub fn all_outages(&self) -> Vec<Outage> {
        let justified = self.justified_stops.iter().map(|s| Outage {
            start: s.start,
            end: s.end,
            justified: true,
            major: false,
        });
        justified
            .chain(self.outages.iter().map(ReportedOutage::outage))
            .collect()
    }
}

/// A stop with a reason the contract accepts (planned maintenance, …):
/// excluded from availability. `[start, end)`, end ≥ start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JustifiedStop {
    pub start: Timestamp,
    pub end: Timestamp,
    pub reason: String,
}

/// A stop without such a reason. `[start, end)`, end ≥ start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedOutage {
    pub start: Timestamp,
    pub end: Timestamp,
    /// 重大障害.
    pub major: bool,
    pub description: Option<String>,
}

impl ReportedOutage {
    /// As an unjustified [`Outage`].
    pub fn outage(&self) -> Outage {
        Outage {
            start: self.start,
            end: self.end,
            justified: false,
            major: self.major,
        }
    }
}

/// An inquiry and its first answer (answered ≥ asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    pub id: String,
    pub asked_at: Timestamp,
    pub first_answered_at: Timestamp,
}

// ---------------------------------------------------------------------------
// The month

/// A calendar month in Asia/Tokyo, within the years the national holidays
/// are known for ([`FIRST_YEAR`]–[`LAST_RULE_YEAR`]). Written `2026-04`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportMonth {
    year: i16,
    month: i8,
}

impl ReportMonth {
    /// A checked month.
    pub fn new(year: i16, month: i8) -> Result<ReportMonth, SlaError> {
        if (FIRST_YEAR..=LAST_RULE_YEAR).contains(&year) && (1..=12).contains(&month) {
            Ok(ReportMonth { year, month })
        } else {
            Err(SlaError::InvalidMonth(format!("{year:04}-{month:02}")))
        }
    }

    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Result<ReportMonth, SlaError> {
        let invalid = || SlaError::InvalidMonth(text.to_owned());
        let (year, month) = text.split_once('-').ok_or_else(invalid)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(invalid());
        }
        let year = year.parse().map_err(|_| invalid())?;
        let month = month.parse().map_err(|_| invalid())?;
        ReportMonth::new(year, month).map_err(|_| invalid())
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn month(self) -> i8 {
        self.month
    }

    /// The first day.
    pub fn first_day(self) -> Result<Date, SlaError> {
        Date::new(self.year, self.month, 1).map_err(time_range)
    }

    /// The last day.
    pub fn last_day(self) -> Result<Date, SlaError> {
        Ok(self.first_day()?.last_of_month())
    }

    /// The first day 00:00 Asia/Tokyo.
    pub fn start(self) -> Result<Timestamp, SlaError> {
        day_start(self.first_day()?)
    }

    /// The next month's start (exclusive end).
    pub fn end(self) -> Result<Timestamp, SlaError> {
        day_start(self.last_day()?.tomorrow().map_err(time_range)?)
    }

    /// The fiscal year (年度) the month belongs to.
    pub fn fiscal_year(self) -> FiscalYear {
        if self.month >= 4 {
            FiscalYear(self.year)
        } else {
            FiscalYear(self.year - 1)
        }
    }
}

impl fmt::Display for ReportMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for ReportMonth {
    type Err = SlaError;
    fn from_str(s: &str) -> Result<ReportMonth, SlaError> {
        ReportMonth::parse(s)
    }
}

impl Serialize for ReportMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// ---------------------------------------------------------------------------
// The result

/// One month's SLA figures. Its serde form is the output JSON of
/// `kijun sla report --format json` (`docs/sla.md` §7): percentages and
/// hours are JSON numbers with at most six decimals — availability rounded
/// toward zero, hours rounded up — so that a printed figure is never on the
/// wrong side of a target; every `met` is decided on the exact value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlySla {
    pub month: ReportMonth,
    pub availability: MonthlyAvailability,
    /// Major outages that started in the month, by start.
    pub major_failures: Vec<MajorFailureResult>,
    pub major_failures_fiscal_year: FiscalYearFailures,
    /// Inquiries asked in the month, by time asked.
    pub inquiries: Vec<InquiryResult>,
    /// Every target of the month met.
    pub met: bool,
    /// The targets applied (not in the JSON: each figure carries its own).
    #[serde(skip)]
    pub targets: SlaTargets,
}

/// The month's availability (`docs/sla.md` §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthlyAvailability {
    /// P.
    pub planned_minutes: u64,
    /// J.
    pub justified_stop_minutes: u64,
    /// D.
    pub down_minutes: u64,
    /// (P − J − D) / (P − J) × 100, exact; `null` in JSON when P − J = 0.
    #[serde(serialize_with = "percent_floor_6")]
    pub percent: Option<Percent>,
    #[serde(serialize_with = "percent_number")]
    pub target: Percent,
    /// percent ≥ target, exactly (met when nothing was promised).
    pub met: bool,
}

/// One major failure's recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MajorFailureResult {
    #[serde(serialize_with = "tokyo_rfc3339")]
    pub start: Timestamp,
    #[serde(serialize_with = "tokyo_rfc3339")]
    pub end: Timestamp,
    /// Wall-clock time from start to end.
    #[serde(rename = "recovery_hours", serialize_with = "hours_ceil_6")]
    pub recovery: SignedDuration,
    /// recovery ≤ the limit.
    pub met: bool,
    /// start + the limit: the latest on-time recovery.
    #[serde(skip)]
    pub deadline: Timestamp,
    #[serde(skip)]
    pub description: Option<String>,
}

/// Major failures of the fiscal year from its start (1 April) to the end of
/// the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FiscalYearFailures {
    pub fiscal_year: FiscalYear,
    pub count: u32,
    /// The most allowed.
    pub target: u32,
    /// count ≤ target.
    pub met: bool,
}

/// One inquiry's first answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InquiryResult {
    pub id: String,
    /// Time counted with closed days removed.
    #[serde(rename = "response_hours", serialize_with = "hours_ceil_6")]
    pub response: SignedDuration,
    /// response ≤ the limit.
    pub met: bool,
    #[serde(skip)]
    pub asked_at: Timestamp,
    #[serde(skip)]
    pub first_answered_at: Timestamp,
    /// The latest on-time answer ([`super::deadline`]).
    #[serde(skip)]
    pub deadline: Timestamp,
}

/// The month's SLA figures (`docs/sla.md` §7):
/// - availability over the month under the input's schedule, with the
///   input's justified stops and outages;
/// - the recovery of every major outage that **started** in the month;
/// - the major outages that started from the start of the month's fiscal
///   year to the end of the month (every outage of the input counts, not
///   only this month's);
/// - the first answer of every inquiry **asked** in the month.
///
/// `calendar` is the national calendar (or the tenant's); the input's
/// `extra_closed_days` are added to it for this computation.
pub fn compute_month(
    input: &MonthlyInput,
    month: ReportMonth,
    calendar: &ClosedDayCalendar,
) -> Result<MonthlySla, SlaError> {
    let mut calendar = calendar.clone();
    for &day in &input.extra_closed_days {
        match calendar.add_closed_day(day, EXTRA_CLOSED_DAY_NAME) {
            // Already one of the tenant's days: closed either way.
            Ok(()) | Err(CalendarError::DuplicateTenantDay { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let targets = input.targets;
    let (start, end) = (month.start()?, month.end()?);

    let a = availability(start, end, &input.schedule, &calendar, &input.all_outages())?;
    let availability = MonthlyAvailability {
        planned_minutes: a.planned_minutes,
        justified_stop_minutes: a.justified_minutes,
        down_minutes: a.down_minutes,
        percent: a.percent,
        target: targets.availability,
        met: a.meets(targets.availability),
    };

    let mut major_failures = Vec::new();
    for o in &input.outages {
        if o.major && start <= o.start && o.start < end {
            let check = recovery(&o.outage(), targets.max_recovery)?;
            major_failures.push(MajorFailureResult {
                start: o.start,
                end: o.end,
                recovery: check.duration,
                met: check.within_limit,
                deadline: check.deadline,
                description: o.description.clone(),
            });
        }
    }
    major_failures.sort_by_key(|m| m.start);

    let fiscal_year = month.fiscal_year();
    let fiscal_start = fiscal_year.start()?;
    let count = input
        .outages
        .iter()
        .filter(|o| o.major && fiscal_start <= o.start && o.start < end)
        .count();
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    let limit = targets.max_major_failures_per_fiscal_year;
    let major_failures_fiscal_year = FiscalYearFailures {
        fiscal_year,
        count,
        target: limit,
        met: count <= limit,
    };

    let mut inquiries = Vec::new();
    for q in &input.inquiries {
        if start <= q.asked_at && q.asked_at < end {
            let check = inquiry_response(
                q.asked_at,
                q.first_answered_at,
                targets.first_answer_limit,
                &calendar,
            )?;
            inquiries.push(InquiryResult {
                id: q.id.clone(),
                response: check.elapsed,
                met: check.within_limit,
                asked_at: q.asked_at,
                first_answered_at: q.first_answered_at,
                deadline: check.deadline,
            });
        }
    }
    inquiries.sort_by_key(|q| q.asked_at);

    let met = availability.met
        && major_failures.iter().all(|m| m.met)
        && major_failures_fiscal_year.met
        && inquiries.iter().all(|q| q.met);
    Ok(MonthlySla {
        month,
        availability,
        major_failures,
        major_failures_fiscal_year,
        inquiries,
        met,
        targets,
    })
}

// ---------------------------------------------------------------------------
// Output numbers

/// `value` × 10⁶ rounded toward zero, as the number `…/10⁶` (at most six
/// decimals; the f64 nearest to that decimal prints as it).
pub fn percent_floor_micro(value: Percent) -> f64 {
    let scaled = u128::from(value.numerator()) * 1_000_000 / u128::from(value.denominator());
    scaled as f64 / 1e6
}

/// `duration` in hours rounded **up** to six decimals (1 micro-hour =
/// 3.6 ms), so that a time over a limit never prints as the limit.
pub fn hours_ceil_micro(duration: SignedDuration) -> f64 {
    const NANOS_PER_MICRO_HOUR: i128 = 3_600_000;
    let nanos = duration.as_nanos();
    let micro_hours = -((-nanos).div_euclid(NANOS_PER_MICRO_HOUR));
    micro_hours as f64 / 1e6
}

fn percent_floor_6<S: Serializer>(value: &Option<Percent>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(p) => s.serialize_f64(percent_floor_micro(*p)),
        None => s.serialize_none(),
    }
}

fn percent_number<S: Serializer>(value: &Percent, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(value.to_f64())
}

fn hours_ceil_6<S: Serializer>(value: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(hours_ceil_micro(*value))
}

fn tokyo_rfc3339<S: Serializer>(value: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&tokyo_display(*value))
}

/// RFC 3339 with the Asia/Tokyo offset: `2026-04-14T10:00:00+09:00`.
pub fn tokyo_display(ts: Timestamp) -> impl fmt::Display {
    ts.display_with_offset(TOKYO.to_offset(ts))
}
