//! Common controls (共通管理策): kijun's built-in vocabulary that tags every
//! requirement, so that one answer can serve every catalog ("answer once,
//! comply many"). The data lives in `catalogs/controls.toml`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{LoadError, Reporter};

/// One common control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    /// Japanese name.
    pub name: String,
    /// Japanese description.
    pub description: String,
}

/// The vocabulary of common controls, keyed by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlVocabulary {
    controls: BTreeMap<String, Control>,
    order: Vec<String>,
}

const BUILTIN_CONTROLS: &str = include_str!("../../../catalogs/controls.toml");

impl ControlVocabulary {
    /// The built-in vocabulary embedded in the binary.
    pub fn builtin() -> Result<ControlVocabulary, LoadError> {
        Self::from_toml("catalogs/controls.toml", BUILTIN_CONTROLS)
    }

    /// Parses a vocabulary file (`[[controls]]` tables with `id`, `name`,
    /// `description`); duplicate ids are errors.
    pub fn from_toml(file: &str, text: &str) -> Result<ControlVocabulary, LoadError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            controls: Vec<toml::Spanned<Control>>,
        }
        let mut reporter = Reporter::new(file, text);
        let raw: Raw = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => return Err(reporter.toml_error(&e)),
        };
        let mut controls = BTreeMap::new();
        let mut order = Vec::new();
        for c in raw.controls {
            let span = c.span();
            let c = c.into_inner();
            if controls.contains_key(&c.id) {
                reporter.error(
                    span,
                    format!("管理策 id `{}` が重複しています (duplicate id)", c.id),
                );
                continue;
            }
            order.push(c.id.clone());
            controls.insert(c.id.clone(), c);
        }
        reporter.finish(ControlVocabulary { controls, order })
    }

    pub fn get(&self, id: &str) -> Option<&Control> {
        self.controls.get(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.controls.contains_key(id)
    }

    /// Every control in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Control> {
        self.order.iter().filter_map(|id| self.controls.get(id))
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}
