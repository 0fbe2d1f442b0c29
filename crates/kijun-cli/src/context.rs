//! Loading what every command needs: the configuration file, the common
//! controls, and the catalogs (built-ins plus `--catalog-dir` / config
//! `catalog_dir`). All file I/O of the CLI's inputs happens here.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use kijun_core::catalog::Catalog;
use kijun_core::{CatalogSet, ControlVocabulary, LoadError, Profile};
use serde::Deserialize;

use crate::cli::GlobalArgs;

/// `kijun.toml` (docs/configuration.md).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory of custom catalogs, relative to the config file.
    pub catalog_dir: Option<PathBuf>,
    /// `kijun serve` settings.
    #[serde(default)]
    pub server: kijun_web::ServerConfig,
}

/// Where a loaded catalog came from.
pub struct Origin {
    pub id: String,
    pub builtin: bool,
    pub file: String,
}

pub struct Context {
    pub controls: ControlVocabulary,
    pub catalogs: CatalogSet,
    pub origins: Vec<Origin>,
}

/// Reads a text file, naming it in the error.
pub fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| {
        format!(
            "{}: ファイルを読めません (cannot read file)",
            path.display()
        )
    })
}

/// The configuration file and the directory its relative paths start from.
pub fn load_config(global: &GlobalArgs) -> Result<(Config, PathBuf)> {
    let (path, explicit) = match &global.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("kijun.toml"), false),
    };
    if !explicit && !path.exists() {
        return Ok((Config::default(), PathBuf::from(".")));
    }
    let text = read(&path)?;
    let file = path.display().to_string();
    let config: Config = toml::from_str(&text).map_err(|e| {
        let pos = kijun_core::error::Position::of_offset(&text, e.span().map_or(0, |s| s.start));
        LoadError {
            diagnostics: vec![kijun_core::Diagnostic {
                file: file.clone(),
                position: pos,
                message: e.message().lines().next().unwrap_or_default().to_owned(),
            }],
        }
    })?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok((config, base))
}

/// Loads one catalog file.
pub fn load_catalog_file(path: &Path, controls: &ControlVocabulary) -> Result<Catalog> {
    let text = read(path)?;
    Ok(Catalog::from_toml(
        &path.display().to_string(),
        &text,
        controls,
    )?)
}

impl Context {
    pub fn load(global: &GlobalArgs) -> Result<Context> {
        let controls = ControlVocabulary::builtin().context("組込み共通管理策の読み込みに失敗")?;
        let mut catalogs =
            CatalogSet::builtin(&controls).context("組込みカタログの読み込みに失敗")?;
        let mut origins: Vec<Origin> = kijun_core::library::BUILTIN_CATALOGS
            .iter()
            .zip(catalogs.iter())
            .map(|(f, c)| Origin {
                id: c.id.clone(),
                builtin: true,
                file: f.path.to_owned(),
            })
            .collect();

        let dir = match &global.catalog_dir {
            Some(d) => Some(d.clone()),
            None => {
                let (config, base) = load_config(global)?;
                config.catalog_dir.map(|d| base.join(d))
            }
        };
        if let Some(dir) = dir {
            let mut files: Vec<PathBuf> = fs::read_dir(&dir)
                .with_context(|| {
                    format!(
                        "{}: カタログディレクトリを読めません (cannot read catalog directory)",
                        dir.display()
                    )
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            let mut diagnostics = Vec::new();
            for path in files {
                let loaded = load_catalog_file(&path, &controls).and_then(|c| {
                    let id = c.id.clone();
                    catalogs.add(c, &path.display().to_string())?;
                    Ok(id)
                });
                match loaded {
                    Ok(id) => origins.push(Origin {
                        id,
                        builtin: false,
                        file: path.display().to_string(),
                    }),
                    Err(e) => match e.downcast::<LoadError>() {
                        Ok(le) => diagnostics.extend(le.diagnostics),
                        Err(other) => return Err(other),
                    },
                }
            }
            if !diagnostics.is_empty() {
                return Err(LoadError { diagnostics }.into());
            }
        }
        Ok(Context {
            controls,
            catalogs,
            origins,
        })
    }

    pub fn catalog(&self, id: &str) -> Result<&Catalog> {
        self.catalogs.get(id).ok_or_else(|| {
            let known: Vec<&str> = self.catalogs.iter().map(|c| c.id.as_str()).collect();
            anyhow::anyhow!(
                "カタログ `{id}` はありません。読み込まれているカタログ: {} (unknown catalog)",
                known.join(", ")
            )
        })
    }

    pub fn profile(path: &Path) -> Result<Profile> {
        let text = read(path)?;
        Ok(Profile::from_toml(&path.display().to_string(), &text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in docs/configuration.md is a valid configuration file.
    #[test]
    fn the_documented_example_configuration_loads() {
        let doc = include_str!("../../../docs/configuration.md");
        let start = doc.find("```toml\n").map(|i| i + "```toml\n".len());
        let block = start.and_then(|s| doc[s..].find("```").map(|e| &doc[s..s + e]));
        let Some(block) = block else {
            unreachable!("docs/configuration.md has a ```toml block")
        };
        let config: Result<Config, _> = toml::from_str(block);
        let config = config.map_err(|e| e.to_string());
        assert!(config.is_ok(), "{config:?}");
        if let Ok(c) = config {
            assert_eq!(c.server.listen.port(), 8080);
            assert_eq!(
                c.server.session_idle_timeout,
                jiff::SignedDuration::from_mins(30)
            );
            assert_eq!(c.server.lockout.max_failures, 5);
            assert_eq!(c.server.login_rate_per_account.max_attempts, 10);
            assert_eq!(c.catalog_dir, Some(PathBuf::from("catalogs")));
        }
    }
}
