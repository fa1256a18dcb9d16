//! Writes composed pages as a PDF with pdf-writer.
//!
//! DejaVu Sans (regular/bold) is subset with `subsetter` and embedded as a
//! Type0 / CIDFontType2 font with Identity-H encoding and a ToUnicode CMap.
//! Chinese characters use STSong-Light, one of the PDF standard CJK fonts
//! (Adobe-GB1, UniGB-UCS2-H), which readers supply themselves; a ToUnicode
//! CMap is written for it too so text extraction never depends on the
//! reader's CMap resources.

use std::collections::BTreeMap;

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::fonts::{FontId, Fonts, Glyph};
use crate::layout::{Op, PAGE_H, PAGE_W};

fn resource_name(font: FontId) -> Name<'static> {
    match font {
        FontId::Regular => Name(b"F1"),
        FontId::Bold => Name(b"F2"),
        FontId::Cjk | FontId::CjkBold => Name(b"F3"),
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    compress_to_vec_zlib(data, 9)
}

/// An embedded DejaVu face after subsetting.
struct Embedded {
    /// Original glyph id -> CID (= glyph id in the embedded program).
    cid: BTreeMap<u16, u16>,
    program: Vec<u8>,
    /// Widths per CID, in thousandths of an em.
    widths: Vec<f32>,
    /// CID -> character, for the ToUnicode CMap.
    unicode: BTreeMap<u16, char>,
}

fn embed(fonts: &Fonts, font: FontId, used: &BTreeMap<u16, char>) -> Option<Embedded> {
    let face = fonts.face(font)?;
    let data = Fonts::data(font);
    let gids: Vec<u16> = used.keys().copied().collect();
    let remapper = GlyphRemapper::new_from_glyphs_sorted(&gids);
    // Subsetting cannot fail on the bundled font; if it ever did, embed the
    // whole font with glyph ids kept as CIDs rather than produce no letter.
    let (program, old_gids): (Vec<u8>, Vec<u16>) = match subsetter::subset(data, 0, &remapper) {
        Ok(program) => (program, remapper.remapped_gids().collect()),
        Err(_) => (data.to_vec(), (0..face.number_of_glyphs()).collect()),
    };
    let scale = 1000.0 / f32::from(face.units_per_em());
    let mut cid = BTreeMap::new();
    let mut widths = Vec::with_capacity(old_gids.len());
    for (new, &old) in old_gids.iter().enumerate() {
        let new = u16::try_from(new).unwrap_or(u16::MAX);
        cid.insert(old, new);
        let adv = face
            .glyph_hor_advance(ttf_parser::GlyphId(old))
            .unwrap_or(0);
        widths.push(f32::from(adv) * scale);
    }
    let unicode = used
        .iter()
        .filter_map(|(old, ch)| cid.get(old).map(|&c| (c, *ch)))
        .collect();
    Some(Embedded {
        cid,
        program,
        widths,
        unicode,
    })
}

/// A deterministic six-letter subset tag derived from the glyph set.
fn subset_tag(cids: &BTreeMap<u16, u16>) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for g in cids.keys() {
        for b in g.to_be_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    (0..6)
        .map(|i| {
            let letter = (h >> (i * 5)) % 26;
            char::from(b'A' + u8::try_from(letter).unwrap_or(0))
        })
        .collect()
}

struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// What the PDF metadata says about the document.
pub(crate) struct Meta<'a> {
    /// Document title in the information dictionary.
    pub title: &'a str,
    /// BCP 47 tag for the catalogue.
    pub lang_tag: &'a str,
}

/// Writes A4 pages, each given as its drawing operations, as one PDF.
/// Fonts are shared by all pages: each DejaVu face is subset once with the
/// glyphs of every page.
pub(crate) fn write(fonts: &Fonts, pages: &[&[Op]], meta: &Meta<'_>) -> Vec<u8> {
    // Which glyphs are used, per font.
    let mut used: BTreeMap<FontId, BTreeMap<u16, char>> = BTreeMap::new();
    for op in pages.iter().flat_map(|ops| ops.iter()) {
        if let Op::Text { glyphs, .. } | Op::Stamp { glyphs, .. } = op {
            for g in glyphs {
                let font = match g.font {
                    FontId::CjkBold => FontId::Cjk,
                    f => f,
                };
                used.entry(font).or_default().entry(g.code).or_insert(g.ch);
            }
        }
    }
    let regular = used
        .get(&FontId::Regular)
        .and_then(|u| embed(fonts, FontId::Regular, u));
    let bold = used
        .get(&FontId::Bold)
        .and_then(|u| embed(fonts, FontId::Bold, u));
    let cjk = used.get(&FontId::Cjk);

    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let catalog = refs.next();
    let pages_id = refs.next();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (refs.next(), refs.next())).collect();
    let info = refs.next();

    pdf.catalog(catalog)
        .pages(pages_id)
        .lang(TextStr(meta.lang_tag));
    pdf.pages(pages_id)
        .kids(page_ids.iter().map(|&(page, _)| page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    pdf.document_info(info)
        .title(TextStr(meta.title))
        .producer(TextStr("Roadwarden"))
        .creator(TextStr("roadwarden-letter"));

    let mut font_refs = Vec::new();
    for (font, emb, ps_name) in [
        (FontId::Regular, regular.as_ref(), "DejaVuSans"),
        (FontId::Bold, bold.as_ref(), "DejaVuSans-Bold"),
    ] {
        if let Some(emb) = emb {
            let id = write_embedded(&mut pdf, &mut refs, fonts, font, emb, ps_name);
            font_refs.push((resource_name(font), id));
        }
    }
    if let Some(chars) = cjk {
        let id = write_cjk(&mut pdf, &mut refs, chars);
        font_refs.push((resource_name(FontId::Cjk), id));
    }

    for (ops, &(page_id, content_id)) in pages.iter().zip(&page_ids) {
        let content = content_stream(ops, regular.as_ref(), bold.as_ref());
        let mut pg = pdf.page(page_id);
        pg.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(pages_id)
            .contents(content_id);
        {
            let mut res = pg.resources();
            let mut fonts_dict = res.fonts();
            for (name, id) in &font_refs {
                fonts_dict.pair(*name, *id);
            }
        }
        pg.finish();

        pdf.stream(content_id, &deflate(&content))
            .filter(Filter::FlateDecode);
    }
    pdf.finish()
}

fn content_stream(ops: &[Op], regular: Option<&Embedded>, bold: Option<&Embedded>) -> Vec<u8> {
    let mut c = Content::new();
    for op in ops {
        match op {
            Op::Fill { x, y, w, h, gray } => {
                c.save_state()
                    .set_fill_gray(*gray)
                    .rect(*x, *y, *w, *h)
                    .fill_nonzero()
                    .restore_state();
            }
            Op::Line {
                from,
                to,
                width,
                gray,
            } => {
                c.save_state()
                    .set_stroke_gray(*gray)
                    .set_line_width(*width)
                    .move_to(from.0, from.1)
                    .line_to(to.0, to.1)
                    .stroke()
                    .restore_state();
            }
            Op::Text { x, y, size, glyphs } => {
                c.begin_text().next_line(*x, *y);
                show(&mut c, glyphs, *size, regular, bold);
                c.end_text();
            }
            Op::Stamp {
                x,
                y,
                size,
                angle,
                gray,
                glyphs,
            } => {
                // An empty /ActualText keeps the stamp out of copied and
                // extracted text; the footer carries the same words.
                c.begin_marked_content_with_properties(Name(b"Span"))
                    .properties()
                    .actual_text(TextStr(""));
                let (sin, cos) = angle.sin_cos();
                c.save_state().set_fill_gray(*gray).begin_text();
                c.set_text_matrix([cos, sin, -sin, cos, *x, *y]);
                show(&mut c, glyphs, *size, regular, bold);
                c.end_text().restore_state().end_marked_content();
            }
        }
    }
    c.finish().into_vec()
}

/// Shows one line of glyphs inside a text object, switching fonts per run.
fn show(
    c: &mut Content,
    glyphs: &[Glyph],
    size: f32,
    regular: Option<&Embedded>,
    bold: Option<&Embedded>,
) {
    for run in glyphs.chunk_by(|a: &Glyph, b: &Glyph| a.font == b.font) {
        let font = run[0].font;
        let mut bytes = Vec::with_capacity(run.len() * 2);
        for g in run {
            let code = match font {
                FontId::Regular => regular.and_then(|e| e.cid.get(&g.code)),
                FontId::Bold => bold.and_then(|e| e.cid.get(&g.code)),
                FontId::Cjk | FontId::CjkBold => Some(&g.code),
            };
            bytes.extend(code.copied().unwrap_or(0).to_be_bytes());
        }
        if font == FontId::CjkBold {
            // STSong-Light has no bold: fill and stroke thinly.
            c.set_text_rendering_mode(TextRenderingMode::FillStroke)
                .set_line_width(size * 0.035);
        } else {
            c.set_text_rendering_mode(TextRenderingMode::Fill);
        }
        c.set_font(resource_name(font), size).show(Str(&bytes));
    }
}

fn write_embedded(
    pdf: &mut Pdf,
    refs: &mut Refs,
    fonts: &Fonts,
    font: FontId,
    emb: &Embedded,
    ps_name: &str,
) -> Ref {
    let type0 = refs.next();
    let cid_font = refs.next();
    let descriptor = refs.next();
    let file = refs.next();
    let to_unicode = refs.next();
    let base = format!("{}+{ps_name}", subset_tag(&emb.cid));
    let base = Name(base.as_bytes());
    let identity = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font)
        .to_unicode(to_unicode);

    let mut cid = pdf.cid_font(cid_font);
    cid.subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(identity)
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, emb.widths.iter().copied());
    cid.finish();

    let metrics = fonts.face(font).map(|face| {
        let s = 1000.0 / f32::from(face.units_per_em());
        let bb = face.global_bounding_box();
        (
            Rect::new(
                f32::from(bb.x_min) * s,
                f32::from(bb.y_min) * s,
                f32::from(bb.x_max) * s,
                f32::from(bb.y_max) * s,
            ),
            f32::from(face.ascender()) * s,
            f32::from(face.descender()) * s,
            f32::from(face.capital_height().unwrap_or(face.ascender())) * s,
        )
    });
    let (bbox, ascent, descent, cap) = metrics.unwrap_or((
        Rect::new(-1000.0, -400.0, 2000.0, 1200.0),
        930.0,
        -240.0,
        730.0,
    ));
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(bbox)
        .italic_angle(0.0)
        .ascent(ascent)
        .descent(descent)
        .cap_height(cap)
        .stem_v(if font == FontId::Bold { 140.0 } else { 80.0 })
        .font_file2(file);

    let len1 = i32::try_from(emb.program.len()).unwrap_or(i32::MAX);
    pdf.stream(file, &deflate(&emb.program))
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), len1);

    let mut cmap = UnicodeCmap::new(Name(b"Adobe-Identity-UCS"), identity);
    for (&c, &ch) in &emb.unicode {
        cmap.pair(c, ch);
    }
    pdf.cmap(to_unicode, &deflate(cmap.finish().as_slice()))
        .filter(Filter::FlateDecode);
    type0
}

fn write_cjk(pdf: &mut Pdf, refs: &mut Refs, chars: &BTreeMap<u16, char>) -> Ref {
    let type0 = refs.next();
    let cid_font = refs.next();
    let descriptor = refs.next();
    let to_unicode = refs.next();
    let gb1 = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"GB1"),
        supplement: 2,
    };

    pdf.type0_font(type0)
        .base_font(Name(b"STSong-Light-UniGB-UCS2-H"))
        .encoding_predefined(Name(b"UniGB-UCS2-H"))
        .descendant_font(cid_font)
        .to_unicode(to_unicode);
    pdf.cid_font(cid_font)
        .subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(gb1)
        .font_descriptor(descriptor)
        .default_width(1000.0);
    pdf.font_descriptor(descriptor)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SYMBOLIC | FontFlags::SERIF)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);

    // Codes are UCS-2, so the ToUnicode map is code -> same character.
    let mut cmap = UnicodeCmap::new(Name(b"Adobe-GB1-UCS2"), gb1);
    for (&code, &ch) in chars {
        cmap.pair(code, ch);
    }
    pdf.cmap(to_unicode, &deflate(cmap.finish().as_slice()))
        .filter(Filter::FlateDecode);
    type0
}
