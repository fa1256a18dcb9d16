//! RID-12, RID-14: the rider services page, without sign-in, made for a phone: prove who you
//! are (ID number, then the code sent to the phone on file), then your record, your tier and
//! why, what happens next, the case studies, the safety quiz and the satisfaction survey.
//! Everything goes through the same services as `/api/v1/public/riders/*`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use serde::Deserialize;

use super::super::views::render;
use super::super::{flash, page_context, FormBody};
use crate::auth::{Require, Visitor};
use crate::context::RequestMeta;
use crate::edge::{rider_cookie, rider_cookie_cleared, Path, RecordId, RiderToken};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::policy::RiderAssessors;
use crate::services::riders::persons::PhotoKind;
use crate::services::riders::public::content;
use crate::services::riders::public::proof::{self, RiderCodeRequest, RiderProof};
use crate::services::riders::public::quiz::{self, QuizAnswer, QuizAnswers};
use crate::services::riders::public::record;
use crate::services::riders::public::survey::{self, SurveyInput};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    ok: Option<String>,
}

/// The message key for a refusal the rider can act on; `None` for anything else.
fn refusal_key(e: &AppError) -> Option<&'static str> {
    Some(match e {
        AppError::BadInput(f) if f.field == "id_number" => "rider_public.err.id_number",
        AppError::BadInput(f) if f.field == "rating" => "rider_public.err.rating",
        AppError::BadInput(_) => "rider_public.err.other",
        AppError::Rule(r) if r.code == "rider.public_unproven" => "rider_public.err.unproven",
        AppError::Rule(r) if r.code == "rider.quiz_answered" => "rider_public.err.quiz_answered",
        AppError::Throttled(_) => "rider_public.err.throttled",
        AppError::Protocol { code, .. } if code.as_str() == "rider.public_session_required" => {
            "rider_public.err.session"
        }
        AppError::Protocol { .. } => "rider_public.err.sms",
        _ => return None,
    })
}

/// What the page shows besides the record: the step of the proof, the number entered, a
/// message.
#[derive(Default)]
struct Shown {
    /// `code` once a code was asked for: the number is carried in the form, never the URL.
    step: Option<&'static str>,
    id_number: String,
    flash: Option<String>,
    error: Option<&'static str>,
}

async fn page(
    state: &AppState,
    meta: &RequestMeta,
    lang: Lang,
    visitor: &Visitor,
    token: &RiderToken,
    shown: Shown,
) -> AppResult<Response> {
    let rec = if token.0.is_some() && shown.step.is_none() {
        match record::own_record(state, meta, token.as_deref(), lang).await {
            Ok(r) => Some(r),
            Err(e) if refusal_key(&e) == Some("rider_public.err.session") => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let ctx = page_context(
        lang,
        visitor.0.as_deref(),
        "/public/riders",
        context! {
            rec => rec.as_ref().map(Value::from_serialize),
            step => shown.step,
            id_number => shown.id_number,
            rider_flash => shown.flash,
            error => shown.error,
            cases => Value::from_serialize(content::cases(lang)),
            penalties => Value::from_serialize(content::penalties(lang)),
            code_minutes => state.settings.riders.public.code_minutes,
            pass_mark => state.settings.riders.public.quiz_pass_mark,
            quiz_questions => state.settings.riders.public.quiz_questions,
            visitor_csrf => visitor.csrf(),
        },
    );
    Ok(render("riders/public.html", ctx)?.into_response())
}

async fn refused(
    state: &AppState,
    meta: &RequestMeta,
    lang: Lang,
    visitor: &Visitor,
    token: &RiderToken,
    e: AppError,
    shown: Shown,
) -> AppResult<Response> {
    let Some(key) = refusal_key(&e) else {
        return Err(e);
    };
    let mut resp = page(
        state,
        meta,
        lang,
        visitor,
        token,
        Shown {
            error: Some(key),
            ..shown
        },
    )
    .await?;
    *resp.status_mut() = e.status();
    Ok(resp)
}

/// The page: the proof, or (with a live session) the rider's record.
pub async fn page_get(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    token: RiderToken,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let shown = Shown {
        flash: flash(lang, q.ok.as_deref()),
        ..Shown::default()
    };
    page(&state, &meta, lang, &visitor, &token, shown).await
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    id_number: String,
}

/// Step one from the page: the same answer whether or not the number is on file.
pub async fn send_code(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    token: RiderToken,
    FormBody(form): FormBody<CodeForm>,
) -> AppResult<Response> {
    let request = RiderCodeRequest {
        id_number: form.id_number.clone(),
    };
    let shown = Shown {
        id_number: form.id_number.trim().chars().take(32).collect(),
        ..Shown::default()
    };
    match proof::request_code(&state, &meta, &request).await {
        Ok(_) => {
            let shown = Shown {
                step: Some("code"),
                flash: flash(lang, Some("rider_public_code_sent")),
                ..shown
            };
            page(&state, &meta, lang, &visitor, &token, shown).await
        }
        Err(e) => refused(&state, &meta, lang, &visitor, &token, e, shown).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ProofForm {
    id_number: String,
    code: String,
}

/// Step two from the page: a right code opens the session (cookie) and shows the record.
pub async fn verify(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    token: RiderToken,
    FormBody(form): FormBody<ProofForm>,
) -> AppResult<Response> {
    let input = RiderProof {
        id_number: form.id_number.clone(),
        code: form.code,
    };
    match proof::prove(&state, &meta, &input).await {
        Ok(opened) => {
            let max_age = (opened.expires_at - state.clock.now()).num_seconds();
            let cookie = rider_cookie(&opened.token, max_age, state.settings.secure_cookies());
            Ok((
                [(header::SET_COOKIE, cookie)],
                Redirect::to("/public/riders"),
            )
                .into_response())
        }
        Err(e) => {
            let shown = Shown {
                step: Some("code"),
                id_number: form.id_number.trim().chars().take(32).collect(),
                ..Shown::default()
            };
            refused(&state, &meta, lang, &visitor, &token, e, shown).await
        }
    }
}

/// Signs the rider out.
pub async fn sign_out(
    State(state): State<AppState>,
    meta: RequestMeta,
    token: RiderToken,
) -> AppResult<Response> {
    proof::end(&state, &meta, token.as_deref()).await?;
    let cleared = rider_cookie_cleared(state.settings.secure_cookies());
    Ok((
        [(header::SET_COOKIE, cleared)],
        Redirect::to("/public/riders?ok=rider_public_signed_out"),
    )
        .into_response())
}

/// A photo of one of the rider's own events.
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

/// RID-12: a quiz drawn for the rider.
pub async fn quiz_start(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    token: RiderToken,
) -> AppResult<Response> {
    match quiz::start(&state, &meta, token.as_deref(), lang).await {
        Ok(q) => {
            let ctx = page_context(
                lang,
                visitor.0.as_deref(),
                "/public/riders",
                context! { quiz => Value::from_serialize(&q), visitor_csrf => visitor.csrf() },
            );
            Ok(render("riders/public_quiz.html", ctx)?.into_response())
        }
        Err(e) => refused(&state, &meta, lang, &visitor, &token, e, Shown::default()).await,
    }
}

/// RID-12: the answers (`q.<question id>` = the option's position); the result, with the
/// survey's form.
pub async fn quiz_answer(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    token: RiderToken,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(form): FormBody<HashMap<String, String>>,
) -> AppResult<Response> {
    let answers = QuizAnswers {
        answers: form
            .iter()
            .filter_map(|(k, v)| {
                Some(QuizAnswer {
                    question: k.strip_prefix("q.")?.to_owned(),
                    choice: v.trim().parse().ok()?,
                })
            })
            .take(50)
            .collect(),
    };
    match quiz::answer(&state, &meta, token.as_deref(), id, &answers, lang).await {
        Ok(result) => {
            let ctx = page_context(
                lang,
                visitor.0.as_deref(),
                "/public/riders",
                context! { result => Value::from_serialize(&result), visitor_csrf => visitor.csrf() },
            );
            Ok(render("riders/public_quiz.html", ctx)?.into_response())
        }
        Err(e) => refused(&state, &meta, lang, &visitor, &token, e, Shown::default()).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct SurveyForm {
    rating: String,
    comment: Option<String>,
    source: Option<String>,
}

/// RID-14: the rider's rating and comment.
pub async fn survey_give(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    token: RiderToken,
    FormBody(form): FormBody<SurveyForm>,
) -> AppResult<Response> {
    let input = SurveyInput {
        rating: form.rating.trim().parse().unwrap_or(0),
        comment: form.comment,
        source: form.source,
    };
    match survey::give(&state, &meta, token.as_deref(), &input, lang).await {
        Ok(_) => Ok(Redirect::to("/public/riders?ok=rider_public_survey_thanks").into_response()),
        Err(e) => refused(&state, &meta, lang, &visitor, &token, e, Shown::default()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SurveyQuery {
    months: Option<String>,
}

/// RID-14: the survey's answers per month for the officer's units.
pub async fn surveys_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderAssessors>,
    meta: RequestMeta,
    Query(q): Query<SurveyQuery>,
) -> AppResult<Response> {
    let months = q.months.as_deref().and_then(|m| m.trim().parse().ok());
    let s = survey::summary(&state, &user, &meta, months).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders/surveys",
        context! { s => Value::from_serialize(&s) },
    );
    let mut resp = render("riders/surveys.html", ctx)?.into_response();
    *resp.status_mut() = StatusCode::OK;
    Ok(resp)
}
