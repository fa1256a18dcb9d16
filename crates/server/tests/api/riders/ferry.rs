//! SHR-05: the grassroots platform on another network, reached only through a one-way file
//! gateway: our tasks leave as signed, hashed packages in a folder, its answers come back the
//! same way and are imported with every hash and signature checked, each applied once.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use roadwarden_server::services::outside::drain;
use roadwarden_server::services::outside::ferry::{self, package::Package, package::PackageKind};

use super::outside::{incorrigible, requests};
use super::*;

/// The platform's own signing key (the other side of the gateway).
fn platform_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// The riders' world with the grassroots platform behind the gateway.
async fn behind_gateway() -> Riders {
    riders_with(|s| {
        let g = &mut s.outside.grassroots;
        g.ferry_out = s.data_dir.join("gateway/out");
        g.ferry_in = s.data_dir.join("gateway/in");
        g.ferry_peer_key = hex::encode(platform_key().verifying_key().as_bytes());
        s.outside.ferry_max_package_bytes = 64 << 10;
    })
    .await
}

fn folders(r: &Riders) -> (PathBuf, PathBuf) {
    let g = &r.w.app.state.settings.outside.grassroots;
    (g.ferry_out.clone(), g.ferry_in.clone())
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "json"));
    v.sort();
    v
}

/// Our packages waiting for the gateway, opened with our public key.
fn our_packages(r: &Riders) -> Vec<(Package, Value)> {
    let ours = ferry::our_key(&r.w.app.state.settings)
        .unwrap()
        .verifying_key();
    files(&folders(r).0)
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).unwrap();
            let (p, body) = Package::open(&bytes, 1 << 20, "grassroots", &ours).unwrap();
            (p, serde_json::from_slice(&body).unwrap())
        })
        .collect()
}

/// The platform's answer to our package `to`, signed with `key`, dropped into our inbox.
fn answer(r: &Riders, key: &SigningKey, n: u32, to: &str, body: &Value) -> PathBuf {
    let sealed = Package::seal(
        key,
        &format!("grassroots-answer-{n}"),
        "grassroots",
        PackageKind::Answer,
        to,
        r.w.clock.now(),
        body.to_string().as_bytes(),
    );
    ferry::write_package(&folders(r).1, &sealed).unwrap()
}

/// The refusal code an audit entry names.
fn refusal(entry: &Value) -> String {
    let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
    detail["refusal"].as_str().unwrap().to_owned()
}

fn done() -> Value {
    json!({ "state": "done", "result": "visited at home; helmet bought and worn",
            "photos": [], "assessment": "good: rider understood the rules" })
}

#[tokio::test]
async fn shr_05_a_village_task_crosses_the_gateway_as_a_signed_package_and_its_answer_closes_the_loop(
) {
    let r = behind_gateway().await;
    let id = incorrigible(&r, 701).await;
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!((report.sent, report.failed), (2, 0), "{report:?}");
    // Two tasks (the grid visit and the public notice), each a package signed by us.
    let sent = our_packages(&r);
    assert_eq!(sent.len(), 2, "{sent:?}");
    for (p, body) in &sent {
        assert_eq!(p.kind, PackageKind::Task);
        assert_eq!(body["rider"]["name"], "Zhou Qiang");
    }
    let file = r.file(id, &r.officer).await;
    assert!(requests(&file, "grassroots")
        .iter()
        .all(|o| o["state"] == "sent"));
    // Sending again writes nothing new: the requests wait for their answers.
    drain(&r.w.app.state).await.unwrap();
    assert_eq!(our_packages(&r).len(), 2);

    // The platform answers both through the gateway.
    for (n, (p, _)) in sent.iter().enumerate() {
        answer(&r, &platform_key(), n as u32, &p.id, &done());
    }
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(report.ferry_imported, 2, "{report:?}");
    assert_eq!(report.acknowledged, 2, "{report:?}");
    let file = r.file(id, &r.officer).await;
    for t in file["tasks"].as_array().unwrap() {
        assert_eq!(t["state"], "reported", "{t}");
        assert_eq!(t["result"], "visited at home; helmet bought and worn");
    }
    let platform = requests(&file, "grassroots");
    assert!(platform.iter().all(|o| o["state"] == "acknowledged"));
    assert_eq!(platform[0]["read_back"], "good: rider understood the rules");
    assert_eq!(r.audited("ferry.imported").await.len(), 2);
    let (_, inbox) = folders(&r);
    assert!(files(&inbox).is_empty());
    assert_eq!(files(&inbox.join("done")).len(), 2);

    // The registry page shows the folders, our public key and the packages, in words.
    let ours = hex::encode(
        ferry::our_key(&r.w.app.state.settings)
            .unwrap()
            .verifying_key()
            .as_bytes(),
    );
    for (lang, title, received) in [
        ("zh-CN", "网闸摆渡", "收回"),
        ("en", "Gateway ferry", "Received"),
        ("vi", "Trung chuyển qua cổng an ninh", "Nhận về"),
    ] {
        let page =
            r.w.app
                .page(&format!("/sharing/partners?lang={lang}"), Some(&r.head))
                .await;
        assert!(page.contains(title), "{lang}: {page}");
        assert!(page.contains(&ours), "{lang}");
        assert!(page.contains(received), "{lang}");
        assert!(page.contains("id=\"ferry-packages\""), "{lang}");
    }

    // A package put back into the folder is refused as a replay: nothing applied twice.
    let again = files(&inbox.join("done")).remove(0);
    std::fs::copy(&again, inbox.join(again.file_name().unwrap())).unwrap();
    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!((report.ferry_imported, report.ferry_refused), (0, 1));
    let refusals = r.audited("ferry.refused").await;
    assert_eq!(refusal(&refusals[0]), "ferry.replayed", "{refusals:?}");
    assert_eq!(r.audited("rider_task.report").await.len(), 2);
    let why = inbox.join("refused").join(format!(
        "{}.why",
        again.file_name().unwrap().to_string_lossy()
    ));
    assert_eq!(
        std::fs::read_to_string(why).unwrap().trim(),
        "ferry.replayed"
    );
}

#[tokio::test]
async fn shr_05_a_tampered_foreign_or_stray_package_is_refused_and_changes_nothing() {
    let r = behind_gateway().await;
    let id = incorrigible(&r, 702).await;
    drain(&r.w.app.state).await.unwrap();
    let sent = our_packages(&r);
    let to = sent[0].0.id.clone();
    let (_, inbox) = folders(&r);

    // The body changed after signing (its stated hash kept).
    let path = answer(&r, &platform_key(), 1, &to, &done());
    let mut p: Package = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    use base64::Engine;
    p.body = base64::engine::general_purpose::STANDARD
        .encode(json!({ "state": "refused", "detail": "forged" }).to_string());
    std::fs::write(&path, serde_json::to_vec(&p).unwrap()).unwrap();
    // Signed by someone who is not the platform.
    answer(&r, &SigningKey::from_bytes(&[9; 32]), 2, &to, &done());
    // An answer to no package of ours.
    answer(&r, &platform_key(), 3, "grassroots-0000", &done());
    // Not a package at all, and one too large.
    std::fs::write(inbox.join("zz-garbage.json"), b"<root/>").unwrap();
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(100 << 10));
    std::fs::write(inbox.join("zz-huge.json"), huge).unwrap();

    let report = drain(&r.w.app.state).await.unwrap();
    assert_eq!(
        (report.ferry_imported, report.ferry_refused),
        (0, 5),
        "{report:?}"
    );
    let mut codes: Vec<String> = r
        .audited("ferry.refused")
        .await
        .iter()
        .map(refusal)
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "ferry.bad_hash",
            "ferry.malformed",
            "ferry.too_large",
            "ferry.unexpected",
            "ferry.unknown_signer"
        ]
    );
    // Nothing moved: the tasks wait for a real answer.
    let file = r.file(id, &r.officer).await;
    assert!(requests(&file, "grassroots")
        .iter()
        .all(|o| o["state"] == "sent"));
    assert!(file["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["state"] != "reported"));
    assert!(files(&inbox).is_empty(), "every refused file is set aside");
    assert_eq!(files(&inbox.join("refused")).len(), 5);
}

#[tokio::test]
async fn shr_05_a_ferry_needs_both_folders_and_the_peers_key() {
    let mut s = roadwarden_server::config::OutsideSettings::default();
    s.grassroots.ferry_out = "/tmp/out".into();
    assert!(s.validate().unwrap_err().contains("ferry_peer_key"));
    s.grassroots.ferry_in = "/tmp/in".into();
    s.grassroots.ferry_peer_key = "not hex".into();
    assert!(s.validate().unwrap_err().contains("64 hex digits"));
    s.grassroots.ferry_peer_key = hex::encode(platform_key().verifying_key().as_bytes());
    assert!(s.validate().is_ok());
    s.grassroots.base_url = "http://platform.example".into();
    assert!(s.validate().unwrap_err().contains("choose one"));
}
