use roadwarden_testkit::{org, TestApp};
use serde_json::json;

#[tokio::test]
async fn time_01_deadlines_count_working_days_of_the_units_country() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let token = app.token(&o.county_admin.0, &o.county_admin.1).await;
    // Five working days after 30 September 2026 skip the National Day break and count the
    // Saturday make-up day.
    let (status, d) = app
        .get("/api/v1/deadline?from=2026-09-30&days=5", &token)
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["last_day"], "2026-10-13");
    assert_eq!(d["years_without_table"], json!([]), "2026 has its table");
    let (status, body) = app
        .get("/api/v1/deadline?from=30/09/2026&days=5", &token)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("from"))
    );
    // A year with no holiday table is named with the answer (issue 12 item 21), and a date
    // far outside the tables is a typing mistake.
    let (status, d) = app
        .get("/api/v1/deadline?from=2031-06-01&days=5", &token)
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["years_without_table"], json!([2031]), "{d}");
    for from in ["1900-01-01", "9999-12-01"] {
        let (status, body) = app
            .get(&format!("/api/v1/deadline?from={from}&days=5"), &token)
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("from")),
            "{from}: {body}"
        );
    }
}

#[tokio::test]
async fn time_02_deadlines_fall_at_local_midnight_stored_in_utc() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let token = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let (_, d) = app
        .get("/api/v1/deadline?from=2026-11-20&days=5", &token)
        .await;
    assert_eq!(d["last_day"], "2026-11-27");
    // Overdue from midnight of the next day in Asia/Shanghai, which is 16:00 UTC.
    assert_eq!(d["overdue_at"], "2026-11-27T16:00:00Z");
}

#[tokio::test]
async fn time_01_calendar_is_editable_by_province_operators_and_audited() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, days) = app.get("/api/v1/calendar/CN", &root).await;
    assert!(
        days.as_array().unwrap().len() > 30,
        "shipped calendar loaded"
    );
    // An extra day off moves the deadline.
    let (status, _) = app
        .client
        .put(app.url("/api/v1/calendar/CN/2026-11-23"))
        .bearer_auth(&root)
        .json(&json!({ "kind": "holiday", "name": "Typhoon day" }))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 200);
    let (_, d) = app
        .get("/api/v1/deadline?from=2026-11-20&days=5", &root)
        .await;
    assert_eq!(d["last_day"], "2026-11-30");
    let (_, entries) = app.get("/api/v1/audit?action=calendar.", &root).await;
    assert_eq!(entries.as_array().unwrap().len(), 1);
    // A county operator may not edit the national calendar; nobody may edit another country's.
    let county = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let resp = app
        .client
        .put(app.url("/api/v1/calendar/CN/2026-11-24"))
        .bearer_auth(&county)
        .json(&json!({ "kind": "holiday", "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = app
        .client
        .put(app.url("/api/v1/calendar/VN/2026-11-24"))
        .bearer_auth(&root)
        .json(&json!({ "kind": "holiday", "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let (status, _) = app.delete("/api/v1/calendar/CN/2026-11-23", &root).await;
    assert_eq!(status, 204);
}
