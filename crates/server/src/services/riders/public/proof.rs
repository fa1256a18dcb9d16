//! RID-12: a rider proves who they are with their ID number and a one-time code sent to the
//! phone on file in the face base library. The answer to a code request is the same whether or
//! not the number is on file (a request for an unknown number is stored like any other, with a
//! hash no code matches, and counts toward the same limits); the SMS leaves on its own task so
//! the answer takes as long either way. Codes are kept as hashes, valid a few minutes and a few
//! tries; requests are limited per number, per phone and per address (429).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use roadwarden_domain::account::IdNumber;
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::Country;
use roadwarden_domain::{FieldError, RuleViolation};
use roadwarden_store::audit::serialize_on;
use roadwarden_store::riders::persons as person_rows;
use roadwarden_store::riders::public::{self as rows, CodeKey, NewRiderCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{audit_rider, token_hash};
use crate::auth::token::constant_time_eq;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::captures::public_reports::{mask_phone, normalise_phone, send_code_sms};
use crate::services::context::ServiceContext;

/// A rider asks for a code. The number goes in the body, never in a URL.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiderCodeRequest {
    /// The rider's ID number (China: 18 characters; Vietnam: 12 digits).
    #[schema(max_length = 32, example = "11010519491231002X")]
    pub id_number: String,
}

/// The same answer whether or not the number is on file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiderCodeAnswer {
    /// Always `true`: if the number is on file, a code went to its phone.
    pub accepted: bool,
    /// Until when a code sent now is valid.
    pub expires_at: DateTime<Utc>,
}

/// The proof: the number and the code.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiderProof {
    #[schema(max_length = 32, example = "11010519491231002X")]
    pub id_number: String,
    /// The 6-digit code from the text message.
    #[schema(max_length = 12, example = "123456")]
    pub code: String,
}

/// A session opened by a proof. Its token travels only in the HttpOnly cookie.
pub struct Opened {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a proven rider's session says about itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiderSessionView {
    pub expires_at: DateTime<Utc>,
}

/// An ID number of either country, normalised; a malformed one is refused (that says nothing
/// about who is on file).
fn parse_id(raw: &str) -> AppResult<IdNumber> {
    if raw.len() > 32 {
        return Err(FieldError::new("id_number", "is not an ID number").into());
    }
    IdNumber::parse(raw, Country::China)
        .or_else(|_| IdNumber::parse(raw, Country::Vietnam))
        .map_err(|_| FieldError::new("id_number", "is not an ID number").into())
}

/// The key requests for one number are counted by (the number itself is not kept here).
fn id_key(id: &IdNumber) -> String {
    hex::encode(Sha256::digest(
        format!("rw-rider-id:{}", id.as_str()).as_bytes(),
    ))
}

fn code_hash(row: i64, id_key: &str, code: &str) -> String {
    hex::encode(Sha256::digest(
        format!("rw-rider-code:{row}:{id_key}:{code}").as_bytes(),
    ))
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill(&mut b[..]);
    hex::encode(b)
}

/// RID-12 step one: a code to the phone on file, when the number is on file. Refuses only a
/// malformed number, a site with no SMS gateway, or too many requests (429); otherwise the
/// answer is the same for every number.
pub async fn request_code(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    input: &RiderCodeRequest,
) -> AppResult<RiderCodeAnswer> {
    let id = parse_id(&input.id_number)?;
    let settings = &ctx.settings.riders.public;
    if ctx.settings.notices.sms_gateway_url.is_empty() && !ctx.settings.reports.dev_log_codes {
        return Err(AppError::protocol(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Code::ReportNoSmsGateway,
            "the rider services need an SMS gateway to send codes; none is configured",
        ));
    }
    let key = id_key(&id);
    let now = ctx.clock.now();
    let hour = now - Duration::hours(1);
    let expires_at = now + Duration::minutes(settings.code_minutes.max(1));
    let mut tx = ctx.store.begin().await?;
    // Parallel requests must not both read the counts below the limits.
    serialize_on(&mut tx, &format!("rider_code:{key}")).await?;
    serialize_on(&mut tx, &format!("rider_code_ip:{}", meta.ip)).await?;
    if rows::codes_since(&mut tx, CodeKey::IdKey(&key), hour).await?
        >= settings.codes_per_id_per_hour
        || rows::codes_since(&mut tx, CodeKey::Address(&meta.ip), hour).await?
            >= settings.codes_per_address_per_hour
    {
        record(
            &mut tx,
            &Actor::of_public(meta),
            Event {
                action: "rider_public.code_throttled",
                object_type: "id_number",
                object_id: id.masked(),
                unit_id: None,
                detail: json!({ "rule": "RID-12" }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::Throttled(3600));
    }
    let person = person_rows::by_id_number(&mut tx, id.as_str())
        .await?
        .filter(|p| p.merged_into.is_none() && !p.provisional);
    let mut to = None;
    let mut phone_throttled = false;
    if let Some(p) = &person {
        if let Ok(phone) = normalise_phone(&p.phone) {
            serialize_on(&mut tx, &format!("rider_code_phone:{phone}")).await?;
            // Beyond the phone's limit nothing is sent, and the answer stays the same.
            if rows::codes_since(&mut tx, CodeKey::Phone(&phone), hour).await?
                < settings.codes_per_phone_per_hour
            {
                to = Some((p.id, phone));
            } else {
                phone_throttled = true;
            }
        }
    }
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let row = rows::add_code(
        &mut tx,
        &NewRiderCode {
            id_key: &key,
            person_id: to.as_ref().map(|(p, _)| *p),
            phone: to.as_ref().map_or("", |(_, phone)| phone.as_str()),
            code_hash: "",
            source_ip: &meta.ip,
            created_at: now,
            expires_at,
        },
    )
    .await?;
    // A request that sends nothing gets a hash no code has.
    let hash = if to.is_some() {
        code_hash(row, &key, &code)
    } else {
        format!("none:{}", random_hex(16))
    };
    rows::set_code_hash(&mut tx, row, &hash).await?;
    record(
        &mut tx,
        &Actor::of_public(meta),
        Event {
            action: "rider_public.code_requested",
            object_type: "id_number",
            object_id: id.masked(),
            unit_id: person.as_ref().map(|p| p.unit_id),
            detail: json!({ "rule": "RID-12", "sent": to.is_some(),
                            "phone": to.as_ref().map(|(_, phone)| mask_phone(phone)),
                            "phone_throttled": phone_throttled }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    if let Some((_, phone)) = to {
        let ctx = ctx.clone();
        let minutes = settings.code_minutes.max(1);
        tokio::spawn(async move {
            let text = format!(
                "【交警】您的骑行服务验证码为 {code}，{minutes} 分钟内有效，请勿告诉他人。\
                 Your rider services code: {code} ({minutes} min). Mã xác minh: {code}."
            );
            if send_code_sms(&ctx, &phone, &code, &text, "rider-public-code")
                .await
                .is_err()
            {
                tracing::warn!("a rider services code could not be sent");
            }
        });
    }
    Ok(RiderCodeAnswer {
        accepted: true,
        expires_at,
    })
}

fn unproven(message: &str) -> AppError {
    RuleViolation::new("RID-12", Code::RiderPublicUnproven, message.to_owned()).into()
}

/// RID-12 step two: the code is checked (a few tries, until it expires) and used up; a session
/// bound to that person opens. Every refusal reads the same, whether or not the number is on
/// file.
pub async fn prove(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    input: &RiderProof,
) -> AppResult<Opened> {
    let id = parse_id(&input.id_number)?;
    let code = input.code.trim();
    if code.len() > 12 {
        return Err(FieldError::new("code", "is the 6-digit code from the text message").into());
    }
    let key = id_key(&id);
    let settings = &ctx.settings.riders.public;
    let now = ctx.clock.now();
    let refused = "the ID number or the code is not right, or the code has expired: ask for a \
                   new code";
    let mut tx = ctx.store.begin().await?;
    let Some(live) = rows::live_code(&mut tx, &key, now).await? else {
        return Err(unproven(refused));
    };
    if !rows::take_attempt(&mut tx, live.id, settings.code_attempts.max(1)).await? {
        tx.commit().await?;
        return Err(unproven(refused));
    }
    let right = constant_time_eq(&code_hash(live.id, &key, code), &live.code_hash);
    let person = match (right, live.person_id) {
        (true, Some(p)) => person_rows::get(&mut tx, roadwarden_domain::RiderPersonId(p))
            .await?
            .filter(|p| p.merged_into.is_none()),
        _ => None,
    };
    let Some(person) = person else {
        record(
            &mut tx,
            &Actor::of_public(meta),
            Event {
                action: "rider_public.code_refused",
                object_type: "id_number",
                object_id: id.masked(),
                unit_id: None,
                detail: json!({ "rule": "RID-12" }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(unproven(refused));
    };
    if !rows::use_code(&mut tx, live.id, now).await? {
        return Err(unproven(refused));
    }
    let token = random_hex(32);
    let expires_at = now + Duration::minutes(settings.session_minutes.max(1));
    rows::add_session(
        &mut tx,
        &token_hash(&token),
        person.id,
        &meta.ip,
        now,
        expires_at,
    )
    .await?;
    audit_rider(
        &mut tx,
        &person,
        meta,
        "rider_public.proved",
        json!({ "expires_at": expires_at }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Opened { token, expires_at })
}

/// Ends a session (signing out). Nothing to end is not an error.
pub async fn end(ctx: &ServiceContext, meta: &RequestMeta, token: Option<&str>) -> AppResult<()> {
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 128) else {
        return Ok(());
    };
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    if let Ok(p) = super::proven(&mut tx, Some(token), now).await {
        rows::end_session(&mut tx, &token_hash(token), now).await?;
        audit_rider(
            &mut tx,
            &p.person,
            meta,
            "rider_public.signed_out",
            json!({}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The session's expiry, for a page that checks it is still proven.
pub async fn session(ctx: &ServiceContext, token: Option<&str>) -> AppResult<RiderSessionView> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin_read().await?;
    let p = super::proven(&mut tx, token, now).await?;
    Ok(RiderSessionView {
        expires_at: p.expires_at,
    })
}
