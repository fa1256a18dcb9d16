//! CAP-01: the plate number a violation record must clearly show, for both countries.
//!
//! A capture either carries a plate that is well formed for its country, or says plainly that
//! the vehicle could not be identified (REV-03(3) then keeps it out of the violation system).
//! Nothing is guessed: an ANPR `O` is not turned into `0`, because a corrected plate is no
//! longer what the camera saw.
//!
//! * China, GA 36-2018 (机动车号牌): province abbreviation, issuing-authority letter, then a
//!   5-character serial of A–Z/0–9 without I and O (7 characters); the last serial character
//!   may be 学 警 挂 港 澳 领 试 超. New-energy plates have a 6-character serial (8 characters):
//!   small vehicles (gradient green) put the energy letter first, then a letter or digit, then
//!   four digits; large vehicles (yellow-green) have five digits, then the energy letter. The
//!   energy letter was D (pure electric) or F (other); the 2021 segment expansion added A B C E
//!   and G H J K, which are already on the road, so all ten are accepted in both positions.
//! * Vietnam, Circular 24/2023/TT-BCA art. 37 (and 58/2020 before it): a 2-digit locality code
//!   (11–99), a series, then 4 (older) or 5 digits shown as `123.45`. Cars: one or two letters
//!   (`30A-123.45`, `51LD-123.45`). Motorbikes: a letter and a digit (`29-B1 123.45`), two
//!   letters (`29-HA 002.33`, issued since 24/2023) or two letters and a digit (`29-MĐ1 …`).

use serde::{Deserialize, Serialize};

use crate::org::Country;
use crate::FieldError;

/// The plate's background colour, as the camera or the clerk reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateColour {
    Blue,
    Yellow,
    /// Gradient green: small new-energy vehicles.
    Green,
    /// Yellow-green two-tone: large new-energy vehicles.
    YellowGreen,
    White,
    Black,
    Unknown,
}

impl PlateColour {
    pub const ALL: [PlateColour; 7] = [
        PlateColour::Blue,
        PlateColour::Yellow,
        PlateColour::Green,
        PlateColour::YellowGreen,
        PlateColour::White,
        PlateColour::Black,
        PlateColour::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlateColour::Blue => "blue",
            PlateColour::Yellow => "yellow",
            PlateColour::Green => "green",
            PlateColour::YellowGreen => "yellow_green",
            PlateColour::White => "white",
            PlateColour::Black => "black",
            PlateColour::Unknown => "unknown",
        }
    }

    /// Reads a colour from any source we receive: our codes, Chinese (蓝, 蓝色, 蓝牌, 渐变绿,
    /// 黄绿双拼 …), Vietnamese with or without diacritics, composed or decomposed (xanh, vàng,
    /// trắng, đen, xanh lá), English, Hikvision ISAPI `plateColor` strings (`other` is Unknown)
    /// and single digits.
    ///
    /// Digits follow the public-security traffic-record convention (号牌颜色, HPYS, used by
    /// checkpoint and e-police interfaces): 0 white, 1 yellow, 2 blue, 3 black, 4 green,
    /// 5 unrecognised, 9 other. GA 24.7 itself codes plate *types* (01 large, 02 small …), not
    /// colours. Vendor SDK enums differ (Hikvision's VCA_PLATE_COLOR has 0 = blue, Dahua's
    /// 0 = unknown), so adapters must turn those into names before calling this.
    ///
    /// Red (Vietnamese military) and other colours are refused rather than read as Unknown:
    /// a plate we cannot classify is the camera's uncertainty, a red one is a fact we do not
    /// handle.
    pub fn parse(raw: &str) -> Result<PlateColour, FieldError> {
        let mut s: String = raw
            .trim()
            .to_lowercase()
            .chars()
            // Combining marks come from decomposed Vietnamese; the bare letters are in the table.
            .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{300}'..='\u{36f}'))
            .collect();
        for suffix in ["牌", "色"] {
            if let Some(stem) = s.strip_suffix(suffix) {
                s = stem.to_owned();
            }
        }
        Ok(match s.as_str() {
            "" | "unknown" | "other" | "未知" | "未识别" | "其他" | "其它" | "5" | "9" => {
                PlateColour::Unknown
            }
            "blue" | "蓝" | "xanh" | "xanhdương" | "xanhduong" | "2" => PlateColour::Blue,
            "yellow" | "黄" | "vàng" | "vang" | "1" => PlateColour::Yellow,
            "green" | "绿" | "渐变绿" | "xanhlá" | "xanhla" | "4" => PlateColour::Green,
            "yellowgreen" | "黄绿" | "黄绿双拼" => PlateColour::YellowGreen,
            "white" | "白" | "trắng" | "trang" | "0" => PlateColour::White,
            "black" | "黑" | "đen" | "den" | "3" => PlateColour::Black,
            _ => {
                return Err(FieldError::new(
                    "plate_colour",
                    "must be blue, yellow, green, yellow_green, white, black or unknown",
                ))
            }
        })
    }
}

crate::stored_as_text!(PlateColour);

/// A plate that reads as well formed for its country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plate {
    /// China: the key form (`浙E12345`). Vietnam: the display form (`30A-123.45`), because
    /// the key alone cannot tell a car's `30A-123.45` from a motorbike's `30-A1 2345`.
    pub number: String,
    pub colour: PlateColour,
    /// An 8-character Chinese new-energy plate.
    pub new_energy: bool,
}

/// What a capture says about the plate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlateReading {
    Read(Plate),
    /// No plate, or none the camera could read: a valid answer, not an error.
    Unidentified,
}

/// What cameras and clerks send for "no plate", in key form. Hikvision sends 车牌 or 无车牌;
/// GA traffic records use `-`, which normalises to the empty key.
const NO_PLATE: &str =
    "无牌|无车牌|无号牌|无牌车|无|未识别|未知|车牌|UNKNOWN|NONE|NOPLATE|NULL|NIL|N/A|\
    KHÔNGBIỂN|KHONGBIEN|KHÔNGBIỂNSỐ|KHONGBIENSO";

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
const SPECIAL_ENDINGS: &str = "学警挂港澳领试超";
const ENERGY_LETTERS: &str = "DABCEFGHJK";

/// The form used for search and matching: half-width, uppercase, no spaces, dots, dashes or
/// middle dots. Equal keys are the same plate however the camera punctuated it.
pub fn plate_key(raw: &str) -> String {
    normalise(raw).0.into_iter().collect()
}

/// A plate someone asks about (an inspection query, the owner's lookup, a registry or
/// exemption entry, a search): the same key as [`plate_key`], refused when it is empty, too
/// long, or holds a character no plate of either country has (zero-width spaces, direction
/// marks, control characters). Ingest refuses such plates; a query must not quietly miss the
/// record the plate without them would find.
pub fn query_key(raw: &str) -> Result<String, FieldError> {
    let key = plate_key(raw);
    if key.is_empty() {
        return Err(FieldError::new("plate", "is required"));
    }
    if key.chars().count() > 12 {
        return Err(FieldError::new("plate", "is longer than any plate"));
    }
    let plate_char = |c: char| {
        c.is_ascii_uppercase() || c.is_ascii_digit() || ('\u{4e00}'..='\u{9fff}').contains(&c)
    };
    if !key.chars().all(plate_char) {
        return Err(charset_error());
    }
    Ok(key)
}

/// Reads `raw` as a plate of `country` with the reported `colour`.
pub fn read_plate(
    country: Country,
    raw: &str,
    colour: PlateColour,
) -> Result<PlateReading, FieldError> {
    let (key, breaks) = normalise(raw);
    let text: String = key.iter().collect();
    // A run of `?` or `*` is how some cameras fill a plate they saw but could not read.
    if key.is_empty()
        || key.iter().all(|c| matches!(c, '?' | '*'))
        || NO_PLATE.split('|').any(|m| m == text)
    {
        return Ok(PlateReading::Unidentified);
    }
    let plate = match country {
        Country::China => read_chinese(&key, text, colour)?,
        Country::Vietnam => read_vietnamese(&key, &breaks, colour)?,
    };
    Ok(PlateReading::Read(plate))
}

/// The key's characters, and where separators stood (as key indices). Vietnamese layout lives
/// in the separators, so they are remembered before being dropped.
fn normalise(raw: &str) -> (Vec<char>, Vec<usize>) {
    let mut key = Vec::new();
    let mut breaks = Vec::new();
    for c in raw.chars() {
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if c.is_whitespace() || "·•‧・.-–—‐−".contains(c) {
            breaks.push(key.len());
            continue;
        }
        let mut upper = c.to_uppercase();
        // Multi-character uppercases (ß → SS) are left alone rather than invented.
        key.push(match (upper.next(), upper.next()) {
            (Some(u), None) => u,
            _ => c,
        });
    }
    (key, breaks)
}

fn charset_error() -> FieldError {
    FieldError::new("plate", "has characters a plate cannot have")
}

/// A serial character of GA 36: letters and digits, without I and O (they read as 1 and 0).
fn serial(c: char) -> bool {
    c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'I' && c != 'O')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChineseShape {
    Ordinary,
    Special(char),
    SmallNewEnergy,
    LargeNewEnergy,
}

fn chinese_shape(key: &[char]) -> Option<ChineseShape> {
    let [province, authority, rest @ ..] = key else {
        return None;
    };
    if !PROVINCES.contains(*province) || !authority.is_ascii_uppercase() {
        return None;
    }
    let digits = |cs: &[char]| cs.iter().all(char::is_ascii_digit);
    match rest {
        [head @ .., last] if rest.len() == 5 && head.iter().all(|c| serial(*c)) => {
            if serial(*last) {
                Some(ChineseShape::Ordinary)
            } else {
                SPECIAL_ENDINGS
                    .contains(*last)
                    .then_some(ChineseShape::Special(*last))
            }
        }
        [energy, second, tail @ ..]
            if rest.len() == 6 && ENERGY_LETTERS.contains(*energy) && serial(*second) =>
        {
            digits(tail).then_some(ChineseShape::SmallNewEnergy)
        }
        [head @ .., energy] if rest.len() == 6 && ENERGY_LETTERS.contains(*energy) => {
            digits(head).then_some(ChineseShape::LargeNewEnergy)
        }
        _ => None,
    }
}

fn read_chinese(key: &[char], number: String, colour: PlateColour) -> Result<Plate, FieldError> {
    let allowed = |c: &char| {
        c.is_ascii_digit()
            || c.is_ascii_uppercase()
            || PROVINCES.contains(*c)
            || SPECIAL_ENDINGS.contains(*c)
    };
    if !key.iter().all(allowed) {
        return Err(charset_error());
    }
    let shape = chinese_shape(key)
        .ok_or_else(|| FieldError::new("plate", "is not a well-formed Chinese plate"))?;
    use PlateColour::*;
    // GA 36 backgrounds. Green and yellow-green are not told apart: several camera enums and
    // the traffic-record digits know only "green", and the serial already says small or large.
    let fits: &[PlateColour] = match shape {
        ChineseShape::Ordinary => &[Blue, Yellow, Black],
        ChineseShape::Special('警') => &[White],
        ChineseShape::Special('学' | '挂') => &[Yellow],
        ChineseShape::Special('港' | '澳' | '领') => &[Black],
        // 试 / 超 are temporary plates whose colours vary by issuer; only green is ruled out.
        ChineseShape::Special(_) => &[Blue, Yellow, White, Black],
        ChineseShape::SmallNewEnergy | ChineseShape::LargeNewEnergy => &[Green, YellowGreen],
    };
    if colour != Unknown && !fits.contains(&colour) {
        let mut names: Vec<&str> = fits.iter().map(|c| c.as_str()).collect();
        let last = names.pop().unwrap_or_default();
        let list = match names.is_empty() {
            true => last.to_owned(),
            false => format!("{} or {last}", names.join(", ")),
        };
        let why = format!("{number} must be {list}, not {}", colour.as_str());
        return Err(FieldError::new("plate_colour", why));
    }
    let new_energy = key.len() == 8;
    Ok(Plate {
        number,
        colour,
        new_energy,
    })
}

fn read_vietnamese(
    key: &[char],
    breaks: &[usize],
    colour: PlateColour,
) -> Result<Plate, FieldError> {
    let letter = |c: &char| c.is_ascii_uppercase() || *c == 'Đ';
    if !key.iter().all(|c| c.is_ascii_digit() || letter(c)) {
        return Err(charset_error());
    }
    // Circular 24/2023 art. 37: white private, yellow commercial transport, blue state.
    use PlateColour::*;
    if !matches!(colour, White | Yellow | Blue | Unknown) {
        return Err(FieldError::new(
            "plate_colour",
            "Vietnamese plates are white, yellow or blue",
        ));
    }
    let number = vietnamese_display(key, breaks, letter)
        .ok_or_else(|| FieldError::new("plate", "is not a well-formed Vietnamese plate"))?;
    Ok(Plate {
        number,
        colour,
        new_energy: false,
    })
}

/// The canonical display form, or None when the key is no Vietnamese plate. Where the key is
/// ambiguous (`30A12345`: car `30A-123.45` or motorbike `30-A1 2345`), the separators decide:
/// a break right after the locality code means a motorbike, a break after the series marks
/// where the series ends. Without separators the current car layout wins.
fn vietnamese_display(
    key: &[char],
    breaks: &[usize],
    letter: impl Fn(&char) -> bool,
) -> Option<String> {
    if key.len() < 7 || !key[..2].iter().all(char::is_ascii_digit) || key[..2] < ['1', '1'][..] {
        return None;
    }
    let letters = key[2..].iter().take_while(|c| letter(c)).count();
    let digits = &key[2 + letters..];
    if !(1..=2).contains(&letters) || !digits.iter().all(char::is_ascii_digit) {
        return None;
    }
    let motorbike_layout = breaks.contains(&2);
    let series_digit = if breaks.contains(&(2 + letters)) {
        false
    } else if breaks.contains(&(3 + letters)) {
        true
    } else {
        (motorbike_layout && letters == 1) || digits.len() == 6
    };
    let series_len = letters + usize::from(series_digit);
    let serial: String = key[2 + series_len..].iter().collect();
    let motorbike = series_digit || motorbike_layout;
    // A motorbike series is never a lone letter; a serial is 4 or 5 digits.
    if (motorbike && series_len == 1) || !(4..=5).contains(&serial.len()) {
        return None;
    }
    let serial = match serial.len() {
        5 => format!("{}.{}", &serial[..3], &serial[3..]),
        _ => serial,
    };
    let locality: String = key[..2].iter().collect();
    let series: String = key[2..2 + series_len].iter().collect();
    Some(if motorbike {
        format!("{locality}-{series} {serial}")
    } else {
        format!("{locality}{series}-{serial}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use PlateColour::*;

    const CN: Country = Country::China;
    const VN: Country = Country::Vietnam;
    const NOT_CN: &str = "plate: is not a well-formed Chinese plate";
    const NOT_VN: &str = "plate: is not a well-formed Vietnamese plate";
    const BAD_CHARS: &str = "plate: has characters a plate cannot have";

    fn read(country: Country, raw: &str, colour: PlateColour) -> Plate {
        match read_plate(country, raw, colour) {
            Ok(PlateReading::Read(p)) => p,
            other => panic!("{raw}: {other:?}"),
        }
    }

    /// Each `|`-separated raw value reads with `colour` and is stored as `number`.
    fn reads_as(country: Country, raws: &str, colour: PlateColour, number: &str) {
        for raw in raws.split('|') {
            assert_eq!(read(country, raw, colour).number, number, "{raw}");
        }
    }

    /// Each `|`-separated raw value is refused with an error starting `field: reason`.
    fn refused(country: Country, raws: &str, colour: PlateColour, error: &str) {
        for raw in raws.split('|') {
            let e = read_plate(country, raw, colour).expect_err(raw).to_string();
            assert!(e.starts_with(error), "{raw}: {e}");
        }
    }

    #[test]
    fn cap_01_chinese_ordinary_plates_are_read() {
        let raws = "浙E12345| 浙e·12345 |浙E-123 45|浙Ｅ１２３４５";
        reads_as(CN, raws, Blue, "浙E12345");
        assert!(!read(CN, "浙E12345", Yellow).new_energy);
        reads_as(CN, "苏BAB12C", Black, "苏BAB12C");
        reads_as(CN, "京A·1234警", White, "京A1234警");
        reads_as(CN, "粤Z 1234港", Black, "粤Z1234港");
        reads_as(CN, "粤B1234学", Yellow, "粤B1234学");
        let bad = "浙E1234|浙EI2345|浙E1234O|浙112345|XA12345|浙E123456|浙E12学45";
        refused(CN, bad, Unknown, NOT_CN);
    }

    #[test]
    fn cap_01_new_energy_eight_character_plates() {
        reads_as(CN, "浙ED12345|浙E·D12345|浙e d1234 5", Green, "浙ED12345");
        assert!(read(CN, "浙ED12345", Green).new_energy);
        reads_as(CN, "沪AFA1234", Green, "沪AFA1234");
        // The 2021 segment expansion: A B C E pure electric, G H J K other.
        reads_as(CN, "沪A·A12345|沪AA12345", Green, "沪AA12345");
        reads_as(CN, "粤B12345D", YellowGreen, "粤B12345D");
        assert!(read(CN, "粤B12345F", Unknown).new_energy);
        let bad = "浙ED1234A|浙EX12345|浙EDI1234|粤B1234AD|粤B123456";
        refused(CN, bad, Green, NOT_CN);
    }

    #[test]
    fn cap_01_colour_must_fit_the_shape() {
        let e = "plate_colour: 浙E12345 must be blue, yellow or black, not green";
        refused(CN, "浙E12345", Green, e);
        refused(
            CN,
            "京A1234警",
            Blue,
            "plate_colour: 京A1234警 must be white, not blue",
        );
        refused(CN, "浙E12345", White, "plate_colour:");
        refused(CN, "浙ED12345|粤B12345D", Blue, "plate_colour:");
        refused(CN, "浙ED12345|粤Z1234港", Yellow, "plate_colour:");
        refused(CN, "粤B1234学|浙E1234挂", Black, "plate_colour:");
        // Unknown fits every shape; camera enums often know only one green.
        reads_as(CN, "浙E12345", Unknown, "浙E12345");
        reads_as(CN, "京A1234警", Unknown, "京A1234警");
        reads_as(CN, "粤B12345D", Green, "粤B12345D");
        reads_as(CN, "浙ED12345", YellowGreen, "浙ED12345");
        for colour in [White, Yellow, Blue, Unknown] {
            read(VN, "30A-123.45", colour);
        }
        for colour in [Black, Green, YellowGreen] {
            refused(VN, "30A-123.45", colour, "plate_colour: Vietnamese plates");
        }
    }

    #[test]
    fn cap_01_vietnamese_car_and_motorbike_plates() {
        let raws = "30A-123.45|30a12345|30A 123 45|30Ａ－１２３．４５";
        reads_as(VN, raws, White, "30A-123.45");
        reads_as(VN, "30A-1234|30A1234", Yellow, "30A-1234");
        reads_as(VN, "51LD-123.45|51LD12345", White, "51LD-123.45");
        let raws = "29-B1 123.45|29B1-12345|29B112345|29 B1 12345";
        reads_as(VN, raws, White, "29-B1 123.45");
        reads_as(VN, "29-B1 1234|29B1-1234|29-B11234", Blue, "29-B1 1234");
        reads_as(VN, "99 - H7 7060", White, "99-H7 7060");
        reads_as(VN, "29-HA 002.33|29-HA00233", White, "29-HA 002.33");
        reads_as(VN, "29-MK1 1234", White, "29-MK1 1234");
        reads_as(VN, "29-mđ1 123.45|29MĐ1-12345", White, "29-MĐ1 123.45");
        let bad = "10A-123.45|30-123.45|30ABC-12345|30A-123|30A-1234567|30-A 12345|A30-12345";
        refused(VN, bad, White, NOT_VN);
    }

    #[test]
    fn cap_01_unreadable_plate_is_unidentified() {
        let raws = "|  |-|无牌|无车牌|未识别|车牌|unknown|NONE|noplate|No Plate|???????|Không biển";
        for raw in raws.split('|') {
            let both = (read_plate(CN, raw, Blue), read_plate(VN, raw, Green));
            let unidentified = Ok(PlateReading::Unidentified);
            assert_eq!(both, (unidentified.clone(), unidentified), "{raw}");
        }
    }

    #[test]
    fn cap_01_invalid_characters_are_refused() {
        let bad = "浙E1234😀|<script>|жук1234|浙E12_45|浙E1234?|使014578";
        refused(CN, bad, Unknown, BAD_CHARS);
        refused(
            VN,
            "浙E12345|30A-123,45|30Ä-12345|30A-123.4٥",
            Unknown,
            BAD_CHARS,
        );
    }

    #[test]
    fn cap_01_plate_colours_parse_from_every_source() {
        for (colour, raws) in [
            (Blue, "蓝|蓝色|蓝牌|xanh|Xanh dương| BLUE |2"),
            (Yellow, "黄|黄色|vàng|VÀNG|va\u{300}ng|vang|yellow|1"),
            (Green, "绿|渐变绿|渐变绿色|xanh lá|Green|4"),
            (YellowGreen, "黄绿|黄绿双拼|yellow_green|yellowGreen"),
            (White, "白|白色|trắng|tra\u{306}\u{301}ng|WHITE|0"),
            (Black, "黑|đen|Đen|black|3"),
            (Unknown, "|  |other|unknown|未知|其他|5|9"),
        ] {
            for raw in raws.split('|') {
                assert_eq!(PlateColour::parse(raw), Ok(colour), "{raw}");
            }
        }
        for c in PlateColour::ALL {
            assert_eq!(PlateColour::parse(c.as_str()), Ok(c));
            assert_eq!(PlateColour::try_from(c.as_str().to_owned()), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for raw in "red|红|đỏ|purple|7|blue green".split('|') {
            let e = PlateColour::parse(raw).unwrap_err();
            assert_eq!(e.field, "plate_colour", "{raw}");
        }
    }

    #[test]
    fn cap_01_keys_ignore_punctuation_and_width() {
        assert_eq!(plate_key(" 浙e·１２３45 "), "浙E12345");
        assert_eq!(plate_key("29-B1 123.45"), plate_key("29b112345"));
        let read = serde_json::to_string(&read_plate(CN, "浙ED12345", Green).unwrap()).unwrap();
        let json = r#"{"kind":"read","number":"浙ED12345","colour":"green","new_energy":true}"#;
        assert_eq!(read, json);
        let none = serde_json::to_string(&PlateReading::Unidentified).unwrap();
        assert_eq!(none, r#"{"kind":"unidentified"}"#);
    }

    const CN_LIKE: &str =
        "[京沪浙粤][A-Z][·. -]?([A-Z0-9]{4}[A-Z0-9学警挂港]|[DFA][A-Z0-9][0-9]{4}|[0-9]{5}[DF])";
    const VN_LIKE: &str = "[1-9][0-9][ -]?[A-ZĐ]{1,2}[0-9]?[ .-]{0,2}[0-9]{2,3}[ .]?[0-9]{1,3}";

    fn colour() -> impl Strategy<Value = PlateColour> {
        proptest::sample::select(PlateColour::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn read_plate_never_panics(raw in any::<String>(), c in colour()) {
            for country in [CN, VN] {
                let _ = read_plate(country, &raw, c);
            }
        }

        #[test]
        fn reading_a_read_plate_again_gives_the_same_plate(
            raw in prop_oneof![CN_LIKE, VN_LIKE],
            c in colour(),
        ) {
            for country in [CN, VN] {
                if let Ok(PlateReading::Read(p)) = read_plate(country, &raw, c) {
                    prop_assert_eq!(plate_key(&p.number), plate_key(&raw));
                    let again = read_plate(country, &p.number, p.colour);
                    prop_assert_eq!(again, Ok(PlateReading::Read(p)));
                }
            }
        }
    }

    #[test]
    fn not_03_plate_queries_refuse_invisible_characters_like_ingest() {
        assert_eq!(query_key(" 浙e·12 345 ").unwrap(), "浙E12345");
        assert_eq!(query_key("30A-123.45").unwrap(), "30A12345");
        for bad in [
            "浙E12\u{200b}345",
            "浙E\u{202e}12345",
            "浙E12\u{0}345",
            "浙E12\u{feff}345",
            "",
            "  ",
            "浙E1234567890123",
        ] {
            assert!(query_key(bad).is_err(), "{bad:?}");
        }
        // Ingest refuses the same plate.
        assert!(read_plate(Country::China, "浙E12\u{200b}345", PlateColour::Blue).is_err());
    }
}
