//! SHR-02: the database narrows a partner's query by the conditions the grant allows, and the
//! answer is exactly the projection's: the same records, in the same order, as filtering and
//! ordering every record in the grant's scope would give, on both databases.

use super::*;

const PLATES: [&str; 12] = [
    "浙E12345",
    "浙EA0001",
    "浙E00009",
    "苏A12345",
    "浙EB7777",
    "浙E12300",
    "皖K88888",
    "浙EA0002",
    "浙E99999",
    "沪B00001",
    "浙E12340",
    "浙EA0010",
];

async fn partner_call(w: &World, key: &str, body: &Value) -> Value {
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/partner/query"))
        .header("X-Partner-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.unwrap()
}

/// The rows as (id, plate, occurred_at) in the answer's order.
fn rows(answer: &Value) -> Vec<(i64, String, String)> {
    let fields: Vec<&str> = answer["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let at = |name: &str| fields.iter().position(|f| *f == name).unwrap();
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[at("id")].as_str().unwrap().parse().unwrap(),
                r[at("plate")].as_str().unwrap().to_owned(),
                r[at("occurred_at")].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn shr_02_the_database_narrows_exactly_as_the_projection_decides() {
    let w = world().await;
    let ps = people(&w).await;
    for (n, plate) in PLATES.iter().enumerate() {
        let (status, r) = w
            .push(
                "330522010201",
                &w.capture(plate, "1625", u8::try_from(n).unwrap() + 1),
            )
            .await;
        assert_eq!(status, 201, "{plate}: {r}");
        w.approve(r["capture_id"].as_i64().unwrap()).await;
        // Not in order of plate: times and plates sort differently.
        w.clock
            .advance(Duration::minutes(7 + 3 * i64::try_from(n % 4).unwrap()));
    }
    w.clock.advance(Duration::hours(1));
    let (pid, key, _) = super::partners::granted(&w, &ps).await;
    let now = w.clock.now();
    let grant = json!({ "interface": "violations.query",
        "span_from": (now - Duration::days(30)).to_rfc3339(), "span_to": (now + Duration::days(30)).to_rfc3339(),
        "categories": [], "fields": [{ "field": "id" }, { "field": "plate" }, { "field": "occurred_at" }],
        "purpose": "traffic_order", "purpose_text": "核对号牌",
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
    let gid = g["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/sharing/grants/{gid}/approve"),
            &ps.head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);

    // Every record of the scope, by id: the ground truth.
    let all = rows(&partner_call(&w, &key, &json!({ "grant": gid, "limit": 500 })).await);
    assert_eq!(all.len(), PLATES.len());
    assert!(all.windows(2).all(|p| p[0].0 < p[1].0));

    let check = |name: &str,
                 got: Vec<(i64, String, String)>,
                 mut want: Vec<(i64, String, String)>,
                 limit: usize| {
        want.truncate(limit);
        assert_eq!(got, want, "{name}");
    };
    // Text order is byte order, ties by id in the same direction; the limit cuts after
    // ordering.
    let mut by_plate_desc = all.clone();
    by_plate_desc.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let got = rows(
        &partner_call(
            &w,
            &key,
            &json!({ "grant": gid, "limit": 3,
        "sort": { "field": "plate", "descending": true } }),
        )
        .await,
    );
    check("plate descending", got, by_plate_desc, 3);

    let mut by_plate = all.clone();
    by_plate.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let got = rows(
        &partner_call(
            &w,
            &key,
            &json!({ "grant": gid, "limit": 4,
        "sort": { "field": "plate" } }),
        )
        .await,
    );
    check("plate ascending", got, by_plate, 4);

    // A prefix, then the newest first.
    let mut zhe_e: Vec<_> = all
        .iter()
        .filter(|r| r.1.starts_with("浙EA"))
        .cloned()
        .collect();
    zhe_e.sort_by(|a, b| b.2.cmp(&a.2).then(b.0.cmp(&a.0)));
    let got = rows(
        &partner_call(
            &w,
            &key,
            &json!({ "grant": gid, "limit": 2,
        "filters": [{ "field": "plate", "op": "prefix", "value": "浙EA" }],
        "sort": { "field": "occurred_at", "descending": true } }),
        )
        .await,
    );
    check("prefix, newest first", got, zhe_e, 2);

    // Equality, and a time window from and to (inclusive).
    let got = rows(
        &partner_call(
            &w,
            &key,
            &json!({ "grant": gid,
        "filters": [{ "field": "plate", "op": "eq", "value": "浙E12340" }] }),
        )
        .await,
    );
    check(
        "equal",
        got,
        all.iter().filter(|r| r.1 == "浙E12340").cloned().collect(),
        100,
    );
    let (from, to) = (all[3].2.clone(), all[8].2.clone());
    let got = rows(
        &partner_call(
            &w,
            &key,
            &json!({ "grant": gid,
        "filters": [{ "field": "occurred_at", "op": "from", "value": from },
                    { "field": "occurred_at", "op": "to", "value": to }] }),
        )
        .await,
    );
    check("window", got, all[3..=8].to_vec(), 100);
    let got = rows(
        &partner_call(
            &w,
            &key,
            &json!({ "grant": gid,
        "filters": [{ "field": "id", "op": "from", "value": all[10].0.to_string() }] }),
        )
        .await,
    );
    check("ids from", got, all[10..].to_vec(), 100);

    // A control character in a condition is refused (PostgreSQL could not even bind a NUL).
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/partner/query"))
        .header("X-Partner-Key", &key)
        .json(&json!({ "grant": gid,
            "filters": [{ "field": "plate", "op": "eq", "value": "浙E\u{0}1" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], "sharing.bad_filter");
}
