//! The captures list (issue 14 item 5): search by plate, days, device, unit and state,
//! sorting, bounded pages, unit scope through every filter (ORG-02), and the audited XLSX
//! export (SEC-05) with dates written the reader's way.

use calamine::{Data, Reader, Xlsx};

use super::*;

/// Three captures a day apart: 浙E12345 (red light, pending), 浙A00001 (red light,
/// approved), 浙B77777 (the trial device). Their capture ids, oldest first.
async fn three_captures(w: &World) -> [i64; 3] {
    let mut ids = [0; 3];
    for (i, (device, plate)) in [
        ("330522010201", "浙E12345"),
        ("330522010201", "浙A00001"),
        ("330522010202", "浙B77777"),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            w.clock.advance(chrono::Duration::days(1));
        }
        let (status, r) = w
            .push(device, &w.capture(plate, "1625", 70 + i as u8))
            .await;
        assert_eq!(status, 201, "{r}");
        ids[i] = r["capture_id"].as_i64().unwrap();
    }
    w.approve(ids[1]).await;
    ids
}

/// The plates the API lists for `query` as `token`, with the total it reports.
async fn plates(w: &World, token: &str, query: &str) -> (Vec<String>, i64) {
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/captures?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{query}");
    let total = resp.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    let plates = body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["plate"].as_str().unwrap().to_owned())
        .collect();
    (plates, total)
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn captures_list_searches_sorts_pages_and_filters_by_device_and_state() {
    let w = world().await;
    three_captures(&w).await;
    let r = w.reviewer.as_str();
    assert_eq!(
        plates(&w, r, "").await,
        (owned(&["浙B77777", "浙A00001", "浙E12345"]), 3),
        "newest first"
    );
    assert_eq!(
        plates(&w, r, "search=e 123").await,
        (owned(&["浙E12345"]), 1)
    );
    assert_eq!(
        plates(&w, r, "sort=plate&dir=asc").await.0,
        ["浙A00001", "浙B77777", "浙E12345"]
    );
    assert_eq!(
        plates(&w, r, "sort=device&dir=desc").await.0[0],
        "浙B77777",
        "by device number, the trial device (…0202) first"
    );
    assert_eq!(plates(&w, r, "device=330522010202").await.0, ["浙B77777"]);
    assert_eq!(plates(&w, r, "device=330522010201").await.1, 2);
    assert_eq!(plates(&w, r, "state=approved").await.0, ["浙A00001"]);
    assert_eq!(
        plates(&w, r, "from=2026-11-24&to=2026-11-24").await.0,
        ["浙A00001"],
        "days are the reader's days"
    );
    assert_eq!(
        plates(&w, r, "per_page=2&page=2").await,
        (owned(&["浙E12345"]), 3)
    );
    let county = w.o.county.id.0;
    assert_eq!(plates(&w, r, &format!("unit_id={county}")).await.1, 3);
    // The API answer carries the device and the unit by name.
    let (_, body) = w.app.get("/api/v1/captures?state=approved", r).await;
    assert_eq!(body[0]["device_number"], "330522010201");
    assert_eq!(body[0]["state"], "approved");
    assert!(body[0]["unit_name"].as_str().is_some_and(|n| !n.is_empty()));
}

#[tokio::test]
async fn captures_list_refuses_unbounded_or_unknown_asks_and_other_roles() {
    let w = world().await;
    for (query, field) in [
        ("per_page=201", "per_page"),
        ("page=0", "page"),
        ("sort=id;DROP TABLE captures", "sort"),
        ("dir=up", "dir"),
        ("from=2026-11-24&to=2026-11-23", "to"),
        ("state=lost", "state"),
        ("unit_id=abc", "unit_id"),
        ("device=1%27%20OR%201%3D1", "device"),
    ] {
        let (status, body) = w
            .app
            .get(&format!("/api/v1/captures?{query}"), &w.reviewer)
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some(field)),
            "{query}: {body}"
        );
    }
    // A notice clerk works on records, not on captures.
    let (status, _) = w.app.get("/api/v1/captures", &w.clerk).await;
    assert_eq!(status, 403);
    let resp = w
        .app
        .client
        .get(w.app.url("/captures/export"))
        .bearer_auth(&w.clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
}

#[tokio::test]
async fn org_02_another_countys_reviewer_never_sees_these_captures() {
    let w = world().await;
    three_captures(&w).await;
    let sibling = w
        .app
        .token(&w.o.sibling_reviewer.0, &w.o.sibling_reviewer.1)
        .await;
    for query in ["", "search=E12345", "device=330522010201", "state=approved"] {
        assert_eq!(
            plates(&w, &sibling, query).await,
            (Vec::<String>::new(), 0),
            "{query}"
        );
    }
    let county = w.o.county.id.0;
    let (status, _) = w
        .app
        .get(&format!("/api/v1/captures?unit_id={county}"), &sibling)
        .await;
    assert_eq!(status, 404);
    let page = w.app.page("/captures?search=E12345", Some(&sibling)).await;
    assert!(!page.contains("浙E12345"));
}

fn workbook(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

#[tokio::test]
async fn sec_05_the_captures_page_and_its_export_keep_the_filter_and_are_audited() {
    let w = world().await;
    three_captures(&w).await;
    let page = w
        .app
        .page("/captures?search=E123&lang=en", Some(&w.reviewer))
        .await;
    assert!(page.contains("浙E12345") && !page.contains("浙A00001"));
    assert!(page.contains("aria-sort=\"descending\""));
    assert!(
        page.contains(r#"<input type="hidden" name="search" value="E123">"#),
        "the export keeps the filter"
    );
    assert!(
        page.contains("/review?id="),
        "a reviewer opens a capture at the desk"
    );
    // A supervisor reads the list too, without the desk's links.
    let sup = w
        .person(&w.o.county, "cx.supervisor", 40, &["supervisor"])
        .await;
    let page = w.app.page("/captures?lang=vi", Some(&sup)).await;
    assert!(page.contains("浙B77777") && page.contains("Dữ liệu ghi nhận"));
    assert!(!page.contains("/review?id="));
    // The export: in Vietnamese, states in words, dates as dd/mm/yyyy.
    let resp = w
        .app
        .client
        .get(w.app.url("/captures/export?sort=plate&dir=asc&lang=vi"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("captures-"));
    let rows = workbook(resp.bytes().await.unwrap().to_vec());
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[0][1], Data::String("Biển số".into()));
    assert_eq!(rows[1][1], Data::String("浙A00001".into()));
    assert_eq!(rows[1][9], Data::String("Đã duyệt".into()));
    assert_eq!(
        rows[1][5],
        Data::String("24/11/2026 10:00".into()),
        "the capture time in the reader's zone and language"
    );
    let root = w.o.root_admin_token(&w.app).await;
    let (_, entries) = w
        .app
        .get("/api/v1/audit?action=capture.export", &root)
        .await;
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let detail: Value = serde_json::from_str(entries[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(
        (detail["rows"].as_i64(), detail["sort"].as_str()),
        (Some(3), Some("plate"))
    );
    assert_eq!(entries[0]["actor"], "cx.supervisor");
    let (_, reads) = w.app.get("/api/v1/audit?action=capture.list", &root).await;
    assert_eq!(
        reads.as_array().unwrap().len(),
        2,
        "each page read is recorded"
    );
}
