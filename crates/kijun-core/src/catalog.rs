//! Criteria catalogs (選定基準): the model of a catalog and its requirements,
//! and the strict loader that turns a TOML file (`docs/catalog-format.md`)
//! into a validated [`Catalog`], reporting every problem with its location.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::condition::{self, Condition, NamedConditions};
use crate::control::ControlVocabulary;
use crate::error::{LoadError, Reporter};
use crate::profile::Profile;

/// Lifecycle phase of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 選定
    Selection,
    /// 導入・構築
    Build,
    /// 運用・保守
    Operation,
    /// 更改・廃棄
    Termination,
    /// Contract and reporting duties (実施計画書, 実績報告書).
    Contract,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Selection,
        Phase::Build,
        Phase::Operation,
        Phase::Termination,
        Phase::Contract,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Selection => "selection",
            Phase::Build => "build",
            Phase::Operation => "operation",
            Phase::Termination => "termination",
            Phase::Contract => "contract",
        }
    }

    /// Japanese name.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Selection => "選定",
            Phase::Build => "導入・構築",
            Phase::Operation => "運用・保守",
            Phase::Termination => "更改・廃棄",
            Phase::Contract => "契約・報告",
        }
    }
}

/// A party a requirement can bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// 導入事業者
    Integrator,
    /// 外部サービス提供者
    Provider,
}

impl Party {
    pub const ALL: [Party; 2] = [Party::Integrator, Party::Provider];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Integrator => "integrator",
            Party::Provider => "provider",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Party::Integrator => "導入事業者",
            Party::Provider => "外部サービス提供者",
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How strongly a requirement binds a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 必須
    Required,
    /// 推奨
    Recommended,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Required => "required",
            Level::Recommended => "recommended",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Required => "必須",
            Level::Recommended => "推奨",
        }
    }
}

/// A level as written in a catalog, where `none` (－) means not asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelSpec {
    Required,
    Recommended,
    None,
}

impl LevelSpec {
    pub fn level(self) -> Option<Level> {
        match self {
            LevelSpec::Required => Some(Level::Required),
            LevelSpec::Recommended => Some(Level::Recommended),
            LevelSpec::None => None,
        }
    }
}

/// One rule of a requirement's obligations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObligationRule {
    /// The condition as written; `None` always holds.
    pub when: Option<String>,
    #[serde(skip)]
    pub condition: Option<Condition>,
    pub integrator: LevelSpec,
    pub provider: LevelSpec,
}

impl ObligationRule {
    pub fn level(&self, party: Party) -> Option<Level> {
        match party {
            Party::Integrator => self.integrator.level(),
            Party::Provider => self.provider.level(),
        }
    }
}

/// Who must meet a requirement, under which condition of the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Obligation {
    pub rules: Vec<ObligationRule>,
}

impl Obligation {
    /// The rule that decides for `profile`: the first whose condition holds.
    pub fn rule_for(&self, profile: &Profile) -> Option<&ObligationRule> {
        self.rules
            .iter()
            .find(|r| r.condition.as_ref().is_none_or(|c| c.holds(profile)))
    }

    /// The level at which `party` is bound for `profile`, if at all.
    pub fn level(&self, profile: &Profile, party: Party) -> Option<Level> {
        self.rule_for(profile).and_then(|r| r.level(party))
    }
}

/// An implementation example (実施基準・実施例), optionally for one party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    ForParty { text: String, party: Party },
}

impl Example {
    pub fn text(&self) -> &str {
        match self {
            Example::Text(t) | Example::ForParty { text: t, .. } => t,
        }
    }

    pub fn party(&self) -> Option<Party> {
        match self {
            Example::Text(_) => None,
            Example::ForParty { party, .. } => Some(*party),
        }
    }
}

/// A sub-item of a requirement: a list entry or a table row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// Unit of a numeric parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Minute,
    Hour,
    Day,
    Month,
    Year,
    Count,
    PerYear,
    PerMonth,
    SeismicIntensity,
    TimeWindow,
    Date,
}

impl Unit {
    /// Japanese rendering of `value` in this unit.
    fn render(self, value: f64) -> String {
        match self {
            Unit::Percent => format!("{value}%"),
            Unit::Minute => format!("{value}分"),
            Unit::Hour => format!("{value}時間"),
            Unit::Day => format!("{value}日"),
            Unit::Month => format!("{value}か月"),
            Unit::Year => format!("{value}年"),
            Unit::Count => format!("{value}"),
            Unit::PerYear => format!("{value}回/年"),
            Unit::PerMonth => format!("{value}回/月"),
            Unit::SeismicIntensity => format!("震度{value}"),
            Unit::TimeWindow | Unit::Date => value.to_string(),
        }
    }
}

/// Whether a parameter is a lower bound, an upper bound or an exact value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// 以上
    Min,
    /// 以内・以下
    Max,
    #[default]
    Exact,
}

/// Day set of a time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaySet {
    /// 平日 (Monday–Friday)
    Weekdays,
    /// 開庁日 (days that are not closed days)
    BusinessDays,
    All,
}

/// A time of day, minutes precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl TimeOfDay {
    fn parse(s: &str) -> Option<TimeOfDay> {
        let (h, m) = s.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let hour: u8 = h.parse().ok()?;
        let minute: u8 = m.parse().ok()?;
        (hour <= 24 && minute < 60 && (hour < 24 || minute == 0))
            .then_some(TimeOfDay { hour, minute })
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A calendar date (the domain core stays free of a time library for now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A date from a TOML datetime that holds only a date.
    pub fn from_toml(dt: &toml::value::Datetime) -> Option<Date> {
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => Some(Date {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
            _ => None,
        }
    }

    /// `2026年5月1日`
    pub fn japanese(&self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The value of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParameterValue {
    Number {
        value: f64,
    },
    TimeWindow {
        days: DaySet,
        start: TimeOfDay,
        end: TimeOfDay,
    },
    Date {
        date: Date,
    },
}

/// A typed number of a requirement (24 h, 99.8 %, 3 per year, …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub key: String,
    pub label: String,
    pub unit: Unit,
    pub bound: Bound,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub excluding_closed_days: bool,
    #[serde(flatten)]
    pub value: ParameterValue,
}

impl Parameter {
    /// The numeric value, for number parameters.
    pub fn number(&self) -> Option<f64> {
        match self.value {
            ParameterValue::Number { value } => Some(value),
            _ => None,
        }
    }

    /// Japanese rendering, e.g. `24時間以内`, `48時間以内（閉庁日を除く）`.
    pub fn describe(&self) -> String {
        let mut s = match &self.value {
            ParameterValue::Number { value } => {
                let v = self.unit.render(*value);
                match self.bound {
                    Bound::Min => format!("{v}以上"),
                    Bound::Max => format!("{v}以内"),
                    Bound::Exact => v,
                }
            }
            ParameterValue::TimeWindow { days, start, end } => {
                let d = match days {
                    DaySet::Weekdays => "平日",
                    DaySet::BusinessDays => "開庁日",
                    DaySet::All => "毎日",
                };
                format!("{d} {start}〜{end}")
            }
            ParameterValue::Date { date } => format!("{}まで", date.japanese()),
        };
        if self.excluding_closed_days {
            s.push_str("（閉庁日を除く）");
        }
        s
    }
}

/// One requirement (要求事項) of a catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    pub id: String,
    pub phase: Phase,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subcategory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// The requirement text, verbatim from the source.
    pub text: String,
    pub examples: Vec<Example>,
    pub items: Vec<SubItem>,
    pub obligations: Obligation,
    pub parameters: Vec<Parameter>,
    pub controls: Vec<String>,
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Requirement {
    pub fn parameter(&self, key: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.key == key)
    }
}

/// A named condition of a catalog (e.g. the seed-000 ISMAP column).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedCondition {
    pub id: String,
    pub label: String,
    pub when: String,
    #[serde(skip)]
    pub condition: Arc<Condition>,
}

/// A criteria catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalog {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub version: String,
    pub source: String,
    pub notes: Vec<String>,
    pub phase_labels: BTreeMap<Phase, String>,
    pub conditions: Vec<NamedCondition>,
    pub requirements: Vec<Requirement>,
}

impl Catalog {
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The source's heading for `phase`, or kijun's Japanese name for it.
    pub fn phase_label(&self, phase: Phase) -> &str {
        self.phase_labels
            .get(&phase)
            .map_or(phase.label(), String::as_str)
    }

    /// Parses and validates a catalog file. `file` is used in messages only.
    pub fn from_toml(
        file: &str,
        text: &str,
        controls: &ControlVocabulary,
    ) -> Result<Catalog, LoadError> {
        let reporter = Reporter::new(file, text);
        let raw: RawFile = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => return Err(reporter.toml_error(&e)),
        };
        let mut reporter = reporter;
        let catalog = build(raw, &mut reporter, controls);
        reporter.finish(catalog)
    }
}

// ---------------------------------------------------------------------------
// Loader: raw serde shapes, then validation into the model.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    catalog: RawMeta,
    #[serde(default)]
    conditions: Vec<RawCondition>,
    #[serde(default)]
    requirements: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: Spanned<String>,
    title: String,
    issuer: String,
    version: String,
    source: String,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    phase_labels: BTreeMap<Phase, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    id: Spanned<String>,
    label: String,
    when: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: Spanned<String>,
    phase: Phase,
    category: Option<String>,
    subcategory: Option<String>,
    source_ref: Option<String>,
    text: Spanned<String>,
    #[serde(default)]
    examples: Vec<Example>,
    #[serde(default)]
    items: Vec<SubItem>,
    obligations: Spanned<Vec<RawRule>>,
    #[serde(default)]
    parameters: Vec<Spanned<RawParameter>>,
    controls: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    evidence: Vec<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    when: Option<Spanned<String>>,
    integrator: Option<LevelSpec>,
    provider: Option<LevelSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    key: Spanned<String>,
    label: String,
    unit: Unit,
    value: Option<f64>,
    #[serde(default)]
    bound: Bound,
    #[serde(default)]
    excluding_closed_days: bool,
    days: Option<DaySet>,
    start: Option<Spanned<String>>,
    end: Option<Spanned<String>>,
    date: Option<Spanned<toml::value::Datetime>>,
}

/// Whether `id` is a valid catalog or requirement id.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.'))
}

/// Byte offset of a condition string's content: past the opening quote(s).
fn content_offset(text: &str, span_start: usize) -> usize {
    let rest = text.get(span_start..).unwrap_or("");
    if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        span_start + 3
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        span_start + 1
    } else {
        span_start
    }
}

fn compile(
    reporter: &mut Reporter<'_>,
    source: &Spanned<String>,
    named: &NamedConditions,
) -> Option<Condition> {
    match condition::parse(source.get_ref(), named) {
        Ok(c) => Some(c),
        Err(e) => {
            // Offsets inside the expression map onto the file only for plain
            // strings without escapes; otherwise point at the string itself.
            let base = source.span().start;
            let start = if source.get_ref().contains('\\') {
                base
            } else {
                content_offset(reporter.text(), base) + e.span.start
            };
            reporter.error(start..start, format!("条件式: {}", e.message));
            None
        }
    }
}

fn build(raw: RawFile, reporter: &mut Reporter<'_>, controls: &ControlVocabulary) -> Catalog {
    if !is_valid_id(raw.catalog.id.get_ref()) {
        reporter.error(
            raw.catalog.id.span(),
            format!(
                "カタログ id `{}` は英数字で始まり、英数字と . _ - だけで書いてください (invalid id)",
                raw.catalog.id.get_ref()
            ),
        );
    }

    let mut named = NamedConditions::new();
    let mut conditions = Vec::new();
    for c in raw.conditions {
        if !is_valid_id(c.id.get_ref()) || c.id.get_ref().contains(['.', '-']) {
            reporter.error(
                c.id.span(),
                format!(
                    "条件 id `{}` は英数字と _ だけで書いてください (invalid condition id)",
                    c.id.get_ref()
                ),
            );
            continue;
        }
        if named.contains_key(c.id.get_ref()) || crate::profile::attribute(c.id.get_ref()).is_some()
        {
            reporter.error(
                c.id.span(),
                format!(
                    "条件 id `{}` は既に条件または属性として使われています (duplicate condition id)",
                    c.id.get_ref()
                ),
            );
            continue;
        }
        if let Some(cond) = compile(reporter, &c.when, &named) {
            let cond = Arc::new(cond);
            named.insert(c.id.get_ref().clone(), cond.clone());
            conditions.push(NamedCondition {
                id: c.id.into_inner(),
                label: c.label,
                when: c.when.into_inner(),
                condition: cond,
            });
        }
    }

    let mut seen = BTreeSet::new();
    let mut requirements = Vec::new();
    for r in raw.requirements {
        let id = r.id.get_ref().clone();
        if !is_valid_id(&id) {
            reporter.error(
                r.id.span(),
                format!("要求事項 id `{id}` は英数字で始まり、英数字と . _ - だけで書いてください (invalid id)"),
            );
        } else if !seen.insert(id.clone()) {
            reporter.error(
                r.id.span(),
                format!(
                    "要求事項 id `{id}` が重複しています。id は一意にしてください (duplicate id)"
                ),
            );
        }
        if r.text.get_ref().trim().is_empty() {
            reporter.error(
                r.text.span(),
                format!("要求事項 `{id}` の text が空です (empty text)"),
            );
        }

        if r.obligations.get_ref().is_empty() {
            reporter.error(
                r.obligations.span(),
                format!("要求事項 `{id}` の obligations が空です。少なくとも1つの規則を書いてください (no obligation rule)"),
            );
        }
        let mut rules = Vec::new();
        for rule in r.obligations.into_inner() {
            let condition = match &rule.when {
                Some(w) => match compile(reporter, w, &named) {
                    Some(c) => Some(c),
                    None => continue,
                },
                None => None,
            };
            rules.push(ObligationRule {
                when: rule.when.map(Spanned::into_inner),
                condition,
                integrator: rule.integrator.unwrap_or(LevelSpec::None),
                provider: rule.provider.unwrap_or(LevelSpec::None),
            });
        }

        let mut parameters = Vec::new();
        let mut keys = BTreeSet::new();
        for p in r.parameters {
            let p_span = p.span();
            if let Some(p) = build_parameter(p.into_inner(), p_span, reporter, &mut keys) {
                parameters.push(p);
            }
        }

        if r.controls.get_ref().is_empty() {
            reporter.error(
                r.controls.span(),
                format!("要求事項 `{id}` に共通管理策 (controls) が1つもありません (no control)"),
            );
        }
        let mut control_ids = Vec::new();
        for c in r.controls.into_inner() {
            if !controls.contains(c.get_ref()) {
                reporter.error(
                    c.span(),
                    format!(
                        "不明な共通管理策 `{}` です。`kijun catalog controls` で一覧を確認してください (unknown control)",
                        c.get_ref()
                    ),
                );
            } else if control_ids.contains(c.get_ref()) {
                reporter.error(
                    c.span(),
                    format!("共通管理策 `{}` が重複しています", c.get_ref()),
                );
            } else {
                control_ids.push(c.into_inner());
            }
        }

        requirements.push(Requirement {
            id,
            phase: r.phase,
            category: r.category,
            subcategory: r.subcategory,
            source_ref: r.source_ref,
            text: r.text.into_inner(),
            examples: r.examples,
            items: r.items,
            obligations: Obligation { rules },
            parameters,
            controls: control_ids,
            evidence: r.evidence,
            note: r.note,
        });
    }

    Catalog {
        id: raw.catalog.id.into_inner(),
        title: raw.catalog.title,
        issuer: raw.catalog.issuer,
        version: raw.catalog.version,
        source: raw.catalog.source,
        notes: raw.catalog.notes,
        phase_labels: raw.catalog.phase_labels,
        conditions,
        requirements,
    }
}

fn build_parameter(
    p: RawParameter,
    span: std::ops::Range<usize>,
    reporter: &mut Reporter<'_>,
    keys: &mut BTreeSet<String>,
) -> Option<Parameter> {
    let key = p.key.get_ref().clone();
    if !is_valid_key(&key) {
        reporter.error(
            p.key.span(),
            format!("パラメータ key `{key}` は英小文字・数字・_ . で書いてください (invalid key)"),
        );
        return None;
    }
    if !keys.insert(key.clone()) {
        reporter.error(
            p.key.span(),
            format!("パラメータ key `{key}` が重複しています (duplicate key)"),
        );
        return None;
    }
    let value = match p.unit {
        Unit::TimeWindow => {
            let parse_time = |reporter: &mut Reporter<'_>,
                              t: &Option<Spanned<String>>,
                              what: &str| match t {
                None => {
                    reporter.error(
                        span.clone(),
                        format!("パラメータ `{key}` (time_window) に {what} (HH:MM) がありません"),
                    );
                    None
                }
                Some(t) => {
                    let parsed = TimeOfDay::parse(t.get_ref());
                    if parsed.is_none() {
                        reporter.error(
                            t.span(),
                            format!(
                                "時刻 `{}` は HH:MM 形式で書いてください (bad time)",
                                t.get_ref()
                            ),
                        );
                    }
                    parsed
                }
            };
            let start = parse_time(reporter, &p.start, "start");
            let end = parse_time(reporter, &p.end, "end");
            let Some(days) = p.days else {
                reporter.error(
                    span,
                    format!("パラメータ `{key}` (time_window) に days (weekdays / business_days / all) がありません"),
                );
                return None;
            };
            let (start, end) = (start?, end?);
            if start >= end {
                reporter.error(
                    span,
                    format!("パラメータ `{key}` の start は end より前にしてください"),
                );
                return None;
            }
            ParameterValue::TimeWindow { days, start, end }
        }
        Unit::Date => {
            let Some(d) = p.date else {
                reporter.error(
                    span,
                    format!("パラメータ `{key}` (date) に date がありません"),
                );
                return None;
            };
            let Some(date) = Date::from_toml(d.get_ref()) else {
                reporter.error(
                    d.span(),
                    "date は時刻なしの日付 (例: 2023-01-16) で書いてください",
                );
                return None;
            };
            ParameterValue::Date { date }
        }
        _ => {
            let Some(value) = p.value else {
                reporter.error(
                    span,
                    format!("パラメータ `{key}` に value がありません (missing value)"),
                );
                return None;
            };
            if !value.is_finite() {
                reporter.error(
                    span,
                    format!("パラメータ `{key}` の value が数値ではありません"),
                );
                return None;
            }
            ParameterValue::Number { value }
        }
    };
    Some(Parameter {
        key,
        label: p.label,
        unit: p.unit,
        bound: p.bound,
        excluding_closed_days: p.excluding_closed_days,
        value,
    })
}
