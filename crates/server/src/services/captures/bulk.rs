//! A notice clerk's steps on several records at once (issue 14 item 5): print their letters
//! as one PDF, or record their notices as posted (NOT-01). Each record goes through the same
//! checks as one at a time; a record the clerk may not act on is refused on its own, with its
//! reason, and the others go ahead. At most [`BULK_MAX`] records a request.

use std::collections::BTreeSet;

use roadwarden_domain::codes::Code;
use roadwarden_domain::FieldError;
use roadwarden_store::violations as store_violations;
use serde::Serialize;
use serde_json::json;

use super::violations::{self, ClerkAction};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::NoticeClerks;
use crate::services::audit::record_list_read;
use crate::services::context::ServiceContext;

/// The most records one bulk step takes (a page of the list).
pub const BULK_MAX: usize = 200;

/// A record left out, and why (the code the person reads in their language).
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub id: i64,
    pub code: Code,
}

/// What a bulk step did.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    /// The records acted on, in the order asked.
    pub done: Vec<i64>,
    pub refused: Vec<Refused>,
    /// The letters, one page each, when letters were asked for and any could be printed.
    pub pdf: Option<Vec<u8>>,
}

/// The ids asked for, once each, in order: at least one, at most [`BULK_MAX`].
pub fn selection(ids: &[i64]) -> AppResult<Vec<i64>> {
    let mut seen = BTreeSet::new();
    let picked: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if picked.is_empty() {
        return Err(FieldError::new("ids", "select at least one record").into());
    }
    if picked.len() > BULK_MAX {
        return Err(FieldError::new("ids", format!("select at most {BULK_MAX} records")).into());
    }
    if picked.iter().any(|id| *id <= 0) {
        return Err(FieldError::new("ids", "must be positive whole numbers").into());
    }
    Ok(picked)
}

fn check_clerk(p: &Principal) -> AppResult<()> {
    if p.may::<NoticeClerks>() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            Code::RoleMissing,
            "printing and posting notices is for notice clerks",
        ))
    }
}

/// NOT-01: the letters of the selected records as one PDF, as the sender writes them. A
/// record out of scope is "not found"; one without a letter notice (no postal address on
/// file) is refused. The print is recorded with the records it holds (SEC-05: the letters
/// carry names and addresses).
pub async fn print_letters(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    ids: &[i64],
) -> AppResult<BulkOutcome> {
    check_clerk(p)?;
    let ids = selection(ids)?;
    let now = ctx.clock.now();
    let mut out = BulkOutcome::default();
    let mut letters = Vec::new();
    let mut tx = ctx.store.begin().await?;
    for &id in &ids {
        match violations::readable(&mut tx, p, id).await {
            Ok(_) => {}
            Err(AppError::NotFound(_)) => {
                out.refused.push(Refused {
                    id,
                    code: Code::NotFound,
                });
                continue;
            }
            Err(e) => return Err(e),
        }
        let notices = store_violations::notices_of(&mut tx, id).await?;
        match notices.into_iter().find(|n| n.channel == "letter") {
            Some(n) => {
                out.done.push(id);
                letters.push(n);
            }
            None => out.refused.push(Refused {
                id,
                code: Code::NoticeNoLetter,
            }),
        }
    }
    record_list_read(
        &mut tx,
        p,
        meta,
        "violation.print_letters",
        "violation",
        json!({ "printed": out.done, "refused": out.refused.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    if !letters.is_empty() {
        let letters = super::outbox::letters_of(ctx, &letters).await?;
        out.pdf = Some(roadwarden_letter::render_many(&letters));
    }
    Ok(out)
}

/// NOT-01: records the notices of the selected records as posted, one record at a time
/// through the clerk's own step (each checked and audited as if done alone). A record that
/// may not take the step (out of scope, already notified, closed) is refused with its code.
pub async fn mark_posted(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    ids: &[i64],
) -> AppResult<BulkOutcome> {
    check_clerk(p)?;
    let ids = selection(ids)?;
    let mut out = BulkOutcome::default();
    for id in ids {
        let step = ClerkAction::Notify {
            channel: "post".to_owned(),
        };
        match violations::act(ctx, p, meta, id, step).await {
            Ok(_) => out.done.push(id),
            Err(e @ (AppError::Internal(_) | AppError::Busy)) => return Err(e),
            Err(e) => out.refused.push(Refused { id, code: e.code() }),
        }
    }
    Ok(out)
}
