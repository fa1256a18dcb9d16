//! BWC-11, BWC-08, SEC-07: the evidence library (filed by day, case, unit and officer) and the
//! footage itself, served only under an approved request, every opening audited.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_blob::{BlobId, Reader};
use roadwarden_domain::calendar::start_of_local_day;
use roadwarden_domain::codes::Code;
use roadwarden_domain::evidence::access::{check_use, Purpose};
use roadwarden_domain::evidence::retention::LifeState;
use roadwarden_domain::FieldError;
use roadwarden_domain::{RuleViolation, UnitId, UserId};
use roadwarden_store::evidence::{self as store, Evidence, Filter};
use roadwarden_store::evidence_access::{self as access_store, Request};
use roadwarden_store::{recorders, units, users};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{in_scope, time_zone};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::record_id;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::evidence::{EvidenceView, ReasonView};

#[derive(Debug, Clone, Default)]
pub struct LibraryQuery {
    pub day: Option<NaiveDate>,
    pub unit_id: Option<i64>,
    pub officer_id: Option<i64>,
    pub case_ref: Option<String>,
    pub life_state: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LibraryItem {
    #[serde(flatten)]
    pub evidence: EvidenceView,
    pub officer_name: String,
    pub unit_name: String,
}

pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &LibraryQuery,
) -> AppResult<Vec<LibraryItem>> {
    let mut tx = ctx.store.begin_read().await?;
    let scope = match q.unit_id {
        Some(id) => {
            let unit = units::get(&mut tx, UnitId(id))
                .await?
                .ok_or(AppError::NotFound("unit"))?;
            in_scope(p, unit.path.as_str(), "unit")?;
            unit.path
        }
        None => p.scope().clone(),
    };
    let tz = time_zone(&p.user.unit_time_zone);
    let (from, to) = match q.day {
        Some(d) => (
            Some(start_of_local_day(d, tz)),
            d.succ_opt().map(|n| start_of_local_day(n, tz)),
        ),
        None => (None, None),
    };
    let filter = Filter {
        from,
        to,
        officer_id: q.officer_id,
        case_ref: q.case_ref.clone().filter(|c| !c.trim().is_empty()),
        life_state: q.life_state.clone().filter(|s| !s.is_empty()),
    };
    let rows = store::list(&mut tx, &scope, &filter, 500).await?;
    let mut items = Vec::with_capacity(rows.len());
    let mut names = std::collections::HashMap::new();
    for e in rows {
        let officer_name = match names.get(&e.officer_id) {
            Some(n) => String::clone(n),
            None => {
                let n = users::get(&mut tx, UserId(e.officer_id))
                    .await?
                    .map(|u| u.full_name)
                    .unwrap_or_default();
                names.insert(e.officer_id, n.clone());
                n
            }
        };
        let unit_name = units::get(&mut tx, UnitId(e.unit_id))
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        items.push(LibraryItem {
            evidence: e.into(),
            officer_name,
            unit_name,
        });
    }
    drop(tx);
    let mut tx = ctx.store.begin().await?;
    record_list_read(
        &mut tx,
        p,
        meta,
        "evidence.list",
        "evidence",
        json!({"day": q.day, "unit": q.unit_id, "officer": q.officer_id, "case": q.case_ref, "returned": items.len()}),
        ctx.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(items)
}

/// One file's record: metadata, retention and its reasons, and what the viewer may do now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidencePage {
    pub evidence: EvidenceView,
    pub officer_name: String,
    pub uploaded_by_name: String,
    pub recorder_number: Option<String>,
    pub unit_name: String,
    pub reasons: Vec<ReasonView>,
    /// The viewer's live approval for this file, if any.
    pub grant: Option<Grant>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Grant {
    pub request_id: i64,
    pub purpose: String,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn show(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<EvidencePage> {
    let mut tx = ctx.store.begin_read().await?;
    let e = store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    in_scope(p, &e.unit_path, "footage")?;
    let name =
        |u: Option<roadwarden_store::users::User>| u.map(|u| u.full_name).unwrap_or_default();
    let officer_name = name(users::get(&mut tx, UserId(e.officer_id)).await?);
    let uploaded_by_name = name(users::get(&mut tx, UserId(e.uploaded_by)).await?);
    let recorder_number = match e.recorder_id {
        Some(r) => recorders::get(&mut tx, r).await?.map(|r| r.number),
        None => None,
    };
    let unit_name = units::get(&mut tx, UnitId(e.unit_id))
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let reasons = store::reasons(&mut tx, id).await?;
    let now = ctx.clock.now();
    let grant = live_grant(&mut tx, p.user.id, id, Purpose::View, now)
        .await?
        .map(|r| Grant {
            request_id: r.id,
            purpose: r.purpose.as_str().into(),
            expires_at: r.expires_at,
        });
    drop(tx);
    let mut tx = ctx.store.begin().await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "evidence.read",
            object_type: "evidence",
            object_id: id.to_string(),
            unit_id: Some(UnitId(e.unit_id)),
            detail: json!({}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(EvidencePage {
        evidence: e.into(),
        officer_name,
        uploaded_by_name,
        recorder_number,
        unit_name,
        reasons: reasons.into_iter().map(Into::into).collect(),
        grant,
    })
}

/// The viewer's newest request for this file that allows `wanted` now.
pub(crate) async fn live_grant(
    tx: &mut roadwarden_store::Tx,
    user: UserId,
    evidence_id: i64,
    wanted: Purpose,
    now: DateTime<Utc>,
) -> AppResult<Option<Request>> {
    let grants = access_store::grants_for(tx, user, evidence_id).await?;
    Ok(grants.into_iter().find(|r| usable(r, wanted, now).is_ok()))
}

pub(crate) fn usable(
    r: &Request,
    wanted: Purpose,
    now: DateTime<Utc>,
) -> Result<(), RuleViolation> {
    check_use(r.state, r.purpose, r.expires_at, wanted, now)
}

/// Bytes of a file for the player: the range asked (seeking) or all of it.
pub struct Content {
    pub evidence: Evidence,
    pub start: u64,
    pub end: u64,
    pub reader: Reader,
    pub watermark: String,
}

/// The stored length of a footage file (0 when there is none), to read a suffix range before
/// [`content`] checks access; it says nothing more than the 404 that follows.
pub async fn stored_length(ctx: &ServiceContext, id: i64) -> AppResult<u64> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(store::get(&mut tx, id)
        .await?
        .map(|e| e.length as u64)
        .unwrap_or(0))
}

/// BWC-08, SEC-07: footage streams only under a live approval. Opening a file (a read that
/// starts at byte 0) is an audit entry; the seeks that follow inside the same viewing are not,
/// so a viewing is one entry, not hundreds.
pub async fn content(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    range: Option<(u64, Option<u64>)>,
) -> AppResult<Content> {
    let mut tx = ctx.store.begin_read().await?;
    let e = store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    in_scope(p, &e.unit_path, "footage")?;
    if e.life_state != LifeState::Kept {
        return Err(AppError::NotFound("footage"));
    }
    let now = ctx.clock.now();
    let grants = access_store::grants_for(&mut tx, p.user.id, id).await?;
    drop(tx);
    let Some(grant) = grants
        .iter()
        .find(|r| usable(r, Purpose::View, now).is_ok())
    else {
        // Say why with the newest request's own refusal, or that none exists.
        let why = grants
            .first()
            .and_then(|r| usable(r, Purpose::View, now).err())
            .unwrap_or_else(|| {
                RuleViolation::new(
                    "BWC-08",
                    Code::AccessNoRequest,
                    "viewing footage needs a request with a reason, approved by the unit head",
                )
            });
        return Err(why.into());
    };
    let len = e.length as u64;
    let (start, end) = match range {
        None => (0, len),
        Some((s, end)) => (s, end.map(|x| x.saturating_add(1).min(len)).unwrap_or(len)),
    };
    if start >= len {
        return Err(roadwarden_blob::BlobError::BadRange { start, len }.into());
    }
    let blob = BlobId::parse(&e.sha256)?;
    let reader = if range.is_none() {
        ctx.blobs.open(&blob).await?
    } else {
        ctx.blobs.get_range(&blob, start, Some(end)).await?
    };
    let watermark = format!(
        "{} ({}) {}",
        p.user.full_name,
        p.user.username,
        roadwarden_domain::calendar::format_local(now, time_zone(&p.user.unit_time_zone))
    );
    if start == 0 {
        let mut tx = ctx.store.begin().await?;
        record(
            &mut tx,
            &Actor::user(p, meta),
            Event {
                action: "evidence.view",
                object_type: "evidence",
                object_id: id.to_string(),
                unit_id: Some(UnitId(e.unit_id)),
                detail: json!({"request": grant.id, "range_end": end}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Content {
        evidence: e,
        start,
        end,
        reader,
        watermark,
    })
}

/// BWC-07: nobody deletes footage; an attempt is refused and recorded for supervision (BWC-14).
pub async fn refuse_delete(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<()> {
    let mut tx = ctx.store.begin().await?;
    // Footage this person cannot see is "not found", like footage that does not exist, and
    // counted with the other refused accesses (aggregated): a scan of ids must not write one
    // chain entry per id. An attempt on footage they can see is recorded on its own.
    let e = store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("footage"))?;
    in_scope(p, &e.unit_path, "footage")?;
    let unit = Some(UnitId(e.unit_id));
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "evidence.delete_refused",
            object_type: "evidence",
            object_id: id.to_string(),
            unit_id: unit,
            detail: json!({"rule": "BWC-07"}),
        },
        ctx.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Err(RuleViolation::new(
        "BWC-07",
        Code::EvidenceWriteOnce,
        "footage is never deleted or altered by hand; it leaves only through the retention purge (BWC-06), and this attempt was recorded",
    )
    .into())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct LibraryParams {
    /// A local day, YYYY-MM-DD.
    pub day: Option<String>,
    pub unit_id: Option<String>,
    pub officer_id: Option<String>,
    pub case_ref: Option<String>,
    /// kept (default), purged or destroyed.
    pub state: Option<String>,
}

impl LibraryParams {
    pub fn parse(&self) -> Result<LibraryQuery, AppError> {
        let opt_id = |f: &'static str, v: &Option<String>| -> Result<Option<i64>, AppError> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => record_id(f, s).map(Some),
            }
        };
        let day = match self.day.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| FieldError::new("day", "must be YYYY-MM-DD"))?,
            ),
        };
        let state = self.state.clone().filter(|s| !s.is_empty());
        if let Some(s) = &state {
            roadwarden_domain::evidence::retention::LifeState::parse(s)?;
        }
        Ok(LibraryQuery {
            day,
            unit_id: opt_id("unit_id", &self.unit_id)?,
            officer_id: opt_id("officer_id", &self.officer_id)?,
            case_ref: self.case_ref.clone(),
            life_state: state,
        })
    }
}
