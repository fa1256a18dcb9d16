//! RID-12, RID-14: the rider services' API, the twin of the `/public/riders` page. A rider asks
//! for a code (`POST /api/v1/public/riders/codes`, the ID number in the body), proves it
//! (`POST /api/v1/public/riders/session`: the session comes back as an HttpOnly, SameSite=Strict
//! cookie, never in the body), then reads their record, their photos, takes the quiz and answers
//! the survey with that cookie. Case studies and penalties need no proof.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{
    rider_cookie, rider_cookie_cleared, JsonBody, Path, Query, RecordId, RiderToken,
};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::RiderAssessors;
use crate::services::riders::persons::PhotoKind;
use crate::services::riders::public::content::{self, CaseView, PenaltyView};
use crate::services::riders::public::proof::{
    self, RiderCodeAnswer, RiderCodeRequest, RiderProof, RiderSessionView,
};
use crate::services::riders::public::quiz::{self, QuizAnswers, QuizResult, QuizView};
use crate::services::riders::public::record::{self, RiderRecord};
use crate::services::riders::public::survey::{self, SurveyInput, SurveyReceipt, SurveySummary};
use crate::state::AppState;

/// RID-12 step one: a code to the phone on file. The answer is the same whether or not the
/// number is on file.
#[utoipa::path(post, path = "/api/v1/public/riders/codes", tag = "public", security(()),
    request_body = RiderCodeRequest,
    responses((status = 202, body = RiderCodeAnswer), (status = 422, description = "not an ID number"),
        (status = 429, description = "too many codes for this number or from this address"),
        (status = 503, description = "no SMS gateway is configured")))]
pub async fn request_code(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<RiderCodeRequest>,
) -> AppResult<(StatusCode, Json<RiderCodeAnswer>)> {
    let answer = proof::request_code(&state, &meta, &input).await?;
    Ok((StatusCode::ACCEPTED, Json(answer)))
}

/// RID-12 step two: the ID number and the code open a session bound to that person, carried
/// by the `rw_rider` cookie (HttpOnly, SameSite=Strict).
#[utoipa::path(post, path = "/api/v1/public/riders/session", tag = "public", security(()),
    request_body = RiderProof,
    responses((status = 201, body = RiderSessionView, headers(("set-cookie" = String, description = "rw_rider=…; HttpOnly; SameSite=Strict"))),
        (status = 422, description = "the number or the code is not right (the same answer for a number not on file)")))]
pub async fn open_session(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<RiderProof>,
) -> AppResult<Response> {
    let opened = proof::prove(&state, &meta, &input).await?;
    let max_age = (opened.expires_at - state.clock.now()).num_seconds();
    let cookie = rider_cookie(&opened.token, max_age, state.settings.secure_cookies());
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        Json(RiderSessionView {
            expires_at: opened.expires_at,
        }),
    )
        .into_response())
}

/// Ends the rider's session (signing out); answers 204 whether or not there was one.
#[utoipa::path(delete, path = "/api/v1/public/riders/session", tag = "public", security(()),
    responses((status = 204)))]
pub async fn end_session(
    State(state): State<AppState>,
    meta: RequestMeta,
    token: RiderToken,
) -> AppResult<Response> {
    proof::end(&state, &meta, token.as_deref()).await?;
    let cleared = rider_cookie_cleared(state.settings.secure_cookies());
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cleared)]).into_response())
}

/// RID-12: the proven rider's own record: events, tier and why, open tasks and measures, what
/// happens next. Audited, with the rider as the actor.
#[utoipa::path(get, path = "/api/v1/public/riders/me", tag = "public", security(()),
    responses((status = 200, body = RiderRecord), (status = 401, description = "no live rider session")))]
pub async fn me(
    State(state): State<AppState>,
    meta: RequestMeta,
    lang: Lang,
    token: RiderToken,
) -> AppResult<Json<RiderRecord>> {
    Ok(Json(
        record::own_record(&state, &meta, token.as_deref(), lang).await?,
    ))
}

/// RID-12, SEC-10: a photo of one of the proven rider's own confirmed events (`face` or
/// `scene`); anyone else's is "not found". Audited.
#[utoipa::path(get, path = "/api/v1/public/riders/me/events/{id}/photos/{kind}", tag = "public", security(()),
    params(("id" = i64, Path, description = "The event"), ("kind" = String, Path, description = "face or scene")),
    responses((status = 200, content_type = "image/jpeg"), (status = 401, description = "no live rider session"),
        (status = 404), (status = 422)))]
pub async fn photo(
    State(state): State<AppState>,
    meta: RequestMeta,
    token: RiderToken,
    Path(params): Path<(RecordId, String)>,
) -> AppResult<Response> {
    let (RecordId(id), kind) = params;
    let kind = PhotoKind::parse(&kind)?;
    let bytes = record::own_photo(&state, &meta, token.as_deref(), id, kind).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

/// RID-12: case studies, in the language asked for (`?lang=`, the cookie or Accept-Language).
#[utoipa::path(get, path = "/api/v1/public/riders/cases", tag = "public", security(()),
    responses((status = 200, body = Vec<CaseView>)))]
pub async fn cases(lang: Lang) -> Json<Vec<CaseView>> {
    Json(content::cases(lang))
}

/// RID-12: the penalties for the violations the capture points detect.
#[utoipa::path(get, path = "/api/v1/public/riders/penalties", tag = "public", security(()),
    responses((status = 200, body = Vec<PenaltyView>)))]
pub async fn penalties(lang: Lang) -> Json<Vec<PenaltyView>> {
    Json(content::penalties(lang))
}

/// RID-12: a safety quiz drawn from the bank for the proven rider.
#[utoipa::path(post, path = "/api/v1/public/riders/quiz", tag = "public", security(()),
    responses((status = 201, body = QuizView), (status = 401, description = "no live rider session"),
        (status = 429, description = "too many quizzes today")))]
pub async fn start_quiz(
    State(state): State<AppState>,
    meta: RequestMeta,
    lang: Lang,
    token: RiderToken,
) -> AppResult<(StatusCode, Json<QuizView>)> {
    let quiz = quiz::start(&state, &meta, token.as_deref(), lang).await?;
    Ok((StatusCode::CREATED, Json(quiz)))
}

/// RID-12, RID-09: the answers to the rider's quiz; a pass counts as self-study and closes the
/// open self-study measure.
#[utoipa::path(post, path = "/api/v1/public/riders/quiz/{id}/answers", tag = "public", security(()),
    params(("id" = i64, Path, description = "The quiz attempt")),
    request_body = QuizAnswers,
    responses((status = 200, body = QuizResult), (status = 401, description = "no live rider session"),
        (status = 404), (status = 422, description = "malformed, or answered already")))]
pub async fn answer_quiz(
    State(state): State<AppState>,
    meta: RequestMeta,
    lang: Lang,
    token: RiderToken,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<QuizAnswers>,
) -> AppResult<Json<QuizResult>> {
    Ok(Json(
        quiz::answer(&state, &meta, token.as_deref(), id, &input, lang).await?,
    ))
}

/// RID-14: the proven rider's satisfaction rating (1-5) with an optional comment.
#[utoipa::path(post, path = "/api/v1/public/riders/surveys", tag = "public", security(()),
    request_body = SurveyInput,
    responses((status = 201, body = SurveyReceipt), (status = 401, description = "no live rider session"),
        (status = 422), (status = 429, description = "too many answers today")))]
pub async fn give_survey(
    State(state): State<AppState>,
    meta: RequestMeta,
    lang: Lang,
    token: RiderToken,
    JsonBody(input): JsonBody<SurveyInput>,
) -> AppResult<(StatusCode, Json<SurveyReceipt>)> {
    let receipt = survey::give(&state, &meta, token.as_deref(), &input, lang).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct SurveyQuery {
    /// Months back, this one included: 1 to 24, 12 when absent.
    #[param(minimum = 1, maximum = 24)]
    pub months: Option<u32>,
}

/// RID-14: the survey's answers per month (count, average, per rating) for the reader's units.
#[utoipa::path(get, path = "/api/v1/rider-surveys", tag = "riders", params(SurveyQuery),
    responses((status = 200, body = SurveySummary), (status = 403), (status = 422)))]
pub async fn survey_summary(
    State(state): State<AppState>,
    user: Require<RiderAssessors>,
    meta: RequestMeta,
    Query(q): Query<SurveyQuery>,
) -> AppResult<Json<SurveySummary>> {
    Ok(Json(survey::summary(&state, &user, &meta, q.months).await?))
}
