//! The embedded font: IPAex Gothic (IPAexゴシック, IPA Font License v1.0,
//! `assets/fonts/`), compiled into the binary so a report renders the same on
//! any machine. Owns character → glyph lookup, advance widths and the
//! metrics the PDF font descriptor needs; [`crate::pdf`] subsets it to the
//! glyphs a document uses.

use std::cell::RefCell;
use std::collections::HashMap;

use ttf_parser::GlyphId;

use crate::ReportError;

/// IPAex Gothic 004.01 (Debian fonts-ipaexfont-gothic 00401-5), zlib
/// compressed (4.2 MB instead of 6.1 MB in the repository and the binary).
static FONT_ZLIB: &[u8] = include_bytes!("../assets/fonts/ipaexg.ttf.zlib");

/// The font file, decompressed once on first use.
pub(crate) fn font_data() -> Result<&'static [u8], ReportError> {
    static DATA: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    DATA.get_or_init(|| miniz_oxide::inflate::decompress_to_vec_zlib(FONT_ZLIB).ok())
        .as_deref()
        .ok_or(ReportError::Font)
}

/// The PostScript name of the embedded font.
pub(crate) const POSTSCRIPT_NAME: &str = "IPAexGothic";

/// The embedded font, parsed.
pub(crate) struct Face {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// Ascender as a fraction of the em (`hhea`).
    pub(crate) ascent: f32,
    /// Glyph and advance (in ems) of each character looked up so far: a
    /// report measures the same few hundred characters many times.
    cache: RefCell<HashMap<char, (GlyphId, f32)>>,
}

impl Face {
    pub(crate) fn load() -> Result<Face, ReportError> {
        let face = ttf_parser::Face::parse(font_data()?, 0).map_err(|_| ReportError::Font)?;
        let units_per_em = f32::from(face.units_per_em());
        if units_per_em <= 0.0 {
            return Err(ReportError::Font);
        }
        let ascent = f32::from(face.ascender()) / units_per_em;
        Ok(Face {
            face,
            units_per_em,
            ascent,
            cache: RefCell::new(HashMap::new()),
        })
    }

    /// The glyph of `c` and its advance in ems.
    fn lookup(&self, c: char) -> (GlyphId, f32) {
        if let Some(found) = self.cache.borrow().get(&c) {
            return *found;
        }
        let glyph = self.face.glyph_index(c).unwrap_or(GlyphId(0));
        let found = (glyph, self.advance_em(glyph));
        self.cache.borrow_mut().insert(c, found);
        found
    }

    /// The glyph for `c` (0, `.notdef`, when the font has none).
    pub(crate) fn glyph(&self, c: char) -> GlyphId {
        self.lookup(c).0
    }

    /// Whether the font can draw `c`.
    pub(crate) fn has_glyph(&self, c: char) -> bool {
        self.glyph(c).0 != 0
    }

    /// The advance of `glyph` in ems.
    pub(crate) fn advance_em(&self, glyph: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) / self.units_per_em
    }

    /// The advance of `c` in points at `size`.
    pub(crate) fn advance(&self, c: char, size: f32) -> f32 {
        self.lookup(c).1 * size
    }

    /// The width of `text` in points at `size`.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    /// Font-wide metrics in thousandths of an em (PDF glyph space).
    pub(crate) fn descriptor_metrics(&self) -> DescriptorMetrics {
        let scale = 1000.0 / self.units_per_em;
        let bbox = self.face.global_bounding_box();
        DescriptorMetrics {
            bbox: [
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ],
            ascent: f32::from(self.face.ascender()) * scale,
            descent: f32::from(self.face.descender()) * scale,
            cap_height: self
                .face
                .capital_height()
                .map_or(f32::from(self.face.ascender()) * scale, |h| {
                    f32::from(h) * scale
                }),
        }
    }
}

/// What a PDF font descriptor says about the font.
pub(crate) struct DescriptorMetrics {
    pub(crate) bbox: [f32; 4],
    pub(crate) ascent: f32,
    pub(crate) descent: f32,
    pub(crate) cap_height: f32,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_compressed_font_inflates_to_the_recorded_file() {
        use sha2::Digest;
        let data = super::font_data().unwrap();
        assert_eq!(data.len(), 6_099_900);
        let hex: String = sha2::Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "3b9955a5e437ffb24c41548e79296fa724822da21ee75dc1b94f6ccdb8f400dd"
        );
    }

    #[test]
    fn japanese_glyphs_exist_and_are_full_width() {
        let face = Face::load().unwrap();
        for c in "審査結果報告書あア。〓".chars() {
            assert!(face.has_glyph(c), "{c}");
            assert!((face.advance(c, 10.0) - 10.0).abs() < 0.01, "{c}");
        }
        assert!(!face.has_glyph('\u{1F600}'));
        assert!(face.advance('i', 10.0) < 5.0);
        assert!(face.ascent > 0.7 && face.ascent < 1.0);
    }
}
