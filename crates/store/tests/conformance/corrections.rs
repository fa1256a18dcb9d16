//! SEC-06: the database itself refuses a change to a violation's facts and to its timeline;
//! the workflow columns stay writable, and an approved correction (DAT-01) passes.

use roadwarden_domain::capture::correction::CorrectionState;
use roadwarden_domain::capture::intake::Flags;
use roadwarden_domain::capture::notice::ViolationState;
use roadwarden_domain::org::Level;
use roadwarden_store::corrections::{
    self, Change, Changes, FactUpdate, NewCorrection, NewRecord, RecordUpdate,
};
use roadwarden_store::{captures, users, violations};

use super::captures::{new_capture, new_violation};
use super::{new_user, t0, unit, Db};

#[tokio::test]
async fn sec_06_facts_and_timeline_are_refused_by_the_database_but_corrections_pass() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let asker = users::insert(&mut tx, &new_user(county.id, "asker", "1"), t0())
        .await
        .unwrap();
    let head = users::insert(&mut tx, &new_user(county.id, "head", "2"), t0())
        .await
        .unwrap();
    let capture = captures::insert(&mut tx, &new_capture(&county, Flags::default()))
        .await
        .unwrap()
        .unwrap();
    let id = violations::insert(&mut tx, &new_violation(&county, capture))
        .await
        .unwrap();
    let capture = captures::insert(&mut tx, &new_capture(&county, Flags::default()))
        .await
        .unwrap()
        .unwrap();
    let other = violations::insert(&mut tx, &new_violation(&county, capture))
        .await
        .unwrap();
    violations::add_event(&mut tx, id, "entered", None, "system", "", t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A direct change of a fact, of the timeline, or a deletion: refused.
    for sql in [
        format!("UPDATE violations SET plate = '30A-999.99' WHERE id = {id}"),
        format!("UPDATE violations SET violation_code = 'VN02' WHERE id = {id}"),
        format!("UPDATE violations SET fine_minor = 1 WHERE id = {id}"),
        format!("UPDATE violations SET place = 'elsewhere' WHERE id = {id}"),
        format!("DELETE FROM violations WHERE id = {id}"),
        format!("UPDATE violation_events SET detail = 'x' WHERE violation_id = {id}"),
        format!("DELETE FROM violation_events WHERE violation_id = {id}"),
    ] {
        assert!(db.store.raw_execute(&sql).await.is_err(), "{sql}");
    }
    // A workflow column (the notice steps, the state) is still written the usual way.
    let mut tx = db.store.begin().await.unwrap();
    let mut v = violations::get(&mut tx, id).await.unwrap().unwrap();
    v.state = ViolationState::Notified;
    v.notified_at = Some(t0());
    assert!(violations::save(&mut tx, &v, ViolationState::Entered)
        .await
        .unwrap());
    assert!(violations::flag_notice_late(&mut tx, id, t0())
        .await
        .unwrap());
    tx.commit().await.unwrap();
    db.store
        .raw_execute(&format!(
            "UPDATE violations SET driver_name = 'X' WHERE id = {id}"
        ))
        .await
        .unwrap();

    // A request that is only asked for does not open the door.
    let changes = Changes(vec![Change {
        field: "place".into(),
        before: "Mingzhu Road crossing".into(),
        after: "Mingzhu Road 2".into(),
    }]);
    let mut tx = db.store.begin().await.unwrap();
    let cid = corrections::insert(
        &mut tx,
        &NewCorrection {
            unit_id: county.id.0,
            unit_path: county.path.as_str(),
            records: &[NewRecord {
                violation_id: id,
                unit_id: county.id.0,
                unit_path: county.path.as_str(),
                changes: changes.clone(),
            }],
            reason: "wrong site",
            requested_by: asker,
            requested_at: t0(),
            partner_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let update = |violation_id| {
        [RecordUpdate {
            position: 0,
            violation_id,
            facts: FactUpdate {
                place: Some("Mingzhu Road 2".into()),
                ..FactUpdate::default()
            },
            changes: changes.clone(),
        }]
    };
    let mut tx = db.store.begin().await.unwrap();
    let refused = corrections::execute(&mut tx, cid, &update(id), head, t0()).await;
    assert!(refused.is_err(), "an unapproved request changes nothing");
    drop(tx);

    let mut tx = db.store.begin().await.unwrap();
    assert!(
        corrections::decide(&mut tx, cid, CorrectionState::Approved, head, "", t0())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    // Approved, it opens the door only to the records it names (0028's trigger).
    let mut tx = db.store.begin().await.unwrap();
    let refused = corrections::execute(&mut tx, cid, &update(other), head, t0()).await;
    assert!(refused.is_err(), "a record the request does not name");
    drop(tx);

    // It passes, in one transaction, and the mark is gone after.
    let mut tx = db.store.begin().await.unwrap();
    assert!(corrections::execute(&mut tx, cid, &update(id), head, t0())
        .await
        .unwrap());
    tx.commit().await.unwrap();
    let mut tx = db.store.begin_read().await.unwrap();
    let v = violations::get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(v.place, "Mingzhu Road 2");
    let c = corrections::get(&mut tx, cid).await.unwrap().unwrap();
    assert_eq!(c.state, CorrectionState::Executed);
    assert_eq!(c.changes, changes);
    let records = corrections::records(&mut tx, cid).await.unwrap();
    assert_eq!((records.len(), &records[0].changes), (1, &changes));
    assert_eq!(
        corrections::of_violation(&mut tx, id).await.unwrap().len(),
        1
    );
    drop(tx);
    // Executed, the request no longer opens the door either.
    let sql = format!("UPDATE violations SET place = 'again' WHERE id = {id}");
    assert!(db.store.raw_execute(&sql).await.is_err());
    db.done().await;
}
