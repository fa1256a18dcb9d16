//! SUP-07: a device's history of decisions: who proposed, reviewed, approved, warned, fixed
//! and accepted, from the device's timeline and every check-list step, so that inaction can be
//! traced to a person.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::{context, Value};
use roadwarden_domain::DeviceId;

use crate::auth::Require;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::CheckListReaders;
use crate::services::supervision::pages;
use crate::state::AppState;
use crate::ui::page_context;
use crate::ui::views::render;

/// Who answers for each kind of decision: the kinds the summary at the top names.
const SUMMARY: [(&str, &[&str]); 6] = [
    ("proposed", &["event:create", "event:file_assessment"]),
    (
        "reviewed",
        &[
            "event:review_approved",
            "event:review_returned_by",
            "step:recheck",
        ],
    ),
    (
        "approved",
        &[
            "event:start_formal_use",
            "event:evaluation_kept",
            "event:resume",
        ],
    ),
    (
        "warned",
        &[
            "event:warn",
            "step:warn",
            "event:order_rectification",
            "event:suspend",
            "event:circuit_break",
        ],
    ),
    (
        "fixed",
        &[
            "step:fix_on_spot",
            "step:plan",
            "step:report_progress",
            "step:submit",
            "event:fault_fixed",
        ],
    ),
    ("accepted", &["step:accept", "step:send_back"]),
];

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<CheckListReaders>,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let d = pages::decisions(&state, &user, DeviceId(id)).await?;
    let summary: Vec<Value> = SUMMARY
        .iter()
        .map(|(what, kinds)| {
            let mut people: Vec<String> = Vec::new();
            for x in &d.decisions {
                let tag = format!("{}:{}", x.source, x.kind);
                if kinds.contains(&tag.as_str()) && !people.contains(&x.by) {
                    people.push(x.by.clone());
                }
            }
            context! { what => what, people => people }
        })
        .collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/devices",
        context! {
            d => Value::from_serialize(&d),
            summary => summary,
        },
    );
    Ok(render("supervision_decisions.html", ctx)?.into_response())
}
