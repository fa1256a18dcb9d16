//! Device upkeep forms (DEV-10, DEV-13, DEV-15: calibrations, patrols, faults, the operation
//! log) and the DEV-11 report page with the DEV-12 clean-up list.

use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use minijinja::{context, Value};
use roadwarden_domain::{DeviceId, FieldError};
use serde::Deserialize;

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::DeviceManagers;
use crate::services::devices::reads;
use crate::services::devices::upkeep::{
    self, CalibrationInput, FaultInput, FixInput, OperationInput, PatrolInput, Scan,
};
use crate::state::AppState;
use crate::ui::views::render;
use crate::ui::{flash, page_context, FormBody};

use super::back;

pub async fn add_calibration(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let id = DeviceId(id);
    let mut input = CalibrationInput::default();
    let mut scan = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| FieldError::new("form", e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "scan" {
            let file = field.file_name().unwrap_or("scan").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| FieldError::new("scan", e.body_text()))?;
            if !bytes.is_empty() {
                scan = Some(Scan {
                    name: file,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|e| FieldError::new("form", e.body_text()))?;
        match name.as_str() {
            "issuer" => input.issuer = value,
            "certificate_no" => input.certificate_no = value,
            "valid_from" => input.valid_from = value,
            "valid_until" => input.valid_until = value,
            _ => {}
        }
    }
    upkeep::add_calibration(&state, &user, &meta, id, &input, scan).await?;
    Ok(back(id, "calibration_recorded"))
}

#[derive(Debug, Deserialize)]
pub struct PatrolForm {
    #[serde(default)]
    patrolled_at: String,
    patroller: String,
    #[serde(default)]
    conforming: Option<String>,
    status: String,
    #[serde(default)]
    findings: String,
}

pub async fn add_patrol(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<PatrolForm>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    let input = PatrolInput {
        patrolled_at: f.patrolled_at,
        patroller: f.patroller,
        conforming: f.conforming.as_deref() == Some("on"),
        status: f.status,
        findings: f.findings,
    };
    upkeep::add_patrol(&state, &user, &meta, id, &input).await?;
    Ok(back(id, "patrol_recorded"))
}

pub async fn open_fault(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<FaultInput>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    upkeep::open_fault(&state, &user, &meta, id, &f).await?;
    Ok(back(id, "fault_recorded"))
}

pub async fn fix_fault(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path((RecordId(id), RecordId(fid))): Path<(RecordId, RecordId)>,
    FormBody(f): FormBody<FixInput>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    upkeep::fix_fault(&state, &user, &meta, id, fid, &f).await?;
    Ok(back(id, "fault_fixed"))
}

pub async fn log_operation(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<OperationInput>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    upkeep::log_operation(&state, &user, &meta, id, &f).await?;
    Ok(back(id, "operation_recorded"))
}

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    month: Option<String>,
    maintainer: Option<String>,
    ok: Option<String>,
}

pub async fn report_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let report = upkeep::report(&state, &user, q.month.as_deref(), q.maintainer.as_deref()).await?;
    let tz: chrono_tz::Tz = user
        .user
        .unit_time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let year = state.clock.now().with_timezone(&tz).year();
    let cleanup = upkeep::cleanup_list(&state, &user, year).await?;
    let maintainers = reads::maintainers(&state, &user).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/device-report",
        context! { flash => flash(lang, q.ok.as_deref()), can_manage => user.may::<DeviceManagers>(), r => Value::from_serialize(&report), cleanup => cleanup.iter().map(|c| context! { id => c.id, device_id => c.device_id, number => c.number, name => c.name, resolution => c.resolution, reasons => c.reasons.split(',').collect::<Vec<_>>() }).collect::<Vec<_>>(), year => year, maintainers => maintainers, q => context! { month => q.month, maintainer => q.maintainer } },
    );
    Ok(render("device_report.html", ctx)?.into_response())
}

pub async fn resolve_cleanup(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(item)): Path<RecordId>,
    FormBody(f): FormBody<upkeep::CleanupDecision>,
) -> AppResult<Response> {
    upkeep::resolve_cleanup(&state, &user, &meta, item, &f).await?;
    Ok(Redirect::to("/device-report?ok=cleanup_resolved").into_response())
}
