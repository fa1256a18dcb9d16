//! The audit trail page (SEC-05): filters by who, what object and when.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::page_context;
use super::views::render;
use crate::auth::Require;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::AuditReaders;
use crate::services::audit::{self, AuditQuery};
use crate::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    reader: Require<AuditReaders>,
    meta: crate::context::RequestMeta,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let (filter, limit) = q.filter()?;
    let entries = audit::search(&state, &reader, &meta, &filter, limit).await?;
    let older = entries
        .last()
        .map(|e| e.entry.seq)
        .filter(|_| entries.len() as i64 == limit);
    let ctx = page_context(
        lang,
        Some(&reader),
        "/audit",
        context! {
            entries => entries,
            older => older,
            q => context! {
                actor => q.actor, action => q.action, object_type => q.object_type,
                object_id => q.object_id, from => q.from, to => q.to,
            },
        },
    );
    Ok(render("audit.html", ctx)?.into_response())
}
