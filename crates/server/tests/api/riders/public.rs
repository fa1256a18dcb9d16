//! RID-12, RID-14, SEC-08: the rider services. A rider proves who they are with their ID number
//! and a code sent (over a real socket, to a stand-in SMS gateway) to the phone on file; the
//! answer never says whether a number is on file; a session cookie (HttpOnly, SameSite=Strict)
//! bound to that person reads their record, their photos only, takes the quiz (a pass closes
//! the self-study measure) and answers the survey; every read is audited with the rider as the
//! actor.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use roadwarden_domain::rider::{Disposition, MatchState, RiderTier};
use roadwarden_domain::RiderPersonId;
use roadwarden_server::services::riders::public::content;
use roadwarden_store::riders::dispositions;
use roadwarden_store::riders::persons as person_rows;
use serde_json::{json, Value};

use super::*;
use crate::captures::sms_sink;

type Inbox = Arc<Mutex<Vec<Value>>>;

const PHONE: &str = "13800001111";

async fn setup() -> (Riders, Inbox) {
    let (gateway, inbox) = sms_sink().await;
    let w = World::at(t0(), |s| s.notices.sms_gateway_url = gateway).await;
    let officer = w
        .person(&w.o.county, "cx.ebike", 41, &["ebike_officer"])
        .await;
    let grid = w
        .person(&w.o.village, "v1.grid", 42, &["grid_worker"])
        .await;
    let head = w.person(&w.o.county, "cx.head", 43, &["unit_head"]).await;
    let stranger = w
        .person(&w.o.sibling_county, "sib.ebike", 44, &["ebike_officer"])
        .await;
    let point = capture_point(&w, &w.o.county.clone()).await;
    (
        Riders {
            w,
            officer,
            grid,
            head,
            stranger,
            point,
        },
        inbox,
    )
}

/// A browser of its own (its own cookies).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn ask(r: &Riders, c: &reqwest::Client, id_number: &str) -> (u16, Value) {
    let resp = c
        .post(r.w.app.url("/api/v1/public/riders/codes"))
        .json(&json!({ "id_number": id_number }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The code the gateway took for PHONE, waiting for the SMS task (it leaves on its own task).
async fn sms_code(inbox: &Inbox, nth: usize) -> String {
    for _ in 0..100 {
        {
            let sms = inbox.lock().unwrap();
            let mine: Vec<&Value> = sms.iter().filter(|m| m["to"] == PHONE).collect();
            if mine.len() > nth {
                let text = mine[nth]["text"].as_str().unwrap();
                return text
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|s| s.len() == 6)
                    .unwrap()
                    .to_owned();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no SMS {nth} to {PHONE}");
}

async fn prove(r: &Riders, c: &reqwest::Client, id_number: &str, code: &str) -> reqwest::Response {
    c.post(r.w.app.url("/api/v1/public/riders/session"))
        .json(&json!({ "id_number": id_number, "code": code }))
        .send()
        .await
        .unwrap()
}

/// A proven browser for the person with `id_number` (the `nth` SMS to PHONE).
async fn proven(r: &Riders, inbox: &Inbox, id_number: &str, nth: usize) -> reqwest::Client {
    let c = browser();
    let (status, _) = ask(r, &c, id_number).await;
    assert_eq!(status, 202);
    let code = sms_code(inbox, nth).await;
    let resp = prove(r, &c, id_number, &code).await;
    assert_eq!(resp.status().as_u16(), 201);
    c
}

async fn get(r: &Riders, c: &reqwest::Client, path: &str) -> (u16, Value) {
    let resp = c.get(r.w.app.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post(r: &Riders, c: &reqwest::Client, path: &str, body: &Value) -> (u16, Value) {
    let resp = c.post(r.w.app.url(path)).json(body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn set_tier(r: &Riders, id: i64, tier: RiderTier) {
    let mut tx = r.w.app.state.store.begin().await.unwrap();
    person_rows::set_tier(&mut tx, RiderPersonId(id), tier, r.w.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn rid_12_a_rider_proves_with_id_number_and_sms_code_and_reads_own_record() {
    let (r, inbox) = setup().await;
    let id_number = roadwarden_testkit::cn_id(601);
    let id = r.person(Some(&id_number), "Chen Jing", "").await;
    r.event(Some(id), "p-1", 30, MatchState::Matched).await;
    r.event(Some(id), "p-2", 50, MatchState::Matched).await;
    // An unconfirmed match may be someone else: never shown to the rider.
    r.event(Some(id), "p-3", 10, MatchState::Unconfirmed).await;
    set_tier(&r, id, RiderTier::Occasional).await;

    let c = browser();
    let (status, e) = get(&r, &c, "/api/v1/public/riders/me").await;
    assert_eq!(status, 401);
    assert_eq!(e["error"]["code"], "rider.public_session_required");

    let (status, a) = ask(&r, &c, &id_number).await;
    assert_eq!(status, 202, "{a}");
    assert_eq!(a["accepted"], true);
    let code = sms_code(&inbox, 0).await;
    let resp = prove(&r, &c, &id_number, &code).await;
    assert_eq!(resp.status().as_u16(), 201);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("rw_rider="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let body: Value = resp.json().await.unwrap();
    assert!(
        body.get("token").is_none(),
        "the token travels only in the cookie"
    );
    assert_eq!(
        body["expires_at"].as_str().unwrap()[..16],
        (r.w.clock.now() + Duration::minutes(15)).to_rfc3339()[..16]
    );
    // The code is used up.
    assert_eq!(prove(&r, &browser(), &id_number, &code).await.status(), 422);

    let (status, me) = get(&r, &c, "/api/v1/public/riders/me?lang=en").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "Chen Jing");
    assert_eq!(me["tier"], "occasional");
    assert_eq!(me["tier_name"], "Occasional");
    let events = me["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "confirmed events only: {me}");
    assert_eq!(events[0]["violation"], "no_helmet");
    assert_eq!(events[0]["place"], "Jinling Road / Mingzhu Road");
    assert_eq!(me["counts"]["short"], 2);
    assert_eq!(me["counts"]["short_window_days"], 7);
    let reasons = me["reasons"].to_string();
    assert!(
        reasons.contains("2 violation(s) in the last 7 days"),
        "{reasons}"
    );
    assert!(reasons.contains("clear after"), "{reasons}");
    assert!(me["clear_after"].is_string());
    assert!(me["next_steps"][0].as_str().unwrap().contains("quiz"));
    // The same record in Vietnamese and Chinese.
    let (_, vi) = get(&r, &c, "/api/v1/public/riders/me?lang=vi").await;
    assert!(vi["reasons"][0].as_str().unwrap().contains("ngày"));
    let (_, zh) = get(&r, &c, "/api/v1/public/riders/me?lang=zh-CN").await;
    assert_eq!(zh["tier_name"], "偶尔违法");
}

#[tokio::test]
async fn rid_12_the_answer_never_says_whether_an_id_number_exists() {
    let (r, inbox) = setup().await;
    let known = roadwarden_testkit::cn_id(602);
    let unknown = roadwarden_testkit::cn_id(603);
    r.person(Some(&known), "Liu Yang", "").await;
    let c = browser();
    let (s1, a1) = ask(&r, &c, &known).await;
    let (s2, a2) = ask(&r, &c, &unknown).await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(a1, a2, "the same answer either way");
    sms_code(&inbox, 0).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        inbox.lock().unwrap().len(),
        1,
        "nothing is sent for an unknown number"
    );
    // A wrong code reads the same for both.
    let w1 = prove(&r, &c, &known, "000000").await;
    let w2 = prove(&r, &c, &unknown, "000000").await;
    assert_eq!((w1.status().as_u16(), w2.status().as_u16()), (422, 422));
    let (e1, e2): (Value, Value) = (w1.json().await.unwrap(), w2.json().await.unwrap());
    assert_eq!(e1, e2);
    assert_eq!(e1["error"]["code"], "rider.public_unproven");
    assert_eq!(e1["error"]["rule"], "RID-12");
    // A malformed number is refused as malformed (that says nothing about who is on file).
    let (status, e) = ask(&r, &c, "12345").await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["field"], "id_number");
    // The number goes in the body: there is no GET form that would put it in a URL.
    let resp = c
        .get(
            r.w.app
                .url(&format!("/api/v1/public/riders/codes?id_number={known}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
}

#[tokio::test]
async fn rid_12_codes_expire_take_five_tries_and_requests_are_limited() {
    let (r, inbox) = setup().await;
    let id_number = roadwarden_testkit::cn_id(604);
    r.person(Some(&id_number), "Sun Li", "").await;
    let c = browser();
    // Five wrong tries spend the code: the right one is refused after them.
    ask(&r, &c, &id_number).await;
    let code = sms_code(&inbox, 0).await;
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for _ in 0..5 {
        assert_eq!(prove(&r, &c, &id_number, wrong).await.status(), 422);
    }
    assert_eq!(prove(&r, &c, &id_number, &code).await.status(), 422);
    // A code is valid for 10 minutes.
    ask(&r, &c, &id_number).await;
    let code = sms_code(&inbox, 1).await;
    r.w.clock.advance(Duration::minutes(11));
    assert_eq!(prove(&r, &c, &id_number, &code).await.status(), 422);
    // Three codes per number per hour; the fourth is 429 (for any number alike).
    let (status, _) = ask(&r, &c, &id_number).await;
    assert_eq!(status, 202);
    let (status, e) = ask(&r, &c, &id_number).await;
    assert_eq!(status, 429, "{e}");
    let other = roadwarden_testkit::cn_id(605);
    for _ in 0..3 {
        assert_eq!(ask(&r, &c, &other).await.0, 202);
    }
    assert_eq!(ask(&r, &c, &other).await.0, 429);
    assert!(!r.audited("rider_public.code_throttled").await.is_empty());
    // The codes are kept only as hashes: no SMS code appears in the audit trail.
    let trail = r.audited("rider_public.").await;
    assert!(!Value::from(trail).to_string().contains(&code));
}

#[tokio::test]
async fn rid_12_the_session_is_bound_to_one_person_and_shows_only_their_photos() {
    let (r, inbox) = setup().await;
    let mine = roadwarden_testkit::cn_id(606);
    let theirs = roadwarden_testkit::cn_id(607);
    let me = r.person(Some(&mine), "Zhou Min", "").await;
    let other = r.person(Some(&theirs), "Wu Gang", "").await;
    let my_event = r.event(Some(me), "m-1", 5, MatchState::Matched).await;
    let their_event = r.event(Some(other), "t-1", 5, MatchState::Matched).await;
    let unconfirmed = r.event(Some(me), "m-2", 6, MatchState::Unconfirmed).await;
    let c = proven(&r, &inbox, &mine, 0).await;
    let resp = c
        .get(r.w.app.url(&format!(
            "/api/v1/public/riders/me/events/{my_event}/photos/face"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    for e in [their_event, unconfirmed] {
        let (status, _) = get(
            &r,
            &c,
            &format!("/api/v1/public/riders/me/events/{e}/photos/face"),
        )
        .await;
        assert_eq!(status, 404, "event {e}");
    }
    // Without the session: 401; the page's photo route answers the same way.
    let (status, _) = get(
        &r,
        &browser(),
        &format!("/api/v1/public/riders/me/events/{my_event}/photos/scene"),
    )
    .await;
    assert_eq!(status, 401);
    let page_photo = browser()
        .get(
            r.w.app
                .url(&format!("/public/riders/events/{my_event}/photos/scene")),
        )
        .send()
        .await
        .unwrap();
    assert_ne!(page_photo.status().as_u16(), 200);
    // The session ends: signing out, or after its minutes.
    let resp = c
        .delete(r.w.app.url("/api/v1/public/riders/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(get(&r, &c, "/api/v1/public/riders/me").await.0, 401);
    let c = proven(&r, &inbox, &mine, 1).await;
    assert_eq!(get(&r, &c, "/api/v1/public/riders/me").await.0, 200);
    r.w.clock.advance(Duration::minutes(16));
    assert_eq!(get(&r, &c, "/api/v1/public/riders/me").await.0, 401);
}

#[tokio::test]
async fn sec_08_each_read_by_the_rider_is_audited_with_the_rider_by_proof() {
    let (r, inbox) = setup().await;
    let id_number = roadwarden_testkit::cn_id(608);
    let id = r.person(Some(&id_number), "He Ping", "").await;
    let event = r.event(Some(id), "a-1", 3, MatchState::Matched).await;
    let c = proven(&r, &inbox, &id_number, 0).await;
    get(&r, &c, "/api/v1/public/riders/me").await;
    c.get(r.w.app.url(&format!(
        "/api/v1/public/riders/me/events/{event}/photos/scene"
    )))
    .send()
    .await
    .unwrap();
    let reads = r.audited("rider_public.read").await;
    assert_eq!(reads.len(), 1);
    let entry = reads[0].to_string();
    assert!(entry.contains(&format!("rider:{id}")), "{entry}");
    assert!(entry.contains("id_number+sms_code"), "{entry}");
    assert_eq!(reads[0]["object_id"], id.to_string());
    assert_eq!(r.audited("rider_public.photo").await.len(), 1);
    assert_eq!(r.audited("rider_public.proved").await.len(), 1);
}

#[tokio::test]
async fn rid_12_a_passed_quiz_counts_as_self_study_and_closes_the_measure() {
    let (r, inbox) = setup().await;
    let id_number = roadwarden_testkit::cn_id(609);
    let id = r.person(Some(&id_number), "Ma Lin", "").await;
    set_tier(&r, id, RiderTier::Occasional).await;
    {
        let mut tx = r.w.app.state.store.begin().await.unwrap();
        dispositions::insert(
            &mut tx,
            RiderPersonId(id),
            Disposition::SelfStudy,
            RiderTier::Occasional,
            r.w.clock.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let c = proven(&r, &inbox, &id_number, 0).await;
    let (_, me) = get(&r, &c, "/api/v1/public/riders/me").await;
    assert_eq!(me["self_study_open"], true);

    // A failed quiz closes nothing.
    let (status, quiz) = post(&r, &c, "/api/v1/public/riders/quiz", &json!({})).await;
    assert_eq!(status, 201, "{quiz}");
    let questions = quiz["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 10);
    assert_eq!(quiz["pass_mark"], 8);
    let wrong: Vec<Value> = questions
        .iter()
        .map(|q| {
            let right = content::question(q["id"].as_str().unwrap()).unwrap().answer;
            json!({ "question": q["id"], "choice": (right + 1) % q["options"].as_array().unwrap().len() })
        })
        .collect();
    let path = format!("/api/v1/public/riders/quiz/{}/answers", quiz["attempt_id"]);
    let (status, res) = post(&r, &c, &path, &json!({ "answers": wrong })).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(
        (res["passed"].as_bool(), res["score"].as_i64()),
        (Some(false), Some(0))
    );
    assert_eq!(res["self_study_closed"], 0);
    assert_eq!(res["corrections"].as_array().unwrap().len(), 10);
    // Answered twice: refused.
    let (status, e) = post(&r, &c, &path, &json!({ "answers": [] })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.quiz_answered"))
    );

    // A pass (8 of 10 right) closes the open self-study measure.
    let (_, quiz) = post(&r, &c, "/api/v1/public/riders/quiz", &json!({})).await;
    let answers: Vec<Value> = quiz["questions"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let right = content::question(q["id"].as_str().unwrap()).unwrap().answer;
            let choice = if i < 8 { right } else { (right + 1) % 3 };
            json!({ "question": q["id"], "choice": choice })
        })
        .collect();
    let path = format!("/api/v1/public/riders/quiz/{}/answers", quiz["attempt_id"]);
    let (status, res) = post(&r, &c, &path, &json!({ "answers": answers })).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["passed"], true);
    assert_eq!(res["score"], 8);
    assert_eq!(res["self_study_closed"], 1);
    let (_, me) = get(&r, &c, "/api/v1/public/riders/me").await;
    assert_eq!(me["self_study_open"], false);
    assert_eq!(me["measures"][0]["state"], "confirmed");
    // The officer's file shows the measure closed by the quiz.
    let f = r.file(id, &r.officer).await;
    assert!(f.to_string().contains("confirmed"), "{f}");
    // Another rider's quiz is not found.
    let other = roadwarden_testkit::cn_id(610);
    r.person(Some(&other), "Other", "").await;
    let c2 = proven(&r, &inbox, &other, 1).await;
    let (status, _) = post(&r, &c2, &path, &json!({ "answers": [] })).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rid_12_cases_and_penalties_in_three_languages() {
    let (r, _) = setup().await;
    let c = browser();
    let mut titles = Vec::new();
    for lang in ["zh-CN", "en", "vi"] {
        let (status, cases) =
            get(&r, &c, &format!("/api/v1/public/riders/cases?lang={lang}")).await;
        assert_eq!(status, 200);
        assert!(cases.as_array().unwrap().len() >= 3);
        titles.push(cases[0]["title"].clone());
        let (status, p) = get(
            &r,
            &c,
            &format!("/api/v1/public/riders/penalties?lang={lang}"),
        )
        .await;
        assert_eq!(status, 200);
        let violations: Vec<&str> = p
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["violation"].as_str().unwrap())
            .collect();
        assert_eq!(violations, ["no_helmet", "wrong_way", "red_light"]);
    }
    assert_ne!(titles[0], titles[1]);
    assert_ne!(titles[1], titles[2]);
}

#[tokio::test]
async fn rid_12_the_page_works_without_sign_in_in_three_languages() {
    let (r, inbox) = setup().await;
    for (lang, words) in [
        ("zh-CN", "安全骑行服务"),
        ("en", "Safe riding services"),
        ("vi", "Dịch vụ đi xe an toàn"),
    ] {
        let html =
            r.w.app
                .page(&format!("/public/riders?lang={lang}"), None)
                .await;
        assert!(html.contains(words), "{lang}");
        assert!(html.contains("rider-code-form"));
        assert!(html.contains("rider-cases"));
    }
    let id_number = roadwarden_testkit::cn_id(611);
    r.person(Some(&id_number), "Gao Yan", "").await;
    let c = browser();
    let resp = c
        .post(r.w.app.url("/public/riders/code?lang=en"))
        .form(&[("id_number", id_number.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("rider-verify-form"), "{html}");
    assert!(html.contains("If this ID number is on file"));
    let code = sms_code(&inbox, 0).await;
    let resp = c
        .post(r.w.app.url("/public/riders/verify"))
        .form(&[("id_number", id_number.as_str()), ("code", "999999")])
        .send()
        .await
        .unwrap();
    if code != "999999" {
        assert_eq!(resp.status().as_u16(), 422);
    }
    let resp = c
        .post(r.w.app.url("/public/riders/verify"))
        .form(&[("id_number", id_number.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert!(resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("HttpOnly"));
    let html = c
        .get(r.w.app.url("/public/riders?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Gao Yan") && html.contains("rider-why"),
        "{html}"
    );
    assert!(
        !html.contains(&id_number),
        "the number is not shown back once proven"
    );
    let resp = c
        .post(r.w.app.url("/public/riders/quiz"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("rider-quiz-form"));
    let resp = c
        .post(r.w.app.url("/public/riders/survey"))
        .form(&[("rating", "5"), ("comment", "clear"), ("source", "page")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
}

#[tokio::test]
async fn rid_14_survey_answers_are_stored_and_counted_per_month() {
    let (r, inbox) = setup().await;
    let id_number = roadwarden_testkit::cn_id(612);
    r.person(Some(&id_number), "Lin Tao", "").await;
    let c = proven(&r, &inbox, &id_number, 0).await;
    // Only a proven rider answers.
    let (status, _) = post(
        &r,
        &browser(),
        "/api/v1/public/riders/surveys",
        &json!({ "rating": 5 }),
    )
    .await;
    assert_eq!(status, 401);
    for rating in [0, 6] {
        let (status, e) = post(
            &r,
            &c,
            "/api/v1/public/riders/surveys",
            &json!({ "rating": rating }),
        )
        .await;
        assert_eq!(
            (status, e["error"]["field"].as_str()),
            (422, Some("rating"))
        );
    }
    let (status, s) = post(
        &r,
        &c,
        "/api/v1/public/riders/surveys",
        &json!({ "rating": 4, "comment": "useful", "source": "quiz" }),
    )
    .await;
    assert_eq!(status, 201, "{s}");
    let (status, _) = post(
        &r,
        &c,
        "/api/v1/public/riders/surveys",
        &json!({ "rating": 2 }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = post(
        &r,
        &c,
        "/api/v1/public/riders/surveys",
        &json!({ "rating": 3 }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = post(
        &r,
        &c,
        "/api/v1/public/riders/surveys",
        &json!({ "rating": 3 }),
    )
    .await;
    assert_eq!(status, 429, "three answers a day");

    let (status, sum) =
        r.w.app
            .get("/api/v1/rider-surveys?months=3", &r.officer)
            .await;
    assert_eq!(status, 200, "{sum}");
    assert_eq!(sum["months"].as_array().unwrap().len(), 3);
    assert_eq!(sum["months"][0]["month"], "2026-11");
    assert_eq!(sum["months"][0]["count"], 3);
    assert_eq!(sum["months"][0]["average"], 3.0);
    assert_eq!(sum["months"][0]["ratings"], json!([0, 1, 1, 1, 0]));
    assert_eq!(sum["months"][1]["count"], 0);
    // The one comment, with its rating and never who wrote it.
    assert_eq!(sum["comments"].as_array().unwrap().len(), 1, "{sum}");
    assert_eq!(sum["comments"][0]["comment"], "useful");
    assert_eq!(sum["comments"][0]["rating"], 4);
    assert!(!sum["comments"].to_string().contains("Lin Tao"));
    // Outside the village's county: nothing counted, no comment.
    let (_, theirs) = r.w.app.get("/api/v1/rider-surveys", &r.stranger).await;
    assert_eq!(theirs["months"][0]["count"], 0);
    assert_eq!(theirs["comments"], json!([]));
    let (status, _) = r.w.app.get("/api/v1/rider-surveys", &r.grid).await;
    assert_eq!(status, 403);
    let html = r.w.app.page("/riders/surveys?lang=en", Some(&r.head)).await;
    assert!(
        html.contains("surveys-table") && html.contains("2026-11"),
        "{html}"
    );
    assert!(
        html.contains("id=\"survey-comments\"") && html.contains("useful"),
        "{html}"
    );
    assert!(!r.audited("rider_survey.summary").await.is_empty());
}
