//! The inbox page: a person's messages (to them, or to their unit for a role they hold),
//! newest first, unread ones marked, filtered by read state and kind, each in words in the
//! reader's language with a link to what it is about; mark one or all read.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::CurrentUser;
use crate::context::RequestMeta;
use crate::edge::{Path, Query, RecordId};
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::services::messages::{self, InboxQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    #[serde(flatten)]
    inbox: InboxQuery,
    ok: Option<String>,
}

/// The query string of the inbox with `page` (the filter kept).
fn href(state: &str, kind: Option<&str>, page: i64) -> String {
    let mut s = format!("/inbox?state={state}");
    if let Some(k) = kind {
        s.push_str("&kind=");
        s.push_str(k);
    }
    if page > 1 {
        s.push_str(&format!("&page={page}"));
    }
    s
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let inbox = messages::inbox(&state, &user, &q.inbox, "all").await?;
    let kind = inbox.kind.as_deref();
    let pages = ((inbox.total + inbox.per_page - 1) / inbox.per_page).max(1);
    let rows: Vec<Value> = inbox
        .messages
        .iter()
        .map(|m| {
            // The figures a message carries (a device number, a due date), for its words.
            let d: serde_json::Value = serde_json::from_str(&m.detail).unwrap_or_default();
            context! { m => Value::from_serialize(m), d => Value::from_serialize(&d),
            title => kind_words(lang, &m.kind) }
        })
        .collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/inbox",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => rows,
            total => inbox.total,
            unread_total => inbox.unread,
            state => inbox.state,
            kind => kind,
            kinds => inbox.kinds.iter().map(|k| context! { kind => k, words => kind_words(lang, k) }).collect::<Vec<_>>(),
            states => ["all", "unread", "read"],
            back => href(inbox.state, kind, inbox.page),
            list => context! {
                page => inbox.page,
                pages => pages,
                total => inbox.total,
                exact => inbox.total < 10_001,
                prev_href => (inbox.page > 1).then(|| href(inbox.state, kind, inbox.page - 1)),
                next_href => (inbox.page < pages).then(|| href(inbox.state, kind, inbox.page + 1)),
            },
        },
    );
    Ok(render("inbox.html", ctx)?.into_response())
}

/// A kind of message in words; one these strings do not know yet reads as "a message".
fn kind_words(lang: Lang, kind: &str) -> String {
    let key = format!("message.{kind}");
    if i18n::has_key(lang, &key) {
        i18n::t(lang, &key)
    } else {
        i18n::t(lang, "msgbox.kind_other")
    }
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    /// The inbox page to return to (only an inbox address is followed).
    #[serde(default)]
    back: String,
}

fn back_to(back: &str, ok: &str) -> String {
    let base = if back.starts_with("/inbox?") {
        back
    } else {
        "/inbox?state=all"
    };
    format!("{base}&ok={ok}")
}

/// Marks one message read.
pub async fn mark_read(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: CurrentUser,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(form): FormBody<ReadForm>,
) -> AppResult<Response> {
    messages::mark_read(&state, &user, &meta, id).await?;
    Ok(Redirect::to(&back_to(&form.back, "message_read")).into_response())
}

/// Marks every unread message read.
pub async fn mark_all_read(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: CurrentUser,
    FormBody(form): FormBody<ReadForm>,
) -> AppResult<Response> {
    messages::mark_all_read(&state, &user, &meta).await?;
    Ok(Redirect::to(&back_to(&form.back, "messages_read")).into_response())
}
