//! The closed-day calendar pinned against the Cabinet Office list
//! (内閣府「国民の祝日について」, syukujitsu.csv) for 2016–2027, written out
//! here by hand rather than read from the embedded table, so a wrong table
//! row or a wrong rule fails. 2027 is past the table and comes from the
//! statutory rules; its dates are those the Cabinet Office published
//! (春分の日・秋分の日 from the 2026-02 暦要項). Rest days the list calls
//! 「休日」 are named 振替休日 / 国民の休日 as in the table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::civil::{Date, Weekday, date};
use kijun_core::calendar::{ClosedDayCalendar, ClosedReason, statutory_holidays};

const SUB: &str = "振替休日";
const CIT: &str = "国民の休日";

/// (month, day, name).
type Day = (i8, i8, &'static str);

/// (year, [(month, day, name)]) from the Cabinet Office list.
const OFFICIAL: &[(i16, &[Day])] = &[
    (
        2016,
        &[
            (1, 1, "元日"),
            (1, 11, "成人の日"),
            (2, 11, "建国記念の日"),
            (3, 20, "春分の日"),
            (3, 21, SUB),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 18, "海の日"),
            (8, 11, "山の日"),
            (9, 19, "敬老の日"),
            (9, 22, "秋分の日"),
            (10, 10, "体育の日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
            (12, 23, "天皇誕生日"),
        ],
    ),
    (
        2017,
        &[
            (1, 1, "元日"),
            (1, 2, SUB),
            (1, 9, "成人の日"),
            (2, 11, "建国記念の日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 17, "海の日"),
            (8, 11, "山の日"),
            (9, 18, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 9, "体育の日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
            (12, 23, "天皇誕生日"),
        ],
    ),
    (
        2018,
        &[
            (1, 1, "元日"),
            (1, 8, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 12, SUB),
            (3, 21, "春分の日"),
            (4, 29, "昭和の日"),
            (4, 30, SUB),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 16, "海の日"),
            (8, 11, "山の日"),
            (9, 17, "敬老の日"),
            (9, 23, "秋分の日"),
            (9, 24, SUB),
            (10, 8, "体育の日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
            (12, 23, "天皇誕生日"),
            (12, 24, SUB),
        ],
    ),
    (
        2019,
        &[
            (1, 1, "元日"),
            (1, 14, "成人の日"),
            (2, 11, "建国記念の日"),
            (3, 21, "春分の日"),
            (4, 29, "昭和の日"),
            (4, 30, CIT),
            (5, 1, "天皇の即位の日"),
            (5, 2, CIT),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, SUB),
            (7, 15, "海の日"),
            (8, 11, "山の日"),
            (8, 12, SUB),
            (9, 16, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 14, "体育の日"),
            (10, 22, "即位礼正殿の儀"),
            (11, 3, "文化の日"),
            (11, 4, SUB),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2020,
        &[
            (1, 1, "元日"),
            (1, 13, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (2, 24, SUB),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, SUB),
            (7, 23, "海の日"),
            (7, 24, "スポーツの日"),
            (8, 10, "山の日"),
            (9, 21, "敬老の日"),
            (9, 22, "秋分の日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2021,
        &[
            (1, 1, "元日"),
            (1, 11, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 22, "海の日"),
            (7, 23, "スポーツの日"),
            (8, 8, "山の日"),
            (8, 9, SUB),
            (9, 20, "敬老の日"),
            (9, 23, "秋分の日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2022,
        &[
            (1, 1, "元日"),
            (1, 10, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 21, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 18, "海の日"),
            (8, 11, "山の日"),
            (9, 19, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 10, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2023,
        &[
            (1, 1, "元日"),
            (1, 2, SUB),
            (1, 9, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 21, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 17, "海の日"),
            (8, 11, "山の日"),
            (9, 18, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 9, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2024,
        &[
            (1, 1, "元日"),
            (1, 8, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 12, SUB),
            (2, 23, "天皇誕生日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, SUB),
            (7, 15, "海の日"),
            (8, 11, "山の日"),
            (8, 12, SUB),
            (9, 16, "敬老の日"),
            (9, 22, "秋分の日"),
            (9, 23, SUB),
            (10, 14, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 4, SUB),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2025,
        &[
            (1, 1, "元日"),
            (1, 13, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (2, 24, SUB),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, SUB),
            (7, 21, "海の日"),
            (8, 11, "山の日"),
            (9, 15, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 13, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
            (11, 24, SUB),
        ],
    ),
    (
        2026,
        &[
            (1, 1, "元日"),
            (1, 12, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, SUB),
            (7, 20, "海の日"),
            (8, 11, "山の日"),
            (9, 21, "敬老の日"),
            (9, 22, CIT),
            (9, 23, "秋分の日"),
            (10, 12, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    // Past the embedded table: the statutory rules. Checked by hand:
    // 1/11 and 10/11 are the 2nd Mondays (1/1 and 10/1 are Fridays), 7/19
    // and 9/20 the 3rd Mondays (7/1 Thu, 9/1 Wed); 春分 int(20.8431 +
    // 0.242194 × 47 − 11) = 21 falls on a Sunday, so 3/22 is a 振替休日;
    // 秋分 int(23.2488 + 11.383118 − 11) = 23 (Thu); 5/3 is a Monday, so
    // Golden Week has no 振替休日; 9/20 and 9/23 are two days apart, so no
    // 国民の休日.
    (
        2027,
        &[
            (1, 1, "元日"),
            (1, 11, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 21, "春分の日"),
            (3, 22, SUB),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 19, "海の日"),
            (8, 11, "山の日"),
            (9, 20, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 11, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
];

#[test]
fn national_holidays_2016_to_2027_match_the_cabinet_office_list() {
    let calendar = ClosedDayCalendar::japan().unwrap();
    let mut wrong = Vec::new();
    for (year, days) in OFFICIAL {
        let expected: Vec<(Date, &str)> = days
            .iter()
            .map(|&(m, d, name)| (date(*year, m, d), name))
            .collect();
        let got: Vec<(Date, &str)> = calendar
            .national_holidays(*year)
            .iter()
            .map(|h| (h.date, h.name))
            .collect();
        if got != expected {
            wrong.push(format!(
                "{year}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
        // The statutory rules agree with the list too (for 2016–2026 they
        // are checked against the table in the calendar's own tests).
        let rules: Vec<(Date, &str)> = statutory_holidays(*year)
            .unwrap()
            .iter()
            .map(|h| (h.date, h.name))
            .collect();
        if rules != expected {
            wrong.push(format!(
                "{year} (rules):\n  expected {expected:?}\n  got      {rules:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_listed_day_is_closed_with_its_reason() {
    let calendar = ClosedDayCalendar::japan().unwrap();
    for (year, days) in OFFICIAL {
        for &(m, d, name) in *days {
            let day = date(*year, m, d);
            let expected = match name {
                SUB => ClosedReason::SubstituteHoliday,
                CIT => ClosedReason::CitizensHoliday,
                _ => ClosedReason::NationalHoliday {
                    name: name.to_owned(),
                },
            };
            assert_eq!(calendar.closed_reason(day), Some(expected), "{day}");
        }
    }
}

#[test]
fn open_days_of_2027_are_exactly_the_other_weekdays() {
    let calendar = ClosedDayCalendar::japan().unwrap();
    let (_, days) = OFFICIAL.iter().find(|(y, _)| *y == 2027).unwrap();
    let mut day = date(2027, 1, 1);
    let mut open = 0;
    while day.year() == 2027 {
        let listed = days
            .iter()
            .any(|&(m, d, _)| (m, d) == (day.month(), day.day()));
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        let year_end = matches!((day.month(), day.day()), (12, 29..=31) | (1, 1..=3));
        assert_eq!(
            calendar.is_closed(day),
            listed || weekend || year_end,
            "{day}"
        );
        if !calendar.is_closed(day) {
            open += 1;
        }
        day = day.tomorrow().unwrap();
    }
    // 261 weekdays − 16 weekday holidays (all but 3/21, a Sunday) −
    // 12/29–12/31 (Wed–Fri) = 242; 1/2–1/3 are a weekend.
    assert_eq!(open, 242);
}
