//! sendkit over real HTTP: either credential, envelopes, trimmed names, 24-hex ids.

use crate::support;

use reference::Api;
use serde_json::json;
use support::{Harness, KEY_A, KEY_B};

#[tokio::test]
async fn webhooks_lifecycle_envelopes_and_defaults() {
    let h = Harness::start(Api::Sendkit).await;
    let body = json!({"name": "  CRM Sync  ", "url": "https://example.com/h", "events": ["email.replied"]});
    let created = h.expect(
        "createWebhook",
        &h.call("POST", "/v1/webhooks", KEY_A, Some(body)).await,
        201,
    );
    let data = &created["data"];
    assert_eq!(created["success"], true);
    assert_eq!(data["name"], "CRM Sync", "trimmed");
    assert_eq!(
        (&data["retryAttempts"], &data["timeoutMs"], &data["status"]),
        (&json!(3), &json!(10000), &json!("active"))
    );
    let id = data["_id"].as_str().unwrap().to_owned();
    assert!(id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    let path = format!("/v1/webhooks/{id}");

    let updated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_A, Some(json!({"status": "inactive"}))).await,
        200,
    );
    assert_eq!(updated["data"]["status"], "inactive");
    assert_eq!(
        (&updated["data"]["name"], &updated["data"]["url"]),
        (&data["name"], &data["url"])
    );
    let updated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_A, Some(json!({"name": " New "}))).await,
        200,
    );
    assert_eq!(updated["data"]["name"], "New");
    assert_eq!(
        h.expect("getWebhook", &h.call("GET", &path, KEY_A, None).await, 200),
        updated
    );

    // Either credential works.
    let bearer = format!("Bearer {KEY_A}");
    h.expect(
        "listWebhooks",
        &h.raw("GET", "/v1/webhooks", None, &[("authorization", bearer.as_str())], None)
            .await,
        200,
    );
    h.expect(
        "listWebhooks",
        &h.raw("GET", "/v1/webhooks", None, &[], None).await,
        401,
    );
    h.expect(
        "listWebhooks",
        &h.raw("GET", "/v1/webhooks", None, &[("x-api-key", "sk_wrong")], None)
            .await,
        401,
    );

    // Bad input: 400 and the error shape.
    for bad in [
        json!({"name": "", "url": "https://e.x/h", "events": []}),
        json!({"name": "   ", "url": "https://e.x/h", "events": []}),
        json!({"name": "A", "url": "nope", "events": []}),
        json!({"name": "A", "url": "https://e.x/h"}),
        json!({"name": "A", "url": "https://e.x/h", "events": [], "secret": 5}),
    ] {
        let e = h.expect(
            "createWebhook",
            &h.call("POST", "/v1/webhooks", KEY_A, Some(bad)).await,
            400,
        );
        assert_eq!((&e["error"], &e["code"]), (&json!("Bad Request"), &json!(400)));
    }
    h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_A, Some(json!({"status": "paused"}))).await,
        400,
    );
    h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_A, Some(json!({"url": null}))).await,
        400,
    );

    // Tenants, unknown ids, delete.
    let e = h.expect("getWebhook", &h.call("GET", &path, KEY_B, None).await, 404);
    assert_eq!(
        e,
        json!({"error": "Not Found", "message": "The requested resource was not found", "code": 404})
    );
    h.expect("deleteWebhook", &h.call("DELETE", &path, KEY_B, None).await, 404);
    let deleted = h.expect("deleteWebhook", &h.call("DELETE", &path, KEY_A, None).await, 200);
    assert_eq!(deleted, json!({"success": true, "data": {"_id": id}}));
    h.expect("getWebhook", &h.call("GET", &path, KEY_A, None).await, 404);
}
