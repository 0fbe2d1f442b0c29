//! SLA arithmetic for the municipal oversight of an external service: the
//! availability of a period (exact, in whole minutes), major-failure
//! recovery times, inquiry first-answer times with closed days removed and
//! their deadlines, and major failures per fiscal year (年度). The
//! definitions, with worked examples, are in `docs/sla.md`.
//!
//! Times are [`Timestamp`]s; days and minutes are counted in Asia/Tokyo.
//! The current time is always a parameter; nothing reads a clock.
//!
//! - [`report`]: the monthly report — the JSON input of `kijun sla report`
//!   read and checked ([`report::MonthlyInput::from_json`]) and one month
//!   computed from it ([`report::compute_month`]).
//! - [`samples`]: availability from per-minute probe samples.

pub mod report;
pub mod samples;

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::{self, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, ClosedDayCalendar, FIRST_YEAR, LAST_RULE_YEAR};

/// Everything that can go wrong in [`sla`](self).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaError {
    /// A period whose end is before its start.
    #[error("集計期間の終了 {end} が開始 {start} より前です (period ends before it starts)")]
    InvalidPeriod { start: Timestamp, end: Timestamp },
    /// An outage whose end is before its start.
    #[error("停止の終了 {end} が開始 {start} より前です (outage ends before it starts)")]
    InvalidOutage { start: Timestamp, end: Timestamp },
    /// A service window that is empty, reversed or not in whole minutes.
    #[error(
        "{weekday}の提供時間帯 {start}〜{end} が不正です。分単位で開始 < 終了にしてください（終了 00:00 は 24:00） (invalid service window)",
        weekday = weekday_ja(*weekday)
    )]
    InvalidWindow {
        weekday: Weekday,
        start: Time,
        end: Time,
    },
    /// An inquiry answered before it was asked.
    #[error("回答時刻 {answered} が受付時刻 {asked} より前です (answered before asked)")]
    AnsweredBeforeAsked {
        asked: Timestamp,
        answered: Timestamp,
    },
    /// A negative time limit.
    #[error("上限時間 {0:#} が負です (negative limit)")]
    NegativeLimit(SignedDuration),
    /// A percentage that is not a non-negative decimal or has a zero
    /// denominator.
    #[error(
        "百分率 `{0}` を解釈できません。`99.8` のように 0 以上の数で書いてください (invalid percentage)"
    )]
    InvalidPercent(String),
    /// A report month that is not `YYYY-MM`, or outside the years the
    /// national holidays are known for.
    #[error(
        "集計月 `{0}` を使えません。YYYY-MM の形式（例: 2026-04）で、{FIRST_YEAR}-01〜{LAST_RULE_YEAR}-12 の範囲にしてください (invalid month)"
    )]
    InvalidMonth(String),
    /// The closed-day calendar failed.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// Time arithmetic left jiff's range (year −9999 to 9999).
    #[error("時刻が扱える範囲を超えました: {0} (time out of range)")]
    TimeRange(String),
}

fn time_range(e: jiff::Error) -> SlaError {
    SlaError::TimeRange(e.to_string())
}

/// Asia/Tokyo from the bundled time zone database; a fixed UTC+09:00 (the
/// same zone since 1951) should the lookup ever fail.
static TOKYO: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get("Asia/Tokyo").unwrap_or_else(|_| TimeZone::fixed(tz::offset(9)))
});

/// The Asia/Tokyo date of `ts`.
pub fn tokyo_date(ts: Timestamp) -> Date {
    TOKYO.to_datetime(ts).date()
}

/// The instant of `time` on `date` in Asia/Tokyo.
pub fn tokyo_time(date: Date, time: Time) -> Result<Timestamp, SlaError> {
    TOKYO
        .to_timestamp(date.to_datetime(time))
        .map_err(time_range)
}

fn day_start(date: Date) -> Result<Timestamp, SlaError> {
    tokyo_time(date, Time::midnight())
}

fn next_day(date: Date) -> Result<Date, SlaError> {
    date.tomorrow().map_err(time_range)
}

// ---------------------------------------------------------------------------
// Percentages

/// An exact non-negative percentage `numerator / denominator` %, always
/// reduced, so equal values have equal fields. Ordered by value.
/// Serialised as `{"numerator":499,"denominator":5}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPercent", into = "RawPercent")]
pub struct Percent {
    numerator: u64,
    denominator: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPercent {
    numerator: u64,
    denominator: u64,
}

impl TryFrom<RawPercent> for Percent {
    type Error = SlaError;
    fn try_from(raw: RawPercent) -> Result<Percent, SlaError> {
        Percent::new(raw.numerator, raw.denominator)
    }
}

impl From<Percent> for RawPercent {
    fn from(p: Percent) -> RawPercent {
        RawPercent {
            numerator: p.numerator,
            denominator: p.denominator,
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Percent {
    /// 100 %.
    pub const HUNDRED: Percent = Percent {
        numerator: 100,
        denominator: 1,
    };

    /// `numerator / denominator` %, reduced. A zero denominator is an error.
    pub fn new(numerator: u64, denominator: u64) -> Result<Percent, SlaError> {
        if denominator == 0 {
            return Err(SlaError::InvalidPercent(format!("{numerator}/0")));
        }
        let g = gcd(numerator, denominator);
        Ok(Percent {
            numerator: numerator / g,
            denominator: denominator / g,
        })
    }

    /// Parses a decimal such as `99.8`, `99.95 %` or `100`, exactly.
    pub fn parse(text: &str) -> Result<Percent, SlaError> {
        let invalid = || SlaError::InvalidPercent(text.to_owned());
        let number = text.trim();
        let number = number.strip_suffix('%').unwrap_or(number).trim_end();
        let (whole, fraction) = match number.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (number, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !fraction.is_none_or(digits) {
            return Err(invalid());
        }
        let fraction = fraction.unwrap_or("");
        let scale = u32::try_from(fraction.len()).map_err(|_| invalid())?;
        let denominator = 10u64.checked_pow(scale).ok_or_else(invalid)?;
        let numerator = format!("{whole}{fraction}")
            .parse::<u64>()
            .map_err(|_| invalid())?;
        Percent::new(numerator, denominator)
    }

    /// The reduced numerator.
    pub fn numerator(self) -> u64 {
        self.numerator
    }

    /// The reduced denominator (never 0).
    pub fn denominator(self) -> u64 {
        self.denominator
    }

    /// Whether this value is at least `target`, compared exactly (unrounded).
    pub fn meets(self, target: Percent) -> bool {
        self >= target
    }

    /// The value with `decimals` digits after the point, **rounded toward
    /// zero**, so a value below a target never displays as the target
    /// (99.7978 → `99.79`, not `99.80`). No `%` sign.
    pub fn display(self, decimals: u8) -> String {
        let whole = self.numerator / self.denominator;
        let mut rest = u128::from(self.numerator % self.denominator);
        let denominator = u128::from(self.denominator);
        let mut text = whole.to_string();
        if decimals > 0 {
            text.push('.');
            for _ in 0..decimals {
                rest *= 10;
                let digit = rest / denominator;
                rest %= denominator;
                text.push(char::from(b'0' + u8::try_from(digit).unwrap_or(9)));
            }
        }
        text
    }

    /// The value as a float, for charts only (lossy).
    pub fn to_f64(self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }
}

impl Ord for Percent {
    fn cmp(&self, other: &Percent) -> Ordering {
        let left = u128::from(self.numerator) * u128::from(other.denominator);
        let right = u128::from(other.numerator) * u128::from(self.denominator);
        left.cmp(&right)
    }
}

impl PartialOrd for Percent {
    fn partial_cmp(&self, other: &Percent) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Percent {
    /// Three decimals, rounded toward zero, with `%` (`99.798%`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.display(3))
    }
}

impl std::str::FromStr for Percent {
    type Err = SlaError;
    fn from_str(s: &str) -> Result<Percent, SlaError> {
        Percent::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Targets, outages, schedules

/// The contract's SLA levels. The default is the prefecture's contract
/// annex: availability ≥ 99.8 %, recovery from a major failure ≤ 6 h, first
/// answer to an inquiry ≤ 48 h excluding closed days, ≤ 3 major failures a
/// fiscal year. Durations are ISO 8601 in JSON (`"PT6H"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaTargets {
    pub availability: Percent,
    pub max_recovery: SignedDuration,
    pub first_answer_limit: SignedDuration,
    pub max_major_failures_per_fiscal_year: u32,
}

impl Default for SlaTargets {
    fn default() -> Self {
        SlaTargets {
            // 99.8 = 499/5, reduced.
            availability: Percent {
                numerator: 499,
                denominator: 5,
            },
            max_recovery: SignedDuration::from_hours(6),
            first_answer_limit: SignedDuration::from_hours(48),
            max_major_failures_per_fiscal_year: 3,
        }
    }
}

/// A stop of the service, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    pub start: Timestamp,
    pub end: Timestamp,
    /// 正当な理由のある停止: planned maintenance or a stop the contract
    /// excuses. Excluded from availability.
    #[serde(default)]
    pub justified: bool,
    /// 重大障害: checked for recovery time and counted per fiscal year.
    #[serde(default)]
    pub major: bool,
}

impl Outage {
    /// Wall-clock length.
    pub fn duration(&self) -> SignedDuration {
        self.end.duration_since(self.start)
    }

    fn check(&self) -> Result<(), SlaError> {
        if self.end < self.start {
            return Err(SlaError::InvalidOutage {
                start: self.start,
                end: self.end,
            });
        }
        Ok(())
    }
}

/// When the service is promised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OperatingSchedule {
    /// 24 hours a day, every day, closed days included.
    Always,
    /// Time windows per weekday (Asia/Tokyo). Several windows on one
    /// weekday are allowed and merged where they overlap.
    Weekly {
        windows: Vec<ServiceWindow>,
        /// Promise nothing on closed days (holidays, year-end, tenant days).
        skip_closed_days: bool,
    },
}

impl OperatingSchedule {
    /// `start`–`end` Monday to Friday, skipping closed days (開庁日の業務時間).
    pub fn open_days(start: Time, end: Time) -> Result<OperatingSchedule, SlaError> {
        let windows = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ]
        .into_iter()
        .map(|weekday| ServiceWindow::new(weekday, start, end))
        .collect::<Result<Vec<_>, _>>()?;
        Ok(OperatingSchedule::Weekly {
            windows,
            skip_closed_days: true,
        })
    }
}

/// `start`–`end` on every `weekday`, in whole minutes; an `end` of `00:00`
/// means 24:00. A window over midnight is written as two windows.
/// JSON: `{"weekday":"monday","start":"09:00:00","end":"17:00:00"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceWindow {
    #[serde(with = "weekday_name")]
    pub weekday: Weekday,
    pub start: Time,
    pub end: Time,
}

impl ServiceWindow {
    /// A checked window.
    pub fn new(weekday: Weekday, start: Time, end: Time) -> Result<ServiceWindow, SlaError> {
        let window = ServiceWindow {
            weekday,
            start,
            end,
        };
        window.check()?;
        Ok(window)
    }

    fn check(&self) -> Result<(), SlaError> {
        let whole = |t: Time| t.second() == 0 && t.subsec_nanosecond() == 0;
        let ordered = self.end == Time::midnight() || self.start < self.end;
        if whole(self.start) && whole(self.end) && ordered {
            Ok(())
        } else {
            Err(SlaError::InvalidWindow {
                weekday: self.weekday,
                start: self.start,
                end: self.end,
            })
        }
    }
}

fn weekday_ja(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "月曜日",
        Weekday::Tuesday => "火曜日",
        Weekday::Wednesday => "水曜日",
        Weekday::Thursday => "木曜日",
        Weekday::Friday => "金曜日",
        Weekday::Saturday => "土曜日",
        Weekday::Sunday => "日曜日",
    }
}

/// Weekdays as lowercase English names in JSON.
mod weekday_name {
    use jiff::civil::Weekday;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    const NAMES: [(Weekday, &str); 7] = [
        (Weekday::Monday, "monday"),
        (Weekday::Tuesday, "tuesday"),
        (Weekday::Wednesday, "wednesday"),
        (Weekday::Thursday, "thursday"),
        (Weekday::Friday, "friday"),
        (Weekday::Saturday, "saturday"),
        (Weekday::Sunday, "sunday"),
    ];

    pub fn serialize<S: Serializer>(weekday: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        let name = NAMES
            .iter()
            .find(|(w, _)| w == weekday)
            .map_or("monday", |(_, n)| n);
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let text = String::deserialize(d)?;
        NAMES
            .iter()
            .find(|(_, n)| *n == text)
            .map(|(w, _)| *w)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "曜日 `{text}` は monday〜sunday のいずれかにしてください (unknown weekday)"
                ))
            })
    }
}

// ---------------------------------------------------------------------------
// Availability

/// A period's availability in whole minutes. See `docs/sla.md` §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Availability {
    /// Minutes of the period inside the schedule (P).
    pub planned_minutes: u64,
    /// Planned minutes touched by a justified outage (J).
    pub justified_minutes: u64,
    /// Planned minutes touched by another outage and by no justified one (D).
    pub down_minutes: u64,
    /// (P − J − D) / (P − J) × 100; `None` when P − J = 0 (nothing was
    /// promised).
    pub percent: Option<Percent>,
}

impl Availability {
    /// P − J: the minutes the service was promised and not excused.
    pub fn committed_minutes(&self) -> u64 {
        self.planned_minutes.saturating_sub(self.justified_minutes)
    }

    /// Whether the target is met, exactly. With nothing promised there is
    /// nothing to violate: met.
    pub fn meets(&self, target: Percent) -> bool {
        self.percent.is_none_or(|p| p.meets(target))
    }

    /// The percentage rounded toward zero ([`Percent::display`]), or
    /// `対象時間なし` when nothing was promised.
    pub fn display(&self, decimals: u8) -> String {
        match self.percent {
            Some(p) => p.display(decimals),
            None => "対象時間なし".to_owned(),
        }
    }
}

/// Half-open runs of minute numbers (minutes since the Unix epoch), sorted
/// and disjoint once normalised.
type Runs = Vec<(i64, i64)>;

const NANOS_PER_MINUTE: i128 = 60_000_000_000;

/// The minute `ts` falls in.
fn floor_minute(ts: Timestamp) -> i64 {
    i64::try_from(ts.as_nanosecond().div_euclid(NANOS_PER_MINUTE)).unwrap_or(i64::MAX)
}

/// The first minute starting at or after `ts`.
fn ceil_minute(ts: Timestamp) -> i64 {
    let n = ts.as_nanosecond();
    let floor = n.div_euclid(NANOS_PER_MINUTE);
    let ceil = if n.rem_euclid(NANOS_PER_MINUTE) == 0 {
        floor
    } else {
        floor + 1
    };
    i64::try_from(ceil).unwrap_or(i64::MAX)
}

fn normalise(mut runs: Runs) -> Runs {
    runs.retain(|(a, b)| a < b);
    runs.sort_unstable();
    let mut merged: Runs = Vec::with_capacity(runs.len());
    for (a, b) in runs {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

fn intersect(x: &[(i64, i64)], y: &[(i64, i64)]) -> Runs {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while let (Some(&(a, b)), Some(&(c, d))) = (x.get(i), y.get(j)) {
        let (s, e) = (a.max(c), b.min(d));
        if s < e {
            out.push((s, e));
        }
        if b < d {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn subtract(x: &[(i64, i64)], y: &[(i64, i64)]) -> Runs {
    let mut out = Vec::new();
    let mut j = 0;
    for &(a, b) in x {
        let mut start = a;
        while let Some(&(c, d)) = y.get(j) {
            if d <= start {
                j += 1;
                continue;
            }
            if c >= b {
                break;
            }
            if c > start {
                out.push((start, c));
            }
            start = start.max(d);
            if d >= b {
                break;
            }
            j += 1;
        }
        if start < b {
            out.push((start, b));
        }
    }
    out
}

fn measure(runs: &[(i64, i64)]) -> u64 {
    runs.iter()
        .map(|(a, b)| u64::try_from(b - a).unwrap_or(0))
        .sum()
}

/// The minutes an outage touches.
fn touched(outage: &Outage) -> (i64, i64) {
    (floor_minute(outage.start), ceil_minute(outage.end))
}

/// The planned minutes of `[start, end)`: whole minutes inside the period
/// and inside the schedule.
fn planned_runs(
    start: Timestamp,
    end: Timestamp,
    schedule: &OperatingSchedule,
    calendar: &ClosedDayCalendar,
) -> Result<Runs, SlaError> {
    let period = (ceil_minute(start), floor_minute(end));
    if period.0 >= period.1 {
        return Ok(Vec::new());
    }
    let (windows, skip_closed_days) = match schedule {
        OperatingSchedule::Always => return Ok(vec![period]),
        OperatingSchedule::Weekly {
            windows,
            skip_closed_days,
        } => (windows, *skip_closed_days),
    };
    for window in windows {
        window.check()?;
    }
    let mut runs = Vec::new();
    let last = tokyo_date(end);
    let mut day = tokyo_date(start);
    loop {
        if !(skip_closed_days && calendar.is_closed(day)) {
            for window in windows.iter().filter(|w| w.weekday == day.weekday()) {
                let from = floor_minute(tokyo_time(day, window.start)?);
                let to = if window.end == Time::midnight() {
                    floor_minute(day_start(next_day(day)?)?)
                } else {
                    floor_minute(tokyo_time(day, window.end)?)
                };
                runs.push((from.max(period.0), to.min(period.1)));
            }
        }
        if day >= last {
            break;
        }
        day = next_day(day)?;
    }
    Ok(normalise(runs))
}

/// The availability of `[period_start, period_end)` under `schedule`, given
/// every outage that may touch it (outages outside the period or the
/// schedule are ignored). See `docs/sla.md` §3 for the rules: touched
/// minutes count, overlaps once, justified wins over unjustified.
pub fn availability(
    period_start: Timestamp,
    period_end: Timestamp,
    schedule: &OperatingSchedule,
    calendar: &ClosedDayCalendar,
    outages: &[Outage],
) -> Result<Availability, SlaError> {
    if period_end < period_start {
        return Err(SlaError::InvalidPeriod {
            start: period_start,
            end: period_end,
        });
    }
    for outage in outages {
        outage.check()?;
    }
    let planned = planned_runs(period_start, period_end, schedule, calendar)?;
    let runs_of = |justified: bool| {
        normalise(
            outages
                .iter()
                .filter(|o| o.justified == justified)
                .map(touched)
                .collect(),
        )
    };
    tally(&planned, &runs_of(true), &runs_of(false))
}

/// The availability of the `planned` minutes given the (normalised) minutes
/// touched by justified and by other outages: the rules of `docs/sla.md` §3.
fn tally(
    planned: &[(i64, i64)],
    justified: &[(i64, i64)],
    down: &[(i64, i64)],
) -> Result<Availability, SlaError> {
    let justified = intersect(justified, planned);
    let down = subtract(&intersect(down, planned), &justified);

    let planned_minutes = measure(planned);
    let justified_minutes = measure(&justified);
    let down_minutes = measure(&down);
    let committed = planned_minutes.saturating_sub(justified_minutes);
    let percent = if committed == 0 {
        None
    } else {
        let up = committed.saturating_sub(down_minutes);
        Some(Percent::new(up.saturating_mul(100), committed)?)
    };
    Ok(Availability {
        planned_minutes,
        justified_minutes,
        down_minutes,
        percent,
    })
}

// ---------------------------------------------------------------------------
// Major-failure recovery

/// One major outage's recovery against the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecoveryCheck {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Wall-clock time from start to end.
    pub duration: SignedDuration,
    /// start + limit: the latest on-time recovery.
    pub deadline: Timestamp,
    /// duration ≤ limit.
    pub within_limit: bool,
}

/// The recovery time of `outage` (wall clock, nights and closed days
/// included) against `max`. Exactly `max` is on time.
pub fn recovery(outage: &Outage, max: SignedDuration) -> Result<RecoveryCheck, SlaError> {
    outage.check()?;
    if max.is_negative() {
        return Err(SlaError::NegativeLimit(max));
    }
    let duration = outage.duration();
    Ok(RecoveryCheck {
        start: outage.start,
        end: outage.end,
        duration,
        deadline: outage.start.saturating_add(max).unwrap_or(Timestamp::MAX),
        within_limit: duration <= max,
    })
}

/// [`recovery`] of every major outage, in the order given.
pub fn major_recoveries(
    outages: &[Outage],
    max: SignedDuration,
) -> Result<Vec<RecoveryCheck>, SlaError> {
    outages
        .iter()
        .filter(|o| o.major)
        .map(|o| recovery(o, max))
        .collect()
}

// ---------------------------------------------------------------------------
// Inquiry first answers

/// The time from `asked_at` to `answered_at` with every closed day
/// (00:00–24:00 Asia/Tokyo) removed. Asked on a closed day, the clock
/// starts at 00:00 of the next open day.
pub fn inquiry_elapsed(
    asked_at: Timestamp,
    answered_at: Timestamp,
    calendar: &ClosedDayCalendar,
) -> Result<SignedDuration, SlaError> {
    if answered_at < asked_at {
        return Err(SlaError::AnsweredBeforeAsked {
            asked: asked_at,
            answered: answered_at,
        });
    }
    let mut elapsed = SignedDuration::ZERO;
    let mut day = tokyo_date(asked_at);
    let mut start = day_start(day)?;
    while start < answered_at {
        let tomorrow = next_day(day)?;
        let end = day_start(tomorrow)?;
        if !calendar.is_closed(day) {
            let from = start.max(asked_at);
            let to = end.min(answered_at);
            if from < to {
                elapsed = elapsed
                    .checked_add(to.duration_since(from))
                    .ok_or_else(|| SlaError::TimeRange("elapsed".to_owned()))?;
            }
        }
        day = tomorrow;
        start = end;
    }
    Ok(elapsed)
}

/// The latest moment an answer to an inquiry asked at `asked_at` is on time
/// (its [`inquiry_elapsed`] ≤ `limit`). When the limit runs out exactly at
/// 24:00 of an open day followed by closed days, that is 00:00 of the next
/// open day: time does not run on closed days.
pub fn deadline(
    asked_at: Timestamp,
    limit: SignedDuration,
    calendar: &ClosedDayCalendar,
) -> Result<Timestamp, SlaError> {
    if limit.is_negative() {
        return Err(SlaError::NegativeLimit(limit));
    }
    let mut remaining = limit;
    let mut day = calendar.first_open_day_from(tokyo_date(asked_at))?;
    loop {
        let from = day_start(day)?.max(asked_at);
        let tomorrow = next_day(day)?;
        let end = day_start(tomorrow)?;
        let available = end.duration_since(from);
        match remaining.cmp(&available) {
            Ordering::Less => return from.checked_add(remaining).map_err(time_range),
            Ordering::Equal => return day_start(calendar.first_open_day_from(tomorrow)?),
            Ordering::Greater => {}
        }
        remaining -= available;
        day = calendar.first_open_day_from(tomorrow)?;
    }
}

/// An answered inquiry against the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InquiryCheck {
    /// Time counted with closed days removed.
    pub elapsed: SignedDuration,
    /// The latest on-time answer ([`deadline`]).
    pub deadline: Timestamp,
    /// elapsed ≤ limit (equivalently, answered at or before the deadline).
    pub within_limit: bool,
}

/// Checks an inquiry's first answer against `limit` (48 h in the annex).
pub fn inquiry_response(
    asked_at: Timestamp,
    answered_at: Timestamp,
    limit: SignedDuration,
    calendar: &ClosedDayCalendar,
) -> Result<InquiryCheck, SlaError> {
    let elapsed = inquiry_elapsed(asked_at, answered_at, calendar)?;
    let deadline = deadline(asked_at, limit, calendar)?;
    Ok(InquiryCheck {
        elapsed,
        deadline,
        within_limit: elapsed <= limit,
    })
}

// ---------------------------------------------------------------------------
// Fiscal years

/// A Japanese fiscal year (年度), 1 April to 31 March (Asia/Tokyo), named by
/// the year it starts in: `FiscalYear(2026)` is 2026-04-01 to 2027-03-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FiscalYear(pub i16);

impl FiscalYear {
    /// The fiscal year `date` belongs to.
    pub fn of_date(date: Date) -> FiscalYear {
        if date.month() >= 4 {
            FiscalYear(date.year())
        } else {
            FiscalYear(date.year() - 1)
        }
    }

    /// The fiscal year of the Asia/Tokyo date of `ts`.
    pub fn of(ts: Timestamp) -> FiscalYear {
        FiscalYear::of_date(tokyo_date(ts))
    }

    /// 1 April.
    pub fn first_day(self) -> Result<Date, SlaError> {
        Date::new(self.0, 4, 1).map_err(time_range)
    }

    /// 31 March of the next year.
    pub fn last_day(self) -> Result<Date, SlaError> {
        Date::new(self.0.saturating_add(1), 3, 31).map_err(time_range)
    }

    /// 1 April 00:00 Asia/Tokyo.
    pub fn start(self) -> Result<Timestamp, SlaError> {
        day_start(self.first_day()?)
    }

    /// The next fiscal year's start (exclusive end).
    pub fn end(self) -> Result<Timestamp, SlaError> {
        FiscalYear(self.0.saturating_add(1)).start()
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}年度", self.0)
    }
}

/// Major failures of a fiscal year so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MajorFailureCount {
    pub fiscal_year: FiscalYear,
    /// Major outages that started in the fiscal year, at or before `now`.
    pub count: u32,
    pub max: u32,
    /// count ≤ max.
    pub within_limit: bool,
}

/// Major failures in the fiscal year of `now`, year to date: every outage
/// marked `major` (justified or not) whose start lies in that fiscal year at
/// or before `now`. An outage belongs to the fiscal year it started in.
pub fn major_failures_to_date(outages: &[Outage], now: Timestamp, max: u32) -> MajorFailureCount {
    let fiscal_year = FiscalYear::of(now);
    let count = outages
        .iter()
        .filter(|o| o.major && o.start <= now && FiscalYear::of(o.start) == fiscal_year)
        .count();
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    MajorFailureCount {
        fiscal_year,
        count,
        max,
        within_limit: count <= max,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    use super::*;

    type TestResult = Result<(), SlaError>;

    fn calendar() -> Result<ClosedDayCalendar, SlaError> {
        Ok(ClosedDayCalendar::japan()?)
    }

    /// `y-m-d h:mi` Asia/Tokyo.
    fn jst(y: i16, m: i8, d: i8, h: i8, mi: i8) -> Result<Timestamp, SlaError> {
        tokyo_time(date(y, m, d), time(h, mi, 0, 0))
    }

    fn outage(start: Timestamp, end: Timestamp) -> Outage {
        Outage {
            start,
            end,
            justified: false,
            major: false,
        }
    }

    fn minutes(n: i64) -> SignedDuration {
        SignedDuration::from_mins(n)
    }

    fn hours(n: i64) -> SignedDuration {
        SignedDuration::from_hours(n)
    }

    fn pct(text: &str) -> Result<Percent, SlaError> {
        Percent::parse(text)
    }

    // -- Percent ------------------------------------------------------------

    #[test]
    fn percent_parses_exactly_and_reduces() -> TestResult {
        let p = pct("99.8")?;
        assert_eq!((p.numerator(), p.denominator()), (499, 5));
        assert_eq!(pct("99.80 %")?, p);
        assert_eq!(pct("99.8%")?, p);
        assert_eq!(pct("100")?, Percent::HUNDRED);
        assert_eq!(pct("0")?, Percent::new(0, 7)?);
        for bad in [
            "",
            "%",
            "-1",
            "99,8",
            "99.",
            ".5",
            "1e2",
            "99.8.1",
            "１００",
        ] {
            assert!(
                matches!(Percent::parse(bad), Err(SlaError::InvalidPercent(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Percent::new(1, 0),
            Err(SlaError::InvalidPercent(_))
        ));
        Ok(())
    }

    #[test]
    fn the_briefs_example_99_7978_does_not_meet_99_8() -> TestResult {
        let value = pct("99.7978")?;
        assert!(!value.meets(pct("99.8")?));
        assert!(value.meets(pct("99.7978")?));
        assert_eq!(value.display(2), "99.79");
        assert_eq!(value.display(3), "99.797");
        assert_eq!(value.display(0), "99");
        Ok(())
    }

    #[test]
    fn percent_orders_by_value_and_round_trips_through_json()
    -> Result<(), Box<dyn std::error::Error>> {
        assert!(Percent::new(2, 3)? < Percent::new(3, 4)?);
        assert_eq!(Percent::new(998, 10)?, pct("99.8")?);
        let json = serde_json::to_string(&pct("99.8")?)?;
        assert_eq!(json, r#"{"numerator":499,"denominator":5}"#);
        assert_eq!(serde_json::from_str::<Percent>(&json)?, pct("99.8")?);
        assert!(serde_json::from_str::<Percent>(r#"{"numerator":1,"denominator":0}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Percent>(r#"{"numerator":998,"denominator":10}"#)?,
            pct("99.8")?
        );
        Ok(())
    }

    #[test]
    fn targets_default_to_the_annex() -> Result<(), Box<dyn std::error::Error>> {
        let t = SlaTargets::default();
        assert_eq!(t.availability, pct("99.8")?);
        assert_eq!(t.max_recovery, hours(6));
        assert_eq!(t.first_answer_limit, hours(48));
        assert_eq!(t.max_major_failures_per_fiscal_year, 3);
        let json = serde_json::to_string(&t)?;
        assert_eq!(serde_json::from_str::<SlaTargets>(&json)?, t);
        let partial: SlaTargets = serde_json::from_str(r#"{"max_recovery":"PT4H"}"#)?;
        assert_eq!(partial.max_recovery, hours(4));
        assert_eq!(partial.availability, t.availability);
        Ok(())
    }

    // -- Availability -------------------------------------------------------

    #[test]
    fn thirty_day_month_with_87_minutes_down_misses_99_8() -> TestResult {
        let c = calendar()?;
        let (start, end) = (jst(2026, 4, 1, 0, 0)?, jst(2026, 5, 1, 0, 0)?);
        let down = outage(jst(2026, 4, 14, 10, 0)?, jst(2026, 4, 14, 11, 27)?);
        let a = availability(start, end, &OperatingSchedule::Always, &c, &[down])?;
        assert_eq!(a.planned_minutes, 43_200);
        assert_eq!(a.justified_minutes, 0);
        assert_eq!(a.down_minutes, 87);
        // 43,113 / 43,200 × 100 = 43,113 / 432 = 99.79861…
        assert_eq!(a.percent, Some(Percent::new(43_113, 432)?));
        assert_eq!(a.display(3), "99.798");
        assert_eq!(a.display(2), "99.79");
        assert!(!a.meets(pct("99.8")?), "99.7986 % < 99.8 %");

        // 86 minutes is the most 99.8 % allows (0.2 % of 43,200 = 86.4).
        let down = outage(jst(2026, 4, 14, 10, 0)?, jst(2026, 4, 14, 11, 26)?);
        let a = availability(start, end, &OperatingSchedule::Always, &c, &[down])?;
        assert_eq!(a.percent, Some(Percent::new(43_114 * 100, 43_200)?));
        assert!(a.meets(pct("99.8")?));
        Ok(())
    }

    #[test]
    fn justified_maintenance_is_excluded() -> TestResult {
        let c = calendar()?;
        let (start, end) = (jst(2026, 4, 1, 0, 0)?, jst(2026, 5, 1, 0, 0)?);
        let maintenance = Outage {
            justified: true,
            ..outage(jst(2026, 4, 5, 1, 0)?, jst(2026, 4, 5, 5, 0)?)
        };
        let failure = outage(jst(2026, 4, 20, 9, 0)?, jst(2026, 4, 20, 10, 20)?);
        let a = availability(
            start,
            end,
            &OperatingSchedule::Always,
            &c,
            &[maintenance, failure],
        )?;
        assert_eq!(
            (a.planned_minutes, a.justified_minutes, a.down_minutes),
            (43_200, 240, 80)
        );
        assert_eq!(a.committed_minutes(), 42_960);
        assert_eq!(a.percent, Some(Percent::new(42_880 * 100, 42_960)?));
        assert_eq!(a.display(4), "99.8137");
        assert!(a.meets(pct("99.8")?));

        // A failure during the maintenance counts as justified, once.
        let during = outage(jst(2026, 4, 5, 4, 30)?, jst(2026, 4, 5, 5, 10)?);
        let a = availability(
            start,
            end,
            &OperatingSchedule::Always,
            &c,
            &[maintenance, failure, during],
        )?;
        assert_eq!((a.justified_minutes, a.down_minutes), (240, 90));
        Ok(())
    }

    #[test]
    fn outage_over_midnight_and_month_end_is_split_by_period() -> TestResult {
        let c = calendar()?;
        let o = outage(jst(2026, 4, 30, 23, 50)?, jst(2026, 5, 1, 0, 20)?);
        let april = availability(
            jst(2026, 4, 1, 0, 0)?,
            jst(2026, 5, 1, 0, 0)?,
            &OperatingSchedule::Always,
            &c,
            &[o],
        )?;
        let may = availability(
            jst(2026, 5, 1, 0, 0)?,
            jst(2026, 6, 1, 0, 0)?,
            &OperatingSchedule::Always,
            &c,
            &[o],
        )?;
        assert_eq!(april.down_minutes, 10);
        assert_eq!(may.down_minutes, 20);
        assert_eq!(may.planned_minutes, 44_640);
        assert_eq!(april.percent, Some(Percent::new(43_190 * 100, 43_200)?));
        Ok(())
    }

    #[test]
    fn touched_minutes_and_overlaps() -> TestResult {
        let c = calendar()?;
        let day = (jst(2026, 4, 1, 0, 0)?, jst(2026, 4, 2, 0, 0)?);
        let s = |secs: i64| -> Result<Timestamp, SlaError> {
            jst(2026, 4, 1, 10, 0)?
                .checked_add(SignedDuration::from_secs(secs))
                .map_err(time_range)
        };
        // 10:00:30–10:01:10 touches 10:00 and 10:01.
        let a = availability(
            day.0,
            day.1,
            &OperatingSchedule::Always,
            &c,
            &[outage(s(30)?, s(70)?)],
        )?;
        assert_eq!(a.down_minutes, 2);
        // Overlapping outages count once; a zero-length one touches nothing.
        let a = availability(
            day.0,
            day.1,
            &OperatingSchedule::Always,
            &c,
            &[
                outage(s(0)?, s(600)?),
                outage(s(300)?, s(900)?),
                outage(s(3600)?, s(3600)?),
            ],
        )?;
        assert_eq!(a.down_minutes, 15);
        Ok(())
    }

    #[test]
    fn weekly_nine_to_five_skips_holidays() -> TestResult {
        let c = calendar()?;
        let schedule = OperatingSchedule::open_days(time(9, 0, 0, 0), time(17, 0, 0, 0))?;
        let (start, end) = (jst(2026, 5, 1, 0, 0)?, jst(2026, 6, 1, 0, 0)?);
        let on_holiday = outage(jst(2026, 5, 6, 10, 0)?, jst(2026, 5, 6, 12, 0)?);
        let evening = outage(jst(2026, 5, 7, 16, 30)?, jst(2026, 5, 7, 18, 0)?);
        let a = availability(start, end, &schedule, &c, &[on_holiday, evening])?;
        // 21 weekdays minus 5/4, 5/5, 5/6 = 18 open days × 480 minutes.
        assert_eq!(a.planned_minutes, 8_640);
        assert_eq!(a.down_minutes, 30);
        assert_eq!(a.percent, Some(Percent::new(8_610 * 100, 8_640)?));
        assert!(!a.meets(pct("99.8")?));

        // Without skipping closed days, the three holidays are promised too.
        let OperatingSchedule::Weekly { windows, .. } = schedule else {
            return Err(SlaError::TimeRange("not weekly".into()));
        };
        let all_weekdays = OperatingSchedule::Weekly {
            windows,
            skip_closed_days: false,
        };
        let a = availability(start, end, &all_weekdays, &c, &[on_holiday, evening])?;
        assert_eq!(a.planned_minutes, 21 * 480);
        assert_eq!(a.down_minutes, 150);
        Ok(())
    }

    #[test]
    fn windows_to_midnight_and_several_per_day() -> TestResult {
        let c = calendar()?;
        let windows = vec![
            ServiceWindow::new(Weekday::Saturday, time(8, 0, 0, 0), time(12, 0, 0, 0))?,
            ServiceWindow::new(Weekday::Saturday, time(11, 0, 0, 0), time(13, 0, 0, 0))?,
            ServiceWindow::new(Weekday::Saturday, time(22, 0, 0, 0), Time::midnight())?,
            ServiceWindow::new(Weekday::Sunday, Time::midnight(), time(6, 0, 0, 0))?,
        ];
        let schedule = OperatingSchedule::Weekly {
            windows,
            skip_closed_days: false,
        };
        // Sat 2026-06-06 and Sun 06-07.
        let a = availability(
            jst(2026, 6, 6, 0, 0)?,
            jst(2026, 6, 8, 0, 0)?,
            &schedule,
            &c,
            &[outage(jst(2026, 6, 6, 23, 0)?, jst(2026, 6, 7, 1, 0)?)],
        )?;
        assert_eq!(a.planned_minutes, (5 + 2 + 6) * 60);
        assert_eq!(a.down_minutes, 120);
        Ok(())
    }

    #[test]
    fn invalid_inputs_are_errors() -> TestResult {
        let c = calendar()?;
        let (a, b) = (jst(2026, 4, 1, 0, 0)?, jst(2026, 4, 2, 0, 0)?);
        assert_eq!(
            availability(b, a, &OperatingSchedule::Always, &c, &[]),
            Err(SlaError::InvalidPeriod { start: b, end: a })
        );
        assert_eq!(
            availability(a, b, &OperatingSchedule::Always, &c, &[outage(b, a)]),
            Err(SlaError::InvalidOutage { start: b, end: a })
        );
        for (start, end) in [
            (time(17, 0, 0, 0), time(9, 0, 0, 0)),
            (time(9, 0, 0, 0), time(9, 0, 0, 0)),
            (time(9, 0, 30, 0), time(17, 0, 0, 0)),
        ] {
            assert!(matches!(
                ServiceWindow::new(Weekday::Monday, start, end),
                Err(SlaError::InvalidWindow { .. })
            ));
        }
        let bad = OperatingSchedule::Weekly {
            windows: vec![ServiceWindow {
                weekday: Weekday::Monday,
                start: time(17, 0, 0, 0),
                end: time(9, 0, 0, 0),
            }],
            skip_closed_days: true,
        };
        let err = availability(a, b, &bad, &c, &[]);
        assert!(matches!(err, Err(SlaError::InvalidWindow { .. })));
        if let Err(e) = err {
            assert!(
                e.to_string()
                    .starts_with("月曜日の提供時間帯 17:00:00〜09:00:00 が不正です"),
                "{e}"
            );
        }
        assert_eq!(
            recovery(&outage(a, b), hours(-1)),
            Err(SlaError::NegativeLimit(hours(-1)))
        );
        assert_eq!(
            inquiry_elapsed(b, a, &c),
            Err(SlaError::AnsweredBeforeAsked {
                asked: b,
                answered: a
            })
        );
        Ok(())
    }

    #[test]
    fn nothing_promised_is_a_clear_value() -> TestResult {
        let c = calendar()?;
        // A weekday schedule over a weekend, and an empty period.
        let schedule = OperatingSchedule::open_days(time(9, 0, 0, 0), time(17, 0, 0, 0))?;
        let (sat, mon) = (jst(2026, 6, 6, 0, 0)?, jst(2026, 6, 8, 0, 0)?);
        let a = availability(sat, mon, &schedule, &c, &[outage(sat, mon)])?;
        assert_eq!((a.planned_minutes, a.down_minutes, a.percent), (0, 0, None));
        assert!(a.meets(pct("99.8")?));
        assert_eq!(a.display(2), "対象時間なし");
        let a = availability(sat, sat, &OperatingSchedule::Always, &c, &[])?;
        assert_eq!(a.percent, None);
        // Everything justified: nothing committed.
        let maintenance = Outage {
            justified: true,
            ..outage(sat, mon)
        };
        let a = availability(sat, mon, &OperatingSchedule::Always, &c, &[maintenance])?;
        assert_eq!(
            (a.planned_minutes, a.justified_minutes, a.percent),
            (2_880, 2_880, None)
        );
        Ok(())
    }

    // -- Recovery -----------------------------------------------------------

    #[test]
    fn recovery_within_six_hours_inclusive() -> TestResult {
        let start = jst(2026, 5, 10, 1, 0)?;
        let on_time = Outage {
            major: true,
            ..outage(start, jst(2026, 5, 10, 7, 0)?)
        };
        let check = recovery(&on_time, hours(6))?;
        assert_eq!(check.duration, hours(6));
        assert_eq!(check.deadline, jst(2026, 5, 10, 7, 0)?);
        assert!(check.within_limit);

        let late = Outage {
            end: on_time
                .end
                .checked_add(SignedDuration::from_secs(1))
                .map_err(time_range)?,
            ..on_time
        };
        assert!(!recovery(&late, hours(6))?.within_limit);

        let minor = outage(start, jst(2026, 5, 11, 7, 0)?);
        let checks = major_recoveries(&[on_time, minor, late], hours(6))?;
        assert_eq!(checks.len(), 2);
        assert!(checks[0].within_limit && !checks[1].within_limit);
        Ok(())
    }

    // -- Inquiries ----------------------------------------------------------

    #[test]
    fn friday_afternoon_to_tuesday_with_a_monday_holiday() -> TestResult {
        let c = calendar()?;
        // 2026-07-17 is a Friday; 07-20 is 海の日.
        let asked = jst(2026, 7, 17, 16, 0)?;
        let answered = jst(2026, 7, 21, 10, 0)?;
        let check = inquiry_response(asked, answered, hours(48), &c)?;
        assert_eq!(check.elapsed, hours(18));
        assert!(check.within_limit);
        assert_eq!(check.deadline, jst(2026, 7, 22, 16, 0)?);
        // Answering at the deadline is on time; a nanosecond later is not.
        assert_eq!(inquiry_elapsed(asked, check.deadline, &c)?, hours(48));
        let late = check
            .deadline
            .checked_add(SignedDuration::from_nanos(1))
            .map_err(time_range)?;
        assert!(!inquiry_response(asked, late, hours(48), &c)?.within_limit);
        Ok(())
    }

    #[test]
    fn asked_on_saturday_starts_at_the_next_open_day() -> TestResult {
        let c = calendar()?;
        let asked = jst(2026, 7, 18, 10, 0)?;
        // Sat, Sun and Mon (海の日) are closed: nothing counts before Tuesday.
        assert_eq!(
            inquiry_elapsed(asked, jst(2026, 7, 20, 23, 0)?, &c)?,
            SignedDuration::ZERO
        );
        assert_eq!(
            inquiry_elapsed(asked, jst(2026, 7, 21, 9, 30)?, &c)?,
            minutes(570)
        );
        // 48 h run out at Wed 24:00 = Thu 07-23 00:00, an open day.
        assert_eq!(deadline(asked, hours(48), &c)?, jst(2026, 7, 23, 0, 0)?);
        // Asked Thu 00:00, 48 h run out Fri 24:00; the weekend does not
        // count, so the latest on-time answer is Mon 07-27 00:00.
        let thursday = jst(2026, 7, 23, 0, 0)?;
        assert_eq!(deadline(thursday, hours(48), &c)?, jst(2026, 7, 27, 0, 0)?);
        assert_eq!(
            inquiry_elapsed(thursday, jst(2026, 7, 26, 23, 59)?, &c)?,
            hours(48)
        );
        // A zero limit on a closed day: the start of the next open day.
        assert_eq!(
            deadline(asked, SignedDuration::ZERO, &c)?,
            jst(2026, 7, 21, 0, 0)?
        );
        assert_eq!(
            deadline(asked, hours(-1), &c),
            Err(SlaError::NegativeLimit(hours(-1)))
        );
        Ok(())
    }

    #[test]
    fn inquiry_over_new_year() -> TestResult {
        let c = calendar()?;
        // Fri 2025-12-26 12:00 → closed 12/27–1/4 → Mon 2026-01-05.
        let asked = jst(2025, 12, 26, 12, 0)?;
        assert_eq!(deadline(asked, hours(48), &c)?, jst(2026, 1, 6, 12, 0)?);
        assert_eq!(
            inquiry_elapsed(asked, jst(2026, 1, 5, 12, 0)?, &c)?,
            hours(24)
        );
        Ok(())
    }

    // -- Fiscal years -------------------------------------------------------

    #[test]
    fn fiscal_years_run_april_to_march() -> TestResult {
        assert_eq!(FiscalYear::of(jst(2026, 3, 31, 23, 0)?), FiscalYear(2025));
        assert_eq!(FiscalYear::of(jst(2026, 4, 1, 0, 0)?), FiscalYear(2026));
        // 2026-03-31T15:00Z is already 04-01 in Tokyo.
        let utc: Timestamp = "2026-03-31T15:00:00Z".parse().map_err(time_range)?;
        assert_eq!(FiscalYear::of(utc), FiscalYear(2026));
        assert_eq!(FiscalYear(2026).start()?, jst(2026, 4, 1, 0, 0)?);
        assert_eq!(FiscalYear(2026).end()?, jst(2027, 4, 1, 0, 0)?);
        assert_eq!(FiscalYear(2026).last_day()?, date(2027, 3, 31));
        assert_eq!(FiscalYear(2026).to_string(), "2026年度");
        Ok(())
    }

    #[test]
    fn major_failures_year_to_date() -> TestResult {
        let major = |start: Timestamp| -> Result<Outage, SlaError> {
            Ok(Outage {
                major: true,
                ..outage(start, start.checked_add(hours(1)).map_err(time_range)?)
            })
        };
        let outages = [
            major(jst(2026, 3, 31, 23, 0)?)?, // FY2025
            major(jst(2026, 4, 1, 0, 0)?)?,
            major(jst(2026, 8, 1, 0, 0)?)?,
            outage(jst(2026, 9, 1, 0, 0)?, jst(2026, 9, 1, 1, 0)?), // not major
            major(jst(2026, 12, 1, 0, 0)?)?,
            major(jst(2027, 2, 1, 0, 0)?)?,
        ];
        let at = |now| major_failures_to_date(&outages, now, 3);
        let sept = at(jst(2026, 9, 30, 0, 0)?);
        assert_eq!(
            (sept.fiscal_year, sept.count, sept.within_limit),
            (FiscalYear(2026), 2, true)
        );
        let dec = at(jst(2026, 12, 1, 0, 0)?);
        assert_eq!((dec.count, dec.within_limit), (3, true));
        let march = at(jst(2027, 3, 31, 0, 0)?);
        assert_eq!((march.count, march.within_limit), (4, false));
        let before = at(jst(2026, 3, 31, 23, 30)?);
        assert_eq!((before.fiscal_year, before.count), (FiscalYear(2025), 1));
        Ok(())
    }

    #[test]
    fn schedules_round_trip_through_json() -> Result<(), Box<dyn std::error::Error>> {
        let schedule = OperatingSchedule::open_days(time(9, 0, 0, 0), time(17, 0, 0, 0))?;
        let json = serde_json::to_string(&schedule)?;
        assert!(json.starts_with(
            r#"{"kind":"weekly","windows":[{"weekday":"monday","start":"09:00:00","end":"17:00:00"}"#
        ), "{json}");
        assert_eq!(serde_json::from_str::<OperatingSchedule>(&json)?, schedule);
        assert_eq!(
            serde_json::from_str::<OperatingSchedule>(r#"{"kind":"always"}"#)?,
            OperatingSchedule::Always
        );
        assert!(
            serde_json::from_str::<ServiceWindow>(
                r#"{"weekday":"mon","start":"09:00","end":"17:00"}"#
            )
            .is_err()
        );
        let o: Outage = serde_json::from_str(
            r#"{"start":"2026-04-01T00:00:00Z","end":"2026-04-01T01:00:00Z","major":true}"#,
        )?;
        assert!(o.major && !o.justified);
        Ok(())
    }

    // -- Properties ---------------------------------------------------------

    /// 2025-12-01T00:00:00+09:00: the generated times span the year-end
    /// and Golden Week of 2026.
    const BASE: i64 = 1_764_514_800;
    const SPAN: i64 = 200 * 86_400;

    fn instant() -> impl Strategy<Value = Timestamp> {
        // Whole seconds mostly, with nanoseconds sometimes.
        (
            0..SPAN,
            prop_oneof![3 => Just(0i32), 1 => 0..1_000_000_000i32],
        )
            .prop_map(|(s, n)| Timestamp::constant(BASE + s, n))
    }

    fn an_outage() -> impl Strategy<Value = Outage> {
        (instant(), 0i64..3 * 86_400, any::<bool>(), any::<bool>()).prop_map(
            |(start, len, justified, major)| Outage {
                start,
                end: start
                    .saturating_add(SignedDuration::from_secs(len))
                    .unwrap_or(start),
                justified,
                major,
            },
        )
    }

    fn a_schedule() -> impl Strategy<Value = OperatingSchedule> {
        let window = (0usize..7, 0i8..24, 1i8..=24).prop_map(|(w, a, len)| {
            let weekday = [
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
                Weekday::Saturday,
                Weekday::Sunday,
            ][w];
            let end = a.saturating_add(len);
            let end = if end >= 24 {
                Time::midnight()
            } else {
                time(end, 0, 0, 0)
            };
            ServiceWindow {
                weekday,
                start: time(a, 0, 0, 0),
                end,
            }
        });
        prop_oneof![
            Just(OperatingSchedule::Always),
            (prop::collection::vec(window, 0..6), any::<bool>()).prop_map(
                |(windows, skip_closed_days)| {
                    OperatingSchedule::Weekly {
                        windows,
                        skip_closed_days,
                    }
                }
            ),
        ]
    }

    fn period() -> impl Strategy<Value = (Timestamp, Timestamp)> {
        (instant(), instant()).prop_map(|(a, b)| if a <= b { (a, b) } else { (b, a) })
    }

    fn fail(e: SlaError) -> TestCaseError {
        TestCaseError::fail(e.to_string())
    }

    /// Availability with `None` read as 100 %.
    fn value(a: &Availability) -> Percent {
        a.percent.unwrap_or(Percent::HUNDRED)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn availability_stays_between_0_and_100(
            (start, end) in period(),
            schedule in a_schedule(),
            outages in prop::collection::vec(an_outage(), 0..8),
        ) {
            let c = calendar().map_err(fail)?;
            let a = availability(start, end, &schedule, &c, &outages).map_err(fail)?;
            prop_assert!(a.justified_minutes + a.down_minutes <= a.planned_minutes);
            if let Some(p) = a.percent {
                prop_assert!(p <= Percent::HUNDRED);
                prop_assert!(p >= Percent::new(0, 1).map_err(fail)?);
            } else {
                prop_assert_eq!(a.committed_minutes(), 0);
            }
        }

        #[test]
        fn an_unjustified_outage_never_raises_availability(
            (start, end) in period(),
            schedule in a_schedule(),
            outages in prop::collection::vec(an_outage(), 0..8),
            extra in an_outage(),
        ) {
            let c = calendar().map_err(fail)?;
            let before = availability(start, end, &schedule, &c, &outages).map_err(fail)?;
            let mut more = outages.clone();
            more.push(Outage { justified: false, ..extra });
            let after = availability(start, end, &schedule, &c, &more).map_err(fail)?;
            prop_assert!(value(&after) <= value(&before));
            prop_assert!(after.down_minutes >= before.down_minutes);
            prop_assert_eq!(after.justified_minutes, before.justified_minutes);
        }

        #[test]
        fn splitting_an_outage_changes_nothing(
            (start, end) in period(),
            schedule in a_schedule(),
            outages in prop::collection::vec(an_outage(), 0..6),
            split in an_outage(),
            at in 0.0f64..=1.0,
        ) {
            let c = calendar().map_err(fail)?;
            let length = split.duration().as_secs();
            let cut = split.start.saturating_add(SignedDuration::from_secs((length as f64 * at) as i64)).unwrap_or(split.start);
            let mut whole = outages.clone();
            whole.push(split);
            let mut halves = outages.clone();
            halves.push(Outage { end: cut, ..split });
            halves.push(Outage { start: cut, ..split });
            let a = availability(start, end, &schedule, &c, &whole).map_err(fail)?;
            let b = availability(start, end, &schedule, &c, &halves).map_err(fail)?;
            prop_assert_eq!(a, b);
        }

        #[test]
        fn inquiry_time_never_exceeds_wall_clock(
            (asked, answered) in period(),
        ) {
            let c = calendar().map_err(fail)?;
            let elapsed = inquiry_elapsed(asked, answered, &c).map_err(fail)?;
            let wall = answered.duration_since(asked);
            prop_assert!(elapsed <= wall);
            prop_assert!(elapsed >= SignedDuration::ZERO);
            let mut day = tokyo_date(asked);
            let mut any_closed = false;
            while day <= tokyo_date(answered) {
                any_closed |= c.is_closed(day);
                day = next_day(day).map_err(fail)?;
            }
            if !any_closed {
                prop_assert_eq!(elapsed, wall);
            }
        }

        #[test]
        fn the_deadline_is_the_last_on_time_moment(
            asked in instant(),
            limit_minutes in 0i64..10 * 24 * 60,
        ) {
            let c = calendar().map_err(fail)?;
            let limit = minutes(limit_minutes);
            let due = deadline(asked, limit, &c).map_err(fail)?;
            prop_assert!(due >= asked);
            prop_assert_eq!(inquiry_elapsed(asked, due, &c).map_err(fail)?, limit);
            let after = due.checked_add(SignedDuration::from_nanos(1)).map_err(time_range).map_err(fail)?;
            prop_assert!(inquiry_elapsed(asked, after, &c).map_err(fail)? > limit);
        }
    }
}
