//! The owner's side of a record (NOT-02a, APL-02, APL-03) and the embedded vehicle registry
//! (ORG-02): the proof by plate and VIN tail cannot be guessed, the answer to an
//! objection reaches the owner, an answered objection is not lodged again, and a registry
//! entry is changed only by the unit that recorded it.

use chrono::Duration;
use roadwarden_store::truncate_micros;
use roadwarden_store::violations::{self, Lease};
use roadwarden_testkit::{account, PASSWORD};
use serde_json::{json, Value};

use super::{notified_record, public_objection, world, world_with, RootToken};

async fn lookup(w: &super::World, vin_tail: &str) -> (u16, Value) {
    let url = format!("/api/v1/public/violations?plate=浙E12345&vin_tail={vin_tail}");
    let resp = w.app.client.get(w.app.url(&url)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn not_02a_repeated_wrong_vin_tails_pause_the_plate() {
    let w = world_with(|s| {
        s.security.public_proof_max_failures = 3;
        s.security.public_proof_window_minutes = 15;
    })
    .await;
    notified_record(&w, 1).await;
    for _ in 0..3 {
        assert_eq!(lookup(&w, "000000").await.0, 404);
    }
    let (status, body) = lookup(&w, "123456").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("public.too_many_attempts")),
        "even the right tail waits once the plate is paused: {body}"
    );
    // The objection form is the same proof and pauses with it.
    let (status, _) = public_objection(&w, 1, "123456").await;
    assert_eq!(status, 429);
    // The owner, from another address, is not locked out by a stranger's guessing.
    let owner = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let url = w
        .app
        .url("/api/v1/public/violations?plate=浙E12345&vin_tail=123456");
    let resp = owner.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "another address still proves");
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=violation.public_query", &root)
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "violation.public_query_refused")
            .count(),
        3
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "violation.public_query_throttled")
            .count(),
        2,
        "every paused attempt is recorded too"
    );
    w.clock.advance(Duration::minutes(16));
    let (status, records) = lookup(&w, "123456").await;
    assert_eq!(status, 200, "the window has passed: {records}");
    assert_eq!(records.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn apl_02_the_owner_sees_the_answer_and_apl_03_does_not_object_twice() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let (status, o) = public_objection(&w, vid, "123456").await;
    assert_eq!(status, 201, "{o}");
    let reply = "经核查，信号灯工作正常，三张照片清楚显示红灯时越线。";
    let (status, body) = w
        .captures(&w.handler)
        .decide_objection(
            o["id"].as_i64().unwrap(),
            &json!({ "upheld": false, "reply": reply }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, records) = lookup(&w, "123456").await;
    let record = &records[0];
    assert_eq!(record["objection_open"], false);
    assert_eq!(record["objections"][0]["state"], "not_upheld");
    assert_eq!(record["objections"][0]["reply"], reply);
    assert!(record["objections"][0]["decided_at"].is_string());
    let (status, body) = public_objection(&w, vid, "123456").await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["rule"].as_str()
        ),
        (422, Some("objection.already_answered"), Some("APL-03")),
        "{body}"
    );
    // The owner's page shows the answer in the owner's language.
    let page = w
        .app
        .client
        .post(w.app.url("/public/violations/lookup?lang=en"))
        .form(&[("plate", "浙E12345"), ("vin_tail", "123456")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(reply), "the reply is on the owner's page");
    assert!(page.contains("objection-answered-"), "no second form");
}

#[tokio::test]
async fn org_02_a_registry_entry_is_changed_only_by_the_unit_that_recorded_it() {
    let w = world().await;
    let s = &w.app.state;
    account(s, &w.o.sibling_county, "wx.clerk", 21, &["notice_clerk"]).await;
    let sibling_clerk = w.app.token("wx.clerk", PASSWORD).await;
    let entry = json!({ "plate": "浙E12345", "plate_colour": "blue", "country": "CN",
        "vin": "LSVAU2180N2123456", "owner_name": "冒名者", "owner_phone": "13900000000" });
    let (status, body) = w.app.post("/api/v1/vehicles", &sibling_clerk, &entry).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("vehicle.other_unit")),
        "a sibling county cannot redirect the owner's notices: {body}"
    );
    // The county's own clerk changes the phone; the audit names the field, not the value.
    let mut change = entry.clone();
    change["owner_name"] = json!("王小明");
    let (status, body) = w.app.post("/api/v1/vehicles", &w.clerk, &change).await;
    assert_eq!(status, 201, "{body}");
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w.app.get("/api/v1/audit?action=vehicle.", &root).await;
    let last = &audit[0];
    assert_eq!(last["action"], "vehicle.update");
    let detail = last["detail"].to_string();
    assert!(detail.contains("owner_phone"), "{detail}");
    assert!(
        !detail.contains("13900000000"),
        "values stay out of the audit: {detail}"
    );
    // A new plate is the recording clerk's unit's.
    let (status, _) = w
        .app
        .post(
            "/api/v1/vehicles",
            &sibling_clerk,
            &json!({ "plate": "浙A88888", "plate_colour": "blue", "country": "CN",
                     "vin": "LSVAU2180N2888888", "owner_name": "李四" }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = w
        .app
        .post(
            "/api/v1/vehicles",
            &w.clerk,
            &json!({ "plate": "浙A88888", "plate_colour": "blue", "country": "CN",
                     "vin": "LSVAU2180N2888888", "owner_name": "张三" }),
        )
        .await;
    assert_eq!(status, 403, "and Changxing cannot change Wuxing's entry");
}

/// Issue 12 item 2: the registry is keyed by the plate's country, number and colour; only
/// the plate's own country records its owner, and a record looks its owner up within its own
/// country and plate colour.
#[tokio::test]
async fn org_02_a_plate_is_its_countrys_and_its_owner_is_looked_up_within_it() {
    let w = world().await;
    let vn = crate::audit::second_country(&w.app).await;
    crate::audit::vn_account(
        &w.app.state,
        &vn,
        "vn.clerk",
        "045090001235",
        &["notice_clerk"],
    )
    .await;
    let vn_clerk = w.app.token("vn.clerk", PASSWORD).await;
    // A Vietnamese clerk records neither a new Chinese plate nor the one Changxing recorded.
    for plate in ["浙E99999", "浙E12345"] {
        let entry = json!({ "plate": plate, "plate_colour": "blue", "country": "CN",
            "vin": "LSVAU2180N2999999", "owner_name": "Kẻ mạo danh" });
        let (status, body) = w.app.post("/api/v1/vehicles", &vn_clerk, &entry).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("vehicle.other_country")),
            "{plate}: {body}"
        );
    }
    // So the rightful clerk still records 浙E99999.
    let (status, body) = w
        .app
        .post(
            "/api/v1/vehicles",
            &w.clerk,
            &json!({ "plate": "浙E99999", "plate_colour": "blue", "country": "CN",
                     "vin": "LSVAU2180N2999999", "owner_name": "赵六" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A registry entry names its colour: the colour is part of the plate.
    let (status, body) = w
        .app
        .post(
            "/api/v1/vehicles",
            &w.clerk,
            &json!({ "plate": "浙E77777", "country": "CN",
                     "vin": "LSVAU2180N2777777", "owner_name": "赵六" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    // A yellow 浙E12345 is another vehicle with another owner, beside the blue one.
    let (status, yellow) = w
        .app
        .post(
            "/api/v1/vehicles",
            &w.clerk,
            &json!({ "plate": "浙E12345", "plate_colour": "yellow", "country": "CN",
                     "vin": "LZZ1CLVB0N1987654", "owner_name": "钱七" }),
        )
        .await;
    assert_eq!(status, 201, "{yellow}");
    // A record of the blue plate names the blue plate's owner, not the yellow one's.
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 3))
        .await;
    let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
    let vid = out["violation_id"].as_i64().unwrap();
    let (status, detail) = w
        .app
        .get(&format!("/api/v1/violations/{vid}"), &w.clerk)
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["owner"]["owner_name"], "王小明", "{detail}");
    assert_ne!(detail["owner"]["id"], yellow["id"]);
    // The owner's proof finds the yellow plate by its own identification number.
    let url = "/api/v1/public/violations?plate=浙E12345&vin_tail=987654";
    let resp = w.app.client.get(w.app.url(url)).send().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        200,
        "the yellow plate's owner proves it"
    );
}

/// Issue 12 item 3: another unit's notice answers exactly like a notice that does not exist,
/// so ids cannot be enumerated by the differing answers.
#[tokio::test]
async fn org_02_another_units_notice_is_not_found_like_a_missing_one() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let detail = w.captures(&w.clerk).violation(vid).await;
    let notice = detail["notices"][0]["id"].as_i64().expect("a notice");
    account(
        &w.app.state,
        &w.o.sibling_county,
        "wx.clerk",
        21,
        &["notice_clerk"],
    )
    .await;
    let sibling = w.app.token("wx.clerk", PASSWORD).await;
    for path in ["letter", "retry"] {
        let theirs = format!("/api/v1/notices/{notice}/{path}");
        let missing = format!("/api/v1/notices/99999/{path}");
        let (a, b) = if path == "letter" {
            (
                w.app.get(&theirs, &sibling).await,
                w.app.get(&missing, &sibling).await,
            )
        } else {
            (
                w.app.post(&theirs, &sibling, &json!({})).await,
                w.app.post(&missing, &sibling, &json!({})).await,
            )
        };
        assert_eq!(a.0, 404, "{path}: {}", a.1);
        assert_eq!(a, b, "{path}: not yours and missing answer alike");
    }
}

#[tokio::test]
async fn not_01_an_outcome_after_a_lost_lease_changes_nothing() {
    let w = world().await;
    // An approval queues the owner's notices (a letter to the address on file).
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 7))
        .await;
    w.approve(r["capture_id"].as_i64().unwrap()).await;
    let store = &w.app.state.store;
    let now = w.clock.now();
    let first_until = truncate_micros(now + Duration::minutes(5));
    let mut tx = store.begin().await.unwrap();
    let first = violations::lease_due_notices(&mut tx, now, first_until, 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(!first.is_empty(), "a notice was queued");
    let n = &first[0];
    // The first sender stalls past its lease; a second takes the notice.
    let later = now + Duration::minutes(6);
    let second_until = truncate_micros(later + Duration::minutes(5));
    let mut tx = store.begin().await.unwrap();
    let second = violations::lease_due_notices(&mut tx, later, second_until, 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(second[0].id, n.id);
    let stale = Lease {
        notice_id: n.id,
        until: first_until,
    };
    let current = Lease {
        notice_id: n.id,
        until: second_until,
    };
    let mut tx = store.begin().await.unwrap();
    assert!(
        !violations::notice_failed(&mut tx, stale, "timed out", Some(later))
            .await
            .unwrap(),
        "the stalled sender's outcome is dropped"
    );
    assert!(
        violations::notice_sent(&mut tx, current, None, "s", "b", later)
            .await
            .unwrap()
    );
    assert!(
        !violations::notice_sent(&mut tx, stale, None, "s", "b", later)
            .await
            .unwrap(),
        "a sent notice is not sent again by the old lease"
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn sec_05_lists_of_notices_objections_and_exemptions_are_audited() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let (status, _) = public_objection(&w, vid, "123456").await;
    assert_eq!(status, 201);
    assert_eq!(
        w.app.get("/api/v1/notices?state=queued", &w.clerk).await.0,
        200
    );
    assert_eq!(w.app.get("/api/v1/objections", &w.handler).await.0, 200);
    assert_eq!(w.app.get("/api/v1/exemptions", &w.clerk).await.0, 200);
    let root = w.o.root_admin_token(&w.app).await;
    for action in ["notice.list", "objection.list", "exemption.list"] {
        let (_, audit) = w
            .app
            .get(&format!("/api/v1/audit?action={action}"), &root)
            .await;
        assert_eq!(audit.as_array().unwrap().len(), 1, "{action}: {audit}");
    }
}
