//! DAT-01: a data-modification request names several records (all carried out together or
//! none) and carries files (PDF, JPEG, PNG), read only by those who ask, decide and carry out.

use super::*;

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[0u8; 64]);
    b
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

const REASON: &str = "号牌识别错误，核对照片与行驶证";

/// `POST /api/v1/corrections` as multipart: the request's JSON and the files.
async fn ask_with_files(
    w: &World,
    token: &str,
    request: &Value,
    files: Vec<(&str, Vec<u8>)>,
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new().text("request", request.to_string());
    for (name, bytes) in files {
        form = form.part(
            "files",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/corrections"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn read_file(w: &World, token: &str, url: &str) -> (u16, Vec<u8>, String) {
    let resp = w
        .app
        .client
        .get(w.app.url(url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let sha = resp
        .headers()
        .get("x-sha256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, resp.bytes().await.unwrap().to_vec(), sha)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn dat_01_a_request_names_several_records_and_all_are_applied_together() {
    let w = world().await;
    let v1 = notified_record(&w, 1).await;
    let v2 = notified_record(&w, 2).await;
    let v3 = notified_record(&w, 3).await;
    let head = w.person(&w.o.county, "cx.head", 21, &["unit_head"]).await;
    let tech = w
        .person(&w.o.county, "cx.tech", 22, &["tech_reviewer"])
        .await;
    let request = json!({ "reason": REASON, "records": [
        { "violation_id": v1, "changes": [{ "field": "plate", "value": "浙E54321" }] },
        { "violation_id": v2, "changes": [{ "field": "place", "value": "明珠路口北" },
                                          { "field": "violation_code", "value": "1208" }] },
        { "violation_id": v3, "changes": [{ "field": "plate_colour", "value": "yellow" }] },
    ]});
    let (status, c) = ask_with_files(
        &w,
        &w.clerk,
        &request,
        vec![("licence.pdf", pdf()), ("plate.png", png())],
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["records"].as_array().unwrap().len(), 3);
    assert_eq!(c["violation_id"], v1, "the first record, as before");
    assert_eq!(c["records"][1]["changes"][0]["before"], "明珠路口");
    assert_eq!(c["attachments"][0]["mime"], "application/pdf");
    assert_eq!(c["attachments"][1]["mime"], "image/png");
    assert_eq!(c["attachments"][1]["sha256"], sha256_hex(&png()));

    let (status, a) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/approve"),
            &head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{a}");
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

    let one = w.captures(&w.clerk).violation(v1).await;
    assert_eq!(one["violation"]["plate"], "浙E54321");
    let two = w.captures(&w.clerk).violation(v2).await;
    assert_eq!(two["violation"]["place"], "明珠路口北");
    assert_eq!(two["violation"]["violation_code"], "1208");
    let three = w.captures(&w.clerk).violation(v3).await;
    assert_eq!(three["violation"]["plate_colour"], "yellow");
    for detail in [&one, &two, &three] {
        let events: Vec<&str> = detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert!(events.contains(&"correction_execute"), "{events:?}");
    }

    // Each record's page shows its own before/after; the request's page lists them all and
    // its files with their SHA-256.
    let page = w
        .app
        .page(&format!("/corrections?violation={v2}"), Some(&w.clerk))
        .await;
    assert!(
        page.contains("明珠路口") && page.contains("明珠路口北"),
        "{page}"
    );
    let page = w
        .app
        .page(&format!("/corrections/{id}"), Some(&w.clerk))
        .await;
    for v in [v1, v2, v3] {
        assert!(page.contains(&format!("correction-record-{v}")), "{page}");
    }
    assert!(page.contains(&sha256_hex(&pdf())) && page.contains("licence.pdf"));
    assert!(page.contains(&format!("/corrections/{id}/attachments/")));

    // One execution in the audit, naming every record.
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=correction.execute", &root)
        .await;
    let rows = audit.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{audit}");
    let detail: Value = serde_json::from_str(rows[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["records"].as_array().unwrap().len(), 3, "{detail}");
}

#[tokio::test]
async fn dat_01_nothing_is_applied_when_one_record_changed_since_the_request() {
    let w = world().await;
    let v1 = notified_record(&w, 1).await;
    let v2 = notified_record(&w, 2).await;
    let head = w.person(&w.o.county, "cx.head", 21, &["unit_head"]).await;
    let tech = w
        .person(&w.o.county, "cx.tech", 22, &["tech_reviewer"])
        .await;
    let both = json!({ "reason": REASON, "records": [
        { "violation_id": v1, "changes": [{ "field": "plate", "value": "浙E54321" }] },
        { "violation_id": v2, "changes": [{ "field": "place", "value": "明珠路口北" }] },
    ]});
    let (status, c) = w.app.post("/api/v1/corrections", &w.clerk, &both).await;
    assert_eq!(status, 201, "{c}");
    let first = c["id"].as_i64().unwrap();
    let single = json!({ "violation_id": v2, "reason": REASON,
        "changes": [{ "field": "place", "value": "明珠路口南" }] });
    let (status, c) = w.app.post("/api/v1/corrections", &w.clerk, &single).await;
    assert_eq!(status, 201, "{c}");
    let second = c["id"].as_i64().unwrap();
    for id in [first, second] {
        let (status, _) = w
            .app
            .post(
                &format!("/api/v1/corrections/{id}/approve"),
                &head,
                &json!({}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/corrections/{second}/execute"),
            &tech,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    // The second record's place changed meanwhile: the first request applies nothing.
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/corrections/{first}/execute"),
            &tech,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.fact_changed")),
        "{e}"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&v2.to_string()),
        "the record is named: {e}"
    );
    let one = w.captures(&w.clerk).violation(v1).await;
    assert_eq!(one["violation"]["plate"], "浙E12345", "nothing applied");
    let (_, still) = w
        .app
        .get(&format!("/api/v1/corrections/{first}"), &w.clerk)
        .await;
    assert_eq!(still["state"], "approved");

    // SEC-06: a direct change is still refused, on both records.
    for v in [v1, v2] {
        let sql = format!("UPDATE violations SET plate = '浙E00000' WHERE id = {v}");
        assert!(w.app.state.store.raw_execute(&sql).await.is_err());
    }
}

#[tokio::test]
async fn dat_01_bad_records_and_bad_attachments_are_refused() {
    let w = world().await;
    let v1 = notified_record(&w, 1).await;
    let v2 = notified_record(&w, 2).await;
    let change = |v: i64, value: &str| json!({ "violation_id": v, "changes": [{ "field": "place", "value": value }] });
    // Too many records.
    let many: Vec<Value> = (0..51).map(|i| change(v1 + i, "明珠路口北")).collect();
    let (status, e) = w
        .app
        .post(
            "/api/v1/corrections",
            &w.clerk,
            &json!({ "reason": REASON, "records": many }),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("records")),
        "{e}"
    );
    // A record named twice.
    let (status, e) = w
        .app
        .post(
            "/api/v1/corrections",
            &w.clerk,
            &json!({ "reason": REASON, "records": [change(v1, "甲路"), change(v2, "乙路"), change(v1, "丙路")] }),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("records[2].violation_id")),
        "{e}"
    );
    // A bad value is named with its record.
    let (status, e) = w
        .app
        .post(
            "/api/v1/corrections",
            &w.clerk,
            &json!({ "reason": REASON, "records": [change(v1, "甲路"),
                { "violation_id": v2, "changes": [{ "field": "plate", "value": "不是号牌" }] }] }),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("records[1].plate")),
        "{e}"
    );
    // Both shapes at once.
    let (status, _) = w
        .app
        .post(
            "/api/v1/corrections",
            &w.clerk,
            &json!({ "reason": REASON, "violation_id": v1, "changes": [], "records": [change(v2, "乙路")] }),
        )
        .await;
    assert_eq!(status, 422);
    let ok = json!({ "reason": REASON, "records": [change(v1, "甲路")] });
    // A file that is not a PDF, JPEG or PNG, whatever its name says.
    let (status, e) = ask_with_files(
        &w,
        &w.clerk,
        &ok,
        vec![("scan.pdf", b"GIF89a....".to_vec())],
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("files")),
        "{e}"
    );
    // Too large.
    let mut big = pdf();
    big.resize(3 * 1024 * 1024 + 1, b' ');
    let (status, e) = ask_with_files(&w, &w.clerk, &ok, vec![("big.pdf", big)]).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (413, Some("input.too_large")),
        "{e}"
    );
    // Too many.
    let six = (0..6).map(|_| ("p.png", png())).collect();
    let (status, e) = ask_with_files(&w, &w.clerk, &ok, six).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("files")),
        "{e}"
    );
    // Nothing was filed.
    let (_, list) = w.app.get("/api/v1/corrections", &w.clerk).await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");
}

#[tokio::test]
async fn dat_01_attachments_are_read_by_requester_head_and_executor_and_every_read_is_audited() {
    let w = world().await;
    let v1 = notified_record(&w, 1).await;
    let head = w.person(&w.o.county, "cx.head", 21, &["unit_head"]).await;
    let tech = w
        .person(&w.o.county, "cx.tech", 22, &["tech_reviewer"])
        .await;
    let other_clerk = w
        .person(&w.o.county, "cx.clerk2", 24, &["notice_clerk"])
        .await;
    let far = w
        .person(&w.o.sibling_county, "sb.head", 23, &["unit_head"])
        .await;
    let request = json!({ "reason": REASON, "violation_id": v1,
        "changes": [{ "field": "plate", "value": "浙E54321" }] });
    let photo = jpeg(7);
    let (status, c) =
        ask_with_files(&w, &w.clerk, &request, vec![("plate.jpg", photo.clone())]).await;
    assert_eq!(status, 201, "{c}");
    let url = c["attachments"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(c["attachments"][0]["mime"], "image/jpeg");
    for who in [&w.clerk, &head, &tech] {
        let (status, bytes, sha) = read_file(&w, who, &url).await;
        assert_eq!(status, 200);
        assert_eq!(bytes, photo);
        assert_eq!(sha, sha256_hex(&photo));
    }
    // Another clerk of the unit reads the request but not its files; another county's head
    // does not find it.
    let (status, _, _) = read_file(&w, &other_clerk, &url).await;
    assert_eq!(status, 403);
    let (status, _, _) = read_file(&w, &far, &url).await;
    assert_eq!(status, 404);
    let page = w
        .app
        .page(&format!("/corrections/{}", c["id"]), Some(&other_clerk))
        .await;
    assert!(page.contains("plate.jpg") && !page.contains(&url.replace("/api/v1", "")));
    // The page's own link serves the same file.
    let (status, bytes, _) = read_file(&w, &head, &url.replace("/api/v1", "")).await;
    assert_eq!((status, bytes), (200, photo));

    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=correction.attachment_read", &root)
        .await;
    assert_eq!(audit.as_array().unwrap().len(), 4, "{audit}");
}

#[tokio::test]
async fn dat_01_the_page_form_takes_several_rows_and_files_and_names_a_bad_row() {
    let w = world().await;
    let v1 = notified_record(&w, 1).await;
    let v2 = notified_record(&w, 2).await;
    let page = w
        .app
        .page(&format!("/corrections?violation={v1}"), Some(&w.clerk))
        .await;
    assert!(page.contains("records[2].violation_id") && page.contains("name=\"files\""));
    let post = |row2_plate: &str| {
        reqwest::multipart::Form::new()
            .text("records[0].violation_id", v1.to_string())
            .text("records[0].place", "明珠路口北")
            .text("records[1].violation_id", "")
            .text("records[2].violation_id", v2.to_string())
            .text("records[2].plate", row2_plate.to_owned())
            .text("reason", REASON)
            .part(
                "files",
                reqwest::multipart::Part::bytes(pdf()).file_name("licence.pdf"),
            )
    };
    // A bad value in the third row is named by that row's input.
    let resp = w
        .app
        .client
        .post(w.app.url("/corrections"))
        .bearer_auth(&w.clerk)
        .header("x-form-errors", "inline")
        .multipart(post("不是号牌"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["field"], "records[2].plate", "{e}");

    let resp = w
        .app
        .client
        .post(w.app.url("/corrections"))
        .bearer_auth(&w.clerk)
        .header("x-form-errors", "inline")
        .multipart(post("浙E54321"))
        .send()
        .await
        .unwrap();
    let answer: Value = resp.json().await.unwrap();
    let to = answer["redirect"].as_str().expect("a redirect").to_owned();
    assert!(to.starts_with("/corrections/"), "{to}");
    let page = w.app.page(&to, Some(&w.clerk)).await;
    assert!(page.contains(&format!("correction-record-{v1}")));
    assert!(page.contains(&format!("correction-record-{v2}")));
    assert!(page.contains(&sha256_hex(&pdf())));
}

/// `POST /api/v1/corrections/{id}/attachments`: files added to a filed request.
async fn add_files(w: &World, token: &str, id: i64, files: Vec<(&str, Vec<u8>)>) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (name, bytes) in files {
        form = form.part(
            "files",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    let resp = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/corrections/{id}/attachments")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// DAT-01: the one who asked adds files after filing, while the head has not decided; nobody
/// else, never after the decision, never more than five in all, never a file that is not a
/// PDF, JPEG or PNG. Each addition is audited with its SHA-256.
#[tokio::test]
async fn dat_01_the_requester_adds_files_until_the_head_decides() {
    let w = world().await;
    let v1 = notified_record(&w, 1).await;
    let head = w.person(&w.o.county, "cx.head", 21, &["unit_head"]).await;
    let other_clerk = w
        .person(&w.o.county, "cx.clerk2", 24, &["notice_clerk"])
        .await;
    let request = json!({ "reason": REASON, "violation_id": v1,
        "changes": [{ "field": "plate", "value": "浙E54321" }] });
    let (status, c) = ask_with_files(&w, &w.clerk, &request, vec![("scan.pdf", pdf())]).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();

    let (status, got) = add_files(&w, &w.clerk, id, vec![("plate.png", png())]).await;
    assert_eq!(status, 200, "{got}");
    let files = got["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[1]["file_name"], "plate.png");
    assert_eq!(files[1]["mime"], "image/png");

    let (status, _) = add_files(&w, &other_clerk, id, vec![("x.png", png())]).await;
    assert_eq!(status, 403, "only the one who asked");
    let (status, e) = add_files(&w, &w.clerk, id, vec![("notes.txt", b"hello".to_vec())]).await;
    assert_eq!(status, 422, "{e}");
    let (status, e) = add_files(&w, &w.clerk, id, vec![]).await;
    assert_eq!(status, 422, "{e}");
    let four = (0..4).map(|_| ("more.png", png())).collect();
    let (status, e) = add_files(&w, &w.clerk, id, four).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("files")),
        "five in all: {e}"
    );

    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/corrections/{id}/approve"),
            &head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, e) = add_files(&w, &w.clerk, id, vec![("late.png", png())]).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("correction.not_pending"))
    );
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=correction.attach", &root)
        .await;
    let attach: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "correction.attach")
        .collect();
    assert_eq!(attach.len(), 1, "{audit}");
    let page = w
        .app
        .page(&format!("/corrections/{id}?lang=en"), Some(&w.clerk))
        .await;
    assert!(!page.contains("add-files-form"), "decided: no more files");
}
