//! Pages for the capture-to-fine chain: the review desk (keyboard-driven), violation records
//! for notice clerks, objections for their handlers, and the owner's public page. Every form
//! goes through the same services as the API.

use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::capture::notice::ViolationState;
use roadwarden_domain::capture::objection::ObjectionState;
use roadwarden_domain::capture::penalty::Money;
use roadwarden_domain::capture::review::{EliminationReason, RejectReason};
use roadwarden_domain::device::violations;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use super::lists::{xlsx_download, ListPage};
use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::{CurrentUser, Require, Visitor};
use crate::context::RequestMeta;
use crate::edge::{record_id, Path, RecordId};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::policy::{
    EliminationVerifiers, Eliminators, NoticeClerks, ObjectionHandlers, ObjectionReaders,
    Reviewers, ViolationReaders,
};
use crate::services::captures::forms;
use crate::services::captures::objections::{self, ObjectionDecision, ObjectionInput};
use crate::services::captures::outbox::colour_name;
use crate::services::captures::records::violation_detail;
use crate::services::captures::review::{self, DecisionInput};
use crate::services::captures::violation_list::{self, ViolationListQuery};
use crate::services::captures::violations::{self as records, ClerkAction};
use crate::services::units;
use crate::state::AppState;

fn violation_name(code: &str, lang: Lang) -> String {
    violations::lookup(code).map_or_else(|| code.to_owned(), |v| v.name(lang.code()).to_owned())
}

// ---- the review desk -----------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub struct ReviewQuery {
    id: Option<String>,
    after: Option<String>,
    /// The capture whose decision the desk holds for undo: handed over the next one, not
    /// skipped.
    holding: Option<String>,
    ok: Option<String>,
}

/// The review desk: the queue on the left, the capture to decide in the middle. Without an
/// id it hands out the next capture by deadline (held for this reviewer a few minutes).
pub async fn review_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<ReviewQuery>,
) -> AppResult<Response> {
    let current = match q.id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Some(review::show(&state, &user, &meta, record_id("id", id)?).await?),
        None => {
            let after = q
                .after
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| record_id("after", s))
                .transpose()?;
            let holding = q
                .holding
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| record_id("holding", s))
                .transpose()?;
            review::next(&state, &user, &meta, after, holding).await?
        }
    };
    let page = review::queue(&state, &user, 30).await?;
    let stats = review::stats(&state, &user).await.unwrap_or_default();
    let current_id = current.as_ref().map(|v| v.capture.id);
    let zoom = current.as_ref().and_then(|v| {
        let i = v
            .images
            .iter()
            .find(|i| i.plate_w.is_some())
            .or_else(|| v.images.iter().find(|i| i.kind == "plate"))?;
        Some(context! {
            position => i.position,
            rect => i.plate_w.map(|w| format!("{} {} {} {}", i.plate_x.unwrap_or(0), i.plate_y.unwrap_or(0), w, i.plate_h.unwrap_or(w / 3))),
        })
    });
    // The scenes lead the page; the plate and vehicle pictures go beside them.
    let (scenes, others): (Vec<_>, Vec<_>) = current
        .as_ref()
        .map(|v| v.images.iter().partition(|i| i.kind == "scene"))
        .unwrap_or_default();
    let scenes: Vec<i32> = scenes.iter().map(|i| i.position).collect();
    let others = Value::from_serialize(&others);
    let violation = current
        .as_ref()
        .map(|v| violation_name(&v.capture.violation_code, lang));
    let colour = current
        .as_ref()
        .map(|v| colour_name(&v.capture.plate_colour, lang.code()));
    let ctx = page_context(
        lang,
        Some(&user),
        "/review",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            c => current.as_ref().map(Value::from_serialize),
            current_id => current_id,
            zoom => zoom,
            scenes => scenes,
            others => others,
            violation => violation,
            colour => colour,
            queue => Value::from_serialize(&page),
            reasons => RejectReason::ALL.iter().map(|r| context! { code => r.as_str(), item => r.item() }).collect::<Vec<_>>(),
            stats => Value::from_serialize(&stats),
        },
    );
    Ok(render("review.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub async fn decide(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<DecisionForm>,
) -> AppResult<Response> {
    let input = DecisionInput {
        decision: f.decision,
        reason: Some(f.reason).filter(|r| !r.is_empty()),
        note: f.note,
    };
    let out = review::decide(&state, &user, &meta, id, &input).await?;
    Ok(Redirect::to(&format!("/review?ok=decided_{}", out.state)).into_response())
}

// ---- violation records ---------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    list: ViolationListQuery,
    ok: Option<String>,
}

/// The violations list: search by plate, days, state and unit; sort by time, plate or state;
/// a page at a time, with the export of the same filter.
pub async fn violations_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let parsed = q.list.parse()?;
    let found = violation_list::list_in_scope(&state, &user, &meta, &parsed).await?;
    let unit_options = units::subtree(&state, &user).await?;
    let rows: Vec<Value> = found
        .rows
        .iter()
        .map(|v| {
            context! {
                v => Value::from_serialize(v),
                violation => violation_name(&v.violation_code, lang),
                fine => records::money_of(v).display(lang.code()),
            }
        })
        .collect();
    let list = ListPage {
        path: "/violations",
        spec: &violation_list::SORT,
        params: &parsed.params,
        filters: &[
            ("state", q.list.state.as_deref()),
            ("unit_id", q.list.unit_id.as_deref()),
        ],
        total: found.total,
        headings: &[
            ("plate", "violations.plate"),
            ("time", "violations.time_place"),
            ("state", "violations.state"),
        ],
        search_hint: "violations.search",
        export: true,
        dates: true,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/violations",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => rows,
            states => ViolationState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            state => q.list.state,
            unit_id => q.list.unit_id,
            units => unit_options.iter().map(|u| context! { id => u.id.0, name => u.name, depth => u.path.depth().saturating_sub(user.scope().depth()) }).collect::<Vec<_>>(),
            list => list.view(),
            is_clerk => user.may::<NoticeClerks>(),
        },
    );
    Ok(render("violations.html", ctx)?.into_response())
}

/// The list's records, same filter and order, as an XLSX workbook in the reader's language.
pub async fn violations_export(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let parsed = q.list.parse()?;
    let bytes = violation_list::export(&state, &user, &meta, &parsed, lang).await?;
    Ok(xlsx_download("violations", state.clock.now(), bytes))
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQuery {
    ok: Option<String>,
}

pub async fn violation_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let d = violation_detail(&state, &user, &meta, id).await?;
    let v = &d.violation;
    let st = v.state;
    let open_objection = d
        .objections
        .iter()
        .any(|o| o.state == ObjectionState::Received);
    let ctx = page_context(
        lang,
        Some(&user),
        "/violations",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            d => Value::from_serialize(&d),
            // DAT-01: a correction's before and after in words, not as its JSON.
            event_details => d.events.iter().map(|e| super::timeline_text::detail(lang, &e.detail)).collect::<Vec<_>>(),
            v => Value::from_serialize(v),
            paid => v.paid_minor.map(|m| Money { minor: m, ..records::money_of(v) }.display(lang.code())),
            late_fee_paid => v.late_fee_minor.map(|m| Money { minor: m, ..records::money_of(v) }.display(lang.code())),
            violation => violation_name(&v.violation_code, lang),
            colour => colour_name(v.plate_colour.as_str(), lang.code()),
            fine => records::money_of(v).display(lang.code()),
            reference => crate::services::captures::outbox::reference(v),
            is_clerk => user.may::<NoticeClerks>(),
            may_review => user.may::<Reviewers>(),
            may_eliminate => user.may::<Eliminators>() && st.is_open(),
            may_verify_elimination => user.may::<EliminationVerifiers>()
                && st.is_open() && v.elimination_verified_at.is_none(),
            may_take_objection => user.may::<ObjectionHandlers>() && st.is_open() && !open_objection,
            open => st.is_open(),
            state_entered => st == ViolationState::Entered,
            state_notified => st == ViolationState::Notified,
            state_decided => st == ViolationState::Decided,
            eliminations => EliminationReason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        },
    );
    Ok(render("violation.html", ctx)?.into_response())
}

/// The clerk's forms, one shape for all of them (the form also carries the CSRF token).
#[derive(Debug, Deserialize)]
pub struct ClerkForm {
    action: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    driver_name: String,
    #[serde(default)]
    note: String,
}

pub async fn violation_action(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<ClerkForm>,
) -> AppResult<Response> {
    let action = match f.action.as_str() {
        "notify" => ClerkAction::Notify { channel: f.channel },
        "extend" => ClerkAction::Extend {
            until: f.until,
            reason: f.reason,
        },
        "handle" => ClerkAction::Handle {
            driver_name: f.driver_name,
        },
        "pay" => ClerkAction::Pay,
        "eliminate" => ClerkAction::Eliminate {
            reason: f.reason,
            note: f.note,
        },
        "verify_elimination" => ClerkAction::VerifyElimination {
            reason: f.reason,
            note: f.note,
        },
        _ => return Err(FieldError::new("action", "is not a step of a record").into()),
    };
    records::act(&state, &user, &meta, id, action).await?;
    Ok(Redirect::to(&format!("/violations/{id}?ok=step_recorded")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct WindowForm {
    text: String,
    #[serde(default)]
    contact: String,
}

/// APL-02 at a window: the handler types in what the party says.
pub async fn window_objection(
    State(state): State<AppState>,
    user: Require<ObjectionHandlers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<WindowForm>,
) -> AppResult<Response> {
    objections::lodge_at_window(
        &state,
        &user,
        &meta,
        ObjectionInput {
            violation_id: id,
            text: f.text,
            contact: f.contact,
            ..ObjectionInput::default()
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/violations/{id}?ok=objection_lodged")).into_response())
}

// ---- objections ----------------------------------------------------------------------------

pub async fn objections_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ObjectionReaders>,
    meta: RequestMeta,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let cases = objections::desk(&state, &user, &meta).await?;
    let now = state.clock.now();
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            let o = &c.objection;
            context! {
                o => Value::from_serialize(o),
                overdue => o.state == ObjectionState::Received && now >= o.due_at,
                photos => (0..o.photos.len()).collect::<Vec<_>>(),
                plate => c.plate,
                plate_colour => c.plate_colour,
                violation => violation_name(&c.violation_code, lang),
                images => Value::from_serialize(&c.images),
            }
        })
        .collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/objections",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => rows,
            eliminations => EliminationReason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            may_decide => user.may::<ObjectionHandlers>(),
        },
    );
    Ok(render("objections.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct ObjectionForm {
    upheld: String,
    reply: String,
    #[serde(default)]
    elimination_reason: String,
}

pub async fn decide_objection(
    State(state): State<AppState>,
    user: Require<ObjectionHandlers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<ObjectionForm>,
) -> AppResult<Response> {
    let input = ObjectionDecision {
        upheld: match f.upheld.as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(FieldError::new("upheld", "choose upheld or not upheld").into()),
        },
        reply: f.reply,
        elimination_reason: Some(f.elimination_reason).filter(|r| !r.is_empty()),
    };
    objections::decide(&state, &user, &meta, id, &input).await?;
    Ok(Redirect::to("/objections?ok=objection_decided").into_response())
}

/// APL-02: a photo the objector attached (read recorded).
pub async fn objection_photo(
    State(state): State<AppState>,
    user: Require<ObjectionReaders>,
    meta: RequestMeta,
    Path(params): Path<(RecordId, String)>,
) -> AppResult<Response> {
    let (RecordId(id), n) = params;
    let index = n
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| FieldError::new("n", "must be a photo number"))?;
    let bytes = objections::photo(&state, &user, &meta, id, index - 1).await?;
    Ok(jpeg(bytes))
}

/// A picture answered to a page: private to this person's browser, kept a few minutes.
fn jpeg(bytes: Vec<u8>) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        bytes,
    )
        .into_response()
}

// ---- the public page -----------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub struct PublicQuery {
    plate: Option<String>,
    ok: Option<String>,
}

/// The owner's proof: the plate and the last six characters of the VIN. It travels in a form
/// body, never in the address, so it stays out of browser history, proxies and access logs.
#[derive(Debug, Deserialize, Default)]
pub struct LookupForm {
    #[serde(default)]
    plate: String,
    #[serde(default)]
    vin_tail: String,
}

/// NOT-02a / APL-02: the owner's page, signed out: the look-up form (a plate may be given in
/// the address to fill it in; a VIN tail there is ignored).
pub async fn public_page(
    State(_state): State<AppState>,
    lang: Lang,
    visitor: Visitor,
    Query(q): Query<PublicQuery>,
) -> AppResult<Response> {
    let plate = q.plate.unwrap_or_default();
    let done = flash(lang, q.ok.as_deref());
    let shown = Shown {
        plate: &plate,
        vin_tail: "",
        csrf: visitor.csrf(),
    };
    public_records_page(lang, &shown, None, None, done.as_deref())
}

/// What the owner's page shows back in its forms.
struct Shown<'a> {
    plate: &'a str,
    vin_tail: &'a str,
    /// A signed-in visitor's CSRF token: their forms post like any page's.
    csrf: Option<String>,
}

/// NOT-02a: an owner looks up their records with the plate and the VIN tail (posted).
pub async fn public_lookup(
    State(state): State<AppState>,
    lang: Lang,
    meta: RequestMeta,
    visitor: Visitor,
    FormBody(f): FormBody<LookupForm>,
) -> AppResult<Response> {
    let shown = Shown {
        plate: &f.plate,
        vin_tail: &f.vin_tail,
        csrf: visitor.csrf(),
    };
    public_answer(&state, lang, &meta, &shown, None).await
}

/// Looks the records up and renders them, or the reason they cannot be shown.
async fn public_answer(
    state: &AppState,
    lang: Lang,
    meta: &RequestMeta,
    shown: &Shown<'_>,
    flash_text: Option<String>,
) -> AppResult<Response> {
    let (records, error) = match crate::services::captures::public_lookup::public_lookup(
        state,
        meta,
        shown.plate,
        shown.vin_tail,
        lang.code(),
    )
    .await
    {
        Ok(r) => (Some(r), None),
        Err(AppError::NotFound(_) | AppError::BadInput(_)) => (None, Some("publicv.not_found")),
        Err(AppError::TooManyAttempts(_)) => (None, Some("publicv.too_many")),
        Err(e) => return Err(e),
    };
    let records = records.map(|r| Value::from_serialize(&r));
    public_records_page(lang, shown, records.as_ref(), error, flash_text.as_deref())
}

fn public_records_page(
    lang: Lang,
    shown: &Shown<'_>,
    records: Option<&Value>,
    error: Option<&str>,
    flash_text: Option<&str>,
) -> AppResult<Response> {
    let ctx = page_context(
        lang,
        None,
        "/public/violations",
        context! {
            flash => flash_text,
            plate => shown.plate,
            vin_tail => shown.vin_tail,
            visitor_csrf => shown.csrf,
            records => records,
            error => error,
        },
    );
    Ok(render("public_violations.html", ctx)?.into_response())
}

/// NOT-02a: a picture of an owner's record, through the link their look-up signed.
pub async fn public_photo(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let bytes =
        crate::services::captures::public_lookup::public_photo(&state, &meta, &token).await?;
    Ok(jpeg(bytes))
}

pub async fn public_objection(
    State(state): State<AppState>,
    lang: Lang,
    meta: RequestMeta,
    visitor: Visitor,
    form: Multipart,
) -> AppResult<Response> {
    let input = forms::objection_form(form).await?;
    let (plate, tail) = (input.plate.clone(), input.vin_tail.clone());
    objections::lodge_public(&state, &meta, input).await?;
    // The records again, with the objection on them: no redirect, which would have to carry
    // the VIN tail in the address.
    let done = flash(lang, Some("objection_lodged"));
    let shown = Shown {
        plate: &plate,
        vin_tail: &tail,
        csrf: visitor.csrf(),
    };
    public_answer(&state, lang, &meta, &shown, done).await
}
