//! BWC-06, BWC-06a, AUD-05: long-term triggers and legal holds (set by staff or by events),
//! early deletion with two approvers, the scheduled purge with its warning list and restore
//! window, and the destruction of bytes after it. Nothing else deletes footage.

use chrono::{DateTime, Duration, Utc};
use roadwarden_blob::BlobId;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::text;
use roadwarden_domain::evidence::retention::{
    self as rules, check_early_deletion, check_purge, check_restore, EarlyDeletion, LifeState,
    LongTermTrigger,
};
use roadwarden_domain::evidence::states::{DeletionState, ReasonKind};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{FieldError, RuleViolation, UnitId, UserId};
use roadwarden_store::evidence::{self as store, Evidence, NewReason};
use roadwarden_store::Tx;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{in_scope, refresh_retention};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::RecordId;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::evidence::{DeletionView, EvidenceView};

async fn load(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Evidence> {
    let e = store::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    in_scope(p, &e.unit_path, "footage")?;
    Ok(e)
}

/// A long-term trigger (`kind` = long_term, with its BWC-06 `trigger`) or a legal hold.
pub async fn add_reason(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    kind: &str,
    trigger: &str,
    note: &str,
) -> AppResult<Evidence> {
    let (kind, code) = match kind {
        "long_term" => (
            ReasonKind::LongTerm,
            LongTermTrigger::parse(trigger)?.as_str(),
        ),
        "hold" => (ReasonKind::Hold, ""),
        _ => return Err(FieldError::new("kind", "must be long_term or hold").into()),
    };
    let note = text("note", note, 500, kind == ReasonKind::Hold)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = load(&mut tx, p, id).await?;
    if e.life_state != LifeState::Kept {
        return Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionNotKept,
            "restore the footage first",
        )
        .into());
    }
    let reason_id = store::add_reason(
        &mut tx,
        &NewReason {
            evidence_id: id,
            kind,
            reason_code: code,
            source: "staff",
            note: &note,
            set_by: Some(p.user.id),
        },
        now,
    )
    .await?;
    let r = refresh_retention(ctx, &mut tx, &e).await?;
    audit(
        &mut tx,
        Actor::user(p, meta),
        &format!("evidence.{}_set", kind.as_str()),
        &e,
        json!({
            "reason": reason_id, "trigger": code, "note": note, "category": r.category.as_str(),
        }),
        now,
    )
    .await?;
    let e = store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    tx.commit().await?;
    Ok(e)
}

/// Ends a trigger or hold; only a unit head may (the footage may then become due).
pub async fn release_reason(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    reason_id: i64,
) -> AppResult<Evidence> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = load(&mut tx, p, id).await?;
    if !store::release_reason(&mut tx, reason_id, id, p.user.id, now).await? {
        return Err(AppError::NotFound("active reason"));
    }
    let r = refresh_retention(ctx, &mut tx, &e).await?;
    audit(
        &mut tx,
        Actor::user(p, meta),
        "evidence.reason_released",
        &e,
        json!({
            "reason": reason_id, "category": r.category.as_str(), "purge_from": r.purge_from,
        }),
        now,
    )
    .await?;
    let e = store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    tx.commit().await?;
    Ok(e)
}

/// BWC-06 by event: an objection to a record keeps the footage linked to it long term.
pub async fn on_objection(
    ctx: &ServiceContext,
    tx: &mut Tx,
    violation_id: i64,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let ids = store::for_violation(tx, violation_id).await?;
    for id in &ids {
        let Some(e) = store::get(tx, *id).await? else {
            continue;
        };
        store::add_reason(
            tx,
            &NewReason {
                evidence_id: e.id,
                kind: ReasonKind::LongTerm,
                reason_code: LongTermTrigger::PartyObjection.as_str(),
                source: "objection",
                note: "",
                set_by: None,
            },
            now,
        )
        .await?;
        refresh_retention(ctx, tx, &e).await?;
        audit(
            tx,
            Actor::named("evidence-retention"),
            "evidence.long_term_set",
            &e,
            json!({
                "trigger": "party_objection", "source": "objection", "violation": violation_id,
            }),
            now,
        )
        .await?;
    }
    Ok(ids.len())
}

/// BWC-06: an early deletion is asked for with a reason and needs two different approvers
/// (unit heads, neither the one who asked); the purge job carries it out. Only general footage
/// may be deleted early: case evidence and long-term footage are refused here, at approval and
/// in the purge.
pub async fn request_deletion(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    reason: &str,
) -> AppResult<store::Deletion> {
    let reason = text("reason", reason, 500, true)?;
    if reason.chars().count() < 10 {
        return Err(FieldError::new("reason", "say why (at least 10 characters)").into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = load(&mut tx, p, id).await?;
    let retention = refresh_retention(ctx, &mut tx, &e).await?;
    check_early_deletion(retention.category)?;
    if store::open_deletion(&mut tx, id).await?.is_some() {
        return Err(AppError::Conflict {
            field: "an early deletion is already asked for".into(),
        });
    }
    let del = store::request_deletion(&mut tx, id, p.user.id, &reason, now).await?;
    audit(
        &mut tx,
        Actor::user(p, meta),
        "evidence.deletion_requested",
        &e,
        json!({"deletion": del, "reason": reason}),
        now,
    )
    .await?;
    let d = store::open_deletion(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("deletion"))?;
    tx.commit().await?;
    Ok(d)
}

pub async fn approve_deletion(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<store::Deletion> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = load(&mut tx, p, id).await?;
    let d = store::open_deletion(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("early deletion request"))?;
    if d.state != DeletionState::Pending {
        return Err(AppError::Conflict {
            field: "already approved by two heads".into(),
        });
    }
    if d.requested_by == p.user.id.0 || d.first_approver == Some(p.user.id.0) {
        return Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionSameApprover,
            "an early deletion needs two approvers other than the person who asked",
        )
        .into());
    }
    // The footage may have become case evidence or long term since the request.
    let retention = refresh_retention(ctx, &mut tx, &e).await?;
    check_early_deletion(retention.category)?;
    if !store::approve_deletion(&mut tx, &d, p.user.id).await? {
        return Err(AppError::Conflict {
            field: "approved meanwhile; reload".into(),
        });
    }
    audit(
        &mut tx,
        Actor::user(p, meta),
        "evidence.deletion_approved",
        &e,
        json!({"deletion": d.id, "second": d.first_approver.is_some()}),
        now,
    )
    .await?;
    let d = store::open_deletion(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("deletion"))?;
    tx.commit().await?;
    Ok(d)
}

/// BWC-06: a purged file comes back inside its restore window, under a hold that says why.
pub async fn restore(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    note: &str,
) -> AppResult<Evidence> {
    let note = text("note", note, 500, true)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = load(&mut tx, p, id).await?;
    check_restore(e.life_state, e.restore_until, now)?;
    if !store::mark_restored(&mut tx, id).await? {
        return Err(AppError::Conflict {
            field: "footage changed meanwhile; reload".into(),
        });
    }
    store::add_reason(
        &mut tx,
        &NewReason {
            evidence_id: id,
            kind: ReasonKind::Hold,
            reason_code: "",
            source: "restore",
            note: &note,
            set_by: Some(p.user.id),
        },
        now,
    )
    .await?;
    refresh_retention(ctx, &mut tx, &e).await?;
    audit(
        &mut tx,
        Actor::user(p, meta),
        "evidence.restored",
        &e,
        json!({"note": note}),
        now,
    )
    .await?;
    let e = store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    tx.commit().await?;
    Ok(e)
}

/// What one purge run did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct PurgeReport {
    pub purged: usize,
    pub early: usize,
    pub destroyed: usize,
    pub refused: usize,
}

/// The scheduled purge. Each file is purged in its own transaction with its audit entry, so a
/// crash leaves every file either purged (and recorded) or untouched. Bytes are destroyed
/// only after the restore window; the blob goes first and the row follows, so a crash in
/// between is finished by the next run (deleting a blob that is already gone is a no-op).
pub async fn purge(ctx: &ServiceContext) -> AppResult<PurgeReport> {
    let now = ctx.clock.now();
    let mut report = PurgeReport::default();
    let everything = UnitPath::from_stored("/".into());
    loop {
        let mut tx = ctx.store.begin_read().await?;
        let due = store::due_for_purge(&mut tx, &everything, now, 200).await?;
        drop(tx);
        if due.is_empty() {
            break;
        }
        let mut progressed = false;
        for e in due {
            match purge_one(ctx, &e, None, now).await {
                Ok(true) => {
                    report.purged += 1;
                    progressed = true;
                }
                Ok(false) => {}
                Err(err) => {
                    report.refused += 1;
                    tracing::warn!(evidence_id = e.id, error = %err, "not purged");
                }
            }
        }
        if !progressed {
            break;
        }
    }
    let mut tx = ctx.store.begin_read().await?;
    let approved = store::approved_deletions(&mut tx, 500).await?;
    drop(tx);
    for d in approved {
        let mut tx = ctx.store.begin_read().await?;
        let e = store::get(&mut tx, d.evidence_id).await?;
        drop(tx);
        let (Some(e), Some(a), Some(b)) = (e, d.first_approver, d.second_approver) else {
            continue;
        };
        let early = EarlyDeletion {
            first_approver: UserId(a),
            second_approver: UserId(b),
        };
        match purge_one(ctx, &e, Some((early, d.id)), now).await {
            Ok(true) => report.early += 1,
            Ok(false) => {}
            Err(err) => {
                report.refused += 1;
                tracing::warn!(evidence_id = e.id, error = %err, "early deletion not carried out");
            }
        }
    }
    loop {
        let mut tx = ctx.store.begin_read().await?;
        let gone = store::due_for_destruction(&mut tx, now, 200).await?;
        drop(tx);
        if gone.is_empty() {
            break;
        }
        for e in &gone {
            ctx.blobs.delete(&BlobId::parse(&e.sha256)?).await?;
            let mut tx = ctx.store.begin().await?;
            if store::mark_destroyed(&mut tx, e.id, now).await? {
                audit(
                    &mut tx,
                    Actor::named("evidence-retention"),
                    "evidence.destroyed",
                    e,
                    json!({"sha256": e.sha256}),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            report.destroyed += 1;
        }
    }
    Ok(report)
}

async fn purge_one(
    ctx: &ServiceContext,
    e: &Evidence,
    early: Option<(EarlyDeletion, i64)>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let policy = ctx.settings.evidence.retention_policy();
    let mut tx = ctx.store.begin().await?;
    // Recompute from the reasons as they stand now: a hold set a moment ago wins.
    let fresh = store::get(&mut tx, e.id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    let retention = refresh_retention(ctx, &mut tx, &fresh).await?;
    if let Err(v) = check_purge(fresh.life_state, retention, early.map(|(d, _)| d), now) {
        if let (Some((_, deletion)), Code::RetentionEarlyDeletionNotGeneral) = (early, v.code) {
            // BWC-06: the footage became case evidence or long term after the approval; the
            // early deletion lapses instead of being retried by every run.
            store::close_deletion(&mut tx, deletion, DeletionState::Refused).await?;
            audit(
                &mut tx,
                Actor::named("evidence-retention"),
                "evidence.deletion_lapsed",
                e,
                json!({
                    "deletion": deletion, "category": retention.category.as_str(), "rule": "BWC-06",
                }),
                now,
            )
            .await?;
        }
        tx.commit().await?; // keep the refreshed retention
        return Err(v.into());
    }
    let until = rules::restore_until(policy, now);
    if !store::mark_purged(&mut tx, e.id, now, until).await? {
        return Ok(false);
    }
    if let Some((_, deletion)) = early {
        store::close_deletion(&mut tx, deletion, DeletionState::Done).await?;
    }
    audit(&mut tx, Actor::named("evidence-retention"), "evidence.purged", e, json!({
        "category": retention.category.as_str(), "restore_until": until, "early_deletion": early.map(|(_, d)| d),
    }), now)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The retention calendar: footage in scope due in the coming days (the first `warning_days`
/// of it is the warning list), and what was purged and can still be restored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Calendar {
    pub upcoming: Vec<EvidenceView>,
    pub warning_until: DateTime<Utc>,
    pub restorable: Vec<EvidenceView>,
    pub pending_deletions: Vec<DeletionView>,
}

pub async fn calendar(ctx: &ServiceContext, p: &Principal, days: i64) -> AppResult<Calendar> {
    let now = ctx.clock.now();
    let days = days.clamp(1, 366);
    let mut tx = ctx.store.begin_read().await?;
    let upcoming =
        store::due_for_purge(&mut tx, p.scope(), now + Duration::days(days), 1000).await?;
    let restorable = store::list(
        &mut tx,
        p.scope(),
        &store::Filter {
            life_state: Some("purged".into()),
            ..store::Filter::default()
        },
        500,
    )
    .await?;
    let pending_deletions = store::open_deletions_in(&mut tx, p.scope(), 500).await?;
    Ok(Calendar {
        upcoming: upcoming.into_iter().map(Into::into).collect(),
        warning_until: now + Duration::days(i64::from(ctx.settings.evidence.warning_days)),
        restorable: restorable.into_iter().map(Into::into).collect(),
        pending_deletions: pending_deletions.into_iter().map(Into::into).collect(),
    })
}

async fn audit(
    tx: &mut Tx,
    actor: Actor,
    action: &str,
    e: &Evidence,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &actor,
        Event {
            action,
            object_type: "evidence",
            object_id: e.id.to_string(),
            unit_id: Some(UnitId(e.unit_id)),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The path `/evidence/{id}/reasons/{reason}` (API and page): each id parsed under its own name.
#[derive(Debug, Deserialize)]
pub struct ReasonPath {
    pub id: RecordId,
    pub reason: RecordId,
}
