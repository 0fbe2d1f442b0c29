//! Load errors with a location: every problem kijun finds in a catalog, a
//! profile or an answer file is reported as `file:line:column: message`.

use std::fmt;
use std::ops::Range;

/// A 1-based line and column in a source text (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte offset `offset` in `text` (clamped to the text).
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }
}

/// One problem found while loading a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub position: Position,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.position.line, self.position.column, self.message
        )
    }
}

/// Every problem found in one load, in source order. Loading never stops at
/// the first problem it can recover from, so an author fixes a file in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics for one source file.
pub(crate) struct Reporter<'a> {
    file: &'a str,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        Reporter {
            file,
            text,
            diagnostics: Vec::new(),
        }
    }

    /// Records a problem at the start of `span`.
    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            file: self.file.to_owned(),
            position: Position::of_offset(self.text, span.start),
            message: message.into(),
        });
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// `Err` with every recorded problem (sorted by position), or `Ok(value)`.
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, LoadError> {
        if self.diagnostics.is_empty() {
            Ok(value)
        } else {
            self.diagnostics.sort_by_key(|d| d.position);
            Err(LoadError {
                diagnostics: self.diagnostics,
            })
        }
    }

    /// Turns a TOML syntax or shape error into a diagnostic.
    pub(crate) fn toml_error(mut self, err: &toml::de::Error) -> LoadError {
        let span = err.span().unwrap_or(0..0);
        self.error(span, toml_message(err));
        LoadError {
            diagnostics: self.diagnostics,
        }
    }
}

/// The first line of a TOML error message, without the crate's own location
/// header (kijun prints its own `file:line:column:` prefix).
fn toml_message(err: &toml::de::Error) -> String {
    let msg = err.message().trim();
    msg.lines().next().unwrap_or(msg).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_characters() {
        let text = "a = 1\nタイトル = 2\n";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        // byte offset of "=" on the second line: 6 + 12 bytes of 4 kana + 1 space
        let eq = text.find(" = 2").map(|i| i + 1).unwrap_or(0);
        assert_eq!(
            Position::of_offset(text, eq),
            Position { line: 2, column: 6 }
        );
        // an offset inside a multi-byte character is clamped back to its start
        assert_eq!(
            Position::of_offset(text, 7),
            Position { line: 2, column: 1 }
        );
    }
}
