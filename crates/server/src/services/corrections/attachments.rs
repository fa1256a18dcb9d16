//! DAT-01: the files attached to a data-modification request (a scan of the driving licence,
//! a photo showing the right plate). PDF, JPEG or PNG by their first bytes, a bounded number of
//! bounded size, kept write-once in the blob store under their SHA-256. The requester, the
//! heads who decide and the technology department who carry out read them, in their units;
//! every read is audited.

use bytes::Bytes;
use roadwarden_blob::BlobId;
use roadwarden_domain::capture::correction as rule;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::text;
use roadwarden_domain::{FieldError, UnitId, UserId};
use roadwarden_store::corrections::{self, Attachment, NewAttachment};
use roadwarden_store::Tx;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{CorrectionApprovers, CorrectionExecutors, CorrectionReaders};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// A file as sent: its name and bytes.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub bytes: Bytes,
}

/// A file that passed the checks, with its type read from its bytes.
pub(crate) struct CheckedFile {
    name: String,
    mime: &'static str,
    bytes: Bytes,
}

/// A file kept in the blob store, to note on the request.
pub(crate) struct StoredFile {
    name: String,
    mime: &'static str,
    len: i64,
    sha256: BlobId,
}

/// DAT-01: at most [`rule::MAX_ATTACHMENTS`] files, none empty or over
/// [`rule::MAX_ATTACHMENT_BYTES`], each a PDF, JPEG or PNG by its magic bytes.
pub(crate) fn check(files: Vec<NewFile>) -> AppResult<Vec<CheckedFile>> {
    if files.len() > rule::MAX_ATTACHMENTS {
        return Err(
            FieldError::new("files", format!("at most {} files", rule::MAX_ATTACHMENTS)).into(),
        );
    }
    files
        .into_iter()
        .map(|f| {
            if f.bytes.is_empty() {
                return Err(FieldError::new("files", "the file is empty").into());
            }
            if f.bytes.len() > rule::MAX_ATTACHMENT_BYTES {
                return Err(AppError::TooLarge(rule::MAX_ATTACHMENT_BYTES));
            }
            let mime = rule::attachment_type(&f.bytes)?;
            let name = text("files", &f.name, 200, false)?;
            Ok(CheckedFile {
                name: if name.is_empty() {
                    "attachment".into()
                } else {
                    name
                },
                mime,
                bytes: f.bytes,
            })
        })
        .collect()
}

/// Writes the files to the blob store (write-once, content-addressed: a request that then
/// fails leaves at most an unreferenced blob, never a request naming a missing file).
pub(crate) async fn store(
    ctx: &ServiceContext,
    files: Vec<CheckedFile>,
) -> AppResult<Vec<StoredFile>> {
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let stored = ctx
            .blobs
            .put_bytes(f.bytes)
            .await
            .map_err(AppError::internal)?;
        out.push(StoredFile {
            name: f.name,
            mime: f.mime,
            len: i64::try_from(stored.len).unwrap_or(i64::MAX),
            sha256: stored.id,
        });
    }
    Ok(out)
}

/// Notes the stored files on request `id` after the `already` it holds; answers their
/// SHA-256 for the audit.
pub(crate) async fn note(
    tx: &mut Tx,
    id: i64,
    already: usize,
    files: &[StoredFile],
    by: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<String>> {
    let mut hashes = Vec::with_capacity(files.len());
    let first = i32::try_from(already).unwrap_or(i32::MAX);
    for (position, f) in (first..).zip(files) {
        corrections::add_attachment(
            tx,
            &NewAttachment {
                correction_id: id,
                position,
                file_name: &f.name,
                mime: f.mime,
                bytes: f.len,
                sha256: f.sha256.as_str(),
                added_by: by,
                added_at: now,
            },
        )
        .await?;
        hashes.push(f.sha256.as_str().to_owned());
    }
    Ok(hashes)
}

/// DAT-01: who of those who read a request (in its units) may open its files: the requester,
/// a head who decides, the technology department who carries it out.
pub fn may_read_files(p: &Principal, requested_by: i64) -> bool {
    requested_by == p.user.id.0 || p.may::<CorrectionApprovers>() || p.may::<CorrectionExecutors>()
}

/// DAT-01: a file of a request, for the requester, a head who decides or the technology
/// department, in their units (another unit's request is "not found", another role is
/// refused); the read is audited.
pub async fn read(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    attachment: i64,
) -> AppResult<(Attachment, Vec<u8>)> {
    if !p.may::<CorrectionReaders>() {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "corrections are for the business, its heads and technology",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = super::in_scope(&mut tx, p, id).await?;
    if !may_read_files(p, c.requested_by) {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "a request's files are for its requester, the heads who decide and technology",
        ));
    }
    let a = corrections::attachment(&mut tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound("attachment"))?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "correction.attachment_read",
            object_type: "correction",
            object_id: id.to_string(),
            unit_id: Some(UnitId(c.unit_id)),
            detail: json!({ "attachment": a.id, "sha256": a.sha256, "file_name": a.file_name }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let blob = BlobId::parse(&a.sha256).map_err(AppError::internal)?;
    let bytes = ctx.blobs.get(&blob).await.map_err(AppError::internal)?;
    Ok((a, bytes))
}
