//! The inbox (issue 16, item 5): an upper unit's warning (SUP-02), the circuit breaker
//! applied and lifted (SUP-06) and a suspension by the calibration job (SUP-05) become
//! messages to the people who must act, one per event; the inbox pages, filters and marks
//! read, and reads in the person's language.

use super::*;

async fn inbox(w: &World, token: &str, query: &str) -> (Vec<Value>, i64) {
    let resp = w
        .app
        .client
        .get(format!("{}/api/v1/messages{query}", w.app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let total = resp.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    (v.as_array().unwrap().clone(), total)
}

fn kinds(list: &[Value]) -> Vec<&str> {
    list.iter().map(|m| m["kind"].as_str().unwrap()).collect()
}

async fn warn(w: &World, device: i64) -> i64 {
    let (status, page) = w
        .app
        .post(
            "/api/v1/supervision/warnings",
            &w.city_supervisor,
            &json!({ "device_id": device, "notice": "抓拍量较上月下降 79%，请复核" }),
        )
        .await;
    assert_eq!(status, 201, "{page}");
    page["item"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn sup_02_an_upper_units_warning_reaches_the_managing_units_inbox() {
    let w = world().await;
    let head = w.person(&w.o.squad, "sq.head", 31, &["unit_head"]).await;
    let id = w.in_use("33052201000131").await;
    let item = warn(&w, id).await;
    for token in [&w.manager, &head] {
        let (list, total) = inbox(&w, token, "").await;
        let m = list
            .iter()
            .find(|m| m["kind"] == "supervision_warning")
            .unwrap_or_else(|| panic!("{list:?}"));
        assert_eq!(m["rule"], "SUP-02");
        assert_eq!(m["link"], format!("/supervision/items/{item}"));
        assert!(m["detail"].as_str().unwrap().contains("33052201000131"));
        assert!(total >= 1);
    }
    // Nobody at the sibling county hears of it.
    let (list, _) = inbox(&w, &w.sibling, "?state=all").await;
    assert!(!kinds(&list).contains(&"supervision_warning"), "{list:?}");
    // The page says it in words, in the reader's language, with the device and its link.
    let page = w.app.page("/inbox?lang=zh-CN", Some(&w.manager)).await;
    assert!(page.contains("上级单位发来警示通知"), "{page}");
    // The template escapes "/" in attributes as &#x2f;, which a browser reads as "/".
    assert!(page
        .replace("&#x2f;", "/")
        .contains(&format!("/supervision/items/{item}")));
    assert!(!page.contains(">supervision_warning<"));
    let page = w.app.page("/inbox?lang=vi", Some(&w.manager)).await;
    assert!(
        page.contains("Đơn vị cấp trên gửi thông báo cảnh báo"),
        "{page}"
    );
    let page = w
        .app
        .page("/?lang=en", Some(&w.manager))
        .await
        .replace("&#x2f;", "/");
    assert!(page.contains("href=\"/inbox\""), "the menu has the inbox");
    assert!(
        page.contains("href=\"/inbox?state=unread\""),
        "the badge links to it"
    );
}

#[tokio::test]
async fn sup_06_the_circuit_breaker_applied_and_lifted_are_one_message_each() {
    let w = world().await;
    let id = w.in_use("33052201000132").await;
    let item = warn(&w, id).await;
    w.clock.advance(Duration::days(32));
    w.run_jobs(Job::SupervisionEscalation).await;
    let (status, p) = w
        .app
        .post(
            &format!("/api/v1/supervision/items/{item}/circuit-break"),
            &w.city_supervisor,
            &json!({ "reason": "警示后逾期未整改" }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    // The managing unit and the unit that applied it.
    for token in [&w.manager, &w.city_supervisor] {
        let (list, _) = inbox(&w, token, "?kind=circuit_breaker_applied").await;
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["rule"], "SUP-06");
        assert_eq!(list[0]["link"], format!("/devices/{id}"));
    }
    // A job re-run adds nothing.
    w.run_jobs(Job::SupervisionEscalation).await;
    w.run_jobs(Job::DeviceDeadlines).await;
    let (list, _) = inbox(&w, &w.manager, "?state=all&kind=circuit_breaker_applied").await;
    assert_eq!(list.len(), 1);
    // Lifted: re-enabling starts with a new assessment (SUP-06, DEV-02).
    let (status, d) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &assessment(),
        )
        .await;
    assert!(status < 300, "{d}");
    for token in [&w.manager, &w.city_supervisor] {
        let (list, _) = inbox(&w, token, "?kind=circuit_breaker_lifted").await;
        assert_eq!(list.len(), 1, "{list:?}");
    }
}

#[tokio::test]
async fn sup_05_a_suspension_by_the_calibration_job_messages_the_device_managers_once() {
    let w = world().await;
    let mut speed = camera(&w.o, "330522030133");
    speed["kind"] = json!("speed");
    speed["violation_types"] = json!(["1352", "1636"]);
    let id = w.create(&speed).await;
    w.app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &assessment(),
        )
        .await;
    w.review_all(id).await;
    w.clock.advance(Duration::days(6));
    w.run_jobs(Job::DeviceDeadlines).await;
    w.app
        .post(
            &format!("/api/v1/devices/{id}/registration"),
            &w.manager,
            &json!({ "platform_ref": "JZ-133" }),
        )
        .await;
    w.clock.advance(Duration::days(16));
    let scan = base64_of(b"%PDF-1.4 calibration certificate");
    let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/calibrations"), &w.manager, &json!({ "issuer": "湖州市计量检定测试所", "certificate_no": "HZJL-2026-0133", "valid_from": "2026-03-01", "valid_until": "2026-05-31", "scan_name": "cert.pdf", "scan_base64": scan })).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(status, 200);
    w.clock.advance(Duration::days(70));
    w.run_jobs(Job::DeviceCalibrationCheck).await;
    assert_eq!(w.state(id).await["state"], "suspended");
    w.run_jobs(Job::DeviceCalibrationCheck).await;
    let (list, _) = inbox(&w, &w.manager, "?kind=device_suspended").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["rule"], "SUP-05");
    assert!(list[0]["detail"]
        .as_str()
        .unwrap()
        .contains("calibration_invalid"));
    let page = w.app.page("/inbox?lang=en", Some(&w.manager)).await;
    assert!(page.contains("A device was suspended"), "{page}");
    assert!(page.contains("Calibration not valid"), "{page}");
}

#[tokio::test]
async fn the_inbox_pages_filters_and_marks_all_read() {
    let w = world().await;
    let mut items = Vec::new();
    for n in 0..3 {
        let id = w.in_use(&format!("3305220100014{n}")).await;
        items.push(warn(&w, id).await);
    }
    let (list, total) = inbox(&w, &w.manager, "?per_page=2").await;
    assert_eq!((list.len(), total), (2, 3));
    // Newest first.
    assert_eq!(list[0]["link"], format!("/supervision/items/{}", items[2]));
    let (list, _) = inbox(&w, &w.manager, "?per_page=2&page=2").await;
    assert_eq!(list.len(), 1);
    // Bad filters name their field.
    let (status, e) = w.app.get("/api/v1/messages?state=new", &w.manager).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("state")));
    let (status, e) = w.app.get("/api/v1/messages?per_page=0", &w.manager).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("per_page"))
    );
    // One read, then all.
    let first = list[0]["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/messages/{first}/read"),
            &w.manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, unread) = inbox(&w, &w.manager, "").await;
    assert_eq!(unread, 2);
    let (_, read) = inbox(&w, &w.manager, "?state=read").await;
    assert_eq!(read, 1);
    let (status, v) = w
        .app
        .post("/api/v1/messages/read-all", &w.manager, &json!({}))
        .await;
    assert_eq!((status, v["marked"].as_i64()), (200, Some(2)));
    let (_, unread) = inbox(&w, &w.manager, "").await;
    assert_eq!(unread, 0);
    let (list, all) = inbox(&w, &w.manager, "?state=all").await;
    assert_eq!(all, 3);
    assert!(list.iter().all(|m| m["read_at"].is_string()));
    let page = w
        .app
        .page("/inbox?state=read&lang=en", Some(&w.manager))
        .await;
    assert!(page.contains("Read on"), "{page}");
    assert!(
        !page.contains("id=\"inbox-read-all\""),
        "nothing left to mark"
    );
}
