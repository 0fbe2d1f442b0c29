//! kijun-exchange: Excel (.xlsx) exchange with municipal staff and vendors.
//! Pure: bytes in, bytes out — no database, no HTTP, no clock.
//!
//! - [`model`]: the neutral checklist model ([`ChecklistDoc`]) and its
//!   offline constructor from catalogs and a service profile.
//! - [`write`]: [`write_checklist`] lays a checklist out as a protected,
//!   print-ready workbook (docs/xlsx.md).
//! - [`read`]: [`read_checklist`] takes a filled-in checklist back, checking
//!   every row against an [`ImportExpectation`].
//! - [`criteria`]: [`read_criteria_sheet`] turns a municipality's own
//!   criteria sheet into a TOML catalog.
//! - [`monthly`]: [`write_report_sheet`] lays the monthly service report
//!   (サービス実績報告書) out as a one-sheet, print-ready workbook.
//! - [`records`]: oversight records from a workbook's first sheet, as the
//!   rows the CSV import checks.
//! - [`layout`]: the column layout and metadata keys shared by writer and reader.
//! - [`grid`]: cells as text, and Excel dates.
//! - [`error`]: located import errors and write errors.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod criteria;
pub mod error;
pub mod grid;
pub mod layout;
pub mod model;
pub mod monthly;
pub mod read;
pub mod records;
#[cfg(feature = "testing")]
pub mod testing;
pub mod write;

pub use criteria::{CriteriaImport, CriteriaOptions, read_criteria_sheet};
pub use error::{ExchangeError, ImportError, ImportErrorKind, ImportErrors};
pub use grid::looks_like_xlsx;

/// The media type of an Excel workbook (.xlsx).
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub use model::{ChecklistDoc, ChecklistRow, ChecklistSheet, PartyLevels, item_id, parse_item_id};
pub use monthly::{ReportSheet, SheetBlock, SheetColumn, write_report_sheet};
pub use read::{
    ChecklistMeta, ExpectedItem, ImportExpectation, ImportedAnswer, read_checklist,
    read_checklist_meta,
};
pub use write::{fingerprint, write_checklist};
