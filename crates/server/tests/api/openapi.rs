//! The OpenAPI document tells the truth about error bodies and names each schema once; the
//! extractors' refusals are the same JSON error the document describes (scripts/schemathesis.sh
//! checks every operation against the document; these pin what it found).

use roadwarden_testkit::{org, TestApp};
use serde_json::Value;

async fn document(app: &TestApp) -> Value {
    app.client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.to_uppercase(), path.clone(), op));
        }
    }
    ops
}

/// True when `schema` is the Error schema, or (through a named schema) a oneOf that offers it.
fn offers_error(doc: &Value, schema: &Value) -> bool {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return name == "Error" || offers_error(doc, &doc["components"]["schemas"][name]);
    }
    schema["oneOf"]
        .as_array()
        .is_some_and(|alts| alts.iter().any(|alt| offers_error(doc, alt)))
}

#[tokio::test]
async fn openapi_names_each_schema_once() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(
        !schemas.contains_key("Report"),
        "an ambiguous Report schema"
    );
    assert!(schemas["DeviceReport"]["properties"]
        .get("by_maintainer")
        .is_some());
    assert!(schemas["SupervisionReport"]["properties"]
        .get("delete_attempts")
        .is_some());
    let response_schema = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"]
            .clone()
    };
    assert_eq!(
        response_schema("/api/v1/device-report"),
        "#/components/schemas/DeviceReport"
    );
    assert_eq!(
        response_schema("/api/v1/evidence-supervision"),
        "#/components/schemas/SupervisionReport"
    );
    // The review desk's decision and an access request's decision are two shapes too.
    let request_schema = |path: &str| {
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .clone()
    };
    assert_eq!(
        request_schema("/api/v1/captures/{id}/decision"),
        "#/components/schemas/DecisionInput"
    );
    assert!(schemas["DecisionInput"]["properties"].get("note").is_some());
    assert_eq!(
        request_schema("/api/v1/access-requests/{id}/decision"),
        "#/components/schemas/AccessDecisionInput"
    );
    assert!(schemas["AccessDecisionInput"]["properties"]
        .get("note")
        .is_none());
}

#[tokio::test]
async fn openapi_error_responses_carry_the_error_body_the_server_sends() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["error"]));
    let body = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(body["required"], serde_json::json!(["code", "message"]));
    for field in ["code", "message", "field", "rule"] {
        assert_eq!(body["properties"][field]["type"], "string", "{field}");
    }
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        for (status, response) in responses {
            if !status.starts_with(['4', '5']) {
                continue;
            }
            let schema = &response["content"]["application/json"]["schema"];
            assert!(
                offers_error(&doc, schema),
                "{method} {path} {status} does not give the Error body: {response}"
            );
        }
        let public = op["security"] == serde_json::json!([{}]);
        if !public {
            assert!(responses.contains_key("401"), "{method} {path} has no 401");
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{method} {path} has no 404");
            assert!(responses.contains_key("422"), "{method} {path} has no 422");
        }
    }
    // The sign-in and the public pages need no token; the camera endpoints take the device's.
    for (method, path) in [
        ("post", "/api/v1/auth/token"),
        ("get", "/api/v1/public/devices"),
        ("get", "/api/v1/public/violations"),
        ("post", "/api/v1/public/objections"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["security"],
            serde_json::json!([{}]),
            "{path}"
        );
    }
    assert_eq!(
        doc["paths"]["/api/v1/captures/push"]["post"]["security"],
        serde_json::json!([{ "device": [] }])
    );
    let sign_in = &doc["paths"]["/api/v1/auth/token"]["post"]["responses"];
    for status in ["401", "403", "422", "423", "429", "503"] {
        assert!(sign_in.get(status).is_some(), "sign-in has no {status}");
    }
    assert!(sign_in["429"]["headers"].get("Retry-After").is_some());
}

/// A query value of the wrong type, a repeated query name, a malformed path id and a body that
/// is not multipart were axum's plain-text 400s, in no documented shape; they are the JSON 422
/// naming what is wrong.
#[tokio::test]
async fn openapi_extractor_refusals_are_the_documented_json_422() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let token = app.token(&o.root_admin.0, &o.root_admin.1).await;
    for (path, field) in [
        (
            "/api/v1/evidence-supervision?from=yesterday&to=now",
            "query",
        ),
        ("/api/v1/audit?actor=a&actor=b", "query"),
    ] {
        let (status, body) = app.get(path, &token).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["error"]["code"], "input.invalid", "{path}");
        assert_eq!(body["error"]["field"], field, "{path}");
    }
    let (status, body) = app
        .post("/api/v1/messages/x1/read", &token, &Value::Null)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "id");
    let resp = app
        .client
        .post(app.url("/api/v1/public/objections"))
        .json(&serde_json::json!({ "text": "not a form" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "input.invalid");
    assert_eq!(body["error"]["field"], "body");
}

/// Refusals made below the handlers (the body limit on a declared length, a method the path
/// does not take) were bare statuses with a plain-text or empty body; they are the JSON error.
#[tokio::test]
async fn openapi_layer_refusals_are_the_json_error_too() {
    let app = TestApp::spawn_with(
        |s| s.server.max_body_bytes = 4096,
        roadwarden_server::Clock::System,
    )
    .await;
    let o = org(&app.state).await;
    let token = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let big = serde_json::json!({ "text": "x".repeat(10_000) });
    let resp = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "input.too_large");
    let resp = app
        .client
        .patch(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert!(resp.headers().contains_key("allow"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method.not_allowed");
}

/// Issue 13, item 4: every `{name}` in a path is a declared parameter, an integer with a
/// minimum of 1 when it is a record id, whatever extractor the handler uses.
#[tokio::test]
async fn openapi_declares_every_path_parameter() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for (method, path, op) in operations(&doc) {
        let declared: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for name in path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap())
        {
            assert!(
                declared.contains(&name),
                "{method} {path}: {{{name}}} is not declared"
            );
        }
    }
    let read = &doc["paths"]["/api/v1/messages/{id}/read"]["post"]["parameters"][0];
    assert_eq!(read["schema"]["type"], "integer", "{read}");
    assert_eq!(read["schema"]["minimum"], 1.0, "{read}");
}
