//! The Japanese closed-day calendar (閉庁日) of a municipality: Saturdays,
//! Sundays, national holidays and rest days (国民の祝日・振替休日・国民の休日),
//! the year-end and New Year days 12/29–1/3, and the tenant's own closed days
//! (days of its by-law, 地方自治法第4条の2). Dates are civil dates in
//! Japan; nothing here reads a clock.
//!
//! - [`ClosedDayCalendar`]: is a day closed, why, and the next open day.
//! - [`national`]: the embedded national-holiday table (1955 to its last
//!   year) and the statutory rules that continue it to 2099.
//!
//! The table's sources and the definitions are in `docs/sla.md`.

pub mod national;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use national::NationalHolidays;
pub use national::{
    FIRST_YEAR, HolidayKind, LAST_RULE_YEAR, NationalHoliday, autumnal_equinox_day,
    statutory_holidays, vernal_equinox_day,
};

/// How far [`ClosedDayCalendar::next_open_day`] looks before giving up
/// (only a tenant that closes nearly every day gets that far).
const MAX_CLOSED_RUN_DAYS: u32 = 3_660;

/// Everything that can go wrong in [`calendar`](self).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The embedded `holidays.csv` is malformed (a build defect; a test
    /// loads it).
    #[error("祝日表 holidays.csv の {line} 行目が不正です: {message} (malformed holiday table)")]
    Table { line: usize, message: String },
    /// Two statutory rules put holidays on the same date.
    #[error(
        "祝日の規則が {date} に二つの祝日を置きました: {first} と {second} (conflicting holiday rules)"
    )]
    RuleConflict {
        date: Date,
        first: String,
        second: String,
    },
    /// The statutory rules were asked about a year they do not cover.
    #[error(
        "{year} 年の祝日は計算できません。対応範囲は {FIRST_YEAR}〜{LAST_RULE_YEAR} 年です (year outside the holiday rules)"
    )]
    YearOutsideRules { year: i16 },
    /// A tenant closed day without a name.
    #[error("閉庁日の名前が空です。条例上の名称を指定してください (empty closed-day name)")]
    EmptyName,
    /// A yearly tenant closed day on a month and day no year has.
    #[error("{month}月{day}日 は存在しない日付です (invalid month and day)")]
    InvalidMonthDay { month: i8, day: i8 },
    /// A tenant closed day added twice.
    #[error("閉庁日 {what} は既に登録されています (duplicate tenant closed day)")]
    DuplicateTenantDay { what: String },
    /// Every day for ten years from `from` is closed.
    #[error(
        "{from} から 10 年以内に開庁日がありません。閉庁日の設定を確認してください (no open day within ten years)"
    )]
    NoOpenDay { from: Date },
    /// Date arithmetic left jiff's range (year −9999 to 9999).
    #[error("日付が扱える範囲を超えました: {0} (date out of range)")]
    DateRange(String),
}

/// Why a day is closed. [`ClosedDayCalendar::closed_reason`] gives the
/// first that applies in the order national holiday (祝日・振替休日・国民の休日),
/// tenant day, year-end, Sunday, Saturday.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClosedReason {
    /// 土曜日.
    Saturday,
    /// 日曜日.
    Sunday,
    /// 国民の祝日, or a rest day of its own special law (皇室行事).
    NationalHoliday { name: String },
    /// 振替休日.
    SubstituteHoliday,
    /// 国民の休日 (a day between two national holidays).
    CitizensHoliday,
    /// 年末年始 (12/29–1/3).
    YearEnd,
    /// A closed day of the tenant's own by-law.
    TenantClosedDay { name: String },
}

impl fmt::Display for ClosedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClosedReason::Saturday => f.write_str("土曜日"),
            ClosedReason::Sunday => f.write_str("日曜日"),
            ClosedReason::NationalHoliday { name } | ClosedReason::TenantClosedDay { name } => {
                f.write_str(name)
            }
            ClosedReason::SubstituteHoliday => f.write_str("振替休日"),
            ClosedReason::CitizensHoliday => f.write_str("国民の休日"),
            ClosedReason::YearEnd => f.write_str("年末年始"),
        }
    }
}

/// A closed day of the tenant's own by-law, as stored in its settings
/// (`{"kind":"annual","month":6,"day":23,"name":"慰霊の日"}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TenantClosedDay {
    /// One date.
    Date { date: Date, name: String },
    /// The same month and day every year (29 February only in leap years).
    Annual { month: i8, day: i8, name: String },
}

/// A municipality's closed days. Cheap to clone; the national list is
/// shared.
#[derive(Debug, Clone)]
pub struct ClosedDayCalendar {
    national: &'static NationalHolidays,
    tenant_dates: BTreeMap<Date, String>,
    tenant_annual: BTreeMap<(i8, i8), String>,
}

impl ClosedDayCalendar {
    /// The national calendar: weekends, national holidays and rest days,
    /// year-end 12/29–1/3. Fails only if the embedded table is malformed.
    pub fn japan() -> Result<ClosedDayCalendar, CalendarError> {
        Ok(ClosedDayCalendar {
            national: NationalHolidays::get()?,
            tenant_dates: BTreeMap::new(),
            tenant_annual: BTreeMap::new(),
        })
    }

    /// The national calendar plus the tenant's own closed days.
    pub fn with_tenant_days(
        days: impl IntoIterator<Item = TenantClosedDay>,
    ) -> Result<ClosedDayCalendar, CalendarError> {
        let mut calendar = ClosedDayCalendar::japan()?;
        for day in days {
            calendar.add_tenant_day(day)?;
        }
        Ok(calendar)
    }

    /// Adds one of the tenant's closed days.
    pub fn add_tenant_day(&mut self, day: TenantClosedDay) -> Result<(), CalendarError> {
        match day {
            TenantClosedDay::Date { date, name } => self.add_closed_day(date, name),
            TenantClosedDay::Annual { month, day, name } => {
                self.add_annual_closed_day(month, day, name)
            }
        }
    }

    /// Closes `date` with the tenant's `name` for it.
    pub fn add_closed_day(
        &mut self,
        date: Date,
        name: impl Into<String>,
    ) -> Result<(), CalendarError> {
        let name = checked_name(name.into())?;
        if self.tenant_dates.contains_key(&date) {
            return Err(CalendarError::DuplicateTenantDay {
                what: date.to_string(),
            });
        }
        self.tenant_dates.insert(date, name);
        Ok(())
    }

    /// Closes `month`/`day` of every year (29 February: leap years only).
    pub fn add_annual_closed_day(
        &mut self,
        month: i8,
        day: i8,
        name: impl Into<String>,
    ) -> Result<(), CalendarError> {
        let name = checked_name(name.into())?;
        // 2000 is a leap year, so 2/29 is accepted.
        if Date::new(2000, month, day).is_err() {
            return Err(CalendarError::InvalidMonthDay { month, day });
        }
        if self.tenant_annual.contains_key(&(month, day)) {
            return Err(CalendarError::DuplicateTenantDay {
                what: format!("毎年{month}月{day}日"),
            });
        }
        self.tenant_annual.insert((month, day), name);
        Ok(())
    }

    /// The tenant's closed days, dates first, for storing.
    pub fn tenant_days(&self) -> Vec<TenantClosedDay> {
        let dates = self
            .tenant_dates
            .iter()
            .map(|(&date, name)| TenantClosedDay::Date {
                date,
                name: name.clone(),
            });
        let annual =
            self.tenant_annual
                .iter()
                .map(|(&(month, day), name)| TenantClosedDay::Annual {
                    month,
                    day,
                    name: name.clone(),
                });
        dates.chain(annual).collect()
    }

    /// Whether the office is closed on `date`.
    pub fn is_closed(&self, date: Date) -> bool {
        is_weekend(date)
            || is_year_end(date)
            || self.national.on(date).is_some()
            || self.tenant_name(date).is_some()
    }

    /// Why the office is closed on `date` (the first reason, see
    /// [`ClosedReason`]), or `None` if it is open.
    pub fn closed_reason(&self, date: Date) -> Option<ClosedReason> {
        self.closed_reasons(date).into_iter().next()
    }

    /// Every reason the office is closed on `date`, in the order of
    /// [`ClosedReason`]'s documentation; empty if it is open.
    pub fn closed_reasons(&self, date: Date) -> Vec<ClosedReason> {
        let mut reasons = Vec::new();
        if let Some(holiday) = self.national.on(date) {
            reasons.push(match holiday.kind {
                HolidayKind::Holiday => ClosedReason::NationalHoliday {
                    name: holiday.name.to_owned(),
                },
                HolidayKind::Substitute => ClosedReason::SubstituteHoliday,
                HolidayKind::Citizens => ClosedReason::CitizensHoliday,
            });
        }
        if let Some(name) = self.tenant_name(date) {
            reasons.push(ClosedReason::TenantClosedDay {
                name: name.to_owned(),
            });
        }
        if is_year_end(date) {
            reasons.push(ClosedReason::YearEnd);
        }
        match date.weekday() {
            Weekday::Sunday => reasons.push(ClosedReason::Sunday),
            Weekday::Saturday => reasons.push(ClosedReason::Saturday),
            _ => {}
        }
        reasons
    }

    /// The first open day strictly after `date`.
    pub fn next_open_day(&self, date: Date) -> Result<Date, CalendarError> {
        self.first_open_day_from(date.tomorrow().map_err(date_range)?)
    }

    /// `date` itself if open, else the first open day after it.
    pub fn first_open_day_from(&self, date: Date) -> Result<Date, CalendarError> {
        let mut day = date;
        for _ in 0..MAX_CLOSED_RUN_DAYS {
            if !self.is_closed(day) {
                return Ok(day);
            }
            day = day.tomorrow().map_err(date_range)?;
        }
        Err(CalendarError::NoOpenDay { from: date })
    }

    /// The national holiday or rest day on `date`, if any.
    pub fn national_holiday(&self, date: Date) -> Option<NationalHoliday> {
        self.national.on(date).copied()
    }

    /// The national holidays and rest days of `year`, by date (empty
    /// outside [`FIRST_YEAR`]`..=`[`LAST_RULE_YEAR`]).
    pub fn national_holidays(&self, year: i16) -> Vec<NationalHoliday> {
        self.national.in_year(year).copied().collect()
    }

    /// The years the embedded Cabinet Office table covers; later years up to
    /// [`LAST_RULE_YEAR`] come from the statutory rules, earlier and later
    /// ones have no national holidays here.
    pub fn table_years(&self) -> RangeInclusive<i16> {
        self.national.table_years()
    }

    fn tenant_name(&self, date: Date) -> Option<&str> {
        self.tenant_dates
            .get(&date)
            .or_else(|| self.tenant_annual.get(&(date.month(), date.day())))
            .map(String::as_str)
    }
}

fn checked_name(name: String) -> Result<String, CalendarError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        Err(CalendarError::EmptyName)
    } else if trimmed.len() == name.len() {
        Ok(name)
    } else {
        Ok(trimmed.to_owned())
    }
}

fn date_range(e: jiff::Error) -> CalendarError {
    CalendarError::DateRange(e.to_string())
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// 12/29–12/31 and 1/1–1/3.
fn is_year_end(date: Date) -> bool {
    matches!((date.month(), date.day()), (12, 29..=31) | (1, 1..=3))
}

#[cfg(test)]
mod tests;
