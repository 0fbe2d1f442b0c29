//! The monthly service report (サービス実績報告書) as an Excel workbook: one
//! sheet, the report's sections one after another as headed tables, A4
//! landscape fitted to the page width, Japanese headings, explicit column
//! widths and wrapped cells. Neutral input ([`ReportSheet`]): the caller
//! (the web server) fills it from the same data as the PDF. Pure: bytes
//! out, no clock.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use crate::error::ExchangeError;

/// The sheet's name.
pub const SHEET_NAME: &str = "サービス実績報告書";

/// Narrowest and widest column (Excel character widths).
const MIN_WIDTH: f64 = 8.0;
const MAX_WIDTH: f64 = 60.0;
/// The width of a column no table sets.
const DEFAULT_WIDTH: f64 = 12.0;

/// A column of a table: its header and width (Excel character widths).
#[derive(Debug, Clone, PartialEq)]
pub struct SheetColumn {
    pub header: String,
    pub width: f64,
}

/// One block of the sheet, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetBlock {
    /// A section heading (level 1) or sub-heading (2, 3).
    Heading { level: u8, text: String },
    /// A sentence or two, in the first column, spanning the table width.
    Text(String),
    /// A table with a header row.
    Table {
        columns: Vec<SheetColumn>,
        rows: Vec<Vec<String>>,
    },
}

/// The workbook's content.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportSheet {
    /// Printed in the first row and in the page header.
    pub title: String,
    /// Lines under the title (宛先, 対象月, 作成日時).
    pub meta: Vec<String>,
    pub blocks: Vec<SheetBlock>,
}

/// The column widths: per column, the widest any table asks for.
fn widths(sheet: &ReportSheet) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for b in &sheet.blocks {
        if let SheetBlock::Table { columns, .. } = b {
            for (i, c) in columns.iter().enumerate() {
                let w = c.width.clamp(MIN_WIDTH, MAX_WIDTH);
                match out.get_mut(i) {
                    Some(old) => *old = old.max(w),
                    None => out.push(w),
                }
            }
        }
    }
    if out.is_empty() {
        out.push(DEFAULT_WIDTH);
    }
    out
}

/// Writes the report as a one-sheet workbook.
pub fn write_report_sheet(sheet: &ReportSheet) -> Result<Vec<u8>, ExchangeError> {
    let mut workbook = Workbook::new();
    let font = "游ゴシック";
    let title = Format::new()
        .set_font_name(font)
        .set_bold()
        .set_font_size(16);
    let meta = Format::new().set_font_name(font);
    let h1 = Format::new()
        .set_font_name(font)
        .set_bold()
        .set_font_size(13);
    let h2 = Format::new()
        .set_font_name(font)
        .set_bold()
        .set_font_size(11);
    let text = Format::new()
        .set_font_name(font)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let header = Format::new()
        .set_font_name(font)
        .set_bold()
        .set_text_wrap()
        .set_background_color("D9E1F2")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let cell = Format::new()
        .set_font_name(font)
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);

    let widths = widths(sheet);
    let last_col = u16::try_from(widths.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let ws = workbook.add_worksheet();
    ws.set_name(SHEET_NAME)?;
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(u16::try_from(i).unwrap_or(u16::MAX), *w)?;
    }

    let mut row: u32 = 0;
    ws.write_string_with_format(row, 0, &sheet.title, &title)?;
    row += 1;
    for line in &sheet.meta {
        ws.write_string_with_format(row, 0, line, &meta)?;
        row += 1;
    }
    for block in &sheet.blocks {
        match block {
            SheetBlock::Heading { level, text: t } => {
                row += 1;
                let f = if *level <= 1 { &h1 } else { &h2 };
                ws.write_string_with_format(row, 0, t, f)?;
                row += 1;
            }
            SheetBlock::Text(t) => {
                if last_col > 0 {
                    ws.merge_range(row, 0, row, last_col, t, &text)?;
                } else {
                    ws.write_string_with_format(row, 0, t, &text)?;
                }
                let lines = u32::try_from(t.lines().count().max(1)).unwrap_or(1);
                if lines > 1 {
                    ws.set_row_height(row, 15.0 * f64::from(lines))?;
                }
                row += 1;
            }
            SheetBlock::Table { columns, rows } => {
                for (c, col) in columns.iter().enumerate() {
                    let c = u16::try_from(c).unwrap_or(u16::MAX);
                    ws.write_string_with_format(row, c, &col.header, &header)?;
                }
                row += 1;
                for cells in rows {
                    for (c, value) in cells.iter().enumerate() {
                        let c = u16::try_from(c).unwrap_or(u16::MAX);
                        ws.write_string_with_format(row, c, value, &cell)?;
                    }
                    row += 1;
                }
            }
        }
    }

    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_header(format!("&L{}", sheet.title.replace('&', "&&")));
    ws.set_footer("&C&P / &N");
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_workbook_with_every_block() -> Result<(), ExchangeError> {
        let sheet = ReportSheet {
            title: "サービス実績報告書".into(),
            meta: vec!["見本市".into(), "対象月　2026年5月".into()],
            blocks: vec![
                SheetBlock::Heading {
                    level: 1,
                    text: "1. 本サービスの実施実績".into(),
                },
                SheetBlock::Text("対象月の問合せはありません。\n二行目".into()),
                SheetBlock::Table {
                    columns: vec![
                        SheetColumn {
                            header: "評価項目".into(),
                            width: 20.0,
                        },
                        SheetColumn {
                            header: "判定".into(),
                            width: 2.0,
                        },
                    ],
                    rows: vec![vec!["サービス稼働率".into(), "達成".into()]],
                },
            ],
        };
        assert_eq!(widths(&sheet), vec![20.0, MIN_WIDTH]);
        let bytes = write_report_sheet(&sheet)?;
        assert!(crate::looks_like_xlsx(&bytes));
        Ok(())
    }
}
