//! The crosswalk: for each common control, the requirements of every loaded
//! catalog tagged with it — the map that makes "answer once, comply many"
//! visible to a reviewer.

use serde::Serialize;

use crate::control::ControlVocabulary;
use crate::library::CatalogSet;

/// One requirement in a crosswalk row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrosswalkEntry {
    pub catalog: String,
    pub requirement: String,
    pub text: String,
}

/// The requirements that share one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrosswalkRow {
    pub control: String,
    pub name: String,
    pub requirements: Vec<CrosswalkEntry>,
}

impl CrosswalkRow {
    /// The number of distinct catalogs in this row.
    pub fn catalog_count(&self) -> usize {
        let mut ids: Vec<&str> = self
            .requirements
            .iter()
            .map(|e| e.catalog.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }
}

/// One row per control of the vocabulary, in vocabulary order (controls no
/// requirement uses have an empty row).
pub fn crosswalk(catalogs: &CatalogSet, controls: &ControlVocabulary) -> Vec<CrosswalkRow> {
    controls
        .iter()
        .map(|control| CrosswalkRow {
            control: control.id.clone(),
            name: control.name.clone(),
            requirements: catalogs
                .iter()
                .flat_map(|c| {
                    c.requirements
                        .iter()
                        .filter(|r| r.controls.contains(&control.id))
                        .map(|r| CrosswalkEntry {
                            catalog: c.id.clone(),
                            requirement: r.id.clone(),
                            text: r.text.clone(),
                        })
                })
                .collect(),
        })
        .collect()
}
