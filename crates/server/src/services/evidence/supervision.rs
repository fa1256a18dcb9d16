//! BWC-02, BWC-03, BWC-13, BWC-14: duties that must be recorded, the work records of stopped
//! recordings (officer files, unit head approves, the recorder administrator and the legal
//! office get their copies), and the supervision report per unit and officer: duties without
//! footage, gaps inside duties, late uploads, attempts to delete, and the spot-check sample.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::device::text;
use roadwarden_domain::evidence::footage::Activity;
use roadwarden_domain::evidence::non_recording::{self as nr, Reason, WorkRecord};
use roadwarden_domain::evidence::supervision::{coverage, in_sample, Span};
use roadwarden_domain::{FieldError, UnitId, UserId};
use roadwarden_store::audit::{self, AuditFilter};
use roadwarden_store::duty_records::{
    self as store, Duty, NewDuty, NewWorkRecord, WorkRecord as Row,
};
use roadwarden_store::evidence::{self as evidence_store, Filter};
use roadwarden_store::users;
use serde::Serialize;
use serde_json::json;

use super::{in_scope, require};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{LegalReviewers, RecorderAdmins, RecorderReaders, RoleSet};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

pub struct DutyInput {
    pub officer_id: Option<i64>,
    pub activity: String,
    pub place: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub recorder_id: Option<i64>,
}

/// A duty is filed by the officer for themselves, or by the recorder administrator.
pub async fn file_duty(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: DutyInput,
) -> AppResult<Duty> {
    let now = ctx.clock.now();
    let activity = Activity::parse(&input.activity)?;
    if input.ended_at <= input.started_at || input.ended_at - input.started_at > Duration::hours(24)
    {
        return Err(
            FieldError::new("ended_at", "a duty ends after it starts, within 24 hours").into(),
        );
    }
    if input.started_at > now {
        return Err(FieldError::new("started_at", "is in the future").into());
    }
    let mut tx = ctx.store.begin().await?;
    let officer = match input.officer_id {
        Some(id) if id != p.user.id.0 => {
            require(p, RecorderAdmins::ROLES, "filing another officer's duty")?;
            let u = users::get(&mut tx, UserId(id))
                .await?
                .ok_or(AppError::NotFound("officer"))?;
            in_scope(p, u.unit_path.as_str(), "officer")?;
            u
        }
        _ => p.user.clone(),
    };
    let place = text("place", &input.place, 200, false)?;
    let id = store::insert_duty(
        &mut tx,
        &NewDuty {
            unit_id: officer.unit_id,
            unit_path: &officer.unit_path,
            officer_id: officer.id,
            activity: activity.as_str(),
            place: &place,
            started_at: input.started_at,
            ended_at: input.ended_at,
            recorder_id: input.recorder_id,
        },
    )
    .await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "duty.filed",
            object_type: "duty",
            object_id: id.to_string(),
            unit_id: Some(officer.unit_id),
            detail: json!({"officer": officer.id.0, "activity": activity.as_str()}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Duty {
        id,
        unit_id: officer.unit_id.0,
        unit_path: officer.unit_path.as_str().to_owned(),
        officer_id: officer.id.0,
        activity: activity.as_str().to_owned(),
        place,
        started_at: input.started_at,
        ended_at: input.ended_at,
        recorder_id: input.recorder_id,
    })
}

pub struct WorkRecordInput {
    pub reason: String,
    pub basis: String,
    pub stopped_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
}

/// BWC-03: the officer files the work record of a stopped recording.
pub async fn file_work_record(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: WorkRecordInput,
) -> AppResult<Row> {
    let now = ctx.clock.now();
    let record_in = WorkRecord {
        reason: Reason::parse(&input.reason)?,
        basis: text("basis", &input.basis, 2000, true)?,
        stopped_at: input.stopped_at,
        resumed_at: input.resumed_at,
    };
    nr::check_filing(&record_in, now)?;
    let mut tx = ctx.store.begin().await?;
    let id = store::insert_work_record(
        &mut tx,
        &NewWorkRecord {
            unit_id: p.user.unit_id,
            unit_path: &p.user.unit_path,
            officer_id: p.user.id,
            reason: record_in.reason,
            basis: &record_in.basis,
            stopped_at: record_in.stopped_at,
            resumed_at: record_in.resumed_at,
        },
        now,
    )
    .await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "non_recording.filed",
            object_type: "non_recording",
            object_id: id.to_string(),
            unit_id: Some(p.user.unit_id),
            detail: json!({"reason": record_in.reason.as_str()}),
        },
        now,
    )
    .await?;
    let row = store::get_work_record(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("work record"))?;
    tx.commit().await?;
    Ok(row)
}

/// BWC-03: the unit head approves or refuses; copies go to the recorder administrator and
/// the legal office (both see it in their lists from the moment it is filed).
pub async fn decide_work_record(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    approve: bool,
) -> AppResult<Row> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let row = store::get_work_record(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("work record"))?;
    in_scope(p, &row.unit_path, "work record")?;
    let to = nr::decide(row.state, UserId(row.officer_id), p.user.id, approve)?;
    if !store::decide_work_record(&mut tx, id, to, p.user.id, now).await? {
        return Err(AppError::Conflict {
            field: "decided meanwhile; reload".into(),
        });
    }
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "non_recording.decided",
            object_type: "non_recording",
            object_id: id.to_string(),
            unit_id: Some(UnitId(row.unit_id)),
            detail: json!({"decision": to.as_str(), "copies": ["recorder_admin", "legal_office"]}),
        },
        now,
    )
    .await?;
    let row = store::get_work_record(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("work record"))?;
    tx.commit().await?;
    Ok(row)
}

/// The officer's own, or (for heads, recorder administrators and the legal office) the
/// unit's work records. The legal office is a department beside the police units it serves,
/// so its copy covers its parent unit's tree (BWC-03: "one copy to the legal office").
pub async fn work_records(
    ctx: &ServiceContext,
    p: &Principal,
    state_filter: Option<&str>,
) -> AppResult<Vec<Row>> {
    let mut tx = ctx.store.begin_read().await?;
    if p.may::<LegalReviewers>() {
        let unit = roadwarden_store::units::get(&mut tx, p.user.unit_id).await?;
        let scope = match unit {
            Some(u) if u.kind == roadwarden_domain::org::UnitKind::LegalDepartment => {
                u.path.parent()
            }
            _ => p.scope().clone(),
        };
        return Ok(store::work_records(&mut tx, &scope, state_filter, 500).await?);
    }
    if p.has_any(RecorderReaders::ROLES) {
        Ok(store::work_records(&mut tx, p.scope(), state_filter, 500).await?)
    } else {
        let all = store::work_records(&mut tx, p.scope(), state_filter, 500).await?;
        Ok(all
            .into_iter()
            .filter(|r| r.officer_id == p.user.id.0)
            .collect())
    }
}

/// One officer's line of the supervision report.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct OfficerLine {
    pub officer_id: i64,
    pub officer_name: String,
    pub unit_id: i64,
    pub duties: usize,
    pub duties_without_footage: usize,
    pub gaps: usize,
    pub gap_minutes: i64,
    pub files: usize,
    pub late_hand_in: usize,
    pub late_storage: usize,
    pub spot_checks: Vec<i64>,
}

/// One unit's totals (BWC-13: per unit and per officer).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct UnitLine {
    pub unit_id: i64,
    pub unit_name: String,
    pub officers: usize,
    pub duties: usize,
    pub duties_without_footage: usize,
    pub gaps: usize,
    pub files: usize,
    pub late: usize,
}

/// BWC-13: the supervision report (named `SupervisionReport` in the OpenAPI document).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = SupervisionReport)]
pub struct Report {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub sample_round: String,
    pub sample_percent: u32,
    pub officers: Vec<OfficerLine>,
    pub units: Vec<UnitLine>,
    /// BWC-14: attempts to delete footage by hand, refused and recorded.
    pub delete_attempts: usize,
    /// Duties with no footage or with gaps, for the findings list.
    pub findings: Vec<Finding>,
}

/// A duty with no footage (BWC-14) or with gaps in its footage (BWC-02).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub duty: i64,
    pub officer: i64,
    pub activity: String,
    pub place: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub no_footage: bool,
    /// The stretches of the duty that no footage covers.
    pub gaps: Vec<GapView>,
    /// `BWC-14` for no footage, `BWC-02` for gaps.
    pub rule: &'static str,
}

/// A stretch of time, start inclusive, end exclusive.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GapView {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// BWC-13, BWC-14: the supervision report for the scope and period.
pub async fn report(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Report> {
    require(p, RecorderReaders::ROLES, "the supervision report")?;
    if to <= from || to - from > Duration::days(93) {
        return Err(FieldError::new(
            "to",
            "a report covers up to 93 days, ending after it starts",
        )
        .into());
    }
    let round = from.format("%Y-%m").to_string();
    let percent = ctx.settings.evidence.spot_check_percent;
    let mut tx = ctx.store.begin_read().await?;
    let mut lines: BTreeMap<i64, OfficerLine> = BTreeMap::new();
    let mut findings = Vec::new();
    for d in store::duties(&mut tx, p.scope(), from, to, 10_000).await? {
        let footage = store::footage_spans(&mut tx, d.officer_id, d.started_at, d.ended_at).await?;
        let excused = store::excused_spans(&mut tx, d.officer_id, d.started_at, d.ended_at).await?;
        let spans: Vec<Span> = footage
            .iter()
            .map(|(s, e)| Span { start: *s, end: *e })
            .collect();
        let excused: Vec<Span> = excused
            .iter()
            .map(|(s, e)| Span {
                start: *s,
                end: e.unwrap_or(d.ended_at),
            })
            .collect();
        let c = coverage(
            Span {
                start: d.started_at,
                end: d.ended_at,
            },
            &spans,
            &excused,
        );
        let line = lines.entry(d.officer_id).or_insert_with(|| OfficerLine {
            officer_id: d.officer_id,
            unit_id: d.unit_id,
            ..OfficerLine::default()
        });
        line.duties += 1;
        if c.no_footage {
            // Counted once as a duty without footage, not again as a gap.
            line.duties_without_footage += 1;
        } else {
            line.gaps += c.gaps.len();
            line.gap_minutes += c
                .gaps
                .iter()
                .map(|g| (g.end - g.start).num_minutes())
                .sum::<i64>();
        }
        if c.no_footage || !c.gaps.is_empty() {
            findings.push(Finding {
                duty: d.id,
                officer: d.officer_id,
                activity: d.activity.clone(),
                place: d.place.clone(),
                started_at: d.started_at,
                ended_at: d.ended_at,
                no_footage: c.no_footage,
                gaps: c
                    .gaps
                    .iter()
                    .map(|g| GapView {
                        start: g.start,
                        end: g.end,
                    })
                    .collect(),
                rule: if c.no_footage { "BWC-14" } else { "BWC-02" },
            });
        }
    }
    let files = evidence_store::list(
        &mut tx,
        p.scope(),
        &Filter {
            from: Some(from),
            to: Some(to),
            ..Filter::default()
        },
        100_000,
    )
    .await?;
    for f in &files {
        let line = lines.entry(f.officer_id).or_insert_with(|| OfficerLine {
            officer_id: f.officer_id,
            unit_id: f.unit_id,
            ..OfficerLine::default()
        });
        line.files += 1;
        line.late_hand_in += usize::from(f.late_hand_in);
        line.late_storage += usize::from(f.late_storage);
        if in_sample(&round, f.id, percent) {
            line.spot_checks.push(f.id);
        }
    }
    let mut units: BTreeMap<i64, UnitLine> = BTreeMap::new();
    for line in lines.values_mut() {
        line.officer_name = users::get(&mut tx, UserId(line.officer_id))
            .await?
            .map(|u| u.full_name)
            .unwrap_or_default();
        let u = units.entry(line.unit_id).or_insert_with(|| UnitLine {
            unit_id: line.unit_id,
            ..UnitLine::default()
        });
        u.officers += 1;
        u.duties += line.duties;
        u.duties_without_footage += line.duties_without_footage;
        u.gaps += line.gaps;
        u.files += line.files;
        u.late += line.late_hand_in + line.late_storage;
    }
    for u in units.values_mut() {
        u.unit_name = roadwarden_store::units::get(&mut tx, UnitId(u.unit_id))
            .await?
            .map(|x| x.name)
            .unwrap_or_default();
    }
    let attempts = audit::list(
        &mut tx,
        p.scope(),
        false,
        &AuditFilter {
            action: Some("evidence.delete_refused".into()),
            from: Some(from),
            to: Some(to),
            ..AuditFilter::default()
        },
        10_000,
    )
    .await?
    .len();
    drop(tx);
    let mut tx = ctx.store.begin().await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "evidence.supervision_report",
            object_type: "evidence",
            object_id: String::new(),
            unit_id: Some(p.user.unit_id),
            detail: json!({"from": from, "to": to, "officers": lines.len()}),
        },
        ctx.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Report {
        from,
        to,
        sample_round: round,
        sample_percent: percent,
        officers: lines.into_values().collect(),
        units: units.into_values().collect(),
        delete_attempts: attempts,
        findings,
    })
}
