//! Runs the browser tests in `tests/browser/` (Node.js + playwright-core
//! driving Debian's chromium against a real `kijun serve`).
//!
//! Without node, chromium or the npm packages the tests are listed by name
//! as ignored — unless `KIJUN_REQUIRE_BROWSER=1` (set by `.ci/run`, which
//! installs them), when they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

const SCRIPTS: &[(&str, &str)] = &[
    (
        "browser::login_with_mfa_and_suspend_a_user",
        "login_mfa_suspend.mjs",
    ),
    (
        "browser::reviewer_and_vendor_assessment_paths",
        "assessment_paths.mjs",
    ),
    (
        "browser::service_record_edited_without_javascript",
        "service_details.mjs",
    ),
];

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("KIJUN_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What is missing to run the browser tests, if anything.
fn missing() -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !chromium().exists() {
        return Some(format!("{} is not installed", chromium().display()));
    }
    if ["playwright-core", "axe-core"]
        .iter()
        .any(|m| !browser_dir().join("node_modules").join(m).exists())
    {
        return Some("run `npm ci --prefix tests/browser` first".into());
    }
    None
}

fn run(script: &str) -> Result<(), Failed> {
    let out = Command::new("node")
        .arg(browser_dir().join(script))
        .env("KIJUN_BIN", env!("CARGO_BIN_EXE_kijun"))
        .env("KIJUN_CHROMIUM", chromium())
        .output()
        .map_err(|e| Failed::from(format!("cannot run node: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{script} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let require = std::env::var("KIJUN_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let missing = missing();
    if let Some(why) = &missing {
        eprintln!("browser tests: {why}; they are skipped (shown as ignored)");
    }
    let trials = SCRIPTS
        .iter()
        .map(|(name, script)| {
            let why = missing.clone();
            Trial::test(*name, move || match &why {
                Some(w) => Err(format!("browser tests cannot run: {w}").into()),
                None => run(script),
            })
            .with_ignored_flag(missing.is_some() && !require)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
