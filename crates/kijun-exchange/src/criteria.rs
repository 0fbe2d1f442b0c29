//! Criteria sheets: a municipality's own criteria table (the seed-000 layout
//! with its phase and category heading rows and 必須/推奨 column groups per
//! condition, or the one-header-row simple layout of docs/xlsx.md), read from
//! an .xlsx or a tab-separated text, becomes a custom catalog in the TOML
//! format of docs/catalog-format.md, checked by the same loader as
//! `kijun catalog validate`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use kijun_core::catalog::{Catalog, Example, LevelSpec, Phase, is_valid_id};
use kijun_core::condition::{self, NamedConditions};
use kijun_core::{ControlVocabulary, Party};

use crate::error::{ImportError, ImportErrorKind, ImportErrors};
use crate::grid::{self, Grid};

/// Name of the optional sheet that maps condition headings to expressions.
pub const CONDITIONS_SHEET: &str = "条件";

/// How to turn a criteria sheet into a catalog.
#[derive(Debug, Clone)]
pub struct CriteriaOptions<'a> {
    /// The new catalog's id (`[A-Za-z0-9][A-Za-z0-9._-]*`).
    pub id: String,
    /// Default: the title row above the header, else the sheet name.
    pub title: Option<String>,
    /// Default: `記載なし`.
    pub issuer: Option<String>,
    /// Default: `1`.
    pub version: Option<String>,
    /// The `source` of the catalog (e.g. the file name); also names the file
    /// in messages of the final validation.
    pub source: String,
    /// The sheet to read; default: the first sheet with a 要求事項 header.
    pub sheet: Option<String>,
    /// Condition headings and their expressions (`見出し`, `条件式`); these
    /// win over the workbook's 条件 sheet and the built-in ISMAP headings.
    pub conditions: Vec<(String, String)>,
    /// The common-control vocabulary the catalog is checked against.
    pub controls: &'a ControlVocabulary,
    /// Catalogs whose requirements lend their control tags to a requirement
    /// with the same text (e.g. the built-ins).
    pub reference: Vec<&'a Catalog>,
}

impl<'a> CriteriaOptions<'a> {
    pub fn new(id: &str, source: &str, controls: &'a ControlVocabulary) -> CriteriaOptions<'a> {
        CriteriaOptions {
            id: id.to_owned(),
            title: None,
            issuer: None,
            version: None,
            source: source.to_owned(),
            sheet: None,
            conditions: Vec::new(),
            controls,
            reference: Vec::new(),
        }
    }
}

/// The catalog made from a criteria sheet.
#[derive(Debug, Clone)]
pub struct CriteriaImport {
    /// The loaded, validated catalog.
    pub catalog: Catalog,
    /// Its TOML text (docs/catalog-format.md).
    pub toml: String,
    /// Things to review (Japanese), e.g. guessed control tags.
    pub warnings: Vec<String>,
}

/// Reads a criteria sheet: an .xlsx (detected by its `PK` signature) or a
/// UTF-8 tab-separated text. Every problem is reported at once.
pub fn read_criteria_sheet(
    bytes: &[u8],
    options: &CriteriaOptions<'_>,
) -> Result<CriteriaImport, ImportErrors> {
    if !is_valid_id(&options.id) {
        return Err(ImportErrors::one(ImportError::file(
            ImportErrorKind::BadCatalogId {
                value: options.id.clone(),
            },
        )));
    }
    let mut specs: Vec<CondSpec> = options
        .conditions
        .iter()
        .map(|(label, when)| CondSpec {
            label: label.trim().to_owned(),
            when: when.trim().to_owned(),
            cell: None,
        })
        .collect();
    let grid = if grid::looks_like_xlsx(bytes) {
        use calamine::Reader;
        let mut book = grid::open(bytes)?;
        let names = book.sheet_names();
        if names.iter().any(|n| n == CONDITIONS_SHEET) {
            let g = grid::sheet(&mut book, CONDITIONS_SHEET)?;
            specs.extend(condition_specs(&g)?);
        }
        match &options.sheet {
            Some(name) => {
                if !names.contains(name) {
                    return Err(ImportErrors::one(ImportError::file(
                        ImportErrorKind::MissingSheet {
                            sheet: name.clone(),
                        },
                    )));
                }
                grid::sheet(&mut book, name)?
            }
            None => {
                let mut chosen = None;
                for name in names.iter().filter(|n| *n != CONDITIONS_SHEET) {
                    let g = grid::sheet(&mut book, name)?;
                    if header_row(&g).is_some() {
                        chosen = Some(g);
                        break;
                    }
                }
                chosen.ok_or_else(|| {
                    ImportErrors::one(ImportError::file(ImportErrorKind::NoHeader))
                })?
            }
        }
    } else {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| ImportErrors::one(ImportError::file(ImportErrorKind::NotText)))?;
        Grid::from_tsv(text)
    };
    Parser::new(&grid, options, specs).run()
}

/// A condition heading's expression, and where it was written.
#[derive(Debug, Clone)]
struct CondSpec {
    label: String,
    when: String,
    /// (row, col) in the 条件 sheet.
    cell: Option<(u32, u32)>,
}

/// The 条件 sheet: a header row with 見出し and 条件式, one condition a row.
fn condition_specs(g: &Grid) -> Result<Vec<CondSpec>, ImportErrors> {
    let header = (0..g.height().min(20)).find_map(|r| {
        let row = g.row(r);
        let label = row.iter().position(|c| norm(c) == "見出し")?;
        let when = row.iter().position(|c| norm(c) == "条件式")?;
        Some((r, label as u32, when as u32))
    });
    let Some((hr, lc, wc)) = header else {
        let mut e = ImportError::file(ImportErrorKind::MissingColumn {
            heading: "見出し・条件式".into(),
        });
        e.sheet = Some(CONDITIONS_SHEET.into());
        return Err(ImportErrors::one(e));
    };
    Ok((hr + 1..g.height())
        .filter(|&r| !g.get(r, lc).trim().is_empty())
        .map(|r| CondSpec {
            label: g.get(r, lc).trim().to_owned(),
            when: g.get(r, wc).trim().to_owned(),
            cell: Some((r, wc)),
        })
        .collect())
}

/// A cell without any whitespace (headings are compared this way).
fn norm(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn header_row(g: &Grid) -> Option<u32> {
    (0..g.height().min(50)).find(|&r| g.row(r).iter().any(|c| norm(c) == "要求事項"))
}

fn party_of(heading: &str) -> Option<Party> {
    let n = norm(heading);
    if n.contains("導入事業者") {
        Some(Party::Integrator)
    } else if n.contains("提供者") {
        Some(Party::Provider)
    } else {
        None
    }
}

/// The phase a heading row names, by the words the seeds use.
pub fn phase_of_heading(heading: &str) -> Option<Phase> {
    const WORDS: [(Phase, &[&str]); 5] = [
        (Phase::Selection, &["選定"]),
        (Phase::Build, &["導入", "構築"]),
        (Phase::Operation, &["運用", "保守"]),
        (Phase::Termination, &["更改", "廃棄", "終了", "解約"]),
        (Phase::Contract, &["契約・報告", "契約時", "報告義務"]),
    ];
    WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| heading.contains(w)))
        .map(|(p, _)| *p)
}

/// A value of the 段階 column: kijun's code, its Japanese name, or a heading.
fn phase_of_value(value: &str) -> Option<Phase> {
    let n = norm(value);
    Phase::ALL
        .into_iter()
        .find(|p| p.as_str() == n || p.label() == n)
        .or_else(|| phase_of_heading(&n))
}

fn level_of(value: &str) -> Option<LevelSpec> {
    match norm(value).as_str() {
        "必須" | "required" => Some(LevelSpec::Required),
        "推奨" | "recommended" => Some(LevelSpec::Recommended),
        "" | "-" | "－" | "ー" | "―" | "—" | "–" | "‐" | "×" | "対象外" | "none" => {
            Some(LevelSpec::None)
        }
        _ => None,
    }
}

/// 実施基準・実施例 split into examples: `・` bullets (at the start or after
/// whitespace), with `(導入事業者)` / `(外部サービス提供者)` markers
/// assigning the following bullets to one party. Text without bullets is one
/// example.
pub fn parse_examples(cell: &str) -> Vec<Example> {
    let chars: Vec<char> = cell.chars().collect();
    let mut out = Vec::new();
    let mut party: Option<Party> = None;
    let mut current = String::new();
    let mut boundary = true;
    let mut i = 0;
    let flush = |current: &mut String, party: Option<Party>, out: &mut Vec<Example>| {
        let t = current.trim();
        if !t.is_empty() {
            out.push(match party {
                Some(party) => Example::ForParty {
                    text: t.to_owned(),
                    party,
                },
                None => Example::Text(t.to_owned()),
            });
        }
        current.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        if boundary {
            if let Some((p, len)) = party_marker(&chars[i..]) {
                flush(&mut current, party, &mut out);
                party = Some(p);
                i += len;
                continue;
            }
            if c == '・' || c == '･' {
                flush(&mut current, party, &mut out);
                i += 1;
                boundary = false;
                continue;
            }
        }
        boundary = c.is_whitespace();
        current.push(c);
        i += 1;
    }
    flush(&mut current, party, &mut out);
    out
}

/// `(導入事業者)`, `（外部サービス提供者）`, `【導入事業者】` at the start of
/// `chars`: the party and the marker's length.
fn party_marker(chars: &[char]) -> Option<(Party, usize)> {
    let close = match chars.first()? {
        '(' => ')',
        '（' => '）',
        '【' => '】',
        '[' => ']',
        _ => return None,
    };
    let end = chars.iter().take(16).position(|c| *c == close)?;
    let inner: String = chars[1..end].iter().collect();
    let party = match norm(&inner).as_str() {
        "導入事業者" => Party::Integrator,
        "外部サービス提供者" | "サービス提供者" | "提供者" => Party::Provider,
        _ => return None,
    };
    Some((party, end + 1))
}

/// A condition heading above 必須/推奨 columns, and its cell (row, col).
struct Heading {
    text: String,
    cell: (u32, u32),
}

/// A condition group's heading resolved to a named condition.
struct Resolved {
    id: String,
    label: String,
    when: String,
    /// (row, col) in the 条件 sheet, when the expression came from there.
    cell: Option<(u32, u32)>,
}

/// A column group of 必須/推奨 under one condition heading (or none).
struct Group {
    label: Option<String>,
    /// (row, col) of the heading cell.
    cell: (u32, u32),
    cols: [Option<u32>; 2],
}

struct Columns {
    header_row: u32,
    data_start: u32,
    no: Option<u32>,
    sub: Option<u32>,
    text: u32,
    examples: Option<u32>,
    phase: Option<u32>,
    category: Option<u32>,
    controls: Option<u32>,
    id: Option<u32>,
    groups: Vec<Group>,
}

/// One requirement read from a row.
struct Row {
    id: String,
    phase: Phase,
    category: Option<String>,
    subcategory: Option<String>,
    source_ref: String,
    text: String,
    examples: Vec<Example>,
    /// Per group: (integrator, provider).
    levels: Vec<(LevelSpec, LevelSpec)>,
    controls: Vec<String>,
    note: Option<String>,
}

struct Parser<'g, 'o, 'a> {
    g: &'g Grid,
    o: &'o CriteriaOptions<'a>,
    specs: Vec<CondSpec>,
    errors: Vec<ImportError>,
    warnings: Vec<String>,
}

impl<'g, 'o, 'a> Parser<'g, 'o, 'a> {
    fn new(g: &'g Grid, o: &'o CriteriaOptions<'a>, specs: Vec<CondSpec>) -> Self {
        Parser {
            g,
            o,
            specs,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn err(&mut self, row: u32, col: Option<u32>, value: &str, kind: ImportErrorKind) {
        let heading = col.map(|c| {
            self.header_row()
                .map_or(String::new(), |hr| norm(self.g.get(hr, c)))
        });
        self.errors.push(ImportError::at(
            self.g.sheet(),
            row,
            col,
            heading.as_deref().filter(|h| !h.is_empty()),
            (!value.trim().is_empty()).then_some(value.trim()),
            kind,
        ));
    }

    fn header_row(&self) -> Option<u32> {
        header_row(self.g)
    }

    fn fail(mut self, kind: ImportErrorKind) -> ImportErrors {
        let mut e = ImportError::file(kind);
        e.sheet = self.g.sheet.clone();
        self.errors.push(e);
        ImportErrors(self.errors)
    }

    fn run(mut self) -> Result<CriteriaImport, ImportErrors> {
        let Some(cols) = self.columns() else {
            return Err(ImportErrors(self.errors));
        };
        let conditions = self.conditions(&cols);
        let (rows, phase_labels) = self.rows(&cols);
        if !self.errors.is_empty() {
            return Err(ImportErrors(self.errors));
        }
        if rows.is_empty() {
            return Err(self.fail(ImportErrorKind::NoRequirements));
        }
        let title = self.title(&cols);
        let toml = self.to_toml(&title, &phase_labels, &conditions, &cols, &rows);
        match Catalog::from_toml(&self.o.source, &toml, self.o.controls) {
            Ok(catalog) => Ok(CriteriaImport {
                catalog,
                toml,
                warnings: self.warnings,
            }),
            Err(e) => Err(self.fail(ImportErrorKind::InvalidCatalog {
                message: e.to_string(),
            })),
        }
    }

    fn columns(&mut self) -> Option<Columns> {
        let g = self.g;
        let Some(hr) = header_row(g) else {
            self.errors.push({
                let mut e = ImportError::file(ImportErrorKind::NoHeader);
                e.sheet = g.sheet.clone();
                e
            });
            return None;
        };
        let header = g.row(hr);
        let mut c = Columns {
            header_row: hr,
            data_start: hr + 1,
            no: None,
            sub: None,
            text: 0,
            examples: None,
            phase: None,
            category: None,
            controls: None,
            id: None,
            groups: Vec::new(),
        };
        let mut level_group = None;
        let mut direct: Vec<(u32, Party)> = Vec::new();
        for (i, cell) in header.iter().enumerate() {
            let i = i as u32;
            let n = norm(cell);
            match n.as_str() {
                "No" | "No." | "NO" | "no" | "№" | "番号" | "項番" => c.no = Some(i),
                "項目" => c.sub = Some(i),
                "要求事項" => c.text = i,
                "段階" | "フェーズ" | "時期" => c.phase = Some(i),
                "区分" | "分類" | "カテゴリ" | "カテゴリー" | "大項目" => {
                    c.category = Some(i)
                }
                "管理策" | "共通管理策" => c.controls = Some(i),
                "ID" | "id" | "要求事項ID" => c.id = Some(i),
                "必須/推奨" | "必須／推奨" | "必須・推奨" => level_group = Some(i),
                _ if n.starts_with("実施基準") || n.starts_with("実施例") => {
                    c.examples = Some(i)
                }
                _ => {
                    if let Some(p) = party_of(&n) {
                        direct.push((i, p));
                    }
                }
            }
        }

        let mut party_cols: Vec<(u32, Party, Option<Heading>)> = Vec::new();
        if let Some(start) = level_group {
            let width = (hr..(hr + 4).min(g.height()))
                .map(|r| g.row(r).len() as u32)
                .max()
                .unwrap_or(0);
            let end = (start + 1..width)
                .find(|&col| !g.get(hr, col).trim().is_empty())
                .unwrap_or(width);
            let party_row = (hr + 1..(hr + 4).min(g.height()))
                .rfind(|&r| (start..end).any(|col| party_of(g.get(r, col)).is_some()));
            if let Some(pr) = party_row {
                for col in start..end {
                    let Some(p) = party_of(g.get(pr, col)) else {
                        continue;
                    };
                    let label = if pr > hr + 1 {
                        (start..=col)
                            .rev()
                            .find(|&k| !g.get(pr - 1, k).trim().is_empty())
                            .map(|k| Heading {
                                text: g.get(pr - 1, k).trim().to_owned(),
                                cell: (pr - 1, k),
                            })
                    } else {
                        None
                    };
                    party_cols.push((col, p, label));
                }
                c.data_start = pr + 1;
            }
        } else {
            party_cols = direct.into_iter().map(|(col, p)| (col, p, None)).collect();
        }
        if party_cols.is_empty() {
            let mut e = ImportError::file(ImportErrorKind::NoLevelColumns);
            e.sheet = g.sheet.clone();
            e.row = Some(hr + 1);
            self.errors.push(e);
            return None;
        }
        for (col, party, label) in party_cols {
            let (text, cell) = match label {
                Some(h) => (Some(h.text), h.cell),
                None => (None, (hr, col)),
            };
            let idx = match c.groups.iter().position(|g| g.label == text) {
                Some(i) => i,
                None => {
                    c.groups.push(Group {
                        label: text,
                        cell,
                        cols: [None, None],
                    });
                    c.groups.len() - 1
                }
            };
            let slot = match party {
                Party::Integrator => 0,
                Party::Provider => 1,
            };
            if c.groups[idx].cols[slot].is_some() {
                self.err(
                    hr,
                    Some(col),
                    "",
                    ImportErrorKind::DuplicatePartyColumn {
                        party: party.label().to_owned(),
                    },
                );
            }
            c.groups[idx].cols[slot] = Some(col);
        }
        Some(c)
    }

    /// The named conditions of the catalog, one per condition group (the
    /// ISMAP pair first), checked against the profile schema. Returns
    /// (id, label, when) in emission order; groups get their ids in
    /// `condition_ids`.
    fn conditions(&mut self, cols: &Columns) -> Vec<(String, String, String)> {
        let mut out: Vec<Resolved> = Vec::new();
        let has_positive_ismap = cols.groups.iter().any(|g| {
            g.label.as_deref().is_some_and(|l| {
                !self.specs.iter().any(|s| s.label == l) && ismap(l) == Some(false)
            })
        });
        let mut custom = 0;
        for group in &cols.groups {
            let Some(label) = group.label.as_deref() else {
                continue;
            };
            if out.iter().any(|r| r.label == label) {
                continue;
            }
            if let Some(spec) = self.specs.iter().find(|s| s.label == label) {
                custom += 1;
                out.push(Resolved {
                    id: format!("cond_{custom}"),
                    label: label.to_owned(),
                    when: spec.when.clone(),
                    cell: spec.cell,
                });
                continue;
            }
            match ismap(label) {
                Some(false) => {
                    let mut when = "ismap_registered".to_owned();
                    if label.contains("ガバメントクラウド") {
                        when.push_str(" or gov_cloud");
                    }
                    if label.to_uppercase().contains("LGWAN") {
                        when.push_str(" or lgwan_asp");
                    }
                    out.push(Resolved {
                        id: "ismap_listed".into(),
                        label: label.to_owned(),
                        when,
                        cell: None,
                    });
                }
                Some(true) => {
                    let when = if has_positive_ismap {
                        "not ismap_listed".to_owned()
                    } else {
                        "not ismap_registered".to_owned()
                    };
                    out.push(Resolved {
                        id: "not_ismap_listed".into(),
                        label: label.to_owned(),
                        when,
                        cell: None,
                    });
                }
                None => {
                    let (r, c) = group.cell;
                    let heading = self.g.get(r, c).to_owned();
                    self.errors.push(ImportError::at(
                        self.g.sheet(),
                        r,
                        Some(c),
                        None,
                        Some(&heading),
                        ImportErrorKind::UnknownCondition {
                            label: label.to_owned(),
                        },
                    ));
                }
            }
        }
        // The positive ISMAP condition first: the negative one names it.
        out.sort_by_key(|r| r.id != "ismap_listed");
        let mut named = NamedConditions::new();
        let mut result = Vec::new();
        for Resolved {
            id,
            label,
            when,
            cell,
        } in out
        {
            match condition::parse(&when, &named) {
                Ok(c) => {
                    named.insert(id.clone(), Arc::new(c));
                    result.push((id, label, when));
                }
                Err(e) => {
                    let kind = ImportErrorKind::BadCondition {
                        value: when.clone(),
                        message: e.message,
                    };
                    self.errors.push(match cell {
                        Some((r, c)) => ImportError::at(
                            Some(CONDITIONS_SHEET),
                            r,
                            Some(c),
                            Some("条件式"),
                            None,
                            kind,
                        ),
                        None => ImportError::file(kind),
                    });
                }
            }
        }
        result
    }

    fn rows(&mut self, cols: &Columns) -> (Vec<Row>, BTreeMap<Phase, String>) {
        let g = self.g;
        let mut rows: Vec<Row> = Vec::new();
        let mut phase_labels = BTreeMap::new();
        let mut phase: Option<Phase> = None;
        let mut category: Option<String> = None;
        let mut sub: Option<String> = None;
        let mut warned_phase = false;
        let mut explicit_ids: HashMap<String, u32> = HashMap::new();
        if let Some(ic) = cols.id {
            for r in cols.data_start..g.height() {
                let id = g.get(r, ic).trim();
                if id.is_empty() || g.get(r, cols.text).trim().is_empty() {
                    continue;
                }
                if !is_valid_id(id) {
                    self.err(r, Some(ic), id, ImportErrorKind::BadId { value: id.into() });
                } else if let Some(first) = explicit_ids.get(id) {
                    let first = *first;
                    self.err(
                        r,
                        Some(ic),
                        id,
                        ImportErrorKind::DuplicateId {
                            value: id.into(),
                            first_row: first,
                        },
                    );
                } else {
                    explicit_ids.insert(id.to_owned(), r + 1);
                }
            }
        }
        let mut used: HashSet<String> = explicit_ids.keys().cloned().collect();
        let mut counters: HashMap<Phase, u32> = HashMap::new();
        let reference = self.reference_controls();
        let mut known: Vec<u32> = [
            Some(cols.text),
            cols.no,
            cols.sub,
            cols.examples,
            cols.phase,
            cols.category,
            cols.controls,
            cols.id,
        ]
        .into_iter()
        .flatten()
        .collect();
        let level_cols: Vec<u32> = cols
            .groups
            .iter()
            .flat_map(|g| g.cols.iter().flatten().copied())
            .collect();
        known.extend(&level_cols);
        // A lone value in these columns is data, never a heading.
        let mut not_headings = level_cols;
        not_headings.extend([cols.id, cols.controls].into_iter().flatten());

        for r in cols.data_start..g.height() {
            let cells = g.row(r);
            let filled: Vec<(u32, &String)> = cells
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.trim().is_empty())
                .map(|(i, c)| (i as u32, c))
                .collect();
            if filled.is_empty() {
                continue;
            }
            let text = g.get(r, cols.text).trim();
            if text.is_empty() {
                match filled.as_slice() {
                    [(col, heading)] if !not_headings.contains(col) => {
                        let heading = heading.trim();
                        match phase_of_heading(heading).filter(|_| cols.phase.is_none()) {
                            Some(p) => {
                                phase = Some(p);
                                phase_labels.entry(p).or_insert_with(|| heading.to_owned());
                                category = None;
                            }
                            None => category = Some(heading.to_owned()),
                        }
                        sub = None;
                    }
                    // Nothing the importer reads (check marks, notes, hidden ids).
                    _ if !filled.iter().any(|(i, _)| known.contains(i)) => {}
                    _ => self.err(r, Some(cols.text), "", ImportErrorKind::EmptyText),
                }
                continue;
            }

            let row_phase = match cols.phase.map(|c| g.get(r, c).trim()) {
                Some(v) if !v.is_empty() => match phase_of_value(v) {
                    Some(p) => {
                        phase = Some(p);
                        Some(p)
                    }
                    None => {
                        self.err(
                            r,
                            cols.phase,
                            v,
                            ImportErrorKind::UnknownPhase { value: v.into() },
                        );
                        None
                    }
                },
                _ => phase,
            };
            let row_phase = row_phase.unwrap_or_else(|| {
                if !warned_phase {
                    warned_phase = true;
                    self.warnings.push(format!(
                        "{}行目: 段階の見出し行・段階列がないため、段階を「選定」(selection) としました",
                        r + 1
                    ));
                }
                Phase::Selection
            });
            if let Some(v) = cols.category.map(|c| g.get(r, c).trim())
                && !v.is_empty()
            {
                category = Some(v.to_owned());
            }
            if let Some(v) = cols.sub.map(|c| g.get(r, c).trim())
                && !v.is_empty()
            {
                sub = Some(v.to_owned());
            }

            let mut levels = Vec::new();
            for group in &cols.groups {
                let mut pair = [LevelSpec::None, LevelSpec::None];
                for (slot, col) in group.cols.iter().enumerate() {
                    let Some(col) = *col else { continue };
                    let v = g.get(r, col);
                    match level_of(v) {
                        Some(l) => pair[slot] = l,
                        None => self.err(
                            r,
                            Some(col),
                            v,
                            ImportErrorKind::UnknownLevel {
                                value: v.trim().into(),
                            },
                        ),
                    }
                }
                levels.push((pair[0], pair[1]));
            }

            let examples = cols
                .examples
                .map(|c| parse_examples(g.get(r, c)))
                .unwrap_or_default();

            let id = match cols
                .id
                .map(|c| g.get(r, c).trim())
                .filter(|v| !v.is_empty())
            {
                Some(v) => v.to_owned(),
                None => {
                    let n = counters.entry(row_phase).or_insert(0);
                    loop {
                        *n += 1;
                        let candidate = format!("{}-{:02}", prefix(row_phase), n);
                        if used.insert(candidate.clone()) {
                            break candidate;
                        }
                    }
                }
            };

            let (controls, note) = self.controls_for(
                r,
                cols.controls,
                &id,
                text,
                sub.as_deref(),
                &examples,
                &reference,
            );

            let location = match g.sheet() {
                Some(s) => format!("シート「{s}」{}行目", r + 1),
                None => format!("{}行目", r + 1),
            };
            let source_ref = match cols
                .no
                .map(|c| g.get(r, c).trim())
                .filter(|v| !v.is_empty())
            {
                Some(no) => format!("No.{no}（{location}）"),
                None => location,
            };
            rows.push(Row {
                id,
                phase: row_phase,
                category: category.clone(),
                subcategory: sub.clone(),
                source_ref,
                text: text.to_owned(),
                examples,
                levels,
                controls,
                note,
            });
        }
        (rows, phase_labels)
    }

    /// Requirement text (without whitespace) → control tags, from the
    /// reference catalogs (first occurrence wins).
    fn reference_controls(&self) -> HashMap<String, Vec<String>> {
        let mut map = HashMap::new();
        for c in &self.o.reference {
            for r in &c.requirements {
                map.entry(norm(&r.text))
                    .or_insert_with(|| r.controls.clone());
            }
        }
        map
    }

    #[allow(clippy::too_many_arguments)]
    fn controls_for(
        &mut self,
        r: u32,
        col: Option<u32>,
        id: &str,
        text: &str,
        sub: Option<&str>,
        examples: &[Example],
        reference: &HashMap<String, Vec<String>>,
    ) -> (Vec<String>, Option<String>) {
        let vocab = self.o.controls;
        if let Some(col) = col {
            let cell = self.g.get(r, col);
            let mut ids = Vec::new();
            for token in cell
                .split([',', '、', '，', '\n', ' ', '　', ';'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                let found = if vocab.contains(token) {
                    Some(token.to_owned())
                } else {
                    vocab.iter().find(|c| c.name == token).map(|c| c.id.clone())
                };
                match found {
                    Some(id) if !ids.contains(&id) => ids.push(id),
                    Some(_) => {}
                    None => self.err(
                        r,
                        Some(col),
                        token,
                        ImportErrorKind::UnknownControl {
                            value: token.into(),
                        },
                    ),
                }
            }
            if !ids.is_empty() {
                return (ids, None);
            }
        }
        if let Some(ids) = reference.get(&norm(text)) {
            return (ids.clone(), None);
        }
        let mut words = String::new();
        words.push_str(sub.unwrap_or(""));
        words.push_str(text);
        for e in examples {
            words.push_str(e.text());
        }
        let id_guess = guess_control(vocab, &words);
        let name = vocab.get(&id_guess).map_or("", |c| c.name.as_str());
        self.warnings.push(format!(
            "{id}（{}行目）: 共通管理策を文言から `{id_guess}`（{name}）と推定しました。確認し、違う場合は「管理策」列で指定してください",
            r + 1
        ));
        let note = format!(
            "共通管理策 `{id_guess}` は kijun import catalog が要求事項の文言から推定したものです。確認してください。"
        );
        (vec![id_guess], Some(note))
    }

    fn title(&self, cols: &Columns) -> String {
        if let Some(t) = &self.o.title {
            return t.clone();
        }
        (0..cols.header_row)
            .find_map(|r| {
                let filled: Vec<&String> = self
                    .g
                    .row(r)
                    .iter()
                    .filter(|c| !c.trim().is_empty())
                    .collect();
                (filled.len() == 1).then(|| filled[0].trim().to_owned())
            })
            .or_else(|| self.g.sheet.clone())
            .unwrap_or_else(|| self.o.id.clone())
    }

    fn to_toml(
        &self,
        title: &str,
        phase_labels: &BTreeMap<Phase, String>,
        conditions: &[(String, String, String)],
        cols: &Columns,
        rows: &[Row],
    ) -> String {
        let o = self.o;
        let mut out = String::new();
        out.push_str(&format!(
            "# kijun import catalog で作成したカタログ（元: {}）。\n\
             # 内容を確認し、必要なら parameters・evidence・controls を補ってから使ってください。\n\n",
            o.source.replace('\n', " ")
        ));
        out.push_str("[catalog]\n");
        out.push_str(&format!("id = {}\n", q(&o.id)));
        out.push_str(&format!("title = {}\n", q(title)));
        out.push_str(&format!(
            "issuer = {}\n",
            q(o.issuer.as_deref().unwrap_or("記載なし"))
        ));
        out.push_str(&format!(
            "version = {}\n",
            q(o.version.as_deref().unwrap_or("1"))
        ));
        out.push_str(&format!("source = {}\n", q(&o.source)));
        let sheet_note = match self.g.sheet() {
            Some(s) => format!("シート「{s}」から kijun import catalog で作成した。"),
            None => "タブ区切りテキストから kijun import catalog で作成した。".to_owned(),
        };
        out.push_str(&format!("notes = [{}]\n", q(&sheet_note)));
        if !phase_labels.is_empty() {
            out.push_str("\n[catalog.phase_labels]\n");
            for (p, label) in phase_labels {
                out.push_str(&format!("{} = {}\n", p.as_str(), q(label)));
            }
        }
        for (id, label, when) in conditions {
            out.push_str(&format!(
                "\n[[conditions]]\nid = {}\nlabel = {}\nwhen = {}\n",
                q(id),
                q(label),
                q(when)
            ));
        }
        let group_ids: Vec<Option<&str>> = cols
            .groups
            .iter()
            .map(|g| {
                g.label.as_deref().and_then(|l| {
                    conditions
                        .iter()
                        .find(|(_, label, _)| label == l)
                        .map(|(id, _, _)| id.as_str())
                })
            })
            .collect();
        for r in rows {
            out.push_str("\n[[requirements]]\n");
            out.push_str(&format!("id = {}\n", q(&r.id)));
            out.push_str(&format!("phase = \"{}\"\n", r.phase.as_str()));
            if let Some(c) = &r.category {
                out.push_str(&format!("category = {}\n", q(c)));
            }
            if let Some(s) = &r.subcategory {
                out.push_str(&format!("subcategory = {}\n", q(s)));
            }
            out.push_str(&format!("source_ref = {}\n", q(&r.source_ref)));
            out.push_str(&format!("text = {}\n", q(&r.text)));
            if !r.examples.is_empty() {
                out.push_str("examples = [\n");
                for e in &r.examples {
                    match e {
                        Example::Text(t) => out.push_str(&format!("  {},\n", q(t))),
                        Example::ForParty { text, party } => out.push_str(&format!(
                            "  {{ party = \"{}\", text = {} }},\n",
                            party.as_str(),
                            q(text)
                        )),
                    }
                }
                out.push_str("]\n");
            }
            out.push_str("obligations = [\n");
            for ((integrator, provider), when) in r.levels.iter().zip(&group_ids) {
                let when = when.map_or(String::new(), |w| format!("when = {}, ", q(w)));
                out.push_str(&format!(
                    "  {{ {when}integrator = \"{}\", provider = \"{}\" }},\n",
                    spec(*integrator),
                    spec(*provider)
                ));
            }
            out.push_str("]\n");
            let controls: Vec<String> = r.controls.iter().map(|c| q(c)).collect();
            out.push_str(&format!("controls = [{}]\n", controls.join(", ")));
            if let Some(n) = &r.note {
                out.push_str(&format!("note = {}\n", q(n)));
            }
        }
        out
    }
}

/// Whether a condition heading names ISMAP registration: `Some(false)` for
/// "registered", `Some(true)` for "not registered".
fn ismap(label: &str) -> Option<bool> {
    let upper: String = label
        .chars()
        .map(|c| match c {
            'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 'Ａ' as u32 + 'A' as u32).unwrap_or(c)
            }
            _ => c,
        })
        .collect::<String>()
        .to_uppercase();
    if !upper.contains("ISMAP") {
        return None;
    }
    let negative = [
        "されていない",
        "未登録",
        "以外",
        "でない",
        "非登録",
        "登録なし",
    ]
    .iter()
    .any(|w| label.contains(w));
    Some(negative)
}

fn prefix(phase: Phase) -> &'static str {
    match phase {
        Phase::Selection => "SEL",
        Phase::Build => "BLD",
        Phase::Operation => "OPS",
        Phase::Termination => "TRM",
        Phase::Contract => "CTR",
    }
}

fn spec(l: LevelSpec) -> &'static str {
    match l {
        LevelSpec::Required => "required",
        LevelSpec::Recommended => "recommended",
        LevelSpec::None => "none",
    }
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Character bigrams of the meaningful characters of `s`.
fn bigrams(s: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = s
        .chars()
        .filter(|c| c.is_alphanumeric() && !matches!(c, '・' | '、' | '。'))
        .collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// The control whose name and description share the most character
/// bigrams with `words` (name matches count double); the policy-compliance
/// control when nothing matches.
fn guess_control(vocab: &ControlVocabulary, words: &str) -> String {
    let want = bigrams(words);
    let mut best: Option<(usize, &str)> = None;
    for c in vocab.iter() {
        let name = bigrams(&c.name);
        let desc = bigrams(&c.description);
        let score = want
            .iter()
            .map(|b| 2 * usize::from(name.contains(b)) + usize::from(desc.contains(b)))
            .sum::<usize>();
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c.id.as_str()));
        }
    }
    match best {
        Some((_, id)) => id.to_owned(),
        None if vocab.contains("policy_compliance") => "policy_compliance".to_owned(),
        None => vocab
            .iter()
            .next()
            .map_or_else(String::new, |c| c.id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_split_on_bullets_and_party_markers() {
        let e = parse_examples(
            "(導入事業者) ・プライバシーマーク ・ISMS/JIS Q 27001 (外部サービス提供者) ・ISMS/JIS Q 27017",
        );
        assert_eq!(
            e,
            vec![
                Example::ForParty {
                    text: "プライバシーマーク".into(),
                    party: Party::Integrator
                },
                Example::ForParty {
                    text: "ISMS/JIS Q 27001".into(),
                    party: Party::Integrator
                },
                Example::ForParty {
                    text: "ISMS/JIS Q 27017".into(),
                    party: Party::Provider
                },
            ]
        );
        let e = parse_examples(
            "・情報セキュリティインシデントへの対処方法 (エスケーショナルルート含む) の提示\n・資本関係・役員等",
        );
        assert_eq!(
            e,
            vec![
                Example::Text(
                    "情報セキュリティインシデントへの対処方法 (エスケーショナルルート含む) の提示"
                        .into()
                ),
                Example::Text("資本関係・役員等".into()),
            ]
        );
        assert_eq!(
            parse_examples("平常時：平日午前9時から午後5時まで"),
            vec![Example::Text("平常時：平日午前9時から午後5時まで".into())]
        );
        assert_eq!(parse_examples("  "), vec![]);
        assert_eq!(
            parse_examples("（導入事業者）・A"),
            vec![Example::ForParty {
                text: "A".into(),
                party: Party::Integrator
            }]
        );
    }

    #[test]
    fn headings_name_phases() {
        assert_eq!(
            phase_of_heading("選定基準 (一般的な情報セキュリティ要件)"),
            Some(Phase::Selection)
        );
        assert_eq!(phase_of_heading("導入・構築時の要件"), Some(Phase::Build));
        assert_eq!(
            phase_of_heading("更改・廃棄時の要件"),
            Some(Phase::Termination)
        );
        for category in [
            "認証要件",
            "事業者要件",
            "セキュリティ要件",
            "データセンター要件",
        ] {
            assert_eq!(phase_of_heading(category), None, "{category}");
        }
        assert_eq!(phase_of_value("運用・保守"), Some(Phase::Operation));
        assert_eq!(phase_of_value("contract"), Some(Phase::Contract));
        assert_eq!(phase_of_value("そのほか"), None);
    }

    #[test]
    fn ismap_headings() {
        assert_eq!(
            ismap("ISMAPに登録されているサービス (ガバメントクラウド、LGWAN-ASPを含む)"),
            Some(false)
        );
        assert_eq!(ismap("ISMAPに登録されていない外部サービス"), Some(true));
        assert_eq!(ismap("ＩＳＭＡＰ未登録"), Some(true));
        assert_eq!(ismap("SaaS の場合"), None);
    }
}
