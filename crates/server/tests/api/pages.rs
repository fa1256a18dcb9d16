//! What people see (issue 14) that is not one area's: the start page's waiting work, the audit
//! trail in words, and form errors answered where the mistake is.

use chrono::{TimeZone, Utc};
use roadwarden_testkit::World;
use serde_json::Value;

async fn world() -> World {
    World::at(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap(), |_| {}).await
}

/// The text a person reads: tags and attributes (a `title` holding the code) left out.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn home_shows_each_person_the_work_their_roles_give_them() {
    let w = world().await;
    let reviewer = w.person(&w.o.county, "p.reviewer", 11, &["reviewer"]).await;
    let clerk = w
        .person(&w.o.county, "p.clerk", 12, &["notice_clerk"])
        .await;
    let head = w.person(&w.o.county, "p.head", 13, &["unit_head"]).await;
    let recadmin = w
        .person(&w.o.county, "p.recadmin", 14, &["recorder_admin"])
        .await;
    let collector = w
        .person(&w.o.squad, "p.collector", 15, &["collector"])
        .await;

    let tiles = |html: &str| -> Vec<String> {
        html.split("data-work=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(str::to_owned))
            .collect()
    };
    let home = w.app.page("/?lang=en", Some(&reviewer)).await;
    assert_eq!(tiles(&home), ["home.work.review"], "{home}");
    assert!(text(&home).contains("Captures to review"));
    let home = w.app.page("/?lang=zh-CN", Some(&clerk)).await;
    assert_eq!(
        tiles(&home),
        ["home.work.notices", "home.work.notices_failed"]
    );
    assert!(text(&home).contains("待通知车主"));
    let home = w.app.page("/?lang=vi", Some(&head)).await;
    assert_eq!(
        tiles(&home),
        ["home.work.footage_requests", "home.work.work_records"]
    );
    let home = w.app.page("/", Some(&recadmin)).await;
    assert_eq!(
        tiles(&home),
        ["home.work.recorders_out", "home.work.recorders_damaged"]
    );
    // Nothing waits for a collector, and nobody but those who keep accounts sees the counts
    // of units and accounts.
    let home = w.app.page("/", Some(&collector)).await;
    assert!(tiles(&home).is_empty());
    assert!(!home.contains("home-work"));
    assert!(!text(&home).contains("辖区账号"), "{}", text(&home));
}

#[tokio::test]
async fn the_audit_trail_reads_in_words_not_codes() {
    let w = world().await;
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let page = w.app.page("/audit?lang=zh-CN", Some(&root)).await;
    let seen = text(&page);
    assert!(seen.contains("登录"), "the sign-in reads as words");
    assert!(!seen.contains("session.sign_in"), "no raw action code");
    assert!(!seen.contains("{\""), "no JSON object: {seen}");
    assert!(
        page.contains("title=\"session.sign_in\""),
        "the code stays at hand"
    );
    let page = w.app.page("/audit?lang=vi", Some(&root)).await;
    assert!(text(&page).contains("Đăng nhập"));
}

#[tokio::test]
async fn a_refused_form_answers_the_page_script_with_the_field_and_its_sentence() {
    let w = world().await;
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let post = |form: &'static str, lang: &'static str| {
        w.app
            .client
            .post(w.app.url(&format!("/calendar?lang={lang}")))
            .bearer_auth(&root)
            .header("x-form-errors", "inline")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
    };
    let resp = post("country=CN&date=2026-13-40&kind=holiday&name=x", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "date", "{body}");
    assert_eq!(body["error"]["label"], "日期");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        !message.is_empty() && !message.is_ascii(),
        "the sentence is Chinese: {message}"
    );

    // Accepted: the address to go to, instead of a redirect the script cannot read.
    let resp = post("country=CN&date=2026-10-09&kind=holiday&name=x", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["redirect"].as_str().unwrap().starts_with("/calendar"),
        "{body}"
    );

    // Without the script's header, a refusal is still the error page.
    let resp = w
        .app
        .client
        .post(w.app.url("/calendar"))
        .bearer_auth(&root)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("country=CN&date=2026-13-40&kind=holiday&name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("<html"));
}

#[tokio::test]
async fn a_confirmation_is_shown_once() {
    let w = world().await;
    let recadmin = w
        .person(&w.o.county, "p.recadmin", 14, &["recorder_admin"])
        .await;
    let page = w
        .app
        .page("/recorders?ok=recorder_registered&lang=en", Some(&recadmin))
        .await;
    let flash = page.matches("class=\"flash ok\"").count();
    assert_eq!(flash, 1, "{page}");
}
