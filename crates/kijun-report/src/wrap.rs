//! Line breaking for Japanese text in a column of given width: a line may
//! break between any two CJK characters and at spaces; a run of Latin letters
//! and digits (a word, a number, a URL) stays whole unless it is wider than
//! the column by itself. Rough kinsoku shori (禁則処理) by pushing characters
//! to the next line (追い出し): no line starts with closing punctuation,
//! small kana or the like (。、）」 …), no line ends with an opening bracket
//! (（「 …). No line is ever wider than the column (except a single character
//! wider than the column itself).

/// Characters that must not begin a line (行頭禁則文字).
const NO_START: &str = "、。，．,.:;：；!?！？)）]］}｝」』】〕〉》〙〗〟”’ゝゞ々ヽヾーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ・…‥゛゜〜～%％‰℃";

/// Characters that must not end a line (行末禁則文字).
const NO_END: &str = "(（[［{｛「『【〔〈《〘〖〝“‘";

/// Whether `c` may not begin a line.
pub fn is_no_start(c: char) -> bool {
    NO_START.contains(c)
}

/// Whether `c` may not end a line.
pub fn is_no_end(c: char) -> bool {
    NO_END.contains(c)
}

/// Whether a line may break on either side of `c` (CJK scripts, full-width
/// forms and CJK punctuation).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF       // Hangul Jamo
        | 0x2010..=0x2027     // dashes, quotes, …
        | 0x2030..=0x203F     // ‰ ※ ‥
        | 0x2103              // ℃
        | 0x2190..=0x21FF     // arrows
        | 0x2460..=0x24FF     // ① …
        | 0x2500..=0x27BF     // box drawing, shapes, ○ ● ◎ △ ×
        | 0x2E80..=0x2FDF     // CJK radicals
        | 0x3000..=0x303F     // CJK symbols and punctuation,
        | 0x3040..=0x30FF     // hiragana, katakana
        | 0x3100..=0x31FF     // bopomofo, katakana phonetic extensions
        | 0x3200..=0x33FF     // enclosed CJK, ㈱, CJK compatibility
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFE30..=0xFE4F     // CJK compatibility forms
        | 0xFF00..=0xFFEF     // full-width and half-width forms
        | 0x20000..=0x3FFFF   // CJK extensions B…
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A run of ASCII spaces or tabs: a break opportunity, dropped at a break.
    Space,
    /// One CJK character, or one character of a word too wide for the line.
    Char,
    /// A run of other characters that stays on one line.
    Word,
}

#[derive(Debug, Clone, Copy)]
struct Unit<'a> {
    text: &'a str,
    width: f32,
    kind: Kind,
}

#[derive(Debug, Default)]
struct Line<'a> {
    units: Vec<Unit<'a>>,
    width: f32,
}

impl<'a> Line<'a> {
    fn push(&mut self, unit: Unit<'a>) {
        self.width += unit.width;
        self.units.push(unit);
    }

    fn trim_end_spaces(&mut self) {
        while let Some(last) = self.units.last() {
            if last.kind != Kind::Space {
                break;
            }
            self.width -= last.width;
            self.units.pop();
        }
    }

    fn first_char(&self) -> Option<char> {
        self.units.first().and_then(|u| u.text.chars().next())
    }

    fn last_char(&self) -> Option<char> {
        self.units.last().and_then(|u| u.text.chars().next_back())
    }

    fn text(&self) -> String {
        self.units.iter().map(|u| u.text).collect()
    }
}

/// Tolerance for comparing widths summed in `f32`.
const EPSILON: f32 = 1e-3;

/// Breaks `text` into lines no wider than `max_width`, where `measure(c)` is
/// the advance of `c` in the same unit. `\n` is a hard break; an empty
/// paragraph gives an empty line, so the result is never empty.
pub fn wrap(text: &str, max_width: f32, measure: impl Fn(char) -> f32) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        wrap_paragraph(
            paragraph.trim_end_matches('\r'),
            max_width,
            &measure,
            &mut out,
        );
    }
    out
}

fn units<'a>(text: &'a str, max_width: f32, measure: &dyn Fn(char) -> f32) -> Vec<Unit<'a>> {
    let mut units = Vec::new();
    let mut start = 0;
    let mut current: Option<(Kind, f32)> = None;
    for (i, c) in text.char_indices() {
        let kind = if c == ' ' || c == '\t' {
            Kind::Space
        } else if is_cjk(c) {
            Kind::Char
        } else {
            Kind::Word
        };
        let width = measure(c);
        match current {
            Some((k, w)) if k == kind && kind != Kind::Char => {
                current = Some((k, w + width));
            }
            _ => {
                if let Some((k, w)) = current {
                    push_unit(&mut units, &text[start..i], k, w, max_width, measure);
                }
                start = i;
                current = Some((kind, width));
            }
        }
    }
    if let Some((k, w)) = current {
        push_unit(&mut units, &text[start..], k, w, max_width, measure);
    }
    units
}

/// Adds a unit, splitting a word wider than the line into characters.
fn push_unit<'a>(
    units: &mut Vec<Unit<'a>>,
    text: &'a str,
    kind: Kind,
    width: f32,
    max_width: f32,
    measure: &dyn Fn(char) -> f32,
) {
    if kind == Kind::Word && width > max_width + EPSILON {
        for (i, c) in text.char_indices() {
            units.push(Unit {
                text: &text[i..i + c.len_utf8()],
                width: measure(c),
                kind: Kind::Char,
            });
        }
    } else {
        units.push(Unit { text, width, kind });
    }
}

fn wrap_paragraph(
    text: &str,
    max_width: f32,
    measure: &dyn Fn(char) -> f32,
    out: &mut Vec<String>,
) {
    let mut lines: Vec<Line> = Vec::new();
    let mut cur = Line::default();
    for unit in units(text, max_width, measure) {
        if unit.kind == Kind::Space {
            if cur.units.is_empty() && !lines.is_empty() {
                // Spaces where a soft break happened are dropped.
                continue;
            }
            if cur.width + unit.width <= max_width + EPSILON {
                cur.push(unit);
            } else {
                cur.trim_end_spaces();
                lines.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if cur.width + unit.width <= max_width + EPSILON || cur.units.is_empty() {
            cur.push(unit);
            continue;
        }
        cur.trim_end_spaces();
        let mut next = Line::default();
        next.push(unit);
        // 追い出し: move units down while the break would leave a forbidden
        // character at the start of the next line or the end of this one.
        loop {
            let bad_start = next.first_char().is_some_and(is_no_start);
            let bad_end = cur.last_char().is_some_and(is_no_end);
            if !(bad_start || bad_end) || cur.units.len() <= 1 {
                break;
            }
            let Some(&moved) = cur.units.last() else {
                break;
            };
            if moved.kind == Kind::Space || next.width + moved.width > max_width + EPSILON {
                break;
            }
            cur.units.pop();
            cur.width -= moved.width;
            next.units.insert(0, moved);
            next.width += moved.width;
            cur.trim_end_spaces();
            if cur.units.is_empty() {
                break;
            }
        }
        if cur.units.is_empty() {
            // Everything moved down: keep the units together on one line.
            cur = next;
        } else {
            lines.push(std::mem::replace(&mut cur, next));
        }
    }
    cur.trim_end_spaces();
    if !cur.units.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    out.extend(lines.iter().map(Line::text));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// Full-width characters are 1.0 wide, everything else 0.5.
    fn measure(c: char) -> f32 {
        if is_cjk(c) { 1.0 } else { 0.5 }
    }

    fn width(line: &str) -> f32 {
        line.chars().map(measure).sum()
    }

    const TEXT: &str = "外部サービス提供者は、情報セキュリティに関する管理策を定め、これを実施すること。\
        また、導入事業者は「外部サービスの利用基準」に従い、ISMAP（政府情報システムのためのセキュリティ評価制度）\
        に登録されたサービスを優先すること。データは国内で保管し、契約終了時には確実に消去すること。";

    #[test]
    fn no_line_starts_with_closing_punctuation_or_is_too_wide() {
        for max in 4..40 {
            let max = max as f32;
            let lines = wrap(TEXT, max, measure);
            for line in &lines {
                let first = line.chars().next().unwrap();
                assert!(
                    !is_no_start(first),
                    "width {max}: line starts with {first:?}: {line:?}\n{lines:#?}"
                );
                let last = line.chars().next_back().unwrap();
                assert!(!is_no_end(last), "width {max}: line ends with {last:?}");
                assert!(
                    width(line) <= max,
                    "width {max}: line {line:?} is {} wide",
                    width(line)
                );
            }
            // Nothing is lost or duplicated (the text has no spaces).
            assert_eq!(lines.concat(), TEXT, "width {max}");
        }
    }

    #[test]
    fn specifically_no_line_starts_with_maru_or_ten() {
        // At width 7 the 。 is the first character that overflows: the す
        // before it moves down with it.
        let lines = wrap("確認いたします。了解しました、以上", 7.0, measure);
        assert_eq!(lines[0], "確認いたしま");
        assert!(lines[1].starts_with("す。"), "{lines:?}");
        for l in &lines {
            assert!(!l.starts_with('。') && !l.starts_with('、'), "{lines:?}");
        }
    }

    #[test]
    fn latin_words_stay_whole_and_spaces_break() {
        let lines = wrap("ISO/IEC 27001 認証 and SOC2 report", 8.0, measure);
        for word in ["ISO/IEC", "27001", "and", "SOC2", "report"] {
            assert!(
                lines.iter().any(|l| l.contains(word)),
                "{word} split: {lines:?}"
            );
        }
        assert!(lines.iter().all(|l| width(l) <= 8.0), "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with(' ') && !l.ends_with(' '))
        );
        // A word wider than the line breaks anywhere.
        let url = "https://example.invalid/a/very/long/path";
        let lines = wrap(url, 5.0, measure);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), url);
        assert!(lines.iter().all(|l| width(l) <= 5.0), "{lines:?}");
    }

    #[test]
    fn hard_breaks_and_empty_text() {
        assert_eq!(wrap("", 10.0, measure), vec![String::new()]);
        assert_eq!(
            wrap("一行目\n\n三行目", 10.0, measure),
            vec!["一行目", "", "三行目"]
        );
    }

    #[test]
    fn opening_bracket_does_not_end_a_line() {
        let lines = wrap("あいう「えお」", 4.0, measure);
        assert_eq!(lines, vec!["あいう", "「えお」"]);
    }
}
