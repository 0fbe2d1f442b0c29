//! Operational log lines. A server must keep serving when its output is
//! gone (closed terminal, detached service), so writes here never panic:
//! a failed write is dropped.

use std::io::Write;

/// Writes one line to standard error.
pub fn error(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "kijun: {line}");
}

/// Writes one line to standard output and flushes it.
pub fn info(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "kijun: {line}");
    let _ = out.flush();
}
