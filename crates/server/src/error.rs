//! The server's one error type, mapped to HTTP in one place: a status, a stable machine code, a
//! message safe to show, and (for input errors) the field. Causes of internal errors go to the
//! log only.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::{FieldError, RuleViolation};
use roadwarden_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    BadInput(#[from] FieldError),
    /// Bad input in one row of a form of several (a request's third record): the field is
    /// named with its row, `records[2].plate`, so the page shows it next to that row's input.
    #[error("{field}: {reason}")]
    BadRow { field: String, reason: String },
    #[error(transparent)]
    Rule(#[from] RuleViolation),
    #[error("sign in first")]
    Unauthenticated,
    /// A device's push credential was refused (the device is told why, never which part).
    #[error("{0}")]
    DeviceAuth(&'static str),
    /// The body is larger than the endpoint accepts.
    #[error("the request body is larger than {size} ({bytes} bytes)", size = human_size(*.0), bytes = .0)]
    TooLarge(usize),
    #[error("wrong username or password")]
    BadCredentials,
    #[error("the account is locked until {0}")]
    Locked(DateTime<Utc>),
    #[error("the account is not active")]
    Inactive,
    /// Too many failed attempts at a public proof (plate + VIN tail); try again after the time.
    #[error("too many attempts; try again after {0}")]
    TooManyAttempts(DateTime<Utc>),
    /// SEC-02 (sign-in) and REV-05 (public reports): too many attempts from this address or
    /// for this name or phone; the client may
    /// try again after this many seconds.
    #[error("too many attempts; try again in {0} seconds")]
    Throttled(u64),
    /// Every password-hashing turn is taken; the client should retry in a moment.
    #[error("the server is busy; try again in a moment")]
    Busy,
    #[error("change your password before doing anything else")]
    PasswordChangeRequired,
    #[error("{message}")]
    Forbidden { code: Code, message: String },
    #[error("the form has expired; reload the page and try again")]
    Csrf,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field} is already taken")]
    Conflict { field: String },
    /// A protocol-level refusal with its own status (tus: a wrong offset is 409, an unknown
    /// version 412, a wrong content type 415, an ended upload 410).
    #[error("{message}")]
    Protocol {
        status: StatusCode,
        code: Code,
        message: String,
    },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// `16 MiB`, `256 KiB`, `900 B`.
fn human_size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

impl AppError {
    pub fn protocol(status: StatusCode, code: Code, message: impl Into<String>) -> Self {
        AppError::Protocol {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: Code, message: impl Into<String>) -> Self {
        AppError::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadInput(_) | AppError::BadRow { .. } | AppError::Rule(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Unauthenticated | AppError::BadCredentials | AppError::DeviceAuth(_) => {
                StatusCode::UNAUTHORIZED
            }
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::TooManyAttempts(_) | AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Inactive
            | AppError::PasswordChangeRequired
            | AppError::Forbidden { .. }
            | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Protocol { status, .. } => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code clients can branch on.
    pub fn code(&self) -> Code {
        match self {
            AppError::BadInput(_) | AppError::BadRow { .. } => Code::InputInvalid,
            AppError::Rule(v) => v.code,
            AppError::Unauthenticated => Code::AuthRequired,
            AppError::DeviceAuth(_) => Code::DeviceAuth,
            AppError::TooLarge(_) => Code::InputTooLarge,
            AppError::BadCredentials => Code::AuthBadCredentials,
            AppError::Locked(_) => Code::AuthLocked,
            AppError::Inactive => Code::AuthInactive,
            AppError::TooManyAttempts(_) => Code::PublicTooManyAttempts,
            AppError::Throttled(_) => Code::AuthThrottled,
            AppError::Busy => Code::ServerBusy,
            AppError::PasswordChangeRequired => Code::AuthPasswordChangeRequired,
            AppError::Forbidden { code, .. } => *code,
            AppError::Csrf => Code::AuthCsrf,
            AppError::NotFound(_) => Code::NotFound,
            AppError::Conflict { .. } => Code::InputConflict,
            AppError::Protocol { code, .. } => *code,
            AppError::Internal(_) => Code::Internal,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: match self {
                AppError::Rule(v) => v.message.clone(),
                other => other.to_string(),
            },
            field: match self {
                AppError::BadInput(e) => Some(e.field.to_owned()),
                AppError::BadRow { field, .. } => Some(field.clone()),
                AppError::Conflict { field } => Some(field.clone()),
                _ => None,
            },
            rule: match self {
                AppError::Rule(v) => Some(v.rule),
                _ => None,
            },
        }
    }

    /// Seconds a client should wait before trying again, for refusals that pass with time.
    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::Busy => Some(1),
            AppError::Throttled(secs) => Some((*secs).max(1)),
            _ => None,
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
    }
}

/// What went wrong, inside the `error` member of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"code": "input.invalid", "message": "limit: must be 1 to 200", "field": "limit"}))]
pub struct ErrorBody {
    /// A stable machine-readable code clients can branch on: `auth.required`,
    /// `input.invalid`, `input.conflict`, `not_found`, `server.busy`, or a rule's own code.
    #[schema(value_type = String)]
    pub code: Code,
    /// A message safe to show to the person.
    pub message: String,
    /// For input errors: the field (or `body`, `query`, a path parameter) that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub field: Option<String>,
    /// For refusals by a rule: the rule's id (e.g. `REV-02`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub rule: Option<&'static str>,
}

/// The JSON body of every error response (4xx and 5xx): `{"error": {...}}`. The OpenAPI
/// document names it `Error` and gives it to every documented error response.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// Attached to every error response, so the web UI's error layer can show the same error as
/// a page in the person's language instead of JSON.
#[derive(Debug, Clone)]
pub struct RenderedError {
    pub status: StatusCode,
    pub code: Code,
    pub message: String,
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let body = self.body();
        let rendered = RenderedError {
            status: self.status(),
            code: body.code,
            message: body.message.clone(),
            field: body.field.clone(),
        };
        let retry_after = self.retry_after_secs();
        let mut resp = (self.status(), Json(ErrorEnvelope { error: body })).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        resp.extensions_mut().insert(rendered);
        resp
    }
}

/// Refusals made below the handlers come as bare statuses: a body over the limit (413, from the
/// body-limit layer when the declared length is too long), a request that took too long (408),
/// a method the path does not take (405). Under `/api/v1` they get the same JSON error body as
/// every other error, as the OpenAPI document says; other headers (`Allow`) are kept. Only
/// bodies that are not JSON are replaced.
pub async fn api_json_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/v1/");
    let resp = next.run(req).await;
    let status = resp.status();
    // A handler's own answer in the caller's protocol stays: JSON (an import's report of bad
    // rows) and SOAP Faults (a WebService caller reads a Fault, never a JSON envelope).
    let json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json")
                || v.starts_with("text/xml")
                || v.starts_with("application/soap+xml")
        });
    if !api
        || !(status.is_client_error() || status.is_server_error())
        || resp.extensions().get::<RenderedError>().is_some()
        || json
    {
        return resp;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            Code::InputTooLarge,
            "the request body is larger than the server accepts",
        ),
        StatusCode::REQUEST_TIMEOUT => (Code::ServerTimeout, "the request took too long"),
        StatusCode::METHOD_NOT_ALLOWED => (
            Code::MethodNotAllowed,
            "this path does not take this method",
        ),
        _ => (
            Code::HttpError,
            status.canonical_reason().unwrap_or("error"),
        ),
    };
    let (mut parts, _) = resp.into_parts();
    let json = AppError::protocol(status, code, message).into_response();
    let (json_parts, body) = json.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.extend(json_parts.headers);
    parts.extensions.extend(json_parts.extensions);
    Response::from_parts(parts, body)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field } => AppError::Conflict { field },
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<roadwarden_blob::BlobError> for AppError {
    fn from(e: roadwarden_blob::BlobError) -> Self {
        use roadwarden_blob::BlobError as B;
        match e {
            B::NotFound(_) => AppError::NotFound("stored file"),
            B::BadRange { start, len } => AppError::protocol(
                StatusCode::RANGE_NOT_SATISFIABLE,
                Code::RangeNotSatisfiable,
                format!("the range starts at {start}, past the end ({len} bytes)"),
            ),
            other => AppError::Internal(other.into()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
