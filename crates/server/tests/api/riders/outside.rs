//! RID-10, RID-11, SHR-04: the requests to outside systems (civility credit, party index, the
//! grassroots-governance platform), against a small fake of those systems over a real socket:
//! sent, retried with back-off, read back, recorded on the rider's file and task, never
//! applied twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Json;
use base64::Engine;
use roadwarden_server::config::Secret;
use roadwarden_server::jobs::{tasks::run, Job};
use roadwarden_server::services::outside::{drain, queue_lists};

use super::*;

/// The fake's knobs and what it saw.
#[derive(Default)]
struct Fake {
    /// POSTs still to be answered 503.
    fail_next: u32,
    /// How long a POST takes to answer, after it was applied (ms).
    delay_ms: u64,
    /// Read-backs still to be answered "pending".
    pending_reads: u32,
    /// Deductions applied, by our request id: (remote id, the request).
    applied: HashMap<String, (String, Value)>,
    /// POSTs received, all kinds.
    posts: u32,
    /// Authorization headers seen.
    auth: Vec<String>,
    /// Tasks received, by remote id.
    tasks: HashMap<String, Value>,
    /// What GET /tasks/{id} answers once not pending.
    task_answer: Option<Value>,
    lists: Vec<Value>,
    /// Refuse every POST (422).
    refuse: bool,
}

type Shared = Arc<Mutex<Fake>>;

async fn accept(
    fake: &Shared,
    headers: &HeaderMap,
    body: Value,
    kind: &str,
) -> (StatusCode, Json<Value>) {
    let delay = {
        let mut f = fake.lock().unwrap();
        f.posts += 1;
        f.auth.push(
            headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        );
        if f.refuse {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": "unknown person" })),
            );
        }
        if f.fail_next > 0 {
            f.fail_next -= 1;
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": "busy" })),
            );
        }
        f.delay_ms
    };
    // Applied first, answered after the delay: a caller that times out has been served.
    let id = {
        let mut f = fake.lock().unwrap();
        let key = body["request_id"].as_str().unwrap_or_default().to_owned();
        match kind {
            "deduction" => {
                let n = f.applied.len() + 1;
                f.applied
                    .entry(key)
                    .or_insert_with(|| (format!("D{n}"), body.clone()))
                    .0
                    .clone()
            }
            "task" => {
                let id = format!("T{}", f.tasks.len() + 1);
                f.tasks.insert(id.clone(), body);
                id
            }
            _ => {
                f.lists.push(body);
                format!("L{}", f.lists.len())
            }
        }
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    (StatusCode::OK, Json(json!({ "id": id })))
}

fn pending_read(fake: &Shared) -> bool {
    let mut f = fake.lock().unwrap();
    if f.pending_reads > 0 {
        f.pending_reads -= 1;
        true
    } else {
        false
    }
}

/// The fake outside systems on a free port: its base address and its state.
async fn fake_systems() -> (String, Shared) {
    let fake: Shared = Arc::default();
    let app = axum::Router::new()
        .route(
            "/deductions",
            post(
                |State(f): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
                    accept(&f, &h, b, "deduction").await
                },
            ),
        )
        .route(
            "/deductions/{id}",
            get(
                |State(f): State<Shared>, Path(id): Path<String>| async move {
                    if pending_read(&f) {
                        return Json(json!({ "state": "pending" }));
                    }
                    Json(json!({ "state": "applied", "id": id, "detail": "2 points deducted" }))
                },
            ),
        )
        .route(
            "/tasks",
            post(
                |State(f): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
                    accept(&f, &h, b, "task").await
                },
            ),
        )
        .route(
            "/tasks/{id}",
            get(
                |State(f): State<Shared>, Path(_id): Path<String>| async move {
                    if pending_read(&f) {
                        return Json(json!({ "state": "pending" }));
                    }
                    let answer = f.lock().unwrap().task_answer.clone();
                    Json(answer.unwrap_or_else(|| json!({ "state": "pending" })))
                },
            ),
        )
        .route(
            "/lists",
            post(
                |State(f): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
                    accept(&f, &h, b, "list").await
                },
            ),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

/// The riders' world with every outside system at the fake (calls time out after 300 ms).
async fn connected() -> (Riders, Shared) {
    let (base, fake) = fake_systems().await;
    let r = riders_with(|s| {
        for sys in [
            &mut s.outside.civility_credit,
            &mut s.outside.party_index,
            &mut s.outside.grassroots,
        ] {
            sys.base_url = format!("{base}/");
            sys.credential = Secret::new("partner-key-1");
        }
        s.outside.timeout_ms = 300;
    })
    .await;
    (r, fake)
}

/// An incorrigible rider (educated two days ago, then caught again, confirmed): civility
/// credit deduction, public notice and a grid visit follow (RID-09, RID-10).
pub(super) async fn incorrigible(r: &Riders, n: u32) -> i64 {
    let id = r
        .person(Some(&roadwarden_testkit::cn_id(n)), "Zhou Qiang", "")
        .await;
    let mut tx = r.w.app.state.store.begin().await.unwrap();
    person_rows::set_last_education(
        &mut tx,
        RiderPersonId(id),
        r.w.clock.now() - Duration::hours(48),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let e = r
        .event(Some(id), &format!("inc{n}"), 20, MatchState::Unconfirmed)
        .await;
    let (status, out) = r
        .act(&format!("/api/v1/rider-events/{e}/confirm"), &no_body())
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["tier"], "incorrigible", "{out}");
    id
}

fn measure<'a>(file: &'a Value, disposition: &str) -> &'a Value {
    file["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["disposition"] == disposition)
        .unwrap_or_else(|| panic!("no {disposition} in {file}"))
}

pub(super) fn requests<'a>(file: &'a Value, system: &str) -> Vec<&'a Value> {
    file["outside"]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["system"] == system)
        .collect()
}

#[tokio::test]
async fn rid_11_a_civility_credit_deduction_is_sent_read_back_and_confirmed_on_the_file() {
    let (r, fake) = connected().await;
    let id = incorrigible(&r, 601).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    {
        let f = fake.lock().unwrap();
        assert_eq!(f.applied.len(), 1);
        let (_, sent) = f.applied.values().next().unwrap();
        assert_eq!(sent["id_number"], roadwarden_testkit::cn_id(601));
        assert_eq!(sent["points"], 2);
        assert!(
            f.auth.iter().all(|a| a == "Bearer partner-key-1"),
            "{:?}",
            f.auth
        );
    }
    let file = r.file(id, &r.officer).await;
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "confirmed"
    );
    let credit = requests(&file, "civility_credit");
    assert_eq!(credit.len(), 1, "{file}");
    assert_eq!(credit[0]["state"], "acknowledged");
    assert_eq!(credit[0]["read_back"], "2 points deducted");
    assert!(file["outside"]["off"].as_array().unwrap().is_empty());
    // The page says it in words.
    let page =
        r.w.app
            .page(
                &format!("/riders/{id}?lang=en&purpose=enforcement"),
                Some(&r.officer),
            )
            .await;
    assert!(page.contains("rider-outside"), "{page}");
    assert!(page.contains("Confirmed by read-back"));
    assert!(page.contains("Civility credit"));
    assert!(!r.audited("outside.acknowledged").await.is_empty());
}

#[tokio::test]
async fn rid_11_a_remote_failure_is_retried_with_back_off() {
    let (r, fake) = connected().await;
    fake.lock().unwrap().fail_next = 2;
    let id = incorrigible(&r, 602).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert!(report.retried >= 1, "{report:?}");
    let file = r.file(id, &r.officer).await;
    let credit = requests(&file, "civility_credit");
    assert_eq!(credit[0]["state"], "queued", "{file}");
    assert!(credit[0]["last_error"].as_str().unwrap().contains("503"));
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "pending"
    );
    // Not before the back-off.
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(report.sent + report.retried, 0, "{report:?}");
    let mut attempts = 0;
    for _ in 0..4 {
        r.w.clock.advance(Duration::minutes(5));
        drain(&r.w.app.state).await.unwrap();
        let file = r.file(id, &r.officer).await;
        if measure(&file, "civility_credit_deduction")["state"] == "confirmed" {
            attempts = requests(&file, "civility_credit")[0]["attempts"]
                .as_i64()
                .unwrap();
            break;
        }
    }
    assert!(
        attempts >= 1,
        "the deduction went through after the failures"
    );
    assert_eq!(fake.lock().unwrap().applied.len(), 1);
}

#[tokio::test]
async fn rid_11_a_remote_timeout_is_retried_and_never_deducts_twice() {
    let (r, fake) = connected().await;
    fake.lock().unwrap().delay_ms = 1_500;
    let id = incorrigible(&r, 603).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert!(report.retried >= 1, "{report:?}");
    let file = r.file(id, &r.officer).await;
    let credit = requests(&file, "civility_credit");
    assert_eq!(credit[0]["state"], "queued");
    assert!(
        credit[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{file}"
    );
    // The remote applied it although its answer came too late.
    assert_eq!(fake.lock().unwrap().applied.len(), 1);
    fake.lock().unwrap().delay_ms = 0;
    r.w.clock.advance(Duration::minutes(5));
    drain(&r.w.app.state).await.unwrap();
    let file = r.file(id, &r.officer).await;
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "confirmed"
    );
    let f = fake.lock().unwrap();
    assert_eq!(f.applied.len(), 1, "the same request id: one deduction");
}

#[tokio::test]
async fn rid_11_read_back_pending_then_done() {
    let (r, fake) = connected().await;
    fake.lock().unwrap().pending_reads = 100;
    let id = incorrigible(&r, 604).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert!(report.sent >= 1 && report.pending >= 1, "{report:?}");
    let file = r.file(id, &r.officer).await;
    assert_eq!(measure(&file, "civility_credit_deduction")["state"], "sent");
    assert_eq!(requests(&file, "civility_credit")[0]["state"], "sent");
    let page =
        r.w.app
            .page(
                &format!("/riders/{id}?lang=zh-CN&purpose=enforcement"),
                Some(&r.officer),
            )
            .await;
    assert!(page.contains("已发送，等待回读"));
    // Read again only after the read-back interval.
    fake.lock().unwrap().pending_reads = 0;
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(report.acknowledged, 0, "{report:?}");
    r.w.clock.advance(Duration::minutes(6));
    drain(&r.w.app.state).await.unwrap();
    let file = r.file(id, &r.officer).await;
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "confirmed"
    );
    assert_eq!(
        requests(&file, "civility_credit")[0]["state"],
        "acknowledged"
    );
}

#[tokio::test]
async fn rid_11_a_job_run_twice_does_not_deduct_twice() {
    let (r, fake) = connected().await;
    let id = incorrigible(&r, 605).await;
    run(&r.w.app.state, &Job::OutsideOutbox).await.unwrap();
    run(&r.w.app.state, &Job::OutsideOutbox).await.unwrap();
    r.w.clock.advance(Duration::hours(2));
    run(&r.w.app.state, &Job::OutsideOutbox).await.unwrap();
    {
        let f = fake.lock().unwrap();
        assert_eq!(f.applied.len(), 1);
        let deduction_posts = f.auth.len().saturating_sub(f.tasks.len() + f.lists.len());
        assert_eq!(deduction_posts, 1, "one POST for the deduction");
    }
    let file = r.file(id, &r.officer).await;
    assert_eq!(requests(&file, "civility_credit").len(), 1);
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "confirmed"
    );
}

#[tokio::test]
async fn rid_10_party_index_deduction_for_a_frequent_party_member_is_read_back() {
    let (r, fake) = connected().await;
    let v = &r.w.o.village;
    let mut tx = r.w.app.state.store.begin().await.unwrap();
    let id = person_rows::insert(
        &mut tx,
        &NewRiderPerson {
            unit_id: v.id,
            unit_path: v.path.clone(),
            id_number: Some(roadwarden_testkit::cn_id(606)),
            name: "Wu Gang".into(),
            village: "Hongxing Village".into(),
            employer: String::new(),
            phone: "13800002222".into(),
            party_member: true,
            provisional: false,
            created_at: t0(),
        },
    )
    .await
    .unwrap()
    .0;
    tx.commit().await.unwrap();
    for k in 0..4 {
        let e = r
            .event(Some(id), &format!("pm{k}"), 20 + k, MatchState::Unconfirmed)
            .await;
        let (status, out) = r
            .act(&format!("/api/v1/rider-events/{e}/confirm"), &no_body())
            .await;
        assert_eq!(status, 200, "{out}");
    }
    drain(&r.w.app.state).await.unwrap();
    let file = r.file(id, &r.officer).await;
    assert_eq!(
        measure(&file, "party_index_deduction")["state"],
        "confirmed",
        "{file}"
    );
    assert_eq!(requests(&file, "party_index")[0]["state"], "acknowledged");
    assert_eq!(fake.lock().unwrap().applied.len(), 1);
}

#[tokio::test]
async fn shr_04_a_village_task_goes_to_the_platform_and_its_result_closes_the_loop() {
    let (r, fake) = connected().await;
    let photo = base64::engine::general_purpose::STANDARD.encode(jpeg(7));
    fake.lock().unwrap().task_answer = Some(json!({
        "state": "done",
        "result": "visited at home; helmet bought and worn",
        "photos": [photo],
        "assessment": "good: rider understood the rules",
    }));
    let id = incorrigible(&r, 607).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    {
        let f = fake.lock().unwrap();
        // The grid visit and the public notice (no employer: the village gives notice).
        assert_eq!(f.tasks.len(), 2, "{:?}", f.tasks);
        let sent = f.tasks.values().next().unwrap();
        assert_eq!(sent["rider"]["name"], "Zhou Qiang");
        assert_eq!(sent["unit"]["id"], r.w.o.village.id.0);
    }
    let file = r.file(id, &r.officer).await;
    let tasks = file["tasks"].as_array().unwrap();
    assert!(!tasks.is_empty());
    for t in tasks {
        assert_eq!(t["state"], "reported", "{t}");
        assert_eq!(t["result"], "visited at home; helmet bought and worn");
    }
    let platform = requests(&file, "grassroots");
    assert_eq!(platform.len(), 2);
    assert!(platform.iter().all(|o| o["state"] == "acknowledged"));
    assert_eq!(platform[0]["read_back"], "good: rider understood the rules");
    // The officer evaluates it as any other result (RID-11).
    let task = tasks[0]["id"].as_i64().unwrap();
    let resp =
        r.w.app
            .client
            .get(r.w.app.url(&format!("/api/v1/rider-tasks/{task}/photos/1")))
            .bearer_auth(&r.officer)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), jpeg(7));
    let (status, t) =
        r.w.app
            .post(
                &format!("/api/v1/rider-tasks/{task}/pass"),
                &r.officer,
                &no_body(),
            )
            .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["state"], "passed");
    assert!(!r.audited("rider_task.report").await.is_empty());
    // Read again later, nothing is reported twice.
    r.w.clock.advance(Duration::hours(1));
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(report.acknowledged, 0, "{report:?}");
}

#[tokio::test]
async fn shr_04_lists_of_riders_by_tier_go_to_the_platform_once_a_day() {
    let (r, fake) = connected().await;
    incorrigible(&r, 608).await;
    let state = &r.w.app.state;
    assert_eq!(queue_lists(state).await.unwrap(), 1);
    assert_eq!(queue_lists(state).await.unwrap(), 0, "once a day");
    run(state, &Job::GrassrootsLists).await.unwrap();
    drain(state).await.unwrap();
    {
        let f = fake.lock().unwrap();
        assert_eq!(f.lists.len(), 1);
        let listed = &f.lists[0]["tiers"]["incorrigible"];
        assert_eq!(listed[0]["name"], "Zhou Qiang", "{listed}");
        assert_eq!(listed[0]["id_number"], roadwarden_testkit::cn_id(608));
        assert!(f.lists[0]["tiers"]["frequent"]
            .as_array()
            .unwrap()
            .is_empty());
    }
    r.w.clock.advance(Duration::days(1));
    assert_eq!(queue_lists(state).await.unwrap(), 1, "the next day's list");
}

#[tokio::test]
async fn rid_10_a_system_switched_off_queues_nothing_and_the_file_says_so() {
    let r = riders().await;
    let id = incorrigible(&r, 609).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(report, Default::default());
    assert_eq!(queue_lists(&r.w.app.state).await.unwrap(), 0);
    let file = r.file(id, &r.officer).await;
    assert!(file["outside"]["requests"].as_array().unwrap().is_empty());
    assert_eq!(file["outside"]["off"].as_array().unwrap().len(), 3);
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "pending"
    );
    for (lang, words) in [
        ("en", "not connected; measures are recorded here only"),
        ("zh-CN", "未接入，处置措施仅在本平台记录"),
        ("vi", "chưa kết nối; biện pháp chỉ được ghi tại đây"),
    ] {
        let page =
            r.w.app
                .page(
                    &format!("/riders/{id}?lang={lang}&purpose=enforcement"),
                    Some(&r.officer),
                )
                .await;
        assert!(page.contains(words), "{lang}");
    }
}

#[tokio::test]
async fn rid_11_a_refused_deduction_fails_at_once_and_the_file_says_why() {
    let (r, fake) = connected().await;
    fake.lock().unwrap().refuse = true;
    let id = incorrigible(&r, 610).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert!(report.failed >= 1 && report.retried == 0, "{report:?}");
    let file = r.file(id, &r.officer).await;
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "failed"
    );
    let credit = requests(&file, "civility_credit");
    assert_eq!(credit[0]["state"], "failed");
    assert!(
        credit[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("unknown person"),
        "{file}"
    );
    // Not tried again: a refusal is final until an officer acts.
    fake.lock().unwrap().refuse = false;
    r.w.clock.advance(Duration::days(1));
    drain(&r.w.app.state).await.unwrap();
    assert!(fake.lock().unwrap().applied.is_empty());
    let page =
        r.w.app
            .page(
                &format!("/riders/{id}?lang=vi&purpose=enforcement"),
                Some(&r.officer),
            )
            .await;
    assert!(page.contains("Thất bại; cán bộ cần xem xét"));
    assert!(
        page.contains("requeue-form"),
        "an officer may send it again"
    );
    assert!(!r.audited("outside.failed").await.is_empty());
}

/// RID-10: a refused request tells the county's e-bike officers (one message, linking the
/// rider's file), and an officer sends it again once the cause is fixed: attempts afresh,
/// the measure pending again, then sent and confirmed. Nobody else may, nor twice.
#[tokio::test]
async fn rid_10_a_failed_request_tells_the_officers_and_an_officer_sends_it_again() {
    let (r, fake) = connected().await;
    fake.lock().unwrap().refuse = true;
    let id = incorrigible(&r, 611).await;
    drain(&r.w.app.state).await.unwrap();
    let (_, messages) = r.w.app.get("/api/v1/messages", &r.officer).await;
    let told: Vec<&Value> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "outside_failed")
        .collect();
    // One message per failed request (the deduction and the village tasks), each once.
    assert!(!told.is_empty(), "{messages}");
    assert!(told
        .iter()
        .all(|m| m["link"] == format!("/riders/{id}").as_str()));
    let told: Vec<&&Value> = told
        .iter()
        .filter(|m| m["detail"].as_str().unwrap().contains("civility_credit"))
        .collect();
    assert_eq!(told.len(), 1, "{messages}");
    assert_eq!(told[0]["link"], format!("/riders/{id}").as_str());
    let file = r.file(id, &r.officer).await;
    let request = requests(&file, "civility_credit")[0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/rider-outside-requests/{request}/requeue");

    let (status, _) = r.w.app.post(&path, &r.grid, &no_body()).await;
    assert_eq!(status, 403, "a grid worker does not");
    let (status, _) = r.w.app.post(&path, &r.stranger, &no_body()).await;
    assert_eq!(status, 404, "outside the officer's units it does not exist");

    fake.lock().unwrap().refuse = false;
    let (status, out) = r.act(&path, &no_body()).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["state"], "queued");
    assert_eq!(out["attempts"], 0);
    let file = r.file(id, &r.officer).await;
    assert_eq!(
        measure(&file, "civility_credit_deduction")["state"],
        "pending"
    );
    let (status, e) = r.act(&path, &no_body()).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.outside_not_failed"))
    );
    drain(&r.w.app.state).await.unwrap();
    assert_eq!(fake.lock().unwrap().applied.len(), 1, "sent once");
    assert!(!r.audited("outside.requeued").await.is_empty());
    // The file page offers the button only while a request has failed.
    let page =
        r.w.app
            .page(
                &format!("/riders/{id}?lang=zh-CN&purpose=enforcement"),
                Some(&r.officer),
            )
            .await;
    let page = page.replace("&#x2f;", "/");
    assert!(
        !page.contains(&format!("/riders/outside/{request}/requeue")),
        "this one has not failed now"
    );
}

/// RID-10, SHR-04: the outbox lists the requests about the officer's units, counted by system
/// and state and narrowed by either; another county's officer sees none of them, a grid
/// worker is refused, an unknown word is a 422, and each read is audited. The page reads in
/// three languages and offers "send again" on a failed line.
#[tokio::test]
async fn rid_10_the_outbox_lists_the_units_requests_by_system_and_state() {
    let (r, fake) = connected().await;
    fake.lock().unwrap().refuse = true;
    let id = incorrigible(&r, 612).await;
    drain(&r.w.app.state).await.unwrap();

    let (status, all) =
        r.w.app
            .get("/api/v1/rider-outside-requests", &r.officer)
            .await;
    assert_eq!(status, 200, "{all}");
    let credit = all["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["system"] == "civility_credit")
        .unwrap_or_else(|| panic!("{all}"));
    assert_eq!(credit["failed"], 1, "{all}");
    let listed = all["requests"].as_array().unwrap();
    assert!(listed
        .iter()
        .any(|q| q["person_id"] == id && q["system"] == "civility_credit"));
    assert!(listed.iter().all(|q| q["unit_name"].as_str().is_some()));
    assert_eq!(all["page"], 1);

    let (_, failed) =
        r.w.app
            .get(
                "/api/v1/rider-outside-requests?state=failed&system=civility_credit",
                &r.officer,
            )
            .await;
    let failed = failed["requests"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("unknown person"));
    let (_, party) =
        r.w.app
            .get(
                "/api/v1/rider-outside-requests?system=party_index",
                &r.officer,
            )
            .await;
    assert!(party["requests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|q| q["system"] == "party_index"));

    let (status, theirs) =
        r.w.app
            .get("/api/v1/rider-outside-requests", &r.stranger)
            .await;
    assert_eq!(status, 200);
    assert_eq!(theirs["requests"], json!([]), "another county's requests");
    assert_eq!(theirs["counts"], json!([]));
    let (status, _) = r.w.app.get("/api/v1/rider-outside-requests", &r.grid).await;
    assert_eq!(status, 403, "a grid worker does not read the outbox");
    let (status, e) =
        r.w.app
            .get("/api/v1/rider-outside-requests?state=lost", &r.officer)
            .await;
    assert_eq!(status, 422, "{e}");
    let (status, _) =
        r.w.app
            .get("/api/v1/rider-outside-requests?system=bank", &r.officer)
            .await;
    assert_eq!(status, 422);
    assert!(!r.audited("outside.outbox_read").await.is_empty());

    for (lang, words) in [
        ("zh-CN", "外部系统请求"),
        ("en", "Requests to outside systems"),
        ("vi", "Yêu cầu gửi hệ thống bên ngoài"),
    ] {
        let page =
            r.w.app
                .page(
                    &format!("/riders/outbox?lang={lang}&state=failed"),
                    Some(&r.officer),
                )
                .await;
        assert!(page.contains(words), "{lang}");
        assert!(page.contains("id=\"outbox-list\""), "{lang}");
        assert!(
            page.contains("requeue-form"),
            "{lang}: a failed line is sent again"
        );
    }
}
