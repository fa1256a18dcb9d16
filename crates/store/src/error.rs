//! The store's errors. "Not found" is not an error here: lookups return `Option`.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unknown database URL scheme in '{0}': use sqlite: or postgres:")]
    UnknownScheme(String),
    /// A unique constraint refused the write; `field` names the column where we can tell.
    #[error("{field} is already taken")]
    Conflict { field: String },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Conflict {
                    field: conflicting_field(db.as_ref()),
                };
            }
        }
        StoreError::Database(e)
    }
}

/// "UNIQUE constraint failed: users.username" (SQLite) or constraint "users_username_key"
/// (PostgreSQL) → "username".
fn conflicting_field(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(constraint) = db.constraint() {
        let trimmed = constraint.trim_end_matches("_key");
        return trimmed
            .split_once('_')
            .map_or(trimmed, |(_, rest)| rest)
            .to_owned();
    }
    let message = db.message();
    message
        .rsplit_once(": ")
        .map(|(_, cols)| cols.split(", ").next().unwrap_or(cols))
        .and_then(|col| col.rsplit_once('.').map(|(_, c)| c))
        .unwrap_or("value")
        .to_owned()
}

impl StoreError {
    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}
