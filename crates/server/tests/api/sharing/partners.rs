//! SHR-01, SHR-02, STO-02: the interface registry, partners and their grants (two people), and
//! the one projection: a field outside the grant can be neither read, filtered nor sorted on;
//! expired grants and unknown keys are refused with a code; every call is audited.

use super::*;

async fn partner_call(w: &World, key: &str, body: &Value) -> (u16, Value) {
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/partner/query"))
        .header("X-Partner-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A partner with an approved grant of id, plate (masked), occurred_at, fine_minor and place
/// over the county for the month, expiring in 10 days: (partner id, key, grant id).
async fn granted(w: &World, ps: &People) -> (i64, String, i64) {
    let (status, p) = w
        .app
        .post(
            "/api/v1/sharing/partners",
            &ps.tech,
            &json!({ "name": "县综治平台" }),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let key = p["key"].as_str().unwrap().to_owned();
    let now = w.clock.now();
    let grant = json!({ "interface": "violations.query",
        "span_from": (now - Duration::days(30)).to_rfc3339(), "span_to": (now + Duration::days(30)).to_rfc3339(),
        "categories": ["16"],
        "fields": [{ "field": "id" }, { "field": "plate", "mask": { "keep_start": 2, "keep_end": 1 } },
                   { "field": "occurred_at" }, { "field": "fine_minor" }, { "field": "place" }],
        "purpose": "traffic_order", "purpose_text": "网格员劝导交通违法",
        "expires_at": (now + Duration::days(10)).to_rfc3339() });
    let (status, g) = w
        .app
        .post(
            &format!("/api/v1/sharing/partners/{pid}/grants"),
            &ps.tech,
            &grant,
        )
        .await;
    assert_eq!(status, 201, "{g}");
    assert_eq!(g["state"], "proposed");
    let gid = g["id"].as_i64().unwrap();
    // Two people: the creator does not approve.
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/sharing/grants/{gid}/approve"),
            &ps.tech,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.self_approval"))
    );
    let (status, g) = w
        .app
        .post(
            &format!("/api/v1/sharing/grants/{gid}/approve"),
            &ps.head,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, g["state"].as_str()),
        (200, Some("approved")),
        "{g}"
    );
    (pid, key, gid)
}

#[tokio::test]
async fn shr_02_a_field_outside_the_grant_can_be_neither_read_filtered_nor_sorted() {
    let w = world().await;
    let ps = people(&w).await;
    let vid = notified_record(&w, 1).await;
    let (_, key, gid) = granted(&w, &ps).await;

    // Read: only the granted fields, masked as granted.
    let (status, a) = partner_call(&w, &key, &json!({ "grant": gid })).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        a["fields"],
        json!(["id", "plate", "occurred_at", "fine_minor", "place"])
    );
    assert_eq!(a["rows"].as_array().unwrap().len(), 1);
    assert_eq!(a["rows"][0][0], vid.to_string());
    assert_eq!(a["rows"][0][1], "浙E****5");
    assert!(!a.to_string().contains("浙E12345"));
    assert!(!a.to_string().contains("driver_name") && !a.to_string().contains("owner"));

    // Filter and sort on a field outside the grant, or masked: refused, with a code.
    let refused = [
        (
            json!({ "grant": gid, "filters": [{ "field": "owner_name", "op": "eq", "value": "张三" }] }),
            "sharing.field_not_granted",
        ),
        (
            json!({ "grant": gid, "filters": [{ "field": "violation_code", "op": "prefix", "value": "16" }] }),
            "sharing.field_not_granted",
        ),
        (
            json!({ "grant": gid, "sort": { "field": "owner_phone" } }),
            "sharing.field_not_granted",
        ),
        (
            json!({ "grant": gid, "sort": { "field": "plate", "descending": true } }),
            "sharing.field_masked",
        ),
        (
            json!({ "grant": gid, "filters": [{ "field": "plate", "op": "prefix", "value": "浙E1" }] }),
            "sharing.field_masked",
        ),
        (
            json!({ "grant": gid, "filters": [{ "field": "shoe_size", "op": "eq", "value": "42" }] }),
            "sharing.unknown_field",
        ),
        (
            json!({ "grant": gid, "filters": [{ "field": "fine_minor", "op": "from", "value": "lots" }] }),
            "sharing.bad_filter",
        ),
    ];
    for (body, want) in refused {
        let (status, e) = partner_call(&w, &key, &body).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (422, Some(want)),
            "{body}"
        );
    }
    // A granted, unmasked field filters and sorts.
    let body = json!({ "grant": gid, "filters": [{ "field": "fine_minor", "op": "from", "value": "1" }],
                       "sort": { "field": "occurred_at", "descending": true } });
    let (status, a) = partner_call(&w, &key, &body).await;
    assert_eq!(
        (status, a["rows"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{a}"
    );
    let body =
        json!({ "grant": gid, "filters": [{ "field": "place", "op": "eq", "value": "别处" }] });
    let (_, a) = partner_call(&w, &key, &body).await;
    assert_eq!(a["rows"].as_array().map(Vec::len), Some(0));

    // Every call is audited with the grant, the caller, the purpose and the ids returned.
    let calls = audit(&w, "partner.").await;
    let answered: Vec<&Value> = calls
        .iter()
        .filter(|e| e["action"] == "partner.query")
        .collect();
    assert_eq!(answered.len(), 3);
    let first = answered
        .iter()
        .find(|e| e["detail"]["ids"] == json!([vid]))
        .unwrap();
    assert_eq!(first["detail"]["grant"], gid);
    assert_eq!(first["detail"]["purpose"], "traffic_order");
    assert!(
        first["actor"]
            .as_str()
            .unwrap_or_default()
            .starts_with("partner:"),
        "{first}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|e| e["action"] == "partner.refused")
            .count(),
        7
    );
}

#[tokio::test]
async fn shr_02_an_expired_or_revoked_grant_and_an_unknown_key_are_refused_with_a_code() {
    let w = world().await;
    let ps = people(&w).await;
    notified_record(&w, 1).await;
    let (pid, key, gid) = granted(&w, &ps).await;
    let (status, e) = partner_call(&w, "not-a-key", &json!({ "grant": gid })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (401, Some("sharing.bad_partner_key"))
    );
    let (status, e) = partner_call(&w, &key, &json!({ "grant": gid + 100 })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.grant_not_approved"))
    );
    let (status, _) = partner_call(&w, &key, &json!({ "grant": gid })).await;
    assert_eq!(status, 200);
    w.clock.advance(Duration::days(11));
    let (status, e) = partner_call(&w, &key, &json!({ "grant": gid })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.grant_expired"))
    );

    // A grant naming an unknown field, or an unregistered interface, is refused at once.
    let now = w.clock.now();
    let mut bad = json!({ "interface": "violations.query", "span_from": (now - Duration::days(1)).to_rfc3339(),
        "span_to": now.to_rfc3339(), "fields": [{ "field": "id_card_photo" }], "purpose": "traffic_order",
        "purpose_text": "测试", "expires_at": (now + Duration::days(1)).to_rfc3339() });
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/sharing/partners/{pid}/grants"),
            &ps.tech,
            &bad,
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.unknown_field"))
    );
    bad["fields"] = json!([{ "field": "id" }]);
    bad["interface"] = json!("everything.dump");
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/sharing/partners/{pid}/grants"),
            &ps.tech,
            &bad,
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.unknown_interface"))
    );

    // Revoked: refused too. The usage view counts every call.
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/sharing/grants/{gid}/revoke"),
            &ps.head2,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, e) = partner_call(&w, &key, &json!({ "grant": gid })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.grant_not_approved"))
    );
    let (status, d) = w
        .app
        .get(&format!("/api/v1/sharing/partners/{pid}"), &ps.head)
        .await;
    assert_eq!(status, 200, "{d}");
    let of_grant = d["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["grant_id"] == gid)
        .unwrap()
        .clone();
    assert_eq!(
        (of_grant["calls"].as_i64(), of_grant["answered"].as_i64()),
        (Some(3), Some(1)),
        "{d}"
    );
    assert_eq!(of_grant["rows"], 1);
}

#[tokio::test]
async fn shr_01_every_interface_is_registered_with_its_catalogued_fields_and_the_pages_show_them() {
    let w = world().await;
    let ps = people(&w).await;
    let (status, list) = w.app.get("/api/v1/sharing/interfaces", &ps.head).await;
    assert_eq!(status, 200, "{list}");
    let q = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "violations.query")
        .unwrap();
    assert_eq!(q["protocols"], json!(["http", "soap"]));
    assert!(q["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "owner_name" && f["personal"] == true));
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["code"] == "device_registrations.export"));
    let (status, _) = w.app.get("/api/v1/sharing/interfaces", &w.clerk).await;
    assert_eq!(status, 403);

    let (pid, _, gid) = granted(&w, &ps).await;
    let page = w.app.page("/sharing/partners", Some(&ps.head)).await;
    assert!(
        page.contains("interfaces-table") && page.contains("violations.query"),
        "{page}"
    );
    let page = w
        .app
        .page(&format!("/sharing/partners/{pid}"), Some(&ps.head))
        .await;
    assert!(page.contains(&format!("grant-{gid}")) && page.contains("usage-table"));
    let page = w.app.page("/sharing", Some(&w.clerk)).await;
    assert!(page.contains("sharing-form") && page.contains("sharing-table"));
}
