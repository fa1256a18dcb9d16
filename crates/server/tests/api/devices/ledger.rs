//! Ledger imports: every row checked, bad rows reported by line, nothing imported unless asked
//! to skip them; UTF-8 and GBK both read; the import is in the audit chain.

use roadwarden_testkit::{account, org, TestApp, PASSWORD};
use serde_json::Value;

const HEADER: &str = "设备编号,设备类型,管理单位代码,设备名称,维护单位,责任领导,责任部门,违法类型,道路,道路等级,公里桩,地点,附近村庄,经度,纬度,状态,正式启用日期,备案日期,检定机构,检定证书编号,检定有效期起,检定有效期止,公示开始日期,试用开始日期";

fn ledger(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s
}

const GOOD_1: &str = "330522010201,fixed_enforcement,330522-01,长兴大道与明珠路口,长兴智慧交通,吴磊,秩序组,1625;1208,长兴大道,urban,,明珠路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-20,,,,,2024-04-01,2024-04-10";
const GOOD_2: &str = "330522030202,03,330522-01,G104 测速,长兴智慧交通,吴磊,秩序组,1352,G104,national,K1532+400,,林城镇大云寺村,119.83,30.95,in_use,2025-01-10,2025-01-05,湖州市计量检定测试所,HZJL-0202,2026-01-01,2026-12-31,2024-12-10,2024-12-16";
const BAD_COORDS: &str = "330522010203,fixed_enforcement,330522-01,坐标错误,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,,路口,,31.01,119.91,in_use,2024-05-01,2024-04-20,,,,";
const BAD_NUMBER: &str = "33052201,fixed_enforcement,330522-01,编号错误,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,,路口,,119.91,31.01,in_use,2024-05-01,2024-04-20,,,,";

async fn import(app: &TestApp, token: &str, body: Vec<u8>, skip: bool) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url(&format!(
            "/api/v1/device-imports?file_name=ledger.csv&skip_bad_rows={skip}"
        )))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_ledger_with_bad_rows_imports_nothing_and_names_each_line() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    account(&app.state, &o.squad, "sq.device", 11, &["device_manager"]).await;
    let token = app.token("sq.device", PASSWORD).await;
    let file = ledger(&[GOOD_1, BAD_COORDS, GOOD_2, BAD_NUMBER, GOOD_1]);
    let (status, report) = import(&app, &token, file.clone().into_bytes(), false).await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(report["committed"], false);
    let lines: Vec<i64> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 5, 6], "{report}");
    assert_eq!(report["errors"][0]["field"], "latitude", "{report}");
    let (_, page) = app.get("/api/v1/devices", &token).await;
    assert_eq!(page["total"], 0, "nothing imported");
    // Asked to skip them, the good rows go in with their history.
    let (status, report) = import(&app, &token, file.into_bytes(), true).await;
    assert_eq!(
        (
            status,
            report["imported"].as_i64(),
            report["skipped"].as_i64()
        ),
        (201, Some(2), Some(3)),
        "{report}"
    );
    let (_, page) = app
        .get("/api/v1/devices?state=in_use,evaluation_due", &token)
        .await;
    assert_eq!(page["total"], 2, "{page}");
    let id = page["items"][1]["id"].as_i64().unwrap();
    let (_, d) = app.get(&format!("/api/v1/devices/{id}"), &token).await;
    assert_eq!(d["calibrations"][0]["certificate_no"], "HZJL-0202", "{d}");
    assert_eq!(d["timeline"][0]["action"], "imported");
    // Each imported device is a registration record for the command platform (DEV-07).
    let (_, records) = app.get("/api/v1/device-registrations", &token).await;
    let imports: Vec<&Value> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["change"] == "import")
        .collect();
    assert_eq!(imports.len(), 2, "{records}");
    assert_eq!(imports[0]["device"]["managing_unit_code"], "330522-01");
    // In use since 2024 with no evaluation on record: its evaluation is due (DEV-06).
    assert_eq!(imports[0]["device"]["state"], "evaluation_due");
    // The import is an audit entry.
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, audit) = app.get("/api/v1/audit?action=device.import", &root).await;
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
}

#[tokio::test]
async fn gbk_ledgers_are_read_like_utf8_ones() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    account(&app.state, &o.squad, "sq.device", 11, &["device_manager"]).await;
    let token = app.token("sq.device", PASSWORD).await;
    let text = ledger(&[GOOD_1]);
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let (status, report) = import(&app, &token, gbk.into_owned(), false).await;
    assert_eq!(
        (status, report["encoding"].as_str()),
        (201, Some("gbk")),
        "{report}"
    );
    let (_, page) = app.get("/api/v1/devices", &token).await;
    assert_eq!(page["items"][0]["name"], "长兴大道与明珠路口");
    // Bytes that are neither UTF-8 nor GBK, and a header without the required columns.
    for bytes in [vec![0x81, 0x20, 0x81, 0x20], vec![0xff, 0xfe, b'n', 0]] {
        let (status, report) = import(&app, &token, bytes, false).await;
        assert_eq!(status, 422);
        assert_eq!(report["errors"][0]["field"], "file", "{report}");
    }
    let (_, report) = import(&app, &token, b"number,kind\n1,2".to_vec(), false).await;
    assert_eq!(report["errors"][0]["line"], 1, "{report}");
}

#[tokio::test]
async fn xlsx_ledgers_with_numbers_and_dates_as_cells_are_read() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    account(&app.state, &o.squad, "sq.device", 11, &["device_manager"]).await;
    let token = app.token("sq.device", PASSWORD).await;
    // Made with openpyxl: a numeric device number, Excel date cells and text dates.
    let bytes = include_bytes!("../../fixtures/ledger.xlsx").to_vec();
    let (status, report) = import(&app, &token, bytes, false).await;
    assert_eq!(
        (
            status,
            report["encoding"].as_str(),
            report["imported"].as_i64()
        ),
        (201, Some("xlsx"), Some(2)),
        "{report}"
    );
    let (_, page) = app.get("/api/v1/devices?search=330522010301", &token).await;
    assert_eq!(
        page["items"][0]["in_use_since"], "2024-04-30T16:00:00Z",
        "{page}"
    );
}

/// DEV-04, DEV-05 on the import path: a row in use without the dates that prove its notice and
/// full trial comes in suspended for review, and the review sends it through them.
#[tokio::test]
async fn dev_05_a_ledger_row_cannot_bring_a_device_into_formal_use_without_its_notice_and_full_trial(
) {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    account(&app.state, &o.squad, "sq.device", 11, &["device_manager"]).await;
    let token = app.token("sq.device", PASSWORD).await;
    // A fixed camera with no notice or trial on record; a mobile camera whose trial ran 10
    // days; a mobile camera whose 20-day trial is on record.
    let no_dates = "330522010211,fixed_enforcement,330522-01,无试用记录路口,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,,路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-20,,,,,,";
    let short_trial = "330522020212,mobile_enforcement,330522-01,移动测违 12,长兴智慧交通,吴磊,秩序组,1039,长兴大道,urban,,路口,,119.912,31.011,in_use,2024-05-01,,,,,,,2024-04-21";
    let proven = "330522020213,mobile_enforcement,330522-01,移动测违 13,长兴智慧交通,吴磊,秩序组,1039,长兴大道,urban,,路口,,119.912,31.011,in_use,2024-05-01,,,,,,,2024-04-11";
    let (status, report) = import(
        &app,
        &token,
        ledger(&[no_dates, short_trial, proven]).into_bytes(),
        false,
    )
    .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(
        (
            report["imported"].as_i64(),
            report["held_for_review"].as_i64()
        ),
        (Some(3), Some(2)),
        "{report}"
    );
    let device = |number: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let (_, page) = app
                .get(&format!("/api/v1/devices?search={number}"), token)
                .await;
            let id = page["items"][0]["id"].as_i64().unwrap();
            let (_, d) = app.get(&format!("/api/v1/devices/{id}"), token).await;
            (id, d)
        }
    };
    let (_, d) = device("330522010211").await;
    assert_eq!(
        (
            d["state"].as_str(),
            d["suspension_reason"].as_str(),
            d["resume_to"].as_str()
        ),
        (
            Some("suspended"),
            Some("formal_use_not_proven"),
            Some("public_notice")
        ),
        "no notice on record: it goes back through the notice: {d}"
    );
    assert!(d.to_string().contains("formal_use_not_proven"), "{d}");
    let (id, d) = device("330522020212").await;
    assert_eq!(
        (d["state"].as_str(), d["resume_to"].as_str()),
        (Some("suspended"), Some("trial")),
        "{d}"
    );
    let (_, d) = device("330522020213").await;
    assert!(
        matches!(d["state"].as_str(), Some("in_use" | "evaluation_due")),
        "{d}"
    );
    // Reviewed and resumed, the short-trial camera serves a whole trial before formal use.
    let act = |body: serde_json::Value| {
        let (app, token) = (&app, &token);
        async move {
            app.post(&format!("/api/v1/devices/{id}/actions"), token, &body)
                .await
        }
    };
    let (status, d) = act(serde_json::json!({"action": "resume", "reason": "ledger reviewed: trial records incomplete"})).await;
    assert_eq!((status, d["state"].as_str()), (200, Some("trial")), "{d}");
    let (status, err) = act(serde_json::json!({"action": "start_formal_use"})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("device.trial_too_short")),
        "{err}"
    );
}
