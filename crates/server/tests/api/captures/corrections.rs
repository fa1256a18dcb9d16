//! SEC-06, DAT-01: a record's facts change only by a data-modification request, approved by
//! the unit head and carried out by the technology department (`services/corrections.rs`).

use super::*;

fn ask(vid: i64, field: &str, value: &str) -> Value {
    json!({ "violation_id": vid, "changes": [{ "field": field, "value": value }],
            "reason": "号牌识别错误，核对照片为浙E54321" })
}

#[tokio::test]
async fn dat_01_asked_approved_and_executed_with_before_and_after_on_the_record() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let head = w.person(&w.o.county, "cx.head", 21, &["unit_head"]).await;
    let tech = w
        .person(&w.o.county, "cx.tech", 22, &["tech_reviewer"])
        .await;
    let body = json!({ "violation_id": vid, "reason": "号牌识别错误，核对照片为浙E54321",
        "changes": [{ "field": "plate", "value": "浙E54321" }, { "field": "place", "value": "明珠路口北" }] });
    let (status, c) = w.app.post("/api/v1/corrections", &w.clerk, &body).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["state"], "requested");
    assert_eq!(c["changes"][0]["field"], "plate");
    assert_eq!(c["changes"][0]["before"], "浙E12345");
    assert_eq!(c["changes"][0]["after"], "浙E54321");
    let id = c["id"].as_i64().unwrap();

    let (status, list) = w
        .app
        .get("/api/v1/corrections?state=requested", &head)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Only an approved request is carried out.
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/execute"),
            &tech,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.not_approved"))
    );
    let (status, a) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/approve"),
            &head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["state"], "approved");
    let (status, x) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/execute"),
            &tech,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{x}");
    assert_eq!(x["state"], "executed");

    let detail = w.captures(&w.clerk).violation(vid).await;
    assert_eq!(detail["violation"]["plate"], "浙E54321");
    assert_eq!(detail["violation"]["place"], "明珠路口北");
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for step in [
        "correction_request",
        "correction_approve",
        "correction_execute",
    ] {
        assert!(events.contains(&step), "{events:?}");
    }
    let (_, got) = w
        .app
        .get(&format!("/api/v1/corrections/{id}"), &w.clerk)
        .await;
    assert_eq!(got["changes"][1]["before"], "明珠路口");
    assert_eq!(got["changes"][1]["after"], "明珠路口北");

    // The record's page leads to its requests, shown with before and after.
    let record = w
        .app
        .page(&format!("/violations/{vid}"), Some(&w.clerk))
        .await;
    assert!(record.contains(&format!("/corrections?violation={vid}")));
    // Its timeline reads the before and after in words, not as JSON.
    assert!(record.contains("明珠路口 → 明珠路口北"), "{record}");
    assert!(!record.contains("{&quot;changes") && !record.contains("\"changes\""));
    let record_en = w
        .app
        .page(&format!("/violations/{vid}?lang=en"), Some(&w.clerk))
        .await;
    assert!(
        record_en.contains("Place: 明珠路口 → 明珠路口北"),
        "{record_en}"
    );
    let page = w
        .app
        .page(&format!("/corrections?violation={vid}"), Some(&w.clerk))
        .await;
    assert!(page.contains("correction-form"), "the clerk may ask again");
    assert!(page.contains("浙E12345") && page.contains("浙E54321"));

    // SEC-06: the database still refuses a change by hand.
    let sql = format!("UPDATE violations SET plate = '浙E00000' WHERE id = {vid}");
    assert!(w.app.state.store.raw_execute(&sql).await.is_err());
    let sql = format!("DELETE FROM violation_events WHERE violation_id = {vid}");
    assert!(w.app.state.store.raw_execute(&sql).await.is_err());

    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w.app.get("/api/v1/audit?action=correction.", &root).await;
    let mut actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    actions.dedup();
    assert_eq!(
        actions,
        [
            "correction.approve",
            "correction.execute",
            "correction.list",
            "correction.request"
        ]
    );
}

#[tokio::test]
async fn dat_01_refused_with_a_reason_and_never_approved_or_executed_by_the_requester() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let head = w.person(&w.o.county, "cx.head", 21, &["unit_head"]).await;
    let root = w.o.root_admin_token(&w.app).await;

    // The head asks; the head may not approve it.
    let (status, c) = w
        .app
        .post(
            "/api/v1/corrections",
            &head,
            &ask(vid, "place", "明珠路口南"),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let own = c["id"].as_i64().unwrap();
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/corrections/{own}/approve"),
            &head,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.self_approval"))
    );
    // Refused: with a reason only, and then never carried out.
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/corrections/{own}/refuse"),
            &root,
            &json!({ "reason": "" }),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.reason_required"))
    );
    let (status, r) = w
        .app
        .post(
            &format!("/api/v1/corrections/{own}/refuse"),
            &root,
            &json!({ "reason": "照片显示地点无误" }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["state"], "refused");
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/corrections/{own}/execute"),
            &root,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.not_approved"))
    );

    // The operator who asked may not carry out their own request, even approved.
    let (status, c) = w
        .app
        .post(
            "/api/v1/corrections",
            &root,
            &ask(vid, "violation_code", "1208"),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let theirs = c["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/corrections/{theirs}/approve"),
            &head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/corrections/{theirs}/execute"),
            &root,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.self_execution"))
    );
    let detail = w.captures(&w.clerk).violation(vid).await;
    assert_eq!(
        detail["violation"]["violation_code"], "1625",
        "nothing changed"
    );
}

#[tokio::test]
async fn sec_06_bad_fields_values_roles_and_scope_are_refused() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let tech = w
        .person(&w.o.county, "cx.tech", 22, &["tech_reviewer"])
        .await;
    let far_head = w
        .person(&w.o.sibling_county, "sb.head", 23, &["unit_head"])
        .await;
    let far = w
        .app
        .token(&w.o.sibling_reviewer.0, &w.o.sibling_reviewer.1)
        .await;
    let post = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &w.app;
        async move { app.post("/api/v1/corrections", &token, &body).await }
    };
    // A field that is not a fact, a bad value named by its field.
    let (status, e) = post(&w.clerk, ask(vid, "state", "closed")).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.not_fact"))
    );
    for (field, value) in [
        ("plate", "不是号牌"),
        ("violation_code", "9999"),
        ("plate_colour", "purple"),
        ("occurred_at", "2099-01-01T00:00:00Z"),
    ] {
        let (status, e) = post(&w.clerk, ask(vid, field, value)).await;
        assert_eq!(
            (status, e["error"]["field"].as_str()),
            (422, Some(field)),
            "{e}"
        );
    }
    // Roles: the technology department does not ask, the clerk does not approve.
    let (status, _) = post(&tech, ask(vid, "place", "明珠路口南")).await;
    assert_eq!(status, 403);
    // Another county's record is not found.
    let (status, _) = post(&far, ask(vid, "place", "明珠路口南")).await;
    assert_eq!(status, 404);
    let (status, c) = post(&w.clerk, ask(vid, "place", "明珠路口南")).await;
    assert_eq!(status, 201);
    let id = c["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/approve"),
            &w.clerk,
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/approve"),
            &far_head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = w
        .app
        .get(&format!("/api/v1/corrections/{id}"), &far_head)
        .await;
    assert_eq!(status, 404);
    let (_, list) = w.app.get("/api/v1/corrections", &far_head).await;
    assert!(list.as_array().unwrap().is_empty());
}

/// DAT-01: the technology department carries out its bureau's corrections although its staff
/// sit in the department, beside the squads whose records they correct; another county's
/// technology department does not see them.
#[tokio::test]
async fn dat_01_the_technology_department_carries_out_its_bureaus_corrections() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let s = &w.app.state;
    let kj = roadwarden_testkit::unit(
        s,
        Some(&w.o.county),
        "330522-KJ",
        "county",
        "technology_department",
    )
    .await;
    let other_kj = roadwarden_testkit::unit(
        s,
        Some(&w.o.sibling_county),
        "330502-KJ",
        "county",
        "technology_department",
    )
    .await;
    let tech = w.person(&kj, "kj.tech", 31, &["tech_reviewer"]).await;
    let stranger = w.person(&other_kj, "ax.tech", 32, &["tech_reviewer"]).await;
    let head = w.person(&w.o.county, "cx.head", 21, &["unit_head"]).await;
    let (status, c) = w
        .app
        .post(
            "/api/v1/corrections",
            &w.clerk,
            &ask(vid, "place", "明珠路口东"),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/approve"),
            &head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);

    let (_, listed) = w.app.get("/api/v1/corrections", &tech).await;
    assert!(
        listed.as_array().unwrap().iter().any(|x| x["id"] == id),
        "the department sees its bureau's requests: {listed}"
    );
    let (_, theirs) = w.app.get("/api/v1/corrections", &stranger).await;
    assert_eq!(theirs, json!([]), "another county's department sees none");
    let path = format!("/api/v1/corrections/{id}/execute");
    let (status, _) = w.app.post(&path, &stranger, &json!({})).await;
    assert_eq!(status, 404, "outside its bureau the request does not exist");
    let (status, x) = w.app.post(&path, &tech, &json!({})).await;
    assert_eq!(status, 200, "{x}");
    assert_eq!(x["state"], "executed");
    let detail = w.captures(&w.clerk).violation(vid).await;
    assert_eq!(detail["violation"]["place"], "明珠路口东");
}
