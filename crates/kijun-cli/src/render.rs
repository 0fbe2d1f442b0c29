//! Japanese text rendering of catalogs, crosswalks and evaluations for the
//! terminal.

use std::fmt::Write as _;

use kijun_core::catalog::{Catalog, Phase};
use kijun_core::crosswalk::CrosswalkRow;
use kijun_core::evaluate::{AnswerSource, Evaluation};
use kijun_core::{ControlVocabulary, Party, Profile};

use crate::context::Context;

pub fn catalog_list(ctx: &Context) -> String {
    let mut out = String::new();
    for (c, o) in ctx.catalogs.iter().zip(&ctx.origins) {
        let kind = if o.builtin {
            "組込み"
        } else {
            "カスタム"
        };
        let _ = writeln!(
            out,
            "{:<12} {}（{}、版 {}）要求事項 {} 件 [{kind}] 出典: {}",
            c.id,
            c.title,
            c.issuer,
            c.version,
            c.requirements.len(),
            c.source
        );
    }
    out
}

pub fn catalog(c: &Catalog, controls: &ControlVocabulary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", c.id, c.title);
    let _ = writeln!(
        out,
        "発行: {}  版: {}  出典: {}",
        c.issuer, c.version, c.source
    );
    for n in &c.notes {
        let _ = writeln!(out, "注: {n}");
    }
    for cond in &c.conditions {
        let _ = writeln!(out, "条件 {}: {}  [{}]", cond.id, cond.label, cond.when);
    }
    let mut phase: Option<Phase> = None;
    for r in &c.requirements {
        if phase != Some(r.phase) {
            phase = Some(r.phase);
            let _ = writeln!(out, "\n■ {}", c.phase_label(r.phase));
        }
        let heading: Vec<&str> = [r.category.as_deref(), r.subcategory.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = writeln!(out, "\n[{}] {}", r.id, heading.join(" / "));
        let _ = writeln!(out, "  {}", r.text);
        for item in &r.items {
            let label = item.label.as_deref().unwrap_or("・");
            let mut line = format!("    {label} {}", item.text);
            if let Some(t) = &item.target {
                let _ = write!(line, " | 目標値: {t}");
            }
            if let Some(m) = &item.method {
                let _ = write!(line, " | 測定方法: {m}");
            }
            let _ = writeln!(out, "{line}");
        }
        for e in &r.examples {
            match e.party() {
                Some(p) => {
                    let _ = writeln!(out, "  実施例（{}）: {}", p.label(), e.text());
                }
                None => {
                    let _ = writeln!(out, "  実施例: {}", e.text());
                }
            }
        }
        for rule in &r.obligations.rules {
            let when = rule.when.as_deref().unwrap_or("常に");
            let lv = |p: Party| rule.level(p).map_or("－", |l| l.label());
            let _ = writeln!(
                out,
                "  義務 [{when}]: 導入事業者 {} / 外部サービス提供者 {}",
                lv(Party::Integrator),
                lv(Party::Provider)
            );
        }
        for p in &r.parameters {
            let _ = writeln!(out, "  数値: {} = {}", p.label, p.describe());
        }
        let names: Vec<String> = r
            .controls
            .iter()
            .map(|id| {
                controls
                    .get(id)
                    .map_or(id.clone(), |c| format!("{}({id})", c.name))
            })
            .collect();
        let _ = writeln!(out, "  共通管理策: {}", names.join("、"));
    }
    out
}

pub fn crosswalk(rows: &[CrosswalkRow]) -> String {
    let mut out = String::new();
    for row in rows.iter().filter(|r| !r.requirements.is_empty()) {
        let _ = writeln!(
            out,
            "{}（{}）— {} カタログ / {} 要求事項",
            row.name,
            row.control,
            row.catalog_count(),
            row.requirements.len()
        );
        for e in &row.requirements {
            let text: String = e.text.chars().take(60).collect();
            let more = if e.text.chars().count() > 60 {
                "…"
            } else {
                ""
            };
            let _ = writeln!(out, "  {}/{}: {text}{more}", e.catalog, e.requirement);
        }
    }
    out
}

pub fn evaluation(profile: &Profile, catalogs: &[&Catalog], ev: &Evaluation) -> String {
    let mut out = String::new();
    if let Some(name) = &profile.name {
        let _ = writeln!(out, "サービス: {name}");
    }
    let attrs: Vec<String> = profile
        .attributes()
        .map(|(a, v)| format!("{}={v}", a.name))
        .collect();
    let _ = writeln!(out, "プロファイル: {}", attrs.join(" "));
    for (c, cat) in ev.catalogs.iter().zip(catalogs) {
        let s = &c.summary;
        let _ = writeln!(out, "\n{} {}: 判定 {}", c.id, c.title, c.verdict.label());
        for party in Party::ALL {
            let req = c
                .items
                .iter()
                .filter(|i| i.party == party && i.level == kijun_core::Level::Required)
                .count();
            let rec = c
                .items
                .iter()
                .filter(|i| i.party == party && i.level == kijun_core::Level::Recommended)
                .count();
            let _ = writeln!(out, "  {}: 必須 {req} 件、推奨 {rec} 件", party.label());
        }
        let _ = writeln!(
            out,
            "  適合 {} / 一部適合 {} / 不適合 {} / 該当なし {} / 未回答 {}",
            s.conforms, s.partial, s.does_not_conform, s.not_applicable, s.unanswered
        );
        if !c.gaps.is_empty() {
            let _ = writeln!(out, "  不足事項:");
        }
        for g in &c.gaps {
            let text = cat
                .requirement(&g.requirement_id)
                .map(|r| r.text.chars().take(40).collect::<String>())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "   [{}] {} {}（{}）{}: {}",
                g.severity.label(),
                g.requirement_id,
                g.party.label(),
                g.level.label(),
                text,
                g.message
            );
        }
        let prefilled = c
            .items
            .iter()
            .filter(|i| matches!(i.source, AnswerSource::Control { .. }))
            .count();
        if prefilled > 0 {
            let _ = writeln!(out, "  共通管理策の回答から補完した項目: {prefilled} 件");
        }
    }
    out
}
