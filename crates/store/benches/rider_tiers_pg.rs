//! RID-08 peer benchmark (issue 15): the nightly tier rebuild of PERSONS persons with EVENTS
//! events, once as one windowed SQL query in PostgreSQL and once in Rust
//! (`roadwarden_domain::rider::tier_from_history` per person) on the same rows, fetched once.
//! Both must give the same number of persons in each tier.
//!
//! `cargo bench -p roadwarden-store --bench rider_tiers_pg -- [POSTGRES_URL] [PERSONS] [EVENTS]`
//! (default `postgres://postgres@127.0.0.1/postgres`, 1,000,000 and 10,000,000). A fresh
//! database is made on that server and dropped after.

use std::str::FromStr;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use roadwarden_domain::rider::{tier_from_history, TierConfig};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};

type Fail = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Fail> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let server = args
        .first()
        .cloned()
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1/postgres".into());
    let persons: i64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let events: i64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let name = format!("rw_bench_tiers_{}", uuid::Uuid::new_v4().simple());
    let admin = PgPool::connect(&server).await?;
    admin
        .execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await?;
    let mut url = url::Url::parse(&server)?;
    url.set_path(&format!("/{name}"));
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(PgConnectOptions::from_str(url.as_str())?)
        .await?;
    let outcome = run(&pool, persons, events).await;
    pool.close().await;
    admin
        .execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
        .await?;
    outcome
}

async fn run(pool: &PgPool, persons: i64, events: i64) -> Result<(), Fail> {
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    let t = Instant::now();
    // The same skew as the pure-Rust bench: persons drawn as r² / N, times over 400 days,
    // 10% of persons educated at some time in those 400 days. Deterministic (setseed).
    let setup = format!(
        "SELECT setseed(0.42);
         CREATE UNLOGGED TABLE persons (id BIGINT PRIMARY KEY, educated_at TIMESTAMPTZ);
         INSERT INTO persons SELECT g, CASE WHEN random() < 0.1 THEN
             TIMESTAMPTZ '{now}' - random() * interval '400 days' END
           FROM generate_series(0, {last}) g;
         CREATE UNLOGGED TABLE events (person_id BIGINT NOT NULL, occurred_at TIMESTAMPTZ NOT NULL);
         INSERT INTO events SELECT (r * r / {persons})::bigint,
             date_trunc('second', TIMESTAMPTZ '{now}' - random() * interval '400 days')
           FROM (SELECT floor(random() * {persons})::bigint AS r
                 FROM generate_series(1, {events})) s;
         CREATE INDEX events_person ON events (person_id, occurred_at);
         ANALYZE persons; ANALYZE events;",
        now = now.to_rfc3339(),
        last = persons - 1,
    );
    pool.execute(setup.as_str()).await?;
    println!(
        "pg setup: {persons} persons, {events} events loaded and indexed in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Table 1 as one query, with the same half-open windows as the domain.
    let query = "WITH c AS (
          SELECT person_id,
            COUNT(*) FILTER (WHERE occurred_at > $1 - interval '7 days' AND occurred_at <= $1) AS short,
            COUNT(*) FILTER (WHERE occurred_at > $1 - interval '30 days' AND occurred_at <= $1) AS long,
            MAX(occurred_at) FILTER (WHERE occurred_at <= $1) AS latest
          FROM events WHERE occurred_at > $1 - interval '365 days' GROUP BY person_id)
        SELECT tier, COUNT(*) FROM (
          SELECT CASE
            WHEN p.educated_at <= $1 AND p.educated_at > $1 - interval '365 days'
                 AND c.latest > p.educated_at THEN 3
            WHEN c.short >= 4 OR c.long >= 8 THEN 2
            WHEN c.long >= 1 THEN 1
            ELSE 0 END AS tier
          FROM persons p LEFT JOIN c ON c.person_id = p.id) t
        GROUP BY tier ORDER BY tier";
    let mut sql_best = f64::MAX;
    let mut sql_tiers = [0i64; 4];
    for _ in 0..3 {
        let t = Instant::now();
        let rows: Vec<(i32, i64)> = sqlx::query_as(query).bind(now).fetch_all(pool).await?;
        sql_best = sql_best.min(t.elapsed().as_secs_f64());
        for (tier, n) in rows {
            sql_tiers[tier as usize] = n;
        }
    }
    println!(
        "pg one query: tiers of {persons} persons in {sql_best:.3} s (best of 3): {sql_tiers:?}"
    );

    // The same rows into memory, grouped by person, as the rebuild job reads them.
    let t = Instant::now();
    let educated: Vec<Option<DateTime<Utc>>> =
        sqlx::query_scalar("SELECT educated_at FROM persons ORDER BY id")
            .fetch_all(pool)
            .await?;
    let mut offsets = vec![0usize; persons as usize + 1];
    let mut times: Vec<DateTime<Utc>> = Vec::with_capacity(events as usize);
    let since = TierConfig::default().history_start(now);
    let rows: Vec<(i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT person_id, occurred_at FROM events WHERE occurred_at > $1 ORDER BY person_id",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    for (person, at) in rows {
        offsets[person as usize + 1] += 1;
        times.push(at);
    }
    for i in 0..persons as usize {
        offsets[i + 1] += offsets[i];
    }
    println!(
        "fetch: {} events of the last 365 days read into memory in {:.1} s",
        times.len(),
        t.elapsed().as_secs_f64()
    );

    let config = TierConfig::default();
    let mut rust_best = f64::MAX;
    let mut rust_tiers = [0i64; 4];
    for _ in 0..3 {
        let t = Instant::now();
        let mut tiers = [0i64; 4];
        for (p, edu) in educated.iter().enumerate() {
            let d = tier_from_history(&times[offsets[p]..offsets[p + 1]], *edu, now, &config);
            tiers[d.tier as usize] += 1;
        }
        rust_best = rust_best.min(t.elapsed().as_secs_f64());
        rust_tiers = tiers;
    }
    println!(
        "rust rebuild: tiers of {persons} persons in {rust_best:.3} s (best of 3): {rust_tiers:?}"
    );
    println!(
        "rust / pg: {:.1}x faster; same tiers: {}",
        sql_best / rust_best,
        rust_tiers == sql_tiers
    );
    if rust_tiers != sql_tiers {
        return Err("the SQL and Rust rebuilds disagree".into());
    }
    Ok(())
}
