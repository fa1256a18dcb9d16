//! RID-05..11, SEC-08 through the API and the pages: rider files read for a purpose, the
//! identity acts, the task loop, the face base library and the township's assessment.
//!
//! Persons and events are made with the store's functions (intake's push is another area's):
//! a capture point, files in the village, events with photos in the blob store.

mod acts;
mod cockpit;
mod deadlines;
mod ferry;
mod library;
mod outside;
mod pages;
mod persons;
mod public;
mod reminders;
mod screened;
mod tasks;

use std::io::Cursor;

use chrono::{DateTime, Duration, TimeZone, Utc};
use roadwarden_domain::device::{DeviceKind, DeviceState};
use roadwarden_domain::rider::{MatchState, RiderViolation};
use roadwarden_domain::{DeviceId, RiderPersonId};
use roadwarden_store::devices::{self, DeviceFields, NewDevice};
use roadwarden_store::riders::events::{self, NewRiderEvent};
use roadwarden_store::riders::faces::{self, NewFaceVector};
use roadwarden_store::riders::persons::{self as person_rows, NewRiderPerson};
use roadwarden_store::units::Unit;
use roadwarden_testkit::World;
use serde_json::{json, Value};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
}

/// A small real JPEG (8x8 grey) made unique by a comment segment.
pub(crate) fn jpeg(n: u8) -> Vec<u8> {
    const GREY_8X8: &[u8] = include_bytes!("../../fixtures/grey_8x8.jpg");
    let mut b = GREY_8X8[..2].to_vec();
    b.extend([0xFF, 0xFE, 0x00, 0x12]);
    b.extend(std::iter::repeat_n(n, 16));
    b.extend(&GREY_8X8[2..]);
    b
}

pub(crate) struct Riders {
    pub w: World,
    /// An e-bike officer of the county.
    pub officer: String,
    /// A grid worker of the village.
    pub grid: String,
    /// The county's unit head (reads files, no phone, no faces).
    pub head: String,
    /// An e-bike officer of the sibling county (outside the village's scope).
    pub stranger: String,
    pub point: DeviceId,
}

pub(crate) async fn riders() -> Riders {
    riders_with(|_| {}).await
}

/// The riders' world with `adjust` applied to the settings (outside systems' addresses).
pub(crate) async fn riders_with(
    adjust: impl FnOnce(&mut roadwarden_server::config::Settings),
) -> Riders {
    let w = World::at(t0(), adjust).await;
    let officer = w
        .person(&w.o.county, "cx.ebike", 41, &["ebike_officer"])
        .await;
    let grid = w
        .person(&w.o.village, "v1.grid", 42, &["grid_worker"])
        .await;
    let head = w.person(&w.o.county, "cx.head", 43, &["unit_head"]).await;
    let stranger = w
        .person(&w.o.sibling_county, "sib.ebike", 44, &["ebike_officer"])
        .await;
    let point = capture_point(&w, &w.o.county.clone()).await;
    Riders {
        w,
        officer,
        grid,
        head,
        stranger,
        point,
    }
}

async fn capture_point(w: &World, u: &Unit) -> DeviceId {
    let mut tx = w.app.state.store.begin().await.unwrap();
    let id = devices::insert(
        &mut tx,
        &NewDevice {
            number: "330522070001".into(),
            kind: DeviceKind::EbikeCapture,
            unit_id: u.id,
            unit_path: u.path.clone(),
            fields: DeviceFields {
                name: "Jinling Road".into(),
                ..Default::default()
            },
            state: DeviceState::InUse,
            state_since: t0(),
            in_use_since: Some(t0()),
            evaluation_due_at: None,
            trial_min_end_at: None,
            notice_ends_at: None,
            registered_at: None,
            platform_ref: String::new(),
            last_valid_capture_at: None,
            installed_at: t0(),
            resume_to: None,
            suspension_reason: None,
        },
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

impl Riders {
    /// A file in the village: confirmed (with an ID number) or provisional.
    pub async fn person(&self, id_number: Option<&str>, name: &str, employer: &str) -> i64 {
        let v = &self.w.o.village;
        let mut tx = self.w.app.state.store.begin().await.unwrap();
        let id = person_rows::insert(
            &mut tx,
            &NewRiderPerson {
                unit_id: v.id,
                unit_path: v.path.clone(),
                id_number: id_number.map(Into::into),
                name: name.into(),
                village: "Hongxing Village".into(),
                employer: employer.into(),
                phone: "13800001111".into(),
                party_member: false,
                provisional: id_number.is_none(),
                created_at: t0(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id.0
    }

    /// An event of `person` (or none) `hours_ago` before the clock's now, in `state`, with a
    /// face and a scene photo in the blob store and a face vector.
    pub async fn event(
        &self,
        person: Option<i64>,
        key: &str,
        hours_ago: i64,
        state: MatchState,
    ) -> i64 {
        let blobs = &self.w.app.state.blobs;
        let n = key.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        let face = blobs
            .put(Box::pin(Cursor::new(jpeg(n))), None)
            .await
            .unwrap();
        let scene = blobs
            .put(Box::pin(Cursor::new(jpeg(n.wrapping_add(100)))), None)
            .await
            .unwrap();
        let now = self.w.clock.now();
        let mut tx = self.w.app.state.store.begin().await.unwrap();
        let id = events::insert(
            &mut tx,
            &NewRiderEvent {
                device_id: self.point,
                device_event_id: key.into(),
                unit_id: self.w.o.county.id,
                person_id: person.map(RiderPersonId),
                violation: RiderViolation::NoHelmet,
                usage: roadwarden_domain::device::CaptureUse::Enforce,
                occurred_at: now - Duration::hours(hours_ago),
                place: "Jinling Road / Mingzhu Road".into(),
                latitude: Some(31.02),
                longitude: Some(119.91),
                face_blob: Some(face.id.as_str().to_owned()),
                scene_blob: Some(scene.id.as_str().to_owned()),
                clip_blob: None,
                match_state: state,
                match_reason: String::new(),
                match_score: Some(0.42),
                received_at: now,
            },
        )
        .await
        .unwrap()
        .id();
        faces::insert(
            &mut tx,
            &NewFaceVector {
                person_id: person.map(RiderPersonId),
                event_id: Some(id),
                values: &[0.1, 0.2, 0.3, f32::from(n)],
                created_at: now,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id.0
    }

    pub async fn file(&self, id: i64, token: &str) -> Value {
        let (status, f) = self
            .w
            .app
            .get(&format!("/api/v1/riders/{id}?purpose=enforcement"), token)
            .await;
        assert_eq!(status, 200, "{f}");
        f
    }

    pub async fn act(&self, path: &str, body: &Value) -> (u16, Value) {
        self.w.app.post(path, &self.officer, body).await
    }

    /// The audit entries with `action`, newest first.
    pub async fn audited(&self, action: &str) -> Vec<Value> {
        let root = self
            .w
            .app
            .token(&self.w.o.root_admin.0, &self.w.o.root_admin.1)
            .await;
        let (status, a) = self
            .w
            .app
            .get(&format!("/api/v1/audit?action={action}"), &root)
            .await;
        assert_eq!(status, 200, "{a}");
        a["items"]
            .as_array()
            .or_else(|| a.as_array())
            .cloned()
            .unwrap_or_default()
    }
}

pub(crate) fn no_body() -> Value {
    json!({})
}
