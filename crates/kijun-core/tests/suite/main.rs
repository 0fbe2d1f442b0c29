//! kijun-core integration tests, in one binary to keep link time down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod builtin;
mod evaluation;
mod loader;

use kijun_core::{CatalogSet, ControlVocabulary};

pub fn controls() -> ControlVocabulary {
    ControlVocabulary::builtin().expect("built-in controls load")
}

pub fn builtin() -> (ControlVocabulary, CatalogSet) {
    let controls = controls();
    let set = CatalogSet::builtin(&controls).unwrap_or_else(|e| panic!("built-ins load:\n{e}"));
    (controls, set)
}
