//! Roadwarden's storage: one set of repositories over SQLite (the embedded default) and
//! PostgreSQL, chosen by the database URL's scheme.
//!
//! Each repository function takes a [`Tx`], so a change and the audit entry that records it
//! always commit together (SEC-05). Query bodies are written once and compiled for both
//! backends by the [`on!`] macro; where the databases really differ (claiming jobs, pragmas,
//! backups) the code says so explicitly.

pub mod audit;
pub mod calendar;
pub mod capture_list;
pub mod captures;
pub mod cockpit;
pub mod corrections;
pub mod device_presence;
pub mod device_records;
pub mod devices;
pub mod duty_records;
pub mod error;
pub mod evidence;
pub mod evidence_access;
pub mod ferry;
pub mod footage_list;
pub mod jobs;
pub mod list;
pub mod messages;
pub mod outside;
pub mod public_reports;
pub mod recorders;
pub mod reports;
pub mod review_skips;
pub mod riders;
pub mod server_keys;
pub mod sessions;
pub mod sharing;
pub mod supervision;
pub mod units;
pub mod users;
pub mod violations;
pub mod work;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub use error::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Runs `$body` with `$c` bound to the transaction's connection, whichever backend it is.
macro_rules! on {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pools {
    /// SQLite allows one writer at a time: writes go through a one-connection pool so they
    /// queue in-process instead of failing with "database is locked"; reads use their own pool.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// A handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

/// A transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub max_connections: u32,
    pub busy_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl Store {
    /// Connects by URL scheme: `sqlite:` or `postgres:`/`postgresql:`. Anything else is refused,
    /// never turned into a fresh SQLite file.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self> {
        match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => Self::connect_sqlite(url, options).await,
            Some("postgres" | "postgresql") => Self::connect_postgres(url, options).await,
            _ => Err(StoreError::UnknownScheme(redact_url(url))),
        }
    }

    async fn connect_sqlite(url: &str, options: &ConnectOptions) -> Result<Self> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk when it returns ("durable on ack").
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(connect.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(2))
            .connect_with(connect)
            .await?;
        Ok(Self {
            pools: Pools::Sqlite { read, write },
        })
    }

    async fn connect_postgres(url: &str, options: &ConnectOptions) -> Result<Self> {
        let connect = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect)
            .await?;
        Ok(Self {
            pools: Pools::Postgres(pool),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                // Some changes SQLite can only make by rebuilding a table (0012 drops a NOT NULL
                // from captures), and the documented procedure needs foreign keys off while it
                // runs; SQLite allows switching them only outside a transaction, so here, on the
                // one writer connection, around the migrator. Integrity is checked after.
                let mut conn = write.acquire().await?;
                // A fresh database has no migrations table yet: then the check runs.
                const APPLIED: &str = "SELECT COUNT(*) FROM _sqlx_migrations";
                let before: Option<i64> =
                    sqlx::query_scalar(APPLIED).fetch_one(&mut *conn).await.ok();
                sqlx::query("PRAGMA foreign_keys = OFF")
                    .execute(&mut *conn)
                    .await?;
                let ran = sqlx::migrate!("./migrations/sqlite").run(&mut *conn).await;
                sqlx::query("PRAGMA foreign_keys = ON")
                    .execute(&mut *conn)
                    .await?;
                ran?;
                // The check reads every table: only after a migration ran, not at every start.
                let after: i64 = sqlx::query_scalar(APPLIED).fetch_one(&mut *conn).await?;
                if before == Some(after) {
                    return Ok(());
                }
                let broken: Vec<(String, Option<i64>)> =
                    sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check")
                        .fetch_all(&mut *conn)
                        .await?;
                if let Some((table, row)) = broken.first() {
                    return Err(StoreError::Corrupt(format!(
                        "after migrating, row {row:?} of {table} refers to a row that does not exist"
                    )));
                }
            }
            Pools::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// A transaction that will write.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A transaction that only reads: on SQLite it does not wait for the writer.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => Tx::Sqlite(read.begin().await?),
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                sqlx::query("SELECT 1").execute(read).await?.rows_affected()
            }
            Pools::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await?.rows_affected(),
        };
        Ok(())
    }

    /// SEC-09: a consistent copy of a live SQLite database in `target` (`VACUUM INTO`).
    /// PostgreSQL deployments back up with `pg_dump`; see the operator guide.
    pub async fn sqlite_backup_into(&self, target: &std::path::Path) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let path = target
                    .to_str()
                    .ok_or(StoreError::Invalid("backup path is not UTF-8"))?;
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(read)
                    .await?
                    .rows_affected();
                Ok(())
            }
            Pools::Postgres(_) => Err(StoreError::Invalid("VACUUM INTO is SQLite only")),
        }
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// The URL without its password, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The `[low, high)` byte range of paths that starts with `prefix`, for ORG-02 scope queries
/// that use the path index on both backends ('/' sorts just before '0').
pub(crate) fn path_range(prefix: &str) -> (String, String) {
    let high = format!("{}0", prefix.trim_end_matches('/'));
    (prefix.to_owned(), high)
}

/// Times are kept to the microsecond, PostgreSQL's precision, so values round-trip exactly.
pub fn truncate_micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

impl Store {
    /// Test support: creates a database on this PostgreSQL server.
    pub async fn create_database_for_tests(&self, name: &str) -> Result<()> {
        self.admin_statement(&format!("CREATE DATABASE \"{name}\""))
            .await
    }

    /// Test support: drops a database made by [`Store::create_database_for_tests`].
    pub async fn drop_database_for_tests(&self, name: &str) -> Result<()> {
        self.admin_statement(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
    }

    async fn admin_statement(&self, sql: &str) -> Result<()> {
        match &self.pools {
            Pools::Postgres(pool) => {
                sqlx::query(sql).execute(pool).await?;
                Ok(())
            }
            Pools::Sqlite { .. } => Err(StoreError::Invalid(
                "only PostgreSQL has databases to create",
            )),
        }
    }
}

impl Store {
    /// Runs one statement as given, outside any repository: for tests and the tamper drill in
    /// the operator guide only. Never called by the application.
    pub async fn raw_execute(&self, sql: &str) -> Result<u64> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => sqlx::query(sql).execute(write).await?.rows_affected(),
            Pools::Postgres(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        })
    }
}
