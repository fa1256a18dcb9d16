//! DEV-01: the kinds of device, with what each kind implies for its lifecycle.

use serde::{Deserialize, Serialize};

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    FixedEnforcement,
    MobileEnforcement,
    Speed,
    PlateRecognition,
    TrafficCounting,
    Surveillance,
    EbikeCapture,
    BodyWornRecorder,
    /// Handheld police terminals (警务通, tablets and phones): they receive violations from the
    /// centre and send results back, and officers capture violations with them (CAP-00 names
    /// the handheld police terminal as a capture source), so their captures can become fines.
    SupportTerminal,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 9] = [
        DeviceKind::FixedEnforcement,
        DeviceKind::MobileEnforcement,
        DeviceKind::Speed,
        DeviceKind::PlateRecognition,
        DeviceKind::TrafficCounting,
        DeviceKind::Surveillance,
        DeviceKind::EbikeCapture,
        DeviceKind::BodyWornRecorder,
        DeviceKind::SupportTerminal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::FixedEnforcement => "fixed_enforcement",
            DeviceKind::MobileEnforcement => "mobile_enforcement",
            DeviceKind::Speed => "speed",
            DeviceKind::PlateRecognition => "plate_recognition",
            DeviceKind::TrafficCounting => "traffic_counting",
            DeviceKind::Surveillance => "surveillance",
            DeviceKind::EbikeCapture => "ebike_capture",
            DeviceKind::BodyWornRecorder => "body_worn_recorder",
            DeviceKind::SupportTerminal => "support_terminal",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("kind", "is not a known device kind (DEV-01)"))
    }

    /// The two-digit kind code inside a device number (DEV-08 interpretation).
    pub fn code(self) -> &'static str {
        match self {
            DeviceKind::FixedEnforcement => "01",
            DeviceKind::MobileEnforcement => "02",
            DeviceKind::Speed => "03",
            DeviceKind::PlateRecognition => "04",
            DeviceKind::TrafficCounting => "05",
            DeviceKind::Surveillance => "06",
            DeviceKind::EbikeCapture => "07",
            DeviceKind::BodyWornRecorder => "08",
            DeviceKind::SupportTerminal => "09",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether its captures can become penalties: such a device goes through public notice
    /// (when it stands at a fixed place) and a trial before formal use (DEV-04, DEV-05).
    pub fn enforces(self) -> bool {
        matches!(
            self,
            DeviceKind::FixedEnforcement
                | DeviceKind::MobileEnforcement
                | DeviceKind::Speed
                | DeviceKind::PlateRecognition
                | DeviceKind::EbikeCapture
                | DeviceKind::SupportTerminal
        )
    }

    /// Stands at one place: its location is published (DEV-04), it is registered with the
    /// command platform before formal use (DEV-07); the captures issue holds it to real-time upload.
    pub fn is_fixed(self) -> bool {
        matches!(
            self,
            DeviceKind::FixedEnforcement
                | DeviceKind::Speed
                | DeviceKind::PlateRecognition
                | DeviceKind::TrafficCounting
                | DeviceKind::Surveillance
                | DeviceKind::EbikeCapture
        )
    }

    /// A fixed device that enforces: the public notice of DEV-04 applies.
    pub fn needs_public_notice(self) -> bool {
        self.enforces() && self.is_fixed()
    }

    /// Measures a quantity (speed) and so needs a calibration certificate (DEV-13).
    pub fn measures_by_default(self) -> bool {
        self == DeviceKind::Speed
    }

    /// Has a place on a road (DEV-09); recorders and terminals travel with people.
    pub fn has_site(self) -> bool {
        !matches!(
            self,
            DeviceKind::BodyWornRecorder | DeviceKind::SupportTerminal
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_01_every_kind_of_the_regulations_is_known() {
        assert_eq!(DeviceKind::ALL.len(), 9);
        for k in DeviceKind::ALL {
            assert_eq!(DeviceKind::parse(k.as_str()).unwrap(), k);
            assert_eq!(DeviceKind::from_code(k.code()), Some(k));
        }
        assert!(DeviceKind::parse("drone").is_err());
        assert!(DeviceKind::FixedEnforcement.needs_public_notice());
        assert!(!DeviceKind::MobileEnforcement.needs_public_notice());
        assert!(!DeviceKind::Surveillance.enforces());
        assert!(DeviceKind::Speed.measures_by_default());
        assert!(!DeviceKind::BodyWornRecorder.has_site());
    }

    #[test]
    fn cap_00_a_handheld_police_terminal_is_a_capture_source() {
        // Its captures go through review and may become fines (after its trial, DEV-05)...
        assert!(DeviceKind::SupportTerminal.enforces());
        // ...but it stands nowhere, so there is no public notice of a place.
        assert!(!DeviceKind::SupportTerminal.needs_public_notice());
        assert!(!DeviceKind::SupportTerminal.has_site());
    }
}
