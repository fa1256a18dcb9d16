//! RID-06: one file per rider, with their tier (RID-08) and last education or fine.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::RiderTier;
use roadwarden_domain::{RiderPersonId, UnitId};

use super::{like_pattern, COUNT_CAP};
use crate::list::Window;
use crate::{on, path_range, Result, Tx};

/// A rider's file. Holds personal data (ID number, phone): answers show it through a view
/// per audience, and every read is audited by the service (SEC-08).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RiderPerson {
    #[sqlx(try_from = "i64")]
    pub id: RiderPersonId,
    #[sqlx(try_from = "i64")]
    pub unit_id: UnitId,
    pub unit_path: String,
    pub id_number: Option<String>,
    pub name: String,
    pub village: String,
    pub employer: String,
    pub phone: String,
    pub party_member: bool,
    /// A cluster of faces no officer has confirmed as a person yet.
    pub provisional: bool,
    #[sqlx(try_from = "String")]
    pub tier: RiderTier,
    pub tier_since: DateTime<Utc>,
    pub last_education_at: Option<DateTime<Utc>>,
    /// RID-06: this file was merged into that one; lists leave it out.
    pub merged_into: Option<i64>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "p.id, p.unit_id, p.unit_path, p.id_number, p.name, p.village, \
    p.employer, p.phone, p.party_member, p.provisional, p.tier, p.tier_since, \
    p.last_education_at, p.merged_into, p.created_at";

/// A new file: from the face base library (with an ID number) or a provisional cluster.
#[derive(Debug, Clone)]
pub struct NewRiderPerson {
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub id_number: Option<String>,
    pub name: String,
    pub village: String,
    pub employer: String,
    pub phone: String,
    pub party_member: bool,
    pub provisional: bool,
    pub created_at: DateTime<Utc>,
}

/// Files a new person, clear (no tier) since `created_at`.
pub async fn insert(tx: &mut Tx, new: &NewRiderPerson) -> Result<RiderPersonId> {
    let sql = "INSERT INTO rider_persons (unit_id, unit_path, id_number, name, village, employer, \
        phone, party_member, provisional, tier, tier_since, created_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql)
        .bind(new.unit_id.0).bind(new.unit_path.as_str()).bind(new.id_number.as_deref())
        .bind(&new.name).bind(&new.village).bind(&new.employer).bind(&new.phone)
        .bind(new.party_member).bind(new.provisional).bind(RiderTier::Clear.as_str())
        .bind(new.created_at).fetch_one(c).await?);
    Ok(RiderPersonId(id))
}

pub async fn get(tx: &mut Tx, id: RiderPersonId) -> Result<Option<RiderPerson>> {
    let sql = format!("SELECT {COLUMNS} FROM rider_persons p WHERE p.id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id.0).fetch_optional(c).await?))
}

pub async fn by_id_number(tx: &mut Tx, id_number: &str) -> Result<Option<RiderPerson>> {
    let sql = format!("SELECT {COLUMNS} FROM rider_persons p WHERE p.id_number = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id_number).fetch_optional(c).await?))
}

/// RID-08: records a tier; `tier_since` moves only when the tier changes. True when it did.
pub async fn set_tier(
    tx: &mut Tx,
    id: RiderPersonId,
    tier: RiderTier,
    at: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE rider_persons SET tier = $2, tier_since = $3 WHERE id = $1 AND tier <> $2";
    let n = on!(tx, c => sqlx::query(sql).bind(id.0).bind(tier.as_str()).bind(at)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// RID-08: the person received education or a fine at `at` (an earlier one never replaces a
/// later one). True when it was recorded.
pub async fn set_last_education(tx: &mut Tx, id: RiderPersonId, at: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE rider_persons SET last_education_at = $2 \
        WHERE id = $1 AND (last_education_at IS NULL OR last_education_at < $2)";
    let n = on!(tx, c => sqlx::query(sql).bind(id.0).bind(at).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// RID-06: an officer confirms a provisional file as this person.
pub async fn confirm(tx: &mut Tx, id: RiderPersonId, id_number: &str, name: &str) -> Result<bool> {
    let sql = "UPDATE rider_persons SET provisional = $2, id_number = $3, name = $4 \
        WHERE id = $1 AND provisional = $5";
    let n = on!(tx, c => sqlx::query(sql).bind(id.0).bind(false).bind(id_number).bind(name)
        .bind(true).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Which files a list shows.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub tier: Option<RiderTier>,
    pub provisional: Option<bool>,
    /// Part of a name, ID number, phone, village or employer (bounded to 64 characters).
    pub search: Option<String>,
}

/// Files in `scope` (ORG-02), newest tier change first, with their total (capped at
/// [`crate::list::MAX_ROWS`] + 1, meaning "more than").
pub async fn list(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &PersonFilter,
    window: Window,
) -> Result<(Vec<RiderPerson>, i64)> {
    let (low, high) = path_range(scope.as_str());
    let tier = filter.tier.map_or("", RiderTier::as_str);
    let provisional = filter.provisional.map_or(-1, i32::from);
    let search = like_pattern(filter.search.as_deref());
    let condition = "p.unit_path >= $1 AND p.unit_path < $2 AND p.merged_into IS NULL \
        AND ($3 = '' OR p.tier = $3) \
        AND ($4 = -1 OR (CASE WHEN p.provisional THEN 1 ELSE 0 END) = $4) \
        AND ($5 = '' OR LOWER(p.name) LIKE $5 ESCAPE '\\' OR LOWER(p.id_number) LIKE $5 ESCAPE '\\' \
            OR p.phone LIKE $5 ESCAPE '\\' OR LOWER(p.village) LIKE $5 ESCAPE '\\' \
            OR LOWER(p.employer) LIKE $5 ESCAPE '\\')";
    let list_sql = format!(
        "SELECT {COLUMNS} FROM rider_persons p WHERE {condition} \
         ORDER BY p.tier_since DESC, p.id DESC LIMIT $6 OFFSET $7"
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM rider_persons p WHERE {condition} LIMIT $6) capped"
    );
    let window = Window::new(window.limit.min(crate::list::MAX_PER_PAGE), window.offset);
    let rows = on!(tx, c => sqlx::query_as(&list_sql)
        .bind(&low).bind(&high).bind(tier).bind(provisional).bind(&search)
        .bind(window.limit).bind(window.offset).fetch_all(&mut *c).await?);
    let total: i64 = on!(tx, c => sqlx::query_scalar(&count_sql)
        .bind(&low).bind(&high).bind(tier).bind(provisional).bind(&search)
        .bind(COUNT_CAP + 1).fetch_one(c).await?);
    Ok((rows, total))
}

/// RID-13: how many files of each tier `scope` holds.
pub async fn count_by_tier(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<(RiderTier, i64)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT tier, COUNT(*) FROM rider_persons WHERE unit_path >= $1 AND unit_path < $2 \
        AND merged_into IS NULL GROUP BY tier ORDER BY tier";
    let rows: Vec<(String, i64)> =
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(c).await?);
    rows.into_iter()
        .map(|(tier, n)| {
            RiderTier::parse(&tier)
                .map(|t| (t, n))
                .map_err(crate::StoreError::corrupt)
        })
        .collect()
}

/// RID-06: merges file `from` into `into`: its events, face vectors, tasks, measures and screened
/// entries move over and `from` is marked merged (never deleted, so the history stays). False when `from`
/// was already merged or is `into`. The caller recomputes `into`'s tier.
pub async fn merge(tx: &mut Tx, from: RiderPersonId, into: RiderPersonId) -> Result<bool> {
    if from == into {
        return Ok(false);
    }
    let mark = "UPDATE rider_persons SET merged_into = $2 WHERE id = $1 AND merged_into IS NULL";
    let n = on!(tx, c => sqlx::query(mark).bind(from.0).bind(into.0).execute(c).await?
        .rows_affected());
    if n != 1 {
        return Ok(false);
    }
    for table in [
        "rider_events",
        "face_vectors",
        "rider_tasks",
        "rider_dispositions",
        "screened_offenders",
    ] {
        let sql = format!("UPDATE {table} SET person_id = $2 WHERE person_id = $1");
        on!(tx, c => sqlx::query(&sql).bind(from.0).bind(into.0).execute(c).await?
            .rows_affected());
    }
    // Any "not this person" decision against either file now holds against the merged one.
    let sql =
        "INSERT INTO rider_face_exclusions (face_vector_id, person_id, decided_by, decided_at) \
        SELECT face_vector_id, $2, decided_by, decided_at FROM rider_face_exclusions \
        WHERE person_id = $1 ON CONFLICT (face_vector_id, person_id) DO NOTHING";
    on!(tx, c => sqlx::query(sql).bind(from.0).bind(into.0).execute(c).await?.rows_affected());
    Ok(true)
}

/// The face base library's facts about a resident (RID-05), as an import writes them.
#[derive(Debug, Clone)]
pub struct LibraryFacts<'a> {
    pub unit_id: UnitId,
    pub unit_path: &'a UnitPath,
    pub name: &'a str,
    pub village: &'a str,
    pub employer: &'a str,
    pub phone: &'a str,
    pub party_member: bool,
}

/// RID-05: a re-import brings a known resident's facts up to date (never their tier, events
/// or ID number). False when no file has that id.
pub async fn update_library_facts(
    tx: &mut Tx,
    id: RiderPersonId,
    f: &LibraryFacts<'_>,
) -> Result<bool> {
    let sql = "UPDATE rider_persons SET unit_id = $2, unit_path = $3, name = $4, village = $5, \
        employer = $6, phone = $7, party_member = $8 WHERE id = $1";
    let n = on!(tx, c => sqlx::query(sql).bind(id.0).bind(f.unit_id.0).bind(f.unit_path.as_str())
        .bind(f.name).bind(f.village).bind(f.employer).bind(f.phone).bind(f.party_member)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
