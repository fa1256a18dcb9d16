//! REV-05: reports from the public, without signing in: `POST /api/v1/public/report-codes`
//! sends the one-time code that proves the reporter's phone, `POST /api/v1/public/reports`
//! (multipart) takes the report with 1 to 3 JPEG photos, and `GET /api/v1/public/report-options`
//! lists the counties and violation types a report may name.

use axum::extract::multipart::Field;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use bytes::{Bytes, BytesMut};
use roadwarden_domain::device::violations as catalogue;
use roadwarden_domain::org::{Level, UnitPath};
use roadwarden_domain::FieldError;
use roadwarden_store::units;
use serde::Serialize;

use crate::context::RequestMeta;
use crate::edge::JsonBody;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::captures::public_reports::{
    self, Channel, CodeRequest, CodeSent, ReportInput, ReportReceipt,
};
use crate::state::AppState;

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
    let input = report_form(&state, form).await?;
    let receipt = public_reports::submit(&state, &meta, Channel::Api, input).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// Reads the report form (shared with the public page). Each photo is read up to the image
/// limit and no further, each text field up to 1 kB, and no more photos than a capture may
/// carry (plus one, so the count check can name the limit).
pub async fn report_form(state: &AppState, mut form: Multipart) -> AppResult<ReportInput> {
    let limits = &state.settings.captures;
    let mut input = ReportInput::default();
    let bad = || FieldError::new("body", "is not a readable form");
    while let Some(mut field) = form.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let is_file = field.file_name().is_some_and(|f| !f.is_empty());
            let bytes = read_capped(&mut field, limits.max_image_bytes).await?;
            if is_file && !bytes.is_empty() {
                if input.photos.len() > limits.max_images {
                    return Err(FieldError::new(
                        "images",
                        format!("at most {} images per capture", limits.max_images),
                    )
                    .into());
                }
                input.photos.push(bytes);
            }
            continue;
        }
        let bytes = read_capped(&mut field, 1024).await?;
        let value = String::from_utf8(bytes.to_vec()).map_err(|_| bad())?;
        match name.as_str() {
            "unit" => input.unit = value,
            "plate" => input.plate = value,
            "plate_colour" => input.plate_colour = value,
            "vehicle_type" => input.vehicle_type = value,
            "violation_code" => input.violation_code = value,
            "place" => input.place = value,
            "captured_at" => input.captured_at = value,
            "phone" => input.phone = value,
            "code" => input.code = value,
            "lang" => input.lang = value,
            _ => {}
        }
    }
    if input.plate_colour.trim().is_empty() {
        input.plate_colour = "unknown".into();
    }
    Ok(input)
}

async fn read_capped(field: &mut Field<'_>, cap: usize) -> AppResult<Bytes> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(cap)
        } else {
            FieldError::new("body", "is not a readable form").into()
        }
    })? {
        if buf.len() + chunk.len() > cap {
            return Err(AppError::TooLarge(cap));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportUnit {
    pub code: String,
    pub name: String,
    /// CN or VN.
    pub country: String,
    pub violation_types: Vec<super::public::PublicViolation>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportOptions {
    pub units: Vec<ReportUnit>,
    pub plate_colours: Vec<String>,
}

/// The counties a report may concern, each with its country's violation types, named in
/// `lang` (zh-CN by default).
pub async fn options(state: &AppState, lang: Lang) -> AppResult<ReportOptions> {
    let mut tx = state.store.begin_read().await?;
    let all = units::subtree(&mut tx, &UnitPath::from_stored("/".into())).await?;
    let units = all
        .into_iter()
        .filter(|u| u.level == Level::County)
        .map(|u| ReportUnit {
            violation_types: catalogue::of_country(u.country)
                .map(|v| super::public::PublicViolation {
                    code: v.code.to_owned(),
                    name: v.name(lang.code()).to_owned(),
                })
                .collect(),
            code: u.code,
            name: u.name,
            country: u.country.code().to_owned(),
        })
        .collect();
    Ok(ReportOptions {
        units,
        plate_colours: [
            "blue",
            "yellow",
            "green",
            "yellow_green",
            "white",
            "black",
            "unknown",
        ]
        .map(str::to_owned)
        .to_vec(),
    })
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
    Ok(Json(options(&state, lang).await?))
}
