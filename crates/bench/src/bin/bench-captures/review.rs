//! Part 2: the review queue with a million pending captures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use roadwarden_bench::load::{open_loop_with, OpenLoopReport};
use roadwarden_bench::{cpu_since, ms, CpuSnapshot};
use roadwarden_domain::roles::Role;
use roadwarden_store::units::Unit;

use crate::raw::{insert_captures, Raw};
use crate::world::{import_devices, open_part, start_server, Accounts, PartWorld};
use crate::Args;

pub(crate) struct ShapeResult {
    pub(crate) label: String,
    pub(crate) report: OpenLoopReport,
    /// The target applies (the `next` shapes).
    pub(crate) next: bool,
}

pub(crate) struct ReviewResult {
    pub(crate) pending: u32,
    pub(crate) county_scope: i64,
    pub(crate) seed_seconds: f64,
    pub(crate) shapes: Vec<ShapeResult>,
    /// Statement, its median time alone, and its plan.
    pub(crate) plans: Vec<(String, Duration, Vec<String>)>,
}

pub(crate) async fn run_review(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<ReviewResult> {
    let PartWorld {
        data,
        state,
        raw,
        now,
        tree,
    } = open_part("review queue", &url, backend, args.counties).await?;
    let squads: Vec<&Unit> = tree.squads.iter().collect();
    import_devices(&state, &raw, &squads, 2).await?;

    let (seeded, seed_seconds) = seed_backlog(args, &raw, now).await?;

    let county = &tree.counties[0];
    let (low, high) = path_range(county.path.as_str());
    let scope_filter = format!(
        "state IN ('pending', 'second_review') AND unit_path >= '{low}' AND unit_path < '{high}'"
    );
    let in_order = raw
        .ids(&format!(
            "SELECT id FROM captures WHERE {scope_filter} ORDER BY review_due_at, id"
        ))
        .await?;
    println!(
        "county {} has {} pending captures in scope; the city {} all {}",
        county.code,
        in_order.len(),
        tree.city.code,
        seeded
    );

    // Reviewers: one per `next` request (each claims its own capture), plus the walkers and
    // two who only list the queue.
    let mut accounts = Accounts::new(&state.store, now).await?;
    // The first of each set answers the probe; then one per warm-up and measured request.
    let per_shape =
        usize::try_from(u64::from(args.next_rate) * args.duration + u64::from(args.warm_up))? + 1;
    let county_reviewers = accounts
        .make(county, Role::Reviewer, "rev.county", per_shape)
        .await?;
    let city_reviewers = accounts
        .make(&tree.city, Role::Reviewer, "rev.city", per_shape)
        .await?;
    let walkers = accounts
        .make(county, Role::Reviewer, "rev.walk", args.walkers.max(1))
        .await?;
    let listers = [
        accounts
            .make(county, Role::Reviewer, "rev.list.county", 1)
            .await?,
        accounts
            .make(&tree.city, Role::Reviewer, "rev.list.city", 1)
            .await?,
    ];

    // The statements of `captures::claim_next` and `captures::queue`, alone, before any load.
    let plans = queue_plans(
        &raw,
        &low,
        &high,
        now,
        in_order.get(in_order.len() / 2).copied(),
    )
    .await?;

    let (running, base) = start_server(&state).await?;
    let reviewers = Reviewers {
        county: county_reviewers,
        city: city_reviewers,
        walkers,
        listers,
    };
    let shapes = measure_review(args, &base, &reviewers, in_order).await?;
    running.shutdown().await?;
    let claimed = raw
        .scalar("SELECT COUNT(*) FROM captures WHERE claimed_by IS NOT NULL")
        .await?;
    println!("\ncaptures held by a reviewer after the run: {claimed}");
    let county_scope = raw
        .scalar(&format!(
            "SELECT COUNT(*) FROM captures WHERE {scope_filter}"
        ))
        .await?;
    raw.close().await;
    state.store.close().await;
    drop(data);
    Ok(ReviewResult {
        pending: args.pending,
        county_scope,
        seed_seconds,
        shapes,
        plans,
    })
}

/// Bearer tokens of the reviewers of part 2.
struct Reviewers {
    /// At the county, one per `next` request.
    pub(crate) county: Vec<Arc<str>>,
    /// At the city (every pending capture in scope), one per `next` request.
    pub(crate) city: Vec<Arc<str>>,
    /// At the county, walking with `?after=`.
    pub(crate) walkers: Vec<Arc<str>>,
    /// One at the county and one at the city, listing the queue.
    pub(crate) listers: [Vec<Arc<str>>; 2],
}

/// The open-loop measurements of part 2, one shape after another. `in_order` is the county's
/// queue (ids by deadline), where the walkers start.
async fn measure_review(
    args: &Args,
    base: &str,
    reviewers: &Reviewers,
    in_order: Vec<i64>,
) -> anyhow::Result<Vec<ShapeResult>> {
    let next_url: Arc<str> = Arc::from(format!("{base}/api/v1/review/next"));
    let queue_url: Arc<str> = Arc::from(format!("{base}/api/v1/review/queue"));
    let mut shapes = Vec::new();
    let warm = args.warm_up as usize;
    let duration = Duration::from_secs(args.duration);
    for (label, tokens) in [
        (
            "next, county reviewer (fresh reviewer per request)",
            &reviewers.county,
        ),
        (
            "next, city reviewer (all pending in scope)",
            &reviewers.city,
        ),
    ] {
        probe_next(&next_url, &tokens[0]).await?;
        let report = measure(args.next_rate, duration, warm, {
            let (url, tokens) = (Arc::clone(&next_url), tokens.clone());
            // Request i (warm-up first) is reviewer i + 1's first call.
            move |i| {
                (
                    Arc::clone(&url),
                    Arc::clone(&tokens[(i + 1) % tokens.len()]),
                )
            }
        })
        .await?;
        shapes.push(ShapeResult {
            label: label.into(),
            report,
            next: true,
        });
    }
    {
        // Walkers start at evenly spaced points of the county's queue; walker w's k-th request
        // passes over the capture just before it, as a reviewer skipping one by one would.
        let ids = Arc::new(in_order);
        let walkers = reviewers.walkers.clone();
        let w = walkers.len();
        let stride = ids.len() / w;
        let url = Arc::clone(&next_url);
        let report = measure(args.next_rate, duration, warm, move |i| {
            let (walker, step) = (i % w, i / w);
            let after = ids[(walker * stride + step) % ids.len()];
            (
                Arc::from(format!("{url}?after={after}")),
                Arc::clone(&walkers[walker]),
            )
        })
        .await?;
        shapes.push(ShapeResult {
            label: format!("next?after=<id>, county, {w} reviewers walking from spread points"),
            report,
            next: true,
        });
    }
    for (label, tokens) in [
        ("queue, county reviewer", &reviewers.listers[0]),
        ("queue, city reviewer", &reviewers.listers[1]),
    ] {
        let page = probe_json(&queue_url, &tokens[0]).await?;
        println!(
            "\n-- {label}: total {} (exact: {}), overdue {}, {} items on the page --",
            page["total"],
            page["total_is_exact"],
            page["overdue"],
            page["items"].as_array().map_or(0, Vec::len)
        );
        let token = Arc::clone(&tokens[0]);
        let url = Arc::clone(&queue_url);
        let report = measure(args.queue_rate, duration, warm, move |_| {
            (Arc::clone(&url), Arc::clone(&token))
        })
        .await?;
        shapes.push(ShapeResult {
            label: label.into(),
            report,
            next: false,
        });
    }
    Ok(shapes)
}

/// The backlog of `--pending` captures awaiting review, with deadlines from 2 days ago to 8
/// days ahead (so a fifth is overdue) and one scene image row each, as ingest writes them.
/// Returns the rows written and the seconds taken.
pub(crate) async fn seed_backlog(
    args: &Args,
    raw: &Raw,
    now: DateTime<Utc>,
) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let seeded = insert_captures(
        raw,
        args.pending,
        "pending",
        now - chrono::Duration::days(2),
        10.0,
    )
    .await?;
    raw.exec(
        "INSERT INTO capture_images (capture_id, position, kind, blob_id, bytes) \
         SELECT id, 0, 'scene', '0000000000000000000000000000000000000000000000000000000000000000', 100000 \
         FROM captures",
    )
    .await?;
    analyze(raw, args.sqlite_analyze).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!("seeded {seeded} pending captures with their image rows in {seconds:.1} s");
    Ok((seeded, seconds))
}

/// `ANALYZE` after the bulk load: always on PostgreSQL (autovacuum would within a minute), on
/// SQLite only when asked (nothing in the application runs it, so a deployment has no
/// statistics unless an operator runs it).
pub(crate) async fn analyze(raw: &Raw, sqlite: bool) -> anyhow::Result<()> {
    if raw.is_postgres() {
        // What autovacuum does after a bulk insert (autovacuum_vacuum_insert_threshold): the
        // statistics, and the visibility map that lets counts read the index alone.
        let started = Instant::now();
        raw.exec("VACUUM (ANALYZE)").await?;
        // And the checkpoint that follows a bulk load, so its writes do not stall the commits
        // of the measured claims (seen as 100-300 ms spikes without it).
        raw.exec("CHECKPOINT").await?;
        println!(
            "VACUUM (ANALYZE) and CHECKPOINT in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else if sqlite {
        let started = Instant::now();
        raw.exec("ANALYZE").await?;
        println!("ANALYZE in {:.1} s", started.elapsed().as_secs_f64());
    }
    if !raw.is_postgres() {
        raw.exec("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    Ok(())
}

/// The `[low, high)` range of paths under `prefix`, as the store computes it.
fn path_range(prefix: &str) -> (String, String) {
    (
        prefix.to_owned(),
        format!("{}0", prefix.trim_end_matches('/')),
    )
}

/// Runs `warm` requests, then the open-loop measurement, on the shared generator.
async fn measure<F>(
    rate: u32,
    duration: Duration,
    warm: usize,
    request: F,
) -> anyhow::Result<OpenLoopReport>
where
    F: Fn(usize) -> (Arc<str>, Arc<str>) + Send + Sync + 'static,
{
    // The warm-up uses requests 0..warm sequentially, the measurement warm.. on schedule.
    let client = reqwest::Client::new();
    for i in 0..warm {
        let (url, token) = request(i);
        let resp = client.get(&*url).bearer_auth(&*token).send().await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "warm-up {url}: {}",
            resp.status()
        );
        resp.bytes().await?;
    }
    let cpu = CpuSnapshot::take();
    let mut report = tokio::task::spawn_blocking(move || {
        open_loop_with(rate, duration, move |i| request(warm + i))
    })
    .await??;
    report.cpu = cpu_since(cpu.as_ref());
    report.print();
    println!("  statuses: {:?}", report.statuses);
    Ok(report)
}

async fn probe_json(url: &str, token: &str) -> anyhow::Result<serde_json::Value> {
    let resp = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await?;
    anyhow::ensure!(status.as_u16() == 200, "GET {url}: {status} {body}");
    Ok(body)
}

async fn probe_next(url: &str, token: &str) -> anyhow::Result<()> {
    let body = probe_json(url, token).await?;
    println!(
        "\n-- GET {url}: capture {} due {} with {} image(s) --",
        body["id"],
        body["review_due_at"],
        body["images"].as_array().map_or(0, Vec::len)
    );
    Ok(())
}

/// The statements of `captures::claim_next` (without and with `after`) and `captures::queue`
/// as the store writes them (crates/store/src/captures.rs), values inlined, each timed alone
/// and with its plan.
async fn queue_plans(
    raw: &Raw,
    low: &str,
    high: &str,
    now: DateTime<Utc>,
    middle: Option<i64>,
) -> anyhow::Result<Vec<(String, Duration, Vec<String>)>> {
    let now = now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
    let after = match middle {
        Some(id) => raw
            .counts(&format!(
                "SELECT CAST(review_due_at AS TEXT), id FROM captures WHERE id = {id}"
            ))
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    let (after_due, after_id) = after.unwrap_or_else(|| ("1970-01-01T00:00:00+00:00".into(), 0));
    // The store reads the queue unit by unit and merges the heads (`queue_head` in
    // crates/store/src/captures.rs): these are its statements for the county, with the values
    // written in. A reviewer id nobody has: nothing is collected or held by them.
    let units: Vec<(String, i64)> = raw
        .counts(&format!(
            "SELECT path, CAST(0 AS BIGINT) FROM units WHERE path >= '{low}' AND path < '{high}' ORDER BY path"
        ))
        .await?;
    let head = |columns: &str, limit: u32, due: &str, id: i64| {
        units
            .iter()
            .enumerate()
            .map(|(i, (path, _))| {
                format!(
                    "SELECT * FROM (SELECT {columns} FROM captures WHERE \
                     state IN ('pending', 'second_review') AND unit_path = '{path}' \
                     AND (collected_by IS NULL OR collected_by <> 999999) \
                     AND NOT (state = 'second_review' AND first_reviewer = 999999) \
                     AND (claimed_until IS NULL OR claimed_until < '{now}' OR claimed_by = 999999) \
                     AND review_due_at >= '{due}' AND (review_due_at > '{due}' OR id > {id}) \
                     ORDER BY unit_path, review_due_at, id LIMIT {limit}) q{i}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
            + &format!(" ORDER BY review_due_at, id LIMIT {limit}")
    };
    let statements = vec![
        (
            format!("claim_next (no after), {} units merged", units.len()),
            head("id, review_due_at", 1, "1970-01-01T00:00:00+00:00", 0),
        ),
        (
            format!("claim_next (after capture {after_id}, mid-queue)"),
            head("id, review_due_at", 1, &after_due, after_id),
        ),
        (
            "queue: first 50".to_owned(),
            head(
                "id, plate, violation_code, place, captured_at, review_due_at, state, usage, flags",
                50,
                "1970-01-01T00:00:00+00:00",
                0,
            ),
        ),
        (
            "queue: total (capped)".to_owned(),
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM captures WHERE state IN ('pending', 'second_review') \
                 AND unit_path >= '{low}' AND unit_path < '{high}' LIMIT 10001) q"),
        ),
        (
            "queue: overdue_in_scope (capped)".to_owned(),
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM captures WHERE state IN ('pending', 'second_review') \
                 AND unit_path >= '{low}' AND unit_path < '{high}' AND review_due_at <= '{now}' LIMIT 10001) q"),
        ),
    ];
    let mut out = Vec::new();
    println!("\nthe queue's statements alone (county scope), median of 5 runs, and their plans:");
    for (label, sql) in statements {
        let took = raw.time(&sql, 5).await?;
        let plan = raw.plan(&sql).await?;
        println!("-- {label}: {}", ms(took));
        for line in &plan {
            println!("     {line}");
        }
        out.push((label, took, plan));
    }
    Ok(out)
}
