//! Japanese date forms used in reports: `2026年5月1日` for dates and
//! `2026年5月1日 09:05` for times. Dates are always given; nothing here reads
//! the clock.

use jiff::ZonedDateTime;
use jiff::civil::{Date, DateTime};

/// `2026年5月1日`.
pub fn ja_date(date: Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// `2026年5月1日 09:05` (the civil time as given, no zone shown).
pub fn ja_datetime(datetime: DateTime) -> String {
    format!(
        "{} {:02}:{:02}",
        ja_date(datetime.date()),
        datetime.hour(),
        datetime.minute()
    )
}

/// `2026年5月1日 09:05` in the zone the time carries (reports are made in
/// Asia/Tokyo by the caller).
pub fn ja_zoned(zoned: &ZonedDateTime) -> String {
    ja_datetime(zoned.datetime())
}

/// An optional date, or `－` when there is none.
pub fn ja_date_or_dash(date: Option<Date>) -> String {
    date.map_or_else(|| "－".to_owned(), ja_date)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn japanese_forms() {
        assert_eq!(ja_date(jiff::civil::date(2026, 5, 1)), "2026年5月1日");
        assert_eq!(ja_date(jiff::civil::date(2026, 12, 31)), "2026年12月31日");
        let dt = jiff::civil::date(2026, 5, 1).at(9, 5, 0, 0);
        assert_eq!(ja_datetime(dt), "2026年5月1日 09:05");
        assert_eq!(ja_date_or_dash(None), "－");
        let z: ZonedDateTime = "2026-05-01T09:05:00+09:00[Asia/Tokyo]".parse().unwrap();
        assert_eq!(ja_zoned(&z), "2026年5月1日 09:05");
    }
}
