//! One function per subcommand: load inputs through [`Context`], call the
//! domain core, print through [`render`].

use std::process::ExitCode;

use anyhow::Result;
use kijun_core::answer::AnswerSet;
use kijun_core::catalog::Catalog;
use kijun_core::crosswalk::crosswalk;
use kijun_core::template::answers_template;
use kijun_core::{LoadError, Profile, evaluate};
use serde_json::json;

use crate::cli::{
    AssessArgs, CatalogCommand, Cli, Command, ExportCommand, Format, ImportCommand, TemplateCommand,
};
use crate::context::{Context, load_catalog_file};
use crate::render;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Catalog(CatalogCommand::Validate { files }) => validate(&cli.global, &files),
        Command::Catalog(cmd) => {
            let ctx = Context::load(&cli.global)?;
            catalog(&ctx, cmd)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Template(TemplateCommand::Profile) => {
            print!("{}", Profile::default().to_toml_template());
            Ok(ExitCode::SUCCESS)
        }
        Command::Template(TemplateCommand::Answers { catalog, profile }) => {
            let ctx = Context::load(&cli.global)?;
            let cat = ctx.catalog(&catalog)?;
            let profile = profile.as_deref().map(Context::profile).transpose()?;
            print!("{}", answers_template(cat, profile.as_ref()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(crate::cli::AuditCommand::Prune { db }) => {
            runtime()?.block_on(crate::audit::prune(&db))
        }
        Command::Audit(crate::cli::AuditCommand::Verify { db, format }) => {
            runtime()?.block_on(crate::audit::verify(&db, format.format))
        }
        Command::Tenant(crate::cli::TenantCommand::Export {
            db,
            tenant,
            out,
            signing_key,
        }) => runtime()?.block_on(crate::tenant::export(
            &db,
            &tenant,
            &out,
            signing_key.as_deref(),
        )),
        Command::Tenant(crate::cli::TenantCommand::Import {
            db,
            dir,
            signing_key,
        }) => runtime()?.block_on(crate::tenant::import(&db, &dir, signing_key.as_deref())),
        Command::Tenant(crate::cli::TenantCommand::Purge {
            db,
            tenant,
            confirm,
            export,
            without_export,
            signing_key,
            certificate,
        }) => runtime()?.block_on(crate::tenant::purge(
            &db,
            &crate::tenant::PurgeArgs {
                tenant: &tenant,
                confirm: &confirm,
                export: export.as_deref(),
                without_export,
                signing_key: signing_key.as_deref(),
                certificate,
            },
        )),
        Command::Backup(crate::cli::BackupCommand::Create { db, out }) => {
            runtime()?.block_on(crate::backup::create(&db, out))
        }
        Command::Backup(crate::cli::BackupCommand::Verify {
            db,
            file,
            master_key_file,
        }) => runtime()?.block_on(crate::backup::verify(
            &db,
            &file,
            master_key_file.as_deref(),
        )),
        Command::Backup(crate::cli::BackupCommand::Restore {
            db,
            file,
            master_key_file,
        }) => runtime()?.block_on(crate::backup::restore(
            &db,
            &file,
            master_key_file.as_deref(),
        )),
        Command::Key(crate::cli::KeyCommand::Rotate { db, new_key_file }) => {
            runtime()?.block_on(crate::backup::rotate(&db, &new_key_file))
        }
        Command::Serve(args) => runtime()?.block_on(crate::serve::serve(&cli.global, &args)),
        Command::Users(crate::cli::UsersCommand::CreateAdmin {
            db,
            username,
            display_name,
        }) => runtime()?.block_on(crate::serve::create_admin(&db, &username, &display_name)),
        Command::Assess(args) => {
            let ctx = Context::load(&cli.global)?;
            assess(&ctx, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) if args.target == crate::cli::BenchTarget::Xlsx => {
            let ctx = Context::load(&cli.global)?;
            crate::bench_xlsx::run(&ctx, args.rows as usize, args.iterations as usize)
        }
        Command::Bench(args) => crate::bench::run(&args),
        Command::Sla(args) => crate::sla::run(&args),
        Command::Export(ExportCommand::Checklist(args)) => {
            let ctx = Context::load(&cli.global)?;
            match &args.assessment {
                Some(id) => {
                    runtime()?.block_on(crate::assessment_files::export_checklist(&ctx, &args, id))
                }
                None => crate::exchange::export_checklist(&ctx, &args),
            }
        }
        Command::Import(ImportCommand::Answers(args)) => {
            let ctx = Context::load(&cli.global)?;
            runtime()?.block_on(crate::assessment_files::import_answers(&ctx, &args))
        }
        Command::Report(report) => {
            let ctx = Context::load(&cli.global)?;
            let (args, checklist) = match &report {
                crate::cli::ReportCommand::Assessment(a) => (a, false),
                crate::cli::ReportCommand::Checklist(a) => (a, true),
            };
            runtime()?.block_on(crate::assessment_files::report(&ctx, args, checklist))
        }
        Command::Import(ImportCommand::Catalog(args)) => {
            let ctx = Context::load(&cli.global)?;
            crate::exchange::import_catalog(&ctx, &args)
        }
    }
}

/// The async runtime for commands that talk to the database.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn catalog(ctx: &Context, cmd: CatalogCommand) -> Result<()> {
    match cmd {
        CatalogCommand::List(f) => {
            let rows: Vec<_> = ctx
                .catalogs
                .iter()
                .zip(&ctx.origins)
                .map(|(c, o)| {
                    json!({
                        "id": c.id,
                        "title": c.title,
                        "issuer": c.issuer,
                        "version": c.version,
                        "source": c.source,
                        "requirement_count": c.requirements.len(),
                        "builtin": o.builtin,
                        "file": o.file,
                    })
                })
                .collect();
            match f.format {
                Format::Json => print_json(&rows)?,
                Format::Text => print!("{}", render::catalog_list(ctx)),
            }
        }
        CatalogCommand::Show { id, format } => {
            let cat = ctx.catalog(&id)?;
            match format.format {
                Format::Json => print_json(cat)?,
                Format::Text => print!("{}", render::catalog(cat, &ctx.controls)),
            }
        }
        CatalogCommand::Crosswalk(f) => {
            let rows = crosswalk(&ctx.catalogs, &ctx.controls);
            match f.format {
                Format::Json => print_json(&rows)?,
                Format::Text => print!("{}", render::crosswalk(&rows)),
            }
        }
        CatalogCommand::Controls(f) => {
            let rows: Vec<_> = ctx.controls.iter().collect();
            match f.format {
                Format::Json => print_json(&rows)?,
                Format::Text => {
                    for c in rows {
                        println!("{:<26} {}\n{:<26} {}", c.id, c.name, "", c.description);
                    }
                }
            }
        }
        CatalogCommand::Validate { .. } => {}
    }
    Ok(())
}

/// Validates each file on its own against the built-in controls and the ids
/// of the catalogs already loaded; prints every problem, exit code 2 if any.
fn validate(global: &crate::cli::GlobalArgs, files: &[std::path::PathBuf]) -> Result<ExitCode> {
    let ctx = Context::load(global)?;
    let mut failed = false;
    let mut seen: Vec<(String, String)> = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match load_catalog_file(path, &ctx.controls) {
            Ok(cat) => {
                let clash = ctx
                    .origins
                    .iter()
                    .find(|o| o.id == cat.id && o.file != name)
                    .map(|o| o.file.clone())
                    .or_else(|| {
                        seen.iter()
                            .find(|(id, _)| id == &cat.id)
                            .map(|(_, f)| f.clone())
                    });
                if let Some(other) = clash {
                    failed = true;
                    eprintln!(
                        "{name}:1:1: カタログ id `{}` は {other} と重複しています。別の id にしてください (duplicate catalog id)",
                        cat.id
                    );
                    continue;
                }
                seen.push((cat.id.clone(), name.clone()));
                println!(
                    "{name}: OK — {} 「{}」 要求事項 {} 件",
                    cat.id,
                    cat.title,
                    cat.requirements.len()
                );
            }
            Err(e) => {
                failed = true;
                match e.downcast::<LoadError>() {
                    Ok(le) => eprintln!("{le}"),
                    Err(other) => eprintln!("エラー: {other:#}"),
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn assess(ctx: &Context, args: &AssessArgs) -> Result<()> {
    let profile = Context::profile(&args.profile)?;
    let answers = match &args.answers {
        Some(path) => {
            let bytes = crate::exchange::read_bytes(path)?;
            if crate::exchange::is_xlsx(path, &bytes) {
                crate::exchange::answers_from_xlsx(ctx, path, &bytes, &profile)?
            } else {
                let text = String::from_utf8(bytes).map_err(|_| {
                    anyhow::anyhow!(
                        "{}: ファイルを読めません。回答ファイルは UTF-8 の TOML か .xlsx にしてください (cannot read file)",
                        path.display()
                    )
                })?;
                AnswerSet::from_toml(
                    &path.display().to_string(),
                    &text,
                    &ctx.catalogs,
                    &ctx.controls,
                )?
            }
        }
        None => AnswerSet::default(),
    };
    let catalogs: Vec<&Catalog> = if args.catalogs.is_empty() {
        ctx.catalogs.iter().collect()
    } else {
        args.catalogs
            .iter()
            .map(|id| ctx.catalog(id))
            .collect::<Result<_>>()?
    };
    let evaluation = evaluate(&catalogs, &profile, &answers);
    match args.format.format {
        Format::Json => print_json(&json!({
            "profile": profile,
            "catalogs": evaluation.catalogs,
        }))?,
        Format::Text => print!("{}", render::evaluation(&profile, &catalogs, &evaluation)),
    }
    Ok(())
}
