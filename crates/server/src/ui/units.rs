//! The unit tree (ORG-01..05) and, for operators, the form to add a unit.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use roadwarden_domain::org::{Level, UnitKind};
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::Admins;
use crate::services::units::{self, CreateUnitInput, UnitQuery};
use crate::services::Authority;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    #[serde(flatten)]
    filter: UnitQuery,
    ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let filter = q.filter.filter()?;
    let (found, total) = units::list_units(&state, &user, &filter, 1000, 0).await?;
    let base_depth = user.scope().depth();
    let rows: Vec<_> = found
        .iter()
        .map(|u| {
            context! {
                id => u.id.0, code => u.code, name => u.name, level => u.level.as_str(),
                kind => u.kind.as_str(), country => u.country.code(), time_zone => u.time_zone,
                contact_phone => u.contact_phone,
                indent => u.path.depth().saturating_sub(base_depth),
            }
        })
        .collect();
    let parents = if user.may::<Admins>() {
        units::subtree(&state, &user).await?
    } else {
        Vec::new()
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/units",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => rows,
            total => total,
            q => context! { search => q.filter.search, level => q.filter.level, kind => q.filter.kind },
            levels => Level::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            kinds => UnitKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            parents => parents.iter().map(|p| context! { id => p.id.0, name => p.name, depth => p.path.depth().saturating_sub(base_depth) }).collect::<Vec<_>>(),
        },
    );
    Ok(render("units.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct UnitForm {
    parent_id: i64,
    code: String,
    name: String,
    level: String,
    kind: String,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    contact_phone: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    FormBody(form): FormBody<UnitForm>,
) -> AppResult<Response> {
    let input = CreateUnitInput {
        parent_id: Some(form.parent_id),
        code: form.code,
        name: form.name,
        level: form.level,
        kind: form.kind,
        country: None,
        time_zone: form.time_zone,
        contact_phone: form.contact_phone,
    };
    units::create_unit(&state, Authority::User(&admin), &meta, &input).await?;
    Ok(Redirect::to("/units?ok=unit_created").into_response())
}
