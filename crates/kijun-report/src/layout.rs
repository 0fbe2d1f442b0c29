//! Page layout for the PDF backend: turns a [`Document`] into A4 pages of
//! positioned drawing operations (text lines, rectangles, rules), with line
//! wrapping, tables whose rows grow with their wrapped cells, page breaks that
//! repeat a table's header row, and the footer with "1 / N" page numbers.
//! Coordinates are points from the top-left corner of the page. The PDF
//! writer ([`crate::pdf`]) only draws what this module places.

use crate::ReportError;
use crate::document::{Align, Block, Document, Orientation, Row, Table};
use crate::font::Face;
use crate::wrap::wrap;

/// A4 in points.
const A4_SHORT: f32 = 595.276;
const A4_LONG: f32 = 841.89;

const MARGIN_X: f32 = 42.0;
const MARGIN_TOP: f32 = 42.0;
const MARGIN_BOTTOM: f32 = 54.0;
/// Baseline of the footer, from the bottom edge.
const FOOTER_BASELINE: f32 = 28.0;

const TITLE_SIZE: f32 = 16.0;
const META_SIZE: f32 = 9.0;
const HEADING_SIZES: [f32; 3] = [12.5, 11.0, 10.0];
const BODY_SIZE: f32 = 9.5;
const BODY_LEADING: f32 = 1.6;
const TABLE_SIZE: f32 = 8.5;
const TABLE_LEADING: f32 = 1.4;
const CELL_PAD_X: f32 = 3.5;
const CELL_PAD_Y: f32 = 2.5;
const FOOTER_SIZE: f32 = 8.0;
const RULE: f32 = 0.5;

/// Gray levels (0 black … 1 white) of shaded cells.
const HEADER_FILL: f32 = 0.86;
const GROUP_FILL: f32 = 0.93;
const LABEL_FILL: f32 = 0.95;

/// Stand-in for a character the font has no glyph for (げた記号).
const MISSING: char = '〓';

/// A drawing operation on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// A line of text; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        bold: bool,
    },
    /// A rectangle, filled with a gray level and/or stroked.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<f32>,
        stroke: Option<f32>,
    },
    /// A straight rule.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
}

/// One laid-out page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) ops: Vec<Op>,
}

impl Page {
    fn new(orientation: Orientation) -> Page {
        let (width, height) = match orientation {
            Orientation::Portrait => (A4_SHORT, A4_LONG),
            Orientation::Landscape => (A4_LONG, A4_SHORT),
        };
        Page {
            width,
            height,
            ops: Vec::new(),
        }
    }

    /// The text lines of the page, in drawing order (for tests).
    #[cfg(test)]
    pub(crate) fn texts(&self) -> Vec<&str> {
        self.ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Lays out `doc` on pages.
pub(crate) fn layout(doc: &Document, face: &Face) -> Result<Vec<Page>, ReportError> {
    let mut l = Layouter {
        face,
        pages: Vec::new(),
        page: Page::new(doc.orientation),
        y: MARGIN_TOP,
        default_orientation: doc.orientation,
    };
    l.title(doc);
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading { level, text } => {
                let next = doc.blocks.get(i + 1).map_or(0.0, |b| l.opening_height(b));
                l.heading(*level, text, next)
            }
            Block::Paragraph(text) => l.paragraph(text),
            Block::KeyValue(pairs) => l.key_values(pairs),
            Block::Table(table) => l.table(table)?,
            Block::PageBreak { orientation } => {
                l.page_break(orientation.unwrap_or(l.default_orientation))
            }
        }
    }
    let mut pages = l.pages;
    pages.push(l.page);
    add_footers(&mut pages, &doc.footer, face);
    Ok(pages)
}

/// Replaces characters the font cannot draw: tabs become spaces, other
/// control characters go, characters without a glyph become 〓.
fn clean(face: &Face, text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c if !face.has_glyph(c) => Some(MISSING),
            c => Some(c),
        })
        .collect()
}

/// A table prepared for layout: absolute column widths and wrapped cells.
struct Grid {
    widths: Vec<f32>,
    aligns: Vec<Align>,
    header: Option<Vec<Vec<String>>>,
    rows: Vec<GridRow>,
    /// Whether the first column is shaded (labels of a key-value block).
    label_column: bool,
}

enum GridRow {
    Cells(Vec<Vec<String>>),
    Group(Vec<String>),
}

impl GridRow {
    fn line_count(&self) -> usize {
        match self {
            GridRow::Cells(cells) => cells.iter().map(Vec::len).max().unwrap_or(1).max(1),
            GridRow::Group(lines) => lines.len().max(1),
        }
    }
}

fn line_height() -> f32 {
    TABLE_SIZE * TABLE_LEADING
}

fn row_height(lines: usize) -> f32 {
    lines as f32 * line_height() + 2.0 * CELL_PAD_Y
}

struct Layouter<'f> {
    face: &'f Face,
    pages: Vec<Page>,
    page: Page,
    /// Top of the free space on the current page.
    y: f32,
    default_orientation: Orientation,
}

impl Layouter<'_> {
    fn content_width(&self) -> f32 {
        self.page.width - 2.0 * MARGIN_X
    }

    fn bottom(&self) -> f32 {
        self.page.height - MARGIN_BOTTOM
    }

    /// Whether nothing has been placed on the current page yet.
    fn fresh(&self) -> bool {
        self.page.ops.is_empty()
    }

    fn new_page(&mut self, orientation: Orientation) {
        let page = std::mem::replace(&mut self.page, Page::new(orientation));
        self.pages.push(page);
        self.y = MARGIN_TOP;
    }

    fn current_orientation(&self) -> Orientation {
        if self.page.width > self.page.height {
            Orientation::Landscape
        } else {
            Orientation::Portrait
        }
    }

    /// Starts a new page unless `height` still fits (or the page is empty).
    fn ensure(&mut self, height: f32) {
        if self.y + height > self.bottom() && !self.fresh() {
            self.new_page(self.current_orientation());
        }
    }

    fn page_break(&mut self, orientation: Orientation) {
        if self.fresh() {
            self.page = Page::new(orientation);
            self.y = MARGIN_TOP;
        } else {
            self.new_page(orientation);
        }
    }

    fn wrap(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        let face = self.face;
        wrap(&clean(face, text), width, |c| face.advance(c, size))
    }

    /// Baseline of a line of `size` whose line box starts at `top` and is
    /// `leading` high: the em box is centred in the line box.
    fn baseline(&self, top: f32, size: f32, leading: f32) -> f32 {
        top + (leading - size) / 2.0 + self.face.ascent * size
    }

    fn text_line(&mut self, x: f32, top: f32, size: f32, leading: f32, text: String, bold: bool) {
        if text.is_empty() {
            return;
        }
        let y = self.baseline(top, size, leading);
        self.page.ops.push(Op::Text {
            x,
            y,
            size,
            text,
            bold,
        });
    }

    fn title(&mut self, doc: &Document) {
        let width = self.content_width();
        let leading = TITLE_SIZE * 1.5;
        for line in self.wrap(&doc.title, width, TITLE_SIZE) {
            let w = self.face.width(&line, TITLE_SIZE);
            let x = MARGIN_X + (width - w).max(0.0) / 2.0;
            self.text_line(x, self.y, TITLE_SIZE, leading, line, true);
            self.y += leading;
        }
        self.y += 4.0;
        let leading = META_SIZE * 1.5;
        for meta in &doc.meta {
            for line in self.wrap(meta, width, META_SIZE) {
                let w = self.face.width(&line, META_SIZE);
                let x = MARGIN_X + (width - w).max(0.0);
                self.text_line(x, self.y, META_SIZE, leading, line, false);
                self.y += leading;
            }
        }
        self.y += 8.0;
    }

    /// The height of the start of `block` that must not be separated from a
    /// heading before it: two lines of a paragraph, a table's header row with
    /// its first row (and the row after a leading group row).
    fn opening_height(&self, block: &Block) -> f32 {
        match block {
            Block::Paragraph(text) => {
                let lines = self
                    .wrap(text, self.content_width(), BODY_SIZE)
                    .len()
                    .min(2);
                lines as f32 * BODY_SIZE * BODY_LEADING
            }
            Block::KeyValue(pairs) => self.opening_of(&self.key_value_grid(pairs)),
            Block::Table(table) => self
                .table_grid(table)
                .map_or(0.0, |grid| self.opening_of(&grid)),
            Block::Heading { .. } | Block::PageBreak { .. } => 0.0,
        }
    }

    /// The header row and the first row, plus the row after a leading group
    /// row: what [`Self::grid`] will not separate.
    fn opening_of(&self, grid: &Grid) -> f32 {
        let header = Self::header_height(grid);
        let mut height = header;
        if let Some(first) = grid.rows.first() {
            height += self.row_opening(first, header);
            if let (GridRow::Group(_), Some(next)) = (first, grid.rows.get(1)) {
                height += self.row_opening(next, header);
            }
        }
        height
    }

    /// The part of `row` that cannot go on one page without the rest: all of
    /// it if it fits on a page under the header row, else its first line
    /// (it is split across pages anyway).
    fn row_opening(&self, row: &GridRow, header: f32) -> f32 {
        let whole = row_height(row.line_count());
        if whole <= self.bottom() - MARGIN_TOP - header {
            whole
        } else {
            row_height(1)
        }
    }

    fn heading(&mut self, level: u8, text: &str, next: f32) {
        let index = usize::from(level.clamp(1, 3) - 1);
        let size = HEADING_SIZES.get(index).copied().unwrap_or(BODY_SIZE);
        let leading = size * 1.5;
        let space_before = if index == 0 { 10.0 } else { 6.0 };
        let width = self.content_width();
        let lines = self.wrap(text, width, size);
        let height = lines.len() as f32 * leading;
        if !self.fresh() {
            self.y += space_before;
        }
        // Keep the heading with the start of what follows.
        let rule = if index == 0 { 4.0 } else { 0.0 };
        self.ensure(height + rule + 3.0 + next.max(BODY_SIZE * BODY_LEADING));
        for line in lines {
            self.text_line(MARGIN_X, self.y, size, leading, line, true);
            self.y += leading;
        }
        if index == 0 {
            let y = self.y + 1.0;
            self.page.ops.push(Op::Line {
                x1: MARGIN_X,
                y1: y,
                x2: MARGIN_X + width,
                y2: y,
                width: 0.8,
            });
            self.y += 4.0;
        }
        self.y += 3.0;
    }

    fn paragraph(&mut self, text: &str) {
        let leading = BODY_SIZE * BODY_LEADING;
        for line in self.wrap(text, self.content_width(), BODY_SIZE) {
            self.ensure(leading);
            self.text_line(MARGIN_X, self.y, BODY_SIZE, leading, line, false);
            self.y += leading;
        }
        self.y += 4.0;
    }

    fn key_values(&mut self, pairs: &[(String, String)]) {
        let grid = self.key_value_grid(pairs);
        self.grid(&grid);
        self.y += 6.0;
    }

    fn key_value_grid(&self, pairs: &[(String, String)]) -> Grid {
        let width = self.content_width();
        let widths = vec![width * 0.26, width * 0.74];
        let rows = pairs
            .iter()
            .map(|(k, v)| {
                GridRow::Cells(vec![
                    self.wrap(k, widths[0] - 2.0 * CELL_PAD_X, TABLE_SIZE),
                    self.wrap(v, widths[1] - 2.0 * CELL_PAD_X, TABLE_SIZE),
                ])
            })
            .collect();
        Grid {
            widths,
            aligns: vec![Align::Left, Align::Left],
            header: None,
            rows,
            label_column: true,
        }
    }

    fn table(&mut self, table: &Table) -> Result<(), ReportError> {
        let grid = self.table_grid(table)?;
        self.grid(&grid);
        self.y += 8.0;
        Ok(())
    }

    fn table_grid(&self, table: &Table) -> Result<Grid, ReportError> {
        if table.columns.is_empty() {
            return Err(ReportError::NoColumns {
                table: table.caption.clone(),
            });
        }
        let width = self.content_width();
        let weights: Vec<f32> = table
            .columns
            .iter()
            .map(|c| {
                if c.width.is_finite() && c.width > 0.0 {
                    c.width
                } else {
                    1.0
                }
            })
            .collect();
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| w / total * width).collect();
        let header = table
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| self.wrap(&c.header, w - 2.0 * CELL_PAD_X, TABLE_SIZE))
            .collect();
        let mut rows = Vec::with_capacity(table.rows.len());
        for (i, row) in table.rows.iter().enumerate() {
            rows.push(match row {
                Row::Cells(cells) => {
                    if cells.len() != widths.len() {
                        return Err(ReportError::TableShape {
                            table: table.caption.clone(),
                            row: i + 1,
                            cells: cells.len(),
                            columns: widths.len(),
                        });
                    }
                    GridRow::Cells(
                        cells
                            .iter()
                            .zip(&widths)
                            .map(|(text, w)| self.wrap(text, w - 2.0 * CELL_PAD_X, TABLE_SIZE))
                            .collect(),
                    )
                }
                Row::Group(text) => {
                    GridRow::Group(self.wrap(text, width - 2.0 * CELL_PAD_X, TABLE_SIZE))
                }
            });
        }
        Ok(Grid {
            widths,
            aligns: table.columns.iter().map(|c| c.align).collect(),
            header: Some(header),
            rows,
            label_column: false,
        })
    }

    fn header_height(grid: &Grid) -> f32 {
        grid.header.as_ref().map_or(0.0, |h| {
            row_height(h.iter().map(Vec::len).max().unwrap_or(1).max(1))
        })
    }

    fn draw_header(&mut self, grid: &Grid) {
        if let Some(header) = &grid.header {
            let lines = header.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = row_height(lines);
            let mut x = MARGIN_X;
            for (i, cell) in header.iter().enumerate() {
                let w = grid.widths.get(i).copied().unwrap_or(0.0);
                self.cell(x, w, height, Some(HEADER_FILL), cell, Align::Center, true);
                x += w;
            }
            self.y += height;
        }
    }

    /// Draws one cell box at the current `y` with `lines` of text.
    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        x: f32,
        w: f32,
        h: f32,
        fill: Option<f32>,
        lines: &[String],
        align: Align,
        bold: bool,
    ) {
        self.page.ops.push(Op::Rect {
            x,
            y: self.y,
            w,
            h,
            fill,
            stroke: Some(RULE),
        });
        let leading = line_height();
        let mut top = self.y + CELL_PAD_Y;
        for line in lines {
            let lw = self.face.width(line, TABLE_SIZE);
            let lx = match align {
                Align::Left => x + CELL_PAD_X,
                Align::Center => x + (w - lw).max(0.0) / 2.0,
                Align::Right => x + (w - CELL_PAD_X - lw).max(CELL_PAD_X),
            };
            self.text_line(lx, top, TABLE_SIZE, leading, line.clone(), bold);
            top += leading;
        }
    }

    /// Draws lines `from..to` of `row` at the current `y` and advances.
    fn draw_row(&mut self, grid: &Grid, row: &GridRow, from: usize, to: usize) {
        let height = row_height(to - from);
        let slice = |lines: &[String]| -> Vec<String> {
            lines
                .get(from.min(lines.len())..to.min(lines.len()))
                .map(<[String]>::to_vec)
                .unwrap_or_default()
        };
        match row {
            GridRow::Cells(cells) => {
                let mut x = MARGIN_X;
                for (i, cell) in cells.iter().enumerate() {
                    let w = grid.widths.get(i).copied().unwrap_or(0.0);
                    let align = grid.aligns.get(i).copied().unwrap_or_default();
                    let fill = (grid.label_column && i == 0).then_some(LABEL_FILL);
                    self.cell(x, w, height, fill, &slice(cell), align, false);
                    x += w;
                }
            }
            GridRow::Group(lines) => {
                let w: f32 = grid.widths.iter().sum();
                self.cell(
                    MARGIN_X,
                    w,
                    height,
                    Some(GROUP_FILL),
                    &slice(lines),
                    Align::Left,
                    true,
                );
            }
        }
        self.y += height;
    }

    fn grid(&mut self, grid: &Grid) {
        let header_h = Self::header_height(grid);
        let leading = line_height();
        // The header row stays with the first row (and a leading group row
        // with the row after it).
        self.ensure(self.opening_of(grid));
        self.draw_header(grid);
        let page_room = self.bottom() - MARGIN_TOP - header_h;
        for (i, row) in grid.rows.iter().enumerate() {
            let total = row.line_count();
            // A group row stays with (the start of) the row after it.
            if let (GridRow::Group(_), Some(next)) = (row, grid.rows.get(i + 1)) {
                let keep = row_height(total) + self.row_opening(next, header_h);
                let on_fresh_page = self.y <= MARGIN_TOP + header_h + 0.01;
                if self.y + keep > self.bottom() && !on_fresh_page {
                    self.new_page(self.current_orientation());
                    self.draw_header(grid);
                }
            }
            let mut from = 0;
            while from < total {
                let available = self.bottom() - self.y;
                let needed = row_height(total - from);
                if needed <= available + 0.01 {
                    self.draw_row(grid, row, from, total);
                    break;
                }
                let fits = ((available - 2.0 * CELL_PAD_Y) / leading).floor().max(0.0) as usize;
                let on_fresh_page = self.y <= MARGIN_TOP + header_h + 0.01;
                if on_fresh_page || (needed > page_room && fits >= 1) {
                    // Split the row: as many lines as fit here, the rest
                    // on the next page (at least one line, so it ends).
                    let to = (from + fits.max(1)).min(total);
                    self.draw_row(grid, row, from, to);
                    from = to;
                    if from >= total {
                        break;
                    }
                }
                self.new_page(self.current_orientation());
                self.draw_header(grid);
            }
        }
    }
}

/// Adds the footer text and "i / N" to every page.
fn add_footers(pages: &mut [Page], footer: &str, face: &Face) {
    let count = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        let y = page.height - FOOTER_BASELINE;
        let number = format!("{} / {}", i + 1, count);
        let number_width = face.width(&number, FOOTER_SIZE);
        let room = page.width - 2.0 * MARGIN_X - number_width - 12.0;
        let cleaned = clean(face, footer);
        let text = wrap(&cleaned, room, |c| face.advance(c, FOOTER_SIZE))
            .into_iter()
            .next()
            .unwrap_or_default();
        if !text.is_empty() {
            page.ops.push(Op::Text {
                x: MARGIN_X,
                y,
                size: FOOTER_SIZE,
                text,
                bold: false,
            });
        }
        page.ops.push(Op::Text {
            x: page.width - MARGIN_X - number_width,
            y,
            size: FOOTER_SIZE,
            text: number,
            bold: false,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::document::Column;

    fn created() -> jiff::ZonedDateTime {
        "2026-05-01T10:00:00+09:00[Asia/Tokyo]".parse().unwrap()
    }

    fn long_table_doc(rows: usize) -> Document {
        let mut doc = Document::new("長い表", created());
        let mut table = Table::new(
            "長い表",
            vec![Column::new("番号", 1.0), Column::new("要求事項の内容", 6.0)],
        );
        table.group("分類");
        for i in 0..rows {
            table.row([
                format!("{i}"),
                "外部サービス提供者は、情報セキュリティに関する管理策を定めること。".repeat(2),
            ]);
        }
        doc.table(table);
        doc
    }

    #[test]
    fn long_table_repeats_its_header_on_every_page() {
        let face = Face::load().unwrap();
        let pages = layout(&long_table_doc(120), &face).unwrap();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for (i, page) in pages.iter().enumerate() {
            let texts = page.texts();
            assert!(texts.contains(&"要求事項の内容"), "page {i} has no header");
            assert!(texts.contains(&format!("{} / {}", i + 1, pages.len()).as_str()));
        }
        // Every row is drawn exactly once.
        let all: Vec<&str> = pages.iter().flat_map(Page::texts).collect();
        for i in 0..120 {
            let n = i.to_string();
            assert_eq!(all.iter().filter(|t| **t == n).count(), 1, "row {i}");
        }
    }

    #[test]
    fn nothing_is_drawn_below_the_bottom_margin() {
        let face = Face::load().unwrap();
        for page in layout(&long_table_doc(60), &face).unwrap() {
            let bottom = page.height - MARGIN_BOTTOM + 0.01;
            for op in &page.ops {
                match op {
                    Op::Rect { y, h, .. } => assert!(y + h <= bottom, "{op:?}"),
                    Op::Text { y, size, .. } if *size != FOOTER_SIZE => {
                        assert!(*y <= bottom, "{op:?}")
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn a_group_row_is_never_the_last_row_of_a_page() {
        let face = Face::load().unwrap();
        for rows_per_group in 1..6 {
            let mut doc = Document::new("分類", created());
            let mut table = Table::new("分類", vec![Column::new("内容", 1.0)]);
            for g in 0..30 {
                table.group(format!("分類{g}"));
                for r in 0..rows_per_group {
                    table.row(["行の内容。".repeat(1 + (g + r) % 7 * 12)]);
                }
            }
            doc.table(table);
            let pages = layout(&doc, &face).unwrap();
            assert!(pages.len() > 2);
            for page in &pages {
                let last_fill = page.ops.iter().rev().find_map(|op| match op {
                    Op::Rect { fill, .. } => Some(*fill),
                    _ => None,
                });
                assert_ne!(last_fill, Some(Some(GROUP_FILL)), "orphaned group row");
            }
        }
    }

    #[test]
    fn a_heading_is_never_the_last_thing_on_a_page() {
        let face = Face::load().unwrap();
        for rows in [1, 2, 3, 5, 8] {
            let report = crate::sample::sample_checklist_report(rows);
            let pages = layout(&crate::checklist::checklist_report(&report), &face).unwrap();
            for (i, page) in pages.iter().enumerate() {
                let last = page
                    .ops
                    .iter()
                    .rev()
                    .find(|op| !matches!(op, Op::Text { size, .. } if *size == FOOTER_SIZE));
                let heading_last = match last {
                    Some(Op::Line { .. }) => true,
                    Some(Op::Text { size, .. }) => HEADING_SIZES.contains(size),
                    _ => false,
                };
                // A table header row with no row under it.
                let last_rect = page.ops.iter().rev().find_map(|op| match op {
                    Op::Rect { fill, .. } => Some(*fill),
                    _ => None,
                });
                let orphan = heading_last || last_rect == Some(Some(HEADER_FILL));
                let texts = page.texts();
                assert!(
                    !orphan,
                    "{rows} rows: page {} ends with a heading: {texts:?}",
                    i + 1
                );
            }
        }
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_across_pages() {
        let face = Face::load().unwrap();
        let mut doc = Document::new("分割", created());
        let mut table = Table::new("分割", vec![Column::new("内容", 1.0)]);
        let text: String = (0..150).map(|i| format!("第{i}行の説明文。\n")).collect();
        table.row([text]);
        doc.table(table);
        let pages = layout(&doc, &face).unwrap();
        assert!(pages.len() >= 2);
        let all: Vec<&str> = pages.iter().flat_map(Page::texts).collect();
        for i in 0..150 {
            let line = format!("第{i}行の説明文。");
            assert_eq!(all.iter().filter(|t| **t == line).count(), 1, "{line}");
        }
        assert!(pages.iter().all(|p| p.texts().contains(&"内容")));
    }

    #[test]
    fn page_break_switches_orientation_without_a_blank_page() {
        let face = Face::load().unwrap();
        let mut doc = Document::new("向き", created());
        doc.paragraph("縦の頁");
        doc.page_break(Some(Orientation::Landscape));
        doc.paragraph("横の頁");
        doc.page_break(None);
        doc.page_break(Some(Orientation::Landscape));
        doc.paragraph("もう一つの横の頁");
        let pages = layout(&doc, &face).unwrap();
        assert_eq!(pages.len(), 3);
        assert!(pages[0].height > pages[0].width);
        assert!(pages[1].width > pages[1].height);
        assert!(pages[2].width > pages[2].height);
    }

    #[test]
    fn table_shape_errors_name_the_table_and_row() {
        let face = Face::load().unwrap();
        let mut doc = Document::new("形", created());
        let mut table = Table::new(
            "指摘一覧",
            vec![Column::new("a", 1.0), Column::new("b", 1.0)],
        );
        table.row(["1", "2"]).row(["only one"]);
        doc.table(table);
        let err = layout(&doc, &face).unwrap_err();
        assert!(matches!(
            err,
            ReportError::TableShape {
                row: 2,
                cells: 1,
                columns: 2,
                ..
            }
        ));
        assert!(err.to_string().contains("指摘一覧"));
    }

    #[test]
    fn missing_glyphs_become_geta() {
        let face = Face::load().unwrap();
        assert_eq!(clean(&face, "a\u{1F600}b\tc\u{7}"), "a〓b c");
    }
}
