//! kijun-core: the domain of kijun, free of I/O beyond parsing.
//!
//! Where things live:
//! - [`catalog`]: the catalog model (`Catalog`, `Requirement`, `Obligation`,
//!   `Parameter`) and the strict TOML loader.
//! - [`library`]: the built-in catalogs (embedded from `catalogs/`) and the
//!   set of loaded catalogs.
//! - [`control`]: the vocabulary of common controls.
//! - [`profile`]: service profile attributes and their schema.
//! - [`condition`]: the applicability condition language.
//! - [`answer`]: vendor answers and the answer-file loader.
//! - [`evaluate`]: applicability of requirements to parties and the verdict —
//!   **a requirement is judged in `evaluate::evaluate_catalog`**.
//! - [`crosswalk`]: which requirements of which catalogs share a control.
//! - [`template`]: answer-file skeletons.
//! - [`service`]: a service's register record (contract, registrations,
//!   certifications, the subcontractor chain).
//! - [`workflow`]: the assessment item life cycle, answer checks, verdict limits.
//! - [`error`]: located load errors (`file:line:column: message`).
//! - [`auth`]: password hashes and policy, TOTP, lockout, rate limiting.
//! - [`calendar`]: the Japanese closed-day calendar (閉庁日) and national holidays.
//! - [`sla`]: SLA arithmetic — availability, recovery, inquiry answer times, 年度 counts.
//! - [`termination`]: termination of an overseen service (更改・廃棄) — the
//!   checklist, item life cycle, closure check and the notice check.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod answer;
pub mod auth;
pub mod calendar;
pub mod catalog;
pub mod condition;
pub mod control;
pub mod crosswalk;
pub mod error;
pub mod evaluate;
pub mod library;
pub mod oversight;
pub mod profile;
pub mod service;
pub mod sla;
pub mod template;
pub mod termination;
pub mod workflow;

pub use answer::{Answer, AnswerSet, Status};
pub use catalog::{Catalog, Level, Party, Phase, Requirement};
pub use control::ControlVocabulary;
pub use error::{Diagnostic, LoadError};
pub use evaluate::{Evaluation, Verdict, evaluate};
pub use library::CatalogSet;
pub use profile::Profile;
