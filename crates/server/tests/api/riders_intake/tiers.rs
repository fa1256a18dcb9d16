//! RID-08: tiers follow the confirmed events in Table 1's windows, and the nightly rebuild
//! (a job on the durable queue, on its cron schedule) lets them fall as the windows roll.

use chrono::Duration;
use roadwarden_domain::device::CaptureUse;
use roadwarden_domain::rider::{MatchState, RiderTier, RiderViolation};
use roadwarden_domain::RiderPersonId;
use roadwarden_server::jobs::worker::run_one;
use roadwarden_server::jobs::{enqueue, Job};
use roadwarden_store::riders::events::NewRiderEvent;
use roadwarden_store::riders::persons::{self, NewRiderPerson};

use super::*;

/// A confirmed rider with confirmed events at these ages, recorded at `tier`.
async fn rider(
    w: &World,
    n: u32,
    ages: &[Duration],
    usage: CaptureUse,
    tier: RiderTier,
) -> RiderPersonId {
    let app = &w.app.state;
    let now = w.clock.now();
    let mut tx = app.store.begin().await.unwrap();
    let person = persons::insert(
        &mut tx,
        &NewRiderPerson {
            unit_id: w.o.village.id,
            unit_path: w.o.village.path.clone(),
            id_number: Some(roadwarden_testkit::cn_id(800 + n)),
            name: format!("骑手{n}"),
            village: "红星村".into(),
            employer: String::new(),
            phone: String::new(),
            party_member: false,
            provisional: false,
            created_at: now - Duration::days(400),
        },
    )
    .await
    .unwrap();
    let device = roadwarden_store::devices::get_by_number(&mut tx, POINT)
        .await
        .unwrap()
        .unwrap();
    for (i, age) in ages.iter().enumerate() {
        events::insert(
            &mut tx,
            &NewRiderEvent {
                device_id: device.id,
                device_event_id: format!("seed-{n}-{i}"),
                unit_id: device.unit_id,
                person_id: Some(person),
                violation: RiderViolation::NoHelmet,
                occurred_at: now - *age,
                place: String::new(),
                latitude: None,
                longitude: None,
                face_blob: None,
                scene_blob: None,
                clip_blob: None,
                match_state: MatchState::Matched,
                match_reason: String::new(),
                match_score: None,
                received_at: now - *age,
                usage,
            },
        )
        .await
        .unwrap();
    }
    persons::set_tier(&mut tx, person, tier, now - Duration::days(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    person
}

async fn tier_of(w: &World, person: RiderPersonId) -> RiderTier {
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    persons::get(&mut tx, person).await.unwrap().unwrap().tier
}

async fn nightly(w: &World) {
    enqueue(&w.app.state, &Job::RiderTierRebuild, None, w.clock.now())
        .await
        .unwrap();
    while run_one(&w.app.state).await.unwrap().is_some() {}
}

#[tokio::test]
async fn rid_08_tiers_fall_as_the_windows_roll_in_the_nightly_rebuild() {
    let w = world_without_engine().await;
    // Five confirmed events 8-12 days ago: out of the 7-day window, 5 in the 30-day window
    // (3-7: occasional). Recorded as frequent when they were recent.
    let ages: Vec<Duration> = (8..13).map(Duration::days).collect();
    let falling = rider(&w, 1, &ages, CaptureUse::Enforce, RiderTier::Frequent).await;
    // Five events today from a point in trial: warnings only, they never count (DEV-05).
    let today: Vec<Duration> = (1..6).map(Duration::hours).collect();
    let trial = rider(&w, 2, &today, CaptureUse::WarnOnly, RiderTier::Occasional).await;
    nightly(&w).await;
    assert_eq!(tier_of(&w, falling).await, RiderTier::Occasional);
    assert_eq!(tier_of(&w, trial).await, RiderTier::Clear);
    // A month on, the events have left the 30-day window too.
    w.clock.advance(Duration::days(25));
    nightly(&w).await;
    assert_eq!(tier_of(&w, falling).await, RiderTier::Clear);
}

#[tokio::test]
async fn rid_08_the_rebuild_is_on_the_schedule() {
    let s = roadwarden_server::config::Settings::default();
    assert!(s.jobs.schedules.contains_key("rider_tier_rebuild"));
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, 19, 15, 0).unwrap();
    let job = Job::for_schedule("rider_tier_rebuild", at);
    assert_eq!(job, Some(Job::RiderTierRebuild));
}
