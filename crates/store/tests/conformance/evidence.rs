//! Footage and its bookkeeping keep their domain values: media kind, retention category and
//! life state, reasons to keep, early deletions, uploads, access requests and work records
//! come back as the enums they were written as, and a word the domain does not know is
//! refused where the row is read, naming the column.

use chrono::Duration;
use roadwarden_domain::evidence::access::{AccessState, Purpose, Requester, Restriction};
use roadwarden_domain::evidence::footage::MediaKind;
use roadwarden_domain::evidence::non_recording::{Reason as StopReason, State as RecordState};
use roadwarden_domain::evidence::retention::{Category, LifeState};
use roadwarden_domain::evidence::states::{DeletionState, ReasonKind, UploadState};
use roadwarden_domain::org::Level;
use roadwarden_domain::UserId;
use roadwarden_store::duty_records::{self, NewWorkRecord};
use roadwarden_store::evidence::{self, NewEvidence, NewReason, Upload};
use roadwarden_store::evidence_access::{self, NewRequest};
use roadwarden_store::units::Unit;
use roadwarden_store::{users, Store, Tx};

use super::{new_user, t0, unit, Db};

fn footage<'a>(u: &'a Unit, officer: UserId, n: usize, kind: MediaKind) -> NewEvidence<'a> {
    NewEvidence {
        sha256: ["0", "1", "2", "3", "4", "5", "6", "7"][n],
        length: 10,
        media_kind: kind,
        mime: "video/mp4",
        file_name: "clip.mp4",
        unit_id: u.id,
        unit_path: &u.path,
        officer_id: officer,
        recorder_id: None,
        activity: "roadside_inspection",
        place: "Mingzhu Road",
        case_ref: "",
        violation_id: None,
        restriction: "none",
        started_at: t0(),
        ended_at: t0(),
        duty_ended_at: t0(),
        handed_in_at: t0(),
        stored_at: t0(),
        late_hand_in: false,
        late_storage: false,
        uploaded_by: officer,
        retention_category: Category::General,
        purge_from: None,
    }
}

/// Writes `bad` into `column` of the first row of `table`, expects `read` to fail naming the
/// column, and puts `good` (the row's value) back.
async fn refused<T, F, Fut>(
    store: &Store,
    table: &str,
    (column, bad, good): (&str, &str, &str),
    read: F,
) where
    F: FnOnce(Tx) -> Fut,
    Fut: std::future::Future<Output = roadwarden_store::Result<T>>,
{
    store
        .raw_execute(&format!(
            "UPDATE {table} SET {column} = '{bad}' WHERE id = (SELECT MIN(id) FROM {table})"
        ))
        .await
        .unwrap();
    let tx = store.begin_read().await.unwrap();
    let err = match read(tx).await {
        Ok(_) => panic!("{table}.{column} = '{bad}' was read as a domain value"),
        Err(e) => e.to_string(),
    };
    store
        .raw_execute(&format!(
            "UPDATE {table} SET {column} = '{good}' WHERE id = (SELECT MIN(id) FROM {table})"
        ))
        .await
        .unwrap();
    assert!(err.contains(column), "the error names the column: {err}");
}

#[tokio::test]
async fn footage_and_its_bookkeeping_come_back_with_their_domain_values() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let officer = users::insert(&mut tx, &new_user(county.id, "off", "1"), t0())
        .await
        .unwrap();
    let head = users::insert(&mut tx, &new_user(county.id, "head", "2"), t0())
        .await
        .unwrap();
    let deputy = users::insert(&mut tx, &new_user(county.id, "deputy", "3"), t0())
        .await
        .unwrap();

    // Footage: every media kind and retention category, and the life it goes through.
    let mut ids = Vec::new();
    for (n, kind) in MediaKind::ALL.into_iter().enumerate() {
        let id = evidence::insert(&mut tx, &footage(&county, officer, n, kind))
            .await
            .unwrap();
        ids.push(id);
    }
    let files = evidence::get_many(&mut tx, &ids).await.unwrap();
    let kinds: Vec<_> = files.iter().map(|e| e.media_kind).collect();
    assert_eq!(kinds, MediaKind::ALL);
    assert!(files.iter().all(|e| e.life_state == LifeState::Kept));
    for category in Category::ALL {
        evidence::set_retention(&mut tx, ids[0], category, None)
            .await
            .unwrap();
        let e = evidence::get(&mut tx, ids[0]).await.unwrap().unwrap();
        assert_eq!(e.retention_category, category);
    }
    assert!(evidence::mark_purged(&mut tx, ids[1], t0(), t0())
        .await
        .unwrap());
    let e = evidence::get(&mut tx, ids[1]).await.unwrap().unwrap();
    assert_eq!(e.life_state, LifeState::Purged);
    assert!(evidence::mark_destroyed(&mut tx, ids[1], t0())
        .await
        .unwrap());
    let e = evidence::get(&mut tx, ids[1]).await.unwrap().unwrap();
    assert_eq!(e.life_state, LifeState::Destroyed);

    // BWC-06: each kind of reason to keep.
    for kind in ReasonKind::ALL {
        let r = NewReason {
            evidence_id: ids[0],
            kind,
            reason_code: "",
            source: "staff",
            note: "",
            set_by: Some(head),
        };
        evidence::add_reason(&mut tx, &r, t0()).await.unwrap();
    }
    let reasons = evidence::reasons(&mut tx, ids[0]).await.unwrap();
    let kinds: Vec<_> = reasons.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ReasonKind::ALL);

    // BWC-06: an early deletion from asked to approved to done, another refused.
    evidence::request_deletion(&mut tx, ids[0], officer, "recorded by mistake", t0())
        .await
        .unwrap();
    let asked = evidence::open_deletion(&mut tx, ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(asked.state, DeletionState::Pending);
    assert!(evidence::approve_deletion(&mut tx, &asked, head)
        .await
        .unwrap());
    let once = evidence::open_deletion(&mut tx, ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(once.state, DeletionState::Pending);
    assert!(evidence::approve_deletion(&mut tx, &once, deputy)
        .await
        .unwrap());
    let approved = evidence::approved_deletions(&mut tx, 10).await.unwrap();
    assert_eq!(approved[0].state, DeletionState::Approved);
    evidence::close_deletion(&mut tx, approved[0].id, DeletionState::Done)
        .await
        .unwrap();
    let other = evidence::request_deletion(&mut tx, ids[2], officer, "a duplicate", t0())
        .await
        .unwrap();
    evidence::close_deletion(&mut tx, other, DeletionState::Refused)
        .await
        .unwrap();
    assert!(evidence::open_deletion(&mut tx, ids[0])
        .await
        .unwrap()
        .is_none());
    assert!(evidence::approved_deletions(&mut tx, 10)
        .await
        .unwrap()
        .is_empty());

    // Uploads: receiving, then completed or failed.
    for (n, end) in [UploadState::Completed, UploadState::Failed]
        .into_iter()
        .enumerate()
    {
        let upload = Upload {
            id: format!("up{n}"),
            unit_id: county.id.0,
            unit_path: county.path.as_str().to_owned(),
            created_by: officer.0,
            created_at: t0(),
            expires_at: t0() + Duration::days(1),
            length: 10,
            declared_sha256: None,
            upload_offset: 0,
            sha256: None,
            metadata: "{}".into(),
            state: UploadState::Receiving,
            failure: String::new(),
            evidence_id: None,
        };
        evidence::insert_upload(&mut tx, &upload).await.unwrap();
        let read = evidence::get_upload(&mut tx, &upload.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.state, UploadState::Receiving);
        let evidence_id = (end == UploadState::Completed).then_some(ids[0]);
        assert!(
            evidence::finish_upload(&mut tx, &upload.id, end, "", evidence_id)
                .await
                .unwrap()
        );
        let read = evidence::get_upload(&mut tx, &upload.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.state, end);
    }

    // BWC-08, BWC-09: each requester, purpose and restriction; each state a request reaches.
    let mut requests = Vec::new();
    for (i, requester) in Requester::ALL.into_iter().enumerate() {
        let r = NewRequest {
            unit_id: county.id,
            unit_path: &county.path,
            requester_id: officer,
            requesting_unit_id: county.id,
            requester_kind: requester,
            purpose: Purpose::ALL[i % Purpose::ALL.len()],
            reason: "for the objection of case 12",
            register: "",
            committee_approval: "",
            restriction: Restriction::ALL[i % Restriction::ALL.len()],
            evidence_ids: &ids[..1],
        };
        requests.push(evidence_access::insert(&mut tx, &r, t0()).await.unwrap());
    }
    let filed: Vec<_> = evidence_access::mine(&mut tx, officer, 10)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .collect();
    let kinds: Vec<_> = filed.iter().map(|r| r.requester_kind).collect();
    assert_eq!(kinds, Requester::ALL);
    assert_eq!(
        filed.iter().map(|r| r.purpose).collect::<Vec<_>>(),
        [
            Purpose::View,
            Purpose::Copy,
            Purpose::View,
            Purpose::Copy,
            Purpose::View
        ]
    );
    let restrictions: Vec<_> = filed.iter().map(|r| r.restriction).collect();
    assert_eq!(restrictions[..4], Restriction::ALL);
    assert!(filed.iter().all(|r| r.state == AccessState::Pending));
    let (approve, refuse, revoke) = (requests[1], requests[2], requests[3]);
    let expires = Some(t0() + Duration::days(30));
    let decide =
        evidence_access::decide(&mut tx, approve, AccessState::Approved, t0(), expires, "");
    assert!(decide.await.unwrap());
    let decide = evidence_access::decide(&mut tx, refuse, AccessState::Refused, t0(), None, "no");
    assert!(decide.await.unwrap());
    assert!(evidence_access::revoke(&mut tx, revoke, head, t0())
        .await
        .unwrap());
    for (id, state) in [
        (requests[0], AccessState::Pending),
        (approve, AccessState::Approved),
        (refuse, AccessState::Refused),
        (revoke, AccessState::Revoked),
    ] {
        let r = evidence_access::get(&mut tx, id).await.unwrap().unwrap();
        assert_eq!(r.state, state);
    }
    let approved = evidence_access::inbox(&mut tx, &county.path, AccessState::Approved, 10);
    assert_eq!(approved.await.unwrap().len(), 1);

    // BWC-03: each reason to stop recording, filed, then approved or refused.
    for reason in StopReason::ALL {
        let w = NewWorkRecord {
            unit_id: county.id,
            unit_path: &county.path,
            officer_id: officer,
            reason,
            basis: "the witness asked",
            stopped_at: t0(),
            resumed_at: None,
        };
        duty_records::insert_work_record(&mut tx, &w, t0())
            .await
            .unwrap();
    }
    let mut records = duty_records::work_records(&mut tx, &county.path, None, 10)
        .await
        .unwrap();
    records.sort_by_key(|w| w.id);
    let reasons: Vec<_> = records.iter().map(|w| w.reason).collect();
    assert_eq!(reasons, StopReason::ALL);
    assert!(records.iter().all(|w| w.state == RecordState::Filed));
    for (w, to) in records
        .iter()
        .zip([RecordState::Approved, RecordState::Refused])
    {
        assert!(
            duty_records::decide_work_record(&mut tx, w.id, to, head, t0())
                .await
                .unwrap()
        );
        let read = duty_records::get_work_record(&mut tx, w.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.state, to);
    }
    tx.commit().await.unwrap();

    // A word the domain does not know is refused where the row is read, naming the column.
    // (An early deletion's state is only ever read through a filter on it, so an unknown
    // one is never read back at all.)
    let store = &db.store;
    let first = ids[0];
    for column in [
        ("media_kind", "hologram", "video"),
        ("retention_category", "forever", "legal_hold"),
        ("life_state", "lost", "kept"),
    ] {
        refused(store, "evidence", column, |mut tx| async move {
            evidence::get(&mut tx, first).await
        })
        .await;
    }
    let column = ("kind", "whim", "long_term");
    refused(store, "evidence_reasons", column, |mut tx| async move {
        evidence::reasons(&mut tx, first).await
    })
    .await;
    let column = ("state", "uploading", "completed");
    refused(store, "evidence_uploads", column, |mut tx| async move {
        evidence::get_upload(&mut tx, "up0").await
    })
    .await;
    let request = requests[0];
    for column in [
        ("requester_kind", "journalist", "officer"),
        ("purpose", "print", "view"),
        ("restriction", "top_secret", "none"),
        ("state", "lapsed", "pending"),
    ] {
        refused(store, "access_requests", column, |mut tx| async move {
            evidence_access::get(&mut tx, request).await
        })
        .await;
    }
    let record = records[0].id;
    for column in [
        ("reason", "tired", "party_request"),
        ("state", "lost", "approved"),
    ] {
        refused(
            store,
            "non_recording_records",
            column,
            |mut tx| async move { duty_records::get_work_record(&mut tx, record).await },
        )
        .await;
    }
    db.done().await;
}

/// BWC-04: a recorder's ledger state comes back as the domain's `RecorderState`; a step whose
/// expected state is out of date changes nothing; an unknown stored word is refused on read.
#[tokio::test]
async fn recorders_come_back_with_their_ledger_state() {
    use roadwarden_domain::evidence::ledger::RecorderState;
    use roadwarden_store::recorders::{self, NewRecorder, StateChange};

    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let r = NewRecorder {
        number: "DSJ-0001",
        unit_id: county.id,
        unit_path: &county.path,
        brand: "Hikvision",
        model: "DS-MH2311",
    };
    let id = recorders::insert(&mut tx, &r, t0()).await.unwrap();
    let got = recorders::get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(got.state, RecorderState::InStore);
    let to = |state| StateChange {
        state,
        holder_id: None,
        issued_at: None,
        damaged_at: None,
        sent_for_repair_at: None,
    };
    for (from, next) in [
        (RecorderState::InStore, RecorderState::Issued),
        (RecorderState::Issued, RecorderState::Damaged),
        (RecorderState::Damaged, RecorderState::InRepair),
        (RecorderState::InRepair, RecorderState::Retired),
    ] {
        assert!(recorders::change_state(&mut tx, id, from, &to(next))
            .await
            .unwrap());
        let got = recorders::get(&mut tx, id).await.unwrap().unwrap();
        assert_eq!(got.state, next);
    }
    let back = to(RecorderState::InStore);
    let stale = recorders::change_state(&mut tx, id, RecorderState::Issued, &back)
        .await
        .unwrap();
    assert!(!stale, "a stale expected state changes nothing");
    tx.commit().await.unwrap();
    refused(
        &db.store,
        "recorders",
        ("state", "lost", "retired"),
        |mut tx| async move { recorders::get(&mut tx, id).await },
    )
    .await;
}
