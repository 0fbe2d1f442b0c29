//! The neutral document model every report is built from, and that both
//! backends ([`crate::html`], [`crate::pdf`]) render: a title with metadata
//! lines, then blocks — headings, paragraphs, key-value blocks, tables whose
//! header row repeats on every page, and page breaks that may switch the paper
//! orientation. Later reports (the monthly サービス実績報告書) are built from
//! the same blocks.

use jiff::ZonedDateTime;

/// Paper orientation (always A4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Portrait,
    Landscape,
}

/// Horizontal alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// A table column: its header text, its share of the table width (relative
/// to the other columns) and its alignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub width: f32,
    pub align: Align,
}

impl Column {
    /// A left-aligned column with relative width `width`.
    pub fn new(header: impl Into<String>, width: f32) -> Self {
        Column {
            header: header.into(),
            width,
            align: Align::Left,
        }
    }

    /// The same column, aligned as given.
    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

/// A table row.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// One text per column (`\n` breaks a line inside a cell).
    Cells(Vec<String>),
    /// A shaded row spanning every column, e.g. a category (分類) heading.
    Group(String),
}

/// A table. The header row is repeated on every page the table spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// What the table is: named in error messages and given as the HTML
    /// `<caption>` for screen readers (printed by neither backend; put a
    /// heading before the table to print a title).
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn new(caption: impl Into<String>, columns: Vec<Column>) -> Self {
        Table {
            caption: caption.into(),
            columns,
            rows: Vec::new(),
        }
    }

    /// Appends a row of cells.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        self.rows
            .push(Row::Cells(cells.into_iter().map(Into::into).collect()));
        self
    }

    /// Appends a group row spanning all columns.
    pub fn group(&mut self, text: impl Into<String>) -> &mut Self {
        self.rows.push(Row::Group(text.into()));
        self
    }
}

/// One block of a document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading, level 1 (section) to 3.
    Heading {
        level: u8,
        text: String,
    },
    /// A paragraph (`\n` breaks a line).
    Paragraph(String),
    /// Labelled values (項目名 → 内容), printed as a two-column table.
    KeyValue(Vec<(String, String)>),
    Table(Table),
    /// Continue on a new page, in `orientation` if given (else the document's).
    PageBreak {
        orientation: Option<Orientation>,
    },
}

/// A printable document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The title, printed at the top of the first page and stored in the
    /// PDF metadata and the HTML `<title>`.
    pub title: String,
    /// Short lines under the title (宛先, 作成日, …), right-aligned.
    pub meta: Vec<String>,
    /// Who the document is from (PDF author), e.g. the municipality.
    pub author: Option<String>,
    /// When the document was made: the PDF creation date. Given by the
    /// caller; the renderers never read the clock.
    pub created: ZonedDateTime,
    /// The orientation of the first page.
    pub orientation: Orientation,
    /// Printed at the foot of every page, left of the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
}

impl Document {
    /// An empty portrait document.
    pub fn new(title: impl Into<String>, created: ZonedDateTime) -> Self {
        Document {
            title: title.into(),
            meta: Vec::new(),
            author: None,
            created,
            orientation: Orientation::Portrait,
            footer: String::new(),
            blocks: Vec::new(),
        }
    }

    pub fn heading(&mut self, level: u8, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading {
            level: level.clamp(1, 3),
            text: text.into(),
        });
        self
    }

    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn key_values<K: Into<String>, V: Into<String>>(
        &mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> &mut Self {
        self.blocks.push(Block::KeyValue(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ));
        self
    }

    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }

    pub fn page_break(&mut self, orientation: Option<Orientation>) -> &mut Self {
        self.blocks.push(Block::PageBreak { orientation });
        self
    }
}
