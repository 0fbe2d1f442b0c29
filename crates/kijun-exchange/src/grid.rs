//! Worksheets as text: opening an .xlsx from bytes, a sheet (or a
//! tab-separated text) as a grid of trimmed-at-use strings addressed by Excel's
//! own 0-based row and column, and the date conversions between Excel serial
//! numbers, written dates and [`kijun_core::catalog::Date`].

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};
use kijun_core::catalog::Date;

use crate::error::{ImportError, ImportErrorKind, ImportErrors};

/// An opened workbook.
pub(crate) type Book<'a> = Xlsx<Cursor<&'a [u8]>>;

/// Whether `bytes` start like a zip archive (every .xlsx does).
pub fn looks_like_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Opens an .xlsx held in memory; anything else is [`ImportErrorKind::NotXlsx`].
pub(crate) fn open(bytes: &[u8]) -> Result<Book<'_>, ImportErrors> {
    if !looks_like_xlsx(bytes) {
        return Err(ImportErrors::one(ImportError::file(
            ImportErrorKind::NotXlsx {
                detail: "ファイルの先頭が xlsx (zip) の形式ではありません".into(),
            },
        )));
    }
    Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        ImportErrors::one(ImportError::file(ImportErrorKind::NotXlsx {
            detail: e.to_string(),
        }))
    })
}

/// Reads one sheet of an opened workbook as a grid.
pub(crate) fn sheet(book: &mut Book<'_>, name: &str) -> Result<Grid, ImportErrors> {
    match book.worksheet_range(name) {
        Ok(range) => Ok(Grid::from_range(name, &range)),
        Err(e) => Err(ImportErrors::one(ImportError::file(
            ImportErrorKind::NotXlsx {
                detail: format!("シート「{name}」: {e}"),
            },
        ))),
    }
}

/// The cells of one sheet as strings, addressed by absolute 0-based position.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grid {
    /// The sheet's name; `None` for a text file.
    pub sheet: Option<String>,
    rows: Vec<Vec<String>>,
}

impl Grid {
    pub fn from_range(sheet: &str, range: &Range<Data>) -> Grid {
        let mut rows = Vec::new();
        if let Some((r0, c0)) = range.start() {
            rows.resize_with(r0 as usize, Vec::new);
            for cells in range.rows() {
                let mut row = vec![String::new(); c0 as usize];
                row.extend(cells.iter().map(cell_text));
                while row.last().is_some_and(String::is_empty) {
                    row.pop();
                }
                rows.push(row);
            }
        }
        Grid {
            sheet: Some(sheet.to_owned()),
            rows,
        }
    }

    /// A tab-separated text (a sheet copied out of Excel): one line a row.
    pub fn from_tsv(text: &str) -> Grid {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let rows = text
            .lines()
            .map(|line| {
                line.trim_end_matches('\r')
                    .split('\t')
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        Grid { sheet: None, rows }
    }

    /// The cell's text ("" outside the used range).
    pub fn get(&self, row: u32, col: u32) -> &str {
        self.rows
            .get(row as usize)
            .and_then(|r| r.get(col as usize))
            .map_or("", String::as_str)
    }

    pub fn height(&self) -> u32 {
        self.rows.len() as u32
    }

    /// The cells of a row.
    pub fn row(&self, row: u32) -> &[String] {
        self.rows.get(row as usize).map_or(&[], Vec::as_slice)
    }

    pub fn sheet(&self) -> Option<&str> {
        self.sheet.as_deref()
    }
}

fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(d) => {
            let v = d.as_f64();
            match date_from_serial(v) {
                Some(date) if d.is_datetime() && v.fract() == 0.0 => date.to_string(),
                _ => number_text(v),
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// Excel's serial day number of a date (1900 date system).
pub fn excel_serial(date: Date) -> f64 {
    (days_from_civil(
        i64::from(date.year),
        i64::from(date.month),
        i64::from(date.day),
    ) + 25_569) as f64
}

/// The date of an Excel serial day number (time of day ignored); `None`
/// before 1900-03-01 (Excel's 1900 leap-year bug) or past 9999.
pub fn date_from_serial(serial: f64) -> Option<Date> {
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let (y, m, d) = civil_from_days(serial.floor() as i64 - 25_569);
    Some(Date {
        year: u16::try_from(y).ok()?,
        month: u8::try_from(m).ok()?,
        day: u8::try_from(d).ok()?,
    })
}

/// A date as people write it: `2027-03-31`, `2027/3/31`, `2027.3.31`,
/// `2027年3月31日` (full-width digits too), an ISO date-time, or an Excel
/// serial number.
pub fn parse_date(text: &str) -> Option<Date> {
    let t: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '－' => '-',
            _ => c,
        })
        .collect();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        return t.parse::<f64>().ok().and_then(date_from_serial);
    }
    let t = t.split(['T', ' ']).next().unwrap_or("");
    let t = t.strip_suffix('日').unwrap_or(t);
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    kijun_core::service::parse_date(&format!("{y:04}-{m:02}-{d:02}"))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn serial_numbers_match_excel() {
        // Excel: 2027-03-31 is 46477, 1900-03-01 is 61, 2000-01-01 is 36526.
        assert_eq!(excel_serial(date(2027, 3, 31)), 46_477.0);
        assert_eq!(excel_serial(date(1900, 3, 1)), 61.0);
        assert_eq!(excel_serial(date(2000, 1, 1)), 36_526.0);
        assert_eq!(date_from_serial(46_477.0), Some(date(2027, 3, 31)));
        assert_eq!(date_from_serial(46_477.75), Some(date(2027, 3, 31)));
        assert_eq!(date_from_serial(60.0), None);
    }

    #[test]
    fn written_dates() {
        for t in [
            "2027-03-31",
            "2027/3/31",
            "2027.3.31",
            "2027年3月31日",
            "２０２７／３／３１",
            "2027-03-31T00:00:00",
            "46477",
        ] {
            assert_eq!(parse_date(t), Some(date(2027, 3, 31)), "{t}");
        }
        for t in [
            "",
            "来年3月",
            "2027-02-30",
            "2027-3",
            "3/31/2027",
            "46477.5x",
        ] {
            assert_eq!(parse_date(t), None, "{t}");
        }
    }
}
