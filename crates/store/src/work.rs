//! The start page's counts (issue 14): how much work waits for a person, area by area, in the
//! units they see. Counts only, so they read no personal data and are not audited; the lists
//! behind them are, when the person opens them.
//!
//! Each count stops at [`CAP`] so a start page never scans a whole table: past that the page
//! says "10000+".

use chrono::{DateTime, Utc};

use crate::{on, path_range, Result, Tx};
use roadwarden_domain::org::UnitPath;

/// The largest count a start page shows exactly.
pub const CAP: i64 = 10_000;

async fn count_in(tx: &mut Tx, from_where: &str, scope: &UnitPath) -> Result<i64> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} \
         AND unit_path >= $1 AND unit_path < $2 LIMIT {limit}) q",
        limit = CAP + 1
    );
    Ok(on!(tx, c => sqlx::query_scalar(&sql).bind(&low).bind(&high).fetch_one(c).await?))
}

async fn count_in_at(
    tx: &mut Tx,
    from_where: &str,
    scope: &UnitPath,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} \
         AND unit_path >= $1 AND unit_path < $2 LIMIT {limit}) q",
        limit = CAP + 1
    );
    Ok(on!(tx, c => sqlx::query_scalar(&sql).bind(&low).bind(&high).bind(now).fetch_one(c).await?))
}

/// REV-01: captures waiting for a first or second review.
pub async fn captures_to_review(tx: &mut Tx, scope: &UnitPath) -> Result<i64> {
    count_in(
        tx,
        "captures WHERE state IN ('pending', 'second_review')",
        scope,
    )
    .await
}

/// NOT-01: violation records whose owner has not been notified yet, and those of them whose
/// notice deadline has passed.
pub async fn notices_to_send(
    tx: &mut Tx,
    scope: &UnitPath,
    now: DateTime<Utc>,
) -> Result<(i64, i64)> {
    let all = count_in(tx, "violations WHERE state = 'entered'", scope).await?;
    let late = count_in_at(
        tx,
        "violations WHERE state = 'entered' AND notice_due_at <= $3",
        scope,
        now,
    )
    .await?;
    Ok((all, late))
}

/// NOT-01: notices the outbox gave up on, which a clerk must send another way.
pub async fn notices_failed(tx: &mut Tx, scope: &UnitPath) -> Result<i64> {
    count_in(
        tx,
        "notices n JOIN violations v ON v.id = n.violation_id WHERE n.state = 'failed'",
        scope,
    )
    .await
}

/// APL-02: objections not yet decided, and those past their deadline.
pub async fn objections_open(
    tx: &mut Tx,
    scope: &UnitPath,
    now: DateTime<Utc>,
) -> Result<(i64, i64)> {
    let all = count_in(tx, "objections WHERE state = 'received'", scope).await?;
    let late = count_in_at(
        tx,
        "objections WHERE state = 'received' AND due_at <= $3",
        scope,
        now,
    )
    .await?;
    Ok((all, late))
}

/// Devices open alerts are raised on (clock drift, calibration, deadlines, warnings).
pub async fn device_alerts_open(tx: &mut Tx, scope: &UnitPath) -> Result<i64> {
    count_in(tx, "device_alerts WHERE resolved_at IS NULL", scope).await
}

/// DEV-03: the person's own unit's proposals a department returned.
pub async fn devices_returned(tx: &mut Tx, scope: &UnitPath) -> Result<i64> {
    count_in(tx, "devices WHERE state = 'returned'", scope).await
}

/// BWC-08: footage requests of a unit still waiting for this head's approval (never their own).
pub async fn footage_requests_to_decide(tx: &mut Tx, unit_id: i64, head_id: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM access_requests r WHERE r.unit_id = $1 AND r.state = 'pending' \
        AND r.requester_id <> $2 \
        AND NOT EXISTS (SELECT 1 FROM access_approvals a WHERE a.request_id = r.id AND a.approver_id = $2)";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(unit_id).bind(head_id).fetch_one(c).await?))
}

/// BWC-03: work records of stopped recordings of a unit waiting for its head.
pub async fn work_records_to_decide(tx: &mut Tx, unit_id: i64, head_id: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM non_recording_records \
        WHERE unit_id = $1 AND state = 'filed' AND officer_id <> $2";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(unit_id).bind(head_id).fetch_one(c).await?))
}

/// BWC-01, BWC-12: recorders handed out before `issued_before` and not back, and damaged
/// recorders not yet sent for repair.
pub async fn recorders_overdue(
    tx: &mut Tx,
    scope: &UnitPath,
    issued_before: DateTime<Utc>,
) -> Result<(i64, i64)> {
    let out = count_in_at(
        tx,
        "recorders WHERE state = 'issued' AND issued_at <= $3",
        scope,
        issued_before,
    )
    .await?;
    let damaged = count_in(tx, "recorders WHERE state = 'damaged'", scope).await?;
    Ok((out, damaged))
}
