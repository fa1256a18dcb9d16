//! BWC-11, BWC-08, SEC-05, ORG-02: the footage list searches, sorts, pages and exports the
//! library; a photo shows as a thumbnail only under an approved request, through the audited
//! read path; the ticked rows export on their own.

use calamine::{Data, Reader, Xlsx};

use super::*;

const PHOTO: &[u8] = include_bytes!("../../fixtures/grey_8x8.jpg");

fn workbook(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

async fn status_of(w: &World, path: &str, token: &str) -> u16 {
    w.app
        .client
        .get(w.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A video on case 2026-200 and a photo, by the same officer: (video, photo).
async fn two_files(w: &World) -> (i64, i64) {
    let video = store_footage(w, &mp4(6000, 41), &[("case_ref", "2026-200".into())]).await;
    let photo = store_footage(w, PHOTO, &[("filename", "IMG_0001.JPG".into())]).await;
    (video, photo)
}

#[tokio::test]
async fn bwc_11_the_footage_list_searches_sorts_and_pages() {
    let w = world().await;
    let (video, photo) = two_files(&w).await;
    let has = |page: &str, id: i64| page.contains(&format!("id=\"evidence-{id}\""));
    let page = w.app.page("/evidence?lang=en", Some(&w.admin)).await;
    assert!(has(&page, video) && has(&page, photo), "{page}");
    assert!(
        page.contains("media-icon kind-video"),
        "a video shows its icon"
    );
    assert!(
        page.contains("media-icon kind-image"),
        "a photo without an approval shows an icon, not the picture"
    );
    assert!(!page.contains(&format!("evidence&#x2f;{photo}&#x2f;content")));
    // By officer (account or name), case and day; the older day filter still works.
    let page = w
        .app
        .page("/evidence?search=SQ.OFFICER", Some(&w.admin))
        .await;
    assert!(has(&page, video) && has(&page, photo));
    let page = w.app.page("/evidence?search=nobody", Some(&w.admin)).await;
    assert!(!has(&page, video) && !has(&page, photo));
    let page = w
        .app
        .page("/evidence?case_ref=2026-200", Some(&w.admin))
        .await;
    assert!(has(&page, video) && !has(&page, photo));
    let day = t0().format("%Y-%m-%d");
    let page = w
        .app
        .page(&format!("/evidence?day={day}"), Some(&w.admin))
        .await;
    assert!(has(&page, video) && has(&page, photo));
    let page = w
        .app
        .page("/evidence?from=2026-12-01", Some(&w.admin))
        .await;
    assert!(!has(&page, video));
    let page = w
        .app
        .page("/evidence?category=legal_hold", Some(&w.admin))
        .await;
    assert!(!has(&page, video) && !has(&page, photo));
    // A page at a time, the newest first; the second page holds the other file.
    let first = w.app.page("/evidence?per_page=1", Some(&w.admin)).await;
    let second = w
        .app
        .page("/evidence?per_page=1&page=2", Some(&w.admin))
        .await;
    assert!(has(&first, photo) && !has(&first, video));
    assert!(has(&second, video) && !has(&second, photo));
    assert!(
        first.contains("per_page=1&amp;sort=time&amp;dir=desc&amp;page=2"),
        "the pager keeps the size"
    );
    let page = w
        .app
        .page("/evidence?sort=officer&dir=asc", Some(&w.admin))
        .await;
    assert!(page.contains("aria-sort=\"ascending\""));
    for query in [
        "per_page=0",
        "sort=sha256",
        "category=forever",
        "state=lost",
        "unit_id=x",
    ] {
        assert_eq!(
            status_of(&w, &format!("/evidence?{query}"), &w.admin).await,
            422,
            "{query}"
        );
    }
    // ORG-02: another county's head sees none of it, and not the county as a filter.
    let sib = w.app.token("sib.head", roadwarden_testkit::PASSWORD).await;
    let page = w.app.page("/evidence", Some(&sib)).await;
    assert!(!has(&page, video) && !has(&page, photo));
    let county = w.o.county.id.0;
    assert_eq!(
        status_of(&w, &format!("/evidence?unit_id={county}"), &sib).await,
        404
    );
}

#[tokio::test]
async fn bwc_08_a_photo_thumbnail_shows_only_under_an_approval_and_each_viewing_is_audited() {
    let w = world().await;
    let (_, photo) = two_files(&w).await;
    // As the page writes it (minijinja escapes '/' in attributes).
    let thumb = format!("&#x2f;api&#x2f;v1&#x2f;evidence&#x2f;{photo}&#x2f;thumbnail");
    let page = w.app.page("/evidence", Some(&w.reviewer)).await;
    assert!(!page.contains(&thumb), "no approval, no picture");
    let (status, req) = request(&w, &w.reviewer, &[photo], "view").await;
    assert_eq!(status, 201, "{req}");
    decide(&w, &w.sq_head, req["id"].as_i64().unwrap(), "approve").await;
    let page = w.app.page("/evidence", Some(&w.reviewer)).await;
    assert!(
        page.contains(&format!("class=\"thumb\" src=\"{thumb}\"")),
        "{page}"
    );
    // The thumbnail loads through the footage read path: a small JPEG, and an entry.
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/evidence/{photo}/thumbnail")))
        .bearer_auth(&w.reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let small = resp.bytes().await.unwrap();
    assert!(small.starts_with(&[0xFF, 0xD8, 0xFF]));
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let (_, views) = w.app.get("/api/v1/audit?action=evidence.view", &root).await;
    assert_eq!(views.as_array().unwrap().len(), 1);
    // Another viewer without an approval still sees the icon.
    let page = w.app.page("/evidence", Some(&w.admin)).await;
    assert!(!page.contains(&thumb));
}

#[tokio::test]
async fn sec_05_the_footage_export_and_the_selection_export_are_workbooks_and_audited() {
    let w = world().await;
    let (video, photo) = two_files(&w).await;
    let resp = w
        .app
        .client
        .get(w.app.url("/evidence/export?sort=time&dir=asc&lang=vi"))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let rows = workbook(resp.bytes().await.unwrap().to_vec());
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][0], Data::Float(video as f64));
    assert_eq!(rows[1][1], Data::String("Video".into()));
    assert_eq!(rows[2][1], Data::String("Ảnh".into()));
    // 23 November 2026, 08:30 in Shanghai, the Vietnamese way.
    assert_eq!(rows[1][2], Data::String("23/11/2026 08:30".into()));
    // The ticked rows only ("select footage").
    let resp = w
        .app
        .client
        .post(w.app.url("/evidence/selection/export?lang=en"))
        .bearer_auth(&w.admin)
        .form(&[("evidence_ids", photo.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let rows = workbook(resp.bytes().await.unwrap().to_vec());
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], Data::Float(photo as f64));
    // Ticking nothing is a field error; another county's file is simply not there.
    let resp = w
        .app
        .client
        .post(w.app.url("/evidence/selection/export"))
        .bearer_auth(&w.admin)
        .form(&[("state", "kept")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let sib = w.app.token("sib.head", roadwarden_testkit::PASSWORD).await;
    let resp = w
        .app
        .client
        .post(w.app.url("/evidence/selection/export"))
        .bearer_auth(&sib)
        .form(&[("evidence_ids", photo.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        workbook(resp.bytes().await.unwrap().to_vec()).len(),
        1,
        "headings only"
    );
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let (_, entries) = w
        .app
        .get("/api/v1/audit?action=evidence.export_list", &root)
        .await;
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    let selected: Value = serde_json::from_str(entries[1]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(selected["selected"], json!([photo]));
    assert_eq!(selected["rows"], 1);
}

#[tokio::test]
async fn bwc_11_the_footage_list_answers_over_the_api_with_its_count_and_a_field_error() {
    let w = world().await;
    let (video, photo) = two_files(&w).await;
    let resp = w
        .app
        .client
        .get(w.app.url("/api/v1/footage?sort=time&dir=asc&per_page=1"))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["x-total-count"], "2");
    let rows: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["id"], video);
    assert_eq!(rows[0]["media_kind"], "video");
    let (status, rows) = w
        .app
        .get("/api/v1/footage?case_ref=2026-200", &w.admin)
        .await;
    assert_eq!(status, 200);
    let ids: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![video]);
    assert!(!ids.contains(&photo));
    let (status, err) = w
        .app
        .get("/api/v1/footage?category=forever", &w.admin)
        .await;
    assert_eq!(status, 422, "{err}");
    assert!(err.to_string().contains("category"), "{err}");
    // A device manager does not browse footage (FootageBrowsers).
    let device = w
        .person(&w.o.county, "cx.devices", 41, &["device_manager"])
        .await;
    assert_eq!(status_of(&w, "/api/v1/footage", &device).await, 403);
}
