//! RID-09..11: a tier's rise dispatches tasks; a grid worker takes and answers them with
//! photos, an officer evaluates; overdue tasks count against the village (RID-10 c).

use super::*;

/// A rider made frequent by four confirmed events: returns (person, tasks dispatched).
async fn frequent_rider(r: &Riders, n: u32, employer: &str) -> (i64, Vec<i64>) {
    let id = r
        .person(Some(&roadwarden_testkit::cn_id(n)), "Huang Bo", employer)
        .await;
    let mut dispatched = Vec::new();
    for k in 0..4 {
        let e = r
            .event(
                Some(id),
                &format!("f{n}-{k}"),
                20 + k,
                MatchState::Unconfirmed,
            )
            .await;
        let (status, out) = r
            .act(&format!("/api/v1/rider-events/{e}/confirm"), &no_body())
            .await;
        assert_eq!(status, 200, "{out}");
        for t in out["dispatched"].as_array().unwrap() {
            dispatched.push(t.as_i64().unwrap());
        }
    }
    (id, dispatched)
}

#[tokio::test]
async fn rid_09_a_frequent_rider_gets_education_by_the_employer_and_a_grid_visit() {
    let r = riders().await;
    let (id, tasks) = frequent_rider(&r, 521, "Changxing Textiles").await;
    assert_eq!(tasks.len(), 2);
    let f = r.file(id, &r.officer).await;
    let kinds: Vec<(&str, &str)> = f["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap(),
                t["addressee"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(kinds.contains(&("education", "employer")), "{kinds:?}");
    assert!(kinds.contains(&("grid_visit", "village")), "{kinds:?}");
    // Occasional measures were recorded on the way up (RID-09 Table 2).
    let measures: Vec<&str> = f["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["disposition"].as_str().unwrap())
        .collect();
    assert!(measures.contains(&"sms_reminder"), "{measures:?}");
}

#[tokio::test]
async fn rid_11_a_task_is_dispatched_taken_answered_with_photos_and_evaluated() {
    let r = riders().await;
    let (person, tasks) = frequent_rider(&r, 522, "").await;
    let (status, board) = r.w.app.get("/api/v1/rider-tasks", &r.grid).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board.as_array().unwrap().len(), 2);
    let task = tasks[0];
    // Only a grid worker takes it; an officer is refused.
    let (status, _) =
        r.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/accept"),
                &r.officer,
                &no_body(),
            )
            .await;
    assert_eq!(status, 403);
    let (status, t) =
        r.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/accept"),
                &r.grid,
                &no_body(),
            )
            .await;
    assert_eq!(
        (status, t["state"].as_str()),
        (200, Some("accepted")),
        "{t}"
    );
    // Out of order: passing an accepted task.
    let (status, e) =
        r.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/pass"),
                &r.officer,
                &no_body(),
            )
            .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.task_out_of_order"))
    );
    let report = |text: &str| {
        reqwest::multipart::Form::new()
            .text("result", text.to_owned())
            .part(
                "photos",
                reqwest::multipart::Part::bytes(jpeg(7))
                    .file_name("visit.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            )
    };
    let resp =
        r.w.app
            .client
            .post(r.w.app.url(&format!("/api/v1/rider-tasks/{task}/report")))
            .bearer_auth(&r.grid)
            .multipart(report("上门宣传头盔佩戴，本人已签字承诺"))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let t: Value = resp.json().await.unwrap();
    assert_eq!(
        (t["state"].as_str(), t["photos"].as_u64()),
        (Some("reported"), Some(1))
    );
    // The officer sends it back with a reason, the grid worker answers again, it passes.
    let (status, e) =
        r.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/send-back"),
                &r.officer,
                &json!({ "reason": " " }),
            )
            .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.task_reason_required"))
    );
    let (status, t) =
        r.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/send-back"),
                &r.officer,
                &json!({ "reason": "请补充本人签字照片" }),
            )
            .await;
    assert_eq!(
        (status, t["state"].as_str()),
        (200, Some("accepted")),
        "{t}"
    );
    let resp =
        r.w.app
            .client
            .post(r.w.app.url(&format!("/api/v1/rider-tasks/{task}/report")))
            .bearer_auth(&r.grid)
            .multipart(report("已补充签字照片"))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (status, t) =
        r.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/pass"),
                &r.officer,
                &no_body(),
            )
            .await;
    assert_eq!((status, t["state"].as_str()), (200, Some("passed")), "{t}");
    // The photo reads back (audited); the rider's education is on file (RID-08).
    let resp =
        r.w.app
            .client
            .get(r.w.app.url(&format!("/api/v1/rider-tasks/{task}/photos/1")))
            .bearer_auth(&r.officer)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(r.audited("rider_task.photo").await.len(), 1);
    assert_eq!(r.audited("rider_task.pass").await.len(), 1);
    let f = r.file(person, &r.officer).await;
    assert!(!f["person"]["last_education_at"].is_null(), "{f}");
    // A non-JPEG photo is refused.
    let resp =
        r.w.app
            .client
            .post(
                r.w.app
                    .url(&format!("/api/v1/rider-tasks/{}/report", tasks[1])),
            )
            .bearer_auth(&r.grid)
            .multipart(reqwest::multipart::Form::new().text("result", "done").part(
                "photos",
                reqwest::multipart::Part::bytes(b"not a photo".to_vec()).file_name("x.jpg"),
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
}

#[tokio::test]
async fn rid_10_overdue_tasks_count_against_the_village_in_the_assessment() {
    let r = riders().await;
    frequent_rider(&r, 523, "").await;
    let (_, a) = r.w.app.get("/api/v1/rider-assessment", &r.officer).await;
    let village = |a: &Value| {
        a["villages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["unit_id"] == r.w.o.village.id.0)
            .cloned()
            .unwrap()
    };
    assert_eq!(village(&a)["score"], 100, "{a}");
    r.w.clock.advance(Duration::days(8));
    let (status, board) = r.w.app.get("/api/v1/rider-tasks", &r.officer).await;
    assert_eq!(status, 200);
    assert!(board
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["overdue"] == true));
    let (status, a) = r.w.app.get("/api/v1/rider-assessment", &r.head).await;
    assert_eq!(status, 200, "{a}");
    let v = village(&a);
    assert_eq!(
        (v["overdue_tasks"].as_u64(), v["overdue_now"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(v["score"], 96);
    let (status, e) =
        r.w.app
            .get("/api/v1/rider-assessment?month=2026-13", &r.head)
            .await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("month")));
}
