//! Violation records as clerks, reviewers, objection handlers and supervisors read them: one
//! record with its timeline, notices and owner, the notice list, a notice's letter and a
//! given-up notice's retry (the searchable list is `violation_list`). Every read of plates or
//! recipients is recorded (SEC-05); another unit's record or notice is "not found" (ORG-02).

use roadwarden_domain::codes::Code;
use roadwarden_domain::org::Country;
use roadwarden_domain::FieldError;
use roadwarden_store::violations::{
    self as store_violations, Notice, Objection, Vehicle, Violation, ViolationEvent,
};
use roadwarden_store::Tx;
use serde::Serialize;
use serde_json::json;

use super::{public_lookup, violations};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::ViolationReaders;
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;

pub(crate) fn check_violation_reader(p: &Principal) -> AppResult<()> {
    if p.may::<ViolationReaders>() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            Code::RoleMissing,
            "violation records are for clerks, reviewers, objection handlers and supervisors",
        ))
    }
}

/// A record with its timeline, notices and objections.
/// The API answers it as [`crate::views::captures::ViolationDetailView`].
#[derive(Debug, Serialize)]
pub struct ViolationDetail {
    pub violation: Violation,
    pub events: Vec<ViolationEvent>,
    pub notices: Vec<Notice>,
    pub objections: Vec<Objection>,
    pub owner: Option<Vehicle>,
    pub late_fee_today: String,
    /// The capture's pictures (scene, vehicle, plate): the evidence behind the record.
    pub images: Vec<EvidenceImage>,
}

/// One picture of the capture behind a record; its bytes are read (and the read recorded)
/// through the capture image endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceImage {
    pub capture_id: i64,
    pub position: i32,
    pub kind: String,
}

/// The pictures of a capture, in order.
pub(crate) async fn evidence_images(tx: &mut Tx, capture_id: i64) -> AppResult<Vec<EvidenceImage>> {
    Ok(roadwarden_store::captures::images(tx, capture_id)
        .await?
        .into_iter()
        .map(|i| EvidenceImage {
            capture_id,
            position: i.position,
            kind: i.kind,
        })
        .collect())
}

pub async fn violation_detail(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<ViolationDetail> {
    check_violation_reader(p)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let v = violations::readable(&mut tx, p, id).await?;
    let events = store_violations::events(&mut tx, id).await?;
    let notices = store_violations::notices_of(&mut tx, id).await?;
    let objections = store_violations::objections_of(&mut tx, id).await?;
    let owner = match v.vehicle_id {
        Some(vid) => store_violations::vehicle(&mut tx, vid).await?,
        None => None,
    };
    let images = evidence_images(&mut tx, v.capture_id).await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "violation.view",
            object_type: "violation",
            object_id: id.to_string(),
            unit_id: Some(roadwarden_domain::UnitId(v.unit_id)),
            detail: json!({ "plate": v.plate }),
        },
        now,
    )
    .await?;
    let tz = roadwarden_store::units::get(&mut tx, roadwarden_domain::UnitId(v.unit_id))
        .await?
        .map_or(chrono_tz::Asia::Shanghai, |u| u.tz());
    tx.commit().await?;
    let lang = match v.country {
        Country::Vietnam => "vi",
        Country::China => "zh-CN",
    };
    let today = now.with_timezone(&tz).date_naive();
    let late_fee_today = public_lookup::public_record(&v, String::new(), &[], lang, today).late_fee;
    Ok(ViolationDetail {
        violation: v,
        events,
        notices,
        objections,
        owner,
        late_fee_today,
        images,
    })
}

/// A notice of a record this person may read; another unit's or country's notice is "not
/// found" exactly like one that does not exist (issue 12 item 3: no enumeration by answers).
async fn readable_notice(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Notice> {
    let n = store_violations::notice(tx, id)
        .await?
        .ok_or(AppError::NotFound("notice"))?;
    match violations::readable(tx, p, n.violation_id).await {
        Ok(_) => Ok(n),
        Err(AppError::NotFound(_)) => Err(AppError::NotFound("notice")),
        Err(e) => Err(e),
    }
}

pub async fn letter_bytes(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Vec<u8>> {
    check_violation_reader(p)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let n = readable_notice(&mut tx, p, id).await?;
    let blob = n.blob_id.clone().ok_or(AppError::NotFound("letter"))?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "notice.letter",
            object_type: "notice",
            object_id: id.to_string(),
            unit_id: Some(p.user.unit_id),
            detail: json!({ "violation": n.violation_id }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    super::read_blob(ctx, &blob).await
}

/// The notices of this person's units in one state (SEC-05: recipients are personal data, so
/// the list read is recorded).
pub async fn notices(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    wanted: &str,
) -> AppResult<Vec<Notice>> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let rows = store_violations::notices_in_scope(&mut tx, p.scope(), wanted, 200).await?;
    // SEC-05: recipients are phone numbers, e-mail and postal addresses.
    record_list_read(
        &mut tx,
        p,
        meta,
        "notice.list",
        "notice",
        json!({ "state": wanted, "count": rows.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Puts a given-up notice back in the queue.
pub async fn retry_notice(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    readable_notice(&mut tx, p, id).await?;
    if !store_violations::requeue_notice(&mut tx, id, now).await? {
        return Err(FieldError::new("id", "only a notice that was given up can be retried").into());
    }
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "notice.retry",
            object_type: "notice",
            object_id: id.to_string(),
            unit_id: Some(p.user.unit_id),
            detail: json!({}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
