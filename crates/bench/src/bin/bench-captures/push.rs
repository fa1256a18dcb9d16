//! Part 1's device clients: multipart pushes with unique JPEGs, on their own runtime.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use roadwarden_server::Clock;

use crate::world::DeviceCred;

/// What the push clients need.
#[derive(Clone)]
pub(crate) struct PushPlan {
    pub(crate) base: String,
    pub(crate) creds: Arc<Vec<DeviceCred>>,
    pub(crate) image_bytes: usize,
    pub(crate) clock: Clock,
}

pub(crate) struct PushRun {
    pub(crate) elapsed: Duration,
    /// Send to acknowledgement, of every accepted push.
    pub(crate) latencies: Vec<Duration>,
    /// Failed pushes by status or error.
    pub(crate) errors: BTreeMap<String, usize>,
}

/// Pushes captures `from..from + count` with `clients` concurrent clients, each sending its
/// next capture as soon as the previous one is acknowledged (closed loop: the figure is the
/// server's throughput). The clients run on their own one-thread runtime, as in `load.rs`.
pub(crate) fn push_all(
    plan: &PushPlan,
    from: usize,
    count: usize,
    clients: usize,
) -> anyhow::Result<PushRun> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        // Named so that profiles tell the clients' CPU from the server's.
        .thread_name("push-client")
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let next = Arc::new(AtomicUsize::new(from));
    let end = from + count;
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, plan, next) = (client.clone(), plan.clone(), Arc::clone(&next));
            runtime.spawn(async move {
                let mut latencies = Vec::new();
                let mut errors: BTreeMap<String, usize> = BTreeMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    let sent = Instant::now();
                    match push_one(&client, &plan, i).await {
                        Ok(()) => latencies.push(sent.elapsed()),
                        Err(e) => *errors.entry(e).or_default() += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut run = PushRun {
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(count),
        errors: BTreeMap::new(),
    };
    runtime.block_on(async {
        for t in tasks {
            let (latencies, errors) = t.await?;
            run.latencies.extend(latencies);
            for (e, n) in errors {
                *run.errors.entry(e).or_default() += n;
            }
        }
        anyhow::Ok(())
    })?;
    run.elapsed = started.elapsed();
    Ok(run)
}

/// One capture of device `i % devices`, as a multipart form: the `capture` JSON part and
/// one `scene` JPEG. `Ok` only for a 201 with a pending capture.
async fn push_one(client: &reqwest::Client, plan: &PushPlan, i: usize) -> Result<(), String> {
    let cred = &plan.creds[i % plan.creds.len()];
    let capture = serde_json::json!({
        "event_id": format!("bench-{i}"),
        "plate": format!("浙{}{:05}", ["A", "B", "C", "D", "E"][(i / 100_000) % 5], i % 100_000),
        "plate_colour": "blue",
        "vehicle_type": "small_car",
        "violation_code": "1625",
        "captured_at": plan.clock.now().to_rfc3339(),
    });
    let image = reqwest::multipart::Part::bytes(jpeg(i as u64, plan.image_bytes))
        .file_name("scene.jpg")
        .mime_str("image/jpeg")
        .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new()
        .text("capture", capture.to_string())
        .part("scene", image);
    let resp = client
        .post(format!("{}/api/v1/captures/push", plan.base))
        .basic_auth(&cred.key_id, Some(&cred.secret))
        .multipart(form)
        .send()
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    match (status, body["state"].as_str()) {
        (201, Some("pending")) => Ok(()),
        (201, other) => Err(format!("201 but state {other:?}: {}", body["flags"])),
        _ => Err(format!("{status} {}", body["error"]["code"])),
    }
}

/// A real JPEG of about `len` bytes whose content is unique to `seed`: an 8x8 grey picture
/// with comment segments of pseudo-random bytes (incompressible, like real entropy-coded
/// data) after SOI, which a decoder skips.
pub(crate) fn jpeg(seed: u64, len: usize) -> Vec<u8> {
    const GREY_8X8: &[u8] = include_bytes!("../../../../server/tests/fixtures/grey_8x8.jpg");
    const SEGMENT: usize = 65_000;
    let mut filler = len.saturating_sub(GREY_8X8.len());
    let mut b = Vec::with_capacity(len + 8);
    b.extend(&GREY_8X8[..2]);
    // splitmix64: fast enough that generating 100 kB costs ~20 µs.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    while filler > 0 {
        let n = filler.min(SEGMENT);
        filler -= n;
        b.extend([0xFF, 0xFE]);
        b.extend(u16::try_from(n + 2).expect("a segment fits").to_be_bytes());
        let end = b.len() + n;
        while b.len() < end {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let take = (end - b.len()).min(8);
            b.extend_from_slice(&z.to_le_bytes()[..take]);
        }
    }
    b.extend(&GREY_8X8[2..]);
    b
}
