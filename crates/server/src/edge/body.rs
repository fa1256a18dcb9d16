//! Request bodies: JSON and multipart whose rejections are our JSON errors, and the body
//! limits (the server's, and the smaller one for sign-in routes).

use axum::extract::{FromRequest, Request};
use axum::routing::MethodRouter;
use roadwarden_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::state::AppState;

/// The most a sign-in or password change may send: a name and two passwords fit in far less.
/// Before anyone is known, a request must not make the server hold megabytes (issue 12 item 1).
pub const SIGN_IN_BODY_BYTES: usize = 16 * 1024;

/// `route` with the sign-in body limit.
pub fn small_body(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route
        .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
            SIGN_IN_BODY_BYTES,
        ))
        .layer::<_, std::convert::Infallible>(axum::Extension(RouteBodyLimit(SIGN_IN_BODY_BYTES)))
}

/// The most a partner's JSON submission may send: 100 records of a few fields of at most 1,000
/// characters each fit in well under this; anything larger is refused before it is parsed.
pub const PARTNER_WRITE_BODY_BYTES: usize = 1024 * 1024;

/// `route` with the partner-submission body limit.
pub fn partner_body(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route
        .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
            PARTNER_WRITE_BODY_BYTES,
        ))
        .layer::<_, std::convert::Infallible>(axum::Extension(RouteBodyLimit(
            PARTNER_WRITE_BODY_BYTES,
        )))
}

/// A route's body limit below the server's, so that its 413 names the right size.
#[derive(Debug, Clone, Copy)]
pub struct RouteBodyLimit(pub usize);

/// The body limit in force for this request.
pub fn body_limit(req: &Request, state: &AppState) -> usize {
    req.extensions()
        .get::<RouteBodyLimit>()
        .map_or(state.settings.server.max_body_bytes, |l| l.0)
}

/// A JSON body whose rejection is our JSON error naming what is wrong.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let limit = body_limit(&req, state);
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge(limit))
            }
            Err(rejection) => Err(FieldError::new("body", rejection.body_text()).into()),
        }
    }
}

/// A multipart body whose rejection (no boundary, not multipart) is our JSON error, a 422
/// naming `body`, not axum's plain-text 400.
pub struct MultipartBody(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for MultipartBody {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::extract::Multipart::from_request(req, state).await {
            Ok(m) => Ok(MultipartBody(m)),
            Err(rejection) => Err(FieldError::new("body", rejection.body_text()).into()),
        }
    }
}
