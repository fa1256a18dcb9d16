//! BWC-02, BWC-05, BWC-07: what a footage file is, and whether it arrived in time.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// BWC-02: the duties that must be recorded from start to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    RoadsideInspection,
    SeizureOrEvidenceCollection,
    ArrestOrEscort,
    InvestigationOrOnTheSpotPenalty,
    TrafficViolationAccidentCheckpoint,
    Inspection,
    PetitionReception,
    GroupIncident,
    OtherFieldEnforcement,
}

impl Activity {
    pub const ALL: [Activity; 9] = [
        Activity::RoadsideInspection,
        Activity::SeizureOrEvidenceCollection,
        Activity::ArrestOrEscort,
        Activity::InvestigationOrOnTheSpotPenalty,
        Activity::TrafficViolationAccidentCheckpoint,
        Activity::Inspection,
        Activity::PetitionReception,
        Activity::GroupIncident,
        Activity::OtherFieldEnforcement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Activity::RoadsideInspection => "roadside_inspection",
            Activity::SeizureOrEvidenceCollection => "seizure_or_evidence_collection",
            Activity::ArrestOrEscort => "arrest_or_escort",
            Activity::InvestigationOrOnTheSpotPenalty => "investigation_or_on_the_spot_penalty",
            Activity::TrafficViolationAccidentCheckpoint => "traffic_violation_accident_checkpoint",
            Activity::Inspection => "inspection",
            Activity::PetitionReception => "petition_reception",
            Activity::GroupIncident => "group_incident",
            Activity::OtherFieldEnforcement => "other_field_enforcement",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("activity", "is not a duty type of BWC-02"))
    }
}

/// What kind of media a file is, read from its first bytes (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Video,
    Audio,
    Image,
}

impl MediaKind {
    pub const ALL: [MediaKind; 3] = [MediaKind::Video, MediaKind::Audio, MediaKind::Image];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Image => "image",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("media_kind", "must be video, audio or image"))
    }
}

crate::stored_as_text!(Activity, MediaKind);

/// A recognised container: the kind and the MIME type served to players.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub kind: MediaKind,
    pub mime: &'static str,
}

/// How many leading bytes [`sniff`] needs.
pub const SNIFF_LEN: usize = 192;

/// Reads a file's type from its first bytes. Recorders write MP4/MOV, AVI, MPEG-TS or MKV
/// video, WAV/MP3/AAC audio and JPEG/PNG stills; anything else is refused at the edge.
pub fn sniff(head: &[u8]) -> Result<Sniffed, FieldError> {
    let video = |mime| {
        Ok(Sniffed {
            kind: MediaKind::Video,
            mime,
        })
    };
    let audio = |mime| {
        Ok(Sniffed {
            kind: MediaKind::Audio,
            mime,
        })
    };
    let image = |mime| {
        Ok(Sniffed {
            kind: MediaKind::Image,
            mime,
        })
    };
    match head {
        [_, _, _, _, b'f', b't', b'y', b'p', b'q', b't', ..] => video("video/quicktime"),
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => video("video/mp4"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'A', b'V', b'I', b' ', ..] => {
            video("video/x-msvideo")
        }
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => audio("audio/wav"),
        [0x1a, 0x45, 0xdf, 0xa3, ..] => video("video/x-matroska"),
        // MPEG-TS: a sync byte every 188 bytes.
        [0x47, ..] if head.get(188) == Some(&0x47) => video("video/mp2t"),
        [b'I', b'D', b'3', ..] | [0xff, 0xfb | 0xf3 | 0xf2, ..] => audio("audio/mpeg"),
        [0xff, 0xf1 | 0xf9, ..] => audio("audio/aac"),
        [0xff, 0xd8, 0xff, ..] => image("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => image("image/png"),
        _ => Err(FieldError::new(
            "file",
            "is not a video, audio or image file this system keeps",
        )),
    }
}

/// BWC-05: footage reaches the recorder administrator within 24 hours after the duty, and the
/// central store within 24 hours after that.
pub const HAND_IN_HOURS: i64 = 24;
pub const STORAGE_HOURS: i64 = 24;

/// BWC-05: which of the two 24-hour steps was missed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lateness {
    /// Handed in more than 24 hours after the duty ended.
    pub late_hand_in: bool,
    /// Stored more than 24 hours after it was handed in.
    pub late_storage: bool,
}

impl Lateness {
    pub fn any(self) -> bool {
        self.late_hand_in || self.late_storage
    }
}

pub fn lateness(
    duty_ended_at: DateTime<Utc>,
    handed_in_at: DateTime<Utc>,
    stored_at: DateTime<Utc>,
) -> Lateness {
    Lateness {
        late_hand_in: handed_in_at - duty_ended_at > Duration::hours(HAND_IN_HOURS),
        late_storage: stored_at - handed_in_at > Duration::hours(STORAGE_HOURS),
    }
}

/// The recorder's own description of a file, checked at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duty_ended_at: DateTime<Utc>,
    pub handed_in_at: DateTime<Utc>,
}

/// A single recording longer than this is a bad clock or a bad form, not a duty.
pub const MAX_RECORDING_HOURS: i64 = 24;

/// BWC-02, BWC-05: the times must make sense together and none may lie in the future.
pub fn check_times(r: &Recording, now: DateTime<Utc>) -> Result<(), FieldError> {
    if r.ended_at < r.started_at {
        return Err(FieldError::new("ended_at", "is before started_at"));
    }
    if r.ended_at - r.started_at > Duration::hours(MAX_RECORDING_HOURS) {
        return Err(FieldError::new(
            "ended_at",
            "a recording cannot last more than 24 hours",
        ));
    }
    // A few minutes of clock skew between recorder, dock and server are tolerated.
    let skew = Duration::minutes(5);
    for (field, t) in [
        ("started_at", r.started_at),
        ("ended_at", r.ended_at),
        ("duty_ended_at", r.duty_ended_at),
        ("handed_in_at", r.handed_in_at),
    ] {
        if t > now + skew {
            return Err(FieldError::new(field, "is in the future"));
        }
    }
    if r.duty_ended_at < r.ended_at - skew {
        return Err(FieldError::new(
            "duty_ended_at",
            "is before the recording ended",
        ));
    }
    if r.handed_in_at < r.duty_ended_at - skew {
        return Err(FieldError::new("handed_in_at", "is before the duty ended"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    #[test]
    fn bwc_02_duty_types_round_trip() {
        for a in Activity::ALL {
            assert_eq!(Activity::parse(a.as_str()).unwrap(), a);
        }
        assert_eq!(Activity::parse("lunch").unwrap_err().field, "activity");
    }

    #[test]
    fn bwc_05_late_hand_in_and_late_storage_are_flagged_separately() {
        let ok = lateness(t(0), t(24), t(48));
        assert!(!ok.any());
        let late_in = lateness(t(0), t(25), t(26));
        assert!(late_in.late_hand_in && !late_in.late_storage);
        let late_store = lateness(t(0), t(2), t(27));
        assert!(!late_store.late_hand_in && late_store.late_storage);
    }

    #[test]
    fn bwc_02_recording_times_are_checked() {
        let good = Recording {
            started_at: t(0),
            ended_at: t(2),
            duty_ended_at: t(2),
            handed_in_at: t(3),
        };
        assert!(check_times(&good, t(4)).is_ok());
        let backwards = Recording {
            ended_at: t(-1),
            ..good
        };
        assert_eq!(check_times(&backwards, t(4)).unwrap_err().field, "ended_at");
        let future = Recording {
            handed_in_at: t(10),
            ..good
        };
        assert_eq!(
            check_times(&future, t(4)).unwrap_err().field,
            "handed_in_at"
        );
        let hand_in_before_duty = Recording {
            handed_in_at: t(1),
            ..good
        };
        assert_eq!(
            check_times(&hand_in_before_duty, t(4)).unwrap_err().field,
            "handed_in_at"
        );
    }

    #[test]
    fn bwc_07_only_video_audio_and_images_are_accepted() {
        let mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00";
        assert_eq!(sniff(mp4).unwrap().kind, MediaKind::Video);
        assert_eq!(sniff(mp4).unwrap().mime, "video/mp4");
        assert_eq!(
            sniff(b"RIFF\x10\x00\x00\x00WAVEfmt ").unwrap().kind,
            MediaKind::Audio
        );
        assert_eq!(
            sniff(b"RIFF\x10\x00\x00\x00AVI LIST").unwrap().mime,
            "video/x-msvideo"
        );
        assert_eq!(
            sniff(&[0xff, 0xd8, 0xff, 0xe0]).unwrap().kind,
            MediaKind::Image
        );
        assert_eq!(sniff(b"ID3\x04").unwrap().mime, "audio/mpeg");
        assert!(sniff(b"%PDF-1.7").is_err());
        assert!(sniff(b"MZ\x90\x00").is_err());
        assert!(sniff(b"").is_err());
        let mut ts = vec![0u8; 200];
        ts[0] = 0x47;
        ts[188] = 0x47;
        assert_eq!(sniff(&ts).unwrap().mime, "video/mp2t");
        assert!(sniff(b"Good morning").is_err());
    }
}
