//! REV-05: reports from the public, without signing in: `POST /api/v1/public/report-codes`
//! sends the one-time code that proves the reporter's phone, `POST /api/v1/public/reports`
//! (multipart) takes the report with 1 to 3 JPEG photos, and `GET /api/v1/public/report-options`
//! lists the counties and violation types a report may name.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::context::RequestMeta;
use crate::edge::JsonBody;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::services::captures::forms;
use crate::services::captures::public_reports::{
    self, Channel, CodeRequest, CodeSent, ReportReceipt,
};
use crate::state::AppState;
use crate::views::captures::ReportOptions;

/// The report form's fields (multipart/form-data).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ReportForm {
    /// The code of the county whose roads it concerns (see report-options).
    unit: String,
    plate: String,
    /// blue, yellow, green, yellow_green, white, black or unknown.
    plate_colour: Option<String>,
    vehicle_type: Option<String>,
    /// A violation type of the county's country (see report-options).
    violation_code: String,
    place: String,
    /// RFC 3339, or local `YYYY-MM-DDTHH:MM` in the county's time zone.
    captured_at: String,
    /// The reporter's mobile number, proven by `code`.
    phone: String,
    /// The one-time code sent to `phone`.
    code: String,
    /// zh-CN, en or vi.
    lang: Option<String>,
    /// 1 to 3 JPEG files.
    #[schema(value_type = Vec<String>, format = Binary)]
    photos: Vec<Vec<u8>>,
}

/// REV-05 contact proof: sends a one-time code to the reporter's phone.
#[utoipa::path(post, path = "/api/v1/public/report-codes", tag = "public", security(()),
    request_body = CodeRequest,
    responses((status = 201, body = CodeSent), (status = 422), (status = 429, description = "too many codes for this phone or from this address"),
        (status = 503, description = "no SMS gateway, or it did not take the message")))]
pub async fn request_code(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<CodeRequest>,
) -> AppResult<(StatusCode, Json<CodeSent>)> {
    let sent = public_reports::request_code(&state, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// REV-05: a report from the public. It enters the review queue of the county, flagged as a
/// public report, once the phone's code is checked.
#[utoipa::path(post, path = "/api/v1/public/reports", tag = "public", security(()),
    request_body(content = ReportForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ReportReceipt), (status = 413), (status = 422),
        (status = 429, description = "too many reports from this phone or address")))]
pub async fn submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    crate::edge::MultipartBody(form): crate::edge::MultipartBody,
) -> AppResult<(StatusCode, Json<ReportReceipt>)> {
    let input = forms::report_form(&state, form).await?;
    let receipt = public_reports::submit(&state, &meta, Channel::Api, input).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct OptionsQuery {
    /// zh-CN, en or vi.
    pub lang: Option<String>,
}

/// What a report may name: counties, their violation types, plate colours.
#[utoipa::path(get, path = "/api/v1/public/report-options", tag = "public", security(()),
    params(OptionsQuery), responses((status = 200, body = ReportOptions)))]
pub async fn list_options(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<OptionsQuery>,
) -> AppResult<Json<ReportOptions>> {
    let lang = q
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::ZhCn);
    Ok(Json(public_reports::options(&state, lang).await?))
}
