//! SEC-06, DAT-01 pages: the data-modification form (repeated rows, one per record, and files
//! to attach), the requests with their records' before/after values, one request's page with
//! its files, and the head's and the technology department's buttons. Every form goes through
//! `services::corrections`, as the API does.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::capture::correction::{self as rule, CorrectionState, FactField};
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{record_id, MultipartBody, Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{
    CorrectionApprovers, CorrectionExecutors, CorrectionReaders, CorrectionRequesters,
};
use crate::services::corrections::{self, form, Refusal};
use crate::state::AppState;
use crate::views::corrections::CorrectionView;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    violation: Option<String>,
    /// How many record rows the form shows (a link adds more).
    rows: Option<String>,
    ok: Option<String>,
}

/// The form's rows: three by default, never more than a request may name.
fn row_count(raw: Option<&str>) -> Option<usize> {
    raw.filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().unwrap_or(3).clamp(1, rule::MAX_RECORDS))
}

/// The requests in scope; with `violation`, that record's requests and the form to ask
/// (its first row naming the record); with `rows`, the form alone.
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
    let form_rows = row_count(q.rows.as_deref()).or(violation.map(|_| 3));
    let ctx = page_context(
        lang,
        Some(&user),
        "/corrections",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => Value::from_serialize(&rows),
            violation => violation,
            form_rows => form_rows.map(|n| (0..n).collect::<Vec<_>>()),
            more_rows => form_rows.map(|n| (n + 5).min(rule::MAX_RECORDS)),
            max_rows => rule::MAX_RECORDS,
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

#[derive(Debug, Deserialize, Default)]
pub struct ShowQuery {
    ok: Option<String>,
}

/// One request: its records with before/after, its files, and the buttons.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<CorrectionReaders>,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let c = corrections::get(&state, &user, id).await?;
    let may_files = corrections::may_read_files(&user, c.request.requested_by);
    // DAT-01: the one who asked adds files while the head has not decided.
    let may_add_files = c.request.requested_by == user.user.id.0
        && c.request.state == CorrectionState::Requested
        && c.attachments.len() < rule::MAX_ATTACHMENTS;
    let c = CorrectionView::from(c);
    let ctx = page_context(
        lang,
        Some(&user),
        "/corrections",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            c => Value::from_serialize(&c),
            may_files => may_files,
            may_add_files => may_add_files,
            may_decide => user.may::<CorrectionApprovers>(),
            may_execute => user.may::<CorrectionExecutors>(),
            requested => CorrectionState::Requested.as_str(),
            approved => CorrectionState::Approved.as_str(),
        },
    );
    Ok(render("correction.html", ctx)?.into_response())
}

/// DAT-01: the requester adds files to a request still awaiting the head's decision.
pub async fn add_files(
    State(state): State<AppState>,
    user: Require<CorrectionRequesters>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    MultipartBody(body): MultipartBody,
) -> AppResult<Response> {
    let files = form::files_form(body).await?;
    corrections::add_files(&state, &user, &meta, id, files).await?;
    Ok(Redirect::to(&format!("/corrections/{id}?ok=correction_files_added")).into_response())
}

/// A file of a request, shown in the browser (the read is recorded).
pub async fn attachment(
    State(state): State<AppState>,
    user: Require<CorrectionReaders>,
    meta: RequestMeta,
    Path(ids): Path<(RecordId, RecordId)>,
) -> AppResult<Response> {
    let (RecordId(id), RecordId(aid)) = ids;
    let (a, bytes) = corrections::attachment(&state, &user, &meta, id, aid).await?;
    Ok(crate::views::corrections::attachment_response(&a, bytes))
}

/// The form (multipart): rows `records[i].violation_id` and one input per fact field (a field
/// left empty is not changed, a row left empty is skipped), the reason and the files.
pub async fn create(
    State(state): State<AppState>,
    user: Require<CorrectionRequesters>,
    meta: RequestMeta,
    MultipartBody(body): MultipartBody,
) -> AppResult<Response> {
    let f = form::page_form(body).await?;
    let c = corrections::request(&state, &user, &meta, &f.input, f.files)
        .await
        .map_err(|e| form::on_page(e, &f.rows))?;
    Ok(Redirect::to(&format!(
        "/corrections/{}?ok=correction_requested",
        c.request.id
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
