//! RID-09..11: the task board (a grid worker's phone, an officer's desk) and the township's
//! assessment.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::rider::TaskState;
use serde::Deserialize;

use super::super::views::render;
use super::super::{flash, page_context, FormBody};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{MultipartBody, Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{GridWorkers, RiderAssessors, RiderOfficers, RiderTaskActors};
use crate::services::riders::tasks::{self, StepInput};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct BoardQuery {
    state: Option<String>,
    ok: Option<String>,
}

pub async fn board_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderTaskActors>,
    meta: RequestMeta,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let wanted = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(TaskState::parse(s)?),
        None => None,
    };
    let rows = tasks::board(&state, &user, &meta, wanted).await?;
    // RID-10 c: overdue tasks counted per village, most first.
    let mut overdue: Vec<(String, usize)> = Vec::new();
    for t in rows.iter().filter(|t| t.overdue) {
        match overdue.iter_mut().find(|(u, _)| *u == t.unit_name) {
            Some((_, n)) => *n += 1,
            None => overdue.push((t.unit_name.clone(), 1)),
        }
    }
    overdue.sort_by(|a, b| b.1.cmp(&a.1));
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders/tasks",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => Value::from_serialize(&rows),
            overdue => overdue,
            state => wanted.map(TaskState::as_str),
            states => TaskState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            is_grid_worker => user.may::<GridWorkers>(),
            is_officer => user.may::<RiderOfficers>(),
        },
    );
    Ok(render("riders/tasks.html", ctx)?.into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    user: Require<GridWorkers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    tasks::step(&state, &user, &meta, id, StepInput::Accept).await?;
    Ok(Redirect::to("/riders/tasks?ok=rider_task_accepted").into_response())
}

pub async fn report(
    State(state): State<AppState>,
    user: Require<GridWorkers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    MultipartBody(form): MultipartBody,
) -> AppResult<Response> {
    let input = tasks::result_form(&state, form).await?;
    tasks::step(&state, &user, &meta, id, input).await?;
    Ok(Redirect::to("/riders/tasks?ok=rider_task_reported").into_response())
}

#[derive(Debug, Deserialize)]
pub struct EvaluateForm {
    /// pass or send_back.
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn evaluate(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<EvaluateForm>,
) -> AppResult<Response> {
    let input = match f.decision.as_str() {
        "pass" => StepInput::Pass,
        "send_back" => StepInput::SendBack { reason: f.reason },
        _ => {
            return Err(
                roadwarden_domain::FieldError::new("decision", "must be pass or send_back").into(),
            )
        }
    };
    tasks::step(&state, &user, &meta, id, input).await?;
    Ok(Redirect::to("/riders/tasks?state=reported&ok=rider_task_evaluated").into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
}

pub async fn assessment_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderAssessors>,
    meta: RequestMeta,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let a = tasks::assessment(&state, &user, &meta, q.month.as_deref()).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders/assessment",
        context! { a => Value::from_serialize(&a) },
    );
    Ok(render("riders/assessment.html", ctx)?.into_response())
}
