//! Part 4: the cockpit's data refresh (RID-13, issue 16) at a province scope, p99 under 100 ms.
//!
//! The cockpit page's event stream calls `services::cockpit::snapshot` every few seconds for
//! each open wall screen; that call is the refresh measured here, in-process (no HTTP, whose
//! cost part 2 measures). The database holds part 2's world: a province, one city, the
//! counties and their squads, their devices and `--pending` captures waiting for review, a
//! tenth of them captured today. The viewer is at the province, so every count covers every
//! unit. Measured twice: one wall screen refreshing back to back (the computation itself), and
//! `--viewers` screens whose ticks fall together, each waiting for its figures as the event
//! stream does (`shared_snapshot`: computed once per scope and tick and shared).

use std::sync::Arc;
use std::time::{Duration, Instant};

use roadwarden_bench::LatencyStats;
use roadwarden_domain::org::UnitPath;
use roadwarden_server::services::cockpit::shared::{SharedSnapshots, SHARED_FOR};
use roadwarden_server::services::cockpit::{snapshot, Scope};
use roadwarden_server::AppState;

use crate::review::seed_backlog;
use crate::world::{import_devices, open_part, PartWorld};
use crate::Args;

pub(crate) struct CockpitResult {
    pub(crate) pending: u32,
    pub(crate) devices: i64,
    pub(crate) captures_today: i64,
    pub(crate) alone: LatencyStats,
    pub(crate) viewers: usize,
    pub(crate) together: LatencyStats,
}

pub(crate) async fn run_cockpit(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<CockpitResult> {
    let PartWorld {
        data,
        state,
        raw,
        now,
        tree,
    } = open_part("cockpit refresh", &url, backend, args.counties).await?;
    let squads: Vec<_> = tree.squads.iter().collect();
    import_devices(&state, &raw, &squads, 2).await?;
    seed_backlog(args, &raw, now).await?;
    let province = raw
        .text("SELECT path FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1")
        .await?;
    let scope = Scope {
        path: UnitPath::from_stored(province),
        tz: chrono_tz::Asia::Shanghai,
    };

    let first = snapshot(&state, &scope).await?;
    println!(
        "province scope: {} devices, {} captures today, {} waiting for review ({} overdue)",
        first.devices_total, first.captures_today, first.review.waiting, first.review.overdue
    );
    for _ in 0..args.cockpit_warm_up {
        snapshot(&state, &scope).await?;
    }
    let alone = refreshes(&state, &scope, args.cockpit_refreshes).await?;
    let alone = LatencyStats::of(&alone).ok_or_else(|| anyhow::anyhow!("no refreshes"))?;
    println!("one screen, back to back: {}", line(&alone));

    // Eight screens whose ticks fall together, each waiting for the figures as its event
    // stream does (`shared_snapshot`: one computation per scope and tick, shared).
    let viewers = args.cockpit_viewers.max(1);
    let ticks = args.cockpit_refreshes.div_ceil(viewers);
    let mut together = Vec::new();
    for _ in 0..ticks {
        let tick = Arc::new(SharedSnapshots::new(SHARED_FOR));
        let tasks: Vec<_> = (0..viewers)
            .map(|_| {
                let (state, scope, tick) = (state.clone(), scope.clone(), tick.clone());
                tokio::spawn(async move {
                    let started = Instant::now();
                    tick.get_or_compute("province", || snapshot(&state, &scope))
                        .await
                        .map(|_| started.elapsed())
                })
            })
            .collect();
        for task in tasks {
            together.push(task.await??);
        }
    }
    let together = LatencyStats::of(&together).ok_or_else(|| anyhow::anyhow!("no refreshes"))?;
    println!("{viewers} screens at once: {}", line(&together));

    raw.close().await;
    state.store.close().await;
    drop(data);
    Ok(CockpitResult {
        pending: args.pending,
        devices: first.devices_total,
        captures_today: first.captures_today,
        alone,
        viewers,
        together,
    })
}

async fn refreshes(state: &AppState, scope: &Scope, n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut took = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        snapshot(state, scope).await?;
        took.push(started.elapsed());
    }
    Ok(took)
}

pub(crate) fn line(s: &LatencyStats) -> String {
    use roadwarden_bench::ms;
    format!(
        "{} refreshes  p50 {}  p90 {}  p99 {}  max {}",
        s.count,
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        ms(s.max)
    )
}
