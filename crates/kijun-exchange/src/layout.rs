//! The checklist sheet layout shared by the writer and the reader: column
//! headings and their order for a given set of parties, column widths, the
//! rows of the title block, and the hidden metadata sheet's name and keys.
//! Changing anything here changes the file format: bump [`FORMAT`].

use kijun_core::Party;

/// Format tag written into the metadata sheet; the reader refuses others.
pub const FORMAT: &str = "kijun-checklist/1";
/// Name of the hidden metadata sheet.
pub const META_SHEET: &str = "kijun";

/// Metadata keys (column A of the metadata sheet; the value is in column B).
pub const KEY_FORMAT: &str = "format";
pub const KEY_ASSESSMENT: &str = "assessment_id";
pub const KEY_FINGERPRINT: &str = "fingerprint";
pub const KEY_TITLE: &str = "title";
pub const KEY_PARTIES: &str = "parties";
/// One row per data sheet: `sheet` | sheet name | catalog id.
pub const KEY_SHEET: &str = "sheet";

pub const H_NO: &str = "No";
pub const H_TITLE: &str = "項目";
pub const H_TEXT: &str = "要求事項";
pub const H_EXAMPLES: &str = "実施基準・実施例";
pub const H_LEVELS: &str = "必須/推奨";
pub const H_CHECK: &str = "チェック";
pub const H_STATUS: &str = "回答";
pub const H_EXPLANATION: &str = "説明";
pub const H_EVIDENCE: &str = "根拠資料";
pub const H_PLAN: &str = "是正計画";
pub const H_DUE: &str = "期限";
pub const H_COMMENT: &str = "指摘・コメント";
pub const H_ID: &str = "項目ID";

/// Marker in a party's チェック column: the row is that party's item.
pub const CHECK_MARK: &str = "対象";
/// A level cell when the party is not asked.
pub const NOT_ASKED: &str = "-";

/// Rows of the title block (0-based): title, service / catalog line,
/// instructions, then the two header rows. Data starts at [`FIRST_DATA_ROW`].
pub const TITLE_ROW: u32 = 0;
pub const INFO_ROW: u32 = 1;
pub const NOTE_ROW: u32 = 2;
pub const HEADER_ROW: u32 = 3;
pub const SUBHEADER_ROW: u32 = 4;
pub const FIRST_DATA_ROW: u32 = 5;

/// Default font: the one Japanese municipal offices have everywhere.
pub const FONT: &str = "ＭＳ Ｐゴシック";

/// Column positions of a checklist sheet for a set of parties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub parties: Vec<Party>,
    pub no: u16,
    pub title: u16,
    pub text: u16,
    pub examples: u16,
    /// First 必須/推奨 column; one per party.
    pub levels: u16,
    /// First チェック column; one per party.
    pub checks: u16,
    pub status: u16,
    pub explanation: u16,
    pub evidence: u16,
    pub plan: u16,
    pub due: u16,
    pub comment: u16,
    /// The hidden item-id column.
    pub id: u16,
}

impl Columns {
    pub fn new(parties: &[Party]) -> Columns {
        let n = parties.len() as u16;
        let levels = 4;
        let checks = levels + n;
        let status = checks + n;
        Columns {
            parties: parties.to_vec(),
            no: 0,
            title: 1,
            text: 2,
            examples: 3,
            levels,
            checks,
            status,
            explanation: status + 1,
            evidence: status + 2,
            plan: status + 3,
            due: status + 4,
            comment: status + 5,
            id: status + 6,
        }
    }

    /// The last visible column.
    pub fn last_visible(&self) -> u16 {
        self.comment
    }

    /// Width of each column in Excel character units. Full-width characters
    /// take about two units, so 要求事項 (30) holds about 15 characters a line.
    pub fn widths(&self) -> Vec<(u16, f64)> {
        let mut w = vec![
            (self.no, 9.0),
            (self.title, 13.0),
            (self.text, 34.0),
            (self.examples, 32.0),
        ];
        for i in 0..self.parties.len() as u16 {
            w.push((self.levels + i, 7.5));
            w.push((self.checks + i, 7.5));
        }
        w.extend([
            (self.status, 10.0),
            (self.explanation, 30.0),
            (self.evidence, 20.0),
            (self.plan, 18.0),
            (self.due, 11.0),
            (self.comment, 20.0),
            (self.id, 28.0),
        ]);
        w
    }
}

/// Japanese label of a party as used in headings.
pub fn party_heading(party: Party) -> &'static str {
    party.label()
}
