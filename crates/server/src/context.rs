//! Per-request context every handler may ask for: the client address and request id (for the
//! audit chain) and the UI language.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::AppError;
use crate::i18n::Lang;

/// Where a request came from, for audit entries.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub request_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(parts
            .extensions
            .get::<Lang>()
            .copied()
            .unwrap_or(Lang::ZhCn))
    }
}
