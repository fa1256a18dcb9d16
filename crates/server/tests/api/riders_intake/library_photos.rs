//! RID-05: the face base library import takes the photos: a ZIP beside the list (one multipart
//! upload) or one ZIP bundle holding both. Each photo passes the quality gates, is stored in
//! the blob store and enrolled for the person, so a later event with the same face matches;
//! a missing, faceless or two-face photo is its row's error; the archive is bounded (no path
//! out of it, no zip bomb). With the real dlib models and the registry test images.

use std::io::Write;

use image::{imageops, Rgb, RgbImage};
use roadwarden_domain::RiderPersonId;
use roadwarden_store::riders::persons;
use roadwarden_store::riders::retention;

use super::*;

/// A ZIP of `(name, bytes)` entries, deflated.
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// An e-bike officer of the county, in the intake world.
pub(crate) async fn officer(w: &World) -> String {
    w.person(&w.o.county, "cx.ebike.lib", 61, &["ebike_officer"])
        .await
}

/// A list with a photo archive in one multipart upload.
pub(crate) async fn import_with_photos(
    w: &World,
    officer: &str,
    csv: &str,
    photos: Vec<u8>,
    skip: bool,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("residents.csv"),
        )
        .part(
            "photos",
            reqwest::multipart::Part::bytes(photos).file_name("photos.zip"),
        );
    let resp = w
        .app
        .client
        .post(
            w.app
                .url(&format!("/api/v1/rider-library?skip_bad_rows={skip}")),
        )
        .bearer_auth(officer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

pub(crate) async fn person_by_id_number(w: &World, id_number: &str) -> Option<RiderPersonId> {
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    persons::by_id_number(&mut tx, id_number)
        .await
        .unwrap()
        .map(|p| p.id)
}

/// The details of the audit entries with `action`, newest first.
pub(crate) async fn audit_details(w: &World, action: &str) -> Vec<Value> {
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let (status, audit) = w
        .app
        .get(&format!("/api/v1/audit?action={action}"), &root)
        .await;
    assert_eq!(status, 200, "{audit}");
    audit["items"]
        .as_array()
        .or_else(|| audit.as_array())
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(e["detail"].as_str().unwrap_or("null")).unwrap())
        .collect()
}

fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).unwrap().to_rgb8()
}

fn jpeg_of(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn rid_05_library_photos_in_an_archive_are_checked_stored_and_enrolled() {
    let (Some(obama), Some(biden), Some(obama2)) = (
        face_image("obama.jpg"),
        face_image("biden.jpg"),
        face_image("obama2.jpg"),
    ) else {
        return;
    };
    let w = world().await;
    let officer = officer(&w).await;
    let (o, b) = (decode(&obama), decode(&biden));
    let mut two = RgbImage::from_pixel(
        o.width() + b.width(),
        o.height().max(b.height()),
        Rgb([255, 255, 255]),
    );
    imageops::replace(&mut two, &o, 0, 0);
    imageops::replace(&mut two, &b, i64::from(o.width()), 0);
    let two = jpeg_of(&two);
    let blank = png(&RgbImage::from_pixel(400, 300, Rgb([200, 200, 200])));
    let code = &w.o.village.code;
    let ids: Vec<String> = (0..5).map(|i| roadwarden_testkit::cn_id(810 + i)).collect();
    let csv = format!(
        "身份证号,姓名,村社区单位代码,村社区,照片\n\
         {},奥巴马,{code},红星村,obama.jpg\n\
         {},拜登,{code},红星村,biden.jpg\n\
         {},缺照片,{code},红星村,nobody.jpg\n\
         {},无人脸,{code},红星村,blank.png\n\
         {},两张脸,{code},红星村,two.jpg\n",
        ids[0], ids[1], ids[2], ids[3], ids[4]
    );
    let archive = zip_of(&[
        ("photos/obama.jpg", &obama),
        ("photos/biden.jpg", &biden),
        ("photos/blank.png", &blank),
        ("photos/two.jpg", &two),
    ]);
    // Bad photos are row errors: nothing is written, no photo reaches the blob store.
    let blobs_before = w.app.state.blobs.list().await.unwrap().len();
    let (status, report) = import_with_photos(&w, &officer, &csv, archive.clone(), false).await;
    assert_eq!(status, 422, "{report}");
    let errors: Vec<(u64, &str, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (4, "photo", "rider_library.photo.missing"),
            (5, "photo", "rider.hold.face.none"),
            (6, "photo", "rider.hold.face.several"),
        ],
        "{report}"
    );
    assert_eq!(person_by_id_number(&w, &ids[0]).await, None);
    assert_eq!(w.app.state.blobs.list().await.unwrap().len(), blobs_before);

    // Skipping the bad rows: two residents, each with their face enrolled and stored.
    let (status, report) = import_with_photos(&w, &officer, &csv, archive.clone(), true).await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(
        (
            report["created"].as_u64(),
            report["enrolled"].as_u64(),
            report["skipped"].as_u64()
        ),
        (Some(2), Some(2), Some(3)),
        "{report}"
    );
    let obama_id = person_by_id_number(&w, &ids[0]).await.unwrap();
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    let photos = retention::library_photos(&mut tx, obama_id).await.unwrap();
    drop(tx);
    assert_eq!(photos.len(), 1);
    let stored = w
        .app
        .state
        .blobs
        .get(&roadwarden_blob::BlobId::parse(&photos[0].1).unwrap())
        .await
        .unwrap();
    assert_eq!(stored, obama, "the photo is kept as sent, under its hash");
    let audit = audit_details(&w, "rider.library_import").await;
    assert_eq!(audit[0]["enrolled"], 2, "{audit:?}");

    // The same import again enrols nothing twice.
    let (status, report) = import_with_photos(&w, &officer, &csv, archive, true).await;
    assert_eq!(
        (status, report["enrolled"].as_u64()),
        (201, Some(0)),
        "{report}"
    );

    // RID-05: a later event with another photo of the same man matches the library person.
    let e = w.stored(POINT, &w.event("lib-1", &obama2)).await;
    assert_eq!(
        (e.match_state, e.match_reason.as_str(), e.person()),
        (MatchState::Unconfirmed, "gallery", Some(obama_id))
    );
}

#[tokio::test]
async fn rid_05_a_zip_bundle_holds_the_list_and_photos_within_bounds() {
    let Some(obama) = face_image("obama.jpg") else {
        return;
    };
    let w = world().await;
    let officer = officer(&w).await;
    let code = &w.o.village.code;
    let ids: Vec<String> = (0..3).map(|i| roadwarden_testkit::cn_id(830 + i)).collect();
    let csv = format!(
        "id_number,name,unit_code,photo\n\
         {},奥巴马,{code},obama.jpg\n\
         {},Evil,{code},evil.jpg\n\
         {},Bomb,{code},bomb.jpg\n",
        ids[0], ids[1], ids[2]
    );
    // A path out of the archive and a zip bomb (10 MB of zeros in a few kB).
    let zeros = vec![0u8; 10 * 1024 * 1024];
    let bundle = zip_of(&[
        ("residents.csv", csv.as_bytes()),
        ("obama.jpg", &obama),
        ("../evil.jpg", &obama),
        ("bomb.jpg", &zeros),
    ]);
    assert!(
        bundle.len() < 1024 * 1024,
        "10 MB of zeros deflate to little"
    );
    let resp = w
        .app
        .client
        .post(
            w.app
                .url("/api/v1/rider-library?file_name=bundle.zip&skip_bad_rows=true"),
        )
        .bearer_auth(&officer)
        .header("content-type", "application/zip")
        .body(bundle)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let report: Value = resp.json().await.unwrap();
    assert_eq!(status, 201, "{report}");
    assert_eq!(
        (report["created"].as_u64(), report["enrolled"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    let codes: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        codes,
        vec![
            "rider_library.photo.unsafe_name",
            "rider_library.photo.bomb"
        ],
        "{report}"
    );
    // Not an archive at all, beside a list: refused whole, nothing written.
    let (status, report) = import_with_photos(
        &w,
        &officer,
        &format!(
            "id_number,name,photo\n{},X,obama.jpg\n",
            roadwarden_testkit::cn_id(840)
        ),
        b"not a zip".to_vec(),
        true,
    )
    .await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(
        report["errors"][0]["code"],
        "rider_library.photo.archive_unreadable"
    );
    // The page takes the same upload and shows the enrolled count.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                format!(
                    "id_number,name,unit_code,photo\n{},奥巴马,{code},obama.jpg\n",
                    ids[0]
                )
                .into_bytes(),
            )
            .file_name("residents.csv"),
        )
        .part(
            "photos",
            reqwest::multipart::Part::bytes(zip_of(&[("obama.jpg", &obama)])).file_name("p.zip"),
        );
    let resp = w
        .app
        .client
        .post(w.app.url("/riders/library"))
        .bearer_auth(&officer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let html = resp.text().await.unwrap();
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("id=\"library-enrolled\">0<"),
        "already enrolled: {html}"
    );
}
