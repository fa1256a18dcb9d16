//! What the device jobs do: deadlines are data (DESIGN.md), and these move what is due so
//! nothing depends on someone remembering. Each device is handled in its own transaction, so
//! one bad row never holds up the rest.

use chrono::Datelike;
use roadwarden_domain::device::lifecycle::Step;
use roadwarden_domain::device::upkeep::{check_calibration, cleanup_reasons, CalibrationCheck};
use roadwarden_domain::device::{AlertKind, DeviceState, SuspensionReason};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::DeviceId;
use roadwarden_store::device_records;
use roadwarden_store::devices::{self, DueColumn};
use serde_json::json;

use super::lifecycle::run_step;
use super::upkeep::cleanup_window;
use crate::error::AppResult;
use crate::services::audit::Actor;
use crate::services::context::ServiceContext;

/// Counts of what a run moved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub notices_ended: usize,
    pub evaluations_due: usize,
    pub trials_ready: usize,
}

/// DEV-04..06: notices that have run go to trial; devices whose evaluation is due are marked;
/// trials that may end are announced to the managing unit.
pub async fn move_deadlines(ctx: &ServiceContext) -> AppResult<Moved> {
    let now = ctx.clock.now();
    let mut moved = Moved::default();
    let mut tx = ctx.store.begin_read().await?;
    let notices = devices::due(
        &mut tx,
        DeviceState::PublicNotice,
        DueColumn::NoticeEnds,
        now,
    )
    .await?;
    let evaluations =
        devices::due(&mut tx, DeviceState::InUse, DueColumn::EvaluationDue, now).await?;
    let trials = devices::due(&mut tx, DeviceState::Trial, DueColumn::TrialMinEnd, now).await?;
    drop(tx);
    for id in notices {
        if step_one(ctx, id, DeviceState::PublicNotice, Step::NoticeEnded).await? {
            moved.notices_ended += 1;
        }
    }
    for id in evaluations {
        if step_one(ctx, id, DeviceState::InUse, Step::EvaluationFallsDue).await? {
            moved.evaluations_due += 1;
            alert(
                ctx,
                id,
                AlertKind::EvaluationDue,
                "DEV-06: the effectiveness evaluation is due",
                &format!("evaluation:{id}:{}", now.date_naive()),
            )
            .await?;
        }
    }
    for id in trials {
        if alert(
            ctx,
            id,
            AlertKind::TrialMayEnd,
            "DEV-05: the minimum trial has run; formal use may start once registered",
            &format!("trial:{id}"),
        )
        .await?
        {
            moved.trials_ready += 1;
        }
    }
    Ok(moved)
}

/// Takes one step on a device if it is still in `expected` (another replica may have moved it).
async fn step_one(
    ctx: &ServiceContext,
    id: DeviceId,
    expected: DeviceState,
    step: Step,
) -> AppResult<bool> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let Some(device) = devices::get_for_update(&mut tx, id).await? else {
        return Ok(false);
    };
    if device.state != expected {
        return Ok(false);
    }
    match run_step(
        ctx,
        &mut tx,
        &Actor::system(),
        &device,
        step,
        "",
        json!({ "by": "schedule" }),
        now,
    )
    .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(true)
        }
        Err(e) => {
            tracing::warn!(device = id.0, step = step.name(), error = %e, "device step refused");
            Ok(false)
        }
    }
}

async fn alert(
    ctx: &ServiceContext,
    id: DeviceId,
    kind: AlertKind,
    detail: &str,
    key: &str,
) -> AppResult<bool> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let Some(device) = devices::get(&mut tx, id).await? else {
        return Ok(false);
    };
    let added =
        device_records::add_alert(&mut tx, id, &device.unit_path, kind, detail, key, now).await?;
    tx.commit().await?;
    Ok(added)
}

/// DEV-13 / SUP-05: a measuring device without a valid certificate is suspended; one whose
/// certificate expires within the warning period is announced to its managing unit.
pub async fn check_calibrations(ctx: &ServiceContext) -> AppResult<(usize, usize)> {
    let now = ctx.clock.now();
    let warn_days = ctx.settings.devices.calibration_warning_days;
    let mut tx = ctx.store.begin_read().await?;
    let ids = devices::measuring_in_service(&mut tx).await?;
    drop(tx);
    let (mut suspended, mut warned) = (0, 0);
    for id in ids {
        let mut tx = ctx.store.begin().await?;
        let Some(device) = devices::get_for_update(&mut tx, id).await? else {
            continue;
        };
        let today = now.with_timezone(&device.tz()).date_naive();
        let periods = device_records::calibration_periods(&mut tx, id).await?;
        match check_calibration(&periods, today, warn_days) {
            CalibrationCheck::Valid => continue,
            CalibrationCheck::ExpiresSoon { valid_until } => {
                let detail =
                    format!("DEV-13: the calibration certificate expires on {valid_until}");
                if device_records::add_alert(
                    &mut tx,
                    id,
                    &device.unit_path,
                    AlertKind::CalibrationExpiring,
                    &detail,
                    &format!("calibration:{id}:{valid_until}"),
                    now,
                )
                .await?
                {
                    warned += 1;
                }
            }
            CalibrationCheck::Invalid => {
                if !matches!(
                    device.state,
                    DeviceState::Trial | DeviceState::InUse | DeviceState::EvaluationDue
                ) {
                    continue;
                }
                run_step(
                    ctx,
                    &mut tx,
                    &Actor::system(),
                    &device,
                    Step::Suspend {
                        reason: SuspensionReason::CalibrationInvalid,
                    },
                    "SUP-05: no valid calibration certificate",
                    json!({ "reason_code": "calibration_invalid" }),
                    now,
                )
                .await?;
                device_records::add_alert(
                    &mut tx,
                    id,
                    &device.unit_path,
                    AlertKind::CalibrationInvalid,
                    "SUP-05: suspended for want of a valid calibration certificate",
                    &format!("calibration-invalid:{id}:{today}"),
                    now,
                )
                .await?;
                suspended += 1;
            }
        }
        tx.commit().await?;
    }
    Ok((suspended, warned))
}

/// DEV-12: builds this year's clean-up list.
pub async fn build_cleanup_list(ctx: &ServiceContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    let window = cleanup_window(ctx);
    let everything = UnitPath::from_stored("/".into());
    let mut tx = ctx.store.begin_read().await?;
    let all = devices::all_in_scope(&mut tx, &everything).await?;
    drop(tx);
    let mut tx = ctx.store.begin().await?;
    let mut added = 0;
    for d in all.iter().filter(|d| d.state != DeviceState::Retired) {
        let reasons = cleanup_reasons(
            d.kind.enforces(),
            d.installed_at,
            d.last_valid_capture_at,
            d.last_patrol_at,
            now,
            window,
        );
        if reasons.is_empty() {
            continue;
        }
        let year = now.with_timezone(&d.tz()).year();
        let names: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
        if device_records::add_cleanup_item(
            &mut tx,
            year,
            d.id,
            &d.unit_path,
            &names.join(","),
            now,
        )
        .await?
        {
            added += 1;
        }
    }
    tx.commit().await?;
    Ok(added)
}
