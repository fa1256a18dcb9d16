//! NOT-01: the notice outbox. Rows are written with the approval that calls for them; this
//! sender leases due rows, sends them (SMS gateway over HTTP, e-mail over SMTP with lettre, the printable
//! letter as a PDF in the blob store), and records each outcome, retrying with back-off. A
//! crash while sending loses nothing: a leased row comes back when its lease ends.
//!
//! The text is written when it is sent, so the deadline it states (NOT-02: 30 days from the
//! notice) is counted from the real moment of service.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use roadwarden_domain::capture::notice::{handle_by, ViolationState};
use roadwarden_domain::capture::review::Outcome;
use roadwarden_domain::locale;
use roadwarden_domain::UnitId;
use roadwarden_store::units::Unit;
use roadwarden_store::violations::{self, Lease, Notice, Vehicle, Violation};
use roadwarden_store::{truncate_micros, units};
use serde::Serialize;
use serde_json::json;

use super::violations::{mark_notified, money_of};
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// What one pass of the sender did.
#[derive(Debug, Default, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct DrainReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// How long a leased notice is held before another sender may take it.
const LEASE_MINUTES: i64 = 5;

/// Sends every notice that is due, batch after batch, until none is left.
pub async fn drain(ctx: &ServiceContext) -> AppResult<DrainReport> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(AppError::internal)?;
    // A relay that cannot be set up fails each e-mail notice with the reason, like a refusal.
    let mailer = super::smtp::Mailer::new(&ctx.settings.notices);
    let mailer = &mailer;
    let mut total = DrainReport::default();
    loop {
        let now = ctx.clock.now();
        let lease_until = truncate_micros(now + Duration::minutes(LEASE_MINUTES));
        let mut tx = ctx.store.begin().await?;
        let batch = violations::lease_due_notices(
            &mut tx,
            now,
            lease_until,
            ctx.settings.notices.batch_size.max(1),
        )
        .await?;
        tx.commit().await?;
        if batch.is_empty() {
            return Ok(total);
        }
        let prepared = prepare(ctx, &batch).await?;
        let outcomes: Vec<(Prepared, Result<Option<String>, String>)> = stream::iter(prepared)
            .map(|p| {
                let client = client.clone();
                async move {
                    let r = send(ctx, &client, mailer, &p).await;
                    (p, r)
                }
            })
            .buffer_unordered(ctx.settings.notices.concurrency.max(1))
            .collect()
            .await;
        let report = settle(ctx, lease_until, outcomes).await?;
        total.sent += report.sent;
        total.retried += report.retried;
        total.failed += report.failed;
    }
}

/// A leased notice with what its text needs.
struct Prepared {
    notice: Notice,
    violation: Violation,
    unit: Unit,
    vehicle: Option<Vehicle>,
    device_number: String,
    subject: String,
    body: String,
    handle_by: NaiveDate,
}

/// Reads what a batch's texts need in a few statements for the whole batch (records, device
/// numbers), and units and vehicles once each, instead of five reads per notice.
async fn prepare(ctx: &ServiceContext, batch: &[Notice]) -> AppResult<Vec<Prepared>> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin_read().await?;
    let ids: Vec<i64> = batch.iter().map(|n| n.violation_id).collect();
    let records: HashMap<i64, Violation> = violations::get_many(&mut tx, &ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let numbers: HashMap<i64, String> = violations::device_numbers(&mut tx, &ids)
        .await?
        .into_iter()
        .collect();
    let mut units_seen: HashMap<i64, Unit> = HashMap::new();
    let mut vehicles_seen: HashMap<i64, Option<Vehicle>> = HashMap::new();
    let mut out = Vec::with_capacity(batch.len());
    for n in batch {
        let v = match records.get(&n.violation_id) {
            // One record may have several notices (SMS and letter): each gets its copy.
            Some(v) => v.clone(),
            None => return Err(AppError::NotFound("violation")),
        };
        let unit = match units_seen.get(&v.unit_id) {
            Some(u) => u.clone(),
            None => {
                let u = units::get(&mut tx, UnitId(v.unit_id))
                    .await?
                    .ok_or(AppError::NotFound("unit"))?;
                units_seen.insert(v.unit_id, u.clone());
                u
            }
        };
        let vehicle = match v.vehicle_id {
            Some(id) => match vehicles_seen.get(&id) {
                Some(x) => x.clone(),
                None => {
                    let x = violations::vehicle(&mut tx, id).await?;
                    vehicles_seen.insert(id, x.clone());
                    x
                }
            },
            None => None,
        };
        let cal = super::calendar(ctx, &mut tx, unit.country).await?;
        let deadline = v.handle_by.unwrap_or_else(|| {
            handle_by(now, ctx.settings.notices.handle_days, &cal, unit.tz()).last_day
        });
        let (subject, body) = text(ctx, &v, &unit, &n.language, deadline);
        out.push(Prepared {
            notice: n.clone(),
            device_number: numbers.get(&v.id).cloned().unwrap_or_default(),
            violation: v,
            unit,
            vehicle,
            subject,
            body,
            handle_by: deadline,
        });
    }
    Ok(out)
}

/// The notice's words (NOT-02, APL-02, APL-03), in the unit's language, with the time, the
/// amount and the owners' page written the way that language writes them.
fn text(
    ctx: &ServiceContext,
    v: &Violation,
    unit: &Unit,
    lang: &str,
    deadline: NaiveDate,
) -> (String, String) {
    let when = locale::local_time(v.occurred_at, unit.tz(), lang);
    let what = roadwarden_domain::device::violations::lookup(&v.violation_code)
        .map(|t| t.name(lang))
        .unwrap_or_default();
    let fine = money_of(v).display(lang);
    let url = ctx.settings.owners_page_url();
    let reference = reference(v);
    if v.outcome == Outcome::Warning {
        return match lang {
            "vi" => (
                format!("Nhắc nhở vi phạm {reference}"),
                format!("[{}] Phương tiện {} ngày {when} tại {}: {what}. Đây là nhắc nhở, không bị xử phạt (thiết bị đang thử nghiệm). Tra cứu: {url}", unit.name, v.plate, v.place),
            ),
            _ => (
                format!("交通违法提醒 {reference}"),
                format!("【{}】您的车辆{}于{when}在{}有{what}的记录。设备试用期间，本次仅作提醒教育，不予处罚。查询：{url}", unit.name, v.plate, v.place),
            ),
        };
    }
    match lang {
        "vi" => (
            format!("Thông báo vi phạm {reference}"),
            format!(
                "[{}] Phương tiện {} ngày {when} tại {} bị phát hiện vi phạm: {what} (mức phạt {fine}). \
                 Đề nghị đến giải quyết trước ngày {}. Nếu không đồng ý, có thể khiếu nại tại {url} hoặc tại trụ sở công an. \
                 Quá 20 ngày chưa giải quyết, phương tiện có thể bị từ chối đăng kiểm. Số tham chiếu {reference}.",
                unit.name, v.plate, v.place, deadline.format("%d/%m/%Y")
            ),
        ),
        _ => (
            format!("交通技术监控违法行为通知 {reference}"),
            format!(
                "【{}】您的车辆{}于{when}在{}有{what}的交通技术监控记录（罚款{fine}，记{}分）。\
                 请于{}前到交警窗口或网上处理；确有困难可申请延期，最长三个月。\
                 如有异议，可在{url}或任一交警窗口提出，违法地公安交管部门5个工作日内答复；\
                 对处罚决定不服的，可依法申请行政复议或提起行政诉讼。参考号{reference}。",
                unit.name, v.plate, v.place, v.points, deadline.format("%Y年%m月%d日")
            ),
        ),
    }
}

pub fn reference(v: &Violation) -> String {
    format!("NT-{}-{:06}", v.occurred_at.format("%Y"), v.id)
}

/// Sends one notice. For a letter, the PDF's blob id comes back.
async fn send(
    ctx: &ServiceContext,
    client: &reqwest::Client,
    mailer: &Result<super::smtp::Mailer, String>,
    p: &Prepared,
) -> Result<Option<String>, String> {
    let n = &ctx.settings.notices;
    match p.notice.channel.as_str() {
        "sms" => {
            if n.sms_gateway_url.is_empty() {
                return Err("no SMS gateway is configured".into());
            }
            let mut req = client.post(&n.sms_gateway_url).json(&json!({
                "to": p.notice.recipient, "text": p.body, "reference": reference(&p.violation),
            }));
            if !n.sms_gateway_token.expose().is_empty() {
                req = req.bearer_auth(n.sms_gateway_token.expose());
            }
            let resp = req
                .send()
                .await
                .map_err(|e| format!("SMS gateway unreachable: {e}"))?;
            if resp.status().is_success() {
                Ok(None)
            } else {
                Err(format!("SMS gateway answered {}", resp.status()))
            }
        }
        "email" => mailer
            .as_ref()
            .map_err(Clone::clone)?
            .send(&p.notice.recipient, &p.subject, &p.body)
            .await
            .map(|()| None),
        "letter" => {
            let pdf = roadwarden_letter::render(&letter(ctx, p));
            let stored = ctx
                .blobs
                .put(Box::pin(Cursor::new(pdf)), None)
                .await
                .map_err(|e| format!("storing the letter failed: {e}"))?;
            Ok(Some(stored.id.as_str().to_owned()))
        }
        other => Err(format!("unknown channel {other}")),
    }
}

/// The letters of `notices` (letter notices), as the sender would write them today: for a
/// clerk who prints a batch (`bulk`).
pub(crate) async fn letters_of(
    ctx: &ServiceContext,
    notices: &[Notice],
) -> AppResult<Vec<roadwarden_letter::Letter>> {
    let prepared = prepare(ctx, notices).await?;
    Ok(prepared.iter().map(|p| letter(ctx, p)).collect())
}

fn letter(ctx: &ServiceContext, p: &Prepared) -> roadwarden_letter::Letter {
    use roadwarden_letter::Language;
    let v = &p.violation;
    let lang = p.notice.language.as_str();
    let tz = p.unit.tz();
    roadwarden_letter::Letter {
        language: match lang {
            "vi" => Language::Vi,
            "en" => Language::En,
            _ => Language::ZhCn,
        },
        reference: reference(v),
        issued_on: ctx.clock.now().with_timezone(&tz).date_naive(),
        owner_name: p
            .vehicle
            .as_ref()
            .map(|x| x.owner_name.clone())
            .unwrap_or_default(),
        owner_address: p.notice.recipient.clone(),
        plate: v.plate.clone(),
        plate_colour: colour_name(v.plate_colour.as_str(), lang).to_owned(),
        violation: roadwarden_domain::device::violations::lookup(&v.violation_code)
            .map(|t| t.name(lang).to_owned())
            .unwrap_or_default(),
        violation_code: v.violation_code.clone(),
        occurred_at: locale::local_time(v.occurred_at, tz, lang),
        place: v.place.clone(),
        device_number: p.device_number.clone(),
        fine: money_of(v).display(lang),
        points: u8::try_from(v.points).ok().filter(|p| *p > 0),
        handle_by: p.handle_by,
        // Issue 14 item 8: the office, its telephone and the issuer are the unit that handles
        // the record (the place of the violation), the address the configured public one.
        handling_office: p.unit.name.clone(),
        office_phone: if p.unit.contact_phone.is_empty() {
            "—".into()
        } else {
            p.unit.contact_phone.clone()
        },
        objection_url: ctx.settings.owners_page_url(),
        issuing_unit: p.unit.name.clone(),
    }
}

pub fn colour_name(code: &str, lang: &str) -> &'static str {
    let (zh, vi, en) = match code {
        "blue" => ("蓝色", "xanh", "blue"),
        "yellow" => ("黄色", "vàng", "yellow"),
        "green" => ("渐变绿色", "xanh lá", "green"),
        "yellow_green" => ("黄绿双拼色", "vàng xanh", "yellow-green"),
        "white" => ("白色", "trắng", "white"),
        "black" => ("黑色", "đen", "black"),
        _ => ("未知", "không rõ", "unknown"),
    };
    match lang {
        "vi" => vi,
        "en" => en,
        _ => zh,
    }
}

/// Why a notice of a closed or eliminated record is dropped (never retried).
const CLOSED: &str = "the record was closed or eliminated before the notice went out";

/// Back-off after the `attempts`-th failure: 30 s, 1 min, 2 min, … up to an hour.
fn retry_after(attempts: i32) -> Duration {
    let secs = 30i64 << attempts.clamp(1, 8).saturating_sub(1);
    Duration::seconds(secs.min(3600))
}

/// Records the outcomes of a batch in one transaction: sent notices, owners notified
/// (electronic service counts from when the system shows it sent, NOT-02c), retries, give-ups.
async fn settle(
    ctx: &ServiceContext,
    lease_until: DateTime<Utc>,
    outcomes: Vec<(Prepared, Result<Option<String>, String>)>,
) -> AppResult<DrainReport> {
    let now = ctx.clock.now();
    let max_attempts = ctx.settings.notices.max_attempts;
    let mut report = DrainReport::default();
    // ORG-02: one audit entry per unit, so each unit's readers see only their notices.
    let mut by_unit: std::collections::BTreeMap<UnitId, (Vec<i64>, Vec<i64>)> =
        std::collections::BTreeMap::new();
    let mut tx = ctx.store.begin().await?;
    for (p, result) in outcomes {
        let channel = p.notice.channel.as_str();
        let lease = Lease {
            notice_id: p.notice.id,
            until: lease_until,
        };
        // The lease counted this attempt.
        let attempts = p.notice.attempts + 1;
        let (outcome, kept) = match result {
            Ok(blob) => {
                let kept = violations::notice_sent(
                    &mut tx,
                    lease,
                    blob.as_deref(),
                    &p.subject,
                    &p.body,
                    now,
                )
                .await?;
                if kept {
                    by_unit.entry(p.unit.id).or_default().0.push(p.notice.id);
                    if channel != "letter" {
                        served_electronically(ctx, &mut tx, &p, now).await?;
                    }
                }
                ("sent", kept)
            }
            Err(error) => {
                let retry = (attempts < max_attempts && error != CLOSED)
                    .then(|| now + retry_after(attempts));
                let kept = violations::notice_failed(&mut tx, lease, &error, retry).await?;
                tracing::warn!(notice = p.notice.id, channel, error = %error, "notice not sent");
                if kept && retry.is_none() {
                    by_unit.entry(p.unit.id).or_default().1.push(p.notice.id);
                }
                (if retry.is_some() { "retry" } else { "failed" }, kept)
            }
        };
        if !kept {
            tracing::warn!(
                notice = p.notice.id,
                channel,
                outcome,
                "the notice's lease ran out before its outcome was recorded; another sender holds it"
            );
            continue;
        }
        match outcome {
            "sent" => report.sent += 1,
            "retry" => report.retried += 1,
            _ => report.failed += 1,
        }
        ctx.metrics
            .notices
            .with_label_values(&[channel, outcome])
            .inc();
    }
    for (unit, (sent_ids, failed_ids)) in by_unit {
        record(
            &mut tx,
            &Actor::system(),
            Event {
                action: "notice.batch",
                object_type: "notice",
                object_id: sent_ids
                    .first()
                    .or(failed_ids.first())
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                unit_id: Some(unit),
                detail: json!({ "sent": sent_ids, "given_up": failed_ids }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// The first electronic notice that goes out serves the owner: the record is notified now.
async fn served_electronically(
    ctx: &ServiceContext,
    tx: &mut roadwarden_store::Tx,
    p: &Prepared,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(mut v) = violations::get(tx, p.violation.id).await? else {
        return Ok(());
    };
    if v.state != ViolationState::Entered {
        return Ok(());
    }
    let to = if v.outcome == Outcome::Warning {
        ViolationState::Closed
    } else {
        ViolationState::Notified
    };
    let country = v.country;
    mark_notified(ctx, tx, &mut v, to, country, p.unit.tz(), now).await?;
    v.updated_at = now;
    if violations::save(tx, &v, ViolationState::Entered).await? {
        violations::add_event(
            tx,
            v.id,
            to.as_str(),
            None,
            "system",
            &format!("{} to {}", p.notice.channel, mask(&p.notice.recipient)),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A recipient as the timeline shows it: enough to recognise, not enough to copy.
fn mask(recipient: &str) -> String {
    let chars: Vec<char> = recipient.chars().collect();
    if chars.len() <= 4 {
        return "***".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}***{tail}")
}
