//! Oversight records (障害・問合せ・インシデント…) from an Excel workbook:
//! the first sheet as rows of cell texts in the forms the CSV import reads
//! (`kijun_core::oversight::csv`), so a spreadsheet and a CSV file are
//! checked by one importer and report problems at the same row and column.
//!
//! Cells become text as a person sees them: date-time cells as Asia/Tokyo
//! local time `2026-05-10 01:00` (Excel keeps no zone; the CSV import reads
//! such text as Japan time), date cells as `2026-05-10`, whole numbers
//! without `.0`, booleans as `true` / `false`. The header is the sheet's
//! first used row.

use calamine::{Data, Reader};

use crate::error::{ImportError, ImportErrorKind, ImportErrors};
use crate::grid::{date_from_serial, open};

/// The first sheet's name and its rows (header first), trailing empty
/// cells dropped.
pub fn record_rows(bytes: &[u8]) -> Result<(String, Vec<Vec<String>>), ImportErrors> {
    let mut book = open(bytes)?;
    let Some(name) = book.sheet_names().first().cloned() else {
        return Err(ImportErrors::one(ImportError::file(
            ImportErrorKind::NotXlsx {
                detail: "シートがありません".into(),
            },
        )));
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        ImportErrors::one(ImportError::file(ImportErrorKind::NotXlsx {
            detail: format!("シート「{name}」: {e}"),
        }))
    })?;
    let rows = range
        .rows()
        .map(|cells| {
            let mut row: Vec<String> = cells.iter().map(record_cell_text).collect();
            while row.last().is_some_and(String::is_empty) {
                row.pop();
            }
            row
        })
        .collect();
    Ok((name, rows))
}

/// A cell as the CSV importer reads it.
fn record_cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Data::DateTime(d) if d.is_datetime() => serial_text(d.as_f64()),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

/// An Excel serial date-time as `YYYY-MM-DD` (midnight) or
/// `YYYY-MM-DD HH:MM[:SS]`, to the nearest second.
fn serial_text(serial: f64) -> String {
    let mut seconds = (serial * 86_400.0).round() as i64;
    let days = seconds.div_euclid(86_400);
    seconds = seconds.rem_euclid(86_400);
    let Some(date) = date_from_serial(days as f64) else {
        return serial.to_string();
    };
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (h, m, s) {
        (0, 0, 0) if serial.fract() == 0.0 => date.to_string(),
        (_, _, 0) => format!("{date} {h:02}:{m:02}"),
        _ => format!("{date} {h:02}:{m:02}:{s:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    fn workbook() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("障害")?;
        let when = Format::new().set_num_format("yyyy/m/d h:mm");
        let day = Format::new().set_num_format("yyyy/m/d");
        ws.write_string(0, 0, "start")?;
        ws.write_string(0, 1, "end")?;
        ws.write_string(0, 2, "major")?;
        ws.write_string(0, 3, "description")?;
        ws.write_string(0, 4, "raised_on")?;
        ws.write_datetime_with_format(
            1,
            0,
            &ExcelDateTime::parse_from_str("2026-05-10 01:00:00")?,
            &when,
        )?;
        ws.write_datetime_with_format(
            1,
            1,
            &ExcelDateTime::parse_from_str("2026-05-10 08:00:30")?,
            &when,
        )?;
        ws.write_boolean(1, 2, true)?;
        ws.write_string(1, 3, " ストレージ障害 ")?;
        ws.write_datetime_with_format(1, 4, &ExcelDateTime::parse_from_str("2026-05-11")?, &day)?;
        ws.write_number(2, 2, 0.0)?;
        ws.write_number(2, 3, 12.5)?;
        wb.save_to_buffer()
    }

    #[test]
    fn dates_times_numbers_and_booleans_read_as_the_csv_import_expects()
    -> Result<(), Box<dyn std::error::Error>> {
        let (name, rows) = record_rows(&workbook()?).map_err(|e| e.to_string())?;
        assert_eq!(name, "障害");
        assert_eq!(
            rows[0],
            ["start", "end", "major", "description", "raised_on"]
        );
        assert_eq!(
            rows[1],
            [
                "2026-05-10 01:00",
                "2026-05-10 08:00:30",
                "true",
                "ストレージ障害",
                "2026-05-11"
            ]
        );
        assert_eq!(rows[2], ["", "", "0", "12.5"]);
        Ok(())
    }

    #[test]
    fn anything_but_a_workbook_is_refused() {
        assert!(record_rows(b"start,end\n").is_err());
    }
}
