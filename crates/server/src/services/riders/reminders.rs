//! RID-09, RID-10: the SMS and voice reminders an occasional rider's tier calls for, sent.
//!
//! The job `rider_reminders` takes pending reminders in bounded batches, each under a lease
//! (committed before anything is sent), sends each to the phone on file in the face base
//! library through its gateway, and records the outcome on the measure with the lease still
//! held, in the same transaction as its audit entry: sent (with the time), tried again after a
//! back-off, or failed after the configured attempts or at once when no phone is on file. A
//! sender that dies mid-batch loses nothing: its leased reminders come back when the lease
//! ends, and go out with the same `reference`, which a gateway deduplicates on.
//!
//! Text messages use the notices' SMS gateway (`notices.sms_gateway_url`); calls use the voice
//! gateway (`riders.reminders.voice_gateway_url`). A reminder whose gateway is not configured
//! is not taken: it stays pending and the rider's file says why ([`waiting_reason`]). The
//! phone is audited masked, never in clear.

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::rider::reminder::retry_at;
use roadwarden_domain::rider::{
    reminder_language, reminder_text, Disposition, MeasureState, ReminderKind,
};
use roadwarden_store::riders::dispositions::{self, ReminderOutcome, RiderDisposition};
use roadwarden_store::riders::persons as person_rows;
use roadwarden_store::{truncate_micros, units};
use serde::Serialize;
use serde_json::{json, Value};

use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::captures::public_reports::{mask_phone, normalise_phone};
use crate::services::context::ServiceContext;

/// Batches one pass takes at most.
const MAX_BATCHES: usize = 50;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReminderReport {
    pub sent: usize,
    /// Failed attempts to be tried again after the back-off.
    pub retried: usize,
    /// Given up after the last attempt.
    pub failed: usize,
    /// Failed at once: no mobile number on file.
    pub no_phone: usize,
}

/// Where one kind of reminder goes: the gateway's address and token, if configured.
fn gateway(settings: &Settings, kind: ReminderKind) -> Option<(&str, &str)> {
    let (url, token) = match kind {
        ReminderKind::Sms => (
            &settings.notices.sms_gateway_url,
            &settings.notices.sms_gateway_token,
        ),
        ReminderKind::Voice => (
            &settings.riders.reminders.voice_gateway_url,
            &settings.riders.reminders.voice_gateway_token,
        ),
    };
    let url = url.trim();
    (!url.is_empty()).then_some((url, token.expose()))
}

/// Why a measure still waits, when it is a pending reminder whose gateway is not configured:
/// `no_gateway` (SMS) or `no_voice_gateway`. The rider file shows it in words.
pub(crate) fn waiting_reason(
    settings: &Settings,
    disposition: Disposition,
    state: MeasureState,
) -> Option<&'static str> {
    let kind = ReminderKind::of(disposition)?;
    if state != MeasureState::Pending || gateway(settings, kind).is_some() {
        return None;
    }
    Some(match kind {
        ReminderKind::Sms => "no_gateway",
        ReminderKind::Voice => "no_voice_gateway",
    })
}

/// RID-09: sends every due reminder whose gateway is configured, batch after batch. Run twice,
/// it sends nothing the first run sent: a reminder leaves `pending` only with its lease.
pub async fn run(ctx: &ServiceContext) -> AppResult<ReminderReport> {
    let mut report = ReminderReport::default();
    let kinds: Vec<Disposition> = ReminderKind::ALL
        .into_iter()
        .filter(|k| gateway(&ctx.settings, *k).is_some())
        .map(ReminderKind::disposition)
        .collect();
    if kinds.is_empty() {
        return Ok(report);
    }
    let cfg = &ctx.settings.riders.reminders;
    let timeout_ms = cfg.timeout_ms.clamp(1, 120_000);
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(timeout_ms))
        .build()
        .map_err(AppError::internal)?;
    let limit = cfg.batch_size.clamp(1, 500);
    // The lease outlasts a batch whose every call takes the whole timeout, so no other sender
    // takes a reminder this one is still sending.
    let lease = Duration::milliseconds(i64::try_from(timeout_ms).unwrap_or(120_000) * limit)
        + Duration::minutes(1);
    for _ in 0..MAX_BATCHES {
        let now = truncate_micros(ctx.clock.now());
        let lease_until = truncate_micros(now + lease);
        let mut tx = ctx.store.begin().await?;
        let batch =
            dispositions::lease_due_reminders(&mut tx, &kinds, now, lease_until, limit).await?;
        tx.commit().await?;
        if batch.is_empty() {
            break;
        }
        for m in batch {
            attempt(ctx, &client, &m, lease_until, &mut report).await?;
        }
    }
    Ok(report)
}

/// Whose file the reminder is on, and the phone and words it goes out with (none when no
/// mobile number is on file).
struct Addressed {
    unit_id: Option<roadwarden_domain::UnitId>,
    send: Option<(String, Value)>,
}

/// One attempt at one leased reminder.
async fn attempt(
    ctx: &ServiceContext,
    client: &reqwest::Client,
    m: &RiderDisposition,
    lease_until: DateTime<Utc>,
    report: &mut ReminderReport,
) -> AppResult<()> {
    let Some(kind) = ReminderKind::of(m.disposition) else {
        return Ok(());
    };
    let reference = format!("rid09-{}-{}", kind.as_str(), m.id);
    let to = address(ctx, m, kind, &reference).await?;
    let Some((phone, body)) = &to.send else {
        let outcome = ReminderOutcome {
            state: MeasureState::Failed,
            next_at: None,
            reason: "no_phone",
            external_ref: "",
            detail: "no mobile number on file in the face base library",
        };
        if settle(
            ctx,
            m,
            kind,
            lease_until,
            &outcome,
            to.unit_id,
            None,
            &reference,
        )
        .await?
        {
            report.no_phone += 1;
        }
        return Ok(());
    };
    let (url, token) = gateway(&ctx.settings, kind).unwrap_or_default();
    let now = truncate_micros(ctx.clock.now());
    match post(client, url, token, body).await {
        Ok(gateway_ref) => {
            let outcome = ReminderOutcome {
                state: MeasureState::Sent,
                next_at: None,
                reason: "",
                external_ref: &gateway_ref,
                detail: "",
            };
            if settle(
                ctx,
                m,
                kind,
                lease_until,
                &outcome,
                to.unit_id,
                Some(phone),
                &reference,
            )
            .await?
            {
                report.sent += 1;
            }
        }
        Err(why) => {
            let next = retry_at(
                m.attempts + 1,
                ctx.settings.riders.reminders.max_attempts,
                now,
            );
            let outcome = ReminderOutcome {
                state: if next.is_some() {
                    MeasureState::Pending
                } else {
                    MeasureState::Failed
                },
                next_at: next,
                reason: if next.is_some() {
                    "retrying"
                } else {
                    "gateway_failed"
                },
                external_ref: "",
                detail: &why,
            };
            if settle(
                ctx,
                m,
                kind,
                lease_until,
                &outcome,
                to.unit_id,
                Some(phone),
                &reference,
            )
            .await?
            {
                if next.is_some() {
                    report.retried += 1;
                } else {
                    report.failed += 1;
                }
            }
        }
    }
    Ok(())
}

/// The rider's phone on file and the reminder's words in the language of their unit's
/// country.
async fn address(
    ctx: &ServiceContext,
    m: &RiderDisposition,
    kind: ReminderKind,
    reference: &str,
) -> AppResult<Addressed> {
    let mut tx = ctx.store.begin_read().await?;
    let Some(person) = person_rows::get(&mut tx, m.person_id).await? else {
        return Ok(Addressed {
            unit_id: None,
            send: None,
        });
    };
    let unit_id = Some(person.unit_id);
    let Ok(phone) = normalise_phone(&person.phone) else {
        return Ok(Addressed {
            unit_id,
            send: None,
        });
    };
    let lang = units::get(&mut tx, person.unit_id)
        .await?
        .map_or("zh-CN", |u| reminder_language(u.country));
    drop(tx);
    let text = reminder_text(kind, lang, &ctx.settings.rider_services_url());
    let body = match kind {
        ReminderKind::Sms => json!({ "to": phone, "text": text, "reference": reference }),
        ReminderKind::Voice => json!({ "to": phone, "text": text, "reference": reference,
                                       "kind": "voice", "language": lang }),
    };
    Ok(Addressed {
        unit_id,
        send: Some((phone, body)),
    })
}

/// One call to a gateway: its reference for the message (its `id`, when it answers one), or
/// why it did not take it. The phone is never part of the reason.
async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> Result<String, String> {
    let mut request = client.post(url).json(body);
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            "the gateway timed out".to_owned()
        } else if e.is_connect() {
            "could not connect to the gateway".to_owned()
        } else {
            "the call to the gateway failed".to_owned()
        }
    })?;
    let status = response.status();
    if status.is_success() {
        let answer: Value = response.json().await.unwrap_or_default();
        return Ok(match &answer["id"] {
            Value::String(s) => s.chars().take(128).collect(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        });
    }
    let text: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    Err(format!("HTTP {}: {}", status.as_u16(), text.trim()))
}

/// Writes the outcome while the lease holds, with its audit entry, in one transaction. False
/// when the lease was lost (nothing written).
#[allow(clippy::too_many_arguments)]
async fn settle(
    ctx: &ServiceContext,
    m: &RiderDisposition,
    kind: ReminderKind,
    lease_until: DateTime<Utc>,
    outcome: &ReminderOutcome<'_>,
    unit_id: Option<roadwarden_domain::UnitId>,
    phone: Option<&str>,
    reference: &str,
) -> AppResult<bool> {
    let now = truncate_micros(ctx.clock.now());
    let mut tx = ctx.store.begin().await?;
    if !dispositions::settle_reminder(&mut tx, m.id, lease_until, outcome, now).await? {
        return Ok(false);
    }
    let action = match outcome.state {
        MeasureState::Sent => "rider.reminder_sent",
        MeasureState::Pending => "rider.reminder_retry",
        _ => "rider.reminder_failed",
    };
    record(
        &mut tx,
        &Actor::named("job:rider_reminders"),
        Event {
            action,
            object_type: "rider_measure",
            object_id: m.id.to_string(),
            unit_id,
            detail: json!({ "rule": "RID-09", "kind": kind.as_str(), "person": m.person_id.0,
                            "phone": phone.map(mask_phone), "reference": reference,
                            "attempt": m.attempts + 1, "reason": outcome.reason,
                            "error": outcome.detail }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
