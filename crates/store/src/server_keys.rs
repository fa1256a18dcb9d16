//! Keys made once per installation and shared by every server of a cluster (issue 14): the
//! first server to start makes the key, every later one reads the same.

use chrono::{DateTime, Utc};

use crate::{on, truncate_micros, Result, Tx};

/// The key called `name`; `fresh` (hex) is stored first when there is none yet.
pub async fn get_or_insert(
    tx: &mut Tx,
    name: &str,
    fresh: &str,
    at: DateTime<Utc>,
) -> Result<String> {
    let sql = "INSERT INTO server_keys (name, key_hex, created_at) VALUES ($1, $2, $3) \
        ON CONFLICT (name) DO NOTHING";
    on!(tx, c => sqlx::query(sql).bind(name).bind(fresh).bind(truncate_micros(at))
        .execute(c).await.map(|_| ())?);
    let sql = "SELECT key_hex FROM server_keys WHERE name = $1";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(name).fetch_one(c).await?))
}
