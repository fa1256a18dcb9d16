//! SEC-06, DAT-01 pages: the data-modification form (reached from a violation record), the
//! requests with their before/after values, and the head's and the technology department's
//! buttons. Every form goes through `services::corrections`, as the API does.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::capture::correction::{CorrectionState, FactField};
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{record_id, Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{
    CorrectionApprovers, CorrectionExecutors, CorrectionReaders, CorrectionRequesters,
};
use crate::services::corrections::{self, CorrectionInput, FieldChange, Refusal};
use crate::state::AppState;
use crate::views::corrections::CorrectionView;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    violation: Option<String>,
    ok: Option<String>,
}

/// The requests in scope; with `violation`, that record's requests and the form to ask.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<CorrectionReaders>,
    meta: RequestMeta,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let violation = match q.violation.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => Some(record_id("violation", raw)?),
        None => None,
    };
    let rows = match violation {
        Some(v) => corrections::of_violation(&state, &user, v).await?,
        None => corrections::list(&state, &user, &meta, None).await?,
    };
    let rows: Vec<CorrectionView> = rows.into_iter().map(CorrectionView::from).collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/corrections",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => Value::from_serialize(&rows),
            violation => violation,
            fields => FactField::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            may_ask => user.may::<CorrectionRequesters>(),
            may_decide => user.may::<CorrectionApprovers>(),
            may_execute => user.may::<CorrectionExecutors>(),
            requested => CorrectionState::Requested.as_str(),
            approved => CorrectionState::Approved.as_str(),
        },
    );
    Ok(render("corrections.html", ctx)?.into_response())
}

/// The form: one input per fact field; a field left empty is not changed.
#[derive(Debug, Deserialize)]
pub struct RequestForm {
    violation_id: String,
    reason: String,
    #[serde(default)]
    plate: String,
    #[serde(default)]
    plate_colour: String,
    #[serde(default)]
    violation_code: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    place: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: Require<CorrectionRequesters>,
    meta: RequestMeta,
    FormBody(f): FormBody<RequestForm>,
) -> AppResult<Response> {
    let violation_id = record_id("violation_id", &f.violation_id)?;
    let changes = [
        ("plate", f.plate),
        ("plate_colour", f.plate_colour),
        ("violation_code", f.violation_code),
        ("occurred_at", f.occurred_at),
        ("place", f.place),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(field, value)| FieldChange {
        field: field.to_owned(),
        value,
    })
    .collect();
    let input = CorrectionInput {
        violation_id,
        changes,
        reason: f.reason,
    };
    corrections::request(&state, &user, &meta, &input).await?;
    Ok(Redirect::to(&format!(
        "/corrections?violation={violation_id}&ok=correction_requested"
    ))
    .into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    user: Require<CorrectionApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    corrections::approve(&state, &user, &meta, id).await?;
    Ok(Redirect::to("/corrections?ok=correction_decided").into_response())
}

#[derive(Debug, Deserialize)]
pub struct RefuseForm {
    reason: String,
}

pub async fn refuse(
    State(state): State<AppState>,
    user: Require<CorrectionApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<RefuseForm>,
) -> AppResult<Response> {
    let input = Refusal { reason: f.reason };
    corrections::refuse(&state, &user, &meta, id, &input).await?;
    Ok(Redirect::to("/corrections?ok=correction_decided").into_response())
}

pub async fn execute(
    State(state): State<AppState>,
    user: Require<CorrectionExecutors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    corrections::execute(&state, &user, &meta, id).await?;
    Ok(Redirect::to("/corrections?ok=correction_executed").into_response())
}
