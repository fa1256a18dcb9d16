//! RID-01, RID-03: the push itself: what is stored, what is refused, and that the same event
//! is taken once. These run without a face engine: every event is held, never matched.

use roadwarden_domain::device::CaptureUse;
use roadwarden_domain::rider::MatchState;
use serde_json::json;

use super::*;

#[tokio::test]
async fn rid_01_an_event_is_stored_once_with_its_photos_and_clip_written_once() {
    let w = world_without_engine().await;
    let mut body = w.event("ev-0001", &scene());
    body["clip"] = json!(b64(&mp4()));
    body["place"] = json!("雉城路口北侧");
    let (status, first) = w.push(POINT, &body).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["duplicate"], false);
    assert_eq!(first["usage"], "enforce");
    let e = w.event_row(first["event_id"].as_i64().unwrap()).await;
    assert_eq!(e.device_event_id, "ev-0001");
    assert_eq!(e.place, "雉城路口北侧");
    assert_eq!(e.usage, CaptureUse::Enforce);
    // The three files are in the blob store under their hash, readable back.
    for blob in [&e.face_blob, &e.scene_blob, &e.clip_blob] {
        let id = blob.as_deref().expect("stored");
        let id = roadwarden_blob::BlobId::parse(id).expect("a blob id");
        assert!(
            w.app.state.blobs.verify(&id).await.unwrap() > 0,
            "{}",
            id.as_str()
        );
    }
    // The same event again: taken once, nothing redone.
    let (status, again) = w.push(POINT, &body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["event_id"], first["event_id"]);
    assert_eq!(again["warning"], "not_repeated");
}

#[tokio::test]
async fn rid_01_without_an_event_id_the_same_bytes_are_the_same_event() {
    let w = world_without_engine().await;
    let mut body = w.event("x", &scene());
    body.as_object_mut().unwrap().remove("event_id");
    let (s1, a) = w.push(POINT, &body).await;
    let (s2, b) = w.push(POINT, &body).await;
    assert_eq!((s1, s2), (201, 200), "{a} {b}");
    assert_eq!(a["event_id"], b["event_id"]);
}

#[tokio::test]
async fn rid_05_without_a_face_engine_events_are_held_for_a_person_never_matched() {
    let w = world_without_engine().await;
    let e = w.stored(POINT, &w.event("ev-held", &scene())).await;
    assert_eq!(state_of(&e), (MatchState::Held, "engine.none"));
    assert_eq!(e.person_id, None);
}

#[tokio::test]
async fn rid_01_a_point_in_trial_only_warns() {
    let w = world_without_engine().await;
    let (status, out) = w.push(TRIAL_POINT, &w.event("ev-trial", &scene())).await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(out["usage"], "warn_only");
    let e = w.event_row(out["event_id"].as_i64().unwrap()).await;
    assert_eq!(e.usage, CaptureUse::WarnOnly);
}

#[tokio::test]
async fn rid_01_unknown_suspended_and_car_points_are_refused_with_a_code() {
    let w = world_without_engine().await;
    let body = w.event("ev-refused", &scene());
    // Unknown credential.
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/riders/events/push"))
        .basic_auth("no-such-key", Some("nope"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // Suspended point.
    let (status, out) = w.push(SUSPENDED_POINT, &body).await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["error"]["code"], "rider.point_not_in_service", "{out}");
    // A car camera is not an e-bike capture point.
    let (status, out) = w.push(CAR_CAMERA, &body).await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["error"]["code"], "rider.point_not_ebike", "{out}");
}

#[tokio::test]
async fn rid_03_a_clip_that_is_not_video_is_refused() {
    let w = world_without_engine().await;
    let mut body = w.event("ev-clip", &scene());
    body["clip"] = json!(b64(&scene()));
    let (status, out) = w.push(POINT, &body).await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["error"]["field"], "clip", "{out}");
    // A clip that does not reach 6 s before the violation.
    let mut body = w.event("ev-clip-short", &scene());
    body["clip"] = json!(b64(&mp4()));
    let at = w.clock.now();
    body["clip_started_at"] = json!((at - chrono::Duration::seconds(3)).to_rfc3339());
    body["clip_ended_at"] = json!((at + chrono::Duration::seconds(1)).to_rfc3339());
    let (status, out) = w.push(POINT, &body).await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["error"]["field"], "clip_started_at", "{out}");
    // The right span is taken.
    body["clip_started_at"] = json!((at - chrono::Duration::seconds(6)).to_rfc3339());
    let (status, out) = w.push(POINT, &body).await;
    assert_eq!(status, 201, "{out}");
}

#[tokio::test]
async fn rid_03_an_event_without_a_face_photo_or_with_a_bad_violation_is_refused() {
    let w = world_without_engine().await;
    let mut body = w.event("ev-noface", &scene());
    body.as_object_mut().unwrap().remove("face_photo");
    let (status, out) = w.push(POINT, &body).await;
    assert_eq!(
        (status, &out["error"]["field"]),
        (422, &json!("face_photo")),
        "{out}"
    );
    let mut body = w.event("ev-speed", &scene());
    body["violation"] = json!("speeding");
    let (status, out) = w.push(POINT, &body).await;
    assert_eq!(
        (status, &out["error"]["field"]),
        (422, &json!("violation")),
        "{out}"
    );
}

#[tokio::test]
async fn rid_03_a_multipart_push_carries_the_face_scene_and_clip_as_parts() {
    let w = world_without_engine().await;
    let (key, secret) = &w.creds[POINT];
    let event = json!({ "event_id": "ev-multi", "violation": "red_light",
                        "occurred_at": w.clock.now().to_rfc3339() });
    let form = reqwest::multipart::Form::new()
        .text("event", event.to_string())
        .part(
            "face",
            reqwest::multipart::Part::bytes(scene()).file_name("face.png"),
        )
        .part(
            "scene",
            reqwest::multipart::Part::bytes(scene()).file_name("scene.png"),
        )
        .part(
            "clip",
            reqwest::multipart::Part::bytes(mp4()).file_name("clip.mp4"),
        );
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/riders/events/push"))
        .basic_auth(key, Some(secret))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let out: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(status, 201, "{out}");
    let e = w.event_row(out["event_id"].as_i64().unwrap()).await;
    assert!(e.face_blob.is_some() && e.scene_blob.is_some() && e.clip_blob.is_some());
    assert_eq!(e.violation.as_str(), "red_light");
}
