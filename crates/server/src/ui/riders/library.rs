//! RID-05: the face base library import page: a list and a ZIP of photos (or one ZIP holding
//! both), the per-row errors, the counts.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value};

use super::super::page_context;
use super::super::views::render;
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::MultipartBody;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::RiderOfficers;
use crate::services::riders::library::{self, COLUMNS};
use crate::state::AppState;
use roadwarden_domain::FieldError;

fn page_with(
    lang: Lang,
    user: &crate::auth::Principal,
    report: Option<&Value>,
) -> AppResult<Response> {
    let ctx = page_context(
        lang,
        Some(user),
        "/riders/library",
        context! {
            columns => COLUMNS.iter().map(|(en, zh)| context! { en => en, zh => zh }).collect::<Vec<_>>(),
            report => report.cloned(),
        },
    );
    Ok(render("riders/library.html", ctx)?.into_response())
}

pub async fn page(lang: Lang, user: Require<RiderOfficers>) -> AppResult<Response> {
    page_with(lang, &user, None)
}

pub async fn import(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    MultipartBody(mut form): MultipartBody,
) -> AppResult<Response> {
    let bad = || FieldError::new("file", "is not a readable upload");
    let mut name = String::from("library");
    let mut bytes = Vec::new();
    let mut photos = None;
    let mut skip = false;
    while let Some(field) = form.next_field().await.map_err(|_| bad())? {
        let field_name = field.name().unwrap_or_default().to_owned();
        match field_name.as_str() {
            "file" => {
                name = field.file_name().unwrap_or("library").to_owned();
                bytes = field.bytes().await.map_err(|_| bad())?.to_vec();
            }
            "photos" => {
                let zip = field.bytes().await.map_err(|_| bad())?;
                // An empty file input sends an empty part.
                photos = Some(zip).filter(|z| !z.is_empty());
            }
            "skip_bad_rows" => skip = field.text().await.map_err(|_| bad())? == "true",
            _ => {}
        }
    }
    if bytes.is_empty() {
        return Err(FieldError::new("file", "choose a CSV or XLSX file").into());
    }
    let upload = library::Upload {
        file_name: &name,
        bytes: &bytes,
        photos: photos.as_deref(),
    };
    let report = library::import(&state, &user, &meta, upload, skip).await?;
    page_with(lang, &user, Some(&Value::from_serialize(&report)))
}
