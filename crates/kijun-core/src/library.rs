//! The set of catalogs kijun knows: the four built-in catalogs transcribed
//! from the seed documents (embedded in the binary from `catalogs/`) plus any
//! custom catalogs loaded beside them, with ids unique across all.

use crate::catalog::Catalog;
use crate::control::ControlVocabulary;
use crate::error::{Diagnostic, LoadError, Position};

/// A built-in catalog file: its path in the repository and its text.
pub struct BuiltinFile {
    pub path: &'static str,
    pub text: &'static str,
}

/// The built-in catalogs, in seed order.
pub const BUILTIN_CATALOGS: &[BuiltinFile] = &[
    BuiltinFile {
        path: "catalogs/seed-000.toml",
        text: include_str!("../../../catalogs/seed-000.toml"),
    },
    BuiltinFile {
        path: "catalogs/seed-001.toml",
        text: include_str!("../../../catalogs/seed-001.toml"),
    },
    BuiltinFile {
        path: "catalogs/seed-003.toml",
        text: include_str!("../../../catalogs/seed-003.toml"),
    },
    BuiltinFile {
        path: "catalogs/seed-004.toml",
        text: include_str!("../../../catalogs/seed-004.toml"),
    },
];

/// Catalogs by id, in the order they were added.
#[derive(Debug, Clone, Default)]
pub struct CatalogSet {
    catalogs: Vec<Catalog>,
}

impl CatalogSet {
    /// The built-in catalogs.
    pub fn builtin(controls: &ControlVocabulary) -> Result<CatalogSet, LoadError> {
        let mut set = CatalogSet::default();
        let mut diagnostics = Vec::new();
        for f in BUILTIN_CATALOGS {
            match Catalog::from_toml(f.path, f.text, controls) {
                Ok(c) => {
                    if let Err(e) = set.add(c, f.path) {
                        diagnostics.extend(e.diagnostics);
                    }
                }
                Err(e) => diagnostics.extend(e.diagnostics),
            }
        }
        if diagnostics.is_empty() {
            Ok(set)
        } else {
            Err(LoadError { diagnostics })
        }
    }

    /// Adds a catalog; an id already present is an error naming `file`.
    pub fn add(&mut self, catalog: Catalog, file: &str) -> Result<(), LoadError> {
        if self.get(&catalog.id).is_some() {
            return Err(LoadError {
                diagnostics: vec![Diagnostic {
                    file: file.to_owned(),
                    position: Position { line: 1, column: 1 },
                    message: format!(
                        "カタログ id `{}` は既に読み込まれています。別の id にしてください (duplicate catalog id)",
                        catalog.id
                    ),
                }],
            });
        }
        self.catalogs.push(catalog);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Catalog> {
        self.catalogs.iter().find(|c| c.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Catalog> {
        self.catalogs.iter()
    }

    pub fn len(&self) -> usize {
        self.catalogs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.catalogs.is_empty()
    }
}
