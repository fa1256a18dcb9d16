//! DEV-09: is a point inside the unit's country? Coarse outlines (about 30 km of slack), good
//! enough to catch swapped coordinates, a sign error or a point in the neighbouring country,
//! never to settle a border. Points are (longitude, latitude) in WGS-84 degrees.

use crate::org::Country;

/// Mainland Viet Nam, clockwise from the northern tip, slightly offshore along the coast.
const VIET_NAM: &[(f64, f64)] = &[
    (105.35, 23.45),
    (106.70, 22.90),
    (106.70, 22.05),
    (108.10, 21.55),
    (108.20, 21.30),
    (107.10, 20.60),
    (106.10, 19.70),
    (105.95, 18.75),
    (106.75, 17.55),
    (107.80, 16.50),
    (108.50, 15.90),
    (109.40, 13.70),
    (109.45, 12.10),
    (109.20, 11.40),
    (107.30, 10.20),
    (106.80, 9.50),
    (105.20, 8.40),
    (104.60, 8.60),
    (104.70, 9.90),
    (104.40, 10.45),
    (105.10, 10.95),
    (105.90, 11.60),
    (106.45, 12.00),
    (107.55, 12.35),
    (107.55, 14.60),
    (107.60, 15.40),
    (107.10, 16.20),
    (106.55, 16.55),
    (105.60, 17.90),
    (105.10, 18.70),
    (103.95, 19.20),
    (104.10, 20.40),
    (103.20, 20.70),
    (102.15, 21.40),
    (102.15, 22.45),
    (103.00, 22.80),
    (103.95, 22.55),
    (104.80, 23.20),
];

/// Mainland China with Hainan, clockwise from the north-east.
const CHINA: &[(f64, f64)] = &[
    (134.80, 48.40),
    (133.00, 45.10),
    (131.20, 44.80),
    (131.20, 43.30),
    (130.60, 42.40),
    (128.10, 42.00),
    (124.40, 40.00),
    (124.30, 39.70),
    (121.10, 38.60),
    (122.80, 37.40),
    (120.40, 35.80),
    (119.40, 34.60),
    (122.10, 31.70),
    (122.40, 29.90),
    (121.90, 28.80),
    (120.80, 27.40),
    (119.80, 25.40),
    (118.20, 24.30),
    (116.80, 23.20),
    (114.30, 22.10),
    (113.50, 22.00),
    (111.00, 21.40),
    (111.20, 19.80),
    (110.50, 18.50),
    (109.50, 17.95),
    (108.45, 18.35),
    (108.45, 19.40),
    (109.60, 20.10),
    (109.60, 21.30),
    (109.10, 21.40),
    (108.20, 21.55),
    (108.00, 21.60),
    (106.75, 21.98),
    (106.75, 22.92),
    (105.90, 23.00),
    (105.30, 23.38),
    (104.00, 22.62),
    (102.40, 22.55),
    (101.70, 21.20),
    (100.20, 21.40),
    (99.20, 22.10),
    (98.70, 24.10),
    (97.50, 23.90),
    (97.60, 25.40),
    (98.70, 27.50),
    (97.30, 28.20),
    (96.00, 29.40),
    (92.00, 27.80),
    (89.50, 28.20),
    (88.90, 27.40),
    (88.10, 27.90),
    (86.00, 28.00),
    (84.00, 28.60),
    (82.00, 30.00),
    (81.00, 30.30),
    (79.00, 31.30),
    (78.70, 32.50),
    (79.20, 33.20),
    (78.80, 34.30),
    (78.00, 35.50),
    (75.50, 36.80),
    (74.50, 37.30),
    (73.50, 39.40),
    (75.60, 40.60),
    (76.90, 41.00),
    (80.20, 42.10),
    (80.40, 44.90),
    (82.60, 45.30),
    (83.00, 47.20),
    (85.60, 47.10),
    (86.80, 48.80),
    (87.80, 49.20),
    (90.00, 47.90),
    (91.00, 46.00),
    (93.50, 44.90),
    (95.40, 44.30),
    (96.40, 42.80),
    (100.00, 42.60),
    (105.00, 41.60),
    (110.40, 42.80),
    (111.90, 43.70),
    (114.50, 44.80),
    (116.70, 46.40),
    (117.70, 46.60),
    (119.90, 46.70),
    (117.50, 47.70),
    (115.60, 47.90),
    (116.70, 49.85),
    (117.80, 49.50),
    (119.20, 50.30),
    (120.10, 51.70),
    (121.50, 53.30),
    (123.50, 53.55),
    (125.60, 53.10),
    (127.30, 50.70),
    (130.60, 48.90),
    (132.50, 47.70),
];

/// Whether (`lon`, `lat`) lies inside `country`'s outline.
pub fn in_country(country: Country, lon: f64, lat: f64) -> bool {
    match country {
        Country::China => in_polygon(CHINA, lon, lat) && !in_polygon(VIET_NAM, lon, lat),
        Country::Vietnam => in_polygon(VIET_NAM, lon, lat),
    }
}

/// Ray casting: count edge crossings of a ray going east from the point.
fn in_polygon(outline: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = outline.len() - 1;
    for (i, &(xi, yi)) in outline.iter().enumerate() {
        let (xj, yj) = outline[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_fall_in_their_own_country_only() {
        let china = [
            ("Beijing", 116.40, 39.90),
            ("Changxing", 119.91, 31.01),
            ("Huzhou", 120.09, 30.89),
            ("Urumqi", 87.62, 43.83),
            ("Lhasa", 91.11, 29.65),
            ("Kunming", 102.71, 25.04),
            ("Harbin", 126.63, 45.75),
            ("Haikou", 110.33, 20.03),
            ("Sanya", 109.51, 18.25),
            ("Guangzhou", 113.26, 23.13),
            ("Kashgar", 75.99, 39.47),
            ("Mengzi", 103.38, 23.37),
            ("Pingxiang", 106.75, 22.10),
        ];
        let viet_nam = [
            ("Hanoi", 105.85, 21.03),
            ("Dong Ha", 107.10, 16.82),
            ("Gio Linh", 107.07, 16.94),
            ("Hue", 107.59, 16.46),
            ("Ho Chi Minh City", 106.70, 10.78),
            ("Ca Mau", 105.15, 9.18),
            ("Lao Cai", 103.97, 22.48),
            ("Mong Cai", 107.97, 21.53),
            ("Lang Son", 106.76, 21.85),
            ("Da Nang", 108.21, 16.05),
        ];
        for (name, lon, lat) in china {
            assert!(in_country(Country::China, lon, lat), "{name} in China");
            assert!(
                !in_country(Country::Vietnam, lon, lat),
                "{name} not in Viet Nam"
            );
        }
        for (name, lon, lat) in viet_nam {
            assert!(in_country(Country::Vietnam, lon, lat), "{name} in Viet Nam");
            assert!(!in_country(Country::China, lon, lat), "{name} not in China");
        }
        for (name, lon, lat) in [
            ("Ulaanbaatar", 106.91, 47.92),
            ("Pyongyang", 125.75, 39.03),
            ("Seoul", 126.98, 37.57),
            ("Kathmandu", 85.32, 27.72),
            ("Vientiane", 102.63, 17.97),
            ("Phnom Penh", 104.92, 11.56),
            ("Null Island", 0.0, 0.0),
            ("Swapped Changxing", 31.01, 119.91),
        ] {
            assert!(!in_country(Country::China, lon, lat), "{name} not in China");
            assert!(
                !in_country(Country::Vietnam, lon, lat),
                "{name} not in Viet Nam"
            );
        }
    }
}
