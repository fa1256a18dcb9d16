//! The rider pages in zh-CN, en and vi: the list asks for a purpose first (SEC-08), the file,
//! the queue with its keyboard decisions, the phone task board, the library and the
//! assessment.

use super::*;

#[tokio::test]
async fn rid_pages_render_in_three_languages_and_ask_for_a_purpose_first() {
    let r = riders().await;
    let id = r
        .person(Some(&roadwarden_testkit::cn_id(541)), "Li Hua", "")
        .await;
    let e = r.event(Some(id), "pg-1", 2, MatchState::Unconfirmed).await;
    let app = &r.w.app;
    for (lang, purpose_word, list_word) in [
        ("zh-CN", "请先选择用途", "骑行人员档案"),
        ("en", "Choose the purpose first", "E-bike rider files"),
        (
            "vi",
            "Hãy chọn mục đích trước",
            "Hồ sơ người điều khiển xe đạp điện",
        ),
    ] {
        let page = app
            .page(&format!("/riders?lang={lang}"), Some(&r.officer))
            .await;
        assert!(page.contains("rider-purpose-needed"), "{lang}");
        assert!(page.contains(purpose_word), "{lang}");
        assert!(
            !page.contains("rider-table"),
            "{lang}: nothing is read without a purpose"
        );
        let page = app
            .page(
                &format!("/riders?lang={lang}&purpose=enforcement"),
                Some(&r.officer),
            )
            .await;
        assert!(
            page.contains(list_word) && page.contains("Li Hua"),
            "{lang}"
        );
        assert!(
            page.contains("13800001111"),
            "{lang}: officers see the phone"
        );
        let page = app
            .page(
                &format!("/riders/{id}?lang={lang}&purpose=enforcement"),
                Some(&r.officer),
            )
            .await;
        assert!(
            page.contains("tier-reason") && page.contains(&format!("event-{e}")),
            "{lang}"
        );
        let page = app
            .page(
                &format!("/riders/matches?lang={lang}&purpose=enforcement"),
                Some(&r.officer),
            )
            .await;
        assert!(
            page.contains("match-confirm-form") && page.contains("/static/riders.js"),
            "{lang}"
        );
        for path in ["/riders/tasks", "/riders/library", "/riders/assessment"] {
            let resp = app
                .client
                .get(app.url(&format!("{path}?lang={lang}")))
                .bearer_auth(&r.officer)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{lang} {path}");
        }
        let page = app
            .page(&format!("/riders/tasks?lang={lang}"), Some(&r.grid))
            .await;
        assert!(page.contains("task-board"), "{lang}");
    }
    // The head's list hides the phone (SEC-08).
    let page = app
        .page("/riders?lang=en&purpose=enforcement", Some(&r.head))
        .await;
    assert!(page.contains("Li Hua") && !page.contains("13800001111"));
    // The keyboard's form: confirm from the queue.
    let resp = app
        .client
        .post(app.url(&format!("/riders/matches/{e}/decision")))
        .bearer_auth(&r.officer)
        .form(&[("decision", "confirm"), ("purpose", "enforcement")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success() || resp.status().is_redirection());
    let f = r.file(id, &r.officer).await;
    assert_eq!(f["person"]["tier"], "occasional");
    assert_eq!(f["events"][0]["match_state"], "matched");
    // The script and the style are served.
    for asset in ["/static/riders.js", "/static/riders.css"] {
        let resp = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{asset}");
    }
}
