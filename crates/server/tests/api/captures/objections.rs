//! APL-02: objections lodged by the owner, upheld or answered
//! (`services/captures/objections.rs`).

use super::*;

#[tokio::test]
async fn apl_02_upheld_objection_eliminates_the_record_and_clears_the_block() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let (status, _) = public_objection(&w, vid, "999999").await;
    assert_eq!(status, 404, "the second factor must match");
    let (status, o) = public_objection(&w, vid, "123456").await;
    assert_eq!(status, 201, "{o}");
    assert_eq!(o["state"], "received");
    // Monday 23rd + 5 working days: due at the end of Monday 30th.
    assert_eq!(o["due_at"], "2026-11-30T16:00:00Z");
    let (status, _) = public_objection(&w, vid, "123456").await;
    assert_eq!(status, 422, "one open objection at a time");
    let (_, open) = w.app.get("/api/v1/objections", &w.handler).await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let objection = o["id"].as_i64().unwrap();
    let handler = w.captures(&w.handler);
    let (status, body) = handler
        .decide_objection(
            objection,
            &json!({ "upheld": true, "reply": "信号灯当日故障，记录撤销。" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("elimination_reason")),
        "{body}"
    );
    let (status, body) = handler.decide_objection(objection, &json!({ "upheld": true, "reply": "信号灯当日故障，记录撤销。", "elimination_reason": "conflicting_signals" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "upheld");
    let detail = w.captures(&w.clerk).violation(vid).await;
    assert_eq!(detail["violation"]["state"], "eliminated");
    assert_eq!(
        detail["violation"]["elimination_reason"],
        "conflicting_signals"
    );
    let (_, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!(body["blocked"], false);
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w.app.get("/api/v1/audit?action=objection.", &root).await;
    let mut actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["objection.list", "objection.lodge", "objection.uphold"],
        "lodged, listed and decided: all audited"
    );
}

#[tokio::test]
async fn apl_02_not_upheld_objection_is_answered_with_the_reason() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let (_, o) = public_objection(&w, vid, "123456").await;
    let objection = o["id"].as_i64().unwrap();
    let handler = w.captures(&w.handler);
    let (status, body) = handler
        .decide_objection(objection, &json!({ "upheld": false, "reply": "不行" }))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("objection.reply_required"))
    );
    let (status, body) = handler.decide_objection(objection, &json!({ "upheld": false, "reply": "经核查，信号灯工作正常，三张照片清楚显示红灯时越线。" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "not_upheld");
    let detail = w.captures(&w.clerk).violation(vid).await;
    assert_eq!(
        detail["violation"]["state"], "notified",
        "the record stands"
    );
    assert_eq!(
        detail["objections"][0]["reply"],
        "经核查，信号灯工作正常，三张照片清楚显示红灯时越线。"
    );
}
