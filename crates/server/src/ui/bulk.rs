//! A notice clerk's steps on the records ticked in the violations list: their letters as one
//! PDF, or their notices recorded as posted. Records that cannot take the step are listed
//! with the reason; the rest go ahead.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form as MultiForm;
use minijinja::context;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use super::page_context;
use super::views::render;
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::record_id;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::policy::NoticeClerks;
use crate::services::captures::bulk::{self, BulkOutcome, BULK_MAX};
use crate::state::AppState;

/// The form posts `ids` once per ticked record (the CSRF token travels with it).
#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    ids: Vec<String>,
}

pub async fn violations_bulk(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<NoticeClerks>,
    meta: RequestMeta,
    form: Result<MultiForm<BulkForm>, axum_extra::extract::FormRejection>,
) -> AppResult<Response> {
    let MultiForm(f) =
        form.map_err(|e| AppError::BadInput(FieldError::new("form", e.body_text())))?;
    if f.ids.len() > BULK_MAX {
        return Err(FieldError::new("ids", format!("select at most {BULK_MAX} records")).into());
    }
    let ids = f
        .ids
        .iter()
        .map(|s| record_id("ids", s))
        .collect::<AppResult<Vec<i64>>>()?;
    let out = match f.action.as_str() {
        "letters" => bulk::print_letters(&state, &user, &meta, &ids).await?,
        "notify" => bulk::mark_posted(&state, &user, &meta, &ids).await?,
        _ => {
            return Err(
                FieldError::new("action", "choose print letters or record as posted").into(),
            )
        }
    };
    // Every letter printable: the PDF itself. Otherwise the page says which were left out
    // and offers the PDF of the rest.
    if let (Some(pdf), true) = (&out.pdf, out.refused.is_empty()) {
        return Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"letters-{}.pdf\"",
                        state.clock.now().format("%Y%m%d-%H%M")
                    ),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            pdf.clone(),
        )
            .into_response());
    }
    result_page(lang, &user, &f.action, &out)
}

fn result_page(
    lang: Lang,
    user: &crate::auth::Principal,
    action: &str,
    out: &BulkOutcome,
) -> AppResult<Response> {
    let refused: Vec<minijinja::Value> = out
        .refused
        .iter()
        .map(|r| {
            context! {
                id => r.id,
                reason => i18n::t(lang, &i18n::error_key(r.code)),
            }
        })
        .collect();
    let ctx = page_context(
        lang,
        Some(user),
        "/violations",
        context! {
            letters => action == "letters",
            done => out.done,
            refused => refused,
        },
    );
    Ok(render("violations_bulk.html", ctx)?.into_response())
}
