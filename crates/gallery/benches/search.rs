//! Issue 15: 1:N search over 1,000,000 × 128 on one core, exact and int8, against FAISS flat
//! (PyPI `faiss-cpu`) on the same vectors in the same run. "exact scan" compares every `f32`
//! vector; "exact bounded" is the gallery's search, the same answers read through the int8 codes
//! (`src/bounded.rs`); the simsimd and plain lines are the one-pair-per-call kernels it replaced.
//!
//! `FAISS_PYTHON=/path/to/python cargo bench -p roadwarden-gallery --bench search`
//! (`GALLERY_BENCH_N`, `GALLERY_BENCH_Q` change the gallery size and the query count;
//! without a Python that imports faiss the peer is skipped and said so).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use roadwarden_gallery::synth::Synth;
use roadwarden_gallery::{FaceId, FlatIndex, Hit, Int8Index, Vector, DEFAULT_RERANK, DIM};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Mean milliseconds per query and the top-1 of each.
fn time_queries(
    queries: &[Vector],
    mut search: impl FnMut(&Vector) -> Vec<Hit>,
) -> (f64, Vec<Option<FaceId>>) {
    search(&queries[0]);
    let started = Instant::now();
    let top: Vec<_> = queries
        .iter()
        .map(|q| search(q).first().map(|h| h.face))
        .collect();
    (
        started.elapsed().as_secs_f64() * 1e3 / queries.len() as f64,
        top,
    )
}

fn recall(got: &[Option<FaceId>], want: &[Option<FaceId>]) -> f64 {
    got.iter().zip(want).filter(|(g, w)| g == w).count() as f64 / want.len() as f64
}

fn write_f32(path: &Path, vectors: &[Vector]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for v in vectors {
        for x in v {
            out.write_all(&x.to_le_bytes())?;
        }
    }
    out.flush()
}

fn faiss_peer(dir: &Path, base: &[Vector], queries: &[Vector]) -> Option<Vec<(String, String)>> {
    let python = std::env::var("FAISS_PYTHON").unwrap_or_else(|_| "python3".into());
    let (b, q) = (
        dir.join("gallery_base.f32"),
        dir.join("gallery_queries.f32"),
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/faiss_peer.py");
    let written = write_f32(&b, base).and_then(|()| write_f32(&q, queries));
    let out = written.and_then(|()| {
        Command::new(python)
            .arg(script)
            .arg(&b)
            .arg(&q)
            .arg(DIM.to_string())
            .output()
    });
    let _ = std::fs::remove_file(&b);
    let _ = std::fs::remove_file(&q);
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "  FAISS peer failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            println!("  FAISS peer skipped ({e}); set FAISS_PYTHON, TMPDIR for the vector files");
            return None;
        }
    };
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

fn run(name: &str, base: Vec<Vector>, queries: &[Vector]) {
    println!(
        "== {name}: {} x {DIM}, {} queries, one core, one query at a time",
        base.len(),
        queries.len()
    );
    let dir = std::env::temp_dir();
    let peer = faiss_peer(&dir, &base, queries);
    let mut flat = FlatIndex::with_capacity(base.len());
    for (i, v) in base.into_iter().enumerate() {
        flat.insert(FaceId(i as i64), v);
    }
    let inf = f32::INFINITY;
    let (simsimd_ms, simsimd_top) = time_queries(queries, |q| flat.search_simsimd(q, 1, inf));
    let (exact_ms, exact_top) = time_queries(queries, |q| flat.search(q, 1, inf));
    let (plain_ms, plain_top) = time_queries(queries, |q| flat.search_plain(q, 1, inf));
    assert_eq!(exact_top, plain_top, "the kernels find the same faces");
    assert_eq!(exact_top, simsimd_top, "the kernels find the same faces");
    let started = Instant::now();
    let batch = flat.search_batch(queries, 1, inf);
    let batch_ms = started.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
    let batch_top: Vec<_> = batch.iter().map(|h| h.first().map(|h| h.face)).collect();
    assert_eq!(batch_top, exact_top, "the batch finds the same faces");
    let int8 = Int8Index::build(flat);
    let (bounded_ms, bounded_top) =
        time_queries(queries, |q| int8.search_exact(q, 1, inf, |_| true));
    assert_eq!(
        bounded_top, exact_top,
        "exact through the codes finds the same faces"
    );
    // The server's own call (k 1 under dlib's 0.6) and a wider one (k 10, no threshold), each
    // checked whole (faces, distances, order) against the scan on a few queries.
    for q in queries.iter().take(5) {
        for (k, t) in [(1, 0.6), (10, inf)] {
            assert_eq!(
                int8.search_exact(q, k, t, |_| true),
                int8.exact().search(q, k, t)
            );
        }
    }
    let (bounded_06_ms, _) = time_queries(queries, |q| int8.search_exact(q, 1, 0.6, |_| true));
    let (bounded_k10_ms, _) = time_queries(queries, |q| int8.search_exact(q, 10, inf, |_| true));
    let (i8_ms, i8_top) = time_queries(queries, |q| int8.search(q, 1, DEFAULT_RERANK, inf));
    let (i8_simsimd_ms, i8_simsimd_top) =
        time_queries(queries, |q| int8.search_simsimd(q, 1, DEFAULT_RERANK, inf));
    let (i8_plain_ms, _) = time_queries(queries, |q| int8.search_plain(q, 1, DEFAULT_RERANK, inf));
    assert_eq!(
        i8_top, i8_simsimd_top,
        "the int8 kernels find the same faces"
    );
    let rec = recall(&i8_top, &exact_top);
    println!(
        "  exact scan      {exact_ms:8.3} ms/query  {:8.1} q/s (every f32 vector, AVX2 block kernel)",
        1e3 / exact_ms
    );
    println!(
        "  exact bounded   {bounded_ms:8.3} ms/query  {:8.1} q/s (read through the int8 codes with bounds; the gallery's search)",
        1e3 / bounded_ms
    );
    println!(
        "  exact bounded   {bounded_06_ms:8.3} ms/query  (k 1 under 0.6, the server's call)   {bounded_k10_ms:8.3} ms/query  (k 10, no threshold)"
    );
    println!(
        "  exact simsimd   {simsimd_ms:8.3} ms/query  {:8.1} q/s (one pair per call)",
        1e3 / simsimd_ms
    );
    println!(
        "  exact batch     {batch_ms:8.3} ms/query  {:8.1} q/s (all queries in one call)",
        1e3 / batch_ms
    );
    println!(
        "  exact plain     {plain_ms:8.3} ms/query  {:8.1} q/s",
        1e3 / plain_ms
    );
    println!("  int8 + re-rank  {i8_ms:8.3} ms/query  {:8.1} q/s  recall@1 {rec:.4} (re-rank {DEFAULT_RERANK}, AVX2 block kernel)", 1e3 / i8_ms);
    println!(
        "  int8 simsimd    {i8_simsimd_ms:8.3} ms/query  {:8.1} q/s (one pair per call)",
        1e3 / i8_simsimd_ms
    );
    println!(
        "  int8 plain      {i8_plain_ms:8.3} ms/query  {:8.1} q/s",
        1e3 / i8_plain_ms
    );
    let Some(peer) = peer else { return };
    let get = |k: &str| {
        peer.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ms = |k: &str| get(k).parse::<f64>().unwrap_or(f64::NAN);
    println!(
        "  FAISS {} IndexFlatL2 {:8.3} ms/query single, {:8.3} ms/query in one batch",
        get("faiss_version"),
        ms("l2_single_ms"),
        ms("l2_batch_ms")
    );
    println!(
        "  FAISS IndexFlatIP       {:8.3} ms/query single, {:8.3} ms/query in one batch",
        ms("ip_single_ms"),
        ms("ip_batch_ms")
    );
    let top1 = |key: &str| -> Vec<Option<FaceId>> {
        get(key)
            .split(',')
            .map(|s| s.parse().ok().map(FaceId))
            .collect()
    };
    let faiss_top = top1("l2_top1");
    println!(
        "  FAISS SQ8 + RefineFlat {:8.3} ms/query single, recall@1 {:.4} (its int8 peer; ours / it: {:.2}x)",
        ms("sq8_refine_single_ms"),
        recall(&top1("sq8_refine_top1"), &exact_top),
        ms("sq8_refine_single_ms") / i8_ms
    );
    println!(
        "  top-1 agreement exact vs FAISS L2: {:.4}",
        recall(&exact_top, &faiss_top)
    );
    let best = ms("l2_single_ms").min(ms("ip_single_ms"));
    println!(
        "  ratio FAISS-flat(best, single) / exact scan: {:.2}x   / exact bounded: {:.2}x   / int8: {:.2}x",
        best / exact_ms,
        best / bounded_ms,
        best / i8_ms
    );
    let batch = ms("l2_batch_ms").min(ms("ip_batch_ms"));
    println!(
        "  ratio FAISS-flat(best, batch)  / exact: {:.2}x   / int8: {:.2}x   / exact batch: {:.2}x",
        batch / exact_ms,
        batch / i8_ms,
        batch / batch_ms
    );
}

fn main() {
    let n = env_usize("GALLERY_BENCH_N", 1_000_000);
    let q = env_usize("GALLERY_BENCH_Q", 200);
    let mut rng = Synth::new(2026);

    let base: Vec<Vector> = (0..n).map(|_| rng.unit()).collect();
    let queries: Vec<Vector> = (0..q).map(|_| rng.unit()).collect();
    run("random unit vectors, random queries", base, &queries);
    if std::env::var("GALLERY_BENCH_ONLY").is_ok_and(|v| v == "random") {
        return;
    }

    // People as centres, 4 faces each; queries are new faces of people in the gallery.
    let offset = rng.near(&[0.0; DIM], 0.3);
    let people: Vec<Vector> = (0..n.div_ceil(4)).map(|_| rng.centre(&offset)).collect();
    let base: Vec<Vector> = (0..n).map(|i| rng.face(&people[i / 4])).collect();
    let queries: Vec<Vector> = (0..q)
        .map(|_| {
            let p = (rng.next_u64() % people.len() as u64) as usize;
            rng.face(&people[p])
        })
        .collect();
    drop(people);
    run(
        "clustered faces (people = centres, faces 0.25 around)",
        base,
        &queries,
    );
}
