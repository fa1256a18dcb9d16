//! Completion: a fully received upload becomes footage, write-once under its hash, and the
//! recorder's copy is released only after the stored copy is re-read (BWC-05). Also the
//! passes that finish what a crash interrupted and discard abandoned uploads.

use axum::http::StatusCode;
use roadwarden_blob::BlobId;
use roadwarden_domain::codes::Code;
use roadwarden_domain::evidence::footage::{self, sniff};
use roadwarden_domain::evidence::retention::{self as rules, Reasons};
use roadwarden_domain::evidence::states::UploadState;
use roadwarden_domain::{UnitId, UserId};
use roadwarden_store::evidence::{self as store, NewEvidence, Upload};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::meta::FootageMeta;
use super::sessions::{read_head, rehash_prefix};
use super::unit_tz;
use super::{duplicate, lost, part_path, refused_after_end, status};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// Turns a fully received upload into footage. Safe to run again after a crash at any step.
pub(super) async fn complete(
    ctx: &ServiceContext,
    upload: &Upload,
    hasher: Option<Sha256>,
) -> AppResult<i64> {
    let path = part_path(ctx, &upload.id);
    let part_exists = path.exists();
    if !part_exists && upload.sha256.is_none() {
        fail(ctx, upload, "lost").await?;
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
        let mut tx = ctx.store.begin().await?;
        store::set_upload_sha256(&mut tx, &upload.id, &sha).await?;
        tx.commit().await?;
    }
    let id = BlobId::parse(&sha)?;
    if let Some(declared) = &upload.declared_sha256 {
        if *declared != sha {
            fail(ctx, upload, "hash_mismatch").await?;
            return Err(AppError::protocol(
                StatusCode::UNPROCESSABLE_ENTITY,
                Code::UploadHashMismatch,
                format!("the bytes hash to {sha}, not the declared {declared}; nothing was stored"),
            ));
        }
    }
    let head = if part_exists {
        read_head(&path).map_err(|e| AppError::Internal(e.into()))?
    } else {
        if let Err(roadwarden_blob::BlobError::NotFound(_)) = ctx.blobs.len(&id).await {
            fail(ctx, upload, "lost").await?;
            return Err(lost());
        }
        let mut r = ctx
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
            fail(ctx, upload, "not_media").await?;
            return Err(AppError::protocol(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Code::UploadNotMedia,
                e.reason,
            ));
        }
    };
    {
        let mut tx = ctx.store.begin_read().await?;
        if let Some(existing) = store::by_sha256(&mut tx, &sha).await? {
            drop(tx);
            fail(ctx, upload, "duplicate").await?;
            return Err(duplicate(existing.id));
        }
    }
    if part_exists {
        ctx.blobs.put_file(&path, &id).await?;
    }
    let meta: FootageMeta =
        serde_json::from_str(&upload.metadata).map_err(|e| AppError::Internal(e.into()))?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let lateness = footage::lateness(meta.duty_ended_at, meta.handed_in_at, now);
    let tz = unit_tz(&mut tx, upload.unit_id).await?;
    let retention = rules::retention(
        ctx.settings.evidence.retention_policy(),
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
            media_kind: kind.kind,
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
            retention_category: retention.category,
            purge_from: retention.purge_from,
        },
    )
    .await?;
    if !store::finish_upload(
        &mut tx,
        &upload.id,
        UploadState::Completed,
        "",
        Some(evidence_id),
    )
    .await?
    {
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
    let st = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = verify_one(&st, evidence_id, &sha).await {
            tracing::warn!(evidence_id, error = %e, "stored footage not verified yet; the job retries");
        }
    });
    Ok(evidence_id)
}

pub(super) async fn fail(ctx: &ServiceContext, upload: &Upload, why: &str) -> AppResult<()> {
    let path = part_path(ctx, &upload.id);
    let _ = std::fs::remove_file(&path);
    ctx.uploads.forget(&upload.id);
    let mut tx = ctx.store.begin().await?;
    if store::finish_upload(&mut tx, &upload.id, UploadState::Failed, why, None).await? {
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
            ctx.clock.now(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// tus termination: the creator abandons an upload; its bytes are removed.
pub async fn terminate(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: &str,
) -> AppResult<()> {
    let upload = status(ctx, p, id).await?;
    if upload.state != UploadState::Receiving {
        return Err(refused_after_end(ctx, p, meta, &upload, "delete").await);
    }
    let session = ctx.uploads.get(id);
    let _guard = session.lock().await;
    fail(ctx, &upload, "terminated").await
}

async fn verify_one(ctx: &ServiceContext, evidence_id: i64, sha: &str) -> AppResult<()> {
    let id = BlobId::parse(sha)?;
    ctx.blobs.verify(&id).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
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
pub async fn verify_pending(ctx: &ServiceContext) -> AppResult<usize> {
    let mut tx = ctx.store.begin_read().await?;
    let stalled = store::stalled_complete_uploads(&mut tx, 100).await?;
    let pending = store::unverified(&mut tx, 100).await?;
    drop(tx);
    for u in stalled {
        if let Err(e) = complete(ctx, &u, None).await {
            tracing::warn!(upload = %u.id, error = %e, "could not finish a received upload");
        }
    }
    let mut n = 0;
    for e in pending {
        match verify_one(ctx, e.id, &e.sha256).await {
            Ok(()) => n += 1,
            Err(err) => {
                tracing::error!(evidence_id = e.id, error = %err, "stored footage does not verify");
            }
        }
    }
    Ok(n)
}

/// The job: uploads abandoned past their expiry are discarded with their bytes.
pub async fn discard_expired(ctx: &ServiceContext) -> AppResult<usize> {
    let mut tx = ctx.store.begin_read().await?;
    let ids = store::expired_uploads(&mut tx, ctx.clock.now(), 500).await?;
    drop(tx);
    let mut n = 0;
    for id in ids {
        let mut tx = ctx.store.begin_read().await?;
        let upload = store::get_upload(&mut tx, &id).await?;
        drop(tx);
        if let Some(u) = upload {
            fail(ctx, &u, "expired").await?;
            n += 1;
        }
    }
    Ok(n)
}
