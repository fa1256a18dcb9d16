//! Body-worn recorder evidence over HTTP: the ledger (BWC-01/04/12), resumable uploads over tus
//! and the write-once store (BWC-05/07), access under approval with exports (BWC-08..10,
//! SEC-07), retention and the purge (BWC-06, AUD-05), work records and supervision
//! (BWC-02/03/13/14). Footage bytes are synthetic MP4s (a real `ftyp` box, then noise).

//!
//! The tests mirror `services/evidence/`: `recorders` (the ledger), `upload` (tus and the
//! write-once store, also on S3), `access` (requests, approvals, exports), `retention`,
//! `supervision` (work records, duties, findings) and `library` (the library, scope and pages).
//! This file holds the area's world and the request helpers they share.

mod access;
mod footage_list;
mod library;
mod recorders;
mod retention;
mod supervision;
mod upload;

use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use roadwarden_testkit::{account, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The evidence area's people on the shared [`roadwarden_testkit::World`] (its `app`, `o` and
/// `clock` are reached through `Deref`).
pub(crate) struct World {
    pub base: roadwarden_testkit::World,
    /// recorder_admin at the county.
    pub admin: String,
    /// unit_head at the county, and a second head there.
    pub head: String,
    pub head2: String,
    /// unit_head of the squad, the footage's own unit (the officer's), and a second one: they
    /// decide requests for it (BWC-08).
    pub sq_head: String,
    pub sq_head2: String,
    /// reviewer at the county, who asks to see footage.
    pub reviewer: String,
    /// The officer who wears the recorder (a collector in the squad).
    pub officer_id: i64,
}

impl std::ops::Deref for World {
    type Target = roadwarden_testkit::World;
    fn deref(&self) -> &roadwarden_testkit::World {
        &self.base
    }
}

pub(crate) fn t0() -> DateTime<Utc> {
    // Monday 23 November 2026, 10:00 in Shanghai.
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
}

pub(crate) async fn world() -> World {
    world_with(|_| {}).await
}

pub(crate) async fn world_with(
    adjust: impl FnOnce(&mut roadwarden_server::config::Settings),
) -> World {
    let base = roadwarden_testkit::World::at(t0(), |s| {
        s.evidence.national_minimum = false;
        adjust(s);
    })
    .await;
    let o = &base.o;
    let admin = base
        .person(&o.county, "cx.recadmin", 21, &["recorder_admin"])
        .await;
    let head = base.person(&o.county, "cx.head", 22, &["unit_head"]).await;
    let head2 = base.person(&o.county, "cx.head2", 23, &["unit_head"]).await;
    let reviewer = base.person(&o.county, "cx.viewer", 24, &["reviewer"]).await;
    let officer = base
        .person(&o.squad, "sq.officer", 25, &["collector"])
        .await;
    account(&base.app.state, &o.county, "cx.super", 26, &["supervisor"]).await;
    let sq_head = base.person(&o.squad, "sq.head", 31, &["unit_head"]).await;
    let sq_head2 = base.person(&o.squad, "sq.head2", 32, &["unit_head"]).await;
    account(
        &base.app.state,
        &o.sibling_county,
        "sib.head",
        27,
        &["unit_head", "recorder_admin"],
    )
    .await;
    let (_, me) = base.app.get("/api/v1/me", &officer).await;
    let officer_id = me["id"]
        .as_i64()
        .or(me["user"]["id"].as_i64())
        .expect("officer id");
    World {
        base,
        admin,
        head,
        head2,
        sq_head,
        sq_head2,
        reviewer,
        officer_id,
    }
}

/// A synthetic MP4: a real `ftyp` box, then bytes derived from `seed`.
pub(crate) fn mp4(len: usize, seed: u8) -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2".to_vec();
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push(x as u8);
    }
    v.truncate(len);
    v
}

pub(crate) fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn tus_meta(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k} {}",
                base64::engine::general_purpose::STANDARD.encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The metadata of a recording that ended at t0 - 1h and was handed in at t0.
pub(crate) fn footage_meta(w: &World, extra: &[(&str, String)]) -> Vec<(&'static str, String)> {
    let end = t0() - Duration::hours(1);
    let mut m: Vec<(&'static str, String)> = vec![
        ("officer", w.officer_id.to_string()),
        ("activity", "roadside_inspection".into()),
        ("started_at", (end - Duration::minutes(30)).to_rfc3339()),
        ("ended_at", end.to_rfc3339()),
        ("handed_in_at", t0().to_rfc3339()),
        ("place", "G60 K123".into()),
        ("filename", "DSC_0001.MP4".into()),
    ];
    for (k, v) in extra {
        let key: &'static str = Box::leak(k.to_string().into_boxed_str());
        m.retain(|(existing, _)| *existing != key);
        m.push((key, v.clone()));
    }
    m
}

pub(crate) async fn tus_create(
    app: &TestApp,
    token: &str,
    len: usize,
    meta: &[(&str, String)],
) -> (u16, Option<String>, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/evidence/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", tus_meta(meta))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let loc = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, loc, resp.json().await.unwrap_or(Value::Null))
}

pub(crate) struct Patched {
    pub status: u16,
    pub offset: Option<u64>,
    pub evidence_id: Option<i64>,
    pub body: Value,
}

pub(crate) async fn tus_patch(
    app: &TestApp,
    token: &str,
    loc: &str,
    offset: usize,
    bytes: Vec<u8>,
) -> Patched {
    let resp = app
        .client
        .patch(app.url(loc))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let offset = h("upload-offset").and_then(|v| v.parse().ok());
    let evidence_id = h("x-evidence-id").and_then(|v| v.parse().ok());
    let status = resp.status().as_u16();
    Patched {
        status,
        offset,
        evidence_id,
        body: resp.json().await.unwrap_or(Value::Null),
    }
}

pub(crate) async fn tus_head(app: &TestApp, token: &str, loc: &str) -> (u16, Option<u64>) {
    let resp = app
        .client
        .head(app.url(loc))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    let offset = resp
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (resp.status().as_u16(), offset)
}

/// Uploads `bytes` in one go; returns the footage id.
pub(crate) async fn store_footage(w: &World, bytes: &[u8], extra: &[(&str, String)]) -> i64 {
    upload_on(&w.app, &w.admin, bytes, &footage_meta(w, extra)).await
}

fn blob_count(w: &World) -> usize {
    walk(&w.app.state.settings.blob_dir())
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        if p.file_name().is_some_and(|n| n == "tmp") {
                            0
                        } else {
                            walk(&p)
                        }
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

async fn audit_actions(w: &World, query: &str) -> Vec<String> {
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let (_, entries) = w.app.get(&format!("/api/v1/audit?{query}"), &root).await;
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn request(w: &World, token: &str, ids: &[i64], purpose: &str) -> (u16, Value) {
    w.app
        .post("/api/v1/access-requests", token, &json!({"evidence_ids": ids, "purpose": purpose, "reason": "evidence for objection case 2026-118"}))
        .await
}

async fn decide(w: &World, token: &str, id: i64, decision: &str) -> (u16, Value) {
    w.app
        .post(
            &format!("/api/v1/access-requests/{id}/decision"),
            token,
            &json!({"decision": decision, "reason": "not related to the case"}),
        )
        .await
}

async fn content(w: &World, token: &str, id: i64, range: Option<&str>) -> reqwest::Response {
    let mut req = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/evidence/{id}/content")))
        .bearer_auth(token);
    if let Some(r) = range {
        req = req.header("Range", r);
    }
    req.send().await.unwrap()
}

/// Uploads footage in one PATCH on any running app; returns the footage id.
async fn upload_on(app: &TestApp, token: &str, bytes: &[u8], meta: &[(&str, String)]) -> i64 {
    let (status, loc, body) = tus_create(app, token, bytes.len(), meta).await;
    assert_eq!(status, 201, "{body}");
    let p = tus_patch(app, token, &loc.unwrap(), 0, bytes.to_vec()).await;
    assert_eq!(p.status, 204, "{}", p.body);
    p.evidence_id.expect("footage id")
}

trait StatusBody {
    fn into_status_body(self) -> (u16, Value);
}

impl StatusBody for (u16, Option<String>, Value) {
    fn into_status_body(self) -> (u16, Value) {
        (self.0, self.2)
    }
}
