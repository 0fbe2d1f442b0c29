//! Importing records from CSV: UTF-8 (a BOM is skipped), RFC 4180 quoting,
//! CRLF or LF, a header row naming the columns (the JSON field names, or
//! their Japanese headings). Every row is converted and checked exactly as
//! the JSON API checks a record, and every problem is reported at once
//! with its row (the header is row 1, as a spreadsheet numbers it), column
//! (letter and heading) and value; nothing is returned unless the whole
//! file is valid.
//!
//! Cell formats: instants as RFC 3339 with an offset
//! (`2026-05-10T01:00:00+09:00`) or as Asia/Tokyo local time
//! (`2026-05-10 01:00`, `2026/5/10 1:00:00`); dates `2026-05-10` or
//! `2026/5/10`; months `2026-05` or `2026/5`; yes/no as `true`/`false`,
//! `1`/`0`, `はい`/`いいえ` (empty: no); choices as their value or Japanese
//! label (`monitoring` or `監視`). An empty cell leaves an optional field
//! out.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Month;
use super::records::{
    DetectedBy, IncidentSeverity, IssueKind, IssueStatus, NoticeKind, PlanState, RecordData,
    RecordKind,
};
use crate::sla;

/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 10_000;

/// The type of a column's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Instant,
    Day,
    Month,
    Bool,
    Text,
    /// One of (value, Japanese label).
    Choice(&'static [(&'static str, &'static str)]),
}

impl ColumnType {
    /// The format in words, for documentation and messages.
    pub fn describe(self) -> String {
        match self {
            ColumnType::Instant => {
                "日時（2026-05-10 01:00 は日本時間、または 2026-05-10T01:00:00+09:00）".into()
            }
            ColumnType::Day => "日付（2026-05-10 または 2026/5/10）".into(),
            ColumnType::Month => "年月（2026-05 または 2026/5）".into(),
            ColumnType::Bool => "true / false（1 / 0、はい / いいえ。空欄は false）".into(),
            ColumnType::Text => "文字列".into(),
            ColumnType::Choice(values) => values
                .iter()
                .map(|(v, l)| format!("{v}（{l}）"))
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }
}

/// One column of a kind's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The field name (also the header).
    pub name: &'static str,
    /// The Japanese heading, accepted as the header too.
    pub label: &'static str,
    pub ty: ColumnType,
    pub required: bool,
}

const fn col(name: &'static str, label: &'static str, ty: ColumnType, required: bool) -> Column {
    Column {
        name,
        label,
        ty,
        required,
    }
}

use ColumnType::{Bool, Day, Instant, Text};

const OUTAGE: &[Column] = &[
    col("start", "発生日時", Instant, true),
    col("end", "復旧日時", Instant, false),
    col("justified", "正当な理由のある停止", Bool, false),
    col("major", "重大障害", Bool, false),
    col("cause", "原因", Text, false),
    col("countermeasure", "対応", Text, false),
    col("permanent_fix", "恒久対策", Text, false),
    col(
        "detected_by",
        "検知",
        ColumnType::Choice(DetectedBy::VALUES),
        true,
    ),
    col("description", "内容", Text, true),
];

const INQUIRY: &[Column] = &[
    col("asked_at", "問合せ日時", Instant, true),
    col("asked_by", "問合せ者", Text, true),
    col("content", "問合せ内容", Text, true),
    col("first_answered_at", "回答日時", Instant, false),
    col("answered_by", "回答者", Text, false),
    col("answer", "回答内容", Text, false),
];

const INCIDENT: &[Column] = &[
    col("occurred_at", "発生日時", Instant, true),
    col("detected_at", "検知日時", Instant, false),
    col("suspicion_reported_at", "疑いの連絡日時", Instant, false),
    col(
        "reported_to_municipality_at",
        "本市への報告日時",
        Instant,
        false,
    ),
    col("investigation_started_at", "調査着手日時", Instant, false),
    col("contained_at", "収束日時", Instant, false),
    col("recovered_at", "復旧日時", Instant, false),
    col("closed_at", "完了日時", Instant, false),
    col(
        "severity",
        "重大度",
        ColumnType::Choice(IncidentSeverity::VALUES),
        true,
    ),
    col("impact", "影響範囲", Text, false),
    col("logs_provided", "ログの提供", Bool, false),
    col("description", "内容", Text, true),
];

const NOTICE: &[Column] = &[
    col("kind", "種別", ColumnType::Choice(NoticeKind::VALUES), true),
    col("announced_on", "告知日", Day, true),
    col("effective_on", "実施日", Day, true),
    col("content", "内容", Text, true),
    col("method", "告知の方法", Text, false),
];

const PLAN_ITEM: &[Column] = &[
    col("title", "項目", Text, true),
    col("description", "内容", Text, false),
];

const PLAN_STATUS: &[Column] = &[
    col("item_id", "項目", Text, true),
    col("month", "対象月", ColumnType::Month, true),
    col(
        "status",
        "実施状況",
        ColumnType::Choice(PlanState::VALUES),
        true,
    ),
    col("note", "備考", Text, false),
];

const ISSUE: &[Column] = &[
    col("kind", "種別", ColumnType::Choice(IssueKind::VALUES), true),
    col("title", "件名", Text, true),
    col("description", "内容", Text, false),
    col(
        "status",
        "状況",
        ColumnType::Choice(IssueStatus::VALUES),
        true,
    ),
    col("owner", "担当", Text, false),
    col("due", "期限", Day, false),
    col("raised_on", "起票日", Day, true),
];

/// The columns of `kind`'s CSV, in their documented order.
pub fn columns(kind: RecordKind) -> &'static [Column] {
    match kind {
        RecordKind::Outage => OUTAGE,
        RecordKind::Inquiry => INQUIRY,
        RecordKind::Incident => INCIDENT,
        RecordKind::Notice => NOTICE,
        RecordKind::PlanItem => PLAN_ITEM,
        RecordKind::PlanStatus => PLAN_STATUS,
        RecordKind::Issue => ISSUE,
    }
}

/// One problem of a file: where (row as a spreadsheet numbers it, the
/// header being row 1; column letter and heading), the value, and what to
/// do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsvProblem {
    pub row: Option<u32>,
    /// `A`, `B`, … (`None`: the whole row or file, or a missing column).
    pub column: Option<String>,
    pub heading: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl CsvProblem {
    fn at(row: u32, message: impl Into<String>) -> CsvProblem {
        CsvProblem {
            row: Some(row),
            column: None,
            heading: None,
            value: None,
            message: message.into(),
        }
    }
}

/// The spreadsheet letter of a 0-based column index (`A`, …, `Z`, `AA`).
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Splits CSV text into records of fields (RFC 4180: `"` quotes, `""` an
/// escaped quote, fields may hold commas and line breaks; CRLF or LF).
/// The error names the row where the problem is.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, CsvProblem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut quoted = false;
    let row = |records: &Vec<Vec<String>>| u32::try_from(records.len() + 1).unwrap_or(u32::MAX);
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !quoted => {
                in_quotes = true;
                quoted = true;
            }
            '"' => {
                return Err(CsvProblem::at(
                    row(&records),
                    "引用符 (\") の位置が正しくありません。値に引用符を含めるときは値全体を \"…\" で囲み、\"\" と書いてください",
                ));
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                quoted = false;
            }
            _ if quoted => {
                return Err(CsvProblem::at(
                    row(&records),
                    "閉じた引用符 (\") の後に文字があります",
                ));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(CsvProblem::at(
            row(&records),
            "引用符 (\") が閉じられていません",
        ));
    }
    if !field.is_empty() || !record.is_empty() || quoted {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

fn digits(s: &str, min: usize, max: usize) -> Option<i32> {
    (s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD` or `YYYY/M/D`.
pub fn parse_cell_date(s: &str) -> Option<Date> {
    if let Some(d) = super::parse_day(s) {
        return Some(d);
    }
    let mut parts = s.split('/');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Date::new(
        i16::try_from(digits(y, 4, 4)?).ok()?,
        i8::try_from(digits(m, 1, 2)?).ok()?,
        i8::try_from(digits(d, 1, 2)?).ok()?,
    )
    .ok()
}

fn parse_cell_time(s: &str) -> Option<Time> {
    let mut parts = s.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else {
        return None;
    };
    let sec = match parts.next() {
        Some(sec) => digits(sec, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::new(
        i8::try_from(digits(h, 1, 2)?).ok()?,
        i8::try_from(digits(m, 2, 2)?).ok()?,
        i8::try_from(sec).ok()?,
        0,
    )
    .ok()
}

/// RFC 3339 with an offset, or Asia/Tokyo local `date time`.
pub fn parse_cell_instant(s: &str) -> Option<Timestamp> {
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    let (date, time) = s.split_once([' ', 'T'])?;
    sla::tokyo_time(parse_cell_date(date)?, parse_cell_time(time.trim())?).ok()
}

fn parse_cell_month(s: &str) -> Option<Month> {
    if let Some(m) = Month::parse(s) {
        return Some(m);
    }
    let (y, m) = s.split_once('/')?;
    Month::new(
        i16::try_from(digits(y, 4, 4)?).ok()?,
        i8::try_from(digits(m, 1, 2)?).ok()?,
    )
}

fn parse_cell_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "いいえ" => Some(false),
        "true" | "1" | "yes" | "はい" => Some(true),
        _ => None,
    }
}

/// The JSON value of a non-empty cell, or what it should look like (also
/// how the server-rendered forms read a field of a record kind).
pub fn convert(ty: ColumnType, cell: &str) -> Result<Value, String> {
    let bad = || format!("{}で指定してください", ty.describe());
    match ty {
        ColumnType::Instant => parse_cell_instant(cell)
            .map(|ts| Value::String(ts.to_string()))
            .ok_or_else(bad),
        ColumnType::Day => parse_cell_date(cell)
            .map(|d| Value::String(d.to_string()))
            .ok_or_else(bad),
        ColumnType::Month => parse_cell_month(cell)
            .map(|m| Value::String(m.to_string()))
            .ok_or_else(bad),
        ColumnType::Bool => parse_cell_bool(cell).map(Value::Bool).ok_or_else(bad),
        ColumnType::Text => Ok(Value::String(cell.to_owned())),
        ColumnType::Choice(values) => values
            .iter()
            .find(|(v, l)| *v == cell || *l == cell)
            .map(|(v, _)| Value::String((*v).to_owned()))
            .ok_or_else(bad),
    }
}

/// Reads every record of `T`'s kind from `text`: `(row, record)` in file
/// order (normalised and checked), or every problem found.
pub fn import<T: RecordData>(text: &str) -> Result<Vec<(u32, T)>, Vec<CsvProblem>> {
    let records = parse(text).map_err(|p| vec![p])?;
    import_rows(&records)
}

/// Reads every record of `T`'s kind from rows of cell texts (the header
/// first), as [`import`] does after parsing; a spreadsheet's first sheet
/// comes here (`kijun_exchange::records`), so both formats are checked the
/// same way and report the same rows and columns.
pub fn import_rows<T: RecordData>(
    records: &[Vec<String>],
) -> Result<Vec<(u32, T)>, Vec<CsvProblem>> {
    let spec = columns(T::KIND);
    let mut problems = Vec::new();
    let Some((header, rows)) = records.split_first() else {
        return Err(vec![CsvProblem::at(
            1,
            format!(
                "見出し行がありません。1行目に列名（{}）を書いてください",
                spec.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
            ),
        )]);
    };
    if rows.len() > MAX_ROWS {
        return Err(vec![CsvProblem::at(
            u32::try_from(MAX_ROWS + 2).unwrap_or(u32::MAX),
            format!("1つのファイルで取り込めるのは {MAX_ROWS} 行までです"),
        )]);
    }
    // Which column of the spec each position holds.
    let mut at: Vec<Option<&Column>> = Vec::with_capacity(header.len());
    for (i, heading) in header.iter().enumerate() {
        let h = heading.trim();
        let found = spec.iter().find(|c| c.name == h || c.label == h);
        let problem = |message: String| CsvProblem {
            row: Some(1),
            column: Some(column_letter(i)),
            heading: Some(h.to_owned()),
            value: Some(heading.clone()),
            message,
        };
        match found {
            Some(c) if at.iter().flatten().any(|x| x.name == c.name) => {
                problems.push(problem(format!("列 {} が重複しています", c.name)));
                at.push(None);
            }
            Some(c) => at.push(Some(c)),
            None if h.is_empty() => at.push(None),
            None => {
                problems.push(problem(format!(
                    "列 `{h}` はありません。使える列: {}",
                    spec.iter()
                        .map(|c| format!("{}（{}）", c.name, c.label))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
                at.push(None);
            }
        }
    }
    for c in spec.iter().filter(|c| c.required) {
        if !at.iter().flatten().any(|x| x.name == c.name) {
            problems.push(CsvProblem {
                row: Some(1),
                column: None,
                heading: Some(c.name.to_owned()),
                value: None,
                message: format!("必須の列 {}（{}）がありません", c.name, c.label),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = Vec::new();
    for (index, cells) in rows.iter().enumerate() {
        let row = u32::try_from(index + 2).unwrap_or(u32::MAX);
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row_problems = Vec::new();
        if cells.len() > header.len() {
            row_problems.push(CsvProblem::at(
                row,
                format!(
                    "列が見出しより多くあります（{} 列、見出しは {} 列）",
                    cells.len(),
                    header.len()
                ),
            ));
        }
        let problem = |i: usize, c: &Column, value: &str, message: String| CsvProblem {
            row: Some(row),
            column: Some(column_letter(i)),
            heading: Some(c.name.to_owned()),
            value: Some(value.to_owned()),
            message,
        };
        let mut map = Map::new();
        let mut positions: Vec<(usize, &Column, &str)> = Vec::new();
        for (i, column) in at.iter().enumerate() {
            let cell = cells.get(i).map_or("", String::as_str);
            let Some(c) = column else {
                if !cell.trim().is_empty() {
                    row_problems.push(CsvProblem {
                        row: Some(row),
                        column: Some(column_letter(i)),
                        heading: None,
                        value: Some(cell.to_owned()),
                        message: "見出しのない列に値があります".into(),
                    });
                }
                continue;
            };
            positions.push((i, c, cell));
            let trimmed = cell.trim();
            if trimmed.is_empty() {
                if c.required {
                    row_problems.push(problem(
                        i,
                        c,
                        cell,
                        format!("{}（{}）は必須です", c.name, c.label),
                    ));
                } else if c.ty == ColumnType::Text {
                    map.insert(c.name.to_owned(), Value::String(String::new()));
                }
                continue;
            }
            match convert(c.ty, trimmed) {
                Ok(v) => {
                    map.insert(c.name.to_owned(), v);
                }
                Err(message) => row_problems.push(problem(
                    i,
                    c,
                    cell,
                    format!("{}（{}）: {message}", c.name, c.label),
                )),
            }
        }
        if !row_problems.is_empty() {
            problems.extend(row_problems);
            continue;
        }
        let mut record: T = match serde_json::from_value(Value::Object(map)) {
            Ok(r) => r,
            Err(e) => {
                problems.push(CsvProblem::at(row, format!("行を読み取れません: {e}")));
                continue;
            }
        };
        record.normalise();
        match record.validate() {
            Ok(()) => out.push((row, record)),
            Err(e) => {
                let position = positions.iter().find(|(_, c, _)| c.name == e.field);
                problems.push(match position {
                    Some((i, c, cell)) => problem(*i, c, cell, e.message),
                    None => CsvProblem {
                        heading: Some(e.field.clone()),
                        ..CsvProblem::at(row, e.message)
                    },
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::oversight::records::{IssueInput, NoticeInput, OutageInput};

    #[test]
    fn rfc_4180_quoting_bom_and_line_endings() -> Result<(), CsvProblem> {
        let text = "\u{feff}a,b,c\r\n1,\"x, \"\"y\"\"\nz\",\r\n\"\",2,3\n";
        let rows = parse(text)?;
        assert_eq!(
            rows,
            vec![
                vec!["a", "b", "c"],
                vec!["1", "x, \"y\"\nz", ""],
                vec!["", "2", "3"],
            ]
        );
        Ok(())
    }

    #[test]
    fn broken_quotes_name_their_row() {
        assert_eq!(parse("a\n\"b").map_err(|p| p.row), Err(Some(2)));
        assert_eq!(parse("a\nx\"y\n").map_err(|p| p.row), Err(Some(2)));
        assert_eq!(parse("a\n\"x\"y\n").map_err(|p| p.row), Err(Some(2)));
    }

    #[test]
    fn cells_accept_local_tokyo_times_and_slashed_dates() {
        let utc = |s: &str| parse_cell_instant(s).map(|t| t.to_string());
        assert_eq!(
            utc("2026-05-10 01:00").as_deref(),
            Some("2026-05-09T16:00:00Z")
        );
        assert_eq!(
            utc("2026/5/10 1:00:30").as_deref(),
            Some("2026-05-09T16:00:30Z")
        );
        assert_eq!(
            utc("2026-05-10T01:00:00Z").as_deref(),
            Some("2026-05-10T01:00:00Z")
        );
        assert_eq!(utc("2026-05-10"), None);
        assert_eq!(utc("2026-05-10 25:00"), None);
        assert_eq!(parse_cell_date("2026/2/29"), None);
        assert_eq!(parse_cell_date("2028/2/29"), Some(date(2028, 2, 29)));
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }

    #[test]
    fn a_valid_file_imports_every_row() -> Result<(), Vec<CsvProblem>> {
        let text = "発生日時,復旧日時,重大障害,検知,内容\n\
                    2026-05-10 01:00,2026-05-10 07:00,はい,監視,\"全機能停止, DB 障害\"\n\
                    \n\
                    2026-05-12T00:00:00+09:00,,0,manual,画面表示の遅延\n";
        let rows = import::<OutageInput>(text)?;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert!(rows[0].1.major);
        assert_eq!(rows[0].1.description, "全機能停止, DB 障害");
        assert_eq!(rows[1].0, 4, "the blank line still counts as a row");
        assert_eq!(rows[1].1.end, None);
        Ok(())
    }

    #[test]
    fn every_bad_row_and_column_is_reported() {
        let text = "kind,announced_on,effective_on,content\n\
                    change,2026-04-01,2026-05-01,ok\n\
                    move,2026-04-31,2026-05-01,x\n\
                    termination,2026-04-01,,\n";
        let problems = import::<NoticeInput>(text).err().unwrap_or_default();
        type Where<'a> = (
            Option<u32>,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let found: Vec<Where<'_>> = problems
            .iter()
            .map(|p| {
                (
                    p.row,
                    p.column.as_deref(),
                    p.heading.as_deref(),
                    p.value.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (Some(3), Some("A"), Some("kind"), Some("move")),
                (Some(3), Some("B"), Some("announced_on"), Some("2026-04-31")),
                (Some(4), Some("C"), Some("effective_on"), Some("")),
                (Some(4), Some("D"), Some("content"), Some("")),
            ],
            "{problems:?}"
        );
        assert!(
            problems[0].message.contains("change（変更）"),
            "{problems:?}"
        );
    }

    #[test]
    fn header_problems_come_first_and_alone() {
        let problems = import::<IssueInput>("kind,titel,status\nissue,x,open\n")
            .err()
            .unwrap_or_default();
        let what: Vec<(Option<&str>, Option<&str>)> = problems
            .iter()
            .map(|p| (p.column.as_deref(), p.heading.as_deref()))
            .collect();
        assert_eq!(
            what,
            [
                (Some("B"), Some("titel")),
                (None, Some("title")),
                (None, Some("raised_on")),
            ]
        );
        // A cross-field check names its column.
        let problems = import::<IssueInput>(
            "kind,title,status,due,raised_on\nrisk,r,open,2026-03-01,2026-04-01\n",
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            problems
                .iter()
                .map(|p| (p.row, p.column.as_deref()))
                .collect::<Vec<_>>(),
            [(Some(2), Some("D"))]
        );
        assert!(import::<IssueInput>("").is_err());
    }
}
