//! The audit page's list (SEC-05, ORG-02): the trail under the reader's scope, searched by
//! actor or object, by the reader's days, sorted, a page at a time, and exported. Both a
//! search and an export are entries themselves: who looked at the trail is part of it.

use roadwarden_store::audit::{self, AuditFilter, AuditListItem, AuditSort};
use serde::Deserialize;
use serde_json::json;

use super::read::reads_installation_entries;
use super::write::record_list_read;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::{search_text, Direction, ListParams, ListQuery, SortSpec, Window};
use crate::error::AppResult;
use crate::services::context::ServiceContext;
use crate::services::lists::reader_time_zone;

/// The audit page's sort keys: newest first unless asked.
pub const SORT: SortSpec<AuditSort> = SortSpec {
    keys: AuditSort::KEYS,
    default: AuditSort::Time,
    direction: Direction::Desc,
};

/// The audit page's query: the shared list query (`search` is part of an actor's name or an
/// object's id) and the trail's own filters.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditListQuery {
    #[serde(flatten)]
    pub list: ListQuery,
    /// The actor's username, exactly.
    pub actor: Option<String>,
    /// An action or the start of one, e.g. `user.`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
}

/// The parsed query.
#[derive(Debug, Clone)]
pub struct AuditList {
    pub params: ListParams<AuditSort>,
    pub filter: AuditFilter,
}

impl AuditListQuery {
    pub fn parse(&self) -> AppResult<AuditList> {
        let text = |field: &'static str, v: &Option<String>| -> AppResult<Option<String>> {
            search_text(v.as_deref()).map_err(|e| match e {
                crate::error::AppError::BadInput(mut f) => {
                    f.field = field;
                    f.into()
                }
                other => other,
            })
        };
        Ok(AuditList {
            params: self.list.parse(&SORT)?,
            filter: AuditFilter {
                actor: text("actor", &self.actor)?,
                action: text("action", &self.action)?,
                object_type: text("object_type", &self.object_type)?,
                object_id: text("object_id", &self.object_id)?,
                ..AuditFilter::default()
            },
        })
    }
}

/// What was asked, for the entry that records the search or the export.
fn asked(q: &AuditList) -> serde_json::Value {
    json!({
        "search": q.params.search,
        "actor": q.filter.actor,
        "action": q.filter.action,
        "object_type": q.filter.object_type,
        "object_id": q.filter.object_id,
        "from": q.params.from,
        "to": q.params.to,
        "sort": SORT.name(q.params.sort),
        "dir": q.params.direction.as_str(),
    })
}

async fn read(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &AuditList,
    window: Window,
    export: bool,
) -> AppResult<(Vec<AuditListItem>, i64)> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let installation = reads_installation_entries(ctx, &mut tx, p).await?;
    let (from, to) = q.params.instants(reader_time_zone(p));
    let filter = AuditFilter {
        from,
        // The day after the last, exclusive; the store's bound is inclusive.
        to: to.map(|t| t - chrono::Duration::microseconds(1)),
        ..q.filter.clone()
    };
    let (rows, total) = audit::page(
        &mut tx,
        p.scope(),
        installation,
        &filter,
        q.params.search.as_deref(),
        q.params.sort,
        q.params.direction,
        window,
    )
    .await?;
    let mut detail = asked(q);
    let action = if export {
        detail["rows"] = json!(rows.len());
        "audit.export"
    } else {
        detail["page"] = json!(q.params.page);
        detail["returned"] = json!(rows.len());
        "audit.search"
    };
    record_list_read(&mut tx, p, meta, action, "audit", detail, now).await?;
    tx.commit().await?;
    Ok((rows, total))
}

/// A page of the trail as this person may see it, and how many entries match (up to one past
/// `MAX_ROWS`); the search is recorded.
pub async fn page(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &AuditList,
) -> AppResult<(Vec<AuditListItem>, i64)> {
    read(ctx, p, meta, q, q.params.window(), false).await
}

/// The first `MAX_ROWS` entries that match, for a workbook; recorded as an export with what
/// was asked and how many rows went out. The page lays out the cells (the actions and
/// details in words are the page's).
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &AuditList,
) -> AppResult<Vec<AuditListItem>> {
    Ok(read(ctx, p, meta, q, Window::export(), true).await?.0)
}
