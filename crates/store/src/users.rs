//! SEC-01..04: accounts, their roles (with the grant record of SEC-03) and agreements.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::account::{AccountStatus, AgreementKind, PersonKind, SignInState};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::roles::{Holding, Role};
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::units::escape_like;
use crate::{on, path_range, Result, StoreError, Tx};

/// An account with the unit it belongs to. Holds personal data: reading one is audited.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: UserId,
    pub unit_id: UnitId,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_path: UnitPath,
    /// The unit's time zone, for showing times (TIME-02).
    pub unit_time_zone: String,
    pub username: String,
    pub full_name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub person_kind: PersonKind,
    pub badge_number: Option<String>,
    pub status: AccountStatus,
    #[serde(skip)]
    pub password_hash: String,
    pub password_changed_at: DateTime<Utc>,
    pub must_change_password: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub language: String,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn sign_in_state(&self) -> SignInState {
        SignInState {
            status: self.status,
            failed_attempts: u32::try_from(self.failed_attempts).unwrap_or(0),
            locked_until: self.locked_until,
            password_changed_at: self.password_changed_at,
            must_change_password: self.must_change_password,
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    unit_time_zone: String,
    username: String,
    full_name: String,
    id_number: String,
    phone: Option<String>,
    person_kind: String,
    badge_number: Option<String>,
    status: String,
    password_hash: String,
    password_changed_at: DateTime<Utc>,
    must_change_password: bool,
    failed_attempts: i32,
    locked_until: Option<DateTime<Utc>>,
    language: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            id: UserId(r.id),
            unit_id: UnitId(r.unit_id),
            unit_name: r.unit_name,
            unit_path: UnitPath::from_stored(r.unit_path),
            unit_time_zone: r.unit_time_zone,
            username: r.username,
            full_name: r.full_name,
            id_number: r.id_number,
            phone: r.phone,
            person_kind: PersonKind::parse(&r.person_kind).map_err(StoreError::corrupt)?,
            badge_number: r.badge_number,
            status: AccountStatus::parse(&r.status).map_err(StoreError::corrupt)?,
            password_hash: r.password_hash,
            password_changed_at: r.password_changed_at,
            must_change_password: r.must_change_password,
            failed_attempts: r.failed_attempts,
            locked_until: r.locked_until,
            language: r.language,
            created_at: r.created_at,
        })
    }
}

const SELECT_USER: &str = "SELECT u.id, u.unit_id, n.name AS unit_name, n.path AS unit_path, \
    n.time_zone AS unit_time_zone, \
    u.username, u.full_name, u.id_number, u.phone, u.person_kind, u.badge_number, u.status, \
    u.password_hash, u.password_changed_at, u.must_change_password, u.failed_attempts, \
    u.locked_until, u.language, u.created_at FROM users u JOIN units n ON n.id = u.unit_id";

/// A validated new account. The password hash is computed by the caller (Argon2id).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub unit_id: UnitId,
    pub username: String,
    pub full_name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub person_kind: PersonKind,
    pub badge_number: Option<String>,
    pub status: AccountStatus,
    pub password_hash: String,
    pub must_change_password: bool,
    pub language: String,
}

pub async fn insert(tx: &mut Tx, new: &NewUser, now: DateTime<Utc>) -> Result<UserId> {
    let sql = "INSERT INTO users (unit_id, username, full_name, id_number, phone, person_kind, \
        badge_number, status, password_hash, password_changed_at, must_change_password, \
        failed_attempts, language, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $10, $10) RETURNING id";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql)
        .bind(new.unit_id.0)
        .bind(&new.username)
        .bind(&new.full_name)
        .bind(&new.id_number)
        .bind(&new.phone)
        .bind(new.person_kind.as_str())
        .bind(&new.badge_number)
        .bind(new.status.as_str())
        .bind(&new.password_hash)
        .bind(now)
        .bind(new.must_change_password)
        .bind(&new.language)
        .fetch_one(c)
        .await?);
    Ok(UserId(id))
}

pub async fn get(tx: &mut Tx, id: UserId) -> Result<Option<User>> {
    let sql = format!("{SELECT_USER} WHERE u.id = $1");
    let row: Option<UserRow> =
        on!(tx, c => sqlx::query_as(&sql).bind(id.0).fetch_optional(c).await?);
    row.map(User::try_from).transpose()
}

pub async fn get_by_username(tx: &mut Tx, username: &str) -> Result<Option<User>> {
    let sql = format!("{SELECT_USER} WHERE u.username = $1");
    let row: Option<UserRow> =
        on!(tx, c => sqlx::query_as(&sql).bind(username).fetch_optional(c).await?);
    row.map(User::try_from).transpose()
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub search: Option<String>,
    pub unit_id: Option<UnitId>,
    pub status: Option<AccountStatus>,
}

/// A page of the accounts whose unit lies under `scope` (ORG-02).
pub async fn list_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<User>, i64)> {
    let (low, high) = path_range(scope.as_str());
    let search = filter
        .search
        .as_deref()
        .map(|s| format!("%{}%", escape_like(s)))
        .unwrap_or_default();
    let unit = filter.unit_id.map_or(0, |u| u.0);
    let status = filter.status.map_or("", AccountStatus::as_str);
    let condition = "n.path >= $1 AND n.path < $2 \
        AND ($3 = '' OR u.username LIKE $3 ESCAPE '\\' OR u.full_name LIKE $3 ESCAPE '\\') \
        AND ($4 = 0 OR u.unit_id = $4) AND ($5 = '' OR u.status = $5)";
    let list_sql =
        format!("{SELECT_USER} WHERE {condition} ORDER BY n.path, u.username LIMIT $6 OFFSET $7");
    let count_sql =
        format!("SELECT COUNT(*) FROM users u JOIN units n ON n.id = u.unit_id WHERE {condition}");
    let rows: Vec<UserRow> = on!(tx, c => sqlx::query_as(&list_sql)
        .bind(&low).bind(&high).bind(&search).bind(unit).bind(status)
        .bind(limit).bind(offset)
        .fetch_all(&mut *c).await?);
    let total: i64 = on!(tx, c => sqlx::query_scalar(&count_sql)
        .bind(&low).bind(&high).bind(&search).bind(unit).bind(status)
        .fetch_one(c).await?);
    Ok((
        rows.into_iter()
            .map(User::try_from)
            .collect::<Result<_>>()?,
        total,
    ))
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await?))
}

/// Active accounts holding `role` at a unit under `scope`.
pub async fn count_active_holders(tx: &mut Tx, role: Role, scope: &UnitPath) -> Result<i64> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT COUNT(DISTINCT u.id) FROM users u \
        JOIN units n ON n.id = u.unit_id \
        JOIN role_grants g ON g.user_id = u.id AND g.revoked_at IS NULL \
        WHERE g.role = $1 AND u.status = $2 AND n.path >= $3 AND n.path < $4";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(role.as_str()).bind(AccountStatus::Active.as_str())
        .bind(&low).bind(&high).fetch_one(c).await?))
}

/// The units where at least one active account holds `role` (who to address a unit-wide
/// message to), in id order.
pub async fn units_with_active_holders(tx: &mut Tx, role: Role) -> Result<Vec<UnitId>> {
    let sql = "SELECT DISTINCT u.unit_id FROM users u \
        JOIN role_grants g ON g.user_id = u.id AND g.revoked_at IS NULL \
        WHERE g.role = $1 AND u.status = $2 ORDER BY u.unit_id";
    let ids: Vec<i64> = on!(tx, c => sqlx::query_scalar(sql)
        .bind(role.as_str()).bind(AccountStatus::Active.as_str()).fetch_all(c).await?);
    Ok(ids.into_iter().map(UnitId).collect())
}

/// SEC-02: a failed attempt, and the lock it may bring.
pub async fn record_failure(
    tx: &mut Tx,
    id: UserId,
    failed_attempts: u32,
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE users SET failed_attempts = $1, locked_until = $2, updated_at = $3 \
               WHERE id = $4";
    on!(tx, c => sqlx::query(sql)
        .bind(i32::try_from(failed_attempts).unwrap_or(i32::MAX))
        .bind(locked_until)
        .bind(now)
        .bind(id.0)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

/// A successful sign-in (or an administrator's unlock) clears the failure count and the lock.
pub async fn clear_failures(tx: &mut Tx, id: UserId, now: DateTime<Utc>) -> Result<()> {
    let sql = "UPDATE users SET failed_attempts = 0, locked_until = NULL, updated_at = $1 \
               WHERE id = $2";
    on!(tx, c => sqlx::query(sql).bind(now).bind(id.0).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_password(
    tx: &mut Tx,
    id: UserId,
    password_hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE users SET password_hash = $1, password_changed_at = $2, \
               must_change_password = $3, updated_at = $2 WHERE id = $4";
    on!(tx, c => sqlx::query(sql)
        .bind(password_hash).bind(now).bind(must_change).bind(id.0)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_status(
    tx: &mut Tx,
    id: UserId,
    status: AccountStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE users SET status = $1, updated_at = $2 WHERE id = $3";
    on!(tx, c => sqlx::query(sql).bind(status.as_str()).bind(now).bind(id.0).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_language(tx: &mut Tx, id: UserId, language: &str) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(language).bind(id.0).execute(c).await?.rows_affected());
    Ok(())
}

/// The roles a user holds now.
pub async fn roles_of(tx: &mut Tx, id: UserId) -> Result<Vec<Role>> {
    let sql =
        "SELECT role FROM role_grants WHERE user_id = $1 AND revoked_at IS NULL ORDER BY role";
    let names: Vec<String> = on!(tx, c => sqlx::query_scalar(sql).bind(id.0).fetch_all(c).await?);
    names
        .iter()
        .map(|n| Role::parse(n).map_err(StoreError::corrupt))
        .collect()
}

/// The roles a user holds, each at the user's unit, for the SEC-03 grant check.
pub async fn holdings_of(tx: &mut Tx, user: &User) -> Result<Vec<Holding>> {
    Ok(roles_of(tx, user.id)
        .await?
        .into_iter()
        .map(|role| Holding {
            role,
            unit_path: user.unit_path.clone(),
        })
        .collect())
}

/// SEC-03: records a grant. A role already held is a conflict.
pub async fn grant_role(
    tx: &mut Tx,
    user: UserId,
    role: Role,
    granted_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql =
        "INSERT INTO role_grants (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)";
    on!(tx, c => sqlx::query(sql)
        .bind(user.0).bind(role.as_str()).bind(granted_by.map(|u| u.0)).bind(now)
        .execute(c).await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict { .. } => StoreError::Conflict { field: "role".into() },
            other => other,
        })?
        .rows_affected());
    Ok(())
}

/// Ends a grant, keeping the record. Returns whether the role was held.
pub async fn revoke_role(
    tx: &mut Tx,
    user: UserId,
    role: Role,
    revoked_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE role_grants SET revoked_at = $1, revoked_by = $2 \
               WHERE user_id = $3 AND role = $4 AND revoked_at IS NULL";
    let done = on!(tx, c => sqlx::query(sql)
        .bind(now).bind(revoked_by.map(|u| u.0)).bind(user.0).bind(role.as_str())
        .execute(c).await?.rows_affected());
    Ok(done > 0)
}

/// One line of a user's grant history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GrantRecord {
    pub role: String,
    pub granted_by: Option<String>,
    pub granted_at: DateTime<Utc>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn grant_history(tx: &mut Tx, user: UserId) -> Result<Vec<GrantRecord>> {
    let sql = "SELECT g.role, gb.username AS granted_by, g.granted_at, rb.username AS revoked_by, \
        g.revoked_at FROM role_grants g \
        LEFT JOIN users gb ON gb.id = g.granted_by LEFT JOIN users rb ON rb.id = g.revoked_by \
        WHERE g.user_id = $1 ORDER BY g.granted_at DESC, g.id DESC";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(user.0).fetch_all(c).await?))
}

/// SEC-04: an agreement on file.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub kind: AgreementKind,
    pub reference: String,
    pub signed_on: NaiveDate,
    pub filed_at: DateTime<Utc>,
}

pub async fn file_agreement(
    tx: &mut Tx,
    user: UserId,
    kind: AgreementKind,
    reference: &str,
    signed_on: NaiveDate,
    filed_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO agreements (user_id, kind, reference, signed_on, filed_by, filed_at) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    on!(tx, c => sqlx::query(sql)
        .bind(user.0).bind(kind.as_str()).bind(reference).bind(signed_on)
        .bind(filed_by.map(|u| u.0)).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn agreements_of(tx: &mut Tx, user: UserId) -> Result<Vec<Agreement>> {
    let sql = "SELECT kind, reference, signed_on, filed_at FROM agreements WHERE user_id = $1 \
               ORDER BY filed_at";
    let rows: Vec<(String, String, NaiveDate, DateTime<Utc>)> =
        on!(tx, c => sqlx::query_as(sql).bind(user.0).fetch_all(c).await?);
    rows.into_iter()
        .map(|(kind, reference, signed_on, filed_at)| {
            Ok(Agreement {
                kind: AgreementKind::parse(&kind).map_err(StoreError::corrupt)?,
                reference,
                signed_on,
                filed_at,
            })
        })
        .collect()
}

/// Active accounts whose password was last set before `changed_before` (SEC-02 reminders).
pub async fn passwords_changed_before(
    tx: &mut Tx,
    changed_before: DateTime<Utc>,
) -> Result<Vec<(UserId, String, UnitId)>> {
    let sql = "SELECT id, username, unit_id FROM users WHERE status = 'active' \
               AND password_changed_at < $1 ORDER BY id";
    let rows: Vec<(i64, String, i64)> =
        on!(tx, c => sqlx::query_as(sql).bind(changed_before).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|(id, name, unit)| (UserId(id), name, UnitId(unit)))
        .collect())
}
