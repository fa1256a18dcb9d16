//! Browsable API documentation, drawn from the same OpenAPI document the API serves, so it
//! needs no third-party script and never disagrees with the API.

use axum::response::{IntoResponse, Response};
use minijinja::context;
use utoipa::OpenApi;

use super::page_context;
use super::views::render;
use crate::api::openapi::ApiDoc;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::i18n::Lang;

pub async fn page(lang: Lang, user: CurrentUser) -> AppResult<Response> {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let mut operations = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "delete"] {
                if let Some(op) = item.get(method) {
                    let responses: Vec<String> = op["responses"]
                        .as_object()
                        .map(|r| r.keys().cloned().collect())
                        .unwrap_or_default();
                    operations.push(context! {
                        method => method.to_uppercase(),
                        path => path,
                        tag => op["tags"][0].as_str().unwrap_or(""),
                        summary => op["summary"].as_str().or(op["description"].as_str()).unwrap_or(""),
                        body => op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                            .as_str().map(|r| r.rsplit('/').next().unwrap_or("").to_owned()),
                        responses => responses,
                    });
                }
            }
        }
    }
    let ctx = page_context(
        lang,
        Some(&user),
        "/api/docs",
        context! { operations => operations, description => doc["info"]["description"].as_str() },
    );
    Ok(render("api_docs.html", ctx)?.into_response())
}
