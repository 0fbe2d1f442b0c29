//! Answer-file skeletons (`kijun template answers`): one `[[answers]]` table
//! per requirement and party a catalog can ask, with the requirement shown as
//! comments, ready for a vendor to fill in.

use crate::catalog::{Catalog, LevelSpec, Party};
use crate::evaluate::applicable_items;
use crate::profile::Profile;

fn comment_lines(out: &mut String, text: &str) {
    for line in text.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The skeleton for `catalog`. With a profile, only the items that apply to
/// it; without one, every requirement and party that any rule can bind.
pub fn answers_template(catalog: &Catalog, profile: Option<&Profile>) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# kijun 回答ファイル (answer file) — {} {}\n\
         # 各項目の status に \"conforms\"(適合) / \"partial\"(一部適合) / \"does_not_conform\"(不適合) /\n\
         # \"not_applicable\"(該当なし) のいずれかを書いてください。status を書かない項目は未回答です。\n\
         # not_applicable には reason（理由）が必須です。partial には plan（是正計画）と due（期限, 例: 2027-03-31）を書くと\n\
         # 条件付き承認の対象になります。共通管理策単位の回答は [[control_answers]] (control, party, status) で書けます。\n\n",
        catalog.id, catalog.title
    ));
    let pairs: Vec<(&crate::catalog::Requirement, Party, String)> = match profile {
        Some(p) => applicable_items(catalog, p)
            .into_iter()
            .map(|a| (a.requirement, a.party, a.level.label().to_owned()))
            .collect(),
        None => catalog
            .requirements
            .iter()
            .flat_map(|r| {
                Party::ALL.into_iter().filter_map(move |party| {
                    let levels: Vec<&str> = r
                        .obligations
                        .rules
                        .iter()
                        .filter_map(|rule| {
                            let spec = match party {
                                Party::Integrator => rule.integrator,
                                Party::Provider => rule.provider,
                            };
                            (spec != LevelSpec::None)
                                .then(|| spec.level().map_or("", |l| l.label()))
                        })
                        .collect();
                    if levels.is_empty() {
                        None
                    } else {
                        let mut uniq = levels.clone();
                        uniq.dedup();
                        Some((r, party, format!("{}（条件による）", uniq.join("/"))))
                    }
                })
            })
            .collect(),
    };
    for (r, party, level) in pairs {
        let heading: Vec<&str> = [r.category.as_deref(), r.subcategory.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        out.push_str(&format!(
            "# {} [{}] {}\n",
            r.id,
            catalog.phase_label(r.phase),
            heading.join(" / ")
        ));
        comment_lines(&mut out, &r.text);
        out.push_str(&format!("# {}: {}\n", party.label(), level));
        out.push_str("[[answers]]\n");
        out.push_str(&format!("catalog = {}\n", toml_str(&catalog.id)));
        out.push_str(&format!("requirement = {}\n", toml_str(&r.id)));
        out.push_str(&format!("party = \"{}\"\n", party.as_str()));
        out.push_str("# status = \"conforms\"\n");
        out.push_str("comment = \"\"\n");
        out.push_str("evidence = []\n\n");
    }
    out
}
