//! Direct database access for seeding and diagnostics.

use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use roadwarden_bench::LatencyStats;

/// A connection of the bench's own to the database under test, for what the store does not
/// offer: bulk `INSERT … SELECT`, counts, and query plans. Never used while measuring.
pub(crate) enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    pub(crate) async fn open(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                .busy_timeout(Duration::from_secs(60));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await?;
            Ok(Self::Postgres(pool))
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// Runs `sql`; an error names the statement's start, so a failed seed says which step.
    pub(crate) async fn exec(&self, sql: &str) -> anyhow::Result<u64> {
        let done = match self {
            Self::Sqlite(p) => sqlx::raw_sql(sql)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            Self::Postgres(p) => sqlx::raw_sql(sql)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
        };
        done.map_err(|e| {
            let start: String = sql.chars().take(120).collect();
            anyhow::Error::new(e).context(format!("{start} …"))
        })
    }

    pub(crate) async fn scalar(&self, sql: &str) -> anyhow::Result<i64> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
            Self::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        })
    }

    pub(crate) async fn text(&self, sql: &str) -> anyhow::Result<String> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
            Self::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        })
    }

    pub(crate) async fn ids(&self, sql: &str) -> anyhow::Result<Vec<i64>> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await?,
            Self::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await?,
        })
    }

    /// `(text, count)` rows, e.g. of a `GROUP BY`.
    pub(crate) async fn counts(&self, sql: &str) -> anyhow::Result<Vec<(String, i64)>> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await?,
            Self::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await?,
        })
    }

    /// The plan of `sql` (literal values inlined): SQLite's `EXPLAIN QUERY PLAN`, or
    /// PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)`, which also runs it.
    pub(crate) async fn plan(&self, sql: &str) -> anyhow::Result<Vec<String>> {
        Ok(match self {
            Self::Sqlite(p) => {
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .fetch_all(p)
                        .await?;
                rows.into_iter().map(|r| r.3).collect()
            }
            Self::Postgres(p) => {
                sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                    .fetch_all(p)
                    .await?
            }
        })
    }

    /// Median wall time of `runs` executions of `sql` (rows fetched and dropped).
    pub(crate) async fn time(&self, sql: &str, runs: u32) -> anyhow::Result<Duration> {
        let mut times = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            match self {
                Self::Sqlite(p) => drop(sqlx::raw_sql(sql).fetch_all(p).await?),
                Self::Postgres(p) => drop(sqlx::raw_sql(sql).fetch_all(p).await?),
            }
            times.push(started.elapsed());
        }
        Ok(LatencyStats::of(&times).map_or(Duration::ZERO, |s| s.p50))
    }

    /// Mean time of `n` sequential primary-key reads of `violations` (a prepared statement, as
    /// the store's repositories use).
    pub(crate) async fn point_reads(&self, n: i64) -> anyhow::Result<Duration> {
        let sql = "SELECT id, state FROM violations WHERE id = $1";
        let started = Instant::now();
        for i in 1..=n {
            let _row: Option<(i64, String)> = match self {
                Self::Sqlite(p) => sqlx::query_as(sql).bind(i).fetch_optional(p).await?,
                Self::Postgres(p) => sqlx::query_as(sql).bind(i).fetch_optional(p).await?,
            };
        }
        Ok(started.elapsed() / u32::try_from(n.max(1))?)
    }

    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
        }
    }

    /// `INSERT … SELECT` over `n` rows numbered `seq.n` = 0..n: a recursive CTE on SQLite,
    /// `generate_series` on PostgreSQL. `select` names its row source `{seq}`.
    pub(crate) fn series_insert(&self, n: u64, insert: &str, select: &str) -> String {
        let last = n.saturating_sub(1);
        match self {
            Self::Sqlite(_) => format!(
                "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {last}) \
                 {insert} {}",
                select.replace("{seq}", "seq")
            ),
            Self::Postgres(_) => format!(
                "{insert} {}",
                select.replace("{seq}", &format!("generate_series(0, {last}) AS seq(n)"))
            ),
        }
    }

    /// A timestamp from Unix seconds (an SQL expression): on SQLite the text sqlx writes for a
    /// `DateTime<Utc>` (RFC 3339, `+00:00`), so the store's comparisons hold.
    pub(crate) fn ts(&self, unix_seconds: &str) -> String {
        match self {
            Self::Sqlite(_) => {
                format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', {unix_seconds}, 'unixepoch')")
            }
            Self::Postgres(_) => format!("to_timestamp({unix_seconds})"),
        }
    }

    /// `expr` as text, zero-padded to `width` digits.
    pub(crate) fn pad(&self, expr: &str, width: u32) -> String {
        match self {
            Self::Sqlite(_) => format!("printf('%0{width}d', {expr})"),
            Self::Postgres(_) => format!("lpad(({expr})::text, {width}, '0')"),
        }
    }

    /// A distinct Chinese plate for each `n` below a million: 浙 + a letter + 5 digits.
    pub(crate) fn plate(&self, n: &str) -> String {
        let letter = match self {
            Self::Sqlite(_) => format!("substr('ABCDEFGHJK', ({n} / 100000) % 10 + 1, 1)"),
            Self::Postgres(_) => format!("substr('ABCDEFGHJK', (({n} / 100000) % 10 + 1)::int, 1)"),
        };
        format!(
            "'浙' || {letter} || {}",
            self.pad(&format!("{n} % 100000"), 5)
        )
    }
}

/// A throw-away table `bench_devices(k, device_id, unit_id, unit_path)` numbering the devices
/// 0..d, so a bulk insert can spread its rows over them with `k = n % d`.
async fn device_map(raw: &Raw) -> anyhow::Result<i64> {
    raw.exec("DROP TABLE IF EXISTS bench_devices").await?;
    raw.exec(
        "CREATE TABLE bench_devices (k INTEGER PRIMARY KEY, device_id BIGINT NOT NULL, \
         unit_id BIGINT NOT NULL, unit_path TEXT NOT NULL)",
    )
    .await?;
    let ids = raw
        .ids("SELECT id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    for (k, id) in ids.iter().enumerate() {
        raw.exec(&format!(
            "INSERT INTO bench_devices SELECT {k}, id, unit_id, unit_path FROM devices WHERE id = {id}"
        ))
        .await?;
    }
    Ok(i64::try_from(ids.len())?)
}

/// Bulk-inserts `n` captures of the mapped devices, in state `state`, spread evenly over the
/// devices (so over their units). Review deadlines run from `due_from` for `span_days`, in
/// the order of the ids, as arrival order would give; each capture was taken 7 days (about 5
/// working days) before its deadline.
pub(crate) async fn insert_captures(
    raw: &Raw,
    n: u32,
    state: &str,
    due_from: DateTime<Utc>,
    span_days: f64,
) -> anyhow::Result<u64> {
    let devices = device_map(raw).await?;
    let step = span_days * 86_400.0 / f64::from(n.max(1));
    let due = format!("{} + seq.n * {step}", due_from.timestamp());
    let taken = format!("{due} - 604800");
    let insert =
        "INSERT INTO captures (device_id, unit_id, unit_path, event_key, source, via, plate, \
        plate_key, plate_colour, vehicle_type, violation_code, place, captured_at, received_at, \
        usage, flags, state, review_due_at)";
    let plate = raw.plate("seq.n");
    let select = format!(
        "SELECT d.device_id, d.unit_id, d.unit_path, 'seed-' || seq.n, 'red_light', 'multipart', \
         {plate}, {plate}, 'blue', 'small_car', '1625', 'Mingzhu Road crossing', {taken_ts}, \
         {taken_ts}, 'enforce', '[]', '{state}', {due_ts} \
         FROM {{seq}} JOIN bench_devices d ON d.k = seq.n % {devices}",
        taken_ts = raw.ts(&taken),
        due_ts = raw.ts(&due),
    );
    let rows = raw
        .exec(&raw.series_insert(u64::from(n), insert, &select))
        .await?;
    raw.exec("DROP TABLE bench_devices").await?;
    Ok(rows)
}
