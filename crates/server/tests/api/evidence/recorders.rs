//! BWC-01, BWC-04, BWC-12: the recorder ledger.

use super::*;

// ---- BWC-01, BWC-04, BWC-12: the ledger -------------------------------------------------------

#[tokio::test]
async fn bwc_01_bwc_04_a_recorder_is_issued_only_after_a_passed_check_and_comes_back_to_the_store()
{
    let w = world().await;
    let (status, rec) = w
        .app
        .post(
            "/api/v1/recorders",
            &w.admin,
            &json!({"number": "zj-bwc-0001", "brand": "Hikvision", "model": "DS-MH2311"}),
        )
        .await;
    assert_eq!(status, 201, "{rec}");
    assert_eq!(rec["recorder"]["number"], "ZJ-BWC-0001");
    let id = rec["recorder"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/recorders/{id}/ledger");
    let issue = json!({"step": "issue", "officer_id": w.officer_id, "condition": "good"});
    let (status, err) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(
        (
            status,
            err["error"]["rule"].as_str(),
            err["error"]["code"].as_str()
        ),
        (422, Some("BWC-04"), Some("recorder.not_checked"))
    );
    let check = |spare: bool| {
        json!({"step": "check", "officer_id": w.officer_id, "fault_free": true,
        "main_battery_charged": true, "spare_battery_charged": spare, "storage_sufficient": true,
        "time_and_place_stamp_correct": true})
    };
    assert_eq!(w.app.post(&path, &w.admin, &check(false)).await.0, 200);
    let (status, err) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("recorder.check_failed"))
    );
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("spare_battery_charged"));
    assert_eq!(w.app.post(&path, &w.admin, &check(true)).await.0, 200);
    let (status, page) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["recorder"]["state"], "issued");
    assert_eq!(page["recorder"]["holder_id"].as_i64(), Some(w.officer_id));
    let (status, err) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(
        (status, err["error"]["rule"].as_str()),
        (422, Some("BWC-01")),
        "not twice"
    );
    // A shift later without a hand-over back, the ledger flags it.
    w.clock.advance(Duration::hours(25));
    let (_, list) = w.app.get("/api/v1/recorders", &w.admin).await;
    assert_eq!(list[0]["flags"], json!(["held_without_hand_over"]));
    let (status, page) = w
        .app
        .post(
            &path,
            &w.admin,
            &json!({"step": "return", "condition": "scratched lens cover"}),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["recorder"]["state"], "in_store");
    let kinds: Vec<&str> = page["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["return", "issue", "check", "check", "registered"],
        "newest first"
    );
    assert_eq!(page["ledger"][0]["condition"], "scratched lens cover");
    // Another county's recorder administrator does not see it.
    let sib = w.app.token("sib.head", roadwarden_testkit::PASSWORD).await;
    assert_eq!(
        w.app.get(&format!("/api/v1/recorders/{id}"), &sib).await.0,
        404
    );
}

#[tokio::test]
async fn bwc_12_a_damaged_recorder_goes_to_logistics_within_24_hours() {
    let w = world().await;
    let (_, rec) = w
        .app
        .post(
            "/api/v1/recorders",
            &w.admin,
            &json!({"number": "ZJ-BWC-0002", "brand": "Hikvision", "model": "X"}),
        )
        .await;
    let id = rec["recorder"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/recorders/{id}/ledger");
    assert_eq!(
        w.app
            .post(
                &path,
                &w.admin,
                &json!({"step": "damage", "condition": "screen cracked"})
            )
            .await
            .0,
        200
    );
    let (status, err) = w
        .app
        .post(
            &path,
            &w.admin,
            &json!({"step": "send_for_repair", "destination": "outside_shop"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("recorder.outside_repair_forbidden"))
    );
    w.clock.advance(Duration::hours(25));
    let (_, list) = w.app.get("/api/v1/recorders", &w.admin).await;
    assert_eq!(list[0]["flags"], json!(["repair_overdue"]));
    let (status, page) = w
        .app
        .post(
            &path,
            &w.admin,
            &json!({"step": "send_for_repair", "destination": "logistics_department"}),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["ledger"][0]["detail"]
            .as_str()
            .map(|d| d.contains("\"late\":true")),
        Some(true),
        "sent late, and it shows"
    );
    assert_eq!(
        w.app
            .post(
                &path,
                &w.admin,
                &json!({"step": "repaired", "condition": "screen replaced"})
            )
            .await
            .0,
        200
    );
}

/// BWC-01 (issue 14): a recorder goes to an active officer or auxiliary; an interface account
/// (an inspection station) is neither offered on the page nor accepted by the API.
#[tokio::test]
async fn bwc_01_a_recorder_goes_only_to_an_officer_not_to_an_interface_account() {
    let w = world().await;
    let station = roadwarden_testkit::unit(
        &w.app.state,
        Some(&w.o.county),
        "330522-JC",
        "squad",
        "inspection_station",
    )
    .await;
    account(
        &w.app.state,
        &station,
        "jc.station",
        41,
        &["interface_client"],
    )
    .await;
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let (_, list) = w.app.get("/api/v1/users?search=jc.station", &root).await;
    let rows = list["items"].as_array().or(list.as_array()).unwrap();
    let station_id = rows[0]["id"].as_i64().unwrap();
    let (_, rec) = w
        .app
        .post(
            "/api/v1/recorders",
            &w.admin,
            &json!({"number": "ZJ-BWC-0042", "brand": "Hikvision", "model": "DS-MH2311"}),
        )
        .await;
    let id = rec["recorder"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/recorders/{id}/ledger");
    let check = |officer: i64| {
        json!({"step": "check", "officer_id": officer, "fault_free": true,
        "main_battery_charged": true, "spare_battery_charged": true, "storage_sufficient": true,
        "time_and_place_stamp_correct": true})
    };
    let (status, err) = w.app.post(&path, &w.admin, &check(station_id)).await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("officer_id")),
        "{err}"
    );
    assert_eq!(
        w.app.post(&path, &w.admin, &check(w.officer_id)).await.0,
        200
    );
    let issue = json!({"step": "issue", "officer_id": station_id, "condition": "good"});
    let (status, err) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("officer_id")),
        "{err}"
    );
    let page = w
        .app
        .page(&format!("/recorders/{id}"), Some(&w.admin))
        .await;
    assert!(page.contains("sq.officer"), "the officer is offered");
    assert!(!page.contains("jc.station"), "the station account is not");
}

/// BWC-01, BWC-12: the limits have a job behind them. A recorder held past 24 hours, and one
/// damaged and not sent for repair within 24 hours, are each reported once in the audit trail.
#[tokio::test]
async fn bwc_01_bwc_12_the_overdue_job_reports_each_late_recorder_once() {
    use roadwarden_server::jobs::worker::run_one;
    use roadwarden_server::jobs::{enqueue, Job};
    let w = world().await;
    let mut ids = Vec::new();
    for number in ["ZJ-BWC-0101", "ZJ-BWC-0102"] {
        let (_, rec) = w
            .app
            .post(
                "/api/v1/recorders",
                &w.admin,
                &json!({"number": number, "brand": "Hikvision", "model": "X"}),
            )
            .await;
        ids.push(rec["recorder"]["id"].as_i64().unwrap());
    }
    let held = format!("/api/v1/recorders/{}/ledger", ids[0]);
    let check = json!({"step": "check", "officer_id": w.officer_id, "fault_free": true,
        "main_battery_charged": true, "spare_battery_charged": true, "storage_sufficient": true,
        "time_and_place_stamp_correct": true});
    assert_eq!(w.app.post(&held, &w.admin, &check).await.0, 200);
    let issue = json!({"step": "issue", "officer_id": w.officer_id, "condition": "good"});
    assert_eq!(w.app.post(&held, &w.admin, &issue).await.0, 200);
    let damaged = format!("/api/v1/recorders/{}/ledger", ids[1]);
    let damage = json!({"step": "damage", "condition": "screen cracked"});
    assert_eq!(w.app.post(&damaged, &w.admin, &damage).await.0, 200);

    let run = || async {
        enqueue(&w.app.state, &Job::RecorderOverdue, None, w.clock.now())
            .await
            .unwrap();
        while run_one(&w.app.state).await.unwrap().is_some() {}
    };
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let reported = |audit: Value| -> Vec<String> {
        let mut v: Vec<String> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    w.clock.advance(Duration::hours(23));
    run().await;
    let (_, audit) = w.app.get("/api/v1/audit?action=recorder.not_", &root).await;
    assert!(
        reported(audit).is_empty(),
        "within 24 hours nothing is late"
    );
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=recorder.repair_", &root)
        .await;
    assert!(reported(audit).is_empty());

    w.clock.advance(Duration::hours(2));
    run().await;
    run().await;
    let (_, audit) = w.app.get("/api/v1/audit?action=recorder.not_", &root).await;
    assert_eq!(reported(audit), ["recorder.not_handed_back"], "once");
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=recorder.repair_", &root)
        .await;
    assert_eq!(reported(audit), ["recorder.repair_not_sent"], "once");
}
