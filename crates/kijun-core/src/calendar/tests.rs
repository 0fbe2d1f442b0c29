//! Tests of the closed-day calendar against official dates and of the
//! statutory rules against the embedded table.

use jiff::civil::{Date, date};

use super::*;

type TestResult = Result<(), CalendarError>;

fn national(name: &str) -> Option<ClosedReason> {
    Some(ClosedReason::NationalHoliday {
        name: name.to_owned(),
    })
}

#[test]
fn the_table_loads_and_starts_in_1955() -> TestResult {
    let calendar = ClosedDayCalendar::japan()?;
    let years = calendar.table_years();
    assert_eq!(*years.start(), 1955);
    assert!(*years.end() >= 2026, "table ends in {}", years.end());
    assert!(*years.end() < LAST_RULE_YEAR);
    Ok(())
}

#[test]
fn official_dates() -> TestResult {
    let c = ClosedDayCalendar::japan()?;
    let cases: &[(Date, Option<ClosedReason>)] = &[
        // The enthronement in 2019 and the days around it.
        (date(2019, 4, 29), national("昭和の日")),
        (date(2019, 4, 30), Some(ClosedReason::CitizensHoliday)),
        (date(2019, 5, 1), national("天皇の即位の日")),
        (date(2019, 5, 2), Some(ClosedReason::CitizensHoliday)),
        (date(2019, 5, 6), Some(ClosedReason::SubstituteHoliday)),
        (date(2019, 10, 22), national("即位礼正殿の儀")),
        (date(2019, 12, 23), None), // no 天皇誕生日 in 2019
        (date(2020, 2, 23), national("天皇誕生日")),
        (date(2020, 2, 24), Some(ClosedReason::SubstituteHoliday)),
        // The Olympic moves.
        (date(2020, 7, 20), None),
        (date(2020, 7, 23), national("海の日")),
        (date(2020, 7, 24), national("スポーツの日")),
        (date(2020, 8, 10), national("山の日")),
        (date(2020, 8, 11), None),
        (date(2020, 10, 12), None),
        (date(2021, 7, 19), None),
        (date(2021, 7, 22), national("海の日")),
        (date(2021, 7, 23), national("スポーツの日")),
        (date(2021, 8, 8), national("山の日")),
        (date(2021, 8, 9), Some(ClosedReason::SubstituteHoliday)),
        (date(2021, 10, 11), None),
        // 国民の休日 in September.
        (date(2009, 9, 22), Some(ClosedReason::CitizensHoliday)),
        (date(2015, 9, 22), Some(ClosedReason::CitizensHoliday)),
        (date(2026, 9, 21), national("敬老の日")),
        (date(2026, 9, 22), Some(ClosedReason::CitizensHoliday)),
        (date(2026, 9, 23), national("秋分の日")),
        // 2007 substitute rule: 5/3 on a Sunday moves past 5/4 and 5/5.
        (date(2026, 5, 6), Some(ClosedReason::SubstituteHoliday)),
        (date(2015, 5, 6), Some(ClosedReason::SubstituteHoliday)),
        // Before 2007 the substitute was the Monday itself.
        (date(1998, 5, 4), Some(ClosedReason::SubstituteHoliday)),
        // Single-day laws.
        (date(1959, 4, 10), national("皇太子明仁親王の結婚の儀")),
        (date(1989, 2, 24), national("昭和天皇の大喪の礼")),
        (date(1990, 11, 12), national("即位礼正殿の儀")),
        (date(1993, 6, 9), national("皇太子徳仁親王の結婚の儀")),
        // Law history.
        (date(1966, 9, 15), national("敬老の日")),
        (date(1966, 2, 11), None), // 建国記念の日 from 1967
        (
            date(1967, 2, 11),
            Some(ClosedReason::NationalHoliday {
                name: "建国記念の日".into(),
            }),
        ),
        (date(1973, 2, 12), None), // 振替休日 only from 1973-04-12
        (date(1973, 4, 30), Some(ClosedReason::SubstituteHoliday)),
        (date(1984, 5, 4), None), // 国民の休日 only from 1985-12-27
        (date(1985, 1, 15), national("成人の日")),
        (date(1987, 5, 4), Some(ClosedReason::SubstituteHoliday)),
        (date(1988, 5, 4), Some(ClosedReason::CitizensHoliday)),
        (date(1988, 4, 29), national("天皇誕生日")),
        (
            date(1989, 4, 29),
            Some(ClosedReason::NationalHoliday {
                name: "みどりの日".into(),
            }),
        ),
        (
            date(1989, 12, 23),
            Some(ClosedReason::NationalHoliday {
                name: "天皇誕生日".into(),
            }),
        ),
        (
            date(1996, 7, 20),
            Some(ClosedReason::NationalHoliday {
                name: "海の日".into(),
            }),
        ),
        (date(1999, 1, 15), national("成人の日")),
        (date(2000, 1, 10), national("成人の日")),
        (date(2000, 10, 9), national("体育の日")),
        (date(2003, 7, 21), national("海の日")),
        (date(2003, 9, 15), national("敬老の日")),
        (date(2007, 4, 30), Some(ClosedReason::SubstituteHoliday)),
        (date(2016, 8, 11), national("山の日")),
        (date(2015, 8, 11), None),
        (date(2025, 3, 20), national("春分の日")),
        (date(2025, 9, 23), national("秋分の日")),
        (
            date(2012, 9, 22),
            Some(ClosedReason::NationalHoliday {
                name: "秋分の日".into(),
            }),
        ),
    ];
    let mut wrong = Vec::new();
    for (day, expected) in cases {
        let got = c.closed_reason(*day);
        if got.as_ref() != expected.as_ref() && !(expected.is_none() && is_weekend(*day)) {
            wrong.push(format!("{day}: expected {expected:?}, got {got:?}"));
        }
        if expected.is_some() {
            assert!(c.is_closed(*day), "{day} should be closed");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    Ok(())
}

#[test]
fn counts_per_year() -> TestResult {
    let c = ClosedDayCalendar::japan()?;
    // Counted by hand from the Cabinet Office list (rest days included).
    for (year, count) in [
        (1955, 9),
        (1959, 10),
        (1966, 11),
        (1967, 12),
        (1973, 14),
        (1988, 14),
        (1989, 17),
        (2000, 15),
        (2007, 19),
        (2016, 17),
        (2019, 22),
        (2020, 18),
        (2021, 17),
        (2025, 19),
        (2026, 18),
    ] {
        assert_eq!(c.national_holidays(year).len(), count, "{year}");
    }
    Ok(())
}

/// The test that the rules are right: for every year of the table, the
/// statutory rules give exactly the table's dates and names.
#[test]
fn statutory_rules_reproduce_the_table() -> TestResult {
    let c = ClosedDayCalendar::japan()?;
    let years = c.table_years();
    assert!(years.contains(&2000) && years.contains(&2026));
    let mut differences = Vec::new();
    for year in years {
        let table = c.national_holidays(year);
        let rules = statutory_holidays(year)?;
        if table != rules {
            differences.push(format!("{year}:\n  table {table:?}\n  rules {rules:?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    Ok(())
}

#[test]
fn rules_continue_after_the_table() -> TestResult {
    let c = ClosedDayCalendar::japan()?;
    let after = c.table_years().end() + 1;
    assert_eq!(c.national_holidays(after), statutory_holidays(after)?);
    // 2032: 敬老の日 9/20, 国民の休日 9/21, 秋分の日 9/22.
    assert_eq!(
        c.closed_reason(date(2032, 9, 21)),
        Some(ClosedReason::CitizensHoliday)
    );
    assert_eq!(
        c.national_holidays(2099).len(),
        statutory_holidays(2099)?.len()
    );
    assert!(c.national_holidays(2100).is_empty());
    assert!(c.national_holidays(1954).is_empty());
    assert_eq!(
        statutory_holidays(2100),
        Err(CalendarError::YearOutsideRules { year: 2100 })
    );
    Ok(())
}

#[test]
fn equinox_formula() {
    // 官報 暦要項 values.
    assert_eq!(vernal_equinox_day(2024), 20);
    assert_eq!(autumnal_equinox_day(2024), 22);
    assert_eq!(vernal_equinox_day(2026), 20);
    assert_eq!(autumnal_equinox_day(2026), 23);
    assert_eq!(vernal_equinox_day(1960), 20);
    assert_eq!(autumnal_equinox_day(1979), 24);
    assert_eq!(autumnal_equinox_day(1955), 24);
}

#[test]
fn year_end_and_new_year() -> TestResult {
    let c = ClosedDayCalendar::japan()?;
    // 2025-12-26 is a Friday, 12/29 a Monday.
    assert!(!c.is_closed(date(2025, 12, 26)));
    for day in [29, 30, 31] {
        assert_eq!(
            c.closed_reason(date(2025, 12, day)),
            Some(ClosedReason::YearEnd)
        );
    }
    assert_eq!(c.closed_reason(date(2026, 1, 1)), national("元日"));
    assert_eq!(
        c.closed_reasons(date(2026, 1, 1)),
        vec![
            ClosedReason::NationalHoliday {
                name: "元日".into()
            },
            ClosedReason::YearEnd
        ]
    );
    assert_eq!(
        c.closed_reason(date(2026, 1, 2)),
        Some(ClosedReason::YearEnd)
    );
    assert_eq!(
        c.closed_reasons(date(2026, 1, 3)),
        vec![ClosedReason::YearEnd, ClosedReason::Saturday]
    );
    assert!(!c.is_closed(date(2027, 1, 4)), "a Monday after year-end");
    Ok(())
}

#[test]
fn weekends() -> TestResult {
    let c = ClosedDayCalendar::japan()?;
    assert_eq!(
        c.closed_reason(date(2026, 6, 6)),
        Some(ClosedReason::Saturday)
    );
    assert_eq!(
        c.closed_reason(date(2026, 6, 7)),
        Some(ClosedReason::Sunday)
    );
    assert_eq!(c.closed_reason(date(2026, 6, 8)), None);
    assert!(!c.is_closed(date(2026, 6, 8)));
    // A holiday on a Sunday: the holiday is the reason, Sunday the second.
    assert_eq!(
        c.closed_reasons(date(2026, 5, 3)),
        vec![
            ClosedReason::NationalHoliday {
                name: "憲法記念日".into()
            },
            ClosedReason::Sunday
        ]
    );
    Ok(())
}

#[test]
fn tenant_days() -> TestResult {
    let mut c = ClosedDayCalendar::japan()?;
    c.add_annual_closed_day(6, 23, "慰霊の日")?;
    c.add_closed_day(date(2026, 10, 1), "市制施行記念日")?;
    let reason = |name: &str| {
        Some(ClosedReason::TenantClosedDay {
            name: name.to_owned(),
        })
    };
    assert_eq!(c.closed_reason(date(2026, 6, 23)), reason("慰霊の日"));
    assert_eq!(c.closed_reason(date(2027, 6, 23)), reason("慰霊の日"));
    assert_eq!(c.closed_reason(date(2026, 10, 1)), reason("市制施行記念日"));
    assert!(!c.is_closed(date(2027, 10, 1)), "a one-off date");
    assert!(!ClosedDayCalendar::japan()?.is_closed(date(2026, 6, 23)));

    assert_eq!(
        c.add_closed_day(date(2026, 10, 1), "again"),
        Err(CalendarError::DuplicateTenantDay {
            what: "2026-10-01".into()
        })
    );
    assert_eq!(
        c.add_closed_day(date(2026, 10, 2), "  "),
        Err(CalendarError::EmptyName)
    );
    assert_eq!(
        c.add_annual_closed_day(2, 30, "x"),
        Err(CalendarError::InvalidMonthDay { month: 2, day: 30 })
    );
    c.add_annual_closed_day(2, 29, "閏日")?;
    assert!(c.is_closed(date(2028, 2, 29)));

    let stored = c.tenant_days();
    let json =
        serde_json::to_string(&stored).map_err(|e| CalendarError::DateRange(e.to_string()))?;
    assert!(
        json.contains(r#"{"kind":"annual","month":6,"day":23,"name":"慰霊の日"}"#),
        "{json}"
    );
    let back: Vec<TenantClosedDay> =
        serde_json::from_str(&json).map_err(|e| CalendarError::DateRange(e.to_string()))?;
    let again = ClosedDayCalendar::with_tenant_days(back)?;
    assert_eq!(again.tenant_days(), stored);
    Ok(())
}

#[test]
fn next_open_day_over_new_year() -> TestResult {
    let c = ClosedDayCalendar::japan()?;
    // Fri 2025-12-26 → weekend, 12/29–1/3, Sun 1/4 → Mon 2026-01-05.
    assert_eq!(c.next_open_day(date(2025, 12, 26))?, date(2026, 1, 5));
    assert_eq!(c.next_open_day(date(2025, 12, 31))?, date(2026, 1, 5));
    assert_eq!(c.first_open_day_from(date(2026, 1, 5))?, date(2026, 1, 5));
    assert_eq!(c.next_open_day(date(2026, 1, 5))?, date(2026, 1, 6));
    // Golden Week 2026: 5/2 Sat … 5/6 振替休日 → Thu 5/7.
    assert_eq!(c.next_open_day(date(2026, 5, 1))?, date(2026, 5, 7));
    // A tenant that closes every day has no open day.
    let mut closed = ClosedDayCalendar::japan()?;
    for month in 1..=12 {
        for day in 1..=31 {
            if Date::new(2000, month, day).is_ok() {
                closed.add_annual_closed_day(month, day, "休")?;
            }
        }
    }
    assert_eq!(
        closed.next_open_day(date(2026, 1, 1)),
        Err(CalendarError::NoOpenDay {
            from: date(2026, 1, 2)
        })
    );
    Ok(())
}

#[test]
fn reasons_read_in_japanese() {
    assert_eq!(ClosedReason::SubstituteHoliday.to_string(), "振替休日");
    assert_eq!(ClosedReason::CitizensHoliday.to_string(), "国民の休日");
    assert_eq!(ClosedReason::YearEnd.to_string(), "年末年始");
    assert_eq!(
        ClosedReason::NationalHoliday {
            name: "山の日".into()
        }
        .to_string(),
        "山の日"
    );
}

/// The rule years after the table, checked against the independent
/// implementation used to cross-check the table (PyPI `holidays` 0.109):
/// the same 1,304 days for 2027–2099, and a few by hand.
#[test]
fn rules_after_the_table_match_an_independent_source() -> TestResult {
    let total: usize = (2027..=LAST_RULE_YEAR)
        .map(statutory_holidays)
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .map(Vec::len)
        .sum();
    assert_eq!(total, 1_304);
    let c = ClosedDayCalendar::japan()?;
    // 2027: 春分の日 on Sunday 3/21, so 3/22 is a 振替休日.
    assert_eq!(c.closed_reason(date(2027, 3, 21)), national("春分の日"));
    assert_eq!(
        c.closed_reason(date(2027, 3, 22)),
        Some(ClosedReason::SubstituteHoliday)
    );
    assert_eq!(c.closed_reason(date(2027, 9, 23)), national("秋分の日"));
    // 2037: another September 国民の休日.
    assert_eq!(
        c.closed_reason(date(2037, 9, 22)),
        Some(ClosedReason::CitizensHoliday)
    );
    // 2092: the vernal equinox falls on 3/19.
    assert_eq!(c.closed_reason(date(2092, 3, 19)), national("春分の日"));
    Ok(())
}
