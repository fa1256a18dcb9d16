//! REV-05: photos reported by the public are evidence once verified and go through the same
//! review (PR art. 23). A report becomes a capture without a device (source `public_report`):
//! it enters the review queue of the police of the place and is decided like any capture.
//!
//! Before a report is accepted the reporter proves their phone with a one-time code (sent
//! through the SMS gateway of the notices; kept only as a hash, valid a few minutes and a few
//! tries). Reports and codes are limited per phone and per address (429). The pictures pass
//! the same checks as a device's push, and the plate the same reading.

use bytes::Bytes;
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use rand::Rng;
use roadwarden_domain::capture::intake::{
    check_capture_time, missing_elements, CaptureSource, Elements, Flag, Flags,
};
use roadwarden_domain::capture::plate::{plate_key, read_plate, PlateColour, PlateReading};
use roadwarden_domain::capture::review::{review_deadline, CaptureState};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::{text, violations as catalogue, CaptureUse};
use roadwarden_domain::org::{Level, UnitPath};
use roadwarden_domain::{FieldError, RuleViolation, UnitId};
use roadwarden_store::captures::{self, NewCapture};
use roadwarden_store::{audit, public_reports, units};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::ingest::{check_images, store_images, RawImage};
use crate::auth::token::constant_time_eq;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::captures::{ReportOptions, ReportUnit, ReportViolationType};

/// How a report came in (kept in the capture's `via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Web,
    Api,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "public_web",
            Channel::Api => "public_api",
        }
    }
}

/// A report as the form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// The code of the county whose roads it concerns.
    pub unit: String,
    pub plate: String,
    pub plate_colour: String,
    pub vehicle_type: String,
    pub violation_code: String,
    pub place: String,
    /// RFC 3339, or a local `YYYY-MM-DDTHH:MM` (the form's field) in the unit's time zone.
    pub captured_at: String,
    pub phone: String,
    pub code: String,
    pub photos: Vec<Bytes>,
    pub lang: String,
}

/// What the reporter is told.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportReceipt {
    pub report_id: i64,
    /// The reference to quote (RP-…).
    pub reference: String,
    /// `pending`: waiting for review.
    pub state: String,
    /// REV-01: by when the police review it.
    pub review_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The reporter's mobile number.
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CodeSent {
    /// The number it went to, masked.
    pub phone: String,
    pub expires_at: DateTime<Utc>,
}

pub fn reference(report_id: i64) -> String {
    format!("RP-{report_id:08}")
}

/// A mobile number: digits with an optional leading `+`, spaces and dashes dropped.
pub fn normalise_phone(raw: &str) -> Result<String, FieldError> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '\u{3000}'))
        .collect();
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            "phone",
            "must be a mobile number of 8 to 15 digits",
        ));
    }
    Ok(cleaned)
}

/// What a reviewer sees of a phone: the first three and last four digits.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

fn code_hash(id: i64, phone: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("rw-report-code:{id}:{phone}:{code}").as_bytes());
    hex::encode(h.finalize())
}

fn throttled(retry: Duration) -> AppError {
    AppError::Throttled(u64::try_from(retry.num_seconds().max(1)).unwrap_or(1))
}

/// REV-05 contact proof, step one: a one-time code to the reporter's phone.
pub async fn request_code(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    input: &CodeRequest,
) -> AppResult<CodeSent> {
    let phone = normalise_phone(&input.phone)?;
    let settings = &ctx.settings.reports;
    let gateway = &ctx.settings.notices.sms_gateway_url;
    if gateway.is_empty() && !settings.dev_log_codes {
        return Err(AppError::protocol(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Code::ReportNoSmsGateway,
            "public reports need an SMS gateway to prove the reporter's phone; none is configured",
        ));
    }
    let now = ctx.clock.now();
    let hour = now - Duration::hours(1);
    let mut tx = ctx.store.begin().await?;
    // Two parallel requests must not both read the counts below the limits.
    audit::serialize_on(&mut tx, &format!("public_report_code:{phone}")).await?;
    audit::serialize_on(&mut tx, &format!("public_report_code_ip:{}", meta.ip)).await?;
    if public_reports::codes_since(&mut tx, Some(&phone), None, hour).await?
        >= settings.codes_per_phone_per_hour
        || public_reports::codes_since(&mut tx, None, Some(&meta.ip), hour).await?
            >= settings.codes_per_address_per_hour
    {
        record(
            &mut tx,
            &Actor::of_public(meta),
            Event {
                action: "public_report.code_throttled",
                object_type: "phone",
                object_id: mask_phone(&phone),
                unit_id: None,
                detail: json!({ "rule": "REV-05" }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(throttled(Duration::hours(1)));
    }
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let expires_at = now + Duration::minutes(settings.code_minutes.max(1));
    let id = public_reports::add_code(&mut tx, &phone, "", &meta.ip, now, expires_at).await?;
    public_reports::set_code_hash(&mut tx, id, &code_hash(id, &phone, &code)).await?;
    record(
        &mut tx,
        &Actor::of_public(meta),
        Event {
            action: "public_report.code_sent",
            object_type: "phone",
            object_id: mask_phone(&phone),
            unit_id: None,
            detail: json!({ "rule": "REV-05", "expires_at": expires_at }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    deliver(ctx, &phone, &code).await?;
    Ok(CodeSent {
        phone: mask_phone(&phone),
        expires_at,
    })
}

/// Sends the code through the SMS gateway, or (development only, when configured so) writes
/// it to the log's `roadwarden::dev_sms` channel. The code appears nowhere else.
async fn deliver(ctx: &ServiceContext, phone: &str, code: &str) -> AppResult<()> {
    let minutes = ctx.settings.reports.code_minutes;
    let text = format!(
        "【交警】您的举报验证码为 {code}，{minutes} 分钟内有效。Your report code: {code} \
         ({minutes} min). Mã xác minh: {code}."
    );
    send_code_sms(ctx, phone, code, &text, "public-report-code").await
}

/// A one-time code's text message through the notices' SMS gateway (also the rider services'
/// proof, RID-12); without a gateway, in development only, the code goes to the log's
/// `roadwarden::dev_sms` channel.
pub(crate) async fn send_code_sms(
    ctx: &ServiceContext,
    phone: &str,
    code: &str,
    text: &str,
    reference: &str,
) -> AppResult<()> {
    let n = &ctx.settings.notices;
    if n.sms_gateway_url.is_empty() {
        tracing::warn!(target: "roadwarden::dev_sms", to = %phone, %code, %reference,
            "one-time code (no SMS gateway: development delivery through the log)");
        return Ok(());
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(AppError::internal)?;
    let mut req = client
        .post(&n.sms_gateway_url)
        .json(&json!({ "to": phone, "text": text, "reference": reference }));
    if !n.sms_gateway_token.expose().is_empty() {
        req = req.bearer_auth(n.sms_gateway_token.expose());
    }
    let sent = req.send().await.map(|r| r.status().is_success());
    if sent.unwrap_or(false) {
        Ok(())
    } else {
        tracing::warn!(%reference, "the SMS gateway did not take a one-time code");
        Err(AppError::protocol(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Code::ReportSmsFailed,
            "the code could not be sent; try again in a moment",
        ))
    }
}

/// The report's fields, checked: everything that can refuse it, before the code is used.
struct Checked {
    unit: units::Unit,
    phone: String,
    plate: String,
    colour: PlateColour,
    vehicle_type: String,
    violation_code: String,
    place: String,
    captured_at: DateTime<Utc>,
    images: Vec<RawImage>,
}

async fn check(ctx: &ServiceContext, input: ReportInput) -> AppResult<Checked> {
    let phone = normalise_phone(&input.phone)?;
    let mut tx = ctx.store.begin_read().await?;
    let unit = units::get_by_code(&mut tx, input.unit.trim())
        .await?
        .filter(|u| u.level == Level::County)
        .ok_or_else(|| FieldError::new("unit", "must be the code of a county"))?;
    drop(tx);
    let colour = PlateColour::parse(&input.plate_colour)?;
    // The same reading as a device's push (the same normalisation and refusals); a report
    // must name the vehicle (REV-03(3)).
    let plate = match read_plate(unit.country, &input.plate, colour)? {
        PlateReading::Read(p) => p.number,
        PlateReading::Unidentified => {
            return Err(FieldError::new("plate", "give the plate of the vehicle you saw").into())
        }
    };
    let violation_code = input.violation_code.trim().to_ascii_uppercase();
    if !catalogue::of_country(unit.country).any(|v| v.code == violation_code) {
        return Err(FieldError::new(
            "violation_code",
            "must be a violation type of the unit's country",
        )
        .into());
    }
    let place = text("place", &input.place, 200, true)?;
    let vehicle_type = text("vehicle_type", &input.vehicle_type, 32, false)?;
    let captured_at = parse_time(&input.captured_at, unit.tz())?;
    let now = ctx.clock.now();
    check_capture_time(
        captured_at,
        now,
        Duration::seconds(ctx.settings.captures.future_tolerance_secs),
    )?;
    if captured_at < now - Duration::days(ctx.settings.reports.max_age_days.max(1)) {
        return Err(FieldError::new(
            "captured_at",
            format!("is older than {} days", ctx.settings.reports.max_age_days),
        )
        .into());
    }
    if input.photos.is_empty() {
        return Err(FieldError::new("images", "add 1 to 3 photos (JPEG)").into());
    }
    let images: Vec<RawImage> = input
        .photos
        .into_iter()
        .map(|bytes| RawImage {
            kind: "scene".into(),
            bytes,
            plate_rect: None,
        })
        .collect();
    // The same picture checks as a device's push.
    check_images(&images, &ctx.settings.captures)?;
    Ok(Checked {
        unit,
        phone,
        plate,
        colour,
        vehicle_type,
        violation_code,
        place,
        captured_at,
        images,
    })
}

fn parse_time(raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, FieldError> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            FieldError::new(
                "captured_at",
                "must be a time, e.g. 2026-11-20T08:14 or 2026-11-20T08:14:03+08:00",
            )
        })
}

/// REV-05 rate limits: per phone per day and per address per hour. Checked before anything
/// is spent on a report, and again under a lock in the transaction that enters it.
async fn check_rate(
    ctx: &ServiceContext,
    tx: &mut roadwarden_store::Tx,
    meta: &RequestMeta,
    phone: &str,
) -> AppResult<()> {
    let settings = &ctx.settings.reports;
    let now = ctx.clock.now();
    if public_reports::count_since(tx, None, Some(&meta.ip), now - Duration::hours(1)).await?
        >= settings.reports_per_address_per_hour
    {
        return Err(throttled(Duration::hours(1)));
    }
    if public_reports::count_since(tx, Some(phone), None, now - Duration::days(1)).await?
        >= settings.reports_per_phone_per_day
    {
        return Err(throttled(Duration::days(1)));
    }
    Ok(())
}

/// REV-05 contact proof, step two: the code is checked (a few tries, until it expires) and
/// used up. A wrong try is counted even though the report is refused.
async fn prove_phone(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    phone: &str,
    code: &str,
) -> AppResult<()> {
    let now = ctx.clock.now();
    let unproven = |message: &str| -> AppError {
        RuleViolation::new("REV-05", Code::ReportContactUnproven, message.to_owned()).into()
    };
    let code = code.trim();
    let mut tx = ctx.store.begin().await?;
    let Some(live) = public_reports::live_code(&mut tx, phone, now).await? else {
        return Err(unproven(
            "ask for a code for this phone first; a code is valid for a few minutes",
        ));
    };
    if !public_reports::take_attempt(&mut tx, live.id, ctx.settings.reports.code_attempts).await? {
        return Err(unproven("too many wrong codes: ask for a new code"));
    }
    let right = constant_time_eq(&code_hash(live.id, &live.phone, code), &live.code_hash);
    if !right {
        record(
            &mut tx,
            &Actor::of_public(meta),
            Event {
                action: "public_report.code_refused",
                object_type: "phone",
                object_id: mask_phone(phone),
                unit_id: None,
                detail: json!({ "rule": "REV-05" }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(unproven("the code is wrong"));
    }
    if !public_reports::use_code(&mut tx, live.id, now).await? {
        return Err(unproven("the code was used already: ask for a new code"));
    }
    tx.commit().await?;
    Ok(())
}

/// Takes a report: checks it, proves the phone, stores the photos and enters it in the review
/// queue of the county it concerns, flagged as a public report.
pub async fn submit(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    channel: Channel,
    input: ReportInput,
) -> AppResult<ReportReceipt> {
    let lang = match input.lang.as_str() {
        "en" | "vi" | "zh-CN" => input.lang.clone(),
        _ => "zh-CN".to_owned(),
    };
    let code = input.code.clone();
    let c = check(ctx, input).await?;
    let mut tx = ctx.store.begin_read().await?;
    check_rate(ctx, &mut tx, meta, &c.phone).await?;
    drop(tx);
    prove_phone(ctx, meta, &c.phone, &code).await?;
    let now = ctx.clock.now();
    let settings = &ctx.settings.captures;
    let key = plate_key(&c.plate);
    let mut tx = ctx.store.begin_read().await?;
    let cal = super::calendar(ctx, &mut tx, c.unit.country).await?;
    let exemption = super::ingest::exemption_of(&mut tx, &c.unit.path, &key, c.captured_at).await?;
    drop(tx);
    let mut flags = Vec::new();
    // CAP-01: what the reporter did not say, the reviewer reads from the photos.
    let missing = missing_elements(&Elements {
        vehicle_type: &c.vehicle_type,
        violation_code: &c.violation_code,
        place: &c.place,
        images: c.images.len(),
    });
    if !missing.is_empty() {
        flags.push(Flag::MissingElements {
            fields: missing.iter().map(|s| (*s).to_owned()).collect(),
        });
    }
    if let Some(kind) = exemption {
        flags.push(Flag::Exempt { kind });
    }
    let review_due =
        review_deadline(now, settings.review_working_days, &cal, c.unit.tz()).overdue_at;
    let images = store_images(ctx.blobs.as_ref(), &c.images).await?;
    let capture = NewCapture {
        device_id: None,
        unit_id: c.unit.id,
        unit_path: c.unit.path.clone(),
        event_key: format!("public:{}", uuid::Uuid::new_v4().simple()),
        source: CaptureSource::PublicReport,
        via: channel.as_str().to_owned(),
        plate: c.plate.clone(),
        plate_key: key,
        plate_colour: c.colour,
        vehicle_type: c.vehicle_type,
        vehicle_colour: String::new(),
        violation_code: c.violation_code.clone(),
        place: c.place,
        division_code: c.unit.code.clone(),
        road_code: String::new(),
        km_marker: String::new(),
        direction: String::new(),
        lane: None,
        speed: None,
        speed_limit: None,
        confidence: None,
        longitude: None,
        latitude: None,
        video_url: String::new(),
        captured_at: c.captured_at,
        received_at: now,
        camera_time: None,
        usage: CaptureUse::Enforce,
        flags: Flags(flags),
        state: CaptureState::Pending,
        review_due_at: Some(review_due),
        collected_by: None,
        images,
    };
    let mut tx = ctx.store.begin().await?;
    audit::serialize_on(&mut tx, &format!("public_report:{}", c.phone)).await?;
    audit::serialize_on(&mut tx, &format!("public_report_ip:{}", meta.ip)).await?;
    check_rate(ctx, &mut tx, meta, &c.phone).await?;
    let id = captures::insert(&mut tx, &capture)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a public report collided")))?;
    public_reports::insert(&mut tx, id, c.unit.id, &c.phone, &meta.ip, &lang, now).await?;
    record(
        &mut tx,
        &Actor::of_public(meta),
        Event {
            action: "public_report.receive",
            object_type: "capture",
            object_id: id.to_string(),
            unit_id: Some(UnitId(c.unit.id.0)),
            detail: json!({ "rule": "REV-05", "plate": c.plate, "violation": c.violation_code,
                            "phone": mask_phone(&c.phone), "photos": c.images.len() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ReportReceipt {
        report_id: id,
        reference: reference(id),
        state: CaptureState::Pending.as_str().to_owned(),
        review_due_at: Some(review_due),
    })
}

/// The counties a report may concern, each with its country's violation types, named in
/// `lang` (zh-CN by default).
pub async fn options(ctx: &ServiceContext, lang: Lang) -> AppResult<ReportOptions> {
    let mut tx = ctx.store.begin_read().await?;
    let all = units::subtree(&mut tx, &UnitPath::from_stored("/".into())).await?;
    let units = all
        .into_iter()
        .filter(|u| u.level == Level::County)
        .map(|u| ReportUnit {
            violation_types: catalogue::of_country(u.country)
                .map(|v| ReportViolationType {
                    code: v.code.to_owned(),
                    name: v.name(lang.code()).to_owned(),
                })
                .collect(),
            code: u.code,
            name: u.name,
            country: u.country.code().to_owned(),
        })
        .collect();
    Ok(ReportOptions {
        units,
        plate_colours: [
            "blue",
            "yellow",
            "green",
            "yellow_green",
            "white",
            "black",
            "unknown",
        ]
        .map(str::to_owned)
        .to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rev_05_phones_are_normalised_and_masked() {
        assert_eq!(normalise_phone("138 0000-1234").unwrap(), "13800001234");
        assert_eq!(normalise_phone("+84 912 345 678").unwrap(), "+84912345678");
        assert!(normalise_phone("12ab5678").is_err());
        assert!(normalise_phone("123").is_err());
        assert_eq!(mask_phone("13800001234"), "138****1234");
    }
}
