//! The HTML backend: one self-contained page (no scripts, fonts or style
//! sheets fetched from anywhere) with print CSS — A4 pages, landscape
//! sections, table header rows repeated on every printed page (`thead`),
//! rows kept whole, headings kept with what follows, page numbers in the page
//! margin where the browser supports it. All text is escaped.

use std::fmt::Write;

use crate::date::ja_zoned;
use crate::document::{Align, Block, Document, Orientation, Row, Table};

/// The print style sheet embedded in every page.
pub const PRINT_CSS: &str = r#"
@page { size: A4 portrait; margin: 15mm 15mm 18mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
@page landscape { size: A4 landscape; }
:root { color: #000; background: #fff; }
body { font-family: "IPAexGothic", "IPAexゴシック", "Noto Sans JP", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
  font-size: 9.5pt; line-height: 1.6; margin: 0 auto; max-width: 180mm; padding: 8mm 0; }
body.landscape { max-width: 267mm; }
section.landscape { page: landscape; }
section + section { break-before: page; }
header.doc { text-align: center; margin-bottom: 6mm; }
header.doc h1 { font-size: 16pt; margin: 0 0 2mm; }
header.doc p { text-align: right; font-size: 9pt; margin: 0; }
h2 { font-size: 12.5pt; border-bottom: 0.8pt solid #000; margin: 6mm 0 2mm; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
h4 { font-size: 10pt; margin: 3mm 0 1mm; }
h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 2mm; white-space: pre-wrap; overflow-wrap: anywhere; line-break: strict; }
table { border-collapse: collapse; width: 100%; margin: 0 0 4mm; font-size: 8.5pt; line-height: 1.4; }
caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
th, td { border: 0.5pt solid #000; padding: 0.9mm 1.2mm; vertical-align: top;
  white-space: pre-wrap; overflow-wrap: anywhere; line-break: strict; }
thead { display: table-header-group; }
thead th { background: #dbdbdb; text-align: center; }
tr { break-inside: avoid; page-break-inside: avoid; }
tbody tr:first-child { break-before: avoid; page-break-before: avoid; }
tr.group td { background: #ededed; font-weight: bold; }
table.kv th { background: #f2f2f2; text-align: left; width: 26%; font-weight: normal; }
.c { text-align: center; } .r { text-align: right; }
footer.doc { margin-top: 6mm; font-size: 8pt; color: #333; }
@media print { * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } body { padding: 0; max-width: none; } }
"#;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders `doc` as one self-contained HTML page with print CSS.
pub fn render_html(doc: &Document) -> String {
    let mut out = String::new();
    let body_class = match doc.orientation {
        Orientation::Portrait => "portrait",
        Orientation::Landscape => "landscape",
    };
    // `write!` into a String cannot fail.
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"kijun\">\n<title>{}</title>\n<style>{}</style>\n</head>\n\
         <body class=\"{body_class}\">\n",
        escape(&doc.title),
        PRINT_CSS
    );
    let mut orientation = doc.orientation;
    open_section(&mut out, orientation);
    let _ = writeln!(
        out,
        "<header class=\"doc\">\n<h1>{}</h1>",
        escape(&doc.title)
    );
    for line in &doc.meta {
        let _ = writeln!(out, "<p>{}</p>", escape(line));
    }
    out.push_str("</header>\n");
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                // The document title is the page's h1; section levels start at h2.
                let tag = (level.clamp(&1, &3) + 1).to_string();
                let _ = writeln!(out, "<h{tag}>{}</h{tag}>", escape(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", escape(text));
            }
            Block::KeyValue(pairs) => {
                out.push_str("<table class=\"kv\">\n<tbody>\n");
                for (key, value) in pairs {
                    let _ = writeln!(
                        out,
                        "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                        escape(key),
                        escape(value)
                    );
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Table(table) => table_html(&mut out, table),
            Block::PageBreak { orientation: next } => {
                orientation = next.unwrap_or(doc.orientation);
                out.push_str("</section>\n");
                open_section(&mut out, orientation);
            }
        }
    }
    out.push_str("</section>\n");
    let _ = writeln!(
        out,
        "<footer class=\"doc\">{}{}作成 {}</footer>",
        escape(&doc.footer),
        if doc.footer.is_empty() { "" } else { "　" },
        escape(&ja_zoned(&doc.created))
    );
    out.push_str("</body>\n</html>\n");
    out
}

fn open_section(out: &mut String, orientation: Orientation) {
    out.push_str(match orientation {
        Orientation::Portrait => "<section class=\"portrait\">\n",
        Orientation::Landscape => "<section class=\"landscape\">\n",
    });
}

fn align_class(align: Align) -> &'static str {
    match align {
        Align::Left => "",
        Align::Center => " class=\"c\"",
        Align::Right => " class=\"r\"",
    }
}

fn table_html(out: &mut String, table: &Table) {
    out.push_str("<table>\n");
    if !table.caption.is_empty() {
        let _ = writeln!(out, "<caption>{}</caption>", escape(&table.caption));
    }
    let total: f32 = table
        .columns
        .iter()
        .map(|c| if c.width > 0.0 { c.width } else { 1.0 })
        .sum();
    out.push_str("<colgroup>");
    for column in &table.columns {
        let width = if column.width > 0.0 {
            column.width
        } else {
            1.0
        };
        let _ = write!(out, "<col style=\"width:{:.1}%\">", width / total * 100.0);
    }
    out.push_str("</colgroup>\n<thead>\n<tr>");
    for column in &table.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(&column.header));
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in &table.rows {
        match row {
            Row::Cells(cells) => {
                out.push_str("<tr>");
                for (i, cell) in cells.iter().enumerate() {
                    let align = table.columns.get(i).map(|c| c.align).unwrap_or_default();
                    let _ = write!(out, "<td{}>{}</td>", align_class(align), escape(cell));
                }
                out.push_str("</tr>\n");
            }
            Row::Group(text) => {
                let _ = writeln!(
                    out,
                    "<tr class=\"group\"><td colspan=\"{}\">{}</td></tr>",
                    table.columns.len().max(1),
                    escape(text)
                );
            }
        }
    }
    out.push_str("</tbody>\n</table>\n");
}
