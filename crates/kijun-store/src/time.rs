//! UTC timestamps as stored: fixed-width ISO 8601 text with microseconds
//! (`2026-11-24T21:35:00.123456Z`), identical on SQLite and PostgreSQL, so
//! text order is time order and the audit hash sees one canonical form.

use jiff::Timestamp;

use crate::db::StoreError;

/// The stored form of `ts` (truncated to microseconds).
pub fn format(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parses a stored timestamp.
pub fn parse(s: &str) -> Result<Timestamp, StoreError> {
    s.parse::<Timestamp>()
        .map_err(|e| StoreError::Corrupt(format!("timestamp `{s}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_round_trip() -> Result<(), StoreError> {
        let ts: Timestamp = "2026-05-01T00:00:00Z"
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
        assert_eq!(format(ts), "2026-05-01T00:00:00.000000Z");
        let precise = Timestamp::new(1_800_000_000, 123_456_789)
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
        let text = format(precise);
        assert_eq!(text, "2027-01-15T08:00:00.123456Z");
        assert_eq!(format(parse(&text)?), text);
        Ok(())
    }
}
