//! SHR-04: the non-motor-vehicle recognition system's screened offenders, one way in through a
//! write grant (JSON and SOAP), filed once per reference, decided by the county's e-bike
//! officers, never counted toward a tier.

use roadwarden_domain::account::cn_id_check_digit;
use roadwarden_domain::sharing::catalogue::SCREENED_OFFENDER_FIELDS;

use super::*;

/// A valid resident ID number from its first 17 digits.
fn id_number(first17: &str) -> String {
    format!("{first17}{}", cn_id_check_digit(first17).unwrap())
}

/// The recognition system as a partner of the county with an approved write grant on the
/// screened-offenders interface (proposed by the technology department, approved by the head).
async fn recognition_system(r: &Riders) -> String {
    let tech =
        r.w.person(&r.w.o.county, "cx.tech", 45, &["tech_reviewer"])
            .await;
    let (status, p) =
        r.w.app
            .post(
                "/api/v1/sharing/partners",
                &tech,
                &json!({ "name": "非机动车违法识别系统" }),
            )
            .await;
    assert_eq!(status, 201, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let now = r.w.clock.now();
    let fields: Vec<Value> = SCREENED_OFFENDER_FIELDS
        .iter()
        .map(|f| json!({ "field": f.name }))
        .collect();
    let grant = json!({ "interface": "riders.screened",
        "span_from": (now - Duration::days(30)).to_rfc3339(), "span_to": (now + Duration::days(365)).to_rfc3339(),
        "categories": [], "fields": fields,
        "purpose": "traffic_order", "purpose_text": "接收识别系统筛选的违法人员",
        "expires_at": (now + Duration::days(365)).to_rfc3339() });
    let (status, g) =
        r.w.app
            .post(
                &format!("/api/v1/sharing/partners/{pid}/grants"),
                &tech,
                &grant,
            )
            .await;
    assert_eq!(status, 201, "{g}");
    let gid = g["id"].as_i64().unwrap();
    let (status, g) =
        r.w.app
            .post(
                &format!("/api/v1/sharing/grants/{gid}/approve"),
                &r.head,
                &json!({}),
            )
            .await;
    assert_eq!(status, 200, "{g}");
    p["key"].as_str().unwrap().to_owned()
}

fn entry(reference: &str, id: &str, name: &str) -> Value {
    json!({ "source_ref": reference, "id_number": id, "name": name, "violation": "no_helmet",
        "occurred_at": "2026-11-20T08:30:00+08:00", "place": "金陵路与明珠路交叉口",
        "point": "330522070001", "similarity": "0.93" })
}

async fn send(r: &Riders, key: &str, records: Value) -> (u16, Value) {
    let resp =
        r.w.app
            .client
            .post(r.w.app.url("/api/v1/partner/write"))
            .header("X-Partner-Key", key)
            .json(&json!({ "jkid": "04W02", "records": records }))
            .send()
            .await
            .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn desk(r: &Riders, token: &str) -> (u16, Value) {
    r.w.app.get("/api/v1/rider-screened", token).await
}

/// SHR-04: entries come in once per reference (a retry is answered with the first id), are
/// linked to the resident with that ID number, wait for an officer of the county, are agreed
/// with or disputed once, and never raise a tier.
#[tokio::test]
async fn shr_04_screened_offenders_come_in_once_and_wait_for_an_officer() {
    let r = riders().await;
    let known = id_number("33052219900101001");
    let unknown = id_number("33052219850505002");
    let person = r.person(Some(&known), "张三", "长兴物流").await;
    let key = recognition_system(&r).await;

    let (status, a) = send(
        &r,
        &key,
        json!([
            entry("NMV-1", &known, "张三"),
            entry("NMV-2", &unknown, "李四")
        ]),
    )
    .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["rows"][0]["state"], "received");
    assert_eq!(a["rows"][1]["state"], "received");
    let first = a["rows"][0]["id"].as_i64().unwrap();
    // The sender retries: the same reference is the same entry.
    let (status, again) = send(&r, &key, json!([entry("NMV-1", &known, "张三")])).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["rows"][0]["state"], "duplicate");
    assert_eq!(again["rows"][0]["id"], first);

    let (status, d) = desk(&r, &r.officer).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["received"], 2);
    let entries = d["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let matched = entries.iter().find(|e| e["id"] == first).unwrap();
    assert_eq!(matched["person_id"], person);
    assert_eq!(matched["violation"], "no_helmet");
    assert_eq!(matched["sender"], "非机动车违法识别系统");
    // The list masks the ID number; the file shows it, for a purpose.
    assert!(!d.to_string().contains(&known), "{d}");
    let other = entries.iter().find(|e| e["id"] != first).unwrap();
    assert!(other["person_id"].is_null());
    for (lang, words, agree) in [
        ("zh-CN", "非机动车违法识别系统筛选的违法人员", "确认属实"),
        (
            "en",
            "Offenders screened by the non-motor-vehicle recognition system",
            "Agree",
        ),
        (
            "vi",
            "Người vi phạm do hệ thống nhận dạng vi phạm xe thô sơ sàng lọc",
            "Xác nhận đúng",
        ),
    ] {
        let page =
            r.w.app
                .page(&format!("/riders/screened?lang={lang}"), Some(&r.officer))
                .await;
        assert!(
            page.contains(words) && page.contains(agree),
            "{lang}: {page}"
        );
        assert!(page.contains(&format!("id=\"screened-{first}\"")), "{lang}");
        assert!(
            !page.contains(&known),
            "{lang}: the list masks the ID number"
        );
        assert!(
            !page.contains("no_helmet"),
            "{lang}: the violation in words"
        );
    }
    assert!(!r.audited("screened.read").await.is_empty());

    // Another county sees nothing and cannot decide; a grid worker is refused.
    let (status, s) = desk(&r, &r.stranger).await;
    assert_eq!((status, s["received"].as_i64()), (200, Some(0)), "{s}");
    let decision = |verdict: &str, note: &str| json!({ "verdict": verdict, "note": note });
    let path = format!("/api/v1/rider-screened/{first}/decision");
    let (status, _) =
        r.w.app
            .post(&path, &r.stranger, &decision("agreed", ""))
            .await;
    assert_eq!(status, 404);
    let (status, _) = desk(&r, &r.grid).await;
    assert_eq!(status, 403);

    // A dispute says why; a verdict is given once.
    let (status, e) = r.act(&path, &decision("disputed", "no")).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.task_reason_required")),
        "{e}"
    );
    let (status, e) = r.act(&path, &decision("maybe", "")).await;
    assert_eq!(status, 422, "{e}");
    let (status, e) = r.act(&path, &decision("agreed", "与档案照片一致")).await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(e["state"], "agreed");
    let (status, e) = r.act(&path, &decision("disputed", "重复提交测试")).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.screened_decided")),
        "{e}"
    );
    let decided = r.audited("screened.decide").await;
    assert_eq!(decided.len(), 1);

    // RID-08: corroboration only; the file's tier is untouched.
    let f = r.file(person, &r.officer).await;
    assert_eq!(f["person"]["tier"], "clear", "{f}");
    assert_eq!(f["events_total"], 0);
    // The file shows what was screened under its ID number, with the verdict.
    assert_eq!(f["screened"][0]["id"], first);
    assert_eq!(f["screened"][0]["state"], "agreed");
}

/// SHR-04, SHR-02: a bad submission is refused whole with its code and audited: a value that
/// does not fit its field, a field the interface does not know, an unknown key. The same
/// entries over SOAP `writeObjectOut` (04W02) are filed like JSON ones.
#[tokio::test]
async fn shr_04_a_bad_screened_submission_is_refused_whole() {
    let r = riders().await;
    let good = id_number("33052219900101001");
    let key = recognition_system(&r).await;

    let mut bad_id = entry("NMV-3", "330522199001010010", "王五");
    if bad_id["id_number"] == good {
        bad_id["id_number"] = json!("330522199001010011");
    }
    for (records, code) in [
        (
            json!([entry("NMV-1", &good, "张三"), bad_id]),
            "sharing.bad_value",
        ),
        (
            json!([{ "source_ref": "NMV-4", "plate": "浙E12345" }]),
            "sharing.unknown_field",
        ),
        (
            json!([entry("NMV-5", &good, "张三")
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("violation".into(), json!("speeding"));
                    o
                })
                .unwrap()]),
            "sharing.bad_value",
        ),
        (json!([]), "sharing.bad_filter"),
        // Outside the grant's span.
        (
            json!([entry("NMV-6", &good, "张三")
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("occurred_at".into(), json!("2024-01-01T08:00:00+08:00"));
                    o
                })
                .unwrap()]),
            "sharing.bad_value",
        ),
    ] {
        let (status, e) = send(&r, &key, records).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (422, Some(code)),
            "{e}"
        );
    }
    // All or nothing: the good record of the first submission was not kept.
    let (_, d) = desk(&r, &r.officer).await;
    assert_eq!(d["received"], 0, "{d}");
    assert!(r.audited("partner.refused").await.len() >= 4);
    let (status, _) = send(&r, "not-a-key", json!([entry("NMV-1", &good, "张三")])).await;
    assert_eq!(status, 401);
    // A stranger cannot make the server hold megabytes: the body is refused before parsing.
    let big = "x".repeat(2 * 1024 * 1024);
    let (status, _) = send(&r, "not-a-key", json!([{ "source_ref": big }])).await;
    assert_eq!(status, 413);

    // SOAP, document/literal, SOAP 1.1.
    let doc = format!(
        "<root><row><source_ref>NMV-9</source_ref><id_number>{good}</id_number><name>张三</name>\
         <violation>red_light</violation><occurred_at>2026-11-20T09:00:00+08:00</occurred_at>\
         <place>画溪大道</place></row></root>"
    );
    let encoded: String = doc
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
        <t:writeObjectOut xmlns:t=\"http://roadwarden/TmriOutAccess\"><t:xtlb>04</t:xtlb>\
        <t:jkxlh>{key}</t:jkxlh><t:jkid>04W02</t:jkid><t:UTF8XmlDoc>{encoded}</t:UTF8XmlDoc>\
        </t:writeObjectOut></s:Body></s:Envelope>"
    );
    let resp =
        r.w.app
            .client
            .post(r.w.app.url("/api/v1/soap/TmriOutAccess"))
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(envelope)
            .send()
            .await
            .unwrap();
    let status = resp.status().as_u16();
    let xml = resp.text().await.unwrap();
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains("%3Cstate%3Ereceived%3C%2Fstate%3E") || xml.contains("received"),
        "{xml}"
    );
    let (_, d) = desk(&r, &r.officer).await;
    assert_eq!(d["received"], 1, "{d}");
    assert_eq!(d["entries"][0]["violation"], "red_light");
}
