//! REV-05: the public report page (no sign-in), made for a phone: choose the county, ask for
//! a code to the mobile number, then send the plate, the violation, the place, the time and
//! 1 to 3 photos. Everything goes through the same service as the API.

use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};

use crate::auth::Visitor;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::captures::forms;
use crate::services::captures::outbox::colour_name;
use crate::services::captures::public_reports::{
    self, Channel, CodeRequest, ReportInput, ReportReceipt,
};
use crate::state::AppState;
use crate::ui::views::render;
use crate::ui::{flash, page_context, FormBody};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ReportQuery {
    unit: Option<String>,
    phone: Option<String>,
    ok: Option<String>,
}

/// The fields shown again after a refusal (never the photos or the code).
#[derive(Debug, Default, Serialize)]
struct Entered {
    unit: String,
    phone: String,
    plate: String,
    plate_colour: String,
    vehicle_type: String,
    violation_code: String,
    place: String,
    captured_at: String,
}

impl From<&ReportInput> for Entered {
    fn from(i: &ReportInput) -> Self {
        Self {
            unit: i.unit.clone(),
            phone: i.phone.clone(),
            plate: i.plate.clone(),
            plate_colour: i.plate_colour.clone(),
            vehicle_type: i.vehicle_type.clone(),
            violation_code: i.violation_code.clone(),
            place: i.place.clone(),
            captured_at: i.captured_at.clone(),
        }
    }
}

/// The message key for a refusal the reporter can act on; `None` for anything else.
fn refusal_key(e: &AppError) -> Option<String> {
    Some(match e {
        AppError::BadInput(f) => match f.field {
            "images" | "plate" | "plate_colour" | "unit" | "violation_code" | "place"
            | "captured_at" | "phone" | "vehicle_type" => format!("report.err.{}", f.field),
            _ => "report.err.other".to_owned(),
        },
        AppError::Rule(r) if r.code == "report.contact_unproven" => "report.err.code".into(),
        AppError::Throttled(_) => "report.err.throttled".into(),
        AppError::TooLarge(_) => "report.err.too_large".into(),
        AppError::Protocol { code, .. } if code.as_str().starts_with("report.") => {
            "report.err.sms".into()
        }
        _ => return None,
    })
}

async fn page(
    state: &AppState,
    lang: Lang,
    csrf: Option<String>,
    entered: Entered,
    flash_text: Option<String>,
    error: Option<String>,
    receipt: Option<ReportReceipt>,
) -> AppResult<Response> {
    let opts = public_reports::options(state, lang).await?;
    let unit = opts.units.iter().find(|u| u.code == entered.unit);
    // The colours plates have in the unit's country (Vietnam: white, yellow, blue).
    let colours: Vec<Value> = opts
        .plate_colours
        .iter()
        .filter(|c| match unit.map(|u| u.country.as_str()) {
            Some("VN") => matches!(c.as_str(), "white" | "yellow" | "blue" | "unknown"),
            _ => true,
        })
        .map(|c| context! { code => c, name => colour_name(c, lang.code()) })
        .collect();
    let ctx = page_context(
        lang,
        None,
        "/report",
        context! {
            units => Value::from_serialize(&opts.units),
            unit => unit.map(Value::from_serialize),
            plate_colours => colours,
            f => Value::from_serialize(&entered),
            flash => flash_text,
            error => error,
            receipt => receipt.map(|r| Value::from_serialize(&r)),
            code_minutes => state.settings.reports.code_minutes,
            max_photos => state.settings.captures.max_images,
            visitor_csrf => csrf,
        },
    );
    Ok(render("report.html", ctx)?.into_response())
}

/// The form: the county first, then the rest.
pub async fn report_page(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let entered = Entered {
        unit: q.unit.unwrap_or_default(),
        phone: q.phone.unwrap_or_default(),
        ..Entered::default()
    };
    page(
        &state,
        lang,
        visitor.csrf(),
        entered,
        flash(lang, q.ok.as_deref()),
        None,
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    unit: String,
    phone: String,
}

/// REV-05 contact proof from the page: the code goes to the phone, the page comes back.
pub async fn send_code(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    FormBody(form): FormBody<CodeForm>,
) -> AppResult<Response> {
    let request = CodeRequest {
        phone: form.phone.clone(),
    };
    match public_reports::request_code(&state, &meta, &request).await {
        Ok(_) => {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("unit", &form.unit);
            q.append_pair("phone", &form.phone);
            q.append_pair("ok", "report_code_sent");
            Ok(Redirect::to(&format!("/report?{}", q.finish())).into_response())
        }
        Err(e) => match refusal_key(&e) {
            Some(key) => {
                let entered = Entered {
                    unit: form.unit,
                    phone: form.phone,
                    ..Entered::default()
                };
                let mut resp =
                    page(&state, lang, visitor.csrf(), entered, None, Some(key), None).await?;
                *resp.status_mut() = e.status();
                Ok(resp)
            }
            None => Err(e),
        },
    }
}

/// The report itself (multipart, with the photos).
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    meta: RequestMeta,
    form: Multipart,
) -> AppResult<Response> {
    let mut input = match forms::report_form(&state, form).await {
        Ok(i) => i,
        Err(e) => {
            let Some(key) = refusal_key(&e) else {
                return Err(e);
            };
            let mut resp = page(
                &state,
                lang,
                visitor.csrf(),
                Entered::default(),
                None,
                Some(key),
                None,
            )
            .await?;
            *resp.status_mut() = e.status();
            return Ok(resp);
        }
    };
    lang.code().clone_into(&mut input.lang);
    let entered = Entered::from(&input);
    match public_reports::submit(&state, &meta, Channel::Web, input).await {
        Ok(receipt) => {
            page(
                &state,
                lang,
                visitor.csrf(),
                Entered::default(),
                None,
                None,
                Some(receipt),
            )
            .await
        }
        Err(e) => match refusal_key(&e) {
            Some(key) => {
                let mut resp =
                    page(&state, lang, visitor.csrf(), entered, None, Some(key), None).await?;
                *resp.status_mut() = e.status();
                Ok(resp)
            }
            None => Err(e),
        },
    }
}
