//! BWC-03, BWC-13, BWC-14: work records, duties and supervision.

use super::*;

// ---- BWC-03, BWC-13, BWC-14: work records and supervision ----------------------------------------

#[tokio::test]
async fn bwc_03_a_stopped_recording_is_filed_and_approved_by_the_unit_head() {
    let w = world().await;
    let officer = w
        .app
        .token("sq.officer", roadwarden_testkit::PASSWORD)
        .await;
    let body = json!({"reason": "party_request", "basis": "the victim asked not to be filmed while giving her statement",
        "stopped_at": (t0() - Duration::hours(2)).to_rfc3339(), "resumed_at": (t0() - Duration::minutes(90)).to_rfc3339()});
    let (status, rec) = w.app.post("/api/v1/non-recording", &officer, &body).await;
    assert_eq!(status, 201, "{rec}");
    let id = rec["id"].as_i64().unwrap();
    let (status, err) = w
        .app
        .post(
            "/api/v1/non-recording",
            &officer,
            &json!({"reason": "bored", "basis": "x", "stopped_at": t0().to_rfc3339()}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("reason"))
    );
    assert_eq!(
        w.app
            .post(
                &format!("/api/v1/non-recording/{id}/decision"),
                &officer,
                &json!({"approve": true})
            )
            .await
            .0,
        403
    );
    let (status, rec) = w
        .app
        .post(
            &format!("/api/v1/non-recording/{id}/decision"),
            &w.head,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!((status, rec["state"].as_str()), (200, Some("approved")));
    // The recorder administrator and the legal office have their copies.
    let (_, list) = w.app.get("/api/v1/non-recording", &w.admin).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let legal_dept = roadwarden_testkit::unit(
        &w.app.state,
        Some(&w.o.county),
        "330522-FZ",
        "squad",
        "legal_department",
    )
    .await;
    account(
        &w.app.state,
        &legal_dept,
        "cx.legal",
        28,
        &["legal_reviewer"],
    )
    .await;
    let legal = w.app.token("cx.legal", roadwarden_testkit::PASSWORD).await;
    let (_, list) = w.app.get("/api/v1/non-recording", &legal).await;
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "the legal office beside the county sees the county's records: {list}"
    );
}

#[tokio::test]
async fn bwc_13_bwc_14_supervision_finds_missing_footage_gaps_late_uploads_and_delete_attempts() {
    let w = world().await;
    let duty_end = t0() - Duration::hours(1);
    let duty_start = duty_end - Duration::minutes(60);
    // Duty 1: footage covers 0-20 and 40-60 minutes; 20-40 is a gap.
    let (status, _) = w
        .app
        .post(
            "/api/v1/duties",
            &w.admin,
            &json!({"officer_id": w.officer_id, "activity": "roadside_inspection",
        "started_at": duty_start.to_rfc3339(), "ended_at": duty_end.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201);
    for (seed, from, to) in [(20u8, 0, 20), (21, 40, 60)] {
        let s = duty_start + Duration::minutes(from);
        let e = duty_start + Duration::minutes(to);
        store_footage(
            &w,
            &mp4(5000, seed),
            &[
                ("started_at", s.to_rfc3339()),
                ("ended_at", e.to_rfc3339()),
                ("duty_ended_at", duty_end.to_rfc3339()),
            ],
        )
        .await;
    }
    // Duty 2, the day before: no footage at all.
    let d2 = duty_start - Duration::hours(24);
    w.app
        .post(
            "/api/v1/duties",
            &w.admin,
            &json!({"officer_id": w.officer_id, "activity": "traffic_violation_accident_checkpoint",
        "started_at": d2.to_rfc3339(), "ended_at": (d2 + Duration::minutes(30)).to_rfc3339()}),
        )
        .await;
    w.app.delete("/api/v1/evidence/1", &w.admin).await;
    let sup = w.app.token("cx.super", roadwarden_testkit::PASSWORD).await;
    let from = (t0() - Duration::days(3)).to_rfc3339().replace('+', "%2B");
    let to = (t0() + Duration::days(1)).to_rfc3339().replace('+', "%2B");
    let (status, report) = w
        .app
        .get(
            &format!("/api/v1/evidence-supervision?from={from}&to={to}"),
            &sup,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let line = &report["officers"][0];
    assert_eq!(
        (
            line["duties"].as_u64(),
            line["duties_without_footage"].as_u64(),
            line["gaps"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(line["gap_minutes"], 20);
    assert_eq!(line["files"], 2);
    assert_eq!(report["delete_attempts"], 1);
    assert_eq!(
        (
            report["units"][0]["unit_id"].as_i64(),
            report["units"][0]["duties"].as_u64()
        ),
        (Some(w.o.squad.id.0), Some(2))
    );
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 2);
    assert!(rules.contains(&"BWC-14") && rules.contains(&"BWC-02"));
}
