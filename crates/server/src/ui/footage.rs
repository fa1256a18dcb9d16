//! The evidence library as a list (BWC-11, issue 14 item 5): footage searched by officer or
//! recorder, days, unit, retention category, case and state, sorted, a page at a time, with
//! thumbnails for the photos the viewer may see, the export of the same filter, and two
//! things to do with the ticked files: ask to view or copy them (BWC-08), or export their
//! rows.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value};
use roadwarden_domain::evidence::access::Requester;
use serde::Deserialize;

use super::lists::{xlsx_download, ListPage};
use super::views::render;
use super::{flash, page_context};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{FootageBrowsers, RecorderReaders};
use crate::services::evidence::footage_list::{self, FootageListQuery, CATEGORIES};
use crate::services::units;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct LibraryPageQuery {
    #[serde(flatten)]
    filter: FootageListQuery,
    ok: Option<String>,
}

/// The library: one searchable, sortable, paged table.
pub async fn library_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Query(q): Query<LibraryPageQuery>,
) -> AppResult<Response> {
    let f = &q.filter;
    let parsed = f.parse()?;
    let found = footage_list::list_in_scope(&state, &user, &meta, &parsed).await?;
    let unit_options = units::subtree(&state, &user).await?;
    let list = ListPage {
        path: "/evidence",
        spec: &footage_list::SORT,
        params: &parsed.params,
        filters: &[
            ("unit_id", f.unit_id.as_deref()),
            ("officer_id", f.officer_id.as_deref()),
            ("case_ref", f.case_ref.as_deref()),
            ("category", f.category.as_deref()),
            ("state", f.state.as_deref()),
        ],
        total: found.total,
        headings: &[
            ("time", "evidence.time"),
            ("officer", "evidence.officer"),
            ("unit", "evidence.unit"),
            ("category", "evidence.retention"),
        ],
        search_hint: "footage.search",
        export: true,
        dates: true,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/evidence",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => Value::from_serialize(&found.rows),
            count => found.rows.len(),
            f => context! {
                case_ref => f.case_ref, officer_id => f.officer_id, unit_id => f.unit_id,
                category => f.category, state => f.state,
            },
            categories => CATEGORIES.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            units => unit_options.iter().map(|u| context! { id => u.id.0, name => u.name, depth => u.path.depth().saturating_sub(user.scope().depth()) }).collect::<Vec<_>>(),
            list => list.view(),
            max_selected => footage_list::MAX_SELECTED,
            requesters => Requester::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            may_manage => user.may::<RecorderReaders>(),
        },
    );
    Ok(render("evidence.html", ctx)?.into_response())
}

/// The list's footage, same filter and order, as an XLSX workbook in the reader's language.
pub async fn library_export(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Query(q): Query<FootageListQuery>,
) -> AppResult<Response> {
    let parsed = q.parse()?;
    let bytes = footage_list::export(&state, &user, &meta, &parsed, &[], lang).await?;
    Ok(xlsx_download("footage", state.clock.now(), bytes))
}

#[derive(Debug, Deserialize)]
pub struct SelectionForm {
    #[serde(default)]
    evidence_ids: Vec<i64>,
    #[serde(default)]
    state: Option<String>,
}

/// The ticked files' rows as an XLSX workbook (the library's "select footage" action).
pub async fn selection_export(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    axum_extra::extract::Form(form): axum_extra::extract::Form<SelectionForm>,
) -> AppResult<Response> {
    let query = FootageListQuery {
        state: form.state,
        ..FootageListQuery::default()
    };
    let parsed = query.parse()?;
    if form.evidence_ids.is_empty() {
        return Err(
            roadwarden_domain::FieldError::new("evidence_ids", "tick at least one file").into(),
        );
    }
    let bytes =
        footage_list::export(&state, &user, &meta, &parsed, &form.evidence_ids, lang).await?;
    Ok(xlsx_download("footage-selected", state.clock.now(), bytes))
}
