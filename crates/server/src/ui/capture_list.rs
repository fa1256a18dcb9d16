//! The captures list page (issue 14 item 5): reviewers, unit heads and supervisors search the
//! captures of their units by plate, days, device, unit and state, sort them, page through
//! them and export the same filter as a workbook.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value};
use roadwarden_domain::capture::review::CaptureState;
use roadwarden_domain::device::violations;

use super::lists::{xlsx_download, ListPage};
use super::page_context;
use super::views::render;
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{ReviewOverseers, Reviewers};
use crate::services::captures::capture_list::{self, CaptureListQuery};
use crate::services::captures::outbox::colour_name;
use crate::services::units;
use crate::state::AppState;

/// The captures list.
pub async fn captures_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ReviewOverseers>,
    meta: RequestMeta,
    Query(q): Query<CaptureListQuery>,
) -> AppResult<Response> {
    let parsed = q.parse()?;
    let found = capture_list::list_in_scope(&state, &user, &meta, &parsed).await?;
    let unit_options = units::subtree(&state, &user).await?;
    let rows: Vec<Value> = found
        .rows
        .iter()
        .map(|c| {
            context! {
                c => Value::from_serialize(c),
                violation => violations::lookup(&c.violation_code)
                    .map_or_else(|| c.violation_code.clone(), |v| v.name(lang.code()).to_owned()),
                colour => colour_name(c.plate_colour.as_str(), lang.code()),
            }
        })
        .collect();
    let list = ListPage {
        path: "/captures",
        spec: &capture_list::SORT,
        params: &parsed.params,
        filters: &[
            ("state", q.state.as_deref()),
            ("unit_id", q.unit_id.as_deref()),
            ("device", q.device.as_deref()),
        ],
        total: found.total,
        headings: &[
            ("plate", "violations.plate"),
            ("time", "captures.time"),
            ("device", "captures.device"),
            ("state", "captures.state"),
            ("due", "captures.due"),
        ],
        search_hint: "violations.search",
        export: true,
        dates: true,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/captures",
        context! {
            rows => rows,
            states => CaptureState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            state => q.state,
            unit_id => q.unit_id,
            device => q.device,
            units => unit_options.iter().map(|u| context! { id => u.id.0, name => u.name, depth => u.path.depth().saturating_sub(user.scope().depth()) }).collect::<Vec<_>>(),
            list => list.view(),
            is_reviewer => user.may::<Reviewers>(),
        },
    );
    Ok(render("captures.html", ctx)?.into_response())
}

/// The list's captures, same filter and order, as an XLSX workbook in the reader's language.
pub async fn captures_export(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ReviewOverseers>,
    meta: RequestMeta,
    Query(q): Query<CaptureListQuery>,
) -> AppResult<Response> {
    let parsed = q.parse()?;
    let bytes = capture_list::export(&state, &user, &meta, &parsed, lang).await?;
    Ok(xlsx_download("captures", state.clock.now(), bytes))
}
