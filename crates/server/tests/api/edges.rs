//! The request edge (issue 13, item 4): a path parameter that is not a record id is a JSON 422
//! naming the parameter, whichever handler it reaches.

use roadwarden_testkit::{TestApp, PASSWORD};

#[tokio::test]
async fn a_path_id_that_is_not_a_positive_whole_number_is_a_422_naming_it() {
    let app = TestApp::spawn().await;
    let o = roadwarden_testkit::org(&app.state).await;
    let token = app.token(&o.root_admin.0, PASSWORD).await;
    for bad in ["abc", "0", "-3", "99999999999999999999", "1.5"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/messages/{bad}/read"),
                &token,
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "input.invalid", "{bad}: {body}");
        assert_eq!(body["error"]["field"], "id", "{bad}: {body}");
    }
    // A good id that names nothing is a 404, as before.
    let (status, _) = app
        .post(
            "/api/v1/messages/12345/read",
            &token,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 404);
}
