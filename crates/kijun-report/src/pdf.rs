//! The PDF backend: writes the pages laid out by `layout.rs` with
//! pdf-writer. The embedded IPAex Gothic is subset to the glyphs a document
//! uses (subsetter) and written as a CID-keyed TrueType font (Type0,
//! Identity-H) with a width array and a ToUnicode CMap, so the text prints the
//! same everywhere and can be searched and extracted (`pdftotext`). Headings
//! are set in a simulated bold (fill and stroke), as IPAex Gothic has one
//! weight. The output depends only on the document: the same document gives
//! the same bytes (the creation date is the document's, the clock is never
//! read).

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::ReportError;
use crate::document::Document;
use crate::font::{Face, POSTSCRIPT_NAME, font_data};
use crate::layout::{Op, Page, layout};

/// How to write the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfOptions {
    /// Deflate the page contents and the font (on by default; off only to
    /// read the PDF source while debugging).
    pub compress: bool,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions { compress: true }
    }
}

/// Renders `doc` as an A4 PDF with the embedded Japanese font.
pub fn render_pdf(doc: &Document) -> Result<Vec<u8>, ReportError> {
    render_pdf_with(doc, &PdfOptions::default())
}

/// Renders `doc` as an A4 PDF with `options`.
pub fn render_pdf_with(doc: &Document, options: &PdfOptions) -> Result<Vec<u8>, ReportError> {
    let face = Face::load()?;
    let pages = layout(doc, &face)?;
    let mut glyphs = Glyphs::new(&face);
    let contents: Vec<Vec<u8>> = pages
        .iter()
        .map(|page| page_content(page, &mut glyphs))
        .collect();
    let subset = subsetter::subset(font_data()?, 0, &glyphs.remapper)
        .map_err(|e| ReportError::Pdf(format!("フォントのサブセット化に失敗しました: {e:?}")))?;

    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let type0_id = Ref::new(4);
    let cid_id = Ref::new(5);
    let descriptor_id = Ref::new(6);
    let font_file_id = Ref::new(7);
    let to_unicode_id = Ref::new(8);
    // Each page takes two objects (page, content) from number 9 on.
    let page_ids: Vec<(Ref, Ref)> = (0..pages.len())
        .map(|i| {
            let n = i32::try_from(i).ok()?.checked_mul(2)?.checked_add(9)?;
            Some((Ref::new(n), Ref::new(n.checked_add(1)?)))
        })
        .collect::<Option<_>>()
        .ok_or_else(|| ReportError::Pdf("頁数が多すぎます".to_owned()))?;

    let mut pdf = Pdf::new();
    pdf.set_version(1, 7);
    let mut catalog = pdf.catalog(catalog_id);
    catalog.pages(tree_id).lang(TextStr("ja"));
    catalog.viewer_preferences().display_doc_title(true);
    catalog.finish();
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));

    let compress = |data: &[u8]| -> Vec<u8> {
        if options.compress {
            miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
        } else {
            data.to_vec()
        }
    };
    for ((page, content), (page_id, content_id)) in pages.iter().zip(&contents).zip(&page_ids) {
        let mut pdf_page = pdf.page(*page_id);
        pdf_page
            .media_box(Rect::new(0.0, 0.0, page.width, page.height))
            .parent(tree_id)
            .contents(*content_id);
        pdf_page.resources().fonts().pair(Name(b"F1"), type0_id);
        pdf_page.finish();
        let data = compress(content);
        let mut stream = pdf.stream(*content_id, &data);
        if options.compress {
            stream.filter(Filter::FlateDecode);
        }
        stream.finish();
    }

    // The font: Type0 → CIDFontType2 → descriptor → subset TrueType file.
    let base_font = format!("{}+{POSTSCRIPT_NAME}", glyphs.subset_tag());
    let base_font = Name(base_font.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0_id)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(to_unicode_id);
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(base_font)
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, glyphs.widths.iter().copied());
    cid.finish();
    let metrics = face.descriptor_metrics();
    let [x0, y0, x1, y1] = metrics.bbox;
    pdf.font_descriptor(descriptor_id)
        .name(base_font)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(metrics.ascent)
        .descent(metrics.descent)
        .cap_height(metrics.cap_height)
        .stem_v(80.0)
        .font_file2(font_file_id);
    let font_data = compress(&subset);
    let mut font_file = pdf.stream(font_file_id, &font_data);
    font_file.pair(
        Name(b"Length1"),
        i32::try_from(subset.len()).unwrap_or(i32::MAX),
    );
    if options.compress {
        font_file.filter(Filter::FlateDecode);
    }
    font_file.finish();
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (glyph, c) in &glyphs.unicode {
        cmap.pair(*glyph, *c);
    }
    pdf.cmap(to_unicode_id, &cmap.finish());

    let mut info = pdf.document_info(info_id);
    info.title(TextStr(&doc.title))
        .producer(TextStr("kijun"))
        .creator(TextStr("kijun"))
        .creation_date(pdf_date(&doc.created));
    if let Some(author) = &doc.author {
        info.author(TextStr(author));
    }
    info.finish();

    let mut hash = Fnv::new();
    hash.write(doc.title.as_bytes());
    for content in &contents {
        hash.write(content);
    }
    let id = hash.bytes16();
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

/// The glyphs a document uses: old → new glyph ids, new id → character for
/// the ToUnicode map, new id → width in thousandths of an em.
struct Glyphs<'f> {
    face: &'f Face,
    remapper: GlyphRemapper,
    unicode: BTreeMap<u16, char>,
    widths: Vec<f32>,
}

impl<'f> Glyphs<'f> {
    fn new(face: &'f Face) -> Self {
        let mut glyphs = Glyphs {
            face,
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
            widths: Vec::new(),
        };
        // .notdef stays glyph 0.
        glyphs.map(ttf_parser::GlyphId(0), None);
        glyphs
    }

    fn map(&mut self, glyph: ttf_parser::GlyphId, c: Option<char>) -> u16 {
        let new = self.remapper.remap(glyph.0);
        if usize::from(new) == self.widths.len() {
            self.widths.push(self.face.advance_em(glyph) * 1000.0);
        }
        if let Some(c) = c {
            // A glyph shared by two characters keeps the first.
            self.unicode.entry(new).or_insert(c);
        }
        new
    }

    /// Two-byte CIDs (Identity-H) for `text`, and whether the ToUnicode map
    /// gives back some other character for one of its glyphs (the font
    /// shares a glyph between 〜 and ～, - and ‐, a Kangxi radical and its
    /// kanji, …): such text is marked with its actual text.
    fn encode(&mut self, text: &str) -> (Vec<u8>, bool) {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        let mut ambiguous = false;
        for c in text.chars() {
            let glyph = self.face.glyph(c);
            let new = self.map(glyph, Some(c));
            ambiguous |= self.unicode.get(&new) != Some(&c);
            bytes.extend_from_slice(&new.to_be_bytes());
        }
        (bytes, ambiguous)
    }

    /// The six capital letters that name a subset, derived from the glyphs
    /// used (so the same document gets the same name).
    fn subset_tag(&self) -> String {
        let mut hash = Fnv::new();
        for (glyph, c) in &self.unicode {
            hash.write(&glyph.to_be_bytes());
            hash.write(&u32::from(*c).to_be_bytes());
        }
        let mut n = hash.value();
        (0..6)
            .map(|_| {
                let letter = char::from(b'A' + (n % 26) as u8);
                n /= 26;
                letter
            })
            .collect()
    }
}

fn page_content(page: &Page, glyphs: &mut Glyphs<'_>) -> Vec<u8> {
    let height = page.height;
    let mut content = Content::new();
    for op in &page.ops {
        match op {
            Op::Text {
                x,
                y,
                size,
                text,
                bold,
            } => {
                let (encoded, ambiguous) = glyphs.encode(text);
                if ambiguous {
                    content
                        .begin_marked_content_with_properties(Name(b"Span"))
                        .properties()
                        .actual_text(TextStr(text));
                }
                content.save_state();
                if *bold {
                    // Simulated bold: the outline stroked as well as filled.
                    content.set_line_width(size * 0.035);
                    content.set_stroke_gray(0.0);
                }
                content.set_fill_gray(0.0);
                content.begin_text();
                if *bold {
                    content.set_text_rendering_mode(TextRenderingMode::FillStroke);
                }
                content.set_font(Name(b"F1"), *size);
                content.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, height - y]);
                content.show(Str(&encoded));
                content.end_text();
                content.restore_state();
                if ambiguous {
                    content.end_marked_content();
                }
            }
            Op::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                content.save_state();
                if let Some(level) = fill {
                    content.set_fill_gray(level.clamp(0.0, 1.0));
                }
                if let Some(width) = stroke {
                    content.set_line_width(*width);
                    content.set_stroke_gray(0.0);
                }
                content.rect(*x, height - y - h, *w, *h);
                match (fill.is_some(), stroke.is_some()) {
                    (true, true) => content.fill_nonzero_and_stroke(),
                    (true, false) => content.fill_nonzero(),
                    (false, true) => content.stroke(),
                    (false, false) => content.end_path(),
                };
                content.restore_state();
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
            } => {
                content.save_state();
                content.set_line_width(*width);
                content.set_stroke_gray(0.0);
                content.move_to(*x1, height - y1);
                content.line_to(*x2, height - y2);
                content.stroke();
                content.restore_state();
            }
        }
    }
    content.finish().into_vec()
}

/// The PDF form of the document's creation time, with its UTC offset.
fn pdf_date(created: &jiff::ZonedDateTime) -> Date {
    let offset = created.offset().seconds();
    let small = |n: i8| u8::try_from(n).unwrap_or(0);
    Date::new(u16::try_from(created.year()).unwrap_or(0))
        .month(small(created.month()))
        .day(small(created.day()))
        .hour(small(created.hour()))
        .minute(small(created.minute()))
        .second(small(created.second()))
        .utc_offset_hour(i8::try_from(offset / 3600).unwrap_or(0))
        .utc_offset_minute(u8::try_from(offset.abs() % 3600 / 60).unwrap_or(0))
}

/// FNV-1a, for the subset tag and the file identifier (not for security).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn value(&self) -> u64 {
        self.0
    }

    fn bytes16(&self) -> Vec<u8> {
        let mut second = Fnv(self.0);
        second.write(b"kijun");
        let mut out = self.0.to_be_bytes().to_vec();
        out.extend_from_slice(&second.0.to_be_bytes());
        out
    }
}
