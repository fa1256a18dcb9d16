//! The files the story hands in: synthetic MP4s, one playable WAV, and the docking station's
//! upload (create, one append, stored).

use std::collections::HashMap;

use axum::body::Body;
use chrono::{DateTime, Duration, Utc};
use roadwarden_server::auth::Principal;
use roadwarden_server::services::evidence::upload;

use super::{Scene, TZ};

/// A synthetic MP4: a real `ftyp` box, then noise derived from `seed`.
pub(super) fn mp4(len: usize, seed: u32) -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2".to_vec();
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    v.reserve(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

/// A playable WAV (8 kHz, 16-bit mono) of `secs` seconds: a soft hum whose pitch steps every
/// few seconds, so seeking is audible.
pub(super) fn wav(secs: u32) -> Vec<u8> {
    const RATE: u32 = 8000;
    let samples = RATE * secs;
    let data_len = samples * 2;
    let mut v = Vec::with_capacity(44 + data_len as usize);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&RATE.to_le_bytes());
    v.extend_from_slice(&(RATE * 2).to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let t = f64::from(i) / f64::from(RATE);
        let pitch = 220.0 + 55.0 * f64::from((i / (RATE * 5)) % 6);
        let s = (t * pitch * std::f64::consts::TAU).sin() * 3000.0;
        v.extend_from_slice(&(s as i16).to_le_bytes());
    }
    v
}

/// Who carried which recorder on a duty, when the duty ended and when its files were handed
/// in: what the clips of one duty share.
pub(super) struct Shift {
    pub recorder: &'static str,
    pub officer: &'static str,
    pub duty_ended: DateTime<Utc>,
    pub handed_in: DateTime<Utc>,
}

/// One file handed in from a recorder.
pub(super) struct Clip {
    pub recorder: &'static str,
    pub officer: &'static str,
    pub activity: &'static str,
    pub place: &'static str,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
    pub duty_ended: DateTime<Utc>,
    pub handed_in: DateTime<Utc>,
    pub case_ref: &'static str,
    pub restriction: &'static str,
    pub bytes: Vec<u8>,
    pub ext: &'static str,
}

impl Scene<'_> {
    /// A synthetic MP4 recorded on `shift` from `started` to `ended`, with its own bytes.
    pub(super) fn clip(
        &mut self,
        shift: &Shift,
        activity: &'static str,
        place: &'static str,
        started: DateTime<Utc>,
        ended: DateTime<Utc>,
    ) -> Clip {
        self.seed += 1;
        let seed = self.seed;
        Clip {
            recorder: shift.recorder,
            officer: shift.officer,
            activity,
            place,
            started,
            ended,
            duty_ended: shift.duty_ended,
            handed_in: shift.handed_in,
            case_ref: "",
            restriction: "",
            bytes: mp4(180_000 + (seed as usize % 5) * 40_000, seed),
            ext: "MP4",
        }
    }

    /// Files a clip the way the docking station's upload does: create, one append, stored.
    pub(super) async fn hand_in(&self, clip: Clip) -> anyhow::Result<i64> {
        self.hand_in_by(&self.people.admin, clip).await
    }

    /// As [`Scene::hand_in`], by the recorder administrator `admin`.
    pub(super) async fn hand_in_by(&self, admin: &Principal, clip: Clip) -> anyhow::Result<i64> {
        let state = self.state;
        self.at(clip.handed_in + Duration::minutes(20));
        let name = format!(
            "{}_{}_{}.{}",
            clip.recorder,
            clip.started.with_timezone(&TZ).format("%Y%m%d%H%M%S"),
            clip.ended.with_timezone(&TZ).format("%Y%m%d%H%M%S"),
            clip.ext
        );
        let raw: HashMap<String, String> = [
            ("filename", name),
            ("officer", clip.officer.to_owned()),
            ("recorder", clip.recorder.to_owned()),
            ("activity", clip.activity.to_owned()),
            ("place", clip.place.to_owned()),
            ("case_ref", clip.case_ref.to_owned()),
            ("restriction", clip.restriction.to_owned()),
            ("started_at", clip.started.to_rfc3339()),
            ("ended_at", clip.ended.to_rfc3339()),
            ("duty_ended_at", clip.duty_ended.to_rfc3339()),
            ("handed_in_at", clip.handed_in.to_rfc3339()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let meta = &self.meta;
        let len = clip.bytes.len() as u64;
        let created = upload::create(state, admin, meta, len, &raw).await?;
        let done =
            upload::append(state, admin, meta, &created.id, 0, Body::from(clip.bytes)).await?;
        done.evidence_id
            .ok_or_else(|| anyhow::anyhow!("demo footage was not stored"))
    }
}
