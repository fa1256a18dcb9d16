//! DAT-02, DAT-03, SEC-07 pages: the application form and inbox — filed by the business, signed
//! off by the head, run by technology, handed over with the head's consent — and (in
//! `partners.rs`) the interface registry, partners, grants and usage. Every form goes through
//! `services::sharing`, as the API does.

pub mod partners;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use minijinja::{context, Value};
use roadwarden_domain::sharing::{AppKind, AppState as ApplicationState, Dataset, Purpose};
use roadwarden_domain::FieldError;
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{SharingApplicants, SharingApprovers, SharingOperators, SharingReaders};
use crate::services::sharing::applications::{self, ApplicationInput, ReleaseInput};
use crate::state::AppState;
use crate::views::sharing::ApplicationView;

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    ok: Option<String>,
}

/// The applications in scope, with the form to file one and each role's buttons.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<SharingReaders>,
    meta: RequestMeta,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let rows = applications::list(&state, &user, &meta, None).await?;
    let rows: Vec<ApplicationView> = rows.into_iter().map(Into::into).collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/sharing",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => Value::from_serialize(&rows),
            kinds => AppKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            // What partners submit is never applied for.
            datasets => Dataset::ALL
                .iter()
                .filter(|d| !matches!(d, Dataset::CorrectionRequests | Dataset::ScreenedOffenders))
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
            purposes => Purpose::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            may_apply => user.may::<SharingApplicants>(),
            may_decide => user.may::<SharingApprovers>(),
            may_run => user.may::<SharingOperators>(),
            me => user.user.id.0,
            requested => ApplicationState::Requested.as_str(),
            approved => ApplicationState::Approved.as_str(),
            run => ApplicationState::Run.as_str(),
            released => ApplicationState::Released.as_str(),
            export => AppKind::Export.as_str(),
        },
    );
    Ok(render("sharing.html", ctx)?.into_response())
}

/// The application form: dates are whole days (from the first day's start to the end of the
/// last day, UTC).
#[derive(Debug, Deserialize)]
pub struct ApplicationForm {
    kind: String,
    dataset: String,
    #[serde(default)]
    requesting_body: String,
    purpose: String,
    purpose_text: String,
    span_from: String,
    span_to: String,
}

fn day(field: &'static str, raw: &str, plus: i64) -> AppResult<chrono::DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "is a date, YYYY-MM-DD"))?;
    let t = d.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::days(plus);
    Ok(Utc.from_utc_datetime(&t))
}

pub async fn create(
    State(state): State<AppState>,
    user: Require<SharingApplicants>,
    meta: RequestMeta,
    FormBody(f): FormBody<ApplicationForm>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let input = ApplicationInput {
        kind: f.kind,
        dataset: f.dataset,
        requesting_body: f.requesting_body,
        purpose: f.purpose,
        purpose_text: f.purpose_text,
        span_from: day("span_from", &f.span_from, 0)?,
        // The last day is whole, but a span never ends after now.
        span_to: day("span_to", &f.span_to, 1)?.min(now),
    };
    applications::file(&state, &user, &meta, &input).await?;
    Ok(Redirect::to("/sharing?ok=sharing_filed").into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    user: Require<SharingApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    applications::decide(&state, &user, &meta, id, None).await?;
    Ok(Redirect::to("/sharing?ok=sharing_decided").into_response())
}

#[derive(Debug, Deserialize)]
pub struct RefuseForm {
    reason: String,
}

pub async fn refuse(
    State(state): State<AppState>,
    user: Require<SharingApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<RefuseForm>,
) -> AppResult<Response> {
    applications::decide(&state, &user, &meta, id, Some(&f.reason)).await?;
    Ok(Redirect::to("/sharing?ok=sharing_decided").into_response())
}

pub async fn run(
    State(state): State<AppState>,
    user: Require<SharingOperators>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    applications::run(&state, &user, &meta, id).await?;
    Ok(Redirect::to("/sharing?ok=sharing_run").into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReleaseForm {
    recipient: String,
    #[serde(default)]
    note: String,
}

pub async fn release(
    State(state): State<AppState>,
    user: Require<SharingApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<ReleaseForm>,
) -> AppResult<Response> {
    let input = ReleaseInput {
        recipient: f.recipient,
        note: f.note,
    };
    applications::release(&state, &user, &meta, id, &input).await?;
    Ok(Redirect::to("/sharing?ok=sharing_released").into_response())
}

/// The released file, as the API gives it (audited in the service).
pub async fn result(
    State(state): State<AppState>,
    user: Require<SharingReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    use axum::http::header;
    let (name, bytes) = applications::result(&state, &user, &meta, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
