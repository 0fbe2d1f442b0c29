//! The neutral checklist model that the xlsx writer lays out and the reader
//! checks against: a [`ChecklistDoc`] of one sheet per catalog, each a list of
//! [`ChecklistRow`]s — one per item (requirement × party) — plus the offline
//! constructor from a catalog and a service profile, and the stable item id.

use kijun_core::catalog::{Catalog, Example, Level, Requirement};
use kijun_core::evaluate::applicable_items;
use kijun_core::{Answer, Party, Profile};

/// A checklist to write: what the file is for and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistDoc {
    /// The assessment the file belongs to; checked on import. `None` for an
    /// offline checklist (`kijun export checklist`).
    pub assessment_id: Option<String>,
    /// Title printed on every sheet, e.g. `外部サービス選定チェックリスト`.
    pub title: String,
    /// The service under assessment, printed under the title.
    pub service_name: Option<String>,
    /// The parties whose columns the file has (one or both), in column order.
    pub parties: Vec<Party>,
    /// One worksheet per catalog.
    pub sheets: Vec<ChecklistSheet>,
}

/// The rows of one catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistSheet {
    pub catalog_id: String,
    pub catalog_title: String,
    /// In catalog order; the rows of one requirement are consecutive.
    pub rows: Vec<ChecklistRow>,
}

/// The levels of a requirement for both parties under the service's profile
/// (`None`: not asked, shown as `-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartyLevels {
    pub integrator: Option<Level>,
    pub provider: Option<Level>,
}

impl PartyLevels {
    pub fn get(&self, party: Party) -> Option<Level> {
        match party {
            Party::Integrator => self.integrator,
            Party::Provider => self.provider,
        }
    }
}

/// One item: a requirement for one party, with the answer so far.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistRow {
    /// Stable id written into the hidden column, e.g.
    /// `seed-000/SEL-01/provider` (see [`item_id`]). Unique in the document.
    pub item_id: String,
    pub requirement_id: String,
    pub party: Party,
    /// Phase heading (the catalog's own label), a group heading row.
    pub phase: String,
    /// Category heading (区分), a group heading row when present.
    pub category: Option<String>,
    /// No: what people quote in mail, e.g. `SEL-01`.
    pub number: String,
    /// 項目 (the sub-category).
    pub title: String,
    /// 要求事項, with its sub-items; compared on import.
    pub text: String,
    /// 実施基準・実施例, one bullet per line.
    pub examples: String,
    /// 必須/推奨 for both parties.
    pub levels: PartyLevels,
    /// The answer so far (回答, 説明, 根拠資料, 是正計画, 期限).
    pub answer: Option<Answer>,
    /// 指摘・コメント: the reviewer's comment, read-only in the file.
    pub reviewer_comment: Option<String>,
}

/// The stable id of an item: `catalog/requirement/party`. It is unique within
/// an assessment, so the server and the offline CLI name items alike.
pub fn item_id(catalog: &str, requirement: &str, party: Party) -> String {
    format!("{catalog}/{requirement}/{}", party.as_str())
}

/// The parts of an id made by [`item_id`].
pub fn parse_item_id(id: &str) -> Option<(&str, &str, Party)> {
    let mut parts = id.rsplitn(3, '/');
    let party = match parts.next()? {
        "integrator" => Party::Integrator,
        "provider" => Party::Provider,
        _ => return None,
    };
    let requirement = parts.next()?;
    let catalog = parts.next()?;
    (!catalog.is_empty() && !requirement.is_empty()).then_some((catalog, requirement, party))
}

/// 要求事項 as the checklist shows it: the text, then each sub-item on its
/// own line (`① text（目標値: …／測定方法: …）`).
pub fn requirement_text(requirement: &Requirement) -> String {
    let mut out = requirement.text.clone();
    for item in &requirement.items {
        out.push('\n');
        if let Some(label) = &item.label {
            out.push_str(label);
            out.push(' ');
        }
        out.push_str(&item.text);
        let extra: Vec<String> = [
            item.target.as_ref().map(|t| format!("目標値: {t}")),
            item.method.as_ref().map(|m| format!("測定方法: {m}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !extra.is_empty() {
            out.push('（');
            out.push_str(&extra.join("／"));
            out.push('）');
        }
    }
    out
}

/// 実施基準・実施例 as the checklist shows it: `・` bullets, one a line,
/// party-specific examples under `(導入事業者)` / `(外部サービス提供者)`
/// like the seed sheet.
pub fn examples_text(examples: &[Example]) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<Party> = None;
    for e in examples {
        if let Some(p) = e.party()
            && current != Some(p)
        {
            lines.push(format!("({})", p.label()));
            current = Some(p);
        }
        lines.push(format!("・{}", e.text()));
    }
    lines.join("\n")
}

impl ChecklistDoc {
    /// The blank checklist of `catalogs` for a service with `profile`: the
    /// applicable items of each catalog for the chosen `parties` (offline
    /// export: no assessment, no answers). Item ids come from [`item_id`].
    pub fn from_catalogs(
        title: &str,
        catalogs: &[&Catalog],
        profile: &Profile,
        parties: &[Party],
    ) -> ChecklistDoc {
        let parties: Vec<Party> = Party::ALL
            .into_iter()
            .filter(|p| parties.contains(p))
            .collect();
        let sheets = catalogs
            .iter()
            .map(|catalog| {
                let mut rows = Vec::new();
                for a in applicable_items(catalog, profile) {
                    if !parties.contains(&a.party) {
                        continue;
                    }
                    let r = a.requirement;
                    let mut levels = PartyLevels::default();
                    if let Some(rule) = r.obligations.rule_for(profile) {
                        levels.integrator = rule.level(Party::Integrator);
                        levels.provider = rule.level(Party::Provider);
                    }
                    rows.push(ChecklistRow {
                        item_id: item_id(&catalog.id, &r.id, a.party),
                        requirement_id: r.id.clone(),
                        party: a.party,
                        phase: catalog.phase_label(r.phase).to_owned(),
                        category: r.category.clone(),
                        number: r.id.clone(),
                        title: r.subcategory.clone().unwrap_or_default(),
                        text: requirement_text(r),
                        examples: examples_text(&r.examples),
                        levels,
                        answer: None,
                        reviewer_comment: None,
                    });
                }
                ChecklistSheet {
                    catalog_id: catalog.id.clone(),
                    catalog_title: catalog.title.clone(),
                    rows,
                }
            })
            .collect();
        ChecklistDoc {
            assessment_id: None,
            title: title.to_owned(),
            service_name: profile.name.clone(),
            parties,
            sheets,
        }
    }

    /// Every row of every sheet.
    pub fn rows(&self) -> impl Iterator<Item = (&ChecklistSheet, &ChecklistRow)> {
        self.sheets
            .iter()
            .flat_map(|s| s.rows.iter().map(move |r| (s, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_round_trip() {
        let id = item_id("seed-000", "SEL-01", Party::Provider);
        assert_eq!(id, "seed-000/SEL-01/provider");
        assert_eq!(
            parse_item_id(&id),
            Some(("seed-000", "SEL-01", Party::Provider))
        );
        assert_eq!(parse_item_id("seed-000/SEL-01/vendor"), None);
        assert_eq!(parse_item_id("SEL-01/provider"), None);
    }

    #[test]
    fn examples_are_bulleted_with_party_headings() {
        let ex = vec![
            Example::ForParty {
                text: "プライバシーマーク".into(),
                party: Party::Integrator,
            },
            Example::ForParty {
                text: "ISMS".into(),
                party: Party::Integrator,
            },
            Example::ForParty {
                text: "ISMS/JIS Q 27017".into(),
                party: Party::Provider,
            },
        ];
        assert_eq!(
            examples_text(&ex),
            "(導入事業者)\n・プライバシーマーク\n・ISMS\n(外部サービス提供者)\n・ISMS/JIS Q 27017"
        );
    }
}
