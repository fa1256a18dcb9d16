//! Messages to people: a deadline job that escalates something writes one for the unit head,
//! who sees it on the overview until someone at the unit marks it read; warnings, circuit
//! breaker events, suspensions and rider-task deadlines write one per event (SUP-02..06,
//! RID-10, RID-11). The inbox lists a person's messages, newest first.

use chrono::{DateTime, Utc};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{FieldError, UnitId, UserId};
use roadwarden_store::list::Window;
use roadwarden_store::messages::{self, InboxFilter, Message, NewMessage, Reader};
use roadwarden_store::Tx;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::messages::MessageView;

/// An escalation to the head of `unit`, once per kind and subject (a job that runs twice does
/// not message twice). Returns whether it was new. Written in the caller's transaction, with
/// the caller's audit entry.
pub async fn to_unit_head(
    tx: &mut Tx,
    unit: UnitId,
    kind: &str,
    rule: &str,
    subject: (&str, &str),
    detail: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(messages::add(
        tx,
        &NewMessage {
            unit_id: unit,
            role: Role::UnitHead.as_str(),
            kind,
            rule,
            subject_type: subject.0,
            subject_id: subject.1,
            detail,
        },
        now,
    )
    .await?)
}

/// What happened, about what: one event's message, before it is addressed.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    /// The message kind, e.g. `circuit_breaker_applied` (translated as `message.<kind>`).
    pub kind: &'a str,
    pub rule: &'a str,
    /// What it is about: `device`, `check_item`, `rider_task`, `violation`...
    pub subject: (&'a str, &'a str),
    /// What tells this event from an earlier one of the same kind on the same subject ('' when
    /// there is only ever one).
    pub event_key: &'a str,
    /// JSON with the figures the inbox shows (a device number, a due date).
    pub detail: &'a str,
}

/// The note to the holders of `role` at `unit`, once (a re-run adds nothing). Returns
/// whether it was new. Written in the caller's transaction.
pub async fn to_role(
    tx: &mut Tx,
    note: &Note<'_>,
    unit: UnitId,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    add(tx, note, unit, role.as_str(), None, now).await
}

/// The note to one person at their unit, once.
pub async fn to_person(
    tx: &mut Tx,
    note: &Note<'_>,
    unit: UnitId,
    user: UserId,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    add(tx, note, unit, "", Some(user), now).await
}

async fn add(
    tx: &mut Tx,
    note: &Note<'_>,
    unit: UnitId,
    role: &str,
    user: Option<UserId>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(messages::add_event(
        tx,
        &NewMessage {
            unit_id: unit,
            role,
            kind: note.kind,
            rule: note.rule,
            subject_type: note.subject.0,
            subject_id: note.subject.1,
            detail: note.detail,
        },
        user,
        note.event_key,
        now,
    )
    .await?)
}

/// The unread messages for this person: those to their unit for a role they hold, or to them.
pub async fn unread(tx: &mut Tx, p: &Principal, limit: i64) -> AppResult<Vec<Message>> {
    let roles: Vec<&str> = p.roles.iter().map(|r| r.as_str()).collect();
    Ok(messages::unread_for(tx, p.user.unit_id, p.user.id, &roles, limit).await?)
}

/// The unread messages for this person, as the API answers them (at most `limit`).
pub async fn unread_views(
    ctx: &ServiceContext,
    p: &Principal,
    limit: i64,
) -> AppResult<Vec<MessageView>> {
    let mut tx = ctx.store.begin_read().await?;
    let rows = unread(&mut tx, p, limit).await?;
    drop(tx);
    Ok(rows.into_iter().map(MessageView::from).collect())
}

/// Marks a message read. Only someone it is addressed to may; anyone else gets "not found".
pub async fn mark_read(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let m = messages::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("message"))?;
    let addressed = m.unit_id == p.user.unit_id.0
        && match m.user_id {
            Some(u) => u == p.user.id.0,
            None => m.role.is_empty() || p.roles.iter().any(|r| r.as_str() == m.role),
        };
    if !addressed {
        return Err(AppError::NotFound("message"));
    }
    if messages::mark_read(&mut tx, id, p.user.id, now).await? {
        record(
            &mut tx,
            &Actor::user(p, meta),
            Event {
                action: "message.read",
                object_type: "message",
                object_id: id.to_string(),
                unit_id: Some(UnitId(m.unit_id)),
                detail: json!({ "kind": m.kind, "subject": format!("{}:{}", m.subject_type, m.subject_id) }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn reader_roles(p: &Principal) -> Vec<&'static str> {
    p.roles.iter().map(|r| r.as_str()).collect()
}

/// The inbox's query (all text, so a bad value is a 422 naming its field).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// `unread`, `read` or `all` (the page's default is `all`, the API's `unread`).
    pub state: Option<String>,
    /// One kind of message, e.g. `circuit_breaker_applied`.
    pub kind: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
    /// Messages per page, 1 to 200 (50 when absent).
    pub per_page: Option<String>,
}

/// A page of a person's inbox.
#[derive(Debug, Clone, Serialize)]
pub struct InboxPage {
    pub messages: Vec<MessageView>,
    /// Messages the filter finds (up to 10,001).
    pub total: i64,
    /// Unread messages in the whole inbox (up to 10,001).
    pub unread: i64,
    pub page: i64,
    pub per_page: i64,
    /// `unread`, `read` or `all`.
    pub state: &'static str,
    pub kind: Option<String>,
    /// The kinds this person has, for the filter.
    pub kinds: Vec<String>,
}

const COUNT_CAP: i64 = 10_001;

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_inbox(
    q: &InboxQuery,
    default_state: &'static str,
) -> Result<(&'static str, InboxFilter, i64, i64), FieldError> {
    let state = match text(&q.state).unwrap_or(default_state) {
        "unread" => "unread",
        "read" => "read",
        "all" => "all",
        _ => return Err(FieldError::new("state", "must be unread, read or all")),
    };
    let kind = match text(&q.kind) {
        None => None,
        Some(k) if k.len() <= 64 && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Some(k.to_owned())
        }
        Some(_) => return Err(FieldError::new("kind", "is not a kind of message")),
    };
    let number = |field: &'static str, v: &Option<String>, default: i64, max: i64| {
        text(v).map_or(Ok(default), |s| {
            s.parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| FieldError::new(field, format!("must be 1 to {max}")))
        })
    };
    let per_page = number("per_page", &q.per_page, 50, 200)?;
    let page = number("page", &q.page, 1, 10_000)?;
    let unread = match state {
        "unread" => Some(true),
        "read" => Some(false),
        _ => None,
    };
    Ok((state, InboxFilter { unread, kind }, page, per_page))
}

/// A page of this person's inbox: the messages to them, or to their unit for a role they hold,
/// newest first, filtered by read state and kind.
pub async fn inbox(
    ctx: &ServiceContext,
    p: &Principal,
    q: &InboxQuery,
    default_state: &'static str,
) -> AppResult<InboxPage> {
    let (state, filter, page, per_page) = parse_inbox(q, default_state)?;
    let roles = reader_roles(p);
    let reader = Reader {
        unit: p.user.unit_id,
        user: p.user.id,
        roles: &roles,
    };
    let mut tx = ctx.store.begin_read().await?;
    let window = Window::new(per_page, (page - 1) * per_page);
    let rows = messages::inbox(&mut tx, &reader, &filter, window).await?;
    let total = messages::inbox_count(&mut tx, &reader, &filter, COUNT_CAP).await?;
    let unread = messages::inbox_count(
        &mut tx,
        &reader,
        &InboxFilter {
            unread: Some(true),
            kind: None,
        },
        COUNT_CAP,
    )
    .await?;
    let kinds = messages::inbox_kinds(&mut tx, &reader).await?;
    drop(tx);
    Ok(InboxPage {
        messages: rows.into_iter().map(MessageView::from).collect(),
        total,
        unread,
        page,
        per_page,
        state,
        kind: filter.kind,
        kinds,
    })
}

/// Marks every unread message of this person read (for everyone each was addressed to), with
/// one audit entry. Returns how many.
pub async fn mark_all_read(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
) -> AppResult<u64> {
    let now = ctx.clock.now();
    let roles = reader_roles(p);
    let reader = Reader {
        unit: p.user.unit_id,
        user: p.user.id,
        roles: &roles,
    };
    let mut tx = ctx.store.begin().await?;
    let n = messages::mark_all_read(&mut tx, &reader, now).await?;
    if n > 0 {
        record(
            &mut tx,
            &Actor::user(p, meta),
            Event {
                action: "message.read_all",
                object_type: "message",
                object_id: String::new(),
                unit_id: Some(p.user.unit_id),
                detail: json!({ "count": n }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// SUP-06: the unit whose supervisor last applied the circuit breaker to a device.
pub async fn circuit_breaker_unit(tx: &mut Tx, device: i64) -> AppResult<Option<UnitId>> {
    Ok(messages::last_circuit_break_unit(tx, device).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_query_is_parsed_and_bounded() {
        let q = InboxQuery::default();
        let (state, f, page, per) = parse_inbox(&q, "all").unwrap();
        assert_eq!((state, f.unread, page, per), ("all", None, 1, 50));
        let q = InboxQuery {
            state: Some("unread".into()),
            kind: Some("circuit_breaker_applied".into()),
            page: Some("3".into()),
            per_page: Some("20".into()),
        };
        let (_, f, page, per) = parse_inbox(&q, "all").unwrap();
        assert_eq!((f.unread, page, per), (Some(true), 3, 20));
        for (state, kind, per) in [("new", "", ""), ("", "a'b", ""), ("", "", "500")] {
            let q = InboxQuery {
                state: Some(state.into()),
                kind: Some(kind.into()),
                page: None,
                per_page: Some(per.into()),
            };
            assert!(parse_inbox(&q, "all").is_err(), "{state} {kind} {per}");
        }
    }
}
