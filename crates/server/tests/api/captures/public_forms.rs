//! NOT-02a for integrators and signed-in visitors: the owner's lookup posted as JSON keeps the
//! VIN tail out of URLs (the GET form stays, marked deprecated in the document), and the
//! public forms carry a signed-in visitor's CSRF token so they post like any other page.

use roadwarden_testkit::PASSWORD;

use super::*;

#[tokio::test]
async fn not_02a_the_lookup_posts_json_and_the_get_form_still_answers() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let post = |body: Value| {
        let client = w.app.client.clone();
        let url = w.app.url("/api/v1/public/violations");
        async move {
            let resp = client.post(url).json(&body).send().await.unwrap();
            (
                resp.status().as_u16(),
                resp.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) =
        post(json!({"plate": "浙E12345", "vin_tail": "123456", "lang": "en"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["id"].as_i64(), Some(vid));
    // The same answer as the GET form, which integrators may still use.
    let (status, old) = w
        .app
        .get(
            "/api/v1/public/violations?plate=浙E12345&vin_tail=123456&lang=en",
            "",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(old[0]["id"], body[0]["id"]);
    // A wrong tail is "not found"; a missing or unknown field is a field error.
    assert_eq!(
        post(json!({"plate": "浙E12345", "vin_tail": "000000"}))
            .await
            .0,
        404
    );
    let (status, body) = post(json!({"plate": "浙E12345"})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("body")),
        "{body}"
    );
    let (status, _) =
        post(json!({"plate": "浙E12345", "vin_tail": "123456", "vin": "LSVAU2180N2123456"})).await;
    assert_eq!(status, 422, "the whole VIN is not taken");
    // The document names the body's schema and marks the GET form deprecated.
    let (_, doc) = w.app.get("/api/v1/openapi.json", "").await;
    let item = &doc["paths"]["/api/v1/public/violations"];
    assert_eq!(item["get"]["deprecated"], true, "{item}");
    assert!(item["post"]["deprecated"].is_null());
    assert_eq!(
        item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/PublicLookup"
    );
    let schema = &doc["components"]["schemas"]["PublicLookup"];
    assert_eq!(schema["required"], json!(["plate", "vin_tail"]), "{schema}");
}

/// Signs `username` in on `client` (a browser: cookies kept).
async fn sign_in(w: &World, client: &reqwest::Client, username: &str) {
    let resp = client
        .post(w.app.url("/login"))
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
}

fn csrf_of(page: &str) -> Option<String> {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

#[tokio::test]
async fn a_signed_in_visitor_posts_the_public_forms_with_the_sessions_csrf_token() {
    let w = world().await;
    notified_record(&w, 1).await;
    // A stranger's page carries no token, and needs none.
    let page = w.app.page("/public/violations", None).await;
    assert!(csrf_of(&page).is_none());
    // A clerk, signed in in a browser, opens the owner's page: the lookup form has the token.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    sign_in(&w, &browser, "cx.clerk").await;
    let page = browser
        .get(w.app.url("/public/violations"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_of(&page).expect("the lookup form carries the session's token");
    let lookup = |fields: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let url = w.app.url("/public/violations/lookup?lang=en");
        async move { browser.post(url).form(&fields).send().await.unwrap() }
    };
    let resp = lookup(vec![
        ("csrf_token", token.clone()),
        ("plate", "浙E12345".into()),
        ("vin_tail", "123456".into()),
    ])
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text().await.unwrap().contains("record-"),
        "the records"
    );
    // Without it, the session's cookie alone does not post.
    let resp = lookup(vec![
        ("plate", "浙E12345".into()),
        ("vin_tail", "123456".into()),
    ])
    .await;
    assert_eq!(resp.status().as_u16(), 403);
    // The public report form's code request carries it too.
    let page = browser
        .get(w.app.url("/report?unit=330522"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code_form = &page[page.find("id=\"code-form\"").expect("the code form")..];
    assert_eq!(csrf_of(code_form).as_deref(), Some(token.as_str()));
}
