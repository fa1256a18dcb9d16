//! What the supervision endpoints and pages show: typed views with their schemas.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::supervision::analysis::Finding;
use roadwarden_domain::supervision::checklist::{escalation_level, waiting_on, ListConfig, Party};
use roadwarden_store::supervision::{CheckItem, CheckStep, ComplaintRow};
use serde::Serialize;

use super::domain_item;
use crate::error::AppResult;

/// One abnormal figure and the baseline that made it abnormal (SUP-02); the page words it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// volume_drop, rejection_rate_high, complaints, …
    pub kind: String,
    /// abnormal or serious.
    pub severity: String,
    pub figure: f64,
    pub baseline: f64,
    /// same_weekday_median, own_history, own_history_start, ceiling or none.
    pub baseline_source: String,
    pub change_percent: Option<f64>,
    pub history_weeks: Option<u32>,
    pub history_days: Option<u32>,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    pub sample: Option<u64>,
    /// The most frequent REV-03 rejection reason behind a rejection finding.
    pub reason: Option<String>,
    pub hour: Option<u8>,
    /// The share of the rejections the most frequent reason makes, in percent.
    pub reason_share_percent: Option<f64>,
    /// mon..sun when one weekday alone is abnormal ("the last 8 Tuesdays").
    pub weekday: Option<String>,
    /// For an hour shift: the hour's share of the period's captures and its usual share.
    pub hour_share_percent: Option<f64>,
    pub hour_baseline_share_percent: Option<f64>,
}

impl From<&Finding> for FindingView {
    fn from(f: &Finding) -> Self {
        let source = serde_json::to_value(f.baseline_source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            kind: f.kind.as_str().to_owned(),
            severity: f.severity.as_str().to_owned(),
            figure: f.figure,
            baseline: f.baseline,
            baseline_source: source,
            change_percent: f.change_percent,
            history_weeks: f.history_weeks,
            history_days: f.history_days,
            first_day: f.first_day,
            last_day: f.last_day,
            sample: f.sample,
            reason: f.reason.map(|r| r.as_str().to_owned()),
            hour: f.hour,
            reason_share_percent: f.reason_share_percent,
            weekday: f.weekday.map(|w| {
                ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][w.num_days_from_monday() as usize]
                    .to_owned()
            }),
            hour_share_percent: f.hour_share_percent,
            hour_baseline_share_percent: f.hour_baseline_share_percent,
        }
    }
}

/// One entry of the check or rectification list (SUP-03).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub device_id: i64,
    pub device_number: String,
    pub device_unit_id: i64,
    pub raised_unit_id: i64,
    /// analysis or warning.
    pub origin: String,
    /// raised, rechecked, fixed_on_spot, planned, submitted, accepted.
    pub state: String,
    /// On the rectification list (a plan with a deadline, not yet accepted).
    pub rectification: bool,
    pub period_first: Option<NaiveDate>,
    pub period_last: Option<NaiveDate>,
    pub raised_on: NaiveDate,
    pub deadline: NaiveDate,
    pub progress_percent: i32,
    /// 0 when not overdue; one more per configured number of days overdue.
    pub escalation_level: u8,
    /// managing_unit, raising_unit or nobody.
    pub waiting_on: String,
    /// The SUP-04 reason the device is suspended for until accepted.
    pub suspended_for: Option<String>,
    pub findings: Vec<FindingView>,
}

impl ItemView {
    pub fn of(row: &CheckItem, today: NaiveDate, cfg: &ListConfig) -> AppResult<Self> {
        let item = domain_item(row)?;
        let findings: Vec<Finding> = serde_json::from_str(&row.findings).unwrap_or_default();
        Ok(Self {
            id: row.id,
            device_id: row.device_id,
            device_number: row.device_number.clone(),
            device_unit_id: row.device_unit_id,
            raised_unit_id: row.raised_unit_id,
            origin: row.origin.as_str().to_owned(),
            state: row.state.as_str().to_owned(),
            rectification: row.state.on_rectification_list(),
            period_first: row.period_first,
            period_last: row.period_last,
            raised_on: row.raised_on,
            deadline: row.deadline,
            progress_percent: row.progress_percent,
            escalation_level: escalation_level(&item, today, cfg),
            waiting_on: party(waiting_on(&item)).to_owned(),
            suspended_for: row.suspended_for.clone(),
            findings: findings.iter().map(FindingView::from).collect(),
        })
    }
}

fn party(p: Party) -> &'static str {
    match p {
        Party::ManagingUnit => "managing_unit",
        Party::RaisingUnit => "raising_unit",
        Party::Nobody => "nobody",
    }
}

/// SUP-07: one step, with the person who took it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StepView {
    /// raise, warn, recheck, fix_on_spot, plan, report_progress, submit, accept, send_back.
    pub kind: String,
    pub by_user_id: Option<i64>,
    /// The person's name ("system" for the analysis job).
    pub by: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

impl From<CheckStep> for StepView {
    fn from(s: CheckStep) -> Self {
        Self {
            kind: s.kind.as_str().to_owned(),
            by_user_id: s.actor_user_id,
            by: s.actor,
            unit_id: s.unit_id,
            unit_name: s.unit_name,
            at: s.at,
            note: s.note,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemPage {
    pub item: ItemView,
    pub steps: Vec<StepView>,
    /// The steps this person may take now (the forms on the page).
    pub actions: Vec<String>,
}

/// AUD-09: one complaint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    pub id: i64,
    /// phone, web or media.
    pub channel: String,
    /// device, record or unit.
    pub target_kind: String,
    pub target_id: i64,
    pub device_id: Option<i64>,
    pub handling_unit_id: i64,
    /// registered, checking, answered, closed.
    pub state: String,
    pub summary: String,
    pub registered_by: i64,
    pub registered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub checked_by: Option<i64>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<DateTime<Utc>>,
    /// upheld or not_upheld.
    pub result: Option<String>,
    pub answer: String,
    pub closed_by: Option<i64>,
}

impl ComplaintView {
    pub fn of(c: ComplaintRow, now: DateTime<Utc>) -> Self {
        Self {
            id: c.id,
            channel: c.channel.as_str().to_owned(),
            target_kind: c.target_kind.as_str().to_owned(),
            target_id: c.target_id,
            device_id: c.device_id,
            handling_unit_id: c.handling_unit_id,
            state: c.state.as_str().to_owned(),
            overdue: c.state.is_unanswered() && c.due_at <= now,
            summary: c.summary,
            registered_by: c.registered_by,
            registered_at: c.registered_at,
            due_at: c.due_at,
            checked_by: c.checked_by,
            answered_by: c.answered_by,
            answered_at: c.answered_at,
            result: c.result,
            answer: c.answer,
            closed_by: c.closed_by,
        }
    }
}

/// What an analysis run did (SUP-02).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    pub period_first: Option<NaiveDate>,
    pub period_last: Option<NaiveDate>,
    pub devices: usize,
    pub abnormal: usize,
    /// Items newly raised (a device already on the list for the period is not raised again).
    pub raised: Vec<i64>,
}
