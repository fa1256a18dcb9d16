//! Part 3: the notice outbox drained to a local SMS sink.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use roadwarden_bench::{cpu_since, ms, CpuSnapshot, CpuUsage};
use roadwarden_server::services::captures::outbox;
use roadwarden_store::units::Unit;

use crate::raw::{insert_captures, Raw};
use crate::review::analyze;
use crate::world::{import_devices, seed_tree, start_state};
use crate::Args;

/// Arrival times of the requests the SMS sink received.
#[derive(Default)]
struct SinkLog {
    pub(crate) arrivals: Mutex<Vec<Instant>>,
}

/// A stand-in SMS gateway on 127.0.0.1:0 that accepts every message and notes when it came.
async fn start_sink() -> anyhow::Result<(String, Arc<SinkLog>)> {
    let log = Arc::new(SinkLog::default());
    let app = axum::Router::new()
        .route(
            "/sms",
            axum::routing::post(
                |axum::extract::State(log): axum::extract::State<Arc<SinkLog>>,
                 _body: axum::body::Bytes| async move {
                    if let Ok(mut a) = log.arrivals.lock() {
                        a.push(Instant::now());
                    }
                    axum::Json(serde_json::json!({ "ok": true }))
                },
            ),
        )
        .with_state(Arc::clone(&log));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}/sms"), log))
}

pub(crate) struct NoticeResult {
    pub(crate) notices: u32,
    pub(crate) batch_size: i64,
    pub(crate) concurrency: usize,
    pub(crate) elapsed: Duration,
    pub(crate) report: outbox::DrainReport,
    pub(crate) received: usize,
    /// Summed over the batches: from the first to the last message of a batch at the sink,
    /// and from the last of one batch to the first of the next (settling, leasing, preparing).
    pub(crate) sending: Duration,
    pub(crate) between: Duration,
    pub(crate) first_after: Duration,
    /// Mean time of one primary-key read through sqlx (a statement's round trip).
    pub(crate) round_trip: Duration,
    pub(crate) cpu: Option<CpuUsage>,
}

impl NoticeResult {
    pub(crate) fn per_sec(&self) -> f64 {
        self.report.sent as f64 / self.elapsed.as_secs_f64()
    }
}

pub(crate) async fn run_notices(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<NoticeResult> {
    println!(
        "\n== bench-captures (notices) on {backend} ({}) ==",
        roadwarden_store::redact_url(&url)
    );
    let (sink_url, sink) = start_sink().await?;
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(&url, data.path(), |s| {
        s.notices.sms_gateway_url.clone_from(&sink_url);
        s.notices.batch_size = args.batch_size;
        s.notices.concurrency = args.concurrency;
    })
    .await?;
    let raw = Raw::open(&url).await?;
    let now = state.clock.now();
    let tree = seed_tree(&state.store, 1, now).await?;
    let squads: Vec<&Unit> = tree.squads.iter().collect();
    import_devices(&state, &raw, &squads, 2).await?;
    let started = Instant::now();
    seed_notices(&raw, args.notices, now).await?;
    analyze(&raw, false).await?;
    let queued = raw
        .scalar("SELECT COUNT(*) FROM notices WHERE state = 'queued' AND channel = 'sms'")
        .await?;
    anyhow::ensure!(queued == i64::from(args.notices), "{queued} notices queued");
    println!(
        "seeded {queued} violations with a vehicle and a queued SMS notice each in {:.1} s; \
         batch_size {}, concurrency {}, sink {sink_url}",
        started.elapsed().as_secs_f64(),
        args.batch_size,
        args.concurrency
    );

    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    let report = outbox::drain(&state)
        .await
        .map_err(|e| anyhow::anyhow!("drain failed: {e} ({e:?})"))?;
    let elapsed = started.elapsed();
    let cpu = cpu_since(cpu.as_ref());
    let arrivals = sink.arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let (sending, between) = phases(&arrivals, usize::try_from(args.batch_size.max(1))?);
    let first_after = arrivals
        .first()
        .map_or(Duration::ZERO, |a| a.saturating_duration_since(started));
    let left = raw
        .scalar("SELECT COUNT(*) FROM notices WHERE state <> 'sent'")
        .await?;
    let notified = raw
        .scalar("SELECT COUNT(*) FROM violations WHERE state = 'notified'")
        .await?;
    // The outbox reads and writes row by row: what one statement costs here bounds the drain.
    let round_trip = raw.point_reads(2_000).await?;
    println!(
        "one primary-key SELECT of a violation through sqlx, sequentially: {} each",
        ms(round_trip)
    );
    println!(
        "drained in {:.2} s: {report:?}; the sink received {}; {left} notices not sent; {notified} violations notified",
        elapsed.as_secs_f64(),
        arrivals.len()
    );
    anyhow::ensure!(
        report.sent == args.notices as usize && arrivals.len() == report.sent && left == 0,
        "not every notice went out"
    );
    raw.close().await;
    state.store.close().await;
    drop(data);
    let result = NoticeResult {
        notices: args.notices,
        batch_size: args.batch_size,
        concurrency: args.concurrency,
        elapsed,
        report,
        received: arrivals.len(),
        sending,
        between,
        first_after,
        round_trip,
        cpu,
    };
    print_notices(&result);
    Ok(result)
}

/// Where a drain's time went, from the sink's arrival times: the outbox works batch after
/// batch (lease, prepare, send, settle), so the arrivals come in bursts of `batch` messages.
/// Returns (time within bursts, time between bursts).
fn phases(arrivals: &[Instant], batch: usize) -> (Duration, Duration) {
    let mut sorted = arrivals.to_vec();
    sorted.sort_unstable();
    let mut sending = Duration::ZERO;
    let mut between = Duration::ZERO;
    let bursts: Vec<&[Instant]> = sorted.chunks(batch).collect();
    for (k, burst) in bursts.iter().enumerate() {
        if let (Some(first), Some(last)) = (burst.first(), burst.last()) {
            sending += last.saturating_duration_since(*first);
            if let Some(next) = bursts.get(k + 1).and_then(|b| b.first()) {
                between += next.saturating_duration_since(*last);
            }
        }
    }
    (sending, between)
}

fn print_notices(r: &NoticeResult) {
    println!(
        "notices: {} sent in {:.2} s ({:.0}/s), batch_size {}, concurrency {}",
        r.report.sent,
        r.elapsed.as_secs_f64(),
        r.per_sec(),
        r.batch_size,
        r.concurrency
    );
    println!(
        "  at the sink: first message {:.2} s after the start; bursts (sending) {:.2} s; \
         between bursts (settle + lease + prepare) {:.2} s",
        r.first_after.as_secs_f64(),
        r.sending.as_secs_f64(),
        r.between.as_secs_f64()
    );
    println!(
        "  between bursts per notice: {:.3} ms (the outbox runs about 9 statements per notice, \
         one by one); one primary-key read alone: {}",
        r.between.as_secs_f64() * 1000.0 / f64::from(r.notices.max(1)),
        ms(r.round_trip)
    );
    if let Some(cpu) = r.cpu {
        println!("  {cpu}");
    }
}

/// `n` approved captures, each with a registered vehicle (owner's phone), a violation record
/// in state `entered` and a queued SMS notice, as `violations::enter` leaves them.
pub(crate) async fn seed_notices(raw: &Raw, n: u32, now: DateTime<Utc>) -> anyhow::Result<()> {
    let plate = raw.plate("seq.n");
    let vehicles = raw.series_insert(
        u64::from(n),
        "INSERT INTO vehicles (plate_key, plate, plate_colour, country, vehicle_type, owner_name, \
         owner_address, owner_phone)",
        &format!(
            "SELECT {plate}, {plate}, 'blue', 'CN', 'small_car', 'Owner ' || seq.n, \
             'Mingzhu Road ' || seq.n, '138' || {} FROM {{seq}}",
            raw.pad("seq.n", 8)
        ),
    );
    raw.exec(&vehicles).await?;
    insert_captures(raw, n, "approved", now - chrono::Duration::days(1), 1.0).await?;
    let due = raw.ts(&(now.timestamp() + 5 * 86_400).to_string());
    raw.exec(&format!(
        "INSERT INTO violations (capture_id, unit_id, unit_path, country, outcome, plate, plate_key, \
         plate_colour, violation_code, occurred_at, place, fine_minor, currency, points, procedure, \
         state, vehicle_id, entered_at, notice_due_at, updated_at) \
         SELECT c.id, c.unit_id, c.unit_path, 'CN', 'violation', c.plate, c.plate_key, c.plate_colour, \
         c.violation_code, c.captured_at, c.place, 20000, 'CNY', 6, 'general', 'entered', v.id, \
         c.received_at, {due}, c.received_at \
         FROM captures c JOIN vehicles v ON v.plate_key = c.plate_key"
    ))
    .await?;
    let queued_at = raw.ts(&(now.timestamp() - 60).to_string());
    raw.exec(&format!(
        "INSERT INTO notices (violation_id, channel, recipient, subject, body, language, state, \
         next_attempt_at, created_at) \
         SELECT v.id, 'sms', ve.owner_phone, '', '', 'zh-CN', 'queued', {queued_at}, {queued_at} \
         FROM violations v JOIN vehicles ve ON ve.id = v.vehicle_id"
    ))
    .await?;
    Ok(())
}
