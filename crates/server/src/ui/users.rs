//! Accounts: the list, the form for a new one, and an account's page with its roles,
//! agreements and standing (SEC-01..04).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use roadwarden_domain::account::PersonKind;
use roadwarden_domain::roles::Role;
use roadwarden_domain::UserId;
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::{Principal, Require};
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{AccountReaders, Admins};
use crate::services::accounts::{self, AccountAction, AgreementInput, CreateUserInput, UserQuery};
use crate::services::{units, Authority};
use crate::state::AppState;
use crate::views::accounts::UserView;
use crate::views::org::UnitView;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: UserQuery,
    page: Option<String>,
}

const PAGE_SIZE: i64 = 50;

pub async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    reader: Require<AccountReaders>,
    meta: RequestMeta,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = q.filter.filter()?;
    let page: i64 = q
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let (found, total) = accounts::list_users(
        &state,
        &reader,
        &meta,
        &filter,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let rows: Vec<UserView> = found.iter().map(|(u, r)| UserView::masked(u, r)).collect();
    let unit_options = units::subtree(&state, &reader).await?;
    let ctx = page_context(
        lang,
        Some(&reader),
        "/users",
        context! {
            rows => rows,
            total => total,
            page => page,
            pages => (total + PAGE_SIZE - 1) / PAGE_SIZE,
            q => context! { search => q.filter.search, unit_id => q.filter.unit_id, status => q.filter.status },
            units => unit_options.iter().map(|u| context! { id => u.id.0, name => u.name, depth => u.path.depth() }).collect::<Vec<_>>(),
        },
    );
    Ok(render("users.html", ctx)?.into_response())
}

fn form_context(state_units: &[UnitView], admin: &Principal) -> minijinja::Value {
    let base = admin.scope().depth();
    context! {
        units => state_units.iter().map(|u| context! { id => u.id, name => u.name, depth => u.depth.saturating_sub(base), kind => u.kind }).collect::<Vec<_>>(),
        roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        person_kinds => PersonKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    }
}

async fn unit_views(state: &AppState, admin: &Principal) -> AppResult<Vec<UnitView>> {
    let found = units::subtree(state, admin).await?;
    Ok(found.iter().map(UnitView::from).collect())
}

pub async fn new_page(
    State(state): State<AppState>,
    lang: Lang,
    admin: Require<Admins>,
) -> AppResult<Response> {
    let unit_options = unit_views(&state, &admin).await?;
    let ctx = page_context(
        lang,
        Some(&admin),
        "/users",
        context! { ..form_context(&unit_options, &admin) },
    );
    Ok(render("user_new.html", ctx)?.into_response())
}

/// The form posts `roles` once per ticked box.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    unit_id: i64,
    username: String,
    full_name: String,
    id_number: String,
    #[serde(default)]
    phone: String,
    person_kind: String,
    #[serde(default)]
    badge_number: String,
    #[serde(default)]
    language: String,
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    admin: Require<Admins>,
    meta: RequestMeta,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let form: NewUserForm = serde_urlencoded_from_pairs(&pairs)?;
    let roles: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| v.clone())
        .collect();
    let input = CreateUserInput {
        unit_id: form.unit_id,
        username: form.username,
        full_name: form.full_name,
        id_number: form.id_number,
        phone: Some(form.phone),
        person_kind: form.person_kind,
        badge_number: Some(form.badge_number),
        roles,
        password: None,
        language: Some(form.language),
    };
    match accounts::create_user(&state, Authority::User(&admin), &meta, &input, true).await {
        Ok(created) => {
            let detail = accounts::read_user(&state, &admin, &meta, created.user.id).await?;
            detail_response(
                &state,
                lang,
                &admin,
                detail,
                created.temporary_password,
                None,
            )
            .await
        }
        Err(e) => {
            // Show the form again with what was typed and the reason, instead of losing it.
            let status = e.status();
            let body = e.body();
            let unit_options = unit_views(&state, &admin).await?;
            let field = body
                .field
                .as_deref()
                .map(|f| crate::i18n::t(lang, &format!("field.{f}")));
            let ctx = page_context(
                lang,
                Some(&admin),
                "/users",
                context! {
                    error => {
                        let sentence = crate::i18n::t(lang, &crate::i18n::error_key(body.code));
                        let detail = if lang == Lang::En && body.message != sentence { format!(" ({})", body.message) } else { String::new() };
                        match field { Some(f) => format!("{f}: {sentence}{detail}"), None => format!("{sentence}{detail}") }
                    },
                    values => context! { unit_id => input.unit_id, username => input.username, full_name => input.full_name,
                        id_number => input.id_number, phone => input.phone, person_kind => input.person_kind,
                        badge_number => input.badge_number, roles => input.roles },
                    ..form_context(&unit_options, &admin)
                },
            );
            Ok((status, render("user_new.html", ctx)?).into_response())
        }
    }
}

fn serde_urlencoded_from_pairs<T: serde::de::DeserializeOwned>(
    pairs: &[(String, String)],
) -> AppResult<T> {
    let single: std::collections::BTreeMap<&str, &str> = pairs
        .iter()
        .filter(|(k, _)| k != "roles")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let value = serde_json::to_value(single).map_err(crate::error::AppError::internal)?;
    // Numbers arrive as text: let the one numeric field through as a number.
    let mut value = value;
    if let Some(unit) = value
        .get("unit_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        value["unit_id"] = unit
            .parse::<i64>()
            .map(serde_json::Value::from)
            .map_err(|_| roadwarden_domain::FieldError::new("unit_id", "choose a unit"))?;
    }
    serde_json::from_value(value)
        .map_err(|e| roadwarden_domain::FieldError::new("form", e.to_string()).into())
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQuery {
    ok: Option<String>,
}

pub async fn detail_page(
    State(state): State<AppState>,
    lang: Lang,
    reader: Require<AccountReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let detail = accounts::read_user(&state, &reader, &meta, UserId(id)).await?;
    detail_response(&state, lang, &reader, detail, None, q.ok.as_deref()).await
}

async fn detail_response(
    _state: &AppState,
    lang: Lang,
    viewer: &Principal,
    d: accounts::UserDetail,
    temporary_password: Option<String>,
    ok: Option<&str>,
) -> AppResult<Response> {
    let held: Vec<&str> = d.roles.iter().map(|r| r.as_str()).collect();
    let grantable: Vec<&str> = Role::ALL
        .iter()
        .map(|r| r.as_str())
        .filter(|r| !held.contains(r))
        .collect();
    let locked = d
        .user
        .locked_until
        .is_some_and(|u| u > chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
    let ctx = page_context(
        lang,
        Some(viewer),
        "/users",
        context! {
            flash => flash(lang, ok),
            u => UserView::full(&d.user, &d.roles),
            grants => d.grants,
            agreements => d.agreements,
            required_agreement => d.required_agreement.map(|a| a.as_str()),
            grantable => grantable,
            locked => locked,
            temporary_password => temporary_password,
            is_admin => viewer.may::<Admins>(),
            is_self => viewer.user.id == d.user.id,
        },
    );
    Ok(render("user.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn grant(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(form): FormBody<RoleForm>,
) -> AppResult<Response> {
    let id = UserId(id);
    accounts::grant_role(&state, Authority::User(&admin), &meta, id, &form.role).await?;
    Ok(Redirect::to(&format!("/users/{id}?ok=role_granted")).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(form): FormBody<RoleForm>,
) -> AppResult<Response> {
    let id = UserId(id);
    accounts::revoke_role(&state, Authority::User(&admin), &meta, id, &form.role).await?;
    Ok(Redirect::to(&format!("/users/{id}?ok=role_revoked")).into_response())
}

pub async fn file_agreement(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(form): FormBody<AgreementInput>,
) -> AppResult<Response> {
    let id = UserId(id);
    accounts::file_agreement(&state, Authority::User(&admin), &meta, id, &form).await?;
    Ok(Redirect::to(&format!("/users/{id}?ok=agreement_filed")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct StandingForm {
    action: String,
}

pub async fn standing(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(form): FormBody<StandingForm>,
) -> AppResult<Response> {
    let id = UserId(id);
    let action = AccountAction::parse(&form.action)?;
    accounts::change_standing(&state, Authority::User(&admin), &meta, id, action).await?;
    Ok(Redirect::to(&format!("/users/{id}?ok=standing_changed")).into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    lang: Lang,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let id = UserId(id);
    let temporary = accounts::reset_password(&state, Authority::User(&admin), &meta, id).await?;
    let detail = accounts::read_user(&state, &admin, &meta, id).await?;
    detail_response(&state, lang, &admin, detail, Some(temporary), None).await
}
