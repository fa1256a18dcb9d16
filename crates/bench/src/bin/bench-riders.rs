//! RID-04: event received → identity → tier updated, end to end, with real face photos.
//!
//! The real server runs in this process (the test kit's app: a fresh SQLite file, or a fresh
//! PostgreSQL database when `ROADWARDEN_TEST_DATABASE_URL` names a server), with the dlib
//! engine and the model files of `scripts/face-models.sh`. An e-bike capture point in use is
//! registered and given a credential through the API; one known person is in the face base
//! library (obama.jpg) among `--gallery` other library faces (random unit vectors, so the 1:N
//! search has work to do). Then one client pushes `--events` events, one after another, each
//! with a registry face photo (obama2, obama3, biden, astronaut in turn) and a scene photo, over
//! the authenticated JSON push. The time measured is from sending the push to its answer: the
//! photos stored write-once, the face decoded, detected, gated and described, matched 1:N (or
//! clustered), the event filed, the person's tier recomputed (RID-08) and the audit entry
//! written, all committed before the answer. Target: p99 under 300 ms (the standard: 1.5 s).
//!
//! ```sh
//! bash scripts/face-models.sh
//! cargo run --release -p roadwarden-bench --features face-dlib --bin bench-riders -- --events 200
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use base64::Engine;
use chrono::{TimeZone, Utc};
use clap::Parser;
use rand::Rng;
use roadwarden_server::services::riders::identity::{self, Enrolled};
use roadwarden_store::riders::faces::{self, NewFaceVector};
use roadwarden_store::riders::persons::{self, NewRiderPerson};
use roadwarden_testkit::World;
use serde_json::{json, Value};

const TARGET_P99: Duration = Duration::from_millis(300);

#[derive(Debug, Parser)]
#[command(
    name = "bench-riders",
    about = "Rider event → identity → tier, end to end (RID-04)"
)]
struct Args {
    /// Events pushed and timed (after the warm-up).
    #[arg(long, default_value_t = 200)]
    events: usize,
    /// Events pushed first and not timed (the engine loads on the first).
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Other persons' faces in the library (random unit vectors).
    #[arg(long, default_value_t = 10_000)]
    gallery: usize,
    /// The face models (scripts/face-models.sh).
    #[arg(
        long,
        env = "ROADWARDEN_FACE_MODELS",
        default_value = "target/face-models"
    )]
    models: PathBuf,
    /// The registry test images (scripts/face-models.sh).
    #[arg(
        long,
        env = "ROADWARDEN_FACE_TESTDATA",
        default_value = "target/face-testdata"
    )]
    testdata: PathBuf,
}

const HEADER: &str = "设备编号,设备类型,管理单位代码,设备名称,维护单位,责任领导,责任部门,违法类型,道路,道路等级,公里桩,地点,附近村庄,经度,纬度,状态,正式启用日期,试用开始日期,备案日期,检定机构,检定证书编号,检定有效期起,检定有效期止,MAC地址,通道,公示开始日期";
const POINT_ROW: &str = "330522070001,ebike_capture,330522-01,雉城路口电动车抓拍,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,,雉城路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-01,2024-04-20,,,,,,,2024-03-20";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !roadwarden_face::HAS_DLIB {
        bail!("this build has no dlib engine: run with `--features face-dlib`");
    }
    let read = |name: &str| {
        std::fs::read(args.testdata.join(name))
            .with_context(|| format!("{name}: run scripts/face-models.sh"))
    };
    let library_photo = read("obama.jpg")?;
    let photos: Vec<(&str, Vec<u8>)> = ["obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"]
        .into_iter()
        .map(|n| read(n).map(|b| (n, b)))
        .collect::<anyhow::Result<_>>()?;
    let scene = read("32bit.png")?;
    let models = std::fs::canonicalize(&args.models).context("the models folder")?;
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap();
    let w = World::at(start, |s| {
        s.riders.warning.enabled = false;
        s.riders.face.models_dir = models.clone();
    })
    .await;
    // The capture point, through the API.
    let manager = w
        .person(&w.o.squad, "bench.device", 41, &["device_manager"])
        .await;
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/device-imports?file_name=ebike.csv"))
        .bearer_auth(&manager)
        .header("content-type", "text/csv")
        .body(format!("{HEADER}\n{POINT_ROW}"))
        .send()
        .await?;
    if resp.status().as_u16() != 201 {
        bail!("device import: {}", resp.text().await?);
    }
    let (_, page) = w.app.get("/api/v1/devices", &manager).await;
    let device = page["items"][0]["id"].as_i64().context("the point")?;
    let (_, cred) = w
        .app
        .post(
            &format!("/api/v1/devices/{device}/credentials"),
            &manager,
            &json!({}),
        )
        .await;
    let key = cred["key_id"].as_str().context("key")?.to_owned();
    let secret = cred["secret"].as_str().context("secret")?.to_owned();

    // The library: the known man, and `gallery` others.
    let state = &w.app.state;
    let new_person = |n: usize| NewRiderPerson {
        unit_id: w.o.village.id,
        unit_path: w.o.village.path.clone(),
        // Only the known man needs an ID number; the others are faces to search through.
        id_number: (n == 0).then(|| roadwarden_testkit::cn_id(990)),
        name: format!("居民{n}"),
        village: "红星村".into(),
        employer: String::new(),
        phone: String::new(),
        party_member: false,
        provisional: false,
        created_at: start,
    };
    let mut tx = state.store.begin().await?;
    let known = persons::insert(&mut tx, &new_person(0)).await?;
    let mut rng = rand::thread_rng();
    for n in 1..=args.gallery {
        let person = persons::insert(&mut tx, &new_person(n)).await?;
        let mut v: Vec<f32> = (0..128).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        faces::insert(
            &mut tx,
            &NewFaceVector {
                person_id: Some(person),
                event_id: None,
                values: &v,
                created_at: start,
            },
        )
        .await?;
    }
    tx.commit().await?;
    identity::reload(state).await?;
    match identity::enrol(state, known, library_photo.into()).await? {
        Enrolled::Face(_) => {}
        Enrolled::Held(why) => bail!("the library photo was held: {why}"),
    }

    let push = |n: usize, photo: &[u8]| {
        let body = json!({
            "event_id": format!("bench-{n}"), "violation": "no_helmet",
            "occurred_at": w.clock.now().to_rfc3339(),
            "face_photo": b64(photo), "scene_photo": b64(&scene),
        });
        let request = w
            .app
            .client
            .post(w.app.url("/api/v1/riders/events/push"))
            .basic_auth(&key, Some(&secret))
            .json(&body);
        async move {
            let started = Instant::now();
            let resp = request.send().await?;
            let status = resp.status().as_u16();
            let out: Value = resp.json().await.unwrap_or(Value::Null);
            let took = started.elapsed();
            if status != 201 {
                bail!("push {n}: {status} {out}");
            }
            anyhow::Ok((took, out))
        }
    };
    for n in 0..args.warmup {
        push(n, &photos[n % photos.len()].1).await?;
    }
    let mut all = Vec::with_capacity(args.events);
    let mut by_photo: Vec<Vec<Duration>> = vec![Vec::new(); photos.len()];
    let mut states = std::collections::BTreeMap::<String, usize>::new();
    let load_before = load_average();
    let wall = Instant::now();
    for i in 0..args.events {
        let k = i % photos.len();
        let (took, out) = push(args.warmup + i, &photos[k].1).await?;
        all.push(took);
        by_photo[k].push(took);
        let state = format!(
            "{}/{}",
            out["match_state"].as_str().unwrap_or("?"),
            out["match_reason"].as_str().unwrap_or("")
        );
        *states.entry(state).or_default() += 1;
    }
    let wall = wall.elapsed();
    let load_after = load_average();
    all.sort();
    println!("bench-riders: event received → identity → tier updated (RID-04)");
    println!("machine: {}", machine());
    println!(
        "database: {}",
        if std::env::var_os(roadwarden_testkit::TEST_DATABASE_ENV).is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    );
    println!(
        "gallery: {} library faces; events: {} timed after {} warm-up, one client",
        args.gallery + 1,
        args.events,
        args.warmup
    );
    println!("load average before: {load_before}; after: {load_after}");
    println!();
    println!("| photo | events | p50 | p95 | p99 | max |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (k, (name, _)) in photos.iter().enumerate() {
        let mut d = by_photo[k].clone();
        d.sort();
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            d.len(),
            ms(percentile(&d, 50.0)),
            ms(percentile(&d, 95.0)),
            ms(percentile(&d, 99.0)),
            ms(d.last().copied().unwrap_or_default())
        );
    }
    let p99 = percentile(&all, 99.0);
    println!(
        "| all | {} | {} | {} | {} | {} |",
        all.len(),
        ms(percentile(&all, 50.0)),
        ms(percentile(&all, 95.0)),
        ms(p99),
        ms(all.last().copied().unwrap_or_default())
    );
    println!();
    println!(
        "throughput: {:.1} events/s; outcomes: {states:?}",
        all.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "p99 {} against the target {}: {}",
        ms(p99),
        ms(TARGET_P99),
        if p99 < TARGET_P99 { "MET" } else { "MISSED" }
    );
    let tier = {
        let mut tx = state.store.begin_read().await?;
        persons::get(&mut tx, known).await?.map(|p| p.tier)
    };
    println!(
        "the known person's tier after the run (unconfirmed matches never raise it): {tier:?}"
    );
    Ok(())
}
