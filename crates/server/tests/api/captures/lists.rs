//! The violations list (issue 14 item 5): search by plate, days, state and unit, sorting,
//! bounded pages, unit scope through every filter (ORG-02), and the audited XLSX export
//! (SEC-05).

use calamine::{Data, Reader, Xlsx};

use super::*;

/// Three records on three days: 浙E12345 (entered), 浙A00001 (entered) and 浙B77777
/// (notified), in that order, a day apart. Their ids, oldest first.
async fn three_records(w: &World) -> [i64; 3] {
    let mut ids = [0; 3];
    for (i, plate) in ["浙E12345", "浙A00001", "浙B77777"].iter().enumerate() {
        if i > 0 {
            w.clock.advance(chrono::Duration::days(1));
        }
        let (status, r) = w
            .push("330522010201", &w.capture(plate, "1625", 60 + i as u8))
            .await;
        assert_eq!(status, 201, "{r}");
        let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
        ids[i] = out["violation_id"].as_i64().unwrap();
    }
    let (status, body) = w
        .captures(&w.clerk)
        .act(ids[2], &json!({ "action": "notify", "channel": "post" }))
        .await;
    assert_eq!(status, 200, "{body}");
    ids
}

/// The plates the API lists for `query` as `token`, with the total it reports.
async fn plates(w: &World, token: &str, query: &str) -> (Vec<String>, i64) {
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/violations?{query}")))
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

#[tokio::test]
async fn violations_list_searches_sorts_and_pages() {
    let w = world().await;
    three_records(&w).await;
    let clerk = w.clerk.as_str();
    let (all, total) = plates(&w, clerk, "").await;
    assert_eq!(all, ["浙B77777", "浙A00001", "浙E12345"], "newest first");
    assert_eq!(total, 3);
    // Part of a plate, however it is typed.
    assert_eq!(
        plates(&w, clerk, "search=e 123").await,
        (vec!["浙E12345".to_owned()], 1)
    );
    // Sorting by plate, both ways.
    let (by_plate, _) = plates(&w, clerk, "sort=plate&dir=asc").await;
    assert_eq!(by_plate, ["浙A00001", "浙B77777", "浙E12345"]);
    let (by_plate, _) = plates(&w, clerk, "sort=plate&dir=desc").await;
    assert_eq!(by_plate, ["浙E12345", "浙B77777", "浙A00001"]);
    // The state filter, as before.
    assert_eq!(plates(&w, clerk, "state=notified").await.0, ["浙B77777"]);
    // Days are the reader's days: the second record was on 24 November in Shanghai.
    assert_eq!(
        plates(&w, clerk, "from=2026-11-24&to=2026-11-24").await.0,
        ["浙A00001"]
    );
    assert_eq!(plates(&w, clerk, "from=2026-11-24").await.1, 2);
    assert_eq!(plates(&w, clerk, "to=2026-11-23").await.0, ["浙E12345"]);
    // Pages: two, then the rest; the total stays the whole count.
    assert_eq!(
        plates(&w, clerk, "per_page=2").await,
        (vec!["浙B77777".to_owned(), "浙A00001".to_owned()], 3)
    );
    assert_eq!(
        plates(&w, clerk, "per_page=2&page=2").await,
        (vec!["浙E12345".to_owned()], 3)
    );
    // The unit filter: the county's own unit holds them all.
    let county = w.o.county.id.0;
    assert_eq!(plates(&w, clerk, &format!("unit_id={county}")).await.1, 3);
}

#[tokio::test]
async fn violations_list_refuses_unbounded_or_unknown_asks() {
    let w = world().await;
    for (query, field) in [
        ("per_page=201", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=999999", "page"),
        ("sort=fine_minor", "sort"),
        ("sort=id;DROP TABLE violations", "sort"),
        ("dir=up", "dir"),
        ("from=23.11.2026", "from"),
        ("from=2026-11-24&to=2026-11-23", "to"),
        ("state=lost", "state"),
        ("unit_id=abc", "unit_id"),
    ] {
        let (status, body) = w
            .app
            .get(&format!("/api/v1/violations?{query}"), &w.clerk)
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some(field)),
            "{query}: {body}"
        );
    }
    let resp = w
        .app
        .client
        .get(w.app.url("/violations?per_page=100000"))
        .bearer_auth(&w.clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
}

#[tokio::test]
async fn org_02_a_county_reader_never_sees_another_countys_records_through_any_filter() {
    let w = world().await;
    three_records(&w).await;
    let sibling = w
        .app
        .token(&w.o.sibling_reviewer.0, &w.o.sibling_reviewer.1)
        .await;
    let county = w.o.county.id.0;
    for query in [
        "",
        "search=E12345",
        "search=浙",
        "state=notified",
        "from=2000-01-01&to=2100-01-01",
        "sort=plate&dir=asc&per_page=200",
    ] {
        assert_eq!(
            plates(&w, &sibling, query).await,
            (Vec::<String>::new(), 0),
            "{query}"
        );
    }
    // Another county's unit is "not found", not an empty list that confirms it exists.
    let (status, _) = w
        .app
        .get(&format!("/api/v1/violations?unit_id={county}"), &sibling)
        .await;
    assert_eq!(status, 404);
    let sibling_unit = w.o.sibling_county.id.0;
    let (status, _) = w
        .app
        .get(
            &format!("/api/v1/violations?unit_id={sibling_unit}"),
            &w.clerk,
        )
        .await;
    assert_eq!(status, 404);
    // Nor through the page or the export.
    let page = w
        .app
        .page("/violations?search=E12345", Some(&sibling))
        .await;
    assert!(!page.contains("浙E12345"));
    let resp = w
        .app
        .client
        .get(w.app.url("/violations/export"))
        .bearer_auth(&sibling)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let book = workbook(resp.bytes().await.unwrap().to_vec());
    assert_eq!(book.len(), 1, "the headings only: {book:?}");
}

#[tokio::test]
async fn violations_page_searches_sorts_and_pages() {
    let w = world().await;
    three_records(&w).await;
    let page = w
        .app
        .page("/violations?search=E123&lang=en", Some(&w.clerk))
        .await;
    assert!(page.contains("浙E12345"));
    assert!(!page.contains("浙A00001"));
    assert!(
        page.contains("aria-sort=\"descending\""),
        "sorted by time, newest first"
    );
    assert!(
        page.contains(r#"<input type="hidden" name="search" value="E123">"#),
        "the export keeps the filter"
    );
    let page = w
        .app
        .page("/violations?per_page=2&sort=plate&dir=asc", Some(&w.clerk))
        .await;
    assert!(page.contains("浙A00001") && page.contains("浙B77777"));
    assert!(!page.contains("浙E12345"), "on the second page");
    assert!(
        page.contains("per_page=2&amp;sort=plate&amp;dir=asc&amp;page=2"),
        "{page}"
    );
    // The state filter keeps working.
    let page = w
        .app
        .page("/violations?state=notified", Some(&w.clerk))
        .await;
    assert!(page.contains("浙B77777") && !page.contains("浙E12345"));
}

fn workbook(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

#[tokio::test]
async fn sec_05_the_violations_export_is_a_workbook_in_the_readers_language_and_audited() {
    let w = world().await;
    three_records(&w).await;
    let resp = w
        .app
        .client
        .get(
            w.app
                .url("/violations/export?from=2026-11-24&sort=plate&dir=asc&lang=zh-CN"),
        )
        .bearer_auth(&w.clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let rows = workbook(resp.bytes().await.unwrap().to_vec());
    assert_eq!(rows.len(), 3, "the headings and two records: {rows:?}");
    assert_eq!(rows[0][1], Data::String("号牌".into()));
    assert_eq!(rows[1][1], Data::String("浙A00001".into()));
    assert_eq!(rows[2][1], Data::String("浙B77777".into()));
    assert_eq!(rows[2][9], Data::String("已通知".into()), "states in words");
    // In English when asked.
    let resp = w
        .app
        .client
        .get(w.app.url("/violations/export?lang=en"))
        .bearer_auth(&w.clerk)
        .send()
        .await
        .unwrap();
    let rows = workbook(resp.bytes().await.unwrap().to_vec());
    assert_eq!(rows[0][1], Data::String("Plate".into()));
    assert_eq!(rows.len(), 4);
    // SEC-05: each export is an entry with what was asked and how many rows went out.
    let root = w.o.root_admin_token(&w.app).await;
    let (_, entries) = w
        .app
        .get("/api/v1/audit?action=violation.export", &root)
        .await;
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let first: Value = serde_json::from_str(entries[1]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(first["rows"], 2);
    assert_eq!(first["from"], "2026-11-24");
    assert_eq!(first["sort"], "plate");
    assert_eq!(entries[1]["actor"], "cx.clerk");
}

/// The rows of an XLSX answer to `path` as `token`, after checking it is one.
async fn export_rows(w: &World, path: &str, token: &str) -> Vec<Vec<Data>> {
    let resp = w
        .app
        .client
        .get(w.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "{path}"
    );
    workbook(resp.bytes().await.unwrap().to_vec())
}

/// The device table of a device list page.
fn table_of(page: &str) -> &str {
    let start = page.find("id=\"device-table\"").expect("the device table");
    let rest = &page[start..];
    &rest[..rest.find("</table>").expect("the table's end")]
}

fn text_of(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn device_list_sorts_pages_and_exports_in_scope() {
    let w = world().await;
    let manager = w.manager.as_str();
    // Sorted by number, descending: the handheld (09…) before the red light (01…).
    let page = w
        .app
        .page("/devices?sort=number&dir=desc", Some(manager))
        .await;
    let rows = table_of(&page);
    let at = |n: &str| rows.find(n).unwrap_or_else(|| panic!("{n} in the table"));
    assert!(at("330522090203") < at("330522020204"));
    assert!(at("330522020204") < at("330522010201"));
    // Two a page: the third device is on the next page, which the pager links.
    let page = w
        .app
        .page("/devices?per_page=2&sort=number&dir=asc", Some(manager))
        .await;
    let rows = table_of(&page);
    assert!(rows.contains("330522010202") && !rows.contains("330522020204"));
    assert!(page.contains("page=2"), "a link to the next page");
    let table = page.find("id=\"device-table\"").unwrap();
    let map = page.find("id=\"device-map\"").unwrap_or(usize::MAX);
    assert!(table < map, "the table comes first, the map after it");
    let resp = w
        .app
        .client
        .get(w.app.url("/devices?per_page=1000"))
        .bearer_auth(manager)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422, "no unbounded page");
    // The export keeps the filter and the order, in the reader's language.
    let rows = export_rows(&w, "/devices/export?search=3305220102&lang=en", manager).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(text_of(&rows[0][0]), "Number");
    assert_eq!(text_of(&rows[1][0]), "330522010201");
    assert_eq!(text_of(&rows[2][0]), "330522010202");
    // Another county's reader exports nothing of this county's.
    let sibling = w
        .app
        .token(&w.o.sibling_reviewer.0, &w.o.sibling_reviewer.1)
        .await;
    assert_eq!(export_rows(&w, "/devices/export", &sibling).await.len(), 1);
    // SEC-05: the exports are on the record, with the row count.
    let root = w.o.root_admin_token(&w.app).await;
    let (_, entries) = w.app.get("/api/v1/audit?action=device.export", &root).await;
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let detail: Value = serde_json::from_str(entries[1]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(
        (detail["rows"].as_i64(), detail["search"].as_str()),
        (Some(2), Some("3305220102"))
    );
}

#[tokio::test]
async fn audit_list_sorts_pages_and_exports_under_scope() {
    let w = world().await;
    three_records(&w).await;
    plates(&w, &w.clerk, "").await;
    let root = w.o.root_admin_token(&w.app).await;
    let page = w
        .app
        .page("/audit?sort=actor&dir=asc&per_page=20&lang=en", Some(&root))
        .await;
    assert!(page.contains("aria-sort=\"ascending\""));
    assert!(
        [
            "per_page\" value=\"20",
            "sort\" value=\"actor",
            "dir\" value=\"asc"
        ]
        .iter()
        .all(|f| page.contains(&format!("<input type=\"hidden\" name=\"{f}\">"))),
        "{page}"
    );
    let resp = w
        .app
        .client
        .get(w.app.url("/audit?per_page=201"))
        .bearer_auth(&root)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    // The export: the actions in words, in the reader's language.
    let rows = export_rows(&w, "/audit/export?action=violation.list&lang=en", &root).await;
    assert_eq!(text_of(&rows[0][4]), "Action");
    assert!(rows.len() >= 2, "{rows:?}");
    assert!(
        rows[1..]
            .iter()
            .all(|r| text_of(&r[4]) == "Violation records listed"),
        "{rows:?}"
    );
    assert!(rows[1..].iter().all(|r| text_of(&r[2]) == "cx.clerk"));
    // Searching by part of the actor's name.
    let rows = export_rows(&w, "/audit/export?search=clerk&lang=en", &root).await;
    assert!(
        rows.len() >= 2 && rows[1..].iter().all(|r| text_of(&r[2]) == "cx.clerk"),
        "{rows:?}"
    );
    // ORG-02: the county's administrator sees no entry about the sibling county (its
    // reviewer's sign-in, say).
    w.app
        .token(&w.o.sibling_reviewer.0, &w.o.sibling_reviewer.1)
        .await;
    let county_admin = w.app.token(&w.o.county_admin.0, &w.o.county_admin.1).await;
    let rows = export_rows(&w, "/audit/export?per_page=200", &county_admin).await;
    assert!(rows.len() > 1);
    assert!(
        rows[1..]
            .iter()
            .all(|r| text_of(&r[2]) != "sibling.reviewer"),
        "{rows:?}"
    );
    // SEC-05: the export itself is an entry.
    let (_, entries) = w.app.get("/api/v1/audit?action=audit.export", &root).await;
    assert_eq!(entries.as_array().unwrap().len(), 3);
}

/// Posts the bulk form as `token`: the status, the content type and the body.
async fn bulk(w: &World, token: &str, form: &[(&str, String)]) -> (u16, String, Vec<u8>) {
    let resp = w
        .app
        .client
        .post(w.app.url("/violations/bulk?lang=en"))
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn not_01_a_clerk_prints_the_ticked_records_letters_as_one_pdf() {
    let w = world().await;
    let [with_owner, without_owner, _] = three_records(&w).await;
    let ids = |list: &[i64]| {
        let mut f = vec![("action", "letters".to_owned())];
        f.extend(list.iter().map(|id| ("ids", id.to_string())));
        f
    };
    // Every ticked record has a letter: the PDF itself.
    let (status, kind, body) = bulk(&w, &w.clerk, &ids(&[with_owner])).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(body.starts_with(b"%PDF-"));
    // One without a postal address is left out, with the reason; the rest can be printed.
    let (status, kind, body) =
        bulk(&w, &w.clerk, &ids(&[with_owner, without_owner, 999_999])).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("id=\"bulk-done\">1<"), "{page}");
    assert!(page.contains(&format!("#{without_owner}")), "{page}");
    assert!(
        page.contains("no postal address"),
        "the reason in words: {page}"
    );
    assert!(
        page.contains("#999999"),
        "an unknown record is refused on its own"
    );
    assert!(
        page.contains(&format!("name=\"ids\" value=\"{with_owner}\"")),
        "the PDF of the rest"
    );
    // Only clerks print; nothing unbounded.
    let (status, _, _) = bulk(&w, &w.reviewer, &ids(&[with_owner])).await;
    assert_eq!(status, 403);
    let many: Vec<i64> = (1..=201).collect();
    let (status, _, _) = bulk(&w, &w.clerk, &ids(&many)).await;
    assert_eq!(status, 422);
    let (status, _, _) = bulk(&w, &w.clerk, &ids(&[])).await;
    assert_eq!(status, 422);
    // SEC-05: printing names and addresses is on the record.
    let root = w.o.root_admin_token(&w.app).await;
    let (_, entries) = w
        .app
        .get("/api/v1/audit?action=violation.print_letters", &root)
        .await;
    assert_eq!(entries.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn not_01_a_clerk_records_the_ticked_records_as_posted_each_checked_alone() {
    let w = world().await;
    let [first, second, notified] = three_records(&w).await;
    let mut form = vec![("action", "notify".to_owned())];
    form.extend(
        [first, second, notified]
            .iter()
            .map(|id| ("ids", id.to_string())),
    );
    let (status, _, body) = bulk(&w, &w.clerk, &form).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("id=\"bulk-done\">2<"), "{page}");
    assert!(
        page.contains(&format!("#{notified}")),
        "already notified: left out"
    );
    for id in [first, second] {
        let v = w.captures(&w.clerk).violation(id).await;
        assert_eq!(v["violation"]["state"], "notified", "{v}");
    }
    // ORG-02: another county's clerk changes nothing here.
    let sibling_clerk = w
        .person(&w.o.sibling_county, "wx.clerk", 31, &["notice_clerk"])
        .await;
    let mut form = vec![("action", "notify".to_owned())];
    form.push(("ids", first.to_string()));
    let (status, _, body) = bulk(&w, &sibling_clerk, &form).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("id=\"bulk-done\">0<"), "{page}");
}
