//! Errors of the exchange: [`ExchangeError`] when a checklist cannot be
//! written, and [`ImportErrors`] — every problem found in an uploaded
//! workbook or criteria sheet at once, each located by sheet, row (as Excel
//! numbers it), column letter and heading, with the value found and, in
//! Japanese, what to do about it.

use std::fmt;

use kijun_core::Party;

/// Why a checklist could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("チェックリストに含める当事者 (parties) が指定されていません")]
    NoParties,
    #[error("当事者 {0} が parties に重複しています")]
    DuplicateParty(Party),
    #[error("チェックリストにシートがありません")]
    NoSheets,
    #[error("項目 `{item_id}` は {party} の行ですが、parties に {party} が含まれていません")]
    PartyNotIncluded { item_id: String, party: Party },
    #[error("項目 ID が空の行があります (シート {sheet} の {index} 行目のデータ)")]
    EmptyItemId { sheet: String, index: usize },
    #[error("項目 ID `{0}` が重複しています。項目 ID はチェックリスト全体で一意にしてください")]
    DuplicateItemId(String),
    #[error("xlsx の書き出しに失敗しました: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// What is wrong with one place of an imported file (the Japanese message
/// says what was found and what to do).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportErrorKind {
    #[error(
        "xlsx ファイルとして読めません（{detail}）。Excel で「Excel ブック (*.xlsx)」として保存したファイルを指定してください"
    )]
    NotXlsx { detail: String },
    #[error(
        "kijun が出力したチェックリストではありません（管理用の隠しシート「{meta_sheet}」がありません）。kijun から出力したチェックリストに記入してください"
    )]
    NotAChecklist { meta_sheet: String },
    #[error(
        "このチェックリストの形式 ({found}) には対応していません。kijun から出力し直してください"
    )]
    UnsupportedFormat { found: String },
    #[error(
        "別の審査のチェックリストです（ファイルの審査 ID: {found}、取り込み先の審査 ID: {expected}）。取り込み先の審査から出力したチェックリストを使ってください"
    )]
    AssessmentMismatch { expected: String, found: String },
    #[error("シート「{sheet}」が見つかりません。シート名を変更・削除しないでください")]
    MissingSheet { sheet: String },
    #[error("見出し「{heading}」の列が見つかりません。列を削除・変更しないでください")]
    MissingColumn { heading: String },
    #[error(
        "回答「{value}」は選択肢にありません。適合／一部適合／不適合／該当なし のいずれかを選んでください"
    )]
    UnknownStatus { value: String },
    #[error(
        "説明・根拠資料などが記入されていますが回答が選ばれていません。回答欄で適合／一部適合／不適合／該当なし を選んでください"
    )]
    MissingStatus,
    #[error("「該当なし」には理由が必要です。説明欄に該当しない理由を記入してください")]
    MissingReason,
    #[error("是正計画と期限は両方を記入してください（一部適合を条件付きで認める場合に使います）")]
    IncompleteRemediation,
    #[error("期限「{value}」は日付として読めません。2027-03-31 の形式で記入してください")]
    BadDate { value: String },
    #[error(
        "この行は{party}の項目です。このファイルで回答できるのは{allowed}の項目だけです。この行の回答欄を空にしてください"
    )]
    PartyNotAllowed { party: String, allowed: String },
    #[error(
        "要求事項の文言が出力時から変わっています（期待: 「{expected}」）。要求事項の欄は編集せず、最新のチェックリストを出力し直して回答を写してください"
    )]
    TextChanged { expected: String },
    #[error(
        "項目 ID「{item_id}」はこの審査の項目にありません。行を複製・編集せず、最新のチェックリストを出力し直して回答を写してください"
    )]
    UnknownItem { item_id: String },
    #[error("項目 ID「{item_id}」が {first} と重複しています。行を複製しないでください")]
    DuplicateItem { item_id: String, first: String },
    #[error(
        "回答が記入されていますが、この行には項目 ID がありません。行を挿入・複製せず、kijun が出力した行に記入してください"
    )]
    MissingItemId,
    // --- criteria sheets ---------------------------------------------------
    #[error(
        "テキストファイルとして読めません（UTF-8 ではありません）。xlsx かタブ区切りテキスト (UTF-8) を指定してください"
    )]
    NotText,
    #[error(
        "見出し「要求事項」の行が見つかりません。docs/xlsx.md の様式で見出し行を作ってください"
    )]
    NoHeader,
    #[error(
        "必須/推奨の列（見出しが「導入事業者」「外部サービス提供者」の列）が見つかりません。docs/xlsx.md の様式で見出しを付けてください"
    )]
    NoLevelColumns,
    #[error(
        "必須/推奨の値「{value}」は読めません。必須／推奨／-（対象外）のいずれかを記入してください"
    )]
    UnknownLevel { value: String },
    #[error(
        "条件の見出し「{label}」を条件式に置き換えられません。「条件」シート（列: 見出し・条件式）か --condition '見出し=条件式' で条件式を指定してください"
    )]
    UnknownCondition { label: String },
    #[error("条件式「{value}」: {message}")]
    BadCondition { value: String, message: String },
    #[error(
        "段階「{value}」は読めません。選定／導入・構築／運用・保守／更改・廃棄／契約・報告 のいずれかを記入してください"
    )]
    UnknownPhase { value: String },
    #[error(
        "共通管理策「{value}」はありません。`kijun catalog controls` の id か名称を記入してください"
    )]
    UnknownControl { value: String },
    #[error(
        "要求事項 ID「{value}」は使えません。英数字で始まり、英数字と . _ - だけで書いてください"
    )]
    BadId { value: String },
    #[error("要求事項 ID「{value}」が {first_row} 行目と重複しています")]
    DuplicateId { value: String, first_row: u32 },
    #[error("要求事項の欄が空です。要求事項を記入するか、行を空にしてください")]
    EmptyText,
    #[error("同じ条件の見出しの下に{party}の列が2つあります")]
    DuplicatePartyColumn { party: String },
    #[error("要求事項の行が1つもありません")]
    NoRequirements,
    #[error(
        "カタログ id「{value}」は使えません。英数字で始まり、英数字と . _ - だけで書いてください"
    )]
    BadCatalogId { value: String },
    #[error("作成したカタログが検証を通りません: {message}")]
    InvalidCatalog { message: String },
}

impl ImportErrorKind {
    /// Whether the message already quotes the cell's value.
    fn mentions_value(&self) -> bool {
        matches!(
            self,
            ImportErrorKind::UnknownStatus { .. }
                | ImportErrorKind::BadDate { .. }
                | ImportErrorKind::UnknownItem { .. }
                | ImportErrorKind::DuplicateItem { .. }
                | ImportErrorKind::UnknownLevel { .. }
                | ImportErrorKind::UnknownCondition { .. }
                | ImportErrorKind::BadCondition { .. }
                | ImportErrorKind::UnknownPhase { .. }
                | ImportErrorKind::UnknownControl { .. }
                | ImportErrorKind::BadId { .. }
                | ImportErrorKind::DuplicateId { .. }
                | ImportErrorKind::BadCatalogId { .. }
                | ImportErrorKind::AssessmentMismatch { .. }
        )
    }
}

/// One problem, located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The sheet's name (`None` for a whole-file problem or a text file).
    pub sheet: Option<String>,
    /// The row number as Excel shows it (1-based).
    pub row: Option<u32>,
    /// The column letter (`A`, `K`, `AB`).
    pub column: Option<String>,
    /// The column's heading in the file, e.g. `回答`.
    pub heading: Option<String>,
    /// The value found in the cell, if it matters.
    pub value: Option<String>,
    pub kind: ImportErrorKind,
}

impl ImportError {
    /// A whole-file problem.
    pub fn file(kind: ImportErrorKind) -> ImportError {
        ImportError {
            sheet: None,
            row: None,
            column: None,
            heading: None,
            value: None,
            kind,
        }
    }

    /// A problem at a cell: `row` and `col` are 0-based.
    pub(crate) fn at(
        sheet: Option<&str>,
        row: u32,
        col: Option<u32>,
        heading: Option<&str>,
        value: Option<&str>,
        kind: ImportErrorKind,
    ) -> ImportError {
        ImportError {
            sheet: sheet.map(str::to_owned),
            row: Some(row + 1),
            column: col.map(column_letter),
            heading: heading.map(str::to_owned),
            value: value.map(shorten),
            kind,
        }
    }

    /// `シート「seed-000」 12行 K列（回答）`, or as much of it as is known.
    pub fn location(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.sheet {
            parts.push(format!("シート「{s}」"));
        }
        if let Some(r) = self.row {
            parts.push(format!("{r}行"));
        }
        if let Some(c) = &self.column {
            match &self.heading {
                Some(h) => parts.push(format!("{c}列（{h}）")),
                None => parts.push(format!("{c}列")),
            }
        }
        parts.join(" ")
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location();
        if !location.is_empty() {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}", self.kind)?;
        match &self.value {
            Some(v) if !self.kind.mentions_value() => write!(f, "（記入されている値: 「{v}」）"),
            _ => Ok(()),
        }
    }
}

/// Every problem found in one file, in sheet and row order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportErrors(pub Vec<ImportError>);

impl ImportErrors {
    pub fn one(error: ImportError) -> ImportErrors {
        ImportErrors(vec![error])
    }

    pub fn iter(&self) -> impl Iterator<Item = &ImportError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The Excel column letter of a 0-based column index (`0` → `A`, `26` → `AA`).
pub fn column_letter(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// A cell value as quoted in a message: one line, at most 60 characters.
pub(crate) fn shorten(value: &str) -> String {
    let one_line: String = value
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let count = one_line.chars().count();
    if count > 60 {
        let mut s: String = one_line.chars().take(59).collect();
        s.push('…');
        s
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(10), "K");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
