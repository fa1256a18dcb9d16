//! RID-06, RID-10, SEC-10 storage: files merged with everything they hold, "not this person"
//! decisions that survive a merge, measures with their read-back, and face data purged.

use chrono::Duration;
use roadwarden_domain::org::Level;
use roadwarden_domain::rider::{Disposition, MeasureState, RiderTier};
use roadwarden_store::list::Window;
use roadwarden_store::riders::faces::{self, NewFaceVector};
use roadwarden_store::riders::persons::{self, PersonFilter};
use roadwarden_store::riders::{dispositions, events};
use roadwarden_store::users;

use super::riders::{capture_point, event, person};
use super::{new_user, t0, unit, Db};

#[tokio::test]
async fn rid_06_a_merged_file_hands_over_its_events_faces_and_exclusions() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let point = capture_point(&db.store, &county).await;
    let mut tx = db.store.begin().await.unwrap();
    let officer = users::insert(
        &mut tx,
        &new_user(county.id, "officer", "330522199001012222"),
        t0(),
    )
    .await
    .unwrap();
    let keep = persons::insert(&mut tx, &person(&county, Some("330522199001011234"), "Li"))
        .await
        .unwrap();
    let cluster = persons::insert(&mut tx, &person(&county, None, ""))
        .await
        .unwrap();
    let other = persons::insert(&mut tx, &person(&county, Some("330522199001019999"), "Wu"))
        .await
        .unwrap();
    let e = events::insert(&mut tx, &event(point, &county, "evt-1", Some(cluster)))
        .await
        .unwrap()
        .id();
    let values = [0.5f32; 8];
    let face = faces::insert(
        &mut tx,
        &NewFaceVector {
            person_id: Some(cluster),
            event_id: Some(e),
            values: &values,
            created_at: t0(),
        },
    )
    .await
    .unwrap();
    faces::exclude(&mut tx, face, other, officer, t0())
        .await
        .unwrap();
    // Twice is once.
    faces::exclude(&mut tx, face, other, officer, t0())
        .await
        .unwrap();

    assert!(persons::merge(&mut tx, cluster, keep).await.unwrap());
    assert!(
        !persons::merge(&mut tx, cluster, keep).await.unwrap(),
        "already merged"
    );
    assert!(!persons::merge(&mut tx, keep, keep).await.unwrap());
    assert_eq!(
        events::get(&mut tx, e).await.unwrap().unwrap().person(),
        Some(keep)
    );
    let all = faces::load_all(&mut tx).await.unwrap();
    assert_eq!(all[0].person_id, Some(keep));
    let merged = persons::get(&mut tx, cluster).await.unwrap().unwrap();
    assert_eq!(merged.merged_into, Some(keep.0));
    let (listed, total) = persons::list(
        &mut tx,
        &county.path,
        &PersonFilter::default(),
        Window::new(50, 0),
    )
    .await
    .unwrap();
    assert_eq!(total, 2);
    assert!(listed.iter().all(|p| p.id != cluster));
    assert_eq!(
        faces::exclusions_page(&mut tx, 0, 100).await.unwrap(),
        vec![(face, other)]
    );
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn rid_10_measures_are_sent_then_read_back() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let rider = persons::insert(&mut tx, &person(&county, Some("330522199001011234"), "Li"))
        .await
        .unwrap();
    let sms = dispositions::insert(
        &mut tx,
        rider,
        Disposition::SmsReminder,
        RiderTier::Occasional,
        t0(),
    )
    .await
    .unwrap();
    let party = dispositions::insert(
        &mut tx,
        rider,
        Disposition::PartyIndexDeduction,
        RiderTier::Frequent,
        t0(),
    )
    .await
    .unwrap();
    let later = t0() + Duration::minutes(5);
    assert!(dispositions::set_state(
        &mut tx,
        sms,
        MeasureState::Pending,
        MeasureState::Sent,
        "",
        "",
        later
    )
    .await
    .unwrap());
    assert!(dispositions::set_state(
        &mut tx,
        party,
        MeasureState::Pending,
        MeasureState::Sent,
        "PX-1",
        "",
        later
    )
    .await
    .unwrap());
    // A second worker moving it from pending again writes nothing.
    assert!(!dispositions::set_state(
        &mut tx,
        party,
        MeasureState::Pending,
        MeasureState::Sent,
        "PX-2",
        "",
        later
    )
    .await
    .unwrap());
    let open = dispositions::list_open(&mut tx, 50).await.unwrap();
    assert_eq!(open.len(), 2, "sent but not yet read back stays open");
    assert!(dispositions::set_state(
        &mut tx,
        party,
        MeasureState::Sent,
        MeasureState::Confirmed,
        "PX-1",
        "deducted 2 points",
        later + Duration::minutes(1)
    )
    .await
    .unwrap());
    let mine = dispositions::list_for_person(&mut tx, rider).await.unwrap();
    let p = mine.iter().find(|d| d.id == party).unwrap();
    assert_eq!(p.state, MeasureState::Confirmed);
    assert_eq!(p.disposition, Disposition::PartyIndexDeduction);
    assert_eq!(
        (p.sent_at, p.confirmed_at),
        (Some(later), Some(later + Duration::minutes(1)))
    );
    assert_eq!(p.attempts, 2);
    assert_eq!(p.external_ref, "PX-1");
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn sec_10_face_data_is_purged_after_its_retention() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let point = capture_point(&db.store, &county).await;
    let mut tx = db.store.begin().await.unwrap();
    let officer = users::insert(
        &mut tx,
        &new_user(county.id, "officer", "330522199001012222"),
        t0(),
    )
    .await
    .unwrap();
    let rider = persons::insert(&mut tx, &person(&county, Some("330522199001011234"), "Li"))
        .await
        .unwrap();
    let mut old = event(point, &county, "evt-old", Some(rider));
    old.occurred_at = t0() - Duration::days(200);
    old.face_blob = Some("face-old".into());
    let old_id = events::insert(&mut tx, &old).await.unwrap().id();
    events::insert(&mut tx, &event(point, &county, "evt-new", Some(rider)))
        .await
        .unwrap();
    let values = [1.0f32; 4];
    for (i, age) in [300, 250, 1].into_iter().enumerate() {
        let id = faces::insert(
            &mut tx,
            &NewFaceVector {
                person_id: Some(rider),
                event_id: None,
                values: &values,
                created_at: t0() - Duration::days(age),
            },
        )
        .await
        .unwrap();
        if i == 0 {
            faces::exclude(&mut tx, id, rider, officer, t0())
                .await
                .unwrap();
        }
    }
    let cutoff = t0() - Duration::days(180);
    assert_eq!(
        events::clear_faces_before(&mut tx, cutoff, 100)
            .await
            .unwrap(),
        vec!["face-old".to_owned()]
    );
    assert!(events::clear_faces_before(&mut tx, cutoff, 100)
        .await
        .unwrap()
        .is_empty());
    let kept = events::get(&mut tx, old_id).await.unwrap().unwrap();
    assert_eq!(kept.face_blob, None);
    assert_eq!(kept.scene_blob.as_deref(), Some("sha256-scene"));
    assert_eq!(faces::purge_before(&mut tx, cutoff, 1).await.unwrap(), 1);
    assert_eq!(faces::purge_before(&mut tx, cutoff, 100).await.unwrap(), 1);
    assert_eq!(faces::purge_before(&mut tx, cutoff, 100).await.unwrap(), 0);
    assert_eq!(faces::load_all(&mut tx).await.unwrap().len(), 1);
    assert!(faces::exclusions_page(&mut tx, 0, 100)
        .await
        .unwrap()
        .is_empty());
    tx.commit().await.unwrap();
    db.done().await;
}
