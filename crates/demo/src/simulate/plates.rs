//! Plates to report: from a file, checked as the server checks them, or made up.

use std::path::Path;

use anyhow::{bail, Context};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use roadwarden_domain::capture::plate::{read_plate, PlateColour, PlateReading};
use roadwarden_domain::org::Country;

/// A plate to report, with its colour (a server colour name).
#[derive(Debug, Clone)]
pub struct PlateEntry {
    pub plate: String,
    pub colour: String,
    pub country: Country,
}

/// One plate a line, optionally `,colour`; `#` starts a comment; a `plate` header is skipped.
/// Each plate is checked as the server will check it.
pub fn load_plates(path: &Path) -> anyhow::Result<Vec<PlateEntry>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split([',', '\t', ';']).map(str::trim);
        let plate = fields.next().unwrap_or_default();
        if plate.eq_ignore_ascii_case("plate") {
            continue;
        }
        let colour = fields.next().filter(|c| !c.is_empty());
        let entry = plate_entry(plate, colour)
            .with_context(|| format!("{}, line {}", path.display(), i + 1))?;
        out.push(entry);
    }
    if out.is_empty() {
        bail!("{} lists no plates", path.display());
    }
    Ok(out)
}

fn plate_entry(plate: &str, colour: Option<&str>) -> anyhow::Result<PlateEntry> {
    let country = if plate.starts_with(|c: char| c.is_ascii_digit()) {
        Country::Vietnam
    } else {
        Country::China
    };
    let colour = match colour {
        Some(c) => PlateColour::parse(c).map_err(|e| anyhow::anyhow!("{plate}: {}", e.reason))?,
        None if country == Country::Vietnam => PlateColour::White,
        None if plate.chars().count() == 8 => PlateColour::Green,
        None => PlateColour::Blue,
    };
    match read_plate(country, plate, colour) {
        Ok(PlateReading::Read(p)) => Ok(PlateEntry {
            plate: p.number,
            colour: colour.as_str().to_owned(),
            country,
        }),
        Ok(PlateReading::Unidentified) => bail!("{plate} is not a plate"),
        Err(e) => bail!("{plate}: {} {}", e.field, e.reason),
    }
}

/// GA 36 serial characters: digits and letters without I and O.
const SERIAL_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

fn serial_char(rng: &mut StdRng, letter_share: f64) -> char {
    if rng.gen_bool(letter_share) {
        char::from(*SERIAL_LETTERS.choose(rng).unwrap_or(&b'A'))
    } else {
        char::from(b'0' + rng.gen_range(0..10u8))
    }
}

/// A Chinese plate, mostly of Huzhou (浙E): ordinary blue, large-vehicle yellow, or new-energy
/// green (8 characters, `浙ED12345`). Returns plate, colour and vehicle type.
pub(super) fn chinese_plate(rng: &mut StdRng) -> (String, &'static str, &'static str) {
    let prefix = if rng.gen_bool(0.88) {
        "浙E"
    } else {
        ["浙A", "浙B", "浙F", "苏E", "皖E", "沪A"]
            .choose(rng)
            .copied()
            .unwrap_or("浙A")
    };
    let kind = rng.gen_range(0..100);
    if kind < 16 {
        let energy = if rng.gen_bool(0.8) { 'D' } else { 'F' };
        let second = serial_char(rng, 0.3);
        let digits: String = (0..4)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        (
            format!("{prefix}{energy}{second}{digits}"),
            "green",
            "small_car",
        )
    } else {
        let mut letters = 0;
        let serial: String = (0..5)
            .map(|_| {
                let c = serial_char(rng, if letters < 2 { 0.18 } else { 0.0 });
                if c.is_ascii_alphabetic() {
                    letters += 1;
                }
                c
            })
            .collect();
        if kind < 24 {
            (format!("{prefix}{serial}"), "yellow", "large_car")
        } else {
            (format!("{prefix}{serial}"), "blue", "small_car")
        }
    }
}

/// A Vietnamese car plate, mostly of Quảng Trị (74): `74A-123.45`, white.
pub(super) fn vietnamese_plate(rng: &mut StdRng) -> (String, &'static str, &'static str) {
    let province = if rng.gen_bool(0.85) {
        "74"
    } else {
        ["43", "75", "29", "51", "38"]
            .choose(rng)
            .copied()
            .unwrap_or("43")
    };
    let series = if rng.gen_bool(0.8) {
        'A'
    } else {
        *['B', 'C', 'D', 'E', 'F', 'G', 'H', 'K']
            .choose(rng)
            .unwrap_or(&'A')
    };
    let n: u32 = rng.gen_range(0..100_000);
    let vehicle = if series == 'C' { "truck" } else { "car" };
    (
        format!("{province}{series}-{:03}.{:02}", n / 100, n % 100),
        "white",
        vehicle,
    )
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn made_up_plates_read_as_the_server_reads_them() {
        let mut rng = StdRng::seed_from_u64(9);
        for _ in 0..2000 {
            let (plate, colour, _) = chinese_plate(&mut rng);
            let colour = PlateColour::parse(colour).unwrap();
            let read = read_plate(Country::China, &plate, colour);
            assert!(
                matches!(read, Ok(PlateReading::Read(_))),
                "{plate}: {read:?}"
            );
            let (plate, colour, _) = vietnamese_plate(&mut rng);
            let colour = PlateColour::parse(colour).unwrap();
            match read_plate(Country::Vietnam, &plate, colour) {
                Ok(PlateReading::Read(p)) => assert_eq!(p.number, plate),
                other => panic!("{plate}: {other:?}"),
            }
        }
    }

    #[test]
    fn plates_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plates.txt");
        std::fs::write(
            &path,
            "plate,colour\n浙E12345\n浙ED12345 # new energy\n74A-123.45,white\n",
        )
        .unwrap();
        let p = load_plates(&path).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].colour, "green");
        assert_eq!(p[2].country, Country::Vietnam);
        std::fs::write(&path, "浙E1234\n").unwrap();
        assert!(load_plates(&path).is_err());
    }
}
