//! SHR-01, SHR-02: partners (outside bodies or systems with a key), their grants and the calls
//! they make.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::sharing::grant::{FieldGrant, Grant, GrantState};
use roadwarden_domain::sharing::Purpose;
use roadwarden_domain::UserId;
use serde::Serialize;

use crate::{on, path_range, Result, StoreError, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub active: bool,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

const PARTNER: &str = "id, name, unit_id, unit_path, active, created_by, created_at";

/// Registers a partner with the SHA-256 of its key (the key itself is shown once).
pub async fn insert_partner(
    tx: &mut Tx,
    name: &str,
    unit_id: i64,
    unit_path: &str,
    key_hash: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO partners (name, unit_id, unit_path, key_hash, created_by, created_at) \
        VALUES ($1,$2,$3,$4,$5,$6) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(name).bind(unit_id).bind(unit_path)
        .bind(key_hash).bind(by.0).bind(now).fetch_one(c).await?),
    )
}

pub async fn partner(tx: &mut Tx, id: i64) -> Result<Option<Partner>> {
    let sql = format!("SELECT {PARTNER} FROM partners WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The active partner holding the key whose SHA-256 is `key_hash`.
pub async fn partner_by_key(tx: &mut Tx, key_hash: &str) -> Result<Option<Partner>> {
    let sql = format!("SELECT {PARTNER} FROM partners WHERE key_hash = $1 AND active = $2");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(key_hash).bind(true).fetch_optional(c).await?))
}

pub async fn partners_in_scope(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<Partner>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {PARTNER} FROM partners WHERE unit_path >= $1 AND unit_path < $2 \
         ORDER BY id LIMIT 500"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high).fetch_all(c).await?))
}

/// A grant as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub partner_id: i64,
    pub interface: String,
    pub scope_unit: i64,
    pub scope_path: String,
    pub span_from: DateTime<Utc>,
    pub span_to: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub categories: Json<Vec<String>>,
    #[sqlx(try_from = "String")]
    pub fields: Json<Vec<FieldGrant>>,
    #[sqlx(try_from = "String")]
    pub purpose: Purpose,
    pub purpose_text: String,
    pub expires_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub state: GrantState,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// A JSON column read into its type; bad JSON is a decode error naming the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned> TryFrom<String> for Json<T> {
    type Error = StoreError;
    fn try_from(raw: String) -> Result<Self> {
        serde_json::from_str(&raw)
            .map(Json)
            .map_err(|_| StoreError::Corrupt("partner_grants holds bad JSON".into()))
    }
}

impl GrantRow {
    /// The grant as the projection reads it.
    pub fn grant(&self) -> Grant {
        Grant {
            id: self.id,
            interface: self.interface.clone(),
            scope_path: self.scope_path.clone(),
            span: (self.span_from, self.span_to),
            categories: self.categories.0.clone(),
            fields: self.fields.0.clone(),
            purpose: self.purpose,
            expires_at: self.expires_at,
            state: self.state,
        }
    }
}

const GRANT: &str = "id, partner_id, interface, scope_unit, scope_path, span_from, span_to, \
    categories, fields, purpose, purpose_text, expires_at, state, created_by, created_at, \
    approved_by, approved_at";

pub struct NewGrant<'a> {
    pub partner_id: i64,
    pub interface: &'a str,
    pub scope_unit: i64,
    pub scope_path: &'a str,
    pub span: (DateTime<Utc>, DateTime<Utc>),
    pub categories: &'a [String],
    pub fields: &'a [FieldGrant],
    pub purpose: Purpose,
    pub purpose_text: &'a str,
    pub expires_at: DateTime<Utc>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_grant(tx: &mut Tx, g: &NewGrant<'_>) -> Result<i64> {
    let sql = "INSERT INTO partner_grants (partner_id, interface, scope_unit, scope_path, \
        span_from, span_to, categories, fields, purpose, purpose_text, expires_at, state, \
        created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'proposed',$12,$13) \
        RETURNING id";
    let categories = serde_json::to_string(g.categories).unwrap_or_else(|_| "[]".into());
    let fields = serde_json::to_string(g.fields).unwrap_or_else(|_| "[]".into());
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(g.partner_id).bind(g.interface)
        .bind(g.scope_unit).bind(g.scope_path).bind(g.span.0).bind(g.span.1).bind(&categories)
        .bind(&fields).bind(g.purpose.as_str()).bind(g.purpose_text).bind(g.expires_at)
        .bind(g.created_by.0).bind(g.created_at).fetch_one(c).await?),
    )
}

pub async fn grant(tx: &mut Tx, id: i64) -> Result<Option<GrantRow>> {
    let sql = format!("SELECT {GRANT} FROM partner_grants WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn grants_of(tx: &mut Tx, partner: i64) -> Result<Vec<GrantRow>> {
    let sql = format!(
        "SELECT {GRANT} FROM partner_grants WHERE partner_id = $1 ORDER BY id DESC LIMIT 200"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(partner).fetch_all(c).await?))
}

/// The second person's decision (approve, refuse or revoke), from `from`; false when the
/// grant moved meanwhile.
pub async fn set_grant_state(
    tx: &mut Tx,
    id: i64,
    from: GrantState,
    to: GrantState,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE partner_grants SET state = $3, approved_by = $4, approved_at = $5 \
        WHERE id = $1 AND state = $2";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(from.as_str()).bind(to.as_str())
        .bind(by.0).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// One call, answered (`ok`) or refused (the refusal's code).
pub async fn record_call(
    tx: &mut Tx,
    partner: i64,
    grant: Option<i64>,
    protocol: &str,
    rows: i64,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO partner_calls (partner_id, grant_id, protocol, called_at, row_count, \
        outcome) VALUES ($1,$2,$3,$4,$5,$6)";
    on!(tx, c => sqlx::query(sql).bind(partner).bind(grant).bind(protocol).bind(now).bind(rows)
        .bind(outcome).execute(c).await?.rows_affected());
    Ok(())
}

/// A partner's usage: calls, answered calls and rows returned, per grant (none for calls
/// refused before a grant was found).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Usage {
    pub grant_id: Option<i64>,
    pub calls: i64,
    pub answered: i64,
    pub rows: i64,
    pub last_at: Option<DateTime<Utc>>,
}

pub async fn usage(tx: &mut Tx, partner: i64) -> Result<Vec<Usage>> {
    let sql = "SELECT grant_id, COUNT(*) AS calls, \
        CAST(SUM(CASE WHEN outcome = 'ok' THEN 1 ELSE 0 END) AS BIGINT) AS answered, \
        CAST(SUM(row_count) AS BIGINT) AS rows, MAX(called_at) AS last_at \
        FROM partner_calls WHERE partner_id = $1 GROUP BY grant_id ORDER BY grant_id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(partner).fetch_all(c).await?))
}
