//! RID-01, RID-03: a rider event as a capture point sends it, and its checks: the violation,
//! the time (with its offset), the place, the photos, and a clip that must be video covering
//! 6 s before to 1 s after the violation when the point states its span.

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::capture::intake::{check_capture_time, check_coordinates};
use roadwarden_domain::device::text;
use roadwarden_domain::rider::RiderViolation;
use roadwarden_domain::FieldError;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::FaceSettings;

/// A rider event (JSON, with the photos and the clip inline as base64; the multipart form
/// carries the same fields in an `event` part and the files as parts `face`, `scene`, `clip`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiderEventInput {
    /// The point's own id for the event; the same id twice is the same event, taken once.
    pub event_id: Option<String>,
    /// no_helmet, wrong_way or red_light.
    pub violation: String,
    /// RFC 3339 with an offset, e.g. `2026-11-23T08:14:03+08:00`.
    pub occurred_at: String,
    /// Defaults to the point's registered place.
    pub place: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    /// The face photo (JPEG or PNG), base64 (JSON only).
    pub face_photo: Option<String>,
    /// The scene photo, base64 (JSON only).
    pub scene_photo: Option<String>,
    /// The clip from 6 s before to 1 s after (MP4, Matroska/WebM, MPEG-TS, AVI or FLV),
    /// base64 (JSON only).
    pub clip: Option<String>,
    /// Where the clip starts and ends, when the point says (RFC 3339): it must cover 6 s before
    /// to 1 s after the violation.
    pub clip_started_at: Option<String>,
    pub clip_ended_at: Option<String>,
}

/// The files of an event, however they came.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub face: Option<Bytes>,
    pub scene: Option<Bytes>,
    pub clip: Option<Bytes>,
}

/// Takes the inline base64 files out of a JSON event.
pub fn inline_files(input: &mut RiderEventInput) -> Result<Files, FieldError> {
    use base64::Engine;
    let decode = |field: &'static str, data: Option<String>| {
        data.map(|d| {
            base64::engine::general_purpose::STANDARD
                .decode(d.trim())
                .map(Bytes::from)
                .map_err(|_| FieldError::new(field, "must be base64"))
        })
        .transpose()
    };
    Ok(Files {
        face: decode("face_photo", input.face_photo.take())?,
        scene: decode("scene_photo", input.scene_photo.take())?,
        clip: decode("clip", input.clip.take())?,
    })
}

/// The event's fields, checked.
#[derive(Debug, Clone)]
pub struct Checked {
    pub event_key: String,
    pub violation: RiderViolation,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

/// RID-03: the clip's span around the violation.
pub const CLIP_BEFORE_SECS: i64 = 6;
pub const CLIP_AFTER_SECS: i64 = 1;

pub fn check(
    input: &RiderEventInput,
    files: &Files,
    default_place: &str,
    face: &FaceSettings,
    future_tolerance: Duration,
    now: DateTime<Utc>,
) -> Result<Checked, FieldError> {
    let violation = RiderViolation::parse(&input.violation)?;
    let occurred_at = time("occurred_at", &input.occurred_at)?;
    check_capture_time(occurred_at, now, future_tolerance)
        .map_err(|_| FieldError::new("occurred_at", "lies in the future beyond the tolerance"))?;
    check_coordinates(input.longitude, input.latitude)?;
    let place = text(
        "place",
        input.place.as_deref().unwrap_or(default_place),
        200,
        false,
    )?;
    let Some(face_photo) = &files.face else {
        return Err(FieldError::new(
            "face_photo",
            "every rider event carries the face photo (RID-03)",
        ));
    };
    for (field, photo) in [
        ("face_photo", Some(face_photo)),
        ("scene_photo", files.scene.as_ref()),
    ] {
        if photo.is_some_and(|p| p.len() > face.max_photo_bytes) {
            return Err(FieldError::new(
                field,
                format!("may be at most {} bytes", face.max_photo_bytes),
            ));
        }
    }
    if let Some(clip) = &files.clip {
        if clip.len() > face.max_clip_bytes {
            return Err(FieldError::new(
                "clip",
                format!("may be at most {} bytes", face.max_clip_bytes),
            ));
        }
        if video_container(clip).is_none() {
            return Err(FieldError::new(
                "clip",
                "is not a video (MP4/MOV, Matroska/WebM, MPEG-TS, AVI or FLV) (RID-03)",
            ));
        }
    }
    check_clip_span(input, occurred_at)?;
    let event_key = match input
        .event_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => text("event_id", id, 128, true)?,
        // No id from the point: the digest of what makes the event, so a resend of the same
        // bytes is still the same event.
        None => {
            let mut h = Sha256::new();
            h.update(occurred_at.to_rfc3339().as_bytes());
            h.update(violation.as_str().as_bytes());
            h.update(Sha256::digest(face_photo));
            format!("sha256:{}", hex::encode(h.finalize()))
        }
    };
    Ok(Checked {
        event_key,
        violation,
        occurred_at,
        place,
        longitude: input.longitude,
        latitude: input.latitude,
    })
}

fn time(field: &'static str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                field,
                "must be a time with its offset, e.g. 2026-11-23T08:14:03+08:00",
            )
        })
}

fn check_clip_span(input: &RiderEventInput, at: DateTime<Utc>) -> Result<(), FieldError> {
    let start = input
        .clip_started_at
        .as_deref()
        .map(|t| time("clip_started_at", t))
        .transpose()?;
    let end = input
        .clip_ended_at
        .as_deref()
        .map(|t| time("clip_ended_at", t))
        .transpose()?;
    if start.is_some_and(|s| s > at - Duration::seconds(CLIP_BEFORE_SECS)) {
        return Err(FieldError::new(
            "clip_started_at",
            "the clip must start at least 6 s before the violation (RID-03)",
        ));
    }
    if end.is_some_and(|e| e < at + Duration::seconds(CLIP_AFTER_SECS)) {
        return Err(FieldError::new(
            "clip_ended_at",
            "the clip must end at least 1 s after the violation (RID-03)",
        ));
    }
    Ok(())
}

/// The video container the bytes start with, by its signature; `None` for anything else.
pub fn video_container(b: &[u8]) -> Option<&'static str> {
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return Some("mp4");
    }
    if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some("matroska");
    }
    if b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"AVI " {
        return Some("avi");
    }
    if b.starts_with(b"FLV") {
        return Some("flv");
    }
    // MPEG-TS: the sync byte every 188 bytes, for the first few packets.
    if b.len() >= 188 * 3 && (0..3).all(|i| b[i * 188] == 0x47) {
        return Some("mpeg-ts");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_03_only_video_containers_are_clips() {
        let mut mp4 = vec![0, 0, 0, 0x18];
        mp4.extend(b"ftypisom\0\0\x02\0");
        assert_eq!(video_container(&mp4), Some("mp4"));
        assert_eq!(
            video_container(&[0x1A, 0x45, 0xDF, 0xA3, 1]),
            Some("matroska")
        );
        let ts: Vec<u8> = (0..188 * 3)
            .map(|i| if i % 188 == 0 { 0x47 } else { 0 })
            .collect();
        assert_eq!(video_container(&ts), Some("mpeg-ts"));
        assert_eq!(video_container(b"\xFF\xD8\xFF\xE0 a jpeg"), None);
        assert_eq!(video_container(b"hello"), None);
        assert_eq!(video_container(b""), None);
    }
}
