//! RID-04..06 with the real dlib models (target/face-models) and the registry test images
//! (target/face-testdata): bad photos are held with their reason, a known face is an
//! unconfirmed match that never raises a tier, unknown faces cluster into a provisional
//! person, "not this person" holds, and the gallery comes back after a restart.

use chrono::Duration;
use image::{imageops, Rgb, RgbImage};
use roadwarden_domain::rider::{MatchState, RiderTier};
use roadwarden_domain::RiderPersonId;
use roadwarden_server::services::audit::write::Actor;
use roadwarden_server::services::riders::identity::{self, Enrolled};
use roadwarden_server::services::riders::tiers::{self, Cause};
use roadwarden_store::riders::faces;
use roadwarden_store::riders::persons::{self, NewRiderPerson};

use super::*;

/// A confirmed person of the village with `photo` in the face base library.
async fn library_person(w: &World, name: &str, photo: &[u8]) -> (RiderPersonId, i64) {
    let mut tx = w.app.state.store.begin().await.unwrap();
    let person = persons::insert(
        &mut tx,
        &NewRiderPerson {
            unit_id: w.o.village.id,
            unit_path: w.o.village.path.clone(),
            id_number: Some(roadwarden_testkit::cn_id(700 + name.len() as u32)),
            name: name.into(),
            village: "红星村".into(),
            employer: String::new(),
            phone: "13800000000".into(),
            party_member: false,
            provisional: false,
            created_at: w.clock.now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let enrolled = identity::enrol(&w.app.state, person, photo.to_vec().into())
        .await
        .unwrap();
    let Enrolled::Face(face) = enrolled else {
        panic!("library photo held: {enrolled:?}")
    };
    (person, face)
}

async fn tier_of(w: &World, person: RiderPersonId) -> RiderTier {
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    persons::get(&mut tx, person).await.unwrap().unwrap().tier
}

fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).unwrap().to_rgb8()
}

#[tokio::test]
async fn rid_04_bad_photos_are_held_with_their_reason_and_never_matched() {
    let (Some(obama), Some(biden)) = (face_image("obama.jpg"), face_image("biden.jpg")) else {
        return;
    };
    let w = world().await;
    library_person(&w, "奥巴马", &obama).await;
    let o = decode(&obama);
    let b = decode(&biden);
    let mut two = RgbImage::from_pixel(
        o.width() + b.width(),
        o.height().max(b.height()),
        Rgb([255, 255, 255]),
    );
    imageops::replace(&mut two, &o, 0, 0);
    imageops::replace(&mut two, &b, i64::from(o.width()), 0);
    let tiny = imageops::resize(
        &o,
        o.width() / 5,
        o.height() / 5,
        imageops::FilterType::Triangle,
    );
    let blurred = imageops::blur(&o, 3.0);
    let blank = RgbImage::from_pixel(400, 300, Rgb([200, 200, 200]));
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "ev-text",
            b"not an image at all".to_vec(),
            "image.unreadable",
        ),
        ("ev-blank", png(&blank), "face.none"),
        ("ev-two", png(&two), "face.several"),
        ("ev-tiny", png(&tiny), "face.too_small"),
        ("ev-blur", png(&blurred), "face.blurred"),
    ];
    for (id, photo, reason) in cases {
        let e = w.stored(POINT, &w.event(id, &photo)).await;
        assert_eq!(state_of(&e), (MatchState::Held, reason), "{id}");
        assert_eq!(e.person_id, None, "{id}");
        assert!(
            e.face_blob.is_some(),
            "{id}: the photo is kept for the reviewer"
        );
    }
}

#[tokio::test]
async fn rid_05_an_unconfirmed_match_never_escalates() {
    let (Some(obama), Some(obama2), Some(obama3)) = (
        face_image("obama.jpg"),
        face_image("obama2.jpg"),
        face_image("obama3.jpg"),
    ) else {
        return;
    };
    let w = world().await;
    let (person, _) = library_person(&w, "奥巴马", &obama).await;
    // Five events in a day would make a confirmed rider frequent (4-7 in 7 days).
    let mut ids = Vec::new();
    for n in 0..5 {
        let photo = if n % 2 == 0 { &obama2 } else { &obama3 };
        let at = w.clock.now() - Duration::hours(n);
        let e = w
            .stored(POINT, &w.event_at(&format!("ev-o{n}"), photo, at))
            .await;
        assert_eq!(
            e.match_state,
            MatchState::Unconfirmed,
            "ev-o{n}: {}",
            e.match_reason
        );
        assert_eq!(e.match_reason, "gallery");
        assert_eq!(e.person(), Some(person));
        assert!(e.match_score.unwrap() < 0.6);
        ids.push(e.id);
        assert_eq!(tier_of(&w, person).await, RiderTier::Clear, "after ev-o{n}");
    }
    // The nightly rebuild does not count them either.
    tiers::rebuild(&w.app.state).await.unwrap();
    assert_eq!(tier_of(&w, person).await, RiderTier::Clear);
    // An officer confirms them (rider-desk's act): only now does the tier rise.
    let mut tx = w.app.state.store.begin().await.unwrap();
    for id in ids {
        events::set_match(&mut tx, id, Some(person), MatchState::Matched, "", None)
            .await
            .unwrap();
    }
    let change = tiers::recompute(
        &mut tx,
        &w.app.state.settings.riders.tiers,
        person,
        w.clock.now(),
        Cause::Confirmed,
        &Actor::system(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(change.map(|c| c.to), Some(RiderTier::Frequent));
}

#[tokio::test]
async fn rid_05_another_person_is_not_matched() {
    let (Some(obama), Some(biden)) = (face_image("obama.jpg"), face_image("biden.jpg")) else {
        return;
    };
    let w = world().await;
    library_person(&w, "奥巴马", &obama).await;
    let e = w.stored(POINT, &w.event("ev-biden", &biden)).await;
    assert_eq!(e.match_state, MatchState::Unmatched, "{}", e.match_reason);
    assert_eq!(e.person_id, None);
}

#[tokio::test]
async fn rid_06_unmatched_faces_cluster_into_a_provisional_person_that_survives_a_restart() {
    let (Some(obama), Some(obama2), Some(obama3), Some(biden)) = (
        face_image("obama.jpg"),
        face_image("obama2.jpg"),
        face_image("obama3.jpg"),
        face_image("biden.jpg"),
    ) else {
        return;
    };
    let w = world_with(|s| s.riders.face.cluster_min_faces = 2).await;
    let first = w.stored(POINT, &w.event("ev-c1", &obama)).await;
    assert_eq!(state_of(&first), (MatchState::Unmatched, ""));
    let other = w.stored(POINT, &w.event("ev-c2", &biden)).await;
    assert_eq!(other.match_state, MatchState::Unmatched);
    // The second face of the same man: the cluster reaches 2 and becomes a provisional file.
    let second = w.stored(POINT, &w.event("ev-c3", &obama2)).await;
    assert_eq!(state_of(&second), (MatchState::Unconfirmed, "cluster"));
    let person = second.person().expect("a provisional person");
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    let p = persons::get(&mut tx, person).await.unwrap().unwrap();
    drop(tx);
    assert!(p.provisional && p.id_number.is_none());
    assert_eq!(p.tier, RiderTier::Clear);
    // The first event now names that file too, unconfirmed; the other man's does not.
    let first = w.event_row(first.id.0).await;
    assert_eq!(
        (first.match_state, first.person()),
        (MatchState::Unconfirmed, Some(person))
    );
    assert_eq!(w.event_row(other.id.0).await.person_id, None);
    // After a restart the clusters come back from the stored vectors.
    let World { base, creds } = w;
    let roadwarden_testkit::World { app, clock, o } = base;
    let app = app.restart().await;
    let w = World {
        base: roadwarden_testkit::World { app, clock, o },
        creds,
    };
    let third = w.stored(POINT, &w.event("ev-c4", &obama3)).await;
    assert_eq!(state_of(&third), (MatchState::Unconfirmed, "cluster"));
    assert_eq!(third.person(), Some(person));
}

#[tokio::test]
async fn rid_06_a_face_marked_not_this_person_never_joins_that_file_again() {
    let (Some(obama), Some(obama2)) = (face_image("obama.jpg"), face_image("obama2.jpg")) else {
        return;
    };
    let w = world().await;
    let (person, face) = library_person(&w, "奥巴马", &obama).await;
    // An officer decides the library photo is not this person (rider-desk's act), then the
    // index is rebuilt as every such act does.
    let officer = roadwarden_testkit::account(
        &w.app.state,
        &w.o.county,
        "cx.ebike",
        42,
        &["ebike_officer"],
    )
    .await;
    let mut tx = w.app.state.store.begin().await.unwrap();
    let officer = roadwarden_store::users::get_by_username(&mut tx, &officer.0)
        .await
        .unwrap()
        .unwrap();
    faces::exclude(&mut tx, face, person, officer.id, w.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    identity::reload(&w.app.state).await.unwrap();
    let e = w.stored(POINT, &w.event("ev-not", &obama2)).await;
    assert_ne!(e.person(), Some(person), "{e:?}");
    assert_eq!(e.match_state, MatchState::Unmatched);
}

#[tokio::test]
async fn rid_08_the_tier_is_recomputed_on_each_event_and_falls_but_never_rises_unconfirmed() {
    let (Some(obama), Some(obama2)) = (face_image("obama.jpg"), face_image("obama2.jpg")) else {
        return;
    };
    let w = world().await;
    let (person, _) = library_person(&w, "奥巴马", &obama).await;
    // Recorded as frequent long ago, with no confirmed event in any window now.
    let mut tx = w.app.state.store.begin().await.unwrap();
    persons::set_tier(
        &mut tx,
        person,
        RiderTier::Frequent,
        w.clock.now() - Duration::days(60),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let e = w.stored(POINT, &w.event("ev-fall", &obama2)).await;
    assert_eq!(e.person(), Some(person));
    assert_eq!(tier_of(&w, person).await, RiderTier::Clear);
}
