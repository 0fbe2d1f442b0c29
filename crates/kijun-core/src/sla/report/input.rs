//! Reading and checking the JSON input of the monthly report
//! (`docs/sla.md` §7). The text is parsed into a [`serde_json::Value`] and
//! walked by hand, so that every problem names its record and field
//! (`outages[3].end`), says in Japanese what to write instead, and is
//! located in the file (`file:line:column`) through [`locate`](super::locate).
//! All problems are collected before failing.

use std::collections::HashMap;

use jiff::civil::{Date, Time, Weekday};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};

use super::locate::{Anchor, JsonPath, offset};
use super::{Inquiry, JustifiedStop, MonthlyInput, ReportedOutage, tokyo_display};
use crate::error::{Diagnostic, LoadError, Position};
use crate::sla::{OperatingSchedule, Percent, ServiceWindow, SlaTargets};

const TOP_KEYS: &[&str] = &[
    "targets",
    "schedule",
    "extra_closed_days",
    "justified_stops",
    "outages",
    "inquiries",
];
const TARGET_KEYS: &[&str] = &[
    "availability_percent",
    "major_recovery_hours",
    "inquiry_response_hours",
    "major_failures_per_year",
];
const STOP_KEYS: &[&str] = &["start", "end", "reason"];
const OUTAGE_KEYS: &[&str] = &["start", "end", "major", "description"];
const INQUIRY_KEYS: &[&str] = &["id", "asked_at", "first_answered_at"];
const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];
/// The longest duration target accepted, in hours (more is surely a typo).
const MAX_TARGET_HOURS: u64 = 100_000;
const EXAMPLE_TIME: &str = "\"2026-04-14T10:00:00+09:00\"";

/// Parses and checks the input; see [`MonthlyInput::from_json`].
pub(super) fn parse(file: &str, text: &str) -> Result<MonthlyInput, LoadError> {
    // Windows editors often write a byte order mark; JSON does not allow one.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let root: Value = match serde_json::from_str(body) {
        Ok(root) => root,
        Err(e) => return Err(syntax_error(file, text, bom, &e)),
    };
    let mut check = Check::default();
    let input = check.input(&root);
    if let (Some(input), true) = (input, check.problems.is_empty()) {
        return Ok(input);
    }
    let mut diagnostics: Vec<Diagnostic> = check
        .problems
        .iter()
        .map(|p| {
            let at = bom + offset(body, &p.locate, p.anchor);
            let message = if p.shown.is_root() {
                p.message.clone()
            } else {
                format!("{}: {}", p.shown, p.message)
            };
            Diagnostic {
                file: file.to_owned(),
                position: Position::of_offset(text, at),
                message,
            }
        })
        .collect();
    if diagnostics.is_empty() {
        // Not reached: every `None` above records a problem.
        diagnostics.push(Diagnostic {
            file: file.to_owned(),
            position: Position { line: 1, column: 1 },
            message: "入力を読めません (invalid input)".to_owned(),
        });
    }
    diagnostics.sort_by_key(|d| d.position);
    Err(LoadError { diagnostics })
}

fn syntax_error(file: &str, text: &str, bom: usize, e: &serde_json::Error) -> LoadError {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let first_line = if e.line() <= 1 { bom } else { 0 };
    let at = line_start + first_line + e.column().saturating_sub(1);
    let code = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let code = code.strip_suffix(&suffix).unwrap_or(&code);
    let message = match e.classify() {
        serde_json::error::Category::Eof => format!(
            "ファイルが途中で終わっています ({code})。閉じていない {{ [ \" がないか確認してください"
        ),
        _ => format!(
            "JSON として読めません ({code})。括弧 {{ }} [ ]・カンマ・引用符 \" の対応と、最後の要素の後に余分なカンマがないかを確認してください"
        ),
    };
    LoadError {
        diagnostics: vec![Diagnostic {
            file: file.to_owned(),
            position: Position::of_offset(text, at),
            message,
        }],
    }
}

/// One problem: the path shown, the place located, the message.
struct Problem {
    shown: JsonPath,
    locate: JsonPath,
    anchor: Anchor,
    message: String,
}

#[derive(Default)]
struct Check {
    problems: Vec<Problem>,
}

/// `what` ready for a particle: a space after a Latin word or bracket.
fn spaced(what: &str) -> String {
    match what.chars().last() {
        Some(c) if c.is_ascii() => format!("{what} "),
        _ => what.to_owned(),
    }
}

/// A short rendering of a value for a message.
fn brief(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}…")
    } else {
        text
    }
}

impl Check {
    /// A problem with the value at `path`.
    fn at(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.problems.push(Problem {
            shown: path.clone(),
            locate: path.clone(),
            anchor: Anchor::Value,
            message: message.into(),
        });
    }

    /// A problem with the key at `path` (an unknown key).
    fn at_key(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.problems.push(Problem {
            shown: path.clone(),
            locate: path.clone(),
            anchor: Anchor::Key,
            message: message.into(),
        });
    }

    /// A missing member `path`, located at its object.
    fn missing(&mut self, path: &JsonPath, hint: &str) {
        self.problems.push(Problem {
            shown: path.clone(),
            locate: path.parent(),
            anchor: Anchor::Value,
            message: format!("必須の項目がありません。{hint}"),
        });
    }

    /// `v` as an object whose keys are all in `allowed`.
    fn object<'v>(
        &mut self,
        v: &'v Value,
        path: &JsonPath,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(map) = v else {
            self.at(
                path,
                format!(
                    "{}は {{ … }} のオブジェクトで書いてください（値: {}）",
                    spaced(what),
                    brief(v)
                ),
            );
            return None;
        };
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.at_key(
                    &path.key(key),
                    format!(
                        "不明な項目です。{}に書ける項目は {} です（綴りを確認してください）",
                        spaced(what),
                        allowed.join(", ")
                    ),
                );
            }
        }
        Some(map)
    }

    /// `v` as an array (`null` or absent: empty).
    fn array<'v>(&mut self, v: Option<&'v Value>, path: &JsonPath, what: &str) -> &'v [Value] {
        match v {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.at(
                    path,
                    format!(
                        "{}は [ … ] の配列で書いてください（値: {}）",
                        spaced(what),
                        brief(other)
                    ),
                );
                &[]
            }
        }
    }

    /// The required member `key` (`null` counts as missing).
    fn required<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        path: &JsonPath,
        key: &str,
        hint: &str,
    ) -> Option<&'v Value> {
        match map.get(key) {
            None | Some(Value::Null) => {
                self.missing(&path.key(key), hint);
                None
            }
            Some(v) => Some(v),
        }
    }

    fn timestamp(&mut self, v: &Value, path: &JsonPath) -> Option<Timestamp> {
        let Some(text) = v.as_str() else {
            self.at(
                path,
                format!(
                    "時刻は文字列で、RFC 3339 の形式で書いてください（例: {EXAMPLE_TIME}。値: {}）",
                    brief(v)
                ),
            );
            return None;
        };
        match text.parse::<Timestamp>() {
            Ok(ts) => Some(ts),
            Err(_) if text.parse::<jiff::civil::DateTime>().is_ok() => {
                self.at(
                    path,
                    format!(
                        "時刻 \"{text}\" に時差がありません。末尾に +09:00（日本時間）か Z（協定世界時）を付けてください（例: {EXAMPLE_TIME}）"
                    ),
                );
                None
            }
            Err(_) => {
                self.at(
                    path,
                    format!(
                        "時刻 \"{text}\" を読めません。RFC 3339 の形式で、時差を付けて書いてください（例: {EXAMPLE_TIME}）"
                    ),
                );
                None
            }
        }
    }

    /// A required time member.
    fn time_member(
        &mut self,
        map: &Map<String, Value>,
        path: &JsonPath,
        key: &str,
        what: &str,
    ) -> Option<Timestamp> {
        let hint = format!("{what}の時刻を RFC 3339 の形式で書いてください（例: {EXAMPLE_TIME}）");
        let v = self.required(map, path, key, &hint)?;
        self.timestamp(v, &path.key(key))
    }

    /// The start and end times of a record (keys and words in that
    /// order), end ≥ start.
    fn interval(
        &mut self,
        map: &Map<String, Value>,
        path: &JsonPath,
        (start_key, end_key): (&str, &str),
        words: (&str, &str),
    ) -> Option<(Timestamp, Timestamp)> {
        let start = self.time_member(map, path, start_key, words.0);
        let end = self.time_member(map, path, end_key, words.1);
        let (start, end) = (start?, end?);
        if end < start {
            self.at(
                &path.key(end_key),
                format!(
                    "{}が{}より前です（{} {}、{} {}）。{}を{}以降の時刻にしてください",
                    words.1,
                    words.0,
                    words.0,
                    tokyo_display(start),
                    words.1,
                    tokyo_display(end),
                    words.1,
                    words.0,
                ),
            );
            return None;
        }
        Some((start, end))
    }

    /// A non-empty string.
    fn text(&mut self, v: &Value, path: &JsonPath, what: &str) -> Option<String> {
        match v.as_str().map(str::trim) {
            Some(text) if !text.is_empty() => Some(text.to_owned()),
            Some(_) => {
                self.at(path, format!("{what}が空です。{what}を書いてください"));
                None
            }
            None => {
                self.at(
                    path,
                    format!("{what}は文字列で書いてください（値: {}）", brief(v)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, v: &Value, path: &JsonPath) -> Option<bool> {
        let b = v.as_bool();
        if b.is_none() {
            self.at(
                path,
                format!("true か false で書いてください（値: {}）", brief(v)),
            );
        }
        b
    }

    // -- The document ---------------------------------------------------------

    fn input(&mut self, root: &Value) -> Option<MonthlyInput> {
        let top = JsonPath::default();
        let map = self.object(root, &top, "入力ファイルの最上位", TOP_KEYS)?;
        let targets = match map.get("targets") {
            None | Some(Value::Null) => Some(SlaTargets::default()),
            Some(v) => self.targets(v, &top.key("targets")),
        };
        let schedule = match self.required(
            map,
            &top,
            "schedule",
            "運用スケジュールを {\"type\": \"always\"}（24 時間 365 日）か {\"type\": \"weekly\", …}（曜日ごとの時間帯）で書いてください",
        ) {
            Some(v) => self.schedule(v, &top.key("schedule")),
            None => None,
        };
        let extra_closed_days = self.closed_days(map.get("extra_closed_days"));
        let justified_stops = self.justified_stops(map.get("justified_stops"));
        let outages = self.outages(map.get("outages"));
        let inquiries = self.inquiries(map.get("inquiries"));
        Some(MonthlyInput {
            targets: targets?,
            schedule: schedule?,
            extra_closed_days,
            justified_stops,
            outages,
            inquiries,
        })
    }

    fn targets(&mut self, v: &Value, path: &JsonPath) -> Option<SlaTargets> {
        let map = self.object(v, path, "targets", TARGET_KEYS)?;
        let mut targets = SlaTargets::default();
        let mut ok = true;
        let present = |key: &str| map.get(key).filter(|v| !v.is_null());
        if let Some(v) = present("availability_percent") {
            match self.target_percent(v, &path.key("availability_percent")) {
                Some(p) => targets.availability = p,
                None => ok = false,
            }
        }
        if let Some(v) = present("major_recovery_hours") {
            match self.hours(v, &path.key("major_recovery_hours")) {
                Some(d) => targets.max_recovery = d,
                None => ok = false,
            }
        }
        if let Some(v) = present("inquiry_response_hours") {
            match self.hours(v, &path.key("inquiry_response_hours")) {
                Some(d) => targets.first_answer_limit = d,
                None => ok = false,
            }
        }
        if let Some(v) = present("major_failures_per_year") {
            match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) => targets.max_major_failures_per_fiscal_year = n,
                None => {
                    self.at(
                        &path.key("major_failures_per_year"),
                        format!(
                            "年度あたりの重大障害の上限件数は 0 以上の整数で書いてください（例: 3。値: {}）",
                            brief(v)
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(targets)
    }

    /// A decimal number (or a string of one) from 0 to 100.
    fn target_percent(&mut self, v: &Value, path: &JsonPath) -> Option<Percent> {
        let text = match v {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        match text.map(|t| Percent::parse(&t)) {
            Some(Ok(p)) if p <= Percent::HUNDRED => Some(p),
            _ => {
                self.at(
                    path,
                    format!(
                        "稼働率の目標は 0〜100 の数で書いてください（例: 99.8。値: {}）",
                        brief(v)
                    ),
                );
                None
            }
        }
    }

    /// A non-negative number of hours (decimals allowed), to the nanosecond.
    fn hours(&mut self, v: &Value, path: &JsonPath) -> Option<SignedDuration> {
        let exact = match v {
            Value::Number(n) => Percent::parse(&n.to_string()).ok(),
            _ => None,
        };
        let nanos = exact.and_then(|h| {
            let (n, d) = (u128::from(h.numerator()), u128::from(h.denominator()));
            if n > u128::from(MAX_TARGET_HOURS) * d {
                return None;
            }
            i64::try_from(n * 3_600_000_000_000 / d).ok()
        });
        if nanos.is_none() {
            self.at(
                path,
                format!(
                    "時間は 0〜{MAX_TARGET_HOURS} の数（時間単位、小数可）で書いてください（例: 6。値: {}）",
                    brief(v)
                ),
            );
        }
        nanos.map(SignedDuration::from_nanos)
    }

    fn schedule(&mut self, v: &Value, path: &JsonPath) -> Option<OperatingSchedule> {
        const ALL: &[&str] = &["type", "hours", "skip_closed_days"];
        let Value::Object(map) = v else {
            self.object(v, path, "schedule", ALL);
            return None;
        };
        let kind = match map.get("type") {
            None | Some(Value::Null) => {
                self.missing(
                    &path.key("type"),
                    "運用スケジュールの種類を \"always\"（24 時間 365 日）か \"weekly\"（曜日ごとの時間帯）で書いてください",
                );
                return None;
            }
            Some(kind) => kind,
        };
        match kind.as_str() {
            Some("always") => {
                self.object(v, path, "\"type\": \"always\" の schedule", &["type"])?;
                Some(OperatingSchedule::Always)
            }
            Some("weekly") => self.weekly(v, path),
            _ => {
                self.at(
                    &path.key("type"),
                    format!(
                        "運用スケジュールの種類 {} は使えません。\"always\"（24 時間 365 日）か \"weekly\"（曜日ごとの時間帯）にしてください",
                        brief(kind)
                    ),
                );
                None
            }
        }
    }

    fn weekly(&mut self, v: &Value, path: &JsonPath) -> Option<OperatingSchedule> {
        let map = self.object(
            v,
            path,
            "\"type\": \"weekly\" の schedule",
            &["type", "hours", "skip_closed_days"],
        )?;
        let skip = self
            .required(
                map,
                path,
                "skip_closed_days",
                "閉庁日（祝日・年末年始・extra_closed_days）を計画時間から除くなら true、除かないなら false を書いてください",
            )
            .and_then(|v| self.boolean(v, &path.key("skip_closed_days")));
        let hours_path = path.key("hours");
        let hours = self.required(
            map,
            path,
            "hours",
            "曜日ごとの提供時間帯を {\"mon\": [[\"09:00\", \"17:00\"]], …} の形で書いてください",
        );
        let windows = hours.and_then(|h| self.hours_by_weekday(h, &hours_path, skip));
        Some(OperatingSchedule::Weekly {
            windows: windows?,
            skip_closed_days: skip?,
        })
    }

    /// The windows of `hours`. With `skip_closed_days` true, Saturday and
    /// Sunday windows would never be promised (they are closed days): an
    /// error rather than a silent zero.
    fn hours_by_weekday(
        &mut self,
        v: &Value,
        path: &JsonPath,
        skip_closed_days: Option<bool>,
    ) -> Option<Vec<ServiceWindow>> {
        let Value::Object(map) = v else {
            self.at(
                path,
                format!(
                    "hours は {{\"mon\": [[\"09:00\", \"17:00\"]], …}} のオブジェクトで書いてください（値: {}）",
                    brief(v)
                ),
            );
            return None;
        };
        let mut windows = Vec::new();
        let mut ok = true;
        for (key, ranges) in map {
            let day_path = path.key(key);
            let Some(&(_, weekday)) = WEEKDAYS.iter().find(|(name, _)| name == key) else {
                self.at_key(
                    &day_path,
                    format!(
                        "曜日 \"{key}\" は使えません。mon, tue, wed, thu, fri, sat, sun のいずれかにしてください"
                    ),
                );
                ok = false;
                continue;
            };
            let Value::Array(ranges) = ranges else {
                self.at(
                    &day_path,
                    format!(
                        "時間帯は [[\"09:00\", \"17:00\"]] のように [開始, 終了] の配列で書いてください（提供しない曜日は書かないか [] に。値: {}）",
                        brief(ranges)
                    ),
                );
                ok = false;
                continue;
            };
            let weekend = matches!(weekday, Weekday::Saturday | Weekday::Sunday);
            if weekend && skip_closed_days == Some(true) && !ranges.is_empty() {
                self.at_key(
                    &day_path,
                    "skip_closed_days が true のとき土曜日・日曜日は閉庁日なので、この時間帯は計画時間になりません。土日の提供も約束するなら skip_closed_days を false にしてください（祝日・年末年始も計画時間に入ります）",
                );
                ok = false;
                continue;
            }
            for (i, range) in ranges.iter().enumerate() {
                match self.window(weekday, range, &day_path.index(i)) {
                    Some(w) => windows.push(w),
                    None => ok = false,
                }
            }
        }
        ok.then_some(windows)
    }

    fn window(&mut self, weekday: Weekday, v: &Value, path: &JsonPath) -> Option<ServiceWindow> {
        let pair = match v.as_array() {
            Some(pair) if pair.len() == 2 => pair,
            _ => {
                self.at(
                    path,
                    format!(
                        "時間帯は [\"09:00\", \"17:00\"] のように [開始, 終了] の二つで書いてください（値: {}）",
                        brief(v)
                    ),
                );
                return None;
            }
        };
        let start = self.clock(&pair[0], &path.index(0), false);
        let end = self.clock(&pair[1], &path.index(1), true);
        let ((sh, sm), (eh, em)) = (start?, end?);
        if (sh, sm) >= (eh, em) {
            self.at(
                &path.index(1),
                format!(
                    "終了 {eh:02}:{em:02} が開始 {sh:02}:{sm:02} 以前です。日をまたぐ時間帯は [\"{sh:02}:{sm:02}\", \"24:00\"] と翌日の [\"00:00\", \"{eh:02}:{em:02}\"] の二つに分けて書いてください"
                ),
            );
            return None;
        }
        let time = |h: i8, m: i8| {
            if h == 24 {
                Some(Time::midnight())
            } else {
                Time::new(h, m, 0, 0).ok()
            }
        };
        ServiceWindow::new(weekday, time(sh, sm)?, time(eh, em)?).ok()
    }

    /// `"HH:MM"`: a start 00:00–23:59, an end 00:01–24:00.
    fn clock(&mut self, v: &Value, path: &JsonPath, is_end: bool) -> Option<(i8, i8)> {
        let parsed = v.as_str().and_then(|t| {
            let b = t.as_bytes();
            let digit = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| c - b'0');
            if b.len() != 5 || b.get(2) != Some(&b':') {
                return None;
            }
            let h = i8::try_from(digit(0)? * 10 + digit(1)?).ok()?;
            let m = i8::try_from(digit(3)? * 10 + digit(4)?).ok()?;
            (((0..=23).contains(&h) && (0..=59).contains(&m)) || (h, m) == (24, 0))
                .then_some((h, m))
        });
        match parsed {
            Some((24, 0)) if !is_end => {
                self.at(
                    path,
                    "開始に 24:00 は使えません。翌日の \"00:00\" として書いてください",
                );
                None
            }
            Some((0, 0)) if is_end => {
                self.at(
                    path,
                    "終了の 00:00 はその日の 24 時の意味になるので、\"24:00\" と書いてください",
                );
                None
            }
            Some(hm) => Some(hm),
            None => {
                self.at(
                    path,
                    format!(
                        "時刻 {} を読めません。\"08:00\" のように HH:MM（日本時間、00:00〜23:59。終了は \"24:00\" も可）で書いてください",
                        brief(v)
                    ),
                );
                None
            }
        }
    }

    fn closed_days(&mut self, v: Option<&Value>) -> Vec<Date> {
        let path = JsonPath::default().key("extra_closed_days");
        let items = self.array(v, &path, "extra_closed_days");
        let mut days = Vec::new();
        let mut seen: HashMap<Date, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let item_path = path.index(i);
            let date = item.as_str().and_then(|t| {
                let pattern = t.len() == 10 && t.as_bytes().get(4) == Some(&b'-');
                if pattern {
                    t.parse::<Date>().ok()
                } else {
                    None
                }
            });
            let Some(date) = date else {
                self.at(
                    &item_path,
                    format!(
                        "日付 {} を読めません。\"2026-06-23\" のように YYYY-MM-DD で書いてください",
                        brief(item)
                    ),
                );
                continue;
            };
            if let Some(first) = seen.get(&date) {
                self.at(
                    &item_path,
                    format!(
                        "{date} は extra_closed_days[{first}] と重複しています。一つにしてください"
                    ),
                );
                continue;
            }
            seen.insert(date, i);
            days.push(date);
        }
        days
    }

    fn justified_stops(&mut self, v: Option<&Value>) -> Vec<JustifiedStop> {
        let path = JsonPath::default().key("justified_stops");
        let items = self.array(v, &path, "justified_stops");
        let mut stops = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(map) = self.object(item, &p, "正当停止 (justified_stops の要素)", STOP_KEYS)
            else {
                continue;
            };
            let interval = self.interval(map, &p, ("start", "end"), ("開始", "終了"));
            let reason = self
                .required(
                    map,
                    &p,
                    "reason",
                    "正当な停止とする理由（例: \"定期保守（契約別紙 3.2）\"）を書いてください",
                )
                .and_then(|v| self.text(v, &p.key("reason"), "理由"));
            if let (Some((start, end)), Some(reason)) = (interval, reason) {
                stops.push(JustifiedStop { start, end, reason });
            }
        }
        stops
    }

    fn outages(&mut self, v: Option<&Value>) -> Vec<ReportedOutage> {
        let path = JsonPath::default().key("outages");
        let items = self.array(v, &path, "outages");
        let mut outages = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(map) = self.object(item, &p, "停止 (outages の要素)", OUTAGE_KEYS) else {
                continue;
            };
            let interval = self.interval(map, &p, ("start", "end"), ("開始", "終了"));
            let major = self
                .required(
                    map,
                    &p,
                    "major",
                    "重大障害なら true、そうでなければ false を書いてください",
                )
                .and_then(|v| self.boolean(v, &p.key("major")));
            let description = match map.get("description") {
                None | Some(Value::Null) => Some(None),
                Some(Value::String(s)) => Some(Some(s.clone())),
                Some(other) => {
                    self.at(
                        &p.key("description"),
                        format!("説明は文字列で書いてください（値: {}）", brief(other)),
                    );
                    None
                }
            };
            if let (Some((start, end)), Some(major), Some(description)) =
                (interval, major, description)
            {
                outages.push(ReportedOutage {
                    start,
                    end,
                    major,
                    description,
                });
            }
        }
        outages
    }

    fn inquiries(&mut self, v: Option<&Value>) -> Vec<Inquiry> {
        let path = JsonPath::default().key("inquiries");
        let items = self.array(v, &path, "inquiries");
        let mut inquiries = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(map) = self.object(item, &p, "問合せ (inquiries の要素)", INQUIRY_KEYS)
            else {
                continue;
            };
            let id = self
                .required(
                    map,
                    &p,
                    "id",
                    "問合せの ID（例: \"Q-2026-001\"）を書いてください",
                )
                .and_then(|v| self.text(v, &p.key("id"), "ID"));
            let id = id.and_then(|id| {
                if let Some(first) = seen.get(&id) {
                    self.at(
                        &p.key("id"),
                        format!(
                            "ID \"{id}\" は inquiries[{first}] と重複しています。問合せごとに別の ID にしてください"
                        ),
                    );
                    return None;
                }
                seen.insert(id.clone(), i);
                Some(id)
            });
            let interval = self.interval(
                map,
                &p,
                ("asked_at", "first_answered_at"),
                ("受付", "一次回答"),
            );
            if let (Some(id), Some((asked_at, first_answered_at))) = (id, interval) {
                inquiries.push(Inquiry {
                    id,
                    asked_at,
                    first_answered_at,
                });
            }
        }
        inquiries
    }
}
