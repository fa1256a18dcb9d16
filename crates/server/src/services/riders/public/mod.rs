//! RID-12, RID-14: the rider services, for riders themselves, without an account. A rider
//! proves who they are with their ID number and a one-time code sent to the phone on file in the
//! face base library (`proof`); a short session bound to that person only then reads their own
//! record, tier and what happens next (`record`, every read audited with the rider, by proof, as
//! the actor), takes the safety quiz whose pass counts as self-study (`quiz`), and answers the
//! satisfaction survey (`survey`). Case studies, the quiz's bank and the penalties are data
//! (`content`).

pub mod content;
pub mod proof;
pub mod quiz;
pub mod record;
pub mod survey;

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::RiderPersonId;
use roadwarden_store::riders::persons::{self as person_rows, RiderPerson};
use roadwarden_store::riders::public as rows;
use roadwarden_store::Tx;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::services::audit::{record, Actor, Event};

/// The hash a session token is kept by.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("rw-rider-session:{token}").as_bytes(),
    ))
}

/// The rider a live session is bound to.
pub(crate) struct Proven {
    pub person: RiderPerson,
    pub expires_at: DateTime<Utc>,
}

fn session_required() -> AppError {
    AppError::protocol(
        axum::http::StatusCode::UNAUTHORIZED,
        Code::RiderPublicSessionRequired,
        "prove who you are first: your ID number and the code sent to your phone",
    )
}

/// RID-12: the person behind a session token, or 401. A file merged away since ends it.
pub(crate) async fn proven(
    tx: &mut Tx,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Proven> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or_else(session_required)?;
    let session = rows::session(tx, &token_hash(token), now)
        .await?
        .ok_or_else(session_required)?;
    let person = person_rows::get(tx, RiderPersonId(session.person_id))
        .await?
        .filter(|p| p.merged_into.is_none())
        .ok_or_else(session_required)?;
    Ok(Proven {
        person,
        expires_at: session.expires_at,
    })
}

/// The rider as the audit trail names them: the person, proven by ID number and SMS code.
pub(crate) fn rider_actor(person: &RiderPerson, meta: &RequestMeta) -> Actor {
    Actor {
        user_id: None,
        name: format!("rider:{}", person.id.0),
        unit_id: Some(person.unit_id),
        ip: meta.ip.clone(),
        request_id: meta.request_id.clone(),
    }
}

/// One audit entry of a rider's own act or read (SEC-08: the purpose is the rider's own
/// record, RID-12).
pub(crate) async fn audit_rider(
    tx: &mut Tx,
    person: &RiderPerson,
    meta: &RequestMeta,
    action: &str,
    mut detail: Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if let Value::Object(m) = &mut detail {
        m.insert("rule".into(), "RID-12".into());
        m.insert("proof".into(), "id_number+sms_code".into());
    }
    record(
        tx,
        &rider_actor(person, meta),
        Event {
            action,
            object_type: "rider_person",
            object_id: person.id.0.to_string(),
            unit_id: Some(person.unit_id),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

/// A string of the strings file with `{name}` placeholders filled.
pub(crate) fn words(lang: Lang, key: &str, values: &[(&str, String)]) -> String {
    let mut text = i18n::t(lang, key);
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}
