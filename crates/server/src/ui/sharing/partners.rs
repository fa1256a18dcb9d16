//! SHR-01, SHR-02, STO-02 pages: the interface registry with its data catalogue, the partners
//! with their grants (proposed by one person, approved by another) and their usage per grant.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use minijinja::{context, Value};
use roadwarden_domain::sharing::catalogue::INTERFACES;
use roadwarden_domain::sharing::Purpose;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use super::super::views::render;
use super::super::{page_context, FormBody};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{PartnerKeepers, PartnerReaders};
use crate::services::outside::ferry;
use crate::services::sharing::partners::{
    self, FieldInput, GrantInput, GrantStep, MaskInput, NewPartner, PartnerInput,
};
use crate::state::AppState;
use crate::views::sharing::{GrantView, InterfaceView, PartnerView, UsageView};

async fn show(
    state: &AppState,
    lang: Lang,
    user: &crate::auth::Principal,
    selected: Option<i64>,
    new_key: Option<NewPartner>,
) -> AppResult<Response> {
    let list: Vec<PartnerView> = partners::list(state, user)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let (grants, usage) = match selected {
        Some(id) => {
            let (_, g, u) = partners::show(state, user, id).await?;
            (
                g.into_iter().map(GrantView::from).collect::<Vec<_>>(),
                u.into_iter().map(UsageView::from).collect::<Vec<_>>(),
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let interfaces: Vec<InterfaceView> = INTERFACES.iter().map(Into::into).collect();
    let ferry = ferry::overview(state, user).await?;
    let ctx = page_context(
        lang,
        Some(user),
        "/sharing/partners",
        context! {
            partners => Value::from_serialize(&list),
            selected => selected,
            grants => Value::from_serialize(&grants),
            usage => Value::from_serialize(&usage),
            interfaces => Value::from_serialize(&interfaces),
            ferry => Value::from_serialize(&ferry),
            purposes => Purpose::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            new_key => new_key.map(|k| context! { id => k.id, name => k.name, key => k.key }),
            may_keep => user.may::<PartnerKeepers>(),
            me => user.user.id.0,
        },
    );
    Ok(render("sharing_partners.html", ctx)?.into_response())
}

/// The registry and the partners.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<PartnerReaders>,
) -> AppResult<Response> {
    show(&state, lang, &user, None, None).await
}

/// One partner: its grants, the form to propose one, and its usage.
pub async fn partner(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<PartnerReaders>,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    show(&state, lang, &user, Some(id), None).await
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    name: String,
}

/// Registers a partner and shows its key this once (no redirect, so it is not kept anywhere).
pub async fn register(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    FormBody(f): FormBody<RegisterForm>,
) -> AppResult<Response> {
    let made = partners::register(&state, &user, &meta, &PartnerInput { name: f.name }).await?;
    let id = made.id;
    show(&state, lang, &user, Some(id), Some(made)).await
}

/// The grant form: fields as a list, `name` or `name:start:end` for a masked one.
#[derive(Debug, Deserialize)]
pub struct GrantForm {
    interface: String,
    #[serde(default)]
    categories: String,
    fields: String,
    purpose: String,
    purpose_text: String,
    span_from: String,
    span_to: String,
    expires_on: String,
}

fn day(field: &'static str, raw: &str) -> AppResult<chrono::DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "is a date, YYYY-MM-DD"))?;
    Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()))
}

fn parse_fields(raw: &str) -> AppResult<Vec<FieldInput>> {
    raw.split([',', '\n', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let mut parts = item.split(':');
            let field = parts.next().unwrap_or_default().to_owned();
            let mask = match (parts.next(), parts.next()) {
                (Some(a), Some(b)) => Some(MaskInput {
                    keep_start: a
                        .parse()
                        .map_err(|_| FieldError::new("fields", "a mask is name:start:end"))?,
                    keep_end: b
                        .parse()
                        .map_err(|_| FieldError::new("fields", "a mask is name:start:end"))?,
                }),
                (None, _) => None,
                _ => return Err(FieldError::new("fields", "a mask is name:start:end").into()),
            };
            Ok(FieldInput { field, mask })
        })
        .collect()
}

pub async fn propose(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<GrantForm>,
) -> AppResult<Response> {
    let input = GrantInput {
        interface: f.interface,
        scope_unit_id: None,
        span_from: day("span_from", &f.span_from)?,
        span_to: day("span_to", &f.span_to)? + chrono::Duration::days(1),
        categories: f.categories.split([',', ' ']).map(str::to_owned).collect(),
        fields: parse_fields(&f.fields)?,
        purpose: f.purpose,
        purpose_text: f.purpose_text,
        expires_at: day("expires_on", &f.expires_on)?,
    };
    partners::propose(&state, &user, &meta, id, &input).await?;
    Ok(Redirect::to(&format!("/sharing/partners/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    partner: String,
}

async fn step(
    state: AppState,
    user: &crate::auth::Principal,
    meta: RequestMeta,
    id: i64,
    partner: &str,
    what: GrantStep,
) -> AppResult<Response> {
    partners::step(&state, user, &meta, id, what).await?;
    let partner = crate::edge::record_id("partner", partner)?;
    Ok(Redirect::to(&format!("/sharing/partners/{partner}")).into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<StepForm>,
) -> AppResult<Response> {
    step(state, &user, meta, id, &f.partner, GrantStep::Approve).await
}

pub async fn refuse(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<StepForm>,
) -> AppResult<Response> {
    step(state, &user, meta, id, &f.partner, GrantStep::Refuse).await
}

pub async fn revoke(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<StepForm>,
) -> AppResult<Response> {
    step(state, &user, meta, id, &f.partner, GrantStep::Revoke).await
}
