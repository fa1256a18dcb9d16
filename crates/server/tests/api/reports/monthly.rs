//! DEV-11, SUP-07a, SUP-03, AUD-09: the monthly reports' figures on seeded data, their
//! workbooks in the reader's language, and the empty month or unit.

use super::*;
use serde_json::Value;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[tokio::test]
async fn sup_07a_review_report_counts_reviews_by_unit_and_never_fines_per_officer() {
    let w = world().await;
    let p = people(&w).await;
    let ids = push_captures(&w, 3).await;
    w.approve(ids[0]).await;
    w.approve(ids[1]).await;
    let (status, out) = w
        .app
        .post(
            &format!("/api/v1/captures/{}/decision", ids[2]),
            &w.reviewer,
            &json!({ "decision": "reject", "reason": "vehicle_unidentifiable" }),
        )
        .await;
    assert_eq!(status, 200, "{out}");

    let (status, mime, bytes) = w
        .download_as(&p.head, "/reports/review/export?format=xlsx&lang=en")
        .await;
    assert_eq!(status, 200);
    assert_eq!(mime, XLSX);
    let book = sheets(bytes);
    assert_eq!(book.len(), 2);
    // By unit: the headings in English, the total row's figures.
    assert_eq!(
        headings(&book[0]),
        [
            "rpt.unit",
            "rpt.reviewed",
            "rpt.timeliness",
            "rpt.rejection",
            "rpt.second_reviews",
            "rpt.agreement"
        ]
        .map(en)
    );
    let total = last_row(&book[0]);
    assert_eq!(total[0], Data::String(en("rpt.total")));
    assert_eq!(total[1], Data::Float(3.0));
    assert_eq!(total[2], Data::Float(100.0));
    assert_eq!(total[3], Data::Float(33.3));
    assert_eq!(total[4], Data::Float(0.0));
    // No second review: agreement has nothing to divide by.
    assert_eq!(total[5], Data::String("—".into()));
    // By reason: one vehicle that could not be identified.
    let reasons = &book[1];
    let row = (1..reasons.height())
        .find(|r| reasons.get((*r, 0)) == Some(&Data::String(en("reject.vehicle_unidentifiable"))))
        .expect("the reason's row");
    assert_eq!(reasons.get((row, 1)), Some(&Data::Float(1.0)));

    // SUP-07a: no heading or cell names a fine, an amount or a person; the reviewer's
    // account appears nowhere, in the workbook or on the page.
    for sheet in &book {
        for cell in sheet.used_cells() {
            let text = cell.2.to_string().to_lowercase();
            for banned in [
                "fine",
                "amount",
                "penalt",
                "officer",
                "quota",
                "cx.reviewer",
            ] {
                assert!(!text.contains(banned), "{banned} in {text}");
            }
        }
    }
    for lang in ["zh-CN", "en", "vi"] {
        let page = w
            .app
            .page(&format!("/reports/review?lang={lang}"), Some(&p.head))
            .await;
        let l = Lang::parse(lang).unwrap();
        assert!(page.contains(&t(l, "rpt.timeliness")), "{lang}");
        assert!(page.contains("<svg class=\"chart\""));
        assert!(!page.contains("cx.reviewer"));
        for banned in ["罚款", "Fine", "tiền phạt"] {
            assert!(!page.contains(&format!("<th>{banned}")), "{banned}");
        }
    }
    // The PDF is a PDF.
    let (status, mime, bytes) = w
        .download_as(&p.head, "/reports/review/export?format=pdf&lang=vi")
        .await;
    assert_eq!(status, 200);
    assert_eq!(mime, "application/pdf");
    assert!(bytes.starts_with(b"%PDF"));
}

#[tokio::test]
async fn sup_03_aud_09_check_and_complaint_reports_count_warnings_and_complaints() {
    let w = world().await;
    let p = people(&w).await;
    let device = w.devices[CAMERA].0;
    let (status, v) = w
        .app
        .post(
            "/api/v1/supervision/warnings",
            &p.supervisor,
            &json!({ "device_id": device, "notice": "抓拍量较上月下降 79%，请复核" }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    for n in 0..2 {
        let (status, v) = w
            .app
            .post(
                "/api/v1/supervision/complaints",
                &p.supervisor,
                &json!({ "channel": "phone", "target_kind": "device", "target_id": device, "summary": format!("投诉 {n}") }),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }

    let (status, _, bytes) = w
        .download_as(&p.supervisor, "/reports/checks/export?lang=en")
        .await;
    assert_eq!(status, 200);
    let book = sheets(bytes);
    assert_eq!(headings(&book[0])[1], en("rpt.checks.items"));
    let total = last_row(&book[0]);
    // One item, from a warning, open, none accepted yet (a share of 0 of 1).
    assert_eq!(
        &total[1..7],
        &[1.0, 1.0, 1.0, 0.0, 0.0, 0.0].map(Data::Float)
    );
    assert_eq!(total[7], Data::Float(0.0));

    let (status, _, bytes) = w
        .download_as(&p.supervisor, "/reports/objections/export?lang=zh-CN")
        .await;
    assert_eq!(status, 200);
    let book = sheets(bytes);
    assert_eq!(book.len(), 3);
    assert_eq!(
        headings(&book[1])[1],
        t(Lang::ZhCn, "rpt.complaints.registered")
    );
    let total = last_row(&book[1]);
    assert_eq!(total[1], Data::Float(2.0));
    // None answered yet: answered in time has nothing to divide by.
    assert_eq!(total[3], Data::String("—".into()));
    let channel = &book[2];
    assert_eq!(
        channel.get((1, 0)),
        Some(&Data::String(t(Lang::ZhCn, "rpt.channel.phone")))
    );
}

#[tokio::test]
async fn dev_11_an_empty_month_and_a_unit_without_devices_are_empty_reports() {
    let w = world().await;
    let p = people(&w).await;
    for kind in ["device", "review", "objections", "checks"] {
        // The sibling county manages no device at all.
        let page = w
            .app
            .page(&format!("/reports/{kind}?lang=en"), Some(&p.sibling_head))
            .await;
        assert!(page.contains("id=\"report-empty\""), "{kind}: {page}");
        assert!(!page.contains("NaN"), "{kind}");
        // A month long past, for a unit with devices.
        let (status, mime, bytes) = w
            .download_as(
                &p.head,
                &format!("/reports/{kind}/export?month=2020-01&lang=en"),
            )
            .await;
        assert_eq!(status, 200, "{kind}");
        assert_eq!(mime, XLSX);
        for sheet in sheets(bytes) {
            for cell in sheet.used_cells() {
                if let Data::Float(f) = cell.2 {
                    assert!(f.is_finite(), "{kind}");
                }
            }
        }
    }
    // A month that is not one, an unknown report.
    let (status, _, _) = w
        .download_as(&p.head, "/reports/review/export?month=2026-13")
        .await;
    assert_eq!(status, 422);
    let (status, _, _) = w.download_as(&p.head, "/reports/fines").await;
    assert_eq!(status, 404);
    let (status, _, _) = w
        .download_as(&p.head, "/reports/review/export?format=docx")
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn sup_07a_reports_are_for_units_and_supervisors_not_for_reviewers() {
    let w = world().await;
    for path in ["/reports/review", "/reports/review/export"] {
        let (status, _, _) = w.download_as(&w.reviewer, path).await;
        assert_eq!(status, 403, "{path}");
    }
    let (status, _, _) = w.download_as(&w.manager, "/reports/device").await;
    assert_eq!(status, 200);
}

impl World {
    async fn download_as(&self, token: &str, path: &str) -> (u16, String, Vec<u8>) {
        download(self, token, path).await
    }
}

#[tokio::test]
async fn sup_07a_reports_as_json_carry_the_same_figures_as_the_workbook() {
    let w = world().await;
    let p = people(&w).await;
    let ids = push_captures(&w, 2).await;
    w.approve(ids[0]).await;
    w.approve(ids[1]).await;
    let (status, r) = w.app.get("/api/v1/reports/review", &p.head).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["kind"], "review");
    assert_eq!(r["empty"], false, "{r}");
    let by_unit = &r["sections"][0];
    let total = by_unit["total"].as_array().expect("a total row");
    assert_eq!(total[0], json!({ "t": "key", "v": "rpt.total" }));
    assert_eq!(total[1], json!({ "t": "count", "v": 2 }));
    // Every kind answers, and a month with nothing in it is a report of dashes, not an error.
    for kind in ["device", "review", "objections", "checks"] {
        let (status, r) = w
            .app
            .get(&format!("/api/v1/reports/{kind}?month=2020-01"), &p.head)
            .await;
        assert_eq!(status, 200, "{kind}: {r}");
        assert_eq!(r["month"], "2020-01");
    }
    // A bad month or kind is a field error; an officer is refused (they read no report).
    let (status, e) = w
        .app
        .get("/api/v1/reports/review?month=2026-13", &p.head)
        .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "month", "{e}");
    let (status, _) = w.app.get("/api/v1/reports/fines", &p.head).await;
    assert_eq!(status, 422);
    let (status, _) = w.app.get("/api/v1/reports/review", &w.reviewer).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn sup_01_the_monthly_job_tells_supervisors_and_heads_their_reports_are_ready() {
    use roadwarden_server::jobs::Job;
    let w = world().await;
    let p = people(&w).await;
    let month_of = w.clock.now().date_naive();
    w.run_job(Job::SupervisionMonthly { month_of }).await;
    let month = roadwarden_server::services::reports::announce::reported_month(month_of);
    for token in [&p.head, &p.supervisor, &p.sibling_head] {
        let (status, list) = w.app.get("/api/v1/messages", token).await;
        assert_eq!(status, 200, "{list}");
        let told: Vec<&Value> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "monthly_reports")
            .collect();
        assert_eq!(told.len(), 1, "{list}");
        assert_eq!(told[0]["rule"], "SUP-01");
        assert_eq!(
            told[0]["link"],
            format!("/reports/device?month={month}").as_str()
        );
    }
    // A re-run of the month's job tells no one twice; a reviewer is not told.
    w.run_job(Job::SupervisionMonthly { month_of }).await;
    let (_, list) = w.app.get("/api/v1/messages", &p.head).await;
    let n = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "monthly_reports")
        .count();
    assert_eq!(n, 1);
    let (_, list) = w.app.get("/api/v1/messages", &w.reviewer).await;
    assert!(!list.to_string().contains("monthly_reports"), "{list}");
    // The inbox shows it in words with the month, and links the report.
    let page = w.app.page("/inbox?lang=zh-CN", Some(&p.head)).await;
    assert!(
        page.contains(&t(Lang::ZhCn, "message.monthly_reports")),
        "{page}"
    );
    assert!(page.contains(&month), "{page}");
}
