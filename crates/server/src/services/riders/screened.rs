//! SHR-04: one way in from the non-motor-vehicle recognition system. Its screened offenders
//! arrive through a partner's write grant on the interface `riders.screened` (04W02), over
//! JSON or SOAP (`partner_write`); each entry is checked, filed once under the sender's own
//! reference (a resent entry is answered with the first one's id, so the sender may retry
//! safely and read back what was kept), linked to the resident of the face base library with
//! that ID number inside the grant's scope, and waits on the e-bike officers' desk. An officer
//! agrees or disputes it; nothing here changes a tier (see `rider::screened`).

use chrono::{DateTime, Utc};
use roadwarden_domain::account::IdNumber;
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::screened::{self, ScreenedState};
use roadwarden_domain::sharing::grant::Submitted;
use roadwarden_domain::{FieldError, RuleViolation, UnitId};
use roadwarden_store::list::Window;
use roadwarden_store::riders::persons as person_rows;
use roadwarden_store::riders::screened::{self as rows, Filing, Screened};
use roadwarden_store::sharing::partners::GrantRow;
use roadwarden_store::{units, Tx};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{audit, need};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::RiderOfficers;
use crate::services::context::ServiceContext;

/// Entries on one page of the desk.
pub const PAGE_SIZE: i64 = 50;

/// One entry as filed: its id and whether it is new or was sent before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filed {
    pub id: i64,
    pub fresh: bool,
}

/// SHR-04: files a screened-offender submission under grant `g` (already checked against the
/// grant's fields). All or nothing: the first bad record refuses the whole submission.
pub(crate) async fn file(
    tx: &mut Tx,
    g: &GrantRow,
    rows_in: &[Submitted],
    now: DateTime<Utc>,
) -> AppResult<Vec<Filed>> {
    let unit = units::get(tx, UnitId(g.scope_unit))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let scope = UnitPath::from_stored(g.scope_path.clone());
    let mut out = Vec::with_capacity(rows_in.len());
    for row in rows_in {
        let entry = screened::parse(row, unit.country, now)?;
        // The grant's span bounds what may be sent, as it bounds what may be read.
        if entry.occurred_at < g.span_from || entry.occurred_at >= g.span_to {
            return Err(RuleViolation::new(
                "SHR-04",
                Code::SharingBadValue,
                "occurred_at lies outside the grant's span",
            )
            .into());
        }
        let person_id = resident_in(tx, &scope, &entry.id_number).await?;
        let filing = Filing {
            partner_id: g.partner_id,
            grant_id: g.id,
            unit_id: g.scope_unit,
            unit_path: g.scope_path.clone(),
            person_id,
            received_at: now,
        };
        let (id, fresh) = rows::insert(tx, &filing, &entry).await?;
        out.push(Filed { id, fresh });
    }
    Ok(out)
}

/// The file of the resident with `id_number` inside `scope` (followed through a merge).
async fn resident_in(tx: &mut Tx, scope: &UnitPath, id_number: &str) -> AppResult<Option<i64>> {
    let Some(p) = person_rows::by_id_number(tx, id_number).await? else {
        return Ok(None);
    };
    if !scope.covers(&UnitPath::from_stored(p.unit_path.clone())) {
        return Ok(None);
    }
    Ok(Some(p.merged_into.unwrap_or(p.id.0)))
}

/// One entry as the desk shows it. The ID number is masked: the whole number is read on the
/// rider's file, for a purpose (SEC-08).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenedView {
    pub id: i64,
    /// The recognition system (the partner) that sent it.
    pub sender: String,
    pub source_ref: String,
    pub id_number_masked: String,
    pub name: String,
    /// no_helmet, wrong_way or red_light.
    pub violation: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub point: String,
    pub similarity: Option<f64>,
    /// The rider's file with that ID number in the unit's scope, when there is one.
    pub person_id: Option<i64>,
    /// received, agreed or disputed.
    pub state: String,
    pub note: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
}

impl From<Screened> for ScreenedView {
    fn from(s: Screened) -> Self {
        let masked = IdNumber::parse(&s.id_number, roadwarden_domain::org::Country::China)
            .or_else(|_| IdNumber::parse(&s.id_number, roadwarden_domain::org::Country::Vietnam))
            .map(|n| n.masked())
            .unwrap_or_else(|_| "*".repeat(s.id_number.chars().count()));
        Self {
            id: s.id,
            sender: s.partner_name,
            source_ref: s.source_ref,
            id_number_masked: masked,
            name: s.name,
            violation: s.violation.as_str().to_owned(),
            occurred_at: s.occurred_at,
            place: s.place,
            point: s.point,
            similarity: s.similarity,
            person_id: s.person_id,
            state: s.state.as_str().to_owned(),
            note: s.note,
            decided_at: s.decided_at,
            received_at: s.received_at,
        }
    }
}

/// The desk: counts by state (all pages) and one page of entries, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenedDesk {
    pub received: i64,
    pub agreed: i64,
    pub disputed: i64,
    pub entries: Vec<ScreenedView>,
    pub page: i64,
    pub more: bool,
}

/// A state filter by its word, empty for all; an unknown word is refused (422).
pub fn state_filter(raw: Option<&str>) -> Result<Option<ScreenedState>, FieldError> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ScreenedState::parse)
        .transpose()
}

/// SHR-04: the screened entries of the officer's units, page `page`. Each read is audited.
pub async fn desk(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    state: Option<ScreenedState>,
    page: i64,
) -> AppResult<ScreenedDesk> {
    need::<RiderOfficers>(p, "screened offenders are for e-bike officers")?;
    let now = ctx.clock.now();
    let page = page.clamp(1, 200);
    let mut tx = ctx.store.begin().await?;
    let counts = rows::count_in_scope(&mut tx, p.scope()).await?;
    let n = |s: ScreenedState| {
        counts
            .iter()
            .filter(|c| c.state == s)
            .map(|c| c.n)
            .sum::<i64>()
    };
    let window = Window::new(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    let mut listed = rows::list_in_scope(&mut tx, p.scope(), state, window).await?;
    let more = listed.len() as i64 > PAGE_SIZE;
    listed.truncate(PAGE_SIZE as usize);
    let ids: Vec<i64> = listed.iter().map(|s| s.id).collect();
    audit(
        &mut tx,
        p,
        meta,
        "screened.read",
        "screened_offender",
        0,
        None,
        json!({ "rule": "SHR-04", "state": state.map(ScreenedState::as_str), "page": page,
            "ids": ids }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ScreenedDesk {
        received: n(ScreenedState::Received),
        agreed: n(ScreenedState::Agreed),
        disputed: n(ScreenedState::Disputed),
        entries: listed.into_iter().map(Into::into).collect(),
        page,
        more,
    })
}

/// SHR-04: an officer of the entry's units agrees with it or disputes it (with why). An entry
/// outside the officer's units is not found; a decided one is refused.
pub async fn decide(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    verdict: ScreenedState,
    note: &str,
) -> AppResult<ScreenedView> {
    need::<RiderOfficers>(p, "screened offenders are decided by e-bike officers")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let entry = rows::get(&mut tx, id)
        .await?
        .filter(|s| {
            p.scope()
                .covers(&UnitPath::from_stored(s.unit_path.clone()))
        })
        .ok_or(AppError::NotFound("screened offender"))?;
    screened::decide(entry.state, verdict, note)?;
    if !rows::decide(&mut tx, id, verdict, note.trim(), p.user.id.0, now).await? {
        // Decided by someone else between the read and the write.
        return Err(RuleViolation::new(
            "SHR-04",
            Code::RiderScreenedDecided,
            "this screened entry has just been decided by someone else",
        )
        .into());
    }
    audit(
        &mut tx,
        p,
        meta,
        "screened.decide",
        "screened_offender",
        id,
        Some(UnitId(entry.unit_id)),
        json!({ "rule": "SHR-04", "verdict": verdict.as_str(), "person": entry.person_id,
            "source_ref": entry.source_ref }),
        now,
    )
    .await?;
    let saved = rows::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("screened offender"))?;
    tx.commit().await?;
    Ok(saved.into())
}
