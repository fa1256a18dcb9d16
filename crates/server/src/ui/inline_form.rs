//! Errors where the mistake is (issue 14). A page's form is posted in the background by
//! `static/app.js`, which marks the request with [`HEADER`]; the answer it gets is JSON it can
//! act on without leaving the page, so what the person typed stays in the form:
//!
//! - a refusal: `{"error": {"field", "label", "message"}}`, the sentence in the person's language,
//!   which the script shows under the field;
//! - a redirect (the usual answer to a post): `{"redirect": "/where"}`, which the script follows.
//!
//! Anything else (a page rendered in answer to the post, a download) passes unchanged. Without
//! the script, forms post the ordinary way and a refusal is the error page.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roadwarden_domain::codes::Code;
use serde_json::json;

use crate::error::RenderedError;
use crate::i18n::{self, Lang};

/// The request header the page script sends with a form it posts in the background.
pub const HEADER: &str = "x-form-errors";

/// Whether the request came from the page script's background post.
pub fn wanted(headers: &HeaderMap) -> bool {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("inline"))
}

/// A refusal as the script shows it next to the field.
pub fn refusal(lang: Lang, err: &RenderedError) -> Response {
    let label = err.field.as_deref().map(|f| {
        let key = format!("field.{f}");
        if i18n::has_key(lang, &key) {
            i18n::t(lang, &key)
        } else {
            f.to_owned()
        }
    });
    let sentence = i18n::t(lang, &i18n::error_key(err.code));
    // The server's own wording names the values involved; English readers get it too.
    let message = if lang == Lang::En && err.message != sentence && err.code != Code::NotFound {
        format!("{sentence} ({})", err.message)
    } else {
        sentence
    };
    let body = json!({"error": {
        "code": err.code.as_str(),
        "field": err.field,
        "label": label,
        "message": message,
    }});
    (err.status, Json(body)).into_response()
}

/// A redirect as a JSON answer the script follows; other responses are left as they are. The
/// redirect's other headers stay: a sign-in's or sign-out's `Set-Cookie` must still arrive.
pub fn redirect_as_json(resp: Response) -> Response {
    if !resp.status().is_redirection() {
        return resp;
    }
    let Some(to) = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return resp;
    };
    let (mut parts, _) = resp.into_parts();
    let answer = Json(json!({ "redirect": to })).into_response();
    let (answer_parts, body) = answer.into_parts();
    parts.status = StatusCode::OK;
    parts.headers.remove(header::LOCATION);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &answer_parts.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_field_in_the_readers_words() {
        let err = RenderedError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: Code::InputInvalid,
            message: "id_number: check digit is wrong".into(),
            field: Some("id_number".into()),
        };
        let resp = refusal(Lang::ZhCn, &err);
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn a_redirect_becomes_a_json_answer_that_keeps_its_cookies() {
        let mut redirect = axum::response::Redirect::to("/devices?ok=x").into_response();
        redirect
            .headers_mut()
            .insert(header::SET_COOKIE, "rw_session=abc".parse().unwrap());
        let resp = redirect_as_json(redirect);
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/json"
        );
        assert_eq!(
            resp.headers().get(header::SET_COOKIE).unwrap(),
            "rw_session=abc"
        );
        assert!(resp.headers().get(header::LOCATION).is_none());
    }
}
