//! Detection + embedding per face on one core, with the dlib engine.
//!
//! ```text
//! bash scripts/face-models.sh
//! cargo run --release -p roadwarden-face --bin face-bench -- [IMAGE] [ROUNDS]
//! ```
//!
//! Runs itself again pinned to one core (`taskset -c 0` when present) with
//! OPENBLAS_NUM_THREADS=1, since OpenBLAS reads that variable when it loads.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use roadwarden_face::{
    assess_image, Assessment, DecodeLimits, DlibEngine, DlibModels, FaceEngine, FaceImage,
    QualityGates,
};

fn main() -> ExitCode {
    if std::env::var_os("OPENBLAS_NUM_THREADS").is_none() {
        let me = std::env::current_exe().expect("own path");
        let args: Vec<String> = std::env::args().skip(1).collect();
        let pinned = Command::new("taskset")
            .arg("-c")
            .arg("0")
            .arg(&me)
            .args(&args)
            .env("OPENBLAS_NUM_THREADS", "1")
            .status();
        let status = pinned.or_else(|_| {
            eprintln!("taskset missing: one BLAS thread, but not pinned to one core");
            Command::new(&me)
                .args(&args)
                .env("OPENBLAS_NUM_THREADS", "1")
                .status()
        });
        return match status {
            Ok(s) if s.success() => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("face-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(default)
    })
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let image = args.next().map_or_else(
        || root("ROADWARDEN_FACE_TESTDATA", "target/face-testdata").join("obama.jpg"),
        PathBuf::from,
    );
    let rounds: usize = args
        .next()
        .map_or(Ok(20), |r| r.parse())
        .map_err(|e| format!("{e}"))?;
    let models = root("ROADWARDEN_FACE_MODELS", "target/face-models");
    let detect_max_pixels = std::env::var("FACE_BENCH_DETECT_MAX_PIXELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(roadwarden_face::DEFAULT_DETECT_MAX_PIXELS);
    let engine = DlibEngine::open(&DlibModels::in_dir(&models))
        .map_err(|e| e.to_string())?
        .with_detect_max_pixels(detect_max_pixels);
    let bytes = std::fs::read(&image).map_err(|e| format!("{}: {e}", image.display()))?;
    let photo = FaceImage::decode(&bytes, &DecodeLimits::default()).map_err(|r| r.to_string())?;
    let gates = QualityGates::default();

    let (mut decode, mut detect, mut encode, mut total) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let photo_again = FaceImage::decode(&bytes, &DecodeLimits::default());
        let decoded = Instant::now();
        let faces = engine.detect(&photo);
        let detected = Instant::now();
        let face = faces.first().ok_or("no face in the bench image")?;
        let descriptor = engine.encode(&photo, face).map_err(|e| e.to_string())?;
        let encoded = Instant::now();
        std::hint::black_box((photo_again.is_ok(), descriptor));
        decode.push(decoded - start);
        detect.push(detected - decoded);
        encode.push(encoded - detected);
        let whole = Instant::now();
        let outcome = assess_image(&engine, &photo, &gates).map_err(|e| e.to_string())?;
        total.push(whole.elapsed());
        if !matches!(outcome, Assessment::Accepted(_)) {
            return Err(format!("bench image held: {:?}", outcome.hold_reason()));
        }
    }
    // CPU time, which a busy machine does not inflate as it does wall time.
    let cpu_before = cpu_ticks();
    for _ in 0..rounds.max(1) {
        std::hint::black_box(assess_image(&engine, &photo, &gates).map_err(|e| e.to_string())?);
    }
    let cpu = cpu_ticks()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    println!(
        "{} on {} ({}×{}), {} rounds, one core, detecting on at most {detect_max_pixels} pixels:",
        engine.name(),
        image.display(),
        photo.width(),
        photo.height(),
        rounds.max(1)
    );
    for (what, times) in [
        ("decode", &mut decode),
        ("detect (HOG + landmarks)", &mut detect),
        ("encode (ResNet 128-d)", &mut encode),
        ("assess: detect + gates + encode", &mut total),
    ] {
        times.sort();
        let at = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
        println!(
            "  {what:<32} median {:>7.1} ms   p99 {:>7.1} ms",
            at(0.5),
            at(0.99)
        );
    }
    if let Some(ticks) = cpu {
        // Clock ticks of 10 ms (USER_HZ is 100 on Linux).
        let per_round = ticks as f64 * 10.0 / rounds.max(1) as f64;
        println!(
            "  {:<32} mean   {per_round:>7.1} ms of CPU",
            "assess, CPU time"
        );
    }
    Ok(())
}

/// This process's user + system CPU time in clock ticks, from /proc/self/stat.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces), from field 3 on.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
