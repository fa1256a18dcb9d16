//! The summary: each target, met or missed.

use roadwarden_bench::load::OpenLoopReport;
use roadwarden_bench::ms;

use crate::ingest::IngestResult;
use crate::notices::NoticeResult;
use crate::review::ReviewResult;
use crate::{Args, DISK_SHARE_TARGET, DRAIN_TARGET, INGEST_TARGET, NEXT_P99_TARGET};

pub(crate) fn verdict(met: bool) -> &'static str {
    if met {
        "MET"
    } else {
        "MISSED"
    }
}

fn next_met(r: &OpenLoopReport) -> bool {
    r.errors == 0 && r.latency.is_some_and(|l| l.p99 < NEXT_P99_TARGET)
}

pub(crate) fn print_summary(
    backend: &str,
    args: &Args,
    ingest: Option<&IngestResult>,
    review: Option<&ReviewResult>,
    notices: Option<&NoticeResult>,
) {
    println!("\n== bench-captures summary: {backend} ==");
    if let Some(r) = ingest {
        println!(
            "target 1: ingest >= {INGEST_TARGET:.0} captures/s durable on ack, image bytes >= {:.0}% of dd",
            DISK_SHARE_TARGET * 100.0
        );
        println!(
            "  {} captures x {} bytes, {} clients, {} devices: {:.0} captures/s  {}",
            r.captures,
            r.image_bytes,
            r.clients,
            r.devices,
            r.per_sec(),
            verdict(r.per_sec() >= INGEST_TARGET && r.errors.is_empty())
        );
        for mode in ["direct+fsync", "buffered+fdatasync"] {
            if let Some(dd) = r.dd(mode) {
                let share = r.image_mb_per_sec() / dd;
                println!(
                    "  images {:.1} MB/s vs dd {mode} {dd:.0} MB/s (slower of 2 runs): {:.1}%  {}",
                    r.image_mb_per_sec(),
                    share * 100.0,
                    verdict(share >= DISK_SHARE_TARGET)
                );
            }
        }
        if let Some(l) = r.latency {
            println!("  ack latency p50 {}  p99 {}", ms(l.p50), ms(l.p99));
        }
        if let Some(f) = r.fsync_4k {
            println!(
                "  disk flush: {:.0} 4 KiB write+fdatasync/s",
                f.per_second()
            );
        }
    }
    if let Some(r) = review {
        println!(
            "target 2: review/next p99 < {} with {} pending ({} in the county's scope; seeded in {:.0} s), open loop {} s",
            ms(NEXT_P99_TARGET),
            r.pending,
            r.county_scope,
            r.seed_seconds,
            args.duration
        );
        if args.sqlite_analyze {
            println!("  SQLite analyzed after seeding (--sqlite-analyze)");
        }
        println!(
            "  {:<68} {:>6} {:>10} {:>10} {:>10} {:>7}  result",
            "shape", "rate", "p50", "p99", "max", "errors"
        );
        for s in &r.shapes {
            let (p50, p99, max) = s
                .report
                .latency
                .map_or(("-".into(), "-".into(), "-".into()), |l| {
                    (ms(l.p50), ms(l.p99), ms(l.max))
                });
            println!(
                "  {:<68} {:>4}/s {:>10} {:>10} {:>10} {:>7}  {}",
                s.label,
                s.report.rate,
                p50,
                p99,
                max,
                s.report.errors,
                if s.next {
                    verdict(next_met(&s.report))
                } else {
                    "(no target)"
                }
            );
        }
        for s in &r.shapes {
            if let Some(cpu) = s.report.cpu {
                println!("  {:<68} {cpu}", s.label);
            }
        }
        for (label, took, _) in &r.plans {
            println!("  statement alone: {label:<40} {}", ms(*took));
        }
    }
    if let Some(r) = notices {
        println!(
            "target 3: {} queued SMS notices drained < {} s: {:.2} s ({:.0}/s, batch_size {}, concurrency {}; sink got {})  {}",
            r.notices,
            DRAIN_TARGET.as_secs(),
            r.elapsed.as_secs_f64(),
            r.per_sec(),
            r.batch_size,
            r.concurrency,
            r.received,
            verdict(r.elapsed < DRAIN_TARGET && r.report.sent == r.notices as usize)
        );
        println!(
            "  sending {:.2} s, between batches {:.2} s",
            r.sending.as_secs_f64(),
            r.between.as_secs_f64()
        );
    }
}
