//! The audit trail's search as a request states it (SEC-05): the API and the page parse the
//! same query into the store's filter.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::FieldError;
use roadwarden_store::audit::AuditFilter;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Username of the actor (exact).
    pub actor: Option<String>,
    /// Action or action prefix, e.g. `user.` or `session.sign_in_failed`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// RFC 3339 time or YYYY-MM-DD (start of that UTC day).
    pub from: Option<String>,
    /// RFC 3339 time or YYYY-MM-DD (end of that UTC day).
    pub to: Option<String>,
    /// Entries older than this sequence number (for the next page).
    pub before: Option<String>,
    pub limit: Option<String>,
}

fn parse_time(
    raw: &str,
    field: &'static str,
    end_of_day: bool,
) -> Result<DateTime<Utc>, FieldError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "must be YYYY-MM-DD or an RFC 3339 time"))?;
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    Ok(if end_of_day {
        start + chrono::Duration::days(1) - chrono::Duration::microseconds(1)
    } else {
        start
    })
}

impl AuditQuery {
    pub fn filter(&self) -> Result<(AuditFilter, i64), FieldError> {
        let s = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let limit = match s(&self.limit) {
            None => 100,
            Some(l) => l
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or_else(|| FieldError::new("limit", "must be 1 to 500"))?,
        };
        Ok((
            AuditFilter {
                actor: s(&self.actor),
                action: s(&self.action),
                object_type: s(&self.object_type),
                object_id: s(&self.object_id),
                from: s(&self.from)
                    .map(|t| parse_time(&t, "from", false))
                    .transpose()?,
                to: s(&self.to)
                    .map(|t| parse_time(&t, "to", true))
                    .transpose()?,
                before_seq: s(&self.before)
                    .map(|b| {
                        b.parse::<i64>()
                            .map_err(|_| FieldError::new("before", "must be a sequence number"))
                    })
                    .transpose()?,
            },
            limit,
        ))
    }
}
