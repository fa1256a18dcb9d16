//! The audit trail page (SEC-05): search by actor or object and by day, sort, pages, and the
//! export of the same search as a workbook with the actions and details in words.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::lists::{xlsx_download, ListPage};
use super::page_context;
use super::views::render;
use crate::auth::Require;
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::policy::AuditReaders;
use crate::services::audit::list::{self, AuditListQuery};
use crate::services::export::{self, Cell};
use crate::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    reader: Require<AuditReaders>,
    meta: crate::context::RequestMeta,
    Query(q): Query<AuditListQuery>,
) -> AppResult<Response> {
    let parsed = q.parse()?;
    let (entries, total) = list::page(&state, &reader, &meta, &parsed).await?;
    let view = ListPage {
        path: "/audit",
        spec: &list::SORT,
        params: &parsed.params,
        filters: &[
            ("actor", q.actor.as_deref()),
            ("action", q.action.as_deref()),
            ("object_type", q.object_type.as_deref()),
            ("object_id", q.object_id.as_deref()),
        ],
        total,
        headings: &[
            ("time", "audit.time"),
            ("actor", "audit.actor"),
            ("action", "audit.action"),
        ],
        search_hint: "audit.search",
        export: true,
        dates: true,
    };
    let ctx = page_context(
        lang,
        Some(&reader),
        "/audit",
        context! {
            entries => entries,
            list => view.view(),
            q => context! {
                actor => q.actor, action => q.action, object_type => q.object_type,
                object_id => q.object_id,
            },
        },
    );
    Ok(render("audit.html", ctx)?.into_response())
}

/// The same search as a workbook in the reader's language (recorded as an export).
pub async fn export_xlsx(
    State(state): State<AppState>,
    lang: Lang,
    reader: Require<AuditReaders>,
    meta: crate::context::RequestMeta,
    Query(q): Query<AuditListQuery>,
) -> AppResult<Response> {
    let parsed = q.parse()?;
    let entries = list::export(&state, &reader, &meta, &parsed).await?;
    let tz: chrono_tz::Tz = reader
        .user
        .unit_time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let t = |k: &str| i18n::t(lang, k);
    let headings: Vec<String> = [
        "audit.seq",
        "audit.time",
        "audit.actor",
        "audit.ip",
        "audit.action",
        "audit.object",
        "audit.object_id",
        "field.unit_id",
        "audit.detail",
        "audit.hash",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows: Vec<Vec<Cell>> = entries
        .iter()
        .map(|item| {
            let e = &item.entry;
            let object_key = format!("audit_object.{}", e.object_type);
            let object = if i18n::has_key(lang, &object_key) {
                t(&object_key)
            } else {
                e.object_type.clone()
            };
            let detail = super::audit_text::detail(lang, &e.detail)
                .into_iter()
                .map(|l| {
                    if l.label.is_empty() {
                        l.value
                    } else {
                        format!("{}: {}", l.label, l.value)
                    }
                })
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                Cell::Number(e.seq as f64),
                Cell::from(
                    chrono::DateTime::from_timestamp_micros(e.at_micros)
                        .map(|t| roadwarden_domain::locale::local_time_seconds(t, tz, lang.code()))
                        .unwrap_or_default(),
                ),
                Cell::from(e.actor.as_str()),
                Cell::from(e.ip.as_str()),
                Cell::from(super::audit_text::action(lang, &e.action)),
                Cell::from(object),
                Cell::from(e.object_id.as_str()),
                Cell::from(item.unit_name.clone().unwrap_or_default()),
                Cell::from(detail),
                Cell::from(e.hash.as_str()),
            ]
        })
        .collect();
    let bytes = export::workbook(&t("audit.title"), &headings, &rows)?;
    // SEC-07: the trail names people and addresses; more than a working copy needs an
    // approved export application, like every list export.
    let file = export::Export {
        what: "audit",
        rows: rows.len(),
        personal: true,
        application: parsed.params.application,
    };
    let bytes = export::deliver(&state, &reader, &meta, &file, bytes).await?;
    Ok(xlsx_download("audit", state.clock.now(), bytes))
}
