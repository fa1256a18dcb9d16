//! DEV-09: where a device stands, recorded precisely: road, kilometre marker, longitude and
//! latitude; on expressways and national or provincial roads also the nearest village.

use crate::codes::Code;
use serde::{Deserialize, Serialize};

use super::{geo, text};
use crate::org::Country;
use crate::{FieldError, RuleViolation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoadClass {
    Expressway,
    National,
    Provincial,
    County,
    Township,
    /// City streets: an intersection or address takes the place of a kilometre marker.
    Urban,
}

impl RoadClass {
    pub const ALL: [RoadClass; 6] = [
        RoadClass::Expressway,
        RoadClass::National,
        RoadClass::Provincial,
        RoadClass::County,
        RoadClass::Township,
        RoadClass::Urban,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoadClass::Expressway => "expressway",
            RoadClass::National => "national",
            RoadClass::Provincial => "provincial",
            RoadClass::County => "county",
            RoadClass::Township => "township",
            RoadClass::Urban => "urban",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("road_class", "is not a known road class"))
    }

    /// Long roads where the nearest village must be named (DEV-09).
    pub fn needs_village(self) -> bool {
        matches!(
            self,
            RoadClass::Expressway | RoadClass::National | RoadClass::Provincial
        )
    }
}

/// What a form or ledger row says about a place, before checking.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LocationInput {
    pub road: String,
    pub road_class: String,
    #[serde(default)]
    pub km_marker: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub nearest_village: String,
    #[serde(default)]
    pub direction: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

/// A checked location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub road: String,
    pub road_class: RoadClass,
    /// As written, normalised to `K<km>+<metres>`, e.g. `K123+450`.
    pub km_marker: String,
    pub place: String,
    pub nearest_village: String,
    pub direction: String,
    pub longitude: f64,
    pub latitude: f64,
}

impl Location {
    /// DEV-09 for a device in `country`.
    pub fn parse(input: &LocationInput, country: Country) -> Result<Self, LocationError> {
        let road = text("road", &input.road, 100, true)?;
        let road_class = RoadClass::parse(&input.road_class)?;
        let km_raw = text("km_marker", &input.km_marker, 20, false)?;
        let place = text("place", &input.place, 200, false)?;
        let nearest_village = text("nearest_village", &input.nearest_village, 100, false)?;
        let direction = text("direction", &input.direction, 50, false)?;
        let km_marker = if km_raw.is_empty() {
            if road_class != RoadClass::Urban {
                return Err(LocationError::Rule(RuleViolation::new(
                    "DEV-09",
                    Code::DeviceKmMarkerRequired,
                    "a kilometre marker (e.g. K123+450) is required outside city streets",
                )));
            }
            String::new()
        } else {
            normalise_km_marker(&km_raw)?
        };
        if road_class == RoadClass::Urban && km_marker.is_empty() && place.is_empty() {
            return Err(FieldError::new(
                "place",
                "name the intersection or address of a city-street device",
            )
            .into());
        }
        if road_class.needs_village() && nearest_village.is_empty() {
            return Err(LocationError::Rule(RuleViolation::new(
                "DEV-09",
                Code::DeviceVillageRequired,
                "on expressways and national or provincial roads the nearest village is required",
            )));
        }
        let longitude = input
            .longitude
            .ok_or_else(|| FieldError::new("longitude", "is required"))?;
        let latitude = input
            .latitude
            .ok_or_else(|| FieldError::new("latitude", "is required"))?;
        if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
            return Err(FieldError::new("longitude", "must be between -180 and 180").into());
        }
        if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
            return Err(FieldError::new("latitude", "must be between -90 and 90").into());
        }
        if !geo::in_country(country, longitude, latitude) {
            return Err(LocationError::Rule(RuleViolation::new(
                "DEV-09",
                Code::DeviceCoordinatesOutsideCountry,
                format!(
                    "longitude {longitude}, latitude {latitude} lies outside {} (are longitude and latitude swapped?)",
                    country.code()
                ),
            )));
        }
        Ok(Self {
            road,
            road_class,
            km_marker,
            place,
            nearest_village,
            direction,
            longitude: round6(longitude),
            latitude: round6(latitude),
        })
    }
}

/// About 10 cm: more digits are noise from the device's GPS.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// `K123+450`, `k123+45`, `123+450` and `123.45` (kilometres) all mean 123 km 450 m.
pub fn normalise_km_marker(raw: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new("km_marker", "must look like K123+450 (kilometre + metres)");
    let s = raw.trim().trim_start_matches(['K', 'k']);
    let (km, m) = if let Some((km, m)) = s.split_once('+') {
        let km: u32 = km.trim().parse().map_err(|_| bad())?;
        let m_str = m.trim();
        if m_str.is_empty() || m_str.len() > 3 || !m_str.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let m: u32 = m_str.parse().map_err(|_| bad())?;
        (km, m)
    } else if let Some((km, frac)) = s.split_once('.') {
        let km: u32 = km.trim().parse().map_err(|_| bad())?;
        if frac.is_empty() || frac.len() > 3 || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let m: u32 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
        (km, m)
    } else {
        (s.trim().parse().map_err(|_| bad())?, 0)
    };
    if km > 9999 || m > 999 {
        return Err(bad());
    }
    Ok(format!("K{km}+{m:03}"))
}

/// A location can fail as bad input (a field) or as a rule (DEV-09).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationError {
    Field(FieldError),
    Rule(RuleViolation),
}

impl From<FieldError> for LocationError {
    fn from(e: FieldError) -> Self {
        LocationError::Field(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LocationInput {
        LocationInput {
            road: "G104".into(),
            road_class: "national".into(),
            km_marker: "k1532+40".into(),
            nearest_village: "林城镇大云寺村".into(),
            longitude: Some(119.8312345678),
            latitude: Some(30.9567),
            ..LocationInput::default()
        }
    }

    #[test]
    fn dev_09_location_is_recorded_precisely() {
        let loc = Location::parse(&input(), Country::China).unwrap();
        assert_eq!(loc.km_marker, "K1532+040");
        assert_eq!(loc.longitude, 119.831235);
        // The nearest village is required on national roads.
        let mut no_village = input();
        no_village.nearest_village.clear();
        assert!(matches!(
            Location::parse(&no_village, Country::China),
            Err(LocationError::Rule(RuleViolation { rule: "DEV-09", .. }))
        ));
        // Not on city streets, where a place replaces the kilometre marker.
        let urban = LocationInput {
            road: "明珠路".into(),
            road_class: "urban".into(),
            place: "明珠路与长兴大道交叉口".into(),
            longitude: Some(119.91),
            latitude: Some(31.01),
            ..LocationInput::default()
        };
        assert!(Location::parse(&urban, Country::China).is_ok());
        // Coordinates outside the unit's country, or swapped.
        let mut swapped = input();
        swapped.longitude = Some(30.9567);
        swapped.latitude = Some(119.83);
        assert!(Location::parse(&swapped, Country::China).is_err());
        let mut hanoi = input();
        hanoi.longitude = Some(105.85);
        hanoi.latitude = Some(21.03);
        assert!(matches!(
            Location::parse(&hanoi, Country::China),
            Err(LocationError::Rule(RuleViolation {
                code: Code::DeviceCoordinatesOutsideCountry,
                ..
            }))
        ));
        let mut missing = input();
        missing.km_marker.clear();
        assert!(Location::parse(&missing, Country::China).is_err());
    }

    #[test]
    fn km_markers_are_normalised() {
        assert_eq!(normalise_km_marker("K12+5").unwrap(), "K12+005");
        assert_eq!(normalise_km_marker("12.45").unwrap(), "K12+450");
        assert_eq!(normalise_km_marker("7").unwrap(), "K7+000");
        for bad in ["K12+", "K+12", "abc", "K12+1000", "K-1+000"] {
            assert!(normalise_km_marker(bad).is_err(), "{bad}");
        }
    }
}
