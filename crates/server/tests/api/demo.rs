//! The demo seed (`crates/demo`), as `roadwarden demo` makes it: issue 14 items 7 and 8. The
//! Quảng Trị organisation has its own records, in đồng, with Vietnamese letters naming the
//! configured public address and the handling unit's name and telephone.

use roadwarden_server::Clock;
use roadwarden_testkit::demo;
use roadwarden_testkit::TestApp;
use serde_json::Value;

const PUBLIC: &str = "https://csgt.quangtri.example.vn";

/// Extracted text of a PDF (poppler's `pdftotext`), or `None` when it is not installed.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

#[tokio::test]
async fn demo_seeds_quang_tri_records_whose_vietnamese_letters_name_the_unit_and_the_public_address(
) {
    let app = TestApp::spawn_with(
        |s| s.notices.public_url = format!("{PUBLIC}/"),
        Clock::System,
    )
    .await;
    let state = &app.state;
    let logins = demo::org::seed(state).await.expect("organisation");
    demo::devices::seed(state, &state.settings)
        .await
        .expect("devices");
    let hint = demo::captures::seed(state).await.expect("captures");
    let password = &logins
        .iter()
        .find(|l| l.username == "qt.admin")
        .expect("qt.admin")
        .password;
    let admin = app.token("qt.admin", password).await;

    // The Vietnamese owner printed in the banner finds their record, in đồng (NOT-02a).
    let resp = app
        .client
        .get(app.url("/api/v1/public/violations"))
        .query(&[
            ("plate", hint.vn_plate),
            ("vin_tail", hint.vn_vin_tail),
            ("lang", "vi"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let records: Value = resp.json().await.unwrap();
    let record = &records[0];
    assert!(record["fine"].as_str().unwrap().ends_with(" ₫"), "{record}");
    assert_eq!(record["objection_open"], true, "the demo's objection waits");

    // A Quảng Trị record, handled by a Quảng Trị unit, in VND.
    let id = record["id"].as_i64().unwrap();
    let (status, detail) = app.get(&format!("/api/v1/violations/{id}"), &admin).await;
    assert_eq!(status, 200, "{detail}");
    let v = &detail["violation"];
    assert_eq!(
        (v["country"].as_str(), v["currency"].as_str()),
        (Some("VN"), Some("VND"))
    );
    assert!(
        v["notified_at"].is_string(),
        "the demo posted its letter: {v}"
    );
    let (_, unit) = app
        .get(&format!("/api/v1/units/{}", v["unit_id"]), &admin)
        .await;
    let (unit_name, phone) = (
        unit["name"].as_str().unwrap(),
        unit["contact_phone"].as_str().unwrap(),
    );
    assert_eq!(unit["country"], "VN");
    assert!(
        !phone.is_empty(),
        "the demo gives units a telephone: {unit}"
    );

    // The letter: Vietnamese, the configured public address, the unit's name and telephone.
    let letter = detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["channel"] == "letter")
        .expect("a letter");
    assert_eq!(letter["state"], "sent");
    let pdf = app
        .client
        .get(app.url(&format!("/api/v1/notices/{}/letter", letter["id"])))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status().as_u16(), 200);
    let pdf = pdf.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    match pdftotext(&pdf) {
        Some(text) => {
            let text = squash(&text);
            for expected in [
                format!("{PUBLIC}/public/violations"),
                squash(phone),
                squash(unit_name),
                "THÔNGBÁOVIPHẠM".to_owned(),
                squash(record["fine"].as_str().unwrap()),
            ] {
                assert!(
                    text.contains(&expected),
                    "{expected} not in the letter: {text}"
                );
            }
            assert!(!text.contains("127.0.0.1"), "{text}");
        }
        None => println!("note: pdftotext not found; the letter's text is not checked"),
    }

    // The record's page in Vietnamese writes its dates dd/mm/yyyy and its fine in đồng.
    let page = app
        .page(&format!("/violations/{id}?lang=vi"), Some(&admin))
        .await
        .replace("&#x2f;", "/");
    let handle_by = v["handle_by"].as_str().unwrap();
    let (y, rest) = handle_by.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    assert!(
        page.contains(&format!("{d}/{m}/{y}")),
        "{handle_by} as dd/mm/yyyy: {page}"
    );
    assert!(page.contains(" ₫"), "the fine in đồng");
}
