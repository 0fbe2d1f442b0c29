//! Where a value sits in a JSON text, so that a problem found in the parsed
//! [`serde_json::Value`] (which keeps no positions) can be reported as
//! `file:line:column`. The text has already been parsed successfully; this
//! only walks it again along a path of keys and array indices.

use std::fmt;

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A path into a JSON document, displayed as `outages[3].end`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct JsonPath(pub(crate) Vec<Seg>);

impl JsonPath {
    /// This path extended by `key`.
    pub(crate) fn key(&self, key: &str) -> JsonPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        JsonPath(segs)
    }

    /// This path extended by `index`.
    pub(crate) fn index(&self, index: usize) -> JsonPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        JsonPath(segs)
    }

    pub(crate) fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path without its last step (the root stays the root).
    pub(crate) fn parent(&self) -> JsonPath {
        let mut segs = self.0.clone();
        segs.pop();
        JsonPath(segs)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(key) if i == 0 => write!(f, "{key}")?,
                Seg::Key(key) => write!(f, ".{key}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// What of a path's last step to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The value.
    Value,
    /// The member's key (for an unknown key).
    Key,
}

/// The byte offset in `text` of the value at `path` (or of its key). When
/// the path cannot be followed to the end, the offset of the deepest value
/// reached.
pub(crate) fn offset(text: &str, path: &JsonPath, anchor: Anchor) -> usize {
    let mut cursor = Cursor { text, pos: 0 };
    cursor.skip_ws();
    let mut best = cursor.pos;
    let last = path.0.len().saturating_sub(1);
    for (i, seg) in path.0.iter().enumerate() {
        let found = match seg {
            Seg::Key(key) => cursor.member(key).map(|key_at| {
                if i == last && anchor == Anchor::Key {
                    key_at
                } else {
                    cursor.pos
                }
            }),
            Seg::Index(index) => cursor.element(*index).map(|()| cursor.pos),
        };
        match found {
            Some(at) => best = at,
            None => return best,
        }
    }
    best
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// At a `"`: moves past the string, returning its span with quotes.
    fn string(&mut self) -> Option<(usize, usize)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return Some((start, self.pos));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Moves past one value (and the whitespace before it).
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
            }
        }
        Some(())
    }

    /// At an object: leaves the cursor at the value of member `key` (the
    /// last one, as the parser keeps the last of duplicate keys) and
    /// returns the offset of its key.
    fn member(&mut self, key: &str) -> Option<usize> {
        self.skip_ws();
        if self.peek()? != b'{' {
            return None;
        }
        self.pos += 1;
        let mut found = None;
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => break,
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let (start, end) = self.string()?;
            let name: String = serde_json::from_str(self.text.get(start..end)?).ok()?;
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
            if name == key {
                found = Some((start, self.pos));
            }
            self.skip_value()?;
        }
        let (key_at, value_at) = found?;
        self.pos = value_at;
        Some(key_at)
    }

    /// At an array: leaves the cursor at element `index`.
    fn element(&mut self, index: usize) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b'[' {
            return None;
        }
        self.pos += 1;
        for _ in 0..index {
            self.skip_value()?;
            self.skip_ws();
            if self.peek()? != b',' {
                return None;
            }
            self.pos += 1;
        }
        self.skip_ws();
        match self.peek()? {
            b']' => None,
            _ => Some(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[Seg]) -> JsonPath {
        JsonPath(segs.to_vec())
    }

    fn key(k: &str) -> Seg {
        Seg::Key(k.to_owned())
    }

    #[test]
    fn finds_values_and_keys() {
        let text =
            r#" {"a": {"b\"": [1, {"c": "x,]}"}, [2, 3]], "d": null}, "e": true, "a": {"z": 1}}"#;
        let at = |p: &JsonPath, anchor| offset(text, p, anchor);
        // The last duplicate `a` wins, as in serde_json.
        assert_eq!(
            &text[at(&path(&[key("a")]), Anchor::Value)..][..8],
            "{\"z\": 1}"
        );
        assert_eq!(&text[at(&path(&[key("e")]), Anchor::Key)..][..3], "\"e\"");
        assert_eq!(&text[at(&path(&[key("e")]), Anchor::Value)..][..4], "true");
        assert_eq!(at(&JsonPath::default(), Anchor::Value), 1);
        let text = r#"{"a": {"b\"": [1, {"c": "x,]}"}, [2, 3]], "d": null}}"#;
        let at = |p: &JsonPath| offset(text, p, Anchor::Value);
        let p = path(&[key("a"), key("b\""), Seg::Index(2), Seg::Index(1)]);
        assert_eq!(&text[at(&p)..][..1], "3");
        let p = path(&[key("a"), key("b\""), Seg::Index(1), key("c")]);
        assert_eq!(&text[at(&p)..][..6], "\"x,]}\"");
        assert_eq!(&text[at(&path(&[key("a"), key("d")]))..][..4], "null");
        // A path that cannot be followed stops at the deepest value found.
        let p = path(&[key("a"), key("missing"), Seg::Index(0)]);
        assert_eq!(&text[at(&p)..][..5], "{\"b\\\"");
        let p = path(&[key("a"), key("b\""), Seg::Index(7)]);
        assert_eq!(&text[at(&p)..][..2], "[1");
    }

    #[test]
    fn displays_like_a_jq_path() {
        let p = JsonPath::default()
            .key("schedule")
            .key("hours")
            .key("mon")
            .index(0)
            .index(1);
        assert_eq!(p.to_string(), "schedule.hours.mon[0][1]");
        assert_eq!(p.parent().to_string(), "schedule.hours.mon[0]");
        assert!(JsonPath::default().is_root());
    }
}
