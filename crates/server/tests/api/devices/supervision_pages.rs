//! SUP-02, SUP-03, SUP-06, SUP-07, AUD-09 pages (`ui/supervision/`): the check list, an item
//! with its forms, the warning form, complaints, a device's history of decisions and the
//! header's inbox badge, for the right people, in the three languages, with refusals shown
//! under the field.

use chrono::Duration;
use roadwarden_server::jobs::Job;
use serde_json::{json, Value};

use super::{world, World};

/// The text a person reads: tags and attributes left out.
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

/// A strings key left untranslated, e.g. `supervision.state.raised`.
fn raw_key(seen: &str) -> Option<String> {
    for prefix in [
        "supervision.",
        "complaint.",
        "decisions.",
        "nav.",
        "header.",
        "flash.",
        "field.",
        "event.",
        "state.",
    ] {
        let mut rest = seen;
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            if after.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                return Some(format!("{prefix}{}", &after[..after.len().min(30)]));
            }
            rest = after;
        }
    }
    None
}

async fn get(w: &World, token: &str, path: &str) -> (u16, String) {
    let resp = w
        .app
        .client
        .get(w.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// A form posted the way the page script posts it: a refusal is JSON naming the field.
async fn post_form(w: &World, token: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = w
        .app
        .client
        .post(w.app.url(path))
        .bearer_auth(token)
        .header("x-form-errors", "inline")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn warned(w: &World, number: &str) -> (i64, i64) {
    let id = w.in_use(number).await;
    let (status, page) = w
        .app
        .post(
            "/api/v1/supervision/warnings",
            &w.city_supervisor,
            &json!({ "device_id": id, "notice": "抓拍量较上月下降 79%，请复核" }),
        )
        .await;
    assert_eq!(status, 201, "{page}");
    (id, page["item"]["id"].as_i64().unwrap())
}

#[tokio::test]
async fn sup_03_sup_07_pages_render_for_their_readers_in_three_languages() {
    let w = world().await;
    let (id, item) = warned(&w, "33052201000201").await;
    let item_row = format!("item-{item}");
    let pages: [(&String, String, &str); 9] = [
        (&w.manager, "/supervision".to_owned(), "check-table"),
        (
            &w.manager,
            "/supervision?show=all&state=raised&sort=device&dir=desc&search=3305".to_owned(),
            &item_row,
        ),
        (
            &w.manager,
            format!("/supervision/items/{item}"),
            "recheck-form",
        ),
        (
            &w.city_supervisor,
            "/supervision?show=overdue".to_owned(),
            "check-table",
        ),
        (
            &w.city_supervisor,
            format!("/supervision/items/{item}"),
            "steps",
        ),
        (
            &w.manager,
            format!("/devices/{id}/decisions"),
            "responsibility",
        ),
        (&w.city_supervisor, format!("/devices/{id}"), "warn-form"),
        (&w.manager, format!("/devices/{id}"), "decisions-link"),
        (
            &w.city_supervisor,
            "/supervision/complaints".to_owned(),
            "complaint-form",
        ),
    ];
    for lang in ["zh-CN", "en", "vi"] {
        for (token, path, marker) in &pages {
            let sep = if path.contains('?') { '&' } else { '?' };
            let (status, body) = get(&w, token, &format!("{path}{sep}lang={lang}")).await;
            assert_eq!(status, 200, "{path} {lang}: {body}");
            assert!(
                body.contains(&format!("id=\"{marker}")),
                "{path} {lang}: no {marker}"
            );
            let seen = text(&body);
            assert_eq!(raw_key(&seen), None, "{path} {lang}");
        }
    }
    // Only the managing unit re-checks; the raising unit reads the notice.
    let (_, page) = get(
        &w,
        &w.city_supervisor,
        &format!("/supervision/items/{item}"),
    )
    .await;
    assert!(!page.contains("id=\"recheck-form\""));
    assert!(text(&page).contains("抓拍量较上月下降 79%"));
    // The list's export, in the reader's language.
    let resp = w
        .app
        .client
        .get(w.app.url("/supervision/export?show=all&lang=en"))
        .bearer_auth(&w.manager)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
}

#[tokio::test]
async fn sup_03_pages_refuse_the_wrong_role_and_scope() {
    let w = world().await;
    let (id, item) = warned(&w, "33052201000202").await;
    let cases = [
        (&w.tech, "/supervision".to_owned(), 403),
        (&w.tech, format!("/supervision/items/{item}"), 403),
        (&w.manager, "/supervision/complaints".to_owned(), 403),
        (&w.sibling, format!("/supervision/items/{item}"), 404),
        (&w.sibling, format!("/devices/{id}/decisions"), 404),
        (&w.manager, "/supervision/items/999999".to_owned(), 404),
        (&w.manager, "/supervision?state=lost".to_owned(), 422),
        (&w.sibling, "/supervision?unit_id=1".to_owned(), 404),
    ];
    for (token, path, want) in cases {
        let (status, body) = get(&w, token, &path).await;
        assert_eq!(status, want, "{path}: {body}");
    }
    // The sibling's own list does not show the item.
    let (_, page) = get(&w, &w.sibling, "/supervision?show=all").await;
    assert!(!page.contains(&format!("item-{item}")));
    // A device manager cannot warn, nor break a circuit.
    let device = id.to_string();
    let (status, _) = post_form(
        &w,
        &w.manager,
        "/supervision/warnings",
        &[("device_id", &device), ("notice", "请复核")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post_form(
        &w,
        &w.manager,
        &format!("/supervision/items/{item}/circuit-break"),
        &[("reason", "逾期未整改")],
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn sup_03_sup_07_the_forms_walk_an_item_from_warning_to_acceptance() {
    let w = world().await;
    let id = w.in_use("33052201000203").await;
    let device = id.to_string();
    // SUP-02: the warning form on the device page; an empty notice is refused on its field.
    let (status, e) = post_form(
        &w,
        &w.city_supervisor,
        "/supervision/warnings",
        &[("device_id", &device), ("notice", "")],
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "notice", "{e}");
    let (status, r) = post_form(
        &w,
        &w.city_supervisor,
        "/supervision/warnings",
        &[("device_id", &device), ("notice", "夜间抓拍量骤降，请复核")],
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let to = r["redirect"].as_str().unwrap().to_owned();
    assert!(to.starts_with("/supervision/items/"), "{to}");
    let item: i64 = to["/supervision/items/".len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let steps = format!("/supervision/items/{item}/steps");

    // Re-check: an unanswered question is refused on its field, in the reader's words.
    let (status, e) = post_form(
        &w,
        &w.manager,
        &format!("{steps}?lang=zh-CN"),
        &[("action", "recheck"), ("necessity", "路口事故多发")],
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "necessity", "{e}");
    assert!(!e["error"]["message"].as_str().unwrap().is_ascii(), "{e}");
    let (status, e) = post_form(
        &w,
        &w.manager,
        &steps,
        &[
            ("action", "recheck"),
            ("necessity_holds", "maybe"),
            ("necessity", "x"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "necessity");
    let recheck = [
        ("action", "recheck"),
        ("necessity_holds", "yes"),
        ("necessity", "路口事故多发，仍有必要"),
        ("rationality_holds", "yes"),
        ("rationality", "位置合理"),
        ("conformity_holds", "no"),
        ("conformity", "补光灯损坏"),
        ("suspend_for", "image_below_standard"),
    ];
    let (status, r) = post_form(&w, &w.manager, &steps, &recheck).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(w.state(id).await["state"], "suspended", "SUP-04");

    // Plan: a deadline in the past is refused on its field.
    let past = (w.clock.now() - Duration::days(2)).date_naive().to_string();
    let (status, e) = post_form(
        &w,
        &w.manager,
        &steps,
        &[
            ("action", "plan"),
            ("note", "更换补光灯"),
            ("deadline", &past),
        ],
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "deadline");
    let later = (w.clock.now() + Duration::days(15))
        .date_naive()
        .to_string();
    let (status, r) = post_form(
        &w,
        &w.manager,
        &steps,
        &[
            ("action", "plan"),
            ("note", "更换补光灯"),
            ("deadline", &later),
        ],
    )
    .await;
    assert_eq!(status, 200, "{r}");
    // Progress: a percent that is not 0..100 is refused on its field.
    let (status, e) = post_form(
        &w,
        &w.manager,
        &steps,
        &[
            ("action", "report_progress"),
            ("note", "已采购"),
            ("percent", "140"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "percent");
    for form in [
        [
            ("action", "report_progress"),
            ("note", "已采购"),
            ("percent", "60"),
        ],
        [
            ("action", "submit"),
            ("note", "已更换并标定"),
            ("percent", ""),
        ],
    ] {
        let (status, r) = post_form(&w, &w.manager, &steps, &form).await;
        assert_eq!(status, 200, "{r}");
    }
    // The raising unit sees the accept form, and accepts.
    let (_, page) = get(
        &w,
        &w.city_supervisor,
        &format!("/supervision/items/{item}"),
    )
    .await;
    assert!(page.contains("id=\"accept-form\"") && page.contains("id=\"send-back-form\""));
    let (status, r) = post_form(&w, &w.city_supervisor, &steps, &[("action", "accept")]).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(w.state(id).await["state"], "in_use", "SUP-04: back in use");

    // SUP-07: the history of decisions names who warned, re-checked, planned and accepted.
    let (_, page) = get(&w, &w.manager, &format!("/devices/{id}/decisions?lang=en")).await;
    let seen = text(&page);
    for words in [
        "Warning notice sent",
        "Re-check",
        "File the rectification plan",
        "Accept",
    ] {
        assert!(seen.contains(words), "{words}: {seen}");
    }
}

#[tokio::test]
async fn sup_06_the_circuit_breaker_form_refuses_an_empty_reason_and_breaks_when_due() {
    let w = world().await;
    let (id, item) = warned(&w, "33052201000204").await;
    let url = format!("/supervision/items/{item}/circuit-break");
    let (status, e) = post_form(&w, &w.city_supervisor, &url, &[("reason", "")]).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "reason");
    let (status, e) = post_form(&w, &w.city_supervisor, &url, &[("reason", "逾期未整改")]).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "supervision.breaker_not_due");

    // Overdue and escalated: a message for the managing unit, counted in its header.
    w.clock.advance(Duration::days(12));
    w.run_jobs(Job::SupervisionEscalation).await;
    let (_, page) = get(&w, &w.manager, "/supervision?show=overdue").await;
    assert!(page.contains(&format!("item-{item}")) && page.contains("alert-overdue"));
    assert!(
        page.contains("id=\"inbox-count\""),
        "the header counts the escalation"
    );
    w.clock.advance(Duration::days(20));
    let (_, page) = get(
        &w,
        &w.city_supervisor,
        &format!("/supervision/items/{item}"),
    )
    .await;
    assert!(page.contains("id=\"circuit-break-form\""));
    let (status, r) = post_form(&w, &w.city_supervisor, &url, &[("reason", "逾期未整改")]).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(w.state(id).await["state"], "circuit_broken");
}

#[tokio::test]
async fn aud_09_complaint_forms_register_check_and_answer_with_errors_under_the_field() {
    let w = world().await;
    let id = w.in_use("33052201000205").await;
    let device = id.to_string();
    let url = "/supervision/complaints";
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("channel", "fax"),
                ("target_kind", "device"),
                ("target_id", &device),
                ("summary", "抓拍错误"),
            ],
            "channel",
        ),
        (
            &[
                ("channel", "phone"),
                ("target_kind", "device"),
                ("target_id", "abc"),
                ("summary", "抓拍错误"),
            ],
            "target_id",
        ),
        (
            &[
                ("channel", "phone"),
                ("target_kind", "device"),
                ("target_id", &device),
                ("summary", ""),
            ],
            "summary",
        ),
    ];
    for (form, field) in cases {
        let (status, e) = post_form(&w, &w.city_supervisor, url, form).await;
        assert_eq!(status, 422, "{e}");
        assert_eq!(e["error"]["field"], field, "{e}");
    }
    let (status, r) = post_form(
        &w,
        &w.city_supervisor,
        url,
        &[
            ("channel", "media"),
            ("target_kind", "device"),
            ("target_id", &device),
            ("summary", "媒体报道抓拍错误"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let (_, list) = w
        .app
        .get("/api/v1/supervision/complaints", &w.city_supervisor)
        .await;
    let c = list[0]["id"].as_i64().unwrap();
    let steps = format!("/supervision/complaints/{c}/steps");
    let (status, r) = post_form(&w, &w.city_supervisor, &steps, &[("action", "start_check")]).await;
    assert_eq!(status, 200, "{r}");
    let (status, e) = post_form(
        &w,
        &w.city_supervisor,
        &steps,
        &[("action", "answer"), ("outcome", ""), ("reply", "已核实")],
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "outcome");
    let (status, r) = post_form(
        &w,
        &w.city_supervisor,
        &steps,
        &[
            ("action", "answer"),
            ("outcome", "upheld"),
            ("reply", "已核实，记录已撤销"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{r}");
    for lang in ["zh-CN", "en", "vi"] {
        let (status, page) = get(
            &w,
            &w.city_supervisor,
            &format!("{url}?state=answered&lang={lang}"),
        )
        .await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("complaint-{c}")));
        assert_eq!(raw_key(&text(&page)), None, "{lang}");
    }
}
