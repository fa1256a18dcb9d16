//! Path parameters: typed values whose rejection is a 422 naming the parameter, and the record
//! id every `/{id}` route takes.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use roadwarden_domain::FieldError;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::error::AppError;

/// Path parameters parsed into `T` (a [`RecordId`], a tuple of them, a struct naming each):
/// a value that does not parse is a 422 naming its parameter, not axum's plain-text 400.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let only = only_param(parts, state).await;
                let (field, reason) = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. } => (param_name(key), MUST_BE.to_owned()),
                    ErrorKind::ParseError { .. } | ErrorKind::ParseErrorAtIndex { .. } => {
                        (only, MUST_BE.to_owned())
                    }
                    ErrorKind::Message(m) => (only, m.clone()),
                    _ => (only, e.body_text()),
                };
                Err(FieldError::new(field, reason).into())
            }
            Err(other) => Err(FieldError::new("path", other.body_text()).into()),
        }
    }
}

const MUST_BE: &str = "must be a positive whole number";

/// The parameter names our routes use, as `'static` names for a [`FieldError`]; the route
/// table, not the request, chooses them, and an unknown one reads as `path`.
fn param_name(key: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "id",
        "calibration",
        "country",
        "credential",
        "date",
        "evidence",
        "fault",
        "item",
        "plate",
        "position",
        "reason",
        "role",
    ];
    NAMES.iter().find(|n| **n == key).copied().unwrap_or("path")
}

/// The route's one parameter, when it has one: the field a bad value is reported under.
async fn only_param<S: Send + Sync>(parts: &mut Parts, state: &S) -> &'static str {
    let Ok(params) = axum::extract::RawPathParams::from_request_parts(parts, state).await else {
        return "path";
    };
    let mut keys = params.iter().map(|(k, _)| k);
    match (keys.next(), keys.next()) {
        (Some(key), None) => param_name(key),
        _ => "path",
    }
}

/// A stored record's id as it comes in a path: a positive whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordId(pub i64);

impl<'de> de::Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Positive;
        impl Visitor<'_> for Positive {
            type Value = RecordId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a positive whole number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RecordId, E> {
                if v > 0 {
                    Ok(RecordId(v))
                } else {
                    Err(E::custom(MUST_BE))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RecordId, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom(MUST_BE))
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RecordId, E> {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| E::custom(MUST_BE))
                    .and_then(|v| self.visit_i64(v))
            }
        }
        d.deserialize_i64(Positive)
    }
}

/// A record id from the path: a positive whole number, or a 422 naming the field.
pub fn record_id(field: &'static str, raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| FieldError::new(field, "must be a positive whole number").into())
}
