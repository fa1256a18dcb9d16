//! The rider list by tier with search, and the person file with the identity acts.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::rider::RiderTier;
use serde::Deserialize;

use super::super::views::render;
use super::super::{flash, page_context, FormBody};
use super::{purpose_of, purposes};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{record_id, search_text, Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{RiderFaceReaders, RiderOfficers, RiderPhoneReaders, RiderReaders};
use crate::services::riders::acts::{self, ConfirmPerson, MergeInput, SplitInput};
use crate::services::riders::persons::{self, RiderQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    purpose: Option<String>,
    tier: Option<String>,
    search: Option<String>,
    page: Option<String>,
}

const PER_PAGE: i64 = 50;

/// SEC-08: without a purpose the page asks for one and reads nothing.
pub async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderReaders>,
    meta: RequestMeta,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let purpose = purpose_of(q.purpose.as_deref());
    let tier = match q.tier.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => Some(RiderTier::parse(t)?),
        None => None,
    };
    let search = search_text(q.search.as_deref())?;
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=200).contains(p))
        .unwrap_or(1);
    let list = match purpose {
        Some(purpose) => Some(
            persons::list(
                &state,
                &user,
                &meta,
                purpose,
                &RiderQuery {
                    tier,
                    provisional: None,
                    search: search.clone(),
                    limit: PER_PAGE,
                    offset: (page - 1) * PER_PAGE,
                },
            )
            .await?,
        ),
        None => None,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders",
        context! {
            purposes => purposes(),
            purpose => purpose.map(|p| p.as_str()),
            tier => tier.map(RiderTier::as_str),
            tiers => RiderTier::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            search => search,
            page => page,
            has_more => list.as_ref().is_some_and(|l| l.total > page * PER_PAGE),
            list => list.as_ref().map(Value::from_serialize),
            show_phone => user.may::<RiderPhoneReaders>(),
            may_act => user.may::<RiderOfficers>(),
        },
    );
    Ok(render("riders/list.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct FileQuery {
    purpose: Option<String>,
    ok: Option<String>,
}

pub async fn file_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<FileQuery>,
) -> AppResult<Response> {
    let purpose = purpose_of(q.purpose.as_deref());
    let file = match purpose {
        Some(purpose) => Some(persons::file(&state, &user, &meta, id, purpose).await?),
        None => None,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders",
        context! {
            id => id,
            flash => flash(lang, q.ok.as_deref()),
            purposes => purposes(),
            purpose => purpose.map(|p| p.as_str()),
            f => file.as_ref().map(Value::from_serialize),
            may_act => user.may::<RiderOfficers>(),
            show_faces => user.may::<RiderFaceReaders>(),
        },
    );
    Ok(render("riders/person.html", ctx)?.into_response())
}

fn back(id: i64, purpose: &str, ok: &str) -> Response {
    let purpose = purpose_of(Some(purpose)).map_or("", |p| p.as_str());
    Redirect::to(&format!("/riders/{id}?purpose={purpose}&ok={ok}")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    id_number: String,
    name: String,
    #[serde(default)]
    purpose: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<ConfirmForm>,
) -> AppResult<Response> {
    let input = ConfirmPerson {
        id_number: f.id_number,
        name: f.name,
    };
    acts::confirm_person(&state, &user, &meta, id, &input).await?;
    Ok(back(id, &f.purpose, "rider_confirmed"))
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    from: String,
    into: String,
    #[serde(default)]
    purpose: String,
}

pub async fn merge(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    FormBody(f): FormBody<MergeForm>,
) -> AppResult<Response> {
    let input = MergeInput {
        from: record_id("from", &f.from)?,
        into: record_id("into", &f.into)?,
    };
    acts::merge(&state, &user, &meta, &input).await?;
    Ok(back(input.into, &f.purpose, "rider_merged"))
}

pub async fn split(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> AppResult<Response> {
    // Checkboxes repeat the `events` name, which a struct form cannot hold.
    let mut events = Vec::new();
    let mut purpose = String::new();
    for (k, v) in url::form_urlencoded::parse(&raw) {
        match k.as_ref() {
            "events" => events.push(record_id("events", &v)?),
            "purpose" => purpose = v.into_owned(),
            _ => {}
        }
    }
    let out = acts::split(&state, &user, &meta, id, &SplitInput { events }).await?;
    Ok(back(out.person_id.unwrap_or(id), &purpose, "rider_split"))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    /// confirm or reject.
    decision: String,
    #[serde(default)]
    purpose: String,
}

/// RID-05, RID-06: confirm or "not this person" for one event of the file.
pub async fn event_decision(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(params): Path<(RecordId, RecordId)>,
    FormBody(f): FormBody<DecisionForm>,
) -> AppResult<Response> {
    let (RecordId(id), RecordId(event)) = params;
    let ok = decide(&state, &user, &meta, event, &f.decision).await?;
    Ok(back(id, &f.purpose, ok))
}

/// Shared by the file and the queue: the act and the confirmation key to show.
pub(super) async fn decide(
    state: &AppState,
    user: &crate::auth::Principal,
    meta: &RequestMeta,
    event: i64,
    decision: &str,
) -> AppResult<&'static str> {
    match decision {
        "confirm" => {
            acts::confirm_match(state, user, meta, event).await?;
            Ok("rider_match_confirmed")
        }
        "reject" => {
            acts::reject_match(state, user, meta, event).await?;
            Ok("rider_match_rejected")
        }
        _ => {
            Err(roadwarden_domain::FieldError::new("decision", "must be confirm or reject").into())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RequeueForm {
    /// The rider file the request is shown on (to return to).
    person: String,
    #[serde(default)]
    purpose: String,
}

/// RID-10: an e-bike officer sends a failed outside request again from the rider's file.
pub async fn requeue_outside(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<RequeueForm>,
) -> AppResult<Response> {
    let person = record_id("person", &f.person)?;
    crate::services::outside::requeue(&state, &user, &meta, id).await?;
    Ok(back(person, &f.purpose, "outside_requeued"))
}
