//! BWC-08, BWC-09, BWC-10, SEC-07: the request to view or copy footage, its approval by the
//! head of the footage's unit (two heads for restricted classes), and the evidence copy made
//! under it: the files unaltered, with a recording sheet, a manifest of SHA-256 hashes and the
//! chain of custody as a PDF watermarked with who made it and when.

use chrono::{DateTime, Utc};
use roadwarden_blob::{BlobId, Reader};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::text;
use roadwarden_domain::evidence::access::{
    self as rules, AccessState, Application, Approval, Purpose, Requester, Restriction,
};
use roadwarden_domain::evidence::retention::LifeState;
use roadwarden_domain::{FieldError, RuleViolation, UnitId, UserId};
use roadwarden_store::evidence::{self as store, Evidence};
use roadwarden_store::evidence_access::{self as access_store, Export, NewRequest, Request};
use roadwarden_store::{units, users, Tx};
use serde::Serialize;
use serde_json::json;

use super::library::usable;
use super::{in_scope, require};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{RecorderAdmins, RequestReaders, RoleSet, UnitHeads};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::evidence::{AccessRequestRecord, ExportView};

pub struct RequestInput {
    pub evidence_ids: Vec<i64>,
    pub requester_kind: String,
    pub purpose: String,
    pub reason: String,
    pub register: String,
    pub committee_approval: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub request: AccessRequestRecord,
    pub requester_name: String,
    /// BWC-08: the unit the request was filed from (a superior body's retrieval is its own).
    pub requesting_unit_name: String,
    /// The footage's unit, whose head decides the request.
    pub unit_name: String,
    pub evidence_ids: Vec<i64>,
    pub approvals: Vec<i64>,
    /// How many different heads must approve (BWC-09).
    pub approvals_needed: usize,
    pub exports: Vec<ExportView>,
}

pub async fn file(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: RequestInput,
) -> AppResult<RequestView> {
    let requester = Requester::parse(&input.requester_kind)?;
    let purpose = Purpose::parse(&input.purpose)?;
    let app = Application {
        requester,
        purpose,
        reason: text("reason", &input.reason, 1000, true)?,
        register: Some(text("register", &input.register, 300, false)?),
        committee_approval: Some(text(
            "committee_approval",
            &input.committee_approval,
            200,
            false,
        )?),
    };
    rules::check_application(&app)?;
    let mut ids = input.evidence_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > 100 {
        return Err(FieldError::new("evidence_ids", "name 1 to 100 files").into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let files = store::get_many(&mut tx, &ids).await?;
    if files.len() != ids.len() {
        return Err(AppError::NotFound("footage"));
    }
    for f in &files {
        in_scope(p, &f.unit_path, "footage")?;
        if f.life_state != LifeState::Kept {
            return Err(AppError::NotFound("footage"));
        }
    }
    let unit_id = files[0].unit_id;
    if files.iter().any(|f| f.unit_id != unit_id) {
        return Err(FieldError::new(
            "evidence_ids",
            "one request covers the footage of one unit, whose head decides it",
        )
        .into());
    }
    let restriction = strictest(&files)?;
    let unit = units::get(&mut tx, UnitId(unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    // BWC-08: the request keeps the unit it comes from; a superior body's is a unit above.
    rules::check_requesting_unit(requester, p.scope(), &unit.path)?;
    let id = access_store::insert(
        &mut tx,
        &NewRequest {
            unit_id: UnitId(unit_id),
            unit_path: &unit.path,
            requester_id: p.user.id,
            requesting_unit_id: p.user.unit_id,
            requester_kind: requester,
            purpose,
            reason: &app.reason,
            register: app.register.as_deref().unwrap_or(""),
            committee_approval: app.committee_approval.as_deref().unwrap_or(""),
            restriction,
            evidence_ids: &ids,
        },
        now,
    )
    .await?;
    audit_request(
        &mut tx,
        p,
        meta,
        "evidence.access_requested",
        id,
        unit_id,
        json!({
            "purpose": purpose.as_str(), "requester": requester.as_str(), "files": ids,
            "reason": app.reason, "register": app.register, "restriction": restriction.as_str(),
            "requesting_unit": p.user.unit_id.0,
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    show(ctx, p, id).await
}

fn strictest(files: &[Evidence]) -> AppResult<Restriction> {
    let mut out = Restriction::None;
    for f in files {
        let r = Restriction::parse(&f.restriction)?;
        if r != Restriction::None {
            out = r;
        }
    }
    Ok(out)
}

/// The requester, a head over the footage's unit, or an auditor may look at a request.
pub async fn show(ctx: &ServiceContext, p: &Principal, id: i64) -> AppResult<RequestView> {
    let mut tx = ctx.store.begin_read().await?;
    let r = access_store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("request"))?;
    let mine = r.requester_id == p.user.id.0;
    if !mine {
        require(p, RequestReaders::ROLES, "this request")?;
        in_scope(p, &r.unit_path, "request")?;
    }
    view(&mut tx, r).await
}

async fn view(tx: &mut Tx, r: Request) -> AppResult<RequestView> {
    let requester_name = users::get(tx, UserId(r.requester_id))
        .await?
        .map(|u| u.full_name)
        .unwrap_or_default();
    let unit_name =
        |u: Option<roadwarden_store::units::Unit>| u.map(|u| u.name).unwrap_or_default();
    let requesting_unit_name = match r.requesting_unit_id {
        Some(u) => unit_name(units::get(tx, UnitId(u)).await?),
        None => String::new(),
    };
    let footage_unit_name = unit_name(units::get(tx, UnitId(r.unit_id)).await?);
    let evidence_ids = access_store::items(tx, r.id).await?;
    let approvals = access_store::approvals(tx, r.id).await?;
    let exports = access_store::exports_of(tx, r.id).await?;
    let approvals_needed = r.restriction.approvals_needed();
    Ok(RequestView {
        request: r.into(),
        requester_name,
        requesting_unit_name,
        unit_name: footage_unit_name,
        evidence_ids,
        approvals,
        approvals_needed,
        exports: exports.into_iter().map(Into::into).collect(),
    })
}

/// The head's inbox (pending requests in scope) or the person's own requests.
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    inbox: bool,
    state_filter: &str,
) -> AppResult<Vec<RequestView>> {
    let mut tx = ctx.store.begin_read().await?;
    let rows = if inbox {
        require(p, RequestReaders::ROLES, "the request inbox")?;
        let st = if state_filter.is_empty() {
            "pending"
        } else {
            state_filter
        };
        let st = rules::AccessState::parse(st)?;
        access_store::inbox(&mut tx, p.scope(), st, 200).await?
    } else {
        access_store::mine(&mut tx, p.user.id, 200).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(&mut tx, r).await?);
    }
    drop(tx);
    if inbox {
        let mut tx = ctx.store.begin().await?;
        record_list_read(
            &mut tx,
            p,
            meta,
            "evidence.access_inbox",
            "access_request",
            json!({"state": state_filter, "returned": out.len()}),
            ctx.clock.now(),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(out)
}

/// What a head decides.
pub enum Decision {
    Approve,
    Refuse { reason: String },
    Revoke,
}

pub async fn decide(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    decision: Decision,
) -> AppResult<RequestView> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let r = access_store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("request"))?;
    let current = r.state;
    let own = r.requester_id == p.user.id.0;
    // The requester may withdraw their own request; everything else is the head's.
    if !(own && matches!(decision, Decision::Revoke)) {
        require(p, UnitHeads::ROLES, "deciding a footage request")?;
        in_scope(p, &r.unit_path, "request")?;
    }
    // BWC-08: approving or refusing is for the head of the footage's own unit; a head above it
    // may still withdraw an approval (SEC-07).
    if !matches!(decision, Decision::Revoke) {
        rules::check_deciding_head(
            p.scope(),
            &roadwarden_domain::org::UnitPath::from_stored(r.unit_path.clone()),
        )?;
    }
    let (action, detail) = match decision {
        Decision::Approve => {
            let before: Vec<UserId> = access_store::approvals(&mut tx, id)
                .await?
                .into_iter()
                .map(UserId)
                .collect();
            let restriction = r.restriction;
            let outcome = rules::approve(
                current,
                UserId(r.requester_id),
                p.user.id,
                &before,
                restriction,
                ctx.settings.evidence.access_valid_days,
                now,
            )?;
            access_store::add_approval(&mut tx, id, p.user.id, now).await?;
            match outcome {
                Approval::Granted { expires_at } => {
                    if !access_store::decide(
                        &mut tx,
                        id,
                        AccessState::Approved,
                        now,
                        Some(expires_at),
                        "",
                    )
                    .await?
                    {
                        return Err(raced());
                    }
                    (
                        "evidence.access_approved",
                        json!({"expires_at": expires_at, "approvals": before.len() + 1}),
                    )
                }
                Approval::NeedsAnother => (
                    "evidence.access_first_approval",
                    json!({"restriction": restriction.as_str(), "needs": restriction.approvals_needed()}),
                ),
            }
        }
        Decision::Refuse { reason } => {
            let reason = text("reason", &reason, 500, true)?;
            rules::refuse(current, &reason)?;
            if !access_store::decide(&mut tx, id, AccessState::Refused, now, None, &reason).await? {
                return Err(raced());
            }
            ("evidence.access_refused", json!({"reason": reason}))
        }
        Decision::Revoke => {
            rules::revoke(current)?;
            if !access_store::revoke(&mut tx, id, p.user.id, now).await? {
                return Err(raced());
            }
            ("evidence.access_revoked", json!({"by_requester": own}))
        }
    };
    audit_request(&mut tx, p, meta, action, id, r.unit_id, detail, now).await?;
    tx.commit().await?;
    show(ctx, p, id).await
}

fn raced() -> AppError {
    AppError::Conflict {
        field: "request decided meanwhile; reload".into(),
    }
}

/// BWC-08, BWC-10, SEC-07: an evidence copy under an approved copy request, provided by the
/// recorder administrator of the footage (its unit, or the unit above that keeps its storage),
/// who records the retrieval; the requester then downloads it.
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    request_id: i64,
) -> AppResult<RequestView> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let r = access_store::get(&mut tx, request_id)
        .await?
        .ok_or(AppError::NotFound("request"))?;
    may_provide(p, &r)?;
    usable(&r, Purpose::Copy, now)?;
    let ids = access_store::items(&mut tx, request_id).await?;
    let files = store::get_many(&mut tx, &ids).await?;
    if files.iter().any(|f| f.life_state != LifeState::Kept) {
        return Err(RuleViolation::new(
            "BWC-06",
            Code::EvidencePurged,
            "a file of this request has been purged",
        )
        .into());
    }
    let export_id = access_store::add_export(&mut tx, request_id, p.user.id, now).await?;
    audit_request(
        &mut tx,
        p,
        meta,
        "evidence.export",
        request_id,
        r.unit_id,
        json!({
            "export": export_id, "files": ids,
            "sha256": files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>(),
            "reason": r.reason, "requester": r.requester_id, "requester_kind": r.requester_kind,
            "requesting_unit": r.requesting_unit_id, "register": r.register,
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    show(ctx, p, request_id).await
}

/// BWC-08: who provides the copy: a recorder administrator over the footage, not the requester.
fn may_provide(p: &Principal, r: &Request) -> AppResult<()> {
    let is_admin = p.may::<RecorderAdmins>();
    if r.requester_id != p.user.id.0 {
        require(p, RecorderAdmins::ROLES, "providing an evidence copy")?;
    }
    if is_admin {
        in_scope(p, &r.unit_path, "request")?;
    }
    rules::check_provider(
        p.user.id,
        is_admin,
        UserId(r.requester_id),
        r.requester_kind,
    )?;
    Ok(())
}

/// Who may download a copy once made: the requester who receives it, or the administrator.
fn may_copy(p: &Principal, r: &Request) -> AppResult<()> {
    if r.requester_id == p.user.id.0 {
        return Ok(());
    }
    require(p, RecorderAdmins::ROLES, "providing an evidence copy")?;
    in_scope(p, &r.unit_path, "request")
}

pub(super) async fn load_export(
    ctx: &ServiceContext,
    p: &Principal,
    export_id: i64,
) -> AppResult<(Export, Request, Vec<Evidence>)> {
    let mut tx = ctx.store.begin_read().await?;
    let e = access_store::get_export(&mut tx, export_id)
        .await?
        .ok_or(AppError::NotFound("export"))?;
    let r = access_store::get(&mut tx, e.request_id)
        .await?
        .ok_or(AppError::NotFound("request"))?;
    may_copy(p, &r)?;
    usable(&r, Purpose::Copy, ctx.clock.now())?;
    let ids = access_store::items(&mut tx, r.id).await?;
    let files = store::get_many(&mut tx, &ids).await?;
    Ok((e, r, files))
}

/// One file of an export, unaltered (its hash matches the manifest). Every copy is audited.
pub async fn export_file(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    export_id: i64,
    evidence_id: i64,
) -> AppResult<(Evidence, Reader, String)> {
    let (export, request, files) = load_export(ctx, p, export_id).await?;
    let f = files
        .into_iter()
        .find(|f| f.id == evidence_id)
        .ok_or(AppError::NotFound("file in this export"))?;
    let reader = ctx.blobs.open(&BlobId::parse(&f.sha256)?).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "evidence.copy",
            object_type: "evidence",
            object_id: f.id.to_string(),
            unit_id: Some(UnitId(f.unit_id)),
            detail: json!({"request": request.id, "export": export.id, "sha256": f.sha256}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let name = format!(
        "evidence-{}-{}-{}-{}",
        f.id,
        p.user.username,
        stamp,
        f.file_name.replace(['"', '/', '\\'], "_")
    );
    Ok((f, reader, name))
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn audit_request(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    action: &str,
    id: i64,
    unit_id: i64,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &Actor::user(p, meta),
        Event {
            action,
            object_type: "access_request",
            object_id: id.to_string(),
            unit_id: Some(UnitId(unit_id)),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}
