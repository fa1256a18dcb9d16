//! BWC-05, BWC-07: footage arrives over tus (resumable), is hashed with SHA-256 while it
//! streams, waits in the upload folder until its last byte, then moves write-once into the
//! blob store under its hash. Only after the stored copy has been re-read and its hash checked
//! is the recorder's copy released (safe to wipe).
//!
//! Crash safety: the offset in the database only moves after the bytes are synced, so after a
//! restart the client resumes from a point that is really on disk (anything past it is cut
//! off). The hash is kept in the upload row before the file moves, so completion can be
//! re-run after a crash at any step and never leaves a blob without its row for long: the
//! recovery pass finishes it.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use roadwarden_blob::BlobId;
use roadwarden_domain::device::text;
use roadwarden_domain::evidence::access::Restriction;
use roadwarden_domain::evidence::footage::{self, check_times, sniff, Activity, Recording};
use roadwarden_domain::evidence::retention::{self as rules, Reasons};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{FieldError, UnitId, UserId};
use roadwarden_store::evidence::{self as store, NewEvidence, Upload};
use roadwarden_store::{recorders, users, violations, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{require, unit_tz};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::state::AppState;

pub const TUS_VERSION: &str = "1.0.0";
/// Bytes gathered before one write-and-hash step on the blocking pool.
const CHUNK: usize = 1 << 20;
/// Chunk buffers per upload: one filling, one queued, one being written.
const POOL: usize = 3;

/// What a resumable upload carries besides its bytes (tus `Upload-Metadata`), once checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FootageMeta {
    pub file_name: String,
    pub officer_id: i64,
    pub recorder_id: Option<i64>,
    pub activity: String,
    pub place: String,
    pub case_ref: String,
    pub violation_id: Option<i64>,
    pub restriction: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duty_ended_at: DateTime<Utc>,
    pub handed_in_at: DateTime<Utc>,
}

const UPLOADERS: &[Role] = &[Role::RecorderAdmin, Role::Collector];

/// Resumable uploads being written by this process: one writer at a time each, and the hash
/// of the bytes so far (rebuilt from the file after a restart).
#[derive(Default)]
pub struct Sessions {
    writers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Session>>>>,
    /// Chunk buffers kept for the life of the process and shared by all uploads. Freeing a
    /// large buffer makes glibc serve later ones from its per-thread arenas, whose memory stays
    /// resident; buffers that are never freed keep an upload's memory at a few buffers.
    buffers: Mutex<Vec<Vec<u8>>>,
}

/// Buffers kept for reuse: enough for two uploads at once.
const KEPT_BUFFERS: usize = 2 * POOL;

#[derive(Default)]
pub struct Session {
    offset: u64,
    hasher: Option<Sha256>,
}

impl Sessions {
    fn get(&self, id: &str) -> Arc<tokio::sync::Mutex<Session>> {
        let mut map = self.writers.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id.to_owned()).or_default().clone()
    }

    fn forget(&self, id: &str) {
        self.writers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    fn take_buffer(&self) -> Vec<u8> {
        let kept = self.buffers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        kept.unwrap_or_else(|| Vec::with_capacity(CHUNK))
    }

    fn give_back(&self, mut buf: Vec<u8>) {
        let mut kept = self.buffers.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() < KEPT_BUFFERS && buf.capacity() == CHUNK {
            buf.clear();
            kept.push(buf);
        }
    }
}

fn part_path(state: &AppState, id: &str) -> PathBuf {
    state.settings.upload_dir().join(format!("{id}.part"))
}

fn parse_time(field: &'static str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                field,
                "must be an RFC 3339 time, e.g. 2026-11-30T08:15:00+08:00",
            )
        })
}

/// Checks the metadata an upload declares, resolving the officer (username or id) and the
/// recorder (number) inside the uploader's scope.
pub async fn check_meta(
    tx: &mut Tx,
    p: &Principal,
    raw: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> AppResult<FootageMeta> {
    let get = |k: &str| {
        raw.get(k)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let officer_raw = get("officer");
    if officer_raw.is_empty() {
        return Err(
            FieldError::new("officer", "name the officer who recorded (username or id)").into(),
        );
    }
    let officer = match officer_raw.parse::<i64>() {
        Ok(id) => users::get(tx, UserId(id)).await?,
        Err(_) => users::get_by_username(tx, &officer_raw).await?,
    };
    let officer = officer
        .filter(|u| p.covers(&u.unit_path))
        .ok_or_else(|| FieldError::new("officer", "no such officer in your units"))?;
    let recorder_id = match get("recorder").as_str() {
        "" => None,
        number => {
            let number = roadwarden_domain::evidence::ledger::parse_number(number)
                .map_err(|e| FieldError::new("recorder", e.reason))?;
            let found = recorders::list(tx, p.scope(), 100_000)
                .await?
                .into_iter()
                .find(|r| r.number == number)
                .ok_or_else(|| FieldError::new("recorder", "no such recorder in your units"))?;
            Some(found.id)
        }
    };
    let activity = Activity::parse(&get("activity"))?;
    let started_at = parse_time("started_at", &get("started_at"))?;
    let ended_at = parse_time("ended_at", &get("ended_at"))?;
    let duty_ended_at = match get("duty_ended_at").as_str() {
        "" => ended_at,
        s => parse_time("duty_ended_at", s)?,
    };
    let handed_in_at = match get("handed_in_at").as_str() {
        "" => now,
        s => parse_time("handed_in_at", s)?,
    };
    check_times(
        &Recording {
            started_at,
            ended_at,
            duty_ended_at,
            handed_in_at,
        },
        now,
    )?;
    let violation_id = match get("violation_id").as_str() {
        "" => None,
        s => {
            let id = s
                .parse::<i64>()
                .map_err(|_| FieldError::new("violation_id", "must be a record id"))?;
            let v = violations::get(tx, id)
                .await?
                .filter(|v| {
                    p.covers(&roadwarden_domain::org::UnitPath::from_stored(
                        v.unit_path.clone(),
                    ))
                })
                .ok_or_else(|| FieldError::new("violation_id", "no such record in your units"))?;
            Some(v.id)
        }
    };
    let restriction = Restriction::parse(&get("restriction"))?;
    Ok(FootageMeta {
        file_name: text("filename", &get("filename"), 200, false)?,
        officer_id: officer.id.0,
        recorder_id,
        activity: activity.as_str().to_owned(),
        place: text("place", &get("place"), 200, false)?,
        case_ref: text("case_ref", &get("case_ref"), 60, false)?,
        violation_id,
        restriction: restriction.as_str().to_owned(),
        started_at,
        ended_at,
        duty_ended_at,
        handed_in_at,
    })
}

/// tus creation: checks who and what, refuses a file already stored, makes the empty part file.
pub async fn create(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    length: u64,
    raw: &HashMap<String, String>,
) -> AppResult<Upload> {
    require(p, UPLOADERS, "uploading footage")?;
    if length == 0 {
        return Err(FieldError::new("Upload-Length", "an empty file is not footage").into());
    }
    if length > state.settings.evidence.max_upload_bytes {
        return Err(AppError::protocol(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload.too_large",
            format!(
                "files up to {} bytes are accepted",
                state.settings.evidence.max_upload_bytes
            ),
        ));
    }
    let declared = match raw.get("sha256").map(|s| s.trim().to_ascii_lowercase()) {
        None => None,
        Some(s) if s.is_empty() => None,
        Some(s) => Some(
            BlobId::parse(&s)
                .map_err(|_| FieldError::new("sha256", "must be 64 hexadecimal characters"))?
                .as_str()
                .to_owned(),
        ),
    };
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let footage = check_meta(&mut tx, p, raw, now).await?;
    if let Some(sha) = &declared {
        if let Some(existing) = store::by_sha256(&mut tx, sha).await? {
            return Err(duplicate(existing.id));
        }
    }
    let officer = users::get(&mut tx, UserId(footage.officer_id))
        .await?
        .ok_or(AppError::NotFound("officer"))?;
    let upload = Upload {
        id: uuid::Uuid::new_v4().simple().to_string(),
        unit_id: officer.unit_id.0,
        unit_path: officer.unit_path.as_str().to_owned(),
        created_by: p.user.id.0,
        created_at: now,
        expires_at: now + Duration::hours(state.settings.evidence.upload_expiry_hours.max(1)),
        length: i64::try_from(length).map_err(|_| FieldError::new("Upload-Length", "too large"))?,
        declared_sha256: declared,
        upload_offset: 0,
        sha256: None,
        metadata: serde_json::to_string(&footage).map_err(|e| AppError::Internal(e.into()))?,
        state: "receiving".into(),
        failure: String::new(),
        evidence_id: None,
    };
    std::fs::File::create(part_path(state, &upload.id))
        .map_err(|e| AppError::Internal(e.into()))?;
    store::insert_upload(&mut tx, &upload).await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "evidence.upload_started",
            object_type: "evidence_upload",
            object_id: upload.id.clone(),
            unit_id: Some(officer.unit_id),
            detail: json!({"length": length, "officer": footage.officer_id, "file_name": footage.file_name}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(upload)
}

fn duplicate(existing: i64) -> AppError {
    AppError::protocol(
        StatusCode::CONFLICT,
        "evidence.duplicate",
        format!("this file is already stored as footage #{existing}"),
    )
}

/// An upload as its creator sees it; anyone else gets 404.
pub async fn status(state: &AppState, p: &Principal, id: &str) -> AppResult<Upload> {
    let mut tx = state.store.begin_read().await?;
    let upload = store::get_upload(&mut tx, id)
        .await?
        .filter(|u| u.created_by == p.user.id.0)
        .ok_or(AppError::NotFound("upload"))?;
    drop(tx);
    if upload.state == "receiving" && upload.upload_offset == upload.length {
        // The last byte arrived but the server stopped before filing it: finish now.
        complete(state, &upload, None).await?;
        return status_row(state, id).await;
    }
    Ok(upload)
}

async fn status_row(state: &AppState, id: &str) -> AppResult<Upload> {
    let mut tx = state.store.begin_read().await?;
    store::get_upload(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("upload"))
}

/// What a PATCH achieved.
#[derive(Debug)]
pub struct Appended {
    pub offset: u64,
    pub expires_at: DateTime<Utc>,
    pub evidence_id: Option<i64>,
}

/// tus PATCH: appends the body at `offset`. Bytes received before a dropped connection are
/// kept and counted; the client resumes from the offset HEAD reports.
pub async fn append(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    id: &str,
    offset: u64,
    body: Body,
) -> AppResult<Appended> {
    let upload = status(state, p, id).await?;
    if upload.state != "receiving" {
        return Err(refused_after_end(state, p, meta, &upload, "overwrite").await);
    }
    if upload.expires_at <= state.clock.now() {
        return Err(AppError::protocol(
            StatusCode::GONE,
            "upload.expired",
            "this upload expired; start again",
        ));
    }
    let session = state.uploads.get(id);
    // One writer per upload. A second PATCH waits briefly for a dropped first one to end.
    let mut session =
        tokio::time::timeout(std::time::Duration::from_secs(10), session.lock_owned())
            .await
            .map_err(|_| {
                AppError::protocol(
                    StatusCode::LOCKED,
                    "upload.busy",
                    "another transfer of this upload is running",
                )
            })?;
    // Re-read under the lock: the offset may have moved while we waited.
    let upload = status_row(state, id).await?;
    let durable = upload.upload_offset as u64;
    if offset != durable {
        return Err(AppError::protocol(
            StatusCode::CONFLICT,
            "upload.wrong_offset",
            format!("the upload is at byte {durable}, not {offset}; resume from there"),
        ));
    }
    let path = part_path(state, id);
    if !path.exists() {
        // The bytes are gone (a restore from backup, a wiped disk): the client starts over.
        fail(state, &upload, "lost").await?;
        return Err(lost());
    }
    if session.hasher.is_none() || session.offset != durable {
        // After a restart (or a write that died midway): cut back to what is durable and
        // rebuild the hash from the file.
        let (p2, d) = (path.clone(), durable);
        let hasher = tokio::task::spawn_blocking(move || rehash_prefix(&p2, d))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| AppError::Internal(e.into()))?;
        session.hasher = Some(hasher);
        session.offset = durable;
    }
    let limit = upload.length as u64 - durable;
    let hasher = session.hasher.take().unwrap_or_default();
    let (written, hasher, outcome) =
        stream_to_file(&state.uploads, path, durable, limit, body, hasher).await;
    let new_offset = durable + written;
    session.hasher = Some(hasher);
    session.offset = new_offset;
    if written > 0 {
        let mut tx = state.store.begin().await?;
        store::advance_upload(&mut tx, id, durable as i64, new_offset as i64).await?;
        tx.commit().await?;
    }
    outcome?;
    let mut evidence_id = None;
    if new_offset == upload.length as u64 {
        let hasher = session.hasher.take();
        drop(session);
        let done = status_row(state, id).await?;
        evidence_id = Some(complete(state, &done, hasher).await?);
        state.uploads.forget(id);
    }
    Ok(Appended {
        offset: new_offset,
        expires_at: upload.expires_at,
        evidence_id,
    })
}

fn lost() -> AppError {
    AppError::protocol(
        StatusCode::GONE,
        "upload.lost",
        "the bytes received so far are no longer on the server; start the upload again",
    )
}

/// BWC-07, BWC-14: a PATCH (overwrite) or DELETE on an upload that became footage is an
/// attempt to alter or delete footage: refused as tus refuses it, and recorded as a delete
/// attempt like `DELETE /evidence/{id}`, so supervision counts it. An upload that failed or
/// was abandoned holds no footage and is refused without an entry.
async fn refused_after_end(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    upload: &Upload,
    attempt: &str,
) -> AppError {
    let refusal = ended(upload);
    let Some(evidence_id) = upload.evidence_id.filter(|_| upload.state == "completed") else {
        return refusal;
    };
    let recorded = async {
        let mut tx = state.store.begin().await?;
        record(
            &mut tx,
            &Actor::user(p, meta),
            Event {
                action: "evidence.delete_refused",
                object_type: "evidence",
                object_id: evidence_id.to_string(),
                unit_id: Some(UnitId(upload.unit_id)),
                detail: json!({"rule": "BWC-07", "attempt": attempt, "via": "tus", "upload": upload.id}),
            },
            state.clock.now(),
        )
        .await?;
        tx.commit().await?;
        AppResult::Ok(())
    };
    match recorded.await {
        Ok(()) => refusal,
        // The attempt must not go unrecorded and look refused: report the failure instead.
        Err(e) => e,
    }
}

fn ended(upload: &Upload) -> AppError {
    match upload.state.as_str() {
        "completed" => AppError::protocol(
            StatusCode::CONFLICT,
            "upload.complete",
            format!(
                "this upload is complete (footage #{})",
                upload.evidence_id.unwrap_or_default()
            ),
        ),
        _ => AppError::protocol(
            StatusCode::GONE,
            "upload.ended",
            format!("this upload ended: {}", upload.failure),
        ),
    }
}

/// Streams the request body into the part file at `from`, hashing as it goes, never past
/// `limit` bytes. Returns how many bytes are now durably written, the hash state, and whether
/// the body ended cleanly.
async fn stream_to_file(
    pool: &Sessions,
    path: PathBuf,
    from: u64,
    limit: u64,
    body: Body,
    hasher: Sha256,
) -> (u64, Sha256, AppResult<()>) {
    // A fixed pool of chunk buffers travels between the receiving task and the writer thread
    // and back, so a 4 GB upload allocates three 1 MiB buffers once instead of thousands
    // (freed chunks otherwise linger in the allocator's per-thread arenas: the benchmark saw
    // 147 MB resident against the 64 MB target).
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(POOL);
    let (back_tx, mut back_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(POOL);
    let writer = tokio::task::spawn_blocking(move || -> (u64, Sha256, std::io::Result<()>) {
        let mut hasher = hasher;
        let mut written = 0u64;
        let run = (|| {
            let mut f = std::fs::OpenOptions::new().write(true).open(&path)?;
            f.set_len(from)?;
            f.seek(SeekFrom::Start(from))?;
            while let Some(mut buf) = rx.blocking_recv() {
                f.write_all(&buf)?;
                hasher.update(&buf);
                written += buf.len() as u64;
                buf.clear();
                let _ = back_tx.try_send(buf);
            }
            f.sync_data()
        })();
        (written, hasher, run)
    });
    let mut stream = body.into_data_stream();
    let mut allocated = 1;
    let mut pending: Vec<u8> = pool.take_buffer();
    let mut received = 0u64;
    let mut outcome: AppResult<()> = Ok(());
    'body: while let Some(item) = stream.next().await {
        let bytes = match item {
            Ok(bytes) => bytes,
            Err(e) => {
                outcome = Err(AppError::protocol(
                    StatusCode::BAD_REQUEST,
                    "upload.interrupted",
                    format!("the transfer broke off ({e}); resume from the offset HEAD reports"),
                ));
                break;
            }
        };
        let room = (limit - received) as usize;
        let take = bytes.len().min(room);
        let mut rest: &[u8] = &bytes[..take];
        received += take as u64;
        while !rest.is_empty() {
            let n = rest.len().min(CHUNK - pending.len());
            pending.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if pending.len() == CHUNK {
                let next = match back_rx.try_recv() {
                    Ok(buf) => buf,
                    Err(_) if allocated < POOL => {
                        allocated += 1;
                        pool.take_buffer()
                    }
                    Err(_) => match back_rx.recv().await {
                        Some(buf) => buf,
                        None => break 'body, // the writer failed; its error is reported below
                    },
                };
                if tx
                    .send(std::mem::replace(&mut pending, next))
                    .await
                    .is_err()
                {
                    break 'body;
                }
            }
        }
        if take < bytes.len() {
            outcome = Err(AppError::protocol(
                StatusCode::PAYLOAD_TOO_LARGE,
                "upload.past_length",
                "more bytes than the declared Upload-Length; the extra bytes were not kept",
            ));
            break;
        }
    }
    if pending.is_empty() {
        pool.give_back(pending);
    } else {
        let _ = tx.send(pending).await;
    }
    drop(tx);
    let joined = writer.await;
    while let Ok(buf) = back_rx.try_recv() {
        pool.give_back(buf);
    }
    match joined {
        Ok((written, hasher, Ok(()))) => (written, hasher, outcome),
        Ok((_, hasher, Err(e))) => (0, hasher, Err(AppError::Internal(e.into()))),
        Err(e) => (0, Sha256::new(), Err(AppError::Internal(e.into()))),
    }
}

/// Cuts the part file back to `len` bytes and hashes them.
fn rehash_prefix(path: &Path, len: u64) -> std::io::Result<Sha256> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    f.set_len(len)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(hasher);
        }
        hasher.update(&buf[..n]);
    }
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    let mut head = vec![0u8; footage::SNIFF_LEN];
    let mut filled = 0;
    while filled < head.len() {
        let n = f.read(&mut head[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    head.truncate(filled);
    Ok(head)
}

/// Turns a fully received upload into footage. Safe to run again after a crash at any step.
async fn complete(state: &AppState, upload: &Upload, hasher: Option<Sha256>) -> AppResult<i64> {
    let path = part_path(state, &upload.id);
    let part_exists = path.exists();
    if !part_exists && upload.sha256.is_none() {
        fail(state, upload, "lost").await?;
        return Err(lost());
    }
    let sha = match (&upload.sha256, hasher) {
        (Some(s), _) => s.clone(),
        (None, Some(h)) => hex::encode(h.finalize()),
        (None, None) => {
            let (p2, len) = (path.clone(), upload.length as u64);
            let h = tokio::task::spawn_blocking(move || rehash_prefix(&p2, len))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(|e| AppError::Internal(e.into()))?;
            hex::encode(h.finalize())
        }
    };
    if upload.sha256.is_none() {
        let mut tx = state.store.begin().await?;
        store::set_upload_sha256(&mut tx, &upload.id, &sha).await?;
        tx.commit().await?;
    }
    let id = BlobId::parse(&sha)?;
    if let Some(declared) = &upload.declared_sha256 {
        if *declared != sha {
            fail(state, upload, "hash_mismatch").await?;
            return Err(AppError::protocol(
                StatusCode::UNPROCESSABLE_ENTITY,
                "upload.hash_mismatch",
                format!("the bytes hash to {sha}, not the declared {declared}; nothing was stored"),
            ));
        }
    }
    let head = if part_exists {
        read_head(&path).map_err(|e| AppError::Internal(e.into()))?
    } else {
        if let Err(roadwarden_blob::BlobError::NotFound(_)) = state.blobs.len(&id).await {
            fail(state, upload, "lost").await?;
            return Err(lost());
        }
        let mut r = state
            .blobs
            .get_range(&id, 0, Some(footage::SNIFF_LEN as u64))
            .await?;
        let mut head = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut r, &mut head)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        head
    };
    let kind = match sniff(&head) {
        Ok(k) => k,
        Err(e) => {
            fail(state, upload, "not_media").await?;
            return Err(AppError::protocol(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "upload.not_media",
                e.reason,
            ));
        }
    };
    {
        let mut tx = state.store.begin_read().await?;
        if let Some(existing) = store::by_sha256(&mut tx, &sha).await? {
            drop(tx);
            fail(state, upload, "duplicate").await?;
            return Err(duplicate(existing.id));
        }
    }
    if part_exists {
        state.blobs.put_file(&path, &id).await?;
    }
    let meta: FootageMeta =
        serde_json::from_str(&upload.metadata).map_err(|e| AppError::Internal(e.into()))?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let lateness = footage::lateness(meta.duty_ended_at, meta.handed_in_at, now);
    let tz = unit_tz(&mut tx, upload.unit_id).await?;
    let retention = rules::retention(
        state.settings.evidence.retention_policy(),
        &Reasons {
            case_evidence: !meta.case_ref.is_empty() || meta.violation_id.is_some(),
            ..Reasons::default()
        },
        meta.ended_at,
        tz,
    );
    let unit_path = roadwarden_domain::org::UnitPath::from_stored(upload.unit_path.clone());
    let evidence_id = store::insert(
        &mut tx,
        &NewEvidence {
            sha256: &sha,
            length: upload.length,
            media_kind: kind.kind.as_str(),
            mime: kind.mime,
            file_name: &meta.file_name,
            unit_id: UnitId(upload.unit_id),
            unit_path: &unit_path,
            officer_id: UserId(meta.officer_id),
            recorder_id: meta.recorder_id,
            activity: &meta.activity,
            place: &meta.place,
            case_ref: &meta.case_ref,
            violation_id: meta.violation_id,
            restriction: &meta.restriction,
            started_at: meta.started_at,
            ended_at: meta.ended_at,
            duty_ended_at: meta.duty_ended_at,
            handed_in_at: meta.handed_in_at,
            stored_at: now,
            late_hand_in: lateness.late_hand_in,
            late_storage: lateness.late_storage,
            uploaded_by: UserId(upload.created_by),
            retention_category: retention.category.as_str(),
            purge_from: retention.purge_from,
        },
    )
    .await?;
    if !store::finish_upload(&mut tx, &upload.id, "completed", "", Some(evidence_id)).await? {
        return Err(AppError::Conflict {
            field: "upload already finished".into(),
        });
    }
    record(
        &mut tx,
        &Actor::named("evidence-intake"),
        Event {
            action: "evidence.stored",
            object_type: "evidence",
            object_id: evidence_id.to_string(),
            unit_id: Some(UnitId(upload.unit_id)),
            detail: json!({
                "sha256": sha, "length": upload.length, "upload": upload.id,
                "uploaded_by": upload.created_by, "officer": meta.officer_id,
                "late_hand_in": lateness.late_hand_in, "late_storage": lateness.late_storage,
                "retention": retention.category.as_str(),
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    // Release the recorder's copy once the stored copy reads back right (BWC-05, BWC-07).
    let st = state.clone();
    tokio::spawn(async move {
        if let Err(e) = verify_one(&st, evidence_id, &sha).await {
            tracing::warn!(evidence_id, error = %e, "stored footage not verified yet; the job retries");
        }
    });
    Ok(evidence_id)
}

async fn fail(state: &AppState, upload: &Upload, why: &str) -> AppResult<()> {
    let path = part_path(state, &upload.id);
    let _ = std::fs::remove_file(&path);
    state.uploads.forget(&upload.id);
    let mut tx = state.store.begin().await?;
    if store::finish_upload(&mut tx, &upload.id, "failed", why, None).await? {
        record(
            &mut tx,
            &Actor::named("evidence-intake"),
            Event {
                action: "evidence.upload_refused",
                object_type: "evidence_upload",
                object_id: upload.id.clone(),
                unit_id: Some(UnitId(upload.unit_id)),
                detail: json!({"reason": why}),
            },
            state.clock.now(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// tus termination: the creator abandons an upload; its bytes are removed.
pub async fn terminate(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    id: &str,
) -> AppResult<()> {
    let upload = status(state, p, id).await?;
    if upload.state != "receiving" {
        return Err(refused_after_end(state, p, meta, &upload, "delete").await);
    }
    let session = state.uploads.get(id);
    let _guard = session.lock().await;
    fail(state, &upload, "terminated").await
}

async fn verify_one(state: &AppState, evidence_id: i64, sha: &str) -> AppResult<()> {
    let id = BlobId::parse(sha)?;
    state.blobs.verify(&id).await?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    if store::mark_verified(&mut tx, evidence_id, now).await? {
        let unit_id = store::get(&mut tx, evidence_id)
            .await?
            .map(|e| UnitId(e.unit_id));
        record(
            &mut tx,
            &Actor::named("evidence-intake"),
            Event {
                action: "evidence.verified",
                object_type: "evidence",
                object_id: evidence_id.to_string(),
                unit_id,
                detail: json!({"sha256": sha, "recorder_copy": "released"}),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The job: finish uploads whose last byte arrived before a crash, and verify stored footage
/// not verified yet.
pub async fn verify_pending(state: &AppState) -> AppResult<usize> {
    let mut tx = state.store.begin_read().await?;
    let stalled = store::stalled_complete_uploads(&mut tx, 100).await?;
    let pending = store::unverified(&mut tx, 100).await?;
    drop(tx);
    for u in stalled {
        if let Err(e) = complete(state, &u, None).await {
            tracing::warn!(upload = %u.id, error = %e, "could not finish a received upload");
        }
    }
    let mut n = 0;
    for e in pending {
        match verify_one(state, e.id, &e.sha256).await {
            Ok(()) => n += 1,
            Err(err) => {
                tracing::error!(evidence_id = e.id, error = %err, "stored footage does not verify");
            }
        }
    }
    Ok(n)
}

/// The job: uploads abandoned past their expiry are discarded with their bytes.
pub async fn discard_expired(state: &AppState) -> AppResult<usize> {
    let mut tx = state.store.begin_read().await?;
    let ids = store::expired_uploads(&mut tx, state.clock.now(), 500).await?;
    drop(tx);
    let mut n = 0;
    for id in ids {
        let mut tx = state.store.begin_read().await?;
        let upload = store::get_upload(&mut tx, &id).await?;
        drop(tx);
        if let Some(u) = upload {
            fail(state, &u, "expired").await?;
            n += 1;
        }
    }
    Ok(n)
}
