//! Filling in an exported checklist the way a person typing into Excel
//! would — for tests of the import path (this crate's and the server's).
//! Only with the `testing` feature: it edits the sheet XML inside the zip,
//! keeping each cell's style, and panics on a file that is not one of ours.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read, Write};

use calamine::{Data, Reader, Xlsx};

use crate::error::column_letter;
use crate::layout;

/// Every cell of a sheet as text, by absolute 0-based position.
pub fn cells(xlsx: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let (r0, c0) = range.start().unwrap();
    let mut out = vec![Vec::new(); r0 as usize];
    for row in range.rows() {
        let mut v = vec![String::new(); c0 as usize];
        v.extend(row.iter().map(|d| match d {
            Data::String(s) => s.clone(),
            Data::Empty => String::new(),
            other => other.to_string(),
        }));
        out.push(v);
    }
    out
}

/// The data sheets' names, in workbook order (the metadata sheet left out).
pub fn sheet_names(xlsx: &[u8]) -> Vec<String> {
    let book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    book.sheet_names()
        .into_iter()
        .filter(|n| n != layout::META_SHEET)
        .collect()
}

/// The 0-based column of `heading` in the header row.
pub fn col(grid: &[Vec<String>], heading: &str) -> usize {
    grid[layout::HEADER_ROW as usize]
        .iter()
        .position(|c| c == heading)
        .unwrap_or_else(|| panic!("no column {heading}"))
}

/// The 0-based row holding `item_id` in the hidden column, if any.
pub fn row_of(grid: &[Vec<String>], item_id: &str) -> Option<usize> {
    let id = col(grid, layout::H_ID);
    grid.iter()
        .position(|r| r.get(id).is_some_and(|c| c == item_id))
}

/// `K12` for a 0-based row and column.
pub fn cell_ref(row: usize, col: usize) -> String {
    format!("{}{}", column_letter(col as u32), row + 1)
}

/// Types `value` into the cell under `heading` of the row of each
/// `(item id, heading, value)`, on whichever sheet holds the item.
pub fn fill_items(xlsx: &[u8], edits: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut out = xlsx.to_vec();
    for (n, sheet) in sheet_names(xlsx).iter().enumerate() {
        let grid = cells(xlsx, sheet);
        let mine: Vec<(String, String)> = edits
            .iter()
            .filter_map(|(id, heading, value)| {
                row_of(&grid, id).map(|r| (cell_ref(r, col(&grid, heading)), (*value).to_owned()))
            })
            .collect();
        if !mine.is_empty() {
            out = fill(&out, n + 1, &mine);
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Sets cells of `xl/worksheets/sheet{n}.xml` to inline strings, keeping each
/// cell's style — what typing into the cell does.
pub fn fill(xlsx: &[u8], sheet_no: usize, edits: &[(String, String)]) -> Vec<u8> {
    let target = format!("xl/worksheets/sheet{sheet_no}.xml");
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == target {
            let mut xml = String::from_utf8(data).unwrap();
            for (cell, value) in edits {
                xml = set_cell(&xml, cell, value);
            }
            data = xml.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn set_cell(xml: &str, cell: &str, value: &str) -> String {
    let pat = format!("<c r=\"{cell}\"");
    let start = xml
        .find(&pat)
        .unwrap_or_else(|| panic!("cell {cell} not in sheet"));
    let tag_end = start + xml[start..].find('>').unwrap();
    let self_closing = xml[..tag_end].ends_with('/');
    let (attrs_end, elem_end) = if self_closing {
        (tag_end - 1, tag_end + 1)
    } else {
        let close = tag_end + xml[tag_end..].find("</c>").unwrap();
        (tag_end, close + 4)
    };
    let style = xml[start + pat.len()..attrs_end]
        .split_whitespace()
        .find(|a| a.starts_with("s="))
        .unwrap_or("");
    let new = if value.is_empty() {
        format!("<c r=\"{cell}\" {style}/>")
    } else {
        format!(
            "<c r=\"{cell}\" {style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
            escape(value)
        )
    };
    format!("{}{}{}", &xml[..start], new, &xml[elem_end..])
}

/// The raw XML of a part of the workbook.
pub fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut f = zip.by_name(name).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

/// A cell of [`workbook`].
pub enum TestCell<'a> {
    Text(&'a str),
    /// A date-time cell, `YYYY-MM-DD HH:MM:SS`, formatted as Excel shows dates.
    DateTime(&'a str),
    Bool(bool),
    Number(f64),
    Empty,
}

/// A one-sheet workbook as a person would type it in Excel (real date-time
/// and boolean cells), for tests of the records import.
pub fn workbook(sheet: &str, rows: &[Vec<TestCell<'_>>]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    let when = Format::new().set_num_format("yyyy/m/d h:mm");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                TestCell::Text(t) => {
                    ws.write_string(r, c, *t).unwrap();
                }
                TestCell::DateTime(t) => {
                    ws.write_datetime_with_format(
                        r,
                        c,
                        ExcelDateTime::parse_from_str(t).unwrap(),
                        &when,
                    )
                    .unwrap();
                }
                TestCell::Bool(b) => {
                    ws.write_boolean(r, c, *b).unwrap();
                }
                TestCell::Number(n) => {
                    ws.write_number(r, c, *n).unwrap();
                }
                TestCell::Empty => {}
            }
        }
    }
    wb.save_to_buffer().unwrap()
}
