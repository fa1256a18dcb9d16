//! Fonts: DejaVu Sans (embedded, subset) for Latin/Vietnamese and
//! STSong-Light (a PDF standard CJK font, not embedded) for Chinese.

use std::sync::OnceLock;

use ttf_parser::Face;
use unicode_normalization::UnicodeNormalization;

/// Which PDF font a glyph is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum FontId {
    Regular,
    Bold,
    /// STSong-Light, drawn normally.
    Cjk,
    /// STSong-Light with a thin stroke added to look bold (it has no bold face).
    CjkBold,
}

/// Text weight requested by the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One positioned-to-be glyph.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub font: FontId,
    /// For DejaVu: the glyph id in the original font. For STSong-Light: the
    /// UCS-2 code of the character (the UniGB-UCS2-H encoding).
    pub code: u16,
    /// Advance width in thousandths of an em.
    pub advance: f32,
    pub ch: char,
}

impl Glyph {
    pub fn is_space(&self) -> bool {
        self.ch == ' '
    }
}

pub(crate) struct Fonts {
    pub regular: Face<'static>,
    pub bold: Face<'static>,
}

pub(crate) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: Face::parse(dejavu::sans::regular(), 0).expect("bundled DejaVu Sans parses"),
        bold: Face::parse(dejavu::sans::bold(), 0).expect("bundled DejaVu Sans Bold parses"),
    })
}

impl Fonts {
    pub fn face(&self, font: FontId) -> Option<&Face<'static>> {
        match font {
            FontId::Regular => Some(&self.regular),
            FontId::Bold => Some(&self.bold),
            FontId::Cjk | FontId::CjkBold => None,
        }
    }

    pub fn data(font: FontId) -> &'static [u8] {
        match font {
            FontId::Bold => dejavu::sans::bold(),
            _ => dejavu::sans::regular(),
        }
    }

    /// Converts text to glyphs: NFC-normalised (so Vietnamese letters use
    /// their precomposed glyphs), control characters turned into spaces,
    /// CJK characters sent to STSong-Light, everything else to DejaVu Sans,
    /// and characters neither can show replaced by "?".
    pub fn shape(&self, text: &str, weight: Weight) -> Vec<Glyph> {
        let (face, font, cjk) = match weight {
            Weight::Regular => (&self.regular, FontId::Regular, FontId::Cjk),
            Weight::Bold => (&self.bold, FontId::Bold, FontId::CjkBold),
        };
        let scale = 1000.0 / f32::from(face.units_per_em());
        let latin = |ch: char| {
            face.glyph_index(ch).map(|gid| Glyph {
                font,
                code: gid.0,
                advance: f32::from(face.glyph_hor_advance(gid).unwrap_or(0)) * scale,
                ch,
            })
        };
        text.nfc()
            .map(|c| if c.is_control() { ' ' } else { c })
            .filter_map(|ch| {
                if is_cjk(ch) {
                    let code = u16::try_from(u32::from(ch)).ok()?;
                    return Some(Glyph {
                        font: cjk,
                        code,
                        advance: 1000.0,
                        ch,
                    });
                }
                // Zero-width format characters (ZWJ, BOM...) are dropped.
                if matches!(ch, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}') {
                    return None;
                }
                latin(ch).or_else(|| latin('?'))
            })
            .collect()
    }
}

/// Full-width characters drawn with STSong-Light (all 1 em wide).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK symbols and punctuation
        | '\u{3040}'..='\u{30FF}' // kana (in GB 2312)
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{FE30}'..='\u{FE4F}' // CJK compatibility forms
        | '\u{FF01}'..='\u{FF60}' // full-width ASCII forms
        | '\u{FFE0}'..='\u{FFE6}' // full-width signs (￥ ...)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_vietnamese_uses_precomposed_glyphs() {
        // "ế" typed as e + combining circumflex + combining acute.
        let g = fonts().shape("e\u{0302}\u{0301}", Weight::Regular);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].ch, 'ế');
        assert_eq!(g[0].font, FontId::Regular);
    }

    #[test]
    fn chinese_goes_to_stsong_and_unknown_characters_become_question_marks() {
        let g = fonts().shape("浙E，\u{0915}\u{200B}", Weight::Bold);
        let fonts_and_chars: Vec<_> = g.iter().map(|g| (g.font, g.ch)).collect();
        assert_eq!(
            fonts_and_chars,
            [
                (FontId::CjkBold, '浙'),
                (FontId::Bold, 'E'),
                (FontId::CjkBold, '，'),
                (FontId::Bold, '?'),
            ]
        );
        assert_eq!(g[0].code, 0x6D59);
    }
}
