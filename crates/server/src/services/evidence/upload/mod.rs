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

use roadwarden_domain::codes::Code;
use std::collections::HashMap;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use roadwarden_blob::BlobId;
use roadwarden_domain::evidence::states::UploadState;
use roadwarden_domain::{FieldError, UnitId, UserId};
use roadwarden_store::evidence::{self as store, Upload};
use roadwarden_store::users;
use serde_json::json;

use super::unit_tz;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

mod complete;
mod meta;
pub mod sessions;

use complete::{complete, fail};
pub use complete::{discard_expired, terminate, verify_pending};
pub use meta::{check_meta, FootageMeta};
use sessions::{rehash_prefix, stream_to_file};

pub const TUS_VERSION: &str = "1.0.0";

pub(super) fn part_path(ctx: &ServiceContext, id: &str) -> PathBuf {
    ctx.settings.upload_dir().join(format!("{id}.part"))
}

/// tus creation: checks who and what, refuses a file already stored, makes the empty part file.
pub async fn create(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    length: u64,
    raw: &HashMap<String, String>,
) -> AppResult<Upload> {
    if length == 0 {
        return Err(FieldError::new("Upload-Length", "an empty file is not footage").into());
    }
    if length > ctx.settings.evidence.max_upload_bytes {
        return Err(AppError::protocol(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::UploadTooLarge,
            format!(
                "files up to {} bytes are accepted",
                ctx.settings.evidence.max_upload_bytes
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
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
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
        expires_at: now + Duration::hours(ctx.settings.evidence.upload_expiry_hours.max(1)),
        length: i64::try_from(length).map_err(|_| FieldError::new("Upload-Length", "too large"))?,
        declared_sha256: declared,
        upload_offset: 0,
        sha256: None,
        metadata: serde_json::to_string(&footage).map_err(|e| AppError::Internal(e.into()))?,
        state: UploadState::Receiving,
        failure: String::new(),
        evidence_id: None,
    };
    std::fs::File::create(part_path(ctx, &upload.id)).map_err(|e| AppError::Internal(e.into()))?;
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

pub(super) fn duplicate(existing: i64) -> AppError {
    AppError::protocol(
        StatusCode::CONFLICT,
        Code::EvidenceDuplicate,
        format!("this file is already stored as footage #{existing}"),
    )
}

/// An upload as its creator sees it; anyone else gets 404.
pub async fn status(ctx: &ServiceContext, p: &Principal, id: &str) -> AppResult<Upload> {
    let mut tx = ctx.store.begin_read().await?;
    let upload = store::get_upload(&mut tx, id)
        .await?
        .filter(|u| u.created_by == p.user.id.0)
        .ok_or(AppError::NotFound("upload"))?;
    drop(tx);
    if upload.state == UploadState::Receiving && upload.upload_offset == upload.length {
        // The last byte arrived but the server stopped before filing it: finish now.
        complete(ctx, &upload, None).await?;
        return status_row(ctx, id).await;
    }
    Ok(upload)
}

pub(super) async fn status_row(ctx: &ServiceContext, id: &str) -> AppResult<Upload> {
    let mut tx = ctx.store.begin_read().await?;
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
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: &str,
    offset: u64,
    body: Body,
) -> AppResult<Appended> {
    let upload = status(ctx, p, id).await?;
    if upload.state != UploadState::Receiving {
        return Err(refused_after_end(ctx, p, meta, &upload, "overwrite").await);
    }
    if upload.expires_at <= ctx.clock.now() {
        return Err(AppError::protocol(
            StatusCode::GONE,
            Code::UploadExpired,
            "this upload expired; start again",
        ));
    }
    let session = ctx.uploads.get(id);
    // One writer per upload. A second PATCH waits briefly for a dropped first one to end.
    let mut session =
        tokio::time::timeout(std::time::Duration::from_secs(10), session.lock_owned())
            .await
            .map_err(|_| {
                AppError::protocol(
                    StatusCode::LOCKED,
                    Code::UploadBusy,
                    "another transfer of this upload is running",
                )
            })?;
    // Re-read under the lock: the offset may have moved while we waited.
    let upload = status_row(ctx, id).await?;
    let durable = upload.upload_offset as u64;
    if offset != durable {
        return Err(AppError::protocol(
            StatusCode::CONFLICT,
            Code::UploadWrongOffset,
            format!("the upload is at byte {durable}, not {offset}; resume from there"),
        ));
    }
    let path = part_path(ctx, id);
    if !path.exists() {
        // The bytes are gone (a restore from backup, a wiped disk): the client starts over.
        fail(ctx, &upload, "lost").await?;
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
        stream_to_file(&ctx.uploads, path, durable, limit, body, hasher).await;
    let new_offset = durable + written;
    session.hasher = Some(hasher);
    session.offset = new_offset;
    if written > 0 {
        let mut tx = ctx.store.begin().await?;
        store::advance_upload(&mut tx, id, durable as i64, new_offset as i64).await?;
        tx.commit().await?;
    }
    outcome?;
    let mut evidence_id = None;
    if new_offset == upload.length as u64 {
        let hasher = session.hasher.take();
        drop(session);
        let done = status_row(ctx, id).await?;
        evidence_id = Some(complete(ctx, &done, hasher).await?);
        ctx.uploads.forget(id);
    }
    Ok(Appended {
        offset: new_offset,
        expires_at: upload.expires_at,
        evidence_id,
    })
}

pub(super) fn lost() -> AppError {
    AppError::protocol(
        StatusCode::GONE,
        Code::UploadLost,
        "the bytes received so far are no longer on the server; start the upload again",
    )
}

/// BWC-07, BWC-14: a PATCH (overwrite) or DELETE on an upload that became footage is an
/// attempt to alter or delete footage: refused as tus refuses it, and recorded as a delete
/// attempt like `DELETE /evidence/{id}`, so supervision counts it. An upload that failed or
/// was abandoned holds no footage and is refused without an entry.
pub(super) async fn refused_after_end(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    upload: &Upload,
    attempt: &str,
) -> AppError {
    let refusal = ended(upload);
    let Some(evidence_id) = upload
        .evidence_id
        .filter(|_| upload.state == UploadState::Completed)
    else {
        return refusal;
    };
    let recorded = async {
        let mut tx = ctx.store.begin().await?;
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
            ctx.clock.now(),
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

pub(super) fn ended(upload: &Upload) -> AppError {
    match upload.state {
        UploadState::Completed => AppError::protocol(
            StatusCode::CONFLICT,
            Code::UploadComplete,
            format!(
                "this upload is complete (footage #{})",
                upload.evidence_id.unwrap_or_default()
            ),
        ),
        _ => AppError::protocol(
            StatusCode::GONE,
            Code::UploadEnded,
            format!("this upload ended: {}", upload.failure),
        ),
    }
}
