//! Checking one ledger row: the device's fields, its managing unit, and the history that
//! brings it into service (DEV-04, DEV-05).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::device::lifecycle::{
    after_days, after_months, check_formal_use_history, check_notice_before_trial, hold_for_review,
    EntryHistory,
};
use roadwarden_domain::device::upkeep::Certificate;
use roadwarden_domain::device::{DeviceKind, DeviceState, SuspensionReason};
use roadwarden_store::devices::NewDevice;
use roadwarden_store::units::{self, Unit};
use roadwarden_store::Tx;
use serde_json::json;

use super::super::registry::{managing_unit, parse_time, validate_fields, DeviceInput};
use crate::error::AppError;
use crate::services::context::ServiceContext;
use crate::services::Authority;

pub(super) type RowResult =
    Result<(NewDevice, Option<Certificate>, serde_json::Value), (String, String)>;

pub(super) async fn check_row(
    ctx: &ServiceContext,
    tx: &mut Tx,
    authority: Authority<'_>,
    get: &(dyn Fn(&str) -> String + Sync),
    units_by_code: &mut HashMap<String, Result<Unit, String>>,
    now: DateTime<Utc>,
) -> RowResult {
    let err = |field: &str, reason: String| (field.to_owned(), reason);
    let app = |e: AppError| match &e {
        AppError::BadInput(f) => (f.field.to_owned(), f.reason.clone()),
        AppError::Rule(r) => (
            rule_field(r.rule).into(),
            format!("{} ({})", r.message, r.rule),
        ),
        AppError::Conflict { field } => (field.clone(), "already exists".into()),
        AppError::NotFound(what) => (
            "unit_code".into(),
            format!("{what} not found in your scope"),
        ),
        other => ("row".into(), other.to_string()),
    };
    let kind_raw = get("kind");
    let kind = DeviceKind::parse(&kind_raw)
        .ok()
        .or_else(|| DeviceKind::from_code(&format!("{:0>2}", kind_raw)))
        .ok_or_else(|| {
            err(
                "kind",
                format!("'{kind_raw}' is not a device kind (DEV-01)"),
            )
        })?;
    let code = get("unit_code");
    let unit = match units_by_code.get(&code) {
        Some(found) => found.clone(),
        None => {
            let found = match units::get_by_code(tx, &code).await {
                Ok(Some(u)) => match managing_unit(tx, authority, u.id.0).await {
                    Ok(u) => Ok(u),
                    Err(e) => Err(app(e).1),
                },
                Ok(None) => Err(format!("no unit with code '{code}'")),
                Err(e) => Err(e.to_string()),
            };
            units_by_code.insert(code.clone(), found.clone());
            found
        }
    }
    .map_err(|reason| err("unit_code", reason))?;
    let split = |s: String| -> Vec<String> {
        s.split([';', '；', '、', '|', ','])
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let coord = |k: &str| -> Result<Option<f64>, (String, String)> {
        let v = get(k);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>()
            .map(Some)
            .map_err(|_| err(k, format!("'{v}' is not a number")))
    };
    let input = DeviceInput {
        number: get("number"),
        kind: kind.as_str().into(),
        unit_id: unit.id.0,
        name: get("name"),
        maintainer: get("maintainer"),
        leader: get("leader"),
        department: get("department"),
        violation_types: split(get("violation_types")),
        make: get("make"),
        model: get("model"),
        serial: get("serial"),
        mac: get("mac"),
        channel: get("channel"),
        road: get("road"),
        road_class: get("road_class"),
        km_marker: get("km_marker"),
        place: get("place"),
        nearest_village: get("nearest_village"),
        direction: get("direction"),
        longitude: coord("longitude")?,
        latitude: coord("latitude")?,
        measuring: None,
    };
    let fields = validate_fields(&input, kind, unit.country).map_err(app)?;
    let number = super::super::registry::fresh_number(ctx, tx, &input.number, kind, &unit)
        .await
        .map_err(app)?;
    let tz = unit.tz();
    let time = |k: &'static str| -> Result<Option<DateTime<Utc>>, (String, String)> {
        let v = get(k);
        if v.is_empty() {
            return Ok(None);
        }
        let t = parse_time(k, &v, tz).map_err(app)?;
        if t > now {
            return Err(err(k, "is in the future".into()));
        }
        Ok(Some(t))
    };
    let state_raw = get("state");
    let dev_state = DeviceState::parse(&state_raw)
        .map_err(|_| err("state", format!("'{state_raw}' is not a device state")))?;
    let installed = time("installed_on")?;
    let in_use_since = time("in_use_since")?;
    let notice_started = time("notice_started")?;
    let trial_started = time("trial_started")?;
    let evaluated = time("evaluated_on")?;
    let last_capture = time("last_valid_capture_on")?;
    let registered = time("registered_on")?;
    let platform_ref = get("platform_ref");
    let periods = ctx.settings.devices.periods();
    let mut new = NewDevice {
        number,
        kind,
        unit_id: unit.id,
        unit_path: unit.path.clone(),
        fields,
        state: dev_state,
        state_since: now,
        in_use_since: None,
        evaluation_due_at: None,
        trial_min_end_at: None,
        notice_ends_at: None,
        registered_at: registered,
        platform_ref,
        last_valid_capture_at: last_capture,
        resume_to: None,
        suspension_reason: None,
        installed_at: installed.or(in_use_since).or(trial_started).unwrap_or(now),
    };
    let mut unproven_reason: Option<String> = None;
    // Only the states a ledger can truthfully carry: anything under review or on notice is
    // proposed afresh in Roadwarden, so its review is on record.
    match dev_state {
        DeviceState::InUse | DeviceState::Stopped | DeviceState::Retired => {
            let since = in_use_since.ok_or_else(|| {
                err(
                    "in_use_since",
                    "a device that was in formal use names the date it began".into(),
                )
            })?;
            new.in_use_since = Some(since);
            new.state_since = if dev_state == DeviceState::InUse {
                since
            } else {
                now
            };
            if dev_state == DeviceState::InUse && kind.is_fixed() && registered.is_none() {
                return Err(err("registered_on", "a fixed device in formal use was registered with the command platform (DEV-07): give the date".into()));
            }
            let entry = EntryHistory {
                notice_started,
                trial_started,
                in_use_since: Some(since),
            };
            let proof = if dev_state == DeviceState::InUse {
                check_formal_use_history(kind, &entry, &periods, tz)
            } else {
                Ok(())
            };
            if let Err(unproven) = proof {
                // DEV-04, DEV-05: the same periods as a step into formal use. Without the dates
                // that prove them, the device comes in suspended for review, and the review
                // sends it through the whole notice and trial before it may enforce.
                hold(&mut new, &unproven, now, &periods, tz);
                unproven_reason = Some(format!("{} ({})", unproven.message, unproven.rule));
            } else if dev_state == DeviceState::InUse {
                new.notice_ends_at = notice_started.map(|t| after_days(t, periods.notice_days, tz));
                new.trial_min_end_at = trial_started.map(|t| after_days(t, periods.trial_days, tz));
                let due = after_months(since, periods.evaluation_months, tz);
                match evaluated {
                    // DEV-06 done before the ledger reached us: on record in the history.
                    Some(on) if on >= since => {}
                    Some(_) => {
                        return Err(err(
                            "evaluated_on",
                            "the evaluation comes after formal use began".into(),
                        ))
                    }
                    // Not evaluated: due when its time comes, or due now.
                    None => {
                        new.evaluation_due_at = Some(due);
                        if due <= now {
                            new.state = DeviceState::EvaluationDue;
                        }
                    }
                }
            }
        }
        DeviceState::Trial => {
            let started = trial_started.ok_or_else(|| {
                err(
                    "trial_started",
                    "a device in trial names the day its trial began".into(),
                )
            })?;
            new.state_since = started;
            new.trial_min_end_at = Some(after_days(started, periods.trial_days, tz));
            let entry = EntryHistory {
                notice_started,
                trial_started,
                in_use_since: None,
            };
            if let Err(unproven) = check_notice_before_trial(kind, &entry, &periods, tz) {
                hold(&mut new, &unproven, now, &periods, tz);
                unproven_reason = Some(format!("{} ({})", unproven.message, unproven.rule));
            } else {
                new.notice_ends_at = notice_started.map(|t| after_days(t, periods.notice_days, tz));
            }
        }
        other => {
            return Err(err(
                "state",
                format!(
                    "a ledger row may be in_use, trial, stopped or retired, not '{}'",
                    other.as_str()
                ),
            ))
        }
    }
    let cert_fields = [
        "calibration_issuer",
        "calibration_no",
        "calibration_valid_from",
        "calibration_valid_until",
    ];
    let any_cert = cert_fields.iter().any(|k| !get(k).is_empty());
    let certificate = if any_cert {
        Some(
            Certificate::parse(
                &get("calibration_issuer"),
                &get("calibration_no"),
                &get("calibration_valid_from"),
                &get("calibration_valid_until"),
            )
            .map_err(|e| err(&format!("calibration_{}", e.field), e.reason))?,
        )
    } else {
        None
    };
    // DEV-13: a measuring device in service has its certificate on file. One that has lapsed
    // is imported as it is, and the calibration check that follows the import suspends it
    // (SUP-05), so the ledger's history stays true.
    if new.fields.measuring
        && matches!(
            new.state,
            DeviceState::InUse | DeviceState::EvaluationDue | DeviceState::Trial
        )
        && certificate.is_none()
    {
        return Err(err(
            "calibration_no",
            "a measuring device in service has its calibration certificate on file (DEV-13)".into(),
        ));
    }
    // A measuring device whose certificate has lapsed comes in suspended (SUP-05), in the same
    // transaction, so it never enforces for a moment.
    let today = now.with_timezone(&tz).date_naive();
    if new.fields.measuring
        && matches!(
            new.state,
            DeviceState::InUse | DeviceState::EvaluationDue | DeviceState::Trial
        )
        && certificate.as_ref().is_some_and(|c| !c.valid_on(today))
    {
        new.resume_to = Some(new.state);
        new.suspension_reason =
            Some(roadwarden_domain::device::SuspensionReason::CalibrationInvalid);
        new.state = DeviceState::Suspended;
        new.state_since = now;
    }
    let history = json!({
        "state": new.state.as_str(), "installed_on": installed, "in_use_since": new.in_use_since,
        "notice_started": notice_started, "trial_started": trial_started,
        "registered_on": registered, "evaluated_on": evaluated, "ledger_state": dev_state.as_str(),
        "held_for_review": unproven_reason,
    });
    Ok((new, certificate, history))
}

/// DEV-04, DEV-05: a row whose way into service is not proven comes in suspended for review.
pub(super) fn hold(
    new: &mut NewDevice,
    unproven: &roadwarden_domain::RuleViolation,
    now: DateTime<Utc>,
    periods: &roadwarden_domain::device::lifecycle::Periods,
    tz: chrono_tz::Tz,
) {
    let h = hold_for_review(unproven, now, periods, tz);
    new.state = DeviceState::Suspended;
    new.state_since = now;
    new.resume_to = Some(h.resume_to);
    new.suspension_reason = Some(SuspensionReason::FormalUseNotProven);
    new.notice_ends_at = h.notice_ends_at;
    new.trial_min_end_at = h.trial_min_end_at;
    new.evaluation_due_at = None;
}

pub(super) fn rule_field(rule: &str) -> &'static str {
    match rule {
        "DEV-08" => "number",
        "DEV-09" => "location",
        "DEV-10" => "leader",
        _ => "row",
    }
}
