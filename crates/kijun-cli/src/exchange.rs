//! The offline Excel commands: `kijun export checklist` (a blank checklist
//! for a reviewer to mail), `kijun import catalog` (a criteria sheet to a
//! TOML catalog), and the reading of a filled-in checklist for
//! `kijun assess --answers FILE.xlsx`. No server, no database; the work is
//! done by `kijun-exchange`.

use std::fmt;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use kijun_core::catalog::{Catalog, is_valid_id};
use kijun_core::{AnswerSet, Party, Profile};
use kijun_exchange::{
    ChecklistDoc, CriteriaOptions, ImportErrorKind, ImportErrors, ImportExpectation,
    read_checklist, read_checklist_meta, read_criteria_sheet, write_checklist,
};

use crate::cli::{ExportChecklistArgs, ImportCatalogArgs, PartyArg};
use crate::context::Context;

/// An input file with problems: every problem, each on its own line as
/// `file: シート「…」 12行 K列（回答）: message`. Exit code 2.
#[derive(Debug)]
pub struct InvalidFile {
    pub file: String,
    pub errors: ImportErrors,
    /// A closing hint for the whole file, if any.
    pub hint: Option<String>,
}

impl fmt::Display for InvalidFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {e}", self.file)?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n{}: {h}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidFile {}

/// Reads a file's bytes, naming it in the error.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| {
        format!(
            "{}: ファイルを読めません (cannot read file)",
            path.display()
        )
    })
}

/// Whether an answers file is a workbook: by its extension or its content.
pub fn is_xlsx(path: &Path, bytes: &[u8]) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        || kijun_exchange::looks_like_xlsx(bytes)
}

fn parties(arg: PartyArg) -> Vec<Party> {
    match arg {
        PartyArg::Integrator => vec![Party::Integrator],
        PartyArg::Provider => vec![Party::Provider],
        PartyArg::Both => Party::ALL.to_vec(),
    }
}

/// `kijun export checklist`.
pub fn export_checklist(ctx: &Context, args: &ExportChecklistArgs) -> Result<ExitCode> {
    let Some(profile_file) = &args.profile else {
        anyhow::bail!(
            "--profile か --assessment を指定してください (profile or assessment required)"
        );
    };
    let profile = Context::profile(profile_file)?;
    let catalogs: Vec<&Catalog> = args
        .catalogs
        .iter()
        .map(|id| ctx.catalog(id))
        .collect::<Result<_>>()?;
    let title = match (&args.title, catalogs.as_slice()) {
        (Some(t), _) => t.clone(),
        (None, [one]) => format!("{} チェックリスト", one.title),
        (None, _) => "外部サービス選定基準 チェックリスト".to_owned(),
    };
    let doc = ChecklistDoc::from_catalogs(&title, &catalogs, &profile, &parties(args.party));
    let bytes = write_checklist(&doc)?;
    fs::write(&args.out, bytes).with_context(|| {
        format!(
            "{}: ファイルに書き込めません (cannot write file)",
            args.out.display()
        )
    })?;
    println!(
        "{}: チェックリストを出力しました（{} シート、{} 項目）",
        args.out.display(),
        doc.sheets.len(),
        doc.rows().count()
    );
    Ok(ExitCode::SUCCESS)
}

/// A catalog id from a file name: its stem with anything but `[A-Za-z0-9._-]`
/// replaced by `-`.
fn id_from_file(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .trim_end_matches('-')
        .to_owned();
    if is_valid_id(&cleaned) {
        cleaned
    } else {
        "custom-catalog".to_owned()
    }
}

/// `kijun import catalog`.
pub fn import_catalog(ctx: &Context, args: &ImportCatalogArgs) -> Result<ExitCode> {
    let file = args.file.display().to_string();
    let id = args.id.clone().unwrap_or_else(|| id_from_file(&args.file));
    if ctx.catalogs.get(&id).is_some() {
        bail!(
            "カタログ id `{id}` は既に読み込まれています。--id で別の id を指定してください (duplicate catalog id)"
        );
    }
    let mut conditions = Vec::new();
    for c in &args.conditions {
        let Some((label, when)) = c.split_once('=') else {
            bail!("--condition `{c}` は 見出し=条件式 の形で指定してください");
        };
        conditions.push((label.trim().to_owned(), when.trim().to_owned()));
    }
    let bytes = read_bytes(&args.file)?;
    let source = args
        .file
        .file_name()
        .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let mut options = CriteriaOptions::new(&id, &source, &ctx.controls);
    options.title = args.title.clone();
    options.issuer = args.issuer.clone();
    options.version = args.version.clone();
    options.sheet = args.sheet.clone();
    options.conditions = conditions;
    options.reference = ctx.catalogs.iter().collect();
    let import = read_criteria_sheet(&bytes, &options).map_err(|errors| InvalidFile {
        file: file.clone(),
        errors,
        hint: None,
    })?;
    fs::write(&args.out, &import.toml).with_context(|| {
        format!(
            "{}: ファイルに書き込めません (cannot write file)",
            args.out.display()
        )
    })?;
    for w in &import.warnings {
        eprintln!("{file}: 注意: {w}");
    }
    println!(
        "{}: カタログ {}「{}」を作成しました（要求事項 {} 件）",
        args.out.display(),
        import.catalog.id,
        import.catalog.title,
        import.catalog.requirements.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The answers of a filled-in checklist, checked against the catalogs it
/// names and `profile` (which decides the items it must hold).
pub fn answers_from_xlsx(
    ctx: &Context,
    path: &Path,
    bytes: &[u8],
    profile: &Profile,
) -> Result<AnswerSet> {
    let file = path.display().to_string();
    let invalid = |errors: ImportErrors| {
        let hint = errors
            .iter()
            .any(|e| matches!(e.kind, ImportErrorKind::UnknownItem { .. }))
            .then(|| {
                "ヒント: チェックリストを出力したときと同じプロファイル (--profile) を指定してください"
                    .to_owned()
            });
        InvalidFile {
            file: file.clone(),
            errors,
            hint,
        }
    };
    let meta = read_checklist_meta(bytes).map_err(invalid)?;
    let catalogs: Vec<&Catalog> = meta
        .sheets
        .iter()
        .map(|s| ctx.catalog(&s.catalog_id))
        .collect::<Result<_>>()?;
    let doc = ChecklistDoc::from_catalogs(&meta.title, &catalogs, profile, &meta.parties);
    let mut expectation = ImportExpectation::from_doc(&doc, &Party::ALL);
    // Offline, any assessment's checklist may be evaluated.
    expectation.assessment_id = meta.assessment_id.clone();
    let answers = read_checklist(bytes, &expectation).map_err(invalid)?;
    let mut set = AnswerSet::default();
    for a in answers {
        set.set_requirement(&a.catalog_id, &a.requirement_id, a.party, a.answer);
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_file_names() {
        assert_eq!(id_from_file(Path::new("dir/my-city.xlsx")), "my-city");
        assert_eq!(
            id_from_file(Path::new("000_53826eb87d7469aa.txt")),
            "000_53826eb87d7469aa"
        );
        assert_eq!(id_from_file(Path::new("X市 基準.xlsx")), "X");
        assert_eq!(id_from_file(Path::new("選定基準.xlsx")), "custom-catalog");
    }
}
