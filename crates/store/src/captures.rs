//! Captures (CAP-00..04), their images, the review queue (REV-00..03) and the exemption list.

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::intake::{CaptureSource, ExemptionKind, Flags};
use roadwarden_domain::capture::plate::PlateColour;
use roadwarden_domain::capture::review::CaptureState;
use roadwarden_domain::device::CaptureUse;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{DeviceId, UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Capture {
    pub id: i64,
    /// None for a public report (REV-05): no device took it.
    pub device_id: Option<i64>,
    pub unit_id: i64,
    pub unit_path: String,
    pub event_key: String,
    #[sqlx(try_from = "String")]
    pub source: CaptureSource,
    /// How it came in: json, multipart or isapi from a device, public_web or public_api for a
    /// report from the public (two server-side value sets, so it stays text).
    pub via: String,
    pub plate: String,
    pub plate_key: String,
    #[sqlx(try_from = "String")]
    pub plate_colour: PlateColour,
    pub vehicle_type: String,
    pub vehicle_colour: String,
    pub violation_code: String,
    pub place: String,
    pub division_code: String,
    pub road_code: String,
    pub km_marker: String,
    pub direction: String,
    pub lane: Option<i32>,
    pub speed: Option<i32>,
    pub speed_limit: Option<i32>,
    pub confidence: Option<i32>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub video_url: String,
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub camera_time: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    pub usage: CaptureUse,
    #[sqlx(try_from = "String")]
    pub flags: Flags,
    #[sqlx(try_from = "String")]
    pub state: CaptureState,
    pub review_due_at: Option<DateTime<Utc>>,
    pub collected_by: Option<i64>,
    pub first_reviewer: Option<i64>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reject_reason: Option<String>,
    pub review_note: String,
    pub escalated_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, device_id, unit_id, unit_path, event_key, source, via, plate, \
    plate_key, plate_colour, vehicle_type, vehicle_colour, violation_code, place, division_code, \
    road_code, km_marker, direction, lane, speed, speed_limit, confidence, longitude, latitude, \
    video_url, captured_at, received_at, camera_time, usage, flags, state, review_due_at, \
    collected_by, first_reviewer, reviewed_by, reviewed_at, reject_reason, review_note, escalated_at";

/// A capture as ingest writes it.
#[derive(Debug, Clone)]
pub struct NewCapture {
    /// None for a public report (REV-05).
    pub device_id: Option<DeviceId>,
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub event_key: String,
    pub source: CaptureSource,
    pub via: String,
    pub plate: String,
    pub plate_key: String,
    pub plate_colour: PlateColour,
    pub vehicle_type: String,
    pub vehicle_colour: String,
    pub violation_code: String,
    pub place: String,
    pub division_code: String,
    pub road_code: String,
    pub km_marker: String,
    pub direction: String,
    pub lane: Option<i32>,
    pub speed: Option<i32>,
    pub speed_limit: Option<i32>,
    pub confidence: Option<i32>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub video_url: String,
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub camera_time: Option<DateTime<Utc>>,
    pub usage: CaptureUse,
    pub flags: Flags,
    pub state: CaptureState,
    pub review_due_at: Option<DateTime<Utc>>,
    pub collected_by: Option<UserId>,
    pub images: Vec<NewImage>,
}

#[derive(Debug, Clone)]
pub struct NewImage {
    pub kind: String,
    pub blob_id: String,
    pub bytes: i64,
    pub plate_rect: Option<[i32; 4]>,
}

/// Inserts the capture and its images. `None` when the device already sent this event
/// (same event key): a resend is accepted once.
pub async fn insert(tx: &mut Tx, n: &NewCapture) -> Result<Option<i64>> {
    let sql = "INSERT INTO captures (device_id, unit_id, unit_path, event_key, source, via, plate, \
        plate_key, plate_colour, vehicle_type, vehicle_colour, violation_code, place, division_code, \
        road_code, km_marker, direction, lane, speed, speed_limit, confidence, longitude, latitude, \
        video_url, captured_at, received_at, camera_time, usage, flags, state, review_due_at, \
        collected_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,\
        $20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32) \
        ON CONFLICT (device_id, event_key) DO NOTHING RETURNING id";
    let id: Option<i64> = on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.device_id.map(|d| d.0)).bind(n.unit_id.0).bind(n.unit_path.as_str()).bind(&n.event_key)
        .bind(n.source.as_str()).bind(&n.via).bind(&n.plate).bind(&n.plate_key)
        .bind(n.plate_colour.as_str())
        .bind(&n.vehicle_type).bind(&n.vehicle_colour).bind(&n.violation_code).bind(&n.place)
        .bind(&n.division_code).bind(&n.road_code).bind(&n.km_marker).bind(&n.direction)
        .bind(n.lane).bind(n.speed).bind(n.speed_limit).bind(n.confidence).bind(n.longitude)
        .bind(n.latitude).bind(&n.video_url).bind(n.captured_at).bind(n.received_at)
        .bind(n.camera_time).bind(n.usage.as_str()).bind(n.flags.to_json()).bind(n.state.as_str())
        .bind(n.review_due_at)
        .bind(n.collected_by.map(|u| u.0))
        .fetch_optional(c).await?);
    let Some(id) = id else { return Ok(None) };
    let sql = "INSERT INTO capture_images (capture_id, position, kind, blob_id, bytes, plate_x, \
        plate_y, plate_w, plate_h) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
    for (i, img) in n.images.iter().enumerate() {
        let r = img.plate_rect;
        on!(tx, c => sqlx::query(sql)
            .bind(id).bind(i as i32).bind(&img.kind).bind(&img.blob_id).bind(img.bytes)
            .bind(r.map(|r| r[0])).bind(r.map(|r| r[1])).bind(r.map(|r| r[2])).bind(r.map(|r| r[3]))
            .execute(c).await?.rows_affected());
    }
    Ok(Some(id))
}

/// The capture a device already sent under `event_key`.
pub async fn by_event(tx: &mut Tx, device: DeviceId, event_key: &str) -> Result<Option<Capture>> {
    let sql = format!("SELECT {COLUMNS} FROM captures WHERE device_id = $1 AND event_key = $2");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(device.0).bind(event_key).fetch_optional(c).await?))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Capture>> {
    let sql = format!("SELECT {COLUMNS} FROM captures WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Image {
    pub position: i32,
    pub kind: String,
    pub blob_id: String,
    pub bytes: i64,
    pub plate_x: Option<i32>,
    pub plate_y: Option<i32>,
    pub plate_w: Option<i32>,
    pub plate_h: Option<i32>,
}

pub async fn images(tx: &mut Tx, capture: i64) -> Result<Vec<Image>> {
    let sql = "SELECT position, kind, blob_id, bytes, plate_x, plate_y, plate_w, plate_h \
        FROM capture_images WHERE capture_id = $1 ORDER BY position";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(capture).fetch_all(c).await?))
}

/// Whether `blob_id` is an image of a capture under `scope` (so a reader may see it).
pub async fn image_in_scope(tx: &mut Tx, blob_id: &str, scope: &UnitPath) -> Result<bool> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT COUNT(*) FROM capture_images i JOIN captures c ON c.id = i.capture_id \
        WHERE i.blob_id = $1 AND c.unit_path >= $2 AND c.unit_path < $3";
    let n: i64 = on!(tx, c => sqlx::query_scalar(sql).bind(blob_id).bind(&low).bind(&high).fetch_one(c).await?);
    Ok(n > 0)
}

/// A capture of the same vehicle and violation by the same device within `window` of `at`
/// (a likely duplicate for the reviewer to judge).
pub async fn nearby_same(
    tx: &mut Tx,
    device: DeviceId,
    plate_key: &str,
    violation_code: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<i64>> {
    let sql =
        "SELECT id FROM captures WHERE plate_key = $1 AND captured_at > $2 AND captured_at < $3 \
        AND device_id = $4 AND violation_code = $5 ORDER BY id LIMIT 1";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(plate_key).bind(from).bind(to).bind(device.0).bind(violation_code)
        .fetch_optional(c).await?))
}

/// The device's state history `(since, state)` from its timeline, oldest first.
pub async fn device_history(tx: &mut Tx, device: DeviceId) -> Result<Vec<(DateTime<Utc>, String)>> {
    let sql =
        "SELECT at, to_state FROM device_events WHERE device_id = $1 AND to_state IS NOT NULL \
        ORDER BY at, id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?))
}

// ---- the review queue --------------------------------------------------------------------

/// What a reviewer may be handed from one unit's queue (REV-02: not their own collection,
/// not their own first approval, not held by another reviewer). `$u` is the unit's path.
/// `state IN (...)` is spelt out so both planners use the partial index `captures_queue_scope`;
/// `review_due_at >= $3` makes the resume point an index bound on PostgreSQL too (it does not
/// take the `OR` alone as one, and would filter every capture before it).
fn unit_queue_filter(u: usize) -> String {
    format!(
        "state IN ('pending', 'second_review') AND unit_path = ${u} \
         AND (collected_by IS NULL OR collected_by <> $1) \
         AND NOT (state = 'second_review' AND first_reviewer = $1) \
         AND (claimed_until IS NULL OR claimed_until < $2 OR claimed_by = $1) \
         AND review_due_at >= $3 AND (review_due_at > $3 OR id > $4)"
    )
}

/// Each unit's head is ordered by `unit_path` first (one value there, so the same order): only
/// `captures_queue_scope` gives that order, so no planner walks the deadline-only index and
/// filters a whole backlog for a unit with nothing pending (PostgreSQL's generic plans did).
/// Units merged per statement (SQLite allows 500 terms in one compound SELECT). The limits
/// are written into the statement, not bound: PostgreSQL's generic plan for a prepared
/// statement does not know a bound limit is small and may sort the whole backlog.
const UNITS_PER_STATEMENT: usize = 200;

/// The first `limit` rows (`columns`) of `reviewer`'s queue under `scope`, by deadline, after
/// `after`. The queue is read unit by unit, each unit's captures coming off the index
/// `captures_queue_scope` already in deadline order, and the heads merged: the cost follows
/// the number of units in scope, not the size of the backlog (a county with 100,000 pending
/// captures would otherwise sort them all for every "next").
async fn queue_head<T>(
    tx: &mut Tx,
    scope: &UnitPath,
    reviewer: UserId,
    now: DateTime<Utc>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
    columns: &str,
) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
        + QueueOrder,
{
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT path FROM units WHERE path >= $1 AND path < $2 ORDER BY path";
    let paths: Vec<String> =
        on!(tx, c => sqlx::query_scalar(sql).bind(&low).bind(&high).fetch_all(c).await?);
    // The epoch, not chrono's minimum: PostgreSQL times start in 4713 BC.
    let (due, id) = after.unwrap_or((DateTime::<Utc>::UNIX_EPOCH, 0));
    let mut head: Vec<T> = Vec::new();
    for chunk in paths.chunks(UNITS_PER_STATEMENT) {
        let terms: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "SELECT * FROM (SELECT {columns} FROM captures WHERE {} \
                     ORDER BY unit_path, review_due_at, id LIMIT {limit}) q{i}",
                    unit_queue_filter(i + 5)
                )
            })
            .collect();
        let sql = format!(
            "{} ORDER BY review_due_at, id LIMIT {limit}",
            terms.join(" UNION ALL ")
        );
        let rows: Vec<T> = on!(tx, c => {
            let mut q = sqlx::query_as(&sql)
                .bind(reviewer.0).bind(now).bind(due).bind(id);
            for p in chunk {
                q = q.bind(p);
            }
            q.fetch_all(c).await?
        });
        head.extend(rows);
    }
    head.sort_by_key(QueueOrder::queue_key);
    head.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(head)
}

/// A queue row's place in deadline order.
trait QueueOrder {
    fn queue_key(&self) -> (Option<DateTime<Utc>>, i64);
}

#[derive(sqlx::FromRow)]
struct QueueId {
    id: i64,
    review_due_at: Option<DateTime<Utc>>,
}

impl QueueOrder for QueueId {
    fn queue_key(&self) -> (Option<DateTime<Utc>>, i64) {
        (self.review_due_at, self.id)
    }
}

/// The next capture for `reviewer` under `scope`, by deadline, claimed for `hold` so two
/// reviewers are not handed the same one. `after` is the place of the last one the reviewer
/// passed over.
pub async fn claim_next(
    tx: &mut Tx,
    scope: &UnitPath,
    reviewer: UserId,
    now: DateTime<Utc>,
    hold_until: DateTime<Utc>,
    after: Option<(DateTime<Utc>, i64)>,
    skipped: &[i64],
) -> Result<Option<i64>> {
    // The head of the queue long enough to step over the captures this reviewer skipped; if
    // only skipped ones are left, the first of them comes back.
    let limit = 1 + i64::try_from(skipped.len().min(50)).unwrap_or(0);
    let head: Vec<QueueId> =
        queue_head(tx, scope, reviewer, now, after, limit, "id, review_due_at").await?;
    let Some(next) = head
        .iter()
        .find(|q| !skipped.contains(&q.id))
        .or_else(|| head.first())
        .map(|q| q.id)
    else {
        return Ok(None);
    };
    let sql = "UPDATE captures SET claimed_by = $1, claimed_until = $2 WHERE id = $3";
    on!(tx, c => sqlx::query(sql).bind(reviewer.0).bind(hold_until).bind(next)
        .execute(c).await?.rows_affected());
    Ok(Some(next))
}

/// Lets go of a capture this reviewer held (they skipped it), so another reviewer may take it.
pub async fn release_claim(tx: &mut Tx, id: i64, reviewer: UserId) -> Result<()> {
    let sql = "UPDATE captures SET claimed_by = NULL, claimed_until = NULL \
        WHERE id = $1 AND claimed_by = $2";
    on!(tx, c => sqlx::query(sql).bind(id).bind(reviewer.0).execute(c).await?.rows_affected());
    Ok(())
}

/// One row of the queue list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct QueueItem {
    pub id: i64,
    pub plate: String,
    pub violation_code: String,
    pub place: String,
    pub captured_at: DateTime<Utc>,
    pub review_due_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    pub state: CaptureState,
    #[sqlx(try_from = "String")]
    pub usage: CaptureUse,
    #[sqlx(try_from = "String")]
    pub flags: Flags,
    /// CAP-00 source: `public_report` marks a report from the public (REV-05).
    #[sqlx(try_from = "String")]
    pub source: CaptureSource,
}

impl QueueOrder for QueueItem {
    fn queue_key(&self) -> (Option<DateTime<Utc>>, i64) {
        (self.review_due_at, self.id)
    }
}

/// The first `limit` items of the queue for `reviewer` (no claim), and how many await review
/// in scope, counted up to 10,001 rows so the page can say "10000+" without reading them all.
pub async fn queue(
    tx: &mut Tx,
    scope: &UnitPath,
    reviewer: UserId,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<(Vec<QueueItem>, i64)> {
    let items = queue_head(
        tx,
        scope,
        reviewer,
        now,
        None,
        limit,
        "id, plate, violation_code, place, captured_at, review_due_at, state, usage, flags, source",
    )
    .await?;
    let (low, high) = path_range(scope.as_str());
    let sql =
        "SELECT COUNT(*) FROM (SELECT 1 FROM captures WHERE state IN ('pending', 'second_review') \
        AND unit_path >= $1 AND unit_path < $2 LIMIT 10001) q";
    let total: i64 =
        on!(tx, c => sqlx::query_scalar(sql).bind(&low).bind(&high).fetch_one(c).await?);
    Ok((items, total))
}

/// Records a decision if the capture is still in `from` (another reviewer may have been
/// faster: then nothing changes and `false` comes back).
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    from: CaptureState,
    to: CaptureState,
    reviewer: UserId,
    reason: Option<&str>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    // A first approval drawn for a second look keeps its reviewer in `first_reviewer`.
    let sql = if to == CaptureState::SecondReview {
        "UPDATE captures SET state = $1, first_reviewer = $2, reject_reason = $3, review_note = $4, \
         reviewed_at = $5, claimed_by = NULL, claimed_until = NULL WHERE id = $6 AND state = $7"
    } else {
        "UPDATE captures SET state = $1, reviewed_by = $2, reject_reason = $3, review_note = $4, \
         reviewed_at = $5, claimed_by = NULL, claimed_until = NULL WHERE id = $6 AND state = $7"
    };
    let n = on!(tx, c => sqlx::query(sql)
        .bind(to.as_str()).bind(reviewer.0).bind(reason).bind(note).bind(now).bind(id)
        .bind(from.as_str())
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// REV-01: captures past their review deadline not yet escalated, oldest first.
pub async fn overdue_unescalated(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Capture>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM captures WHERE state IN ('pending', 'second_review') \
         AND review_due_at <= $1 AND escalated_at IS NULL ORDER BY review_due_at, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

pub async fn mark_escalated(tx: &mut Tx, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
    for id in ids {
        on!(tx, c => sqlx::query("UPDATE captures SET escalated_at = $1 WHERE id = $2")
            .bind(now).bind(id).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// Overdue captures under `scope` (for the unit head's list), counted up to
/// 10,001 like the queue's total.
pub async fn overdue_in_scope(tx: &mut Tx, scope: &UnitPath, now: DateTime<Utc>) -> Result<i64> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM captures \
        WHERE state IN ('pending', 'second_review') \
        AND unit_path >= $1 AND unit_path < $2 AND review_due_at <= $3 LIMIT 10001) q";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(&low).bind(&high).bind(now).fetch_one(c).await?))
}

/// SUP-07a: a reviewer's accuracy and timeliness (never counts of fines).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReviewerStats {
    pub reviewer: i64,
    pub username: String,
    pub decided: i64,
    pub on_time: i64,
    /// First approvals a second reviewer then rejected.
    pub overturned: i64,
    /// First approvals a second reviewer looked at.
    pub second_looked: i64,
}

pub async fn reviewer_stats(
    tx: &mut Tx,
    scope: &UnitPath,
    since: DateTime<Utc>,
) -> Result<Vec<ReviewerStats>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT u.id AS reviewer, u.username AS username, \
        SUM(CASE WHEN c.reviewed_by = u.id OR c.first_reviewer = u.id THEN 1 ELSE 0 END) AS decided, \
        SUM(CASE WHEN (c.reviewed_by = u.id OR c.first_reviewer = u.id) AND c.reviewed_at <= c.review_due_at THEN 1 ELSE 0 END) AS on_time, \
        SUM(CASE WHEN c.first_reviewer = u.id AND c.state = 'rejected' THEN 1 ELSE 0 END) AS overturned, \
        SUM(CASE WHEN c.first_reviewer = u.id AND c.state IN ('approved', 'rejected') THEN 1 ELSE 0 END) AS second_looked \
        FROM captures c JOIN users u ON u.id = c.reviewed_by OR u.id = c.first_reviewer \
        WHERE c.unit_path >= $1 AND c.unit_path < $2 AND c.reviewed_at >= $3 \
        GROUP BY u.id, u.username ORDER BY u.username";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(since).fetch_all(c).await?))
}

// ---- exemptions (REV-03(4), REV-04) --------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExemptionRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub plate_key: String,
    #[sqlx(try_from = "String")]
    pub kind: ExemptionKind,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub note: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_exemption(
    tx: &mut Tx,
    unit: UnitId,
    path: &UnitPath,
    plate_key: &str,
    kind: ExemptionKind,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    note: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql =
        "INSERT INTO exemptions (unit_id, unit_path, plate_key, kind, valid_from, valid_until, \
        note, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(unit.0).bind(path.as_str()).bind(plate_key).bind(kind.as_str()).bind(from).bind(until)
        .bind(note).bind(by.map(|u| u.0)).bind(now).fetch_one(c).await?))
}

/// Every exemption of a plate, wherever listed (the service keeps those covering the place).
pub async fn exemptions_for(tx: &mut Tx, plate_key: &str) -> Result<Vec<ExemptionRow>> {
    let sql = "SELECT id, unit_id, unit_path, plate_key, kind, valid_from, valid_until, note \
        FROM exemptions WHERE plate_key = $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(plate_key).fetch_all(c).await?))
}

pub async fn exemptions_in_scope(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<ExemptionRow>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT id, unit_id, unit_path, plate_key, kind, valid_from, valid_until, note \
        FROM exemptions WHERE unit_path >= $1 AND unit_path < $2 ORDER BY id DESC LIMIT 500";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(c).await?))
}
