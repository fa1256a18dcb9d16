//! Query strings: typed parameters whose rejection is a 422 naming `query`, paging bounds and
//! free-text search values.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use roadwarden_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Query parameters whose rejection (a value of the wrong type, a repeated name) is our JSON
/// error, a 422 naming `query`, not axum's plain-text 400.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(rejection) => Err(FieldError::new("query", rejection.body_text()).into()),
        }
    }
}

/// Parses `limit` and `offset` query values with defaults and bounds.
pub fn paging(limit: Option<&str>, offset: Option<&str>, max: i64) -> Result<(i64, i64), AppError> {
    let limit = match limit.filter(|s| !s.is_empty()) {
        None => 50,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| FieldError::new("limit", format!("must be 1 to {max}")))?,
    };
    let offset = match offset.filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| FieldError::new("offset", "must be 0 or more"))?,
    };
    Ok((limit, offset))
}

/// The longest free-text search accepted (a name, a number, a place): longer is a 422, not a
/// pattern the database must chew through (SQLite refuses LIKE patterns past 50,000 bytes).
pub const SEARCH_MAX_CHARS: usize = 100;

/// A free-text search value: trimmed, empty means none, at most [`SEARCH_MAX_CHARS`].
pub fn search_text(value: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(v) = value.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > SEARCH_MAX_CHARS {
        return Err(FieldError::new(
            "search",
            format!("is longer than {SEARCH_MAX_CHARS} characters"),
        )
        .into());
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new("search", "has control characters").into());
    }
    Ok(Some(v.to_owned()))
}
