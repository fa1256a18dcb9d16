//! SHR-03: rider files are shared through the same interface registry and grant projection as
//! violation records: exactly name, ID number, place, date, count of violations and village
//! or community, masked as the grant says, over JSON and SOAP, every call audited.

use chrono::Duration;
use roadwarden_domain::rider::MatchState;
use serde_json::{json, Value};

use crate::riders::riders;

#[tokio::test]
async fn shr_03_rider_records_share_exactly_six_fields_masked_as_granted() {
    let r = riders().await;
    let w = &r.w;
    let tech = w
        .person(&w.o.county, "sh.tech", 63, &["tech_reviewer"])
        .await;
    let rider = r
        .person(Some("330522199001011234"), "王小明", "顺丰速运")
        .await;
    r.event(Some(rider), "e1", 30, MatchState::Matched).await;
    r.event(Some(rider), "e2", 5, MatchState::Matched).await;
    // An unconfirmed event is not counted; a provisional file is not shared.
    r.event(Some(rider), "e3", 3, MatchState::Unconfirmed).await;
    let provisional = r.person(None, "", "").await;
    r.event(Some(provisional), "e4", 2, MatchState::Matched)
        .await;

    let (status, p) = w
        .app
        .post(
            "/api/v1/sharing/partners",
            &tech,
            &json!({ "name": "村级综治平台" }),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let key = p["key"].as_str().unwrap().to_owned();
    let now = w.clock.now();
    let grant = json!({ "interface": "riders.query",
        "span_from": (now - Duration::days(30)).to_rfc3339(), "span_to": (now + Duration::days(1)).to_rfc3339(),
        "categories": [],
        "fields": [{ "field": "name" }, { "field": "id_number", "mask": { "keep_start": 6, "keep_end": 4 } },
                   { "field": "place" }, { "field": "date" }, { "field": "violations" }, { "field": "village" }],
        "purpose": "traffic_order", "purpose_text": "村（社区）开展电动自行车劝导",
        "expires_at": (now + Duration::days(10)).to_rfc3339() });
    // A rider field beyond the six (the phone) cannot be granted.
    let mut phone = grant.clone();
    phone["fields"] = json!([{ "field": "phone" }]);
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/sharing/partners/{pid}/grants"),
            &tech,
            &phone,
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.unknown_field")),
        "{e}"
    );
    let (status, g) = w
        .app
        .post(
            &format!("/api/v1/sharing/partners/{pid}/grants"),
            &tech,
            &grant,
        )
        .await;
    assert_eq!(status, 201, "{g}");
    let gid = g["id"].as_i64().unwrap();
    let (status, g) = w
        .app
        .post(
            &format!("/api/v1/sharing/grants/{gid}/approve"),
            &r.head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{g}");

    let query = |body: Value| {
        let key = key.clone();
        async move {
            let resp = w
                .app
                .client
                .post(w.app.url("/api/v1/partner/query"))
                .header("X-Partner-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, a) = query(json!({ "grant": gid })).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        a["fields"],
        json!([
            "name",
            "id_number",
            "place",
            "date",
            "violations",
            "village"
        ])
    );
    let rows = a["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only the confirmed file: {a}");
    let row = &rows[0];
    assert_eq!(row[0], "王小明");
    assert_eq!(row[1], "330522********1234");
    assert_eq!(row[2], "Jinling Road / Mingzhu Road");
    assert!(row[3].as_str().unwrap().starts_with("20"), "{row}");
    assert!(
        row[4] == json!(2) || row[4] == "2",
        "two confirmed violations: {row}"
    );
    assert_eq!(row[5], "Hongxing Village");
    let text = a.to_string();
    assert!(
        !text.contains("13800001111") && !text.contains("顺丰"),
        "{text}"
    );

    // The masked ID number can be neither filtered nor sorted on; the count can.
    let (status, e) = query(json!({ "grant": gid,
        "filters": [{ "field": "id_number", "op": "prefix", "value": "3305" }] }))
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.field_masked")),
        "{e}"
    );
    let (status, a) = query(json!({ "grant": gid,
        "filters": [{ "field": "violations", "op": "from", "value": "3" }] }))
    .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["rows"].as_array().unwrap().len(), 0);

    // The same answer over SOAP (jkid 04C02).
    let doc = "%3Croot%3E%3CQueryCondition%2F%3E%3C%2Froot%3E";
    let envelope = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
        <t:queryObjectOut xmlns:t=\"http://roadwarden/TmriOutAccess\"><t:xtlb>04</t:xtlb>\
        <t:jkxlh>{key}</t:jkxlh><t:jkid>04C02</t:jkid><t:UTF8XmlDoc>{doc}</t:UTF8XmlDoc>\
        </t:queryObjectOut></s:Body></s:Envelope>"
    );
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/soap/TmriOutAccess"))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(envelope)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let xml = resp.text().await.unwrap();
    // 王 is E7 8E 8B; the masked number keeps 330522 and 1234.
    assert!(
        xml.contains("%3Cname%3E%E7%8E%8B") && xml.contains("330522%2A%2A%2A%2A%2A%2A%2A%2A1234"),
        "{xml}"
    );

    // Every call is audited with the grant, the purpose and the files returned.
    let entries = r.audited("partner.query").await;
    assert!(
        entries.iter().any(|e| {
            let d: Value =
                serde_json::from_str(e["detail"].as_str().unwrap_or("{}")).unwrap_or_default();
            d["grant"] == gid && d["ids"] == json!([rider]) && d["purpose"] == "traffic_order"
        }),
        "{entries:?}"
    );
}
