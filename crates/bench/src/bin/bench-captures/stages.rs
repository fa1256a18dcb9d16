//! Part 1's diagnostics: each stage of the ingest pipeline alone.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::intake::{CaptureSource, Flags};
use roadwarden_domain::capture::plate::PlateColour;
use roadwarden_domain::capture::review::CaptureState;
use roadwarden_domain::device::CaptureUse;
use roadwarden_server::services::captures::committer::Item;
use roadwarden_server::services::captures::ingest::{
    self, CaptureInput, DeviceCredential, RawImage, Submission, Via,
};
use roadwarden_server::AppState;
use roadwarden_store::captures::{NewCapture, NewImage};

use crate::push::{jpeg, PushPlan};
use crate::raw::Raw;

/// Each stage of the ingest pipeline alone, `n` items from `clients` concurrent tasks, to show
/// which one bounds the whole:
/// (a) the blob store: `BlobStore::put` of a fresh image (write, fsync, rename, fsync of the
///     directory), as `ingest::store_images` does;
/// (b) the group committer: `Committer::commit` of a capture row whose image is already
///     stored (capture row, image row, the device's last capture; one audit entry and one
///     commit per batch);
/// (c) the whole ingest service, `ingest::ingest`, without HTTP and multipart: credential,
///     pre-check reads, blob store and committer.
pub(crate) async fn ingest_stages(
    state: &AppState,
    raw: &Raw,
    plan: &PushPlan,
    n: usize,
    clients: usize,
) -> anyhow::Result<Vec<(&'static str, usize, f64)>> {
    let devices: Vec<(String, i64)> = raw
        .counts("SELECT unit_path, id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    let units: Vec<(String, i64)> = raw
        .counts("SELECT CAST(id AS TEXT), unit_id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    let devices: Arc<Vec<(String, i64, i64)>> = Arc::new(
        devices
            .into_iter()
            .zip(units)
            .map(|((path, id), (_, unit))| (path, id, unit))
            .collect(),
    );
    // Seeds far above the pushes', so every image is new.
    let base = 10_000_000u64;
    let mut out = Vec::new();

    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (blobs, len) = (Arc::clone(&state.blobs), plan.image_bytes);
        async move {
            let bytes = jpeg(base + i as u64, len);
            blobs
                .put(Box::pin(std::io::Cursor::new(bytes)), None)
                .await
                .map(drop)
                .map_err(|e| anyhow::anyhow!(e))
        }
    })
    .await?;
    out.push((
        "(a) blob store put alone",
        n,
        started.elapsed().as_secs_f64(),
    ));

    // (a') The same durable write (temporary file, fsync, rename into the fan-out directory,
    // fsync of the directory) done by one blocking call per image instead of one
    // `tokio::fs` call (each a hand-off to the blocking pool) per step: what the blob store
    // would cost if it wrote in-memory images that way.
    let root = Arc::new(state.settings.blob_dir().join("diag"));
    std::fs::create_dir_all(root.join("tmp"))?;
    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (root, len) = (Arc::clone(&root), plan.image_bytes);
        async move {
            tokio::task::spawn_blocking(move || {
                write_durably(&root, &jpeg(3 * base + i as u64, len), i)
            })
            .await?
        }
    })
    .await?;
    out.push((
        "(a') same writes, one blocking call per image",
        n,
        started.elapsed().as_secs_f64(),
    ));

    let now = state.clock.now();
    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (devices, committer) = (Arc::clone(&devices), state.committer().clone());
        async move {
            let (path, device, unit) = &devices[i % devices.len()];
            let item = Item {
                capture: diagnostic_capture(path, *device, *unit, i, now),
                alert: None,
                valid: true,
            };
            committer
                .commit(item)
                .await
                .map(drop)
                .map_err(|e| anyhow::anyhow!("{e}"))
        }
    })
    .await?;
    out.push((
        "(b) group committer alone",
        n,
        started.elapsed().as_secs_f64(),
    ));

    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (state, plan) = (state.clone(), plan.clone());
        async move {
            let cred = &plan.creds[i % plan.creds.len()];
            let cred = DeviceCredential {
                key_id: cred.key_id.clone(),
                secret: cred.secret.clone(),
            };
            let sub = Submission {
                via: Via::Multipart,
                input: CaptureInput {
                    event_id: Some(format!("diag-service-{i}")),
                    plate: format!("浙F{:05}", i % 100_000),
                    plate_colour: "blue".into(),
                    vehicle_type: "small_car".into(),
                    violation_code: "1625".into(),
                    captured_at: state.clock.now().to_rfc3339(),
                    ..CaptureInput::default()
                },
                images: vec![RawImage {
                    kind: "scene".into(),
                    bytes: jpeg(2 * base + i as u64, plan.image_bytes).into(),
                    plate_rect: None,
                }],
                camera_time: None,
            };
            let receipt = ingest::ingest(&state, &cred, sub)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::ensure!(receipt.state == "pending", "state {}", receipt.state);
            Ok(())
        }
    })
    .await?;
    out.push((
        "(c) ingest service without HTTP",
        n,
        started.elapsed().as_secs_f64(),
    ));
    for (stage, n, secs) in &out {
        println!(
            "diagnostic, {stage}: {n} in {secs:.2} s = {:.0}/s",
            *n as f64 / secs
        );
    }
    Ok(out)
}

/// Writes `bytes` as `FsStore::put` does, synchronously: a temporary file, synced, renamed to
/// `<root>/ab/cd/<name>`, then the directory synced.
fn write_durably(root: &Path, bytes: &[u8], i: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let name = format!("{:064x}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let tmp = root.join("tmp").join(&name);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    let dir = root.join(&name[..2]).join(&name[2..4]);
    std::fs::create_dir_all(&dir)?;
    std::fs::rename(&tmp, dir.join(&name))?;
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(())
}

/// A pending capture row as ingest builds it, its image named by a made-up id.
fn diagnostic_capture(
    path: &str,
    device: i64,
    unit: i64,
    i: usize,
    now: DateTime<Utc>,
) -> NewCapture {
    NewCapture {
        device_id: Some(roadwarden_domain::DeviceId(device)),
        unit_id: roadwarden_domain::UnitId(unit),
        unit_path: roadwarden_domain::org::UnitPath::from_stored(path.to_owned()),
        event_key: format!("diag-commit-{i}"),
        source: CaptureSource::RedLight,
        via: "multipart".into(),
        plate: "浙E12345".into(),
        plate_key: "浙E12345".into(),
        plate_colour: PlateColour::Blue,
        vehicle_type: "small_car".into(),
        vehicle_colour: String::new(),
        violation_code: "1625".into(),
        place: "Mingzhu Road crossing".into(),
        division_code: String::new(),
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
        captured_at: now,
        received_at: now,
        camera_time: None,
        usage: CaptureUse::Enforce,
        flags: Flags::default(),
        state: CaptureState::Pending,
        review_due_at: Some(now),
        collected_by: None,
        images: vec![NewImage {
            kind: "scene".into(),
            blob_id: format!("{i:064x}"),
            bytes: 100_000,
            plate_rect: None,
        }],
    }
}

/// Runs `job(0..n)` on this runtime with `concurrency` jobs in flight.
async fn run_tasks<F, Fut>(n: usize, concurrency: usize, job: F) -> anyhow::Result<()>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = 0;
    loop {
        while tasks.len() < concurrency.max(1) && next < n {
            tasks.spawn(job(next));
            next += 1;
        }
        match tasks.join_next().await {
            Some(done) => done??,
            None => return Ok(()),
        }
    }
}

/// `(audit entries of group commits, captures they name)`: each committer transaction writes
/// one `capture.ingest` entry listing its captures.
pub(crate) async fn count_ingest_batches(raw: &Raw) -> anyhow::Result<(i64, i64)> {
    let batches = raw
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'capture.ingest'")
        .await?;
    // The detail is `{"captures":[1,2,…]}`: one comma fewer than ids.
    let ids = raw
        .scalar(
            "SELECT COALESCE(SUM(LENGTH(detail) - LENGTH(REPLACE(detail, ',', '')) + 1), 0) \
             FROM audit_log WHERE action = 'capture.ingest'",
        )
        .await?;
    Ok((batches, ids))
}

pub(crate) fn count_files(dir: &Path) -> anyhow::Result<usize> {
    let mut n = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else {
                n += 1;
            }
        }
    }
    Ok(n)
}
