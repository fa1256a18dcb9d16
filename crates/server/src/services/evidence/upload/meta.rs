//! What a resumable upload carries besides its bytes (tus `Upload-Metadata`), and its checks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::device::text;
use roadwarden_domain::evidence::access::Restriction;
use roadwarden_domain::evidence::footage::{check_times, Activity, Recording};
use roadwarden_domain::{FieldError, UserId};
use roadwarden_store::{recorders, users, violations, Tx};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::AppResult;

/// What a resumable upload carries besides its bytes (tus `Upload-Metadata`), once checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FootageMeta {
    pub file_name: String,
    pub officer_id: i64,
    pub recorder_id: Option<i64>,
    pub activity: String,
    pub place: String,
    pub case_ref: String,
    pub violation_id: Option<i64>,
    pub restriction: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duty_ended_at: DateTime<Utc>,
    pub handed_in_at: DateTime<Utc>,
}

fn parse_time(field: &'static str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                field,
                "must be an RFC 3339 time, e.g. 2026-11-30T08:15:00+08:00",
            )
        })
}

/// Checks the metadata an upload declares, resolving the officer (username or id) and the
/// recorder (number) inside the uploader's scope.
pub async fn check_meta(
    tx: &mut Tx,
    p: &Principal,
    raw: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> AppResult<FootageMeta> {
    let get = |k: &str| {
        raw.get(k)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let officer_raw = get("officer");
    if officer_raw.is_empty() {
        return Err(
            FieldError::new("officer", "name the officer who recorded (username or id)").into(),
        );
    }
    let officer = match officer_raw.parse::<i64>() {
        Ok(id) => users::get(tx, UserId(id)).await?,
        Err(_) => users::get_by_username(tx, &officer_raw).await?,
    };
    let officer = officer
        .filter(|u| p.covers(&u.unit_path))
        .ok_or_else(|| FieldError::new("officer", "no such officer in your units"))?;
    let recorder_id = match get("recorder").as_str() {
        "" => None,
        number => {
            let number = roadwarden_domain::evidence::ledger::parse_number(number)
                .map_err(|e| FieldError::new("recorder", e.reason))?;
            let found = recorders::list(tx, p.scope(), 100_000)
                .await?
                .into_iter()
                .find(|r| r.number == number)
                .ok_or_else(|| FieldError::new("recorder", "no such recorder in your units"))?;
            Some(found.id)
        }
    };
    let activity = Activity::parse(&get("activity"))?;
    let started_at = parse_time("started_at", &get("started_at"))?;
    let ended_at = parse_time("ended_at", &get("ended_at"))?;
    let duty_ended_at = match get("duty_ended_at").as_str() {
        "" => ended_at,
        s => parse_time("duty_ended_at", s)?,
    };
    let handed_in_at = match get("handed_in_at").as_str() {
        "" => now,
        s => parse_time("handed_in_at", s)?,
    };
    check_times(
        &Recording {
            started_at,
            ended_at,
            duty_ended_at,
            handed_in_at,
        },
        now,
    )?;
    let violation_id = match get("violation_id").as_str() {
        "" => None,
        s => {
            let id = s
                .parse::<i64>()
                .map_err(|_| FieldError::new("violation_id", "must be a record id"))?;
            let v = violations::get(tx, id)
                .await?
                .filter(|v| {
                    p.covers(&roadwarden_domain::org::UnitPath::from_stored(
                        v.unit_path.clone(),
                    ))
                })
                .ok_or_else(|| FieldError::new("violation_id", "no such record in your units"))?;
            Some(v.id)
        }
    };
    let restriction = Restriction::parse(&get("restriction"))?;
    Ok(FootageMeta {
        file_name: text("filename", &get("filename"), 200, false)?,
        officer_id: officer.id.0,
        recorder_id,
        activity: activity.as_str().to_owned(),
        place: text("place", &get("place"), 200, false)?,
        case_ref: text("case_ref", &get("case_ref"), 60, false)?,
        violation_id,
        restriction: restriction.as_str().to_owned(),
        started_at,
        ended_at,
        duty_ended_at,
        handed_in_at,
    })
}
