//! Japan's national holidays and rest days (国民の祝日・休日): the embedded
//! table `holidays.csv` (the Cabinet Office list 内閣府「国民の祝日」,
//! 1955 to its last year) and the statutory rules of 国民の祝日に関する法律
//! (with the special laws for single days) that continue it to 2099.
//!
//! The table is authoritative for its years; the rules are used only after
//! them. A test checks that the rules reproduce the table year by year, so a
//! rule change that forgets history fails loudly.
//!
//! Law history encoded in [`statutory_holidays`]:
//! - 1948 法律第178号: 元日, 成人の日 1/15, 春分の日, 天皇誕生日 4/29,
//!   憲法記念日, こどもの日, 秋分の日, 文化の日, 勤労感謝の日.
//! - 1966 改正: 敬老の日 9/15 and 体育の日 10/10 (from 1966), 建国記念の日
//!   2/11 (from 1967).
//! - 1973-04-12 改正: 振替休日 — a holiday on a Sunday makes the following
//!   Monday a rest day (first: 1973-04-30; 1973-02-11 came too early).
//! - 1985-12-27 改正: 国民の休日 — a day between two holidays that is not a
//!   Sunday or 振替休日 (first: 1988-05-04).
//! - 1989-02-17 改正: 天皇誕生日 12/23, 4/29 becomes みどりの日.
//! - 1995 改正: 海の日 7/20 (from 1996).
//! - 1998 改正 (Happy Monday): 成人の日 2nd Monday of January, 体育の日 2nd
//!   Monday of October (from 2000).
//! - 2001 改正: 海の日 3rd Monday of July, 敬老の日 3rd Monday of September
//!   (from 2003).
//! - 2005 改正 (from 2007): 4/29 昭和の日, 5/4 みどりの日; 振替休日 becomes
//!   "the nearest following day that is not a holiday"; 国民の休日 only
//!   excludes days that are holidays themselves.
//! - 2014 改正: 山の日 8/11 (from 2016).
//! - 2017 皇室典範特例法 and 2018 改正: 天皇誕生日 2/23 from 2020, none in 2019;
//!   体育の日 renamed スポーツの日 from 2020.
//! - 2018 天皇の即位の日及び即位礼正殿の儀の行われる日を休日とする法律:
//!   2019-05-01 and 2019-10-22, deemed national holidays for the 国民の休日
//!   rule (hence 2019-04-30 and 2019-05-02).
//! - 東京オリンピック・パラリンピック特別措置法 (2018, 2020 改正): 2020 —
//!   海の日 7/23, スポーツの日 7/24, 山の日 8/10; 2021 — 海の日 7/22,
//!   スポーツの日 7/23, 山の日 8/8 (so 8/9 振替休日).
//! - Single-day laws: 1959-04-10 皇太子明仁親王の結婚の儀, 1989-02-24
//!   昭和天皇の大喪の礼, 1990-11-12 即位礼正殿の儀, 1993-06-09
//!   皇太子徳仁親王の結婚の儀 (rest days, not national holidays).
//!
//! 春分の日 and 秋分の日 are fixed each February for the following year by
//! the Cabinet Office from the National Astronomical Observatory's
//! ephemeris (暦要項); after the table they come from the standard
//! approximation formula (valid 1900–2099), which agrees with the
//! astronomical dates for every year 1949–2099.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};

use super::CalendarError;

/// First year the statutory rules (and the table) cover.
pub const FIRST_YEAR: i16 = 1955;
/// Last year the statutory rules cover: the equinox formula is valid to 2099.
pub const LAST_RULE_YEAR: i16 = 2099;

/// The embedded Cabinet Office list. Rest days the list calls 「休日」 are
/// named `振替休日` or `国民の休日` here, so their kind is in the data.
const TABLE: &str = include_str!("holidays.csv");

/// What kind of day off a national holiday entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolidayKind {
    /// 国民の祝日, or a rest day of its own special law (皇室行事).
    Holiday,
    /// 振替休日: a holiday fell on a Sunday.
    Substitute,
    /// 国民の休日: a day between two national holidays.
    Citizens,
}

impl HolidayKind {
    fn of_name(name: &str) -> HolidayKind {
        match name {
            SUBSTITUTE => HolidayKind::Substitute,
            CITIZENS => HolidayKind::Citizens,
            _ => HolidayKind::Holiday,
        }
    }
}

const SUBSTITUTE: &str = "振替休日";
const CITIZENS: &str = "国民の休日";

/// One day of the national list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NationalHoliday {
    pub date: Date,
    /// The holiday's name (`元日`, `振替休日`, `即位礼正殿の儀`, …).
    pub name: &'static str,
    pub kind: HolidayKind,
}

/// The national list, from the table and then the rules, by date.
pub(super) struct NationalHolidays {
    by_date: BTreeMap<Date, NationalHoliday>,
    table_years: RangeInclusive<i16>,
}

impl std::fmt::Debug for NationalHolidays {
    /// A summary: the full list is thousands of days.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalHolidays")
            .field("days", &self.by_date.len())
            .field("table_years", &self.table_years)
            .finish_non_exhaustive()
    }
}

static NATIONAL: LazyLock<Result<NationalHolidays, CalendarError>> =
    LazyLock::new(NationalHolidays::load);

impl NationalHolidays {
    /// The shared list, parsed once.
    pub(super) fn get() -> Result<&'static NationalHolidays, CalendarError> {
        NATIONAL.as_ref().map_err(Clone::clone)
    }

    fn load() -> Result<NationalHolidays, CalendarError> {
        let by_date = parse_table(TABLE)?;
        let (Some(&first), Some(&last)) = (by_date.keys().next(), by_date.keys().next_back())
        else {
            return Err(table_error(1, "祝日が一件もありません (empty table)"));
        };
        let table_years = first.year()..=last.year();
        if *table_years.start() != FIRST_YEAR {
            return Err(table_error(
                2,
                format!(
                    "表は {FIRST_YEAR} 年から始まるはずです (table must start in {FIRST_YEAR})"
                ),
            ));
        }
        let mut all = by_date;
        for year in last.year().saturating_add(1)..=LAST_RULE_YEAR {
            for holiday in statutory_holidays(year)? {
                all.insert(holiday.date, holiday);
            }
        }
        Ok(NationalHolidays {
            by_date: all,
            table_years,
        })
    }

    pub(super) fn on(&self, date: Date) -> Option<&NationalHoliday> {
        self.by_date.get(&date)
    }

    pub(super) fn in_year(&self, year: i16) -> impl Iterator<Item = &NationalHoliday> {
        let from = Date::new(year, 1, 1).ok();
        let to = Date::new(year, 12, 31).ok();
        let range = match (from, to) {
            (Some(from), Some(to)) => Some(self.by_date.range(from..=to)),
            _ => None,
        };
        range.into_iter().flatten().map(|(_, h)| h)
    }

    pub(super) fn table_years(&self) -> RangeInclusive<i16> {
        self.table_years.clone()
    }
}

fn table_error(line: usize, message: impl Into<String>) -> CalendarError {
    CalendarError::Table {
        line,
        message: message.into(),
    }
}

/// Parses `date,name` lines after a `date,name` header: dates strictly
/// increasing, names non-empty.
fn parse_table(text: &'static str) -> Result<BTreeMap<Date, NationalHoliday>, CalendarError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "date,name")) => {}
        _ => {
            return Err(table_error(
                1,
                "見出し行は `date,name` です (header must be `date,name`)",
            ));
        }
    }
    let mut by_date = BTreeMap::new();
    let mut previous: Option<Date> = None;
    for (index, line) in lines {
        let line_no = index + 1;
        if line.is_empty() {
            continue;
        }
        let Some((date, name)) = line.split_once(',') else {
            return Err(table_error(
                line_no,
                "`日付,名前` の形ではありません (expected `date,name`)",
            ));
        };
        let date: Date = date.parse().map_err(|e| {
            table_error(line_no, format!("日付 `{date}` が不正です: {e} (bad date)"))
        })?;
        if name.is_empty() || name.contains(',') {
            return Err(table_error(line_no, "名前が空か `,` を含みます (bad name)"));
        }
        if previous.is_some_and(|p| p >= date) {
            return Err(table_error(
                line_no,
                "日付が昇順ではありません (dates must increase)",
            ));
        }
        previous = Some(date);
        by_date.insert(
            date,
            NationalHoliday {
                date,
                name,
                kind: HolidayKind::of_name(name),
            },
        );
    }
    Ok(by_date)
}

/// Japan's national holidays and rest days of `year` by the statutory rules
/// (law history and special laws included), sorted by date. Only years
/// [`FIRST_YEAR`]`..=`[`LAST_RULE_YEAR`].
pub fn statutory_holidays(year: i16) -> Result<Vec<NationalHoliday>, CalendarError> {
    if !(FIRST_YEAR..=LAST_RULE_YEAR).contains(&year) {
        return Err(CalendarError::YearOutsideRules { year });
    }
    let shukujitsu = national_holidays_proper(year)?;
    let mut days: BTreeMap<Date, NationalHoliday> = shukujitsu
        .iter()
        .map(|(&date, &name)| {
            (
                date,
                NationalHoliday {
                    date,
                    name,
                    kind: HolidayKind::Holiday,
                },
            )
        })
        .collect();

    // 振替休日 (第3条第2項), in force from 1973-04-12.
    let substitute_from = Date::new(1973, 4, 12).map_err(range)?;
    let mut substitutes = Vec::new();
    for &date in shukujitsu.keys() {
        if date.weekday() != Weekday::Sunday || date < substitute_from {
            continue;
        }
        let mut next = date.tomorrow().map_err(range)?;
        if year >= 2007 {
            while shukujitsu.contains_key(&next) {
                next = next.tomorrow().map_err(range)?;
            }
        }
        if next.year() == year && !days.contains_key(&next) {
            substitutes.push(next);
        }
    }
    for date in &substitutes {
        days.insert(
            *date,
            NationalHoliday {
                date: *date,
                name: SUBSTITUTE,
                kind: HolidayKind::Substitute,
            },
        );
    }

    // 国民の休日 (第3条第3項), in force from 1985-12-27.
    if year >= 1986 {
        let mut citizens = Vec::new();
        for (&date, _) in shukujitsu.iter() {
            let between = date.tomorrow().map_err(range)?;
            if !shukujitsu.contains_key(&between.tomorrow().map_err(range)?) {
                continue;
            }
            if shukujitsu.contains_key(&between) || between.year() != year {
                continue;
            }
            // Until 2006 Sundays and 振替休日 were excluded explicitly; from
            // 2007 only national holidays are (and no such Sunday occurs).
            let excluded = year <= 2006
                && (between.weekday() == Weekday::Sunday || substitutes.contains(&between));
            if !excluded && !days.contains_key(&between) {
                citizens.push(between);
            }
        }
        for date in citizens {
            days.insert(
                date,
                NationalHoliday {
                    date,
                    name: CITIZENS,
                    kind: HolidayKind::Citizens,
                },
            );
        }
    }

    // Rest days of their own special laws, outside the rules above.
    for (y, m, d, name) in IMPERIAL_REST_DAYS {
        if *y == year {
            let date = Date::new(*y, *m, *d).map_err(range)?;
            days.insert(
                date,
                NationalHoliday {
                    date,
                    name,
                    kind: HolidayKind::Holiday,
                },
            );
        }
    }
    Ok(days.into_values().collect())
}

/// Rest days by special law that are not national holidays for the
/// substitute and 国民の休日 rules.
const IMPERIAL_REST_DAYS: &[(i16, i8, i8, &str)] = &[
    (1959, 4, 10, "皇太子明仁親王の結婚の儀"),
    (1989, 2, 24, "昭和天皇の大喪の礼"),
    (1990, 11, 12, "即位礼正殿の儀"),
    (1993, 6, 9, "皇太子徳仁親王の結婚の儀"),
];

fn range(e: jiff::Error) -> CalendarError {
    CalendarError::DateRange(e.to_string())
}

/// The 国民の祝日 of `year` (and the 2019 days deemed to be ones), without
/// rest days derived from them.
fn national_holidays_proper(year: i16) -> Result<BTreeMap<Date, &'static str>, CalendarError> {
    let y = year;
    let day = |m: i8, d: i8| Date::new(y, m, d).map_err(range);
    let monday = |m: i8, nth: i8| {
        Date::new(y, m, 1)
            .and_then(|first| first.nth_weekday_of_month(nth, Weekday::Monday))
            .map_err(range)
    };
    let mut h: Vec<(Date, &'static str)> = Vec::with_capacity(20);
    h.push((day(1, 1)?, "元日"));
    h.push((
        if y <= 1999 {
            day(1, 15)?
        } else {
            monday(1, 2)?
        },
        "成人の日",
    ));
    if y >= 1967 {
        h.push((day(2, 11)?, "建国記念の日"));
    }
    match y {
        ..=1988 => h.push((day(4, 29)?, "天皇誕生日")),
        1989..=2018 => h.push((day(12, 23)?, "天皇誕生日")),
        2019 => {}
        2020.. => h.push((day(2, 23)?, "天皇誕生日")),
    }
    h.push((day(3, vernal_equinox_day(y))?, "春分の日"));
    if (1989..=2006).contains(&y) {
        h.push((day(4, 29)?, "みどりの日"));
    }
    if y >= 2007 {
        h.push((day(4, 29)?, "昭和の日"));
        h.push((day(5, 4)?, "みどりの日"));
    }
    h.push((day(5, 3)?, "憲法記念日"));
    h.push((day(5, 5)?, "こどもの日"));
    match y {
        1996..=2002 => h.push((day(7, 20)?, "海の日")),
        2020 => h.push((day(7, 23)?, "海の日")),
        2021 => h.push((day(7, 22)?, "海の日")),
        2003.. => h.push((monday(7, 3)?, "海の日")),
        _ => {}
    }
    match y {
        2020 => h.push((day(8, 10)?, "山の日")),
        2021 => h.push((day(8, 8)?, "山の日")),
        2016.. => h.push((day(8, 11)?, "山の日")),
        _ => {}
    }
    match y {
        1966..=2002 => h.push((day(9, 15)?, "敬老の日")),
        2003.. => h.push((monday(9, 3)?, "敬老の日")),
        _ => {}
    }
    h.push((day(9, autumnal_equinox_day(y))?, "秋分の日"));
    match y {
        1966..=1999 => h.push((day(10, 10)?, "体育の日")),
        2000..=2019 => h.push((monday(10, 2)?, "体育の日")),
        2020 => h.push((day(7, 24)?, "スポーツの日")),
        2021 => h.push((day(7, 23)?, "スポーツの日")),
        2022.. => h.push((monday(10, 2)?, "スポーツの日")),
        _ => {}
    }
    h.push((day(11, 3)?, "文化の日"));
    h.push((day(11, 23)?, "勤労感謝の日"));
    if y == 2019 {
        h.push((day(5, 1)?, "天皇の即位の日"));
        h.push((day(10, 22)?, "即位礼正殿の儀"));
    }
    let mut map = BTreeMap::new();
    for (date, name) in h {
        if let Some(other) = map.insert(date, name) {
            return Err(CalendarError::RuleConflict {
                date,
                first: other.to_owned(),
                second: name.to_owned(),
            });
        }
    }
    Ok(map)
}

/// The day of March of 春分の日 by the standard approximation formula
/// (1900–2099), in exact integer arithmetic (millionths of a day):
/// `int(20.8431 + 0.242194 (Y−1980) − int((Y−1980)/4))` from 1980,
/// `int(20.8357 + 0.242194 (Y−1980) − int((Y−1983)/4))` before, where the
/// inner `int` truncates toward zero.
pub fn vernal_equinox_day(year: i16) -> i8 {
    equinox_day(year, 20_843_100, 20_835_700)
}

/// The day of September of 秋分の日, by the same formula with the constants
/// 23.2488 (from 1980) and 23.2588 (before).
pub fn autumnal_equinox_day(year: i16) -> i8 {
    equinox_day(year, 23_248_800, 23_258_800)
}

fn equinox_day(year: i16, base_from_1980: i64, base_before_1980: i64) -> i8 {
    let y = i64::from(year);
    let (base, leap_days) = if y >= 1980 {
        (base_from_1980, (y - 1980) / 4)
    } else {
        // Rust's `/` truncates toward zero, as the formula's `int` does.
        (base_before_1980, (y - 1983) / 4)
    };
    let micro_days = base + 242_194 * (y - 1980) - 1_000_000 * leap_days;
    i8::try_from(micro_days.div_euclid(1_000_000)).unwrap_or(i8::MAX)
}
