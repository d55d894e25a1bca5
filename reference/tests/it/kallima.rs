//! kallima over real HTTP: bearer tokens, UUIDs, the secret shown at creation and rotation only.

use crate::support;

use reference::Api;
use serde_json::{Value, json};
use support::{Harness, KEY_A, KEY_B};

#[tokio::test]
async fn crud_defaults_and_secret_rules() {
    let h = Harness::start(Api::Kallima).await;
    let created = h.expect(
        "createWebhook",
        &h.call(
            "POST",
            "/v1/webhooks",
            KEY_A,
            Some(json!({"url": "https://x.example/h"})),
        )
        .await,
        201,
    );
    assert_eq!(created["enabled"], true, "enabled defaults to true");
    assert_eq!(created["object"], "webhook");
    assert_eq!(created["events"], Value::Null, "no events: all events");
    let secret = created["secret"]
        .as_str()
        .expect("the secret, this one time")
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = created["id"].as_str().unwrap();
    assert!(codegen_runtime::Format::Uuid.check(id).is_ok());
    let path = format!("/v1/webhooks/{id}");

    let got = h.expect("getWebhook", &h.call("GET", &path, KEY_A, None).await, 200);
    assert!(got.get("secret").is_none(), "reads omit the secret");
    let list = h.expect("listWebhooks", &h.call("GET", "/v1/webhooks", KEY_A, None).await, 200);
    assert_eq!(list["object"], "list");
    assert!(list["data"][0].get("secret").is_none());

    let updated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_A, Some(json!({"enabled": false}))).await,
        200,
    );
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["url"], created["url"]);
    assert!(updated.get("secret").is_none(), "no secret without rotate_secret");
    let rotated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &format!("{path}?rotate_secret=true"), KEY_A, Some(json!({})))
            .await,
        200,
    );
    let new_secret = rotated["secret"].as_str().expect("the new secret").to_owned();
    assert_ne!(new_secret, secret);
    let again = h.expect(
        "updateWebhook",
        &h.call("PATCH", &format!("{path}?rotate_secret=true"), KEY_A, Some(json!({})))
            .await,
        200,
    );
    assert_ne!(again["secret"], json!(new_secret), "a new one each rotation");
    let not_rotated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &format!("{path}?rotate_secret=false"), KEY_A, Some(json!({})))
            .await,
        200,
    );
    assert!(not_rotated.get("secret").is_none());

    h.expect("deleteWebhook", &h.call("DELETE", &path, KEY_A, None).await, 204);
    h.expect("getWebhook", &h.call("GET", &path, KEY_A, None).await, 404);
}

#[tokio::test]
async fn a_uuid_is_the_same_webhook_in_either_case() {
    let h = Harness::start(Api::Kallima).await;
    let created = h.expect(
        "createWebhook",
        &h.call(
            "POST",
            "/v1/webhooks",
            KEY_A,
            Some(json!({"url": "https://x.example/h"})),
        )
        .await,
        201,
    );
    let id = created["id"].as_str().unwrap();
    assert_eq!(id, id.to_lowercase(), "ids are minted in lower case");
    let upper = format!("/v1/webhooks/{}", id.to_uppercase());
    assert_ne!(upper, format!("/v1/webhooks/{id}"));

    let got = h.expect("getWebhook", &h.call("GET", &upper, KEY_A, None).await, 200);
    assert_eq!(got["id"], created["id"], "the stored id, in its canonical spelling");
    let updated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &upper, KEY_A, Some(json!({"enabled": false}))).await,
        200,
    );
    assert_eq!((&updated["id"], &updated["enabled"]), (&created["id"], &json!(false)));
    h.expect("deleteWebhook", &h.call("DELETE", &upper, KEY_A, None).await, 204);
    h.expect(
        "getWebhook",
        &h.call("GET", &format!("/v1/webhooks/{id}"), KEY_A, None).await,
        404,
    );
}

#[tokio::test]
async fn patch_nulls_uuids_and_tenants() {
    let h = Harness::start(Api::Kallima).await;
    let created = h.expect(
        "createWebhook",
        &h.call(
            "POST",
            "/v1/webhooks",
            KEY_A,
            Some(json!({"url": "https://x.example/h", "events": ["a"], "enabled": false})),
        )
        .await,
        201,
    );
    let path = format!("/v1/webhooks/{}", created["id"].as_str().unwrap());
    // events: [] and null both mean all events; url and enabled keep their values on null.
    let updated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_A, Some(json!({"events": []}))).await,
        200,
    );
    assert_eq!(updated["events"], json!([]));
    let updated = h.expect(
        "updateWebhook",
        &h.call(
            "PATCH",
            &path,
            KEY_A,
            Some(json!({"events": null, "url": null, "enabled": null})),
        )
        .await,
        200,
    );
    assert_eq!(
        (&updated["events"], &updated["url"], &updated["enabled"]),
        (&Value::Null, &created["url"], &json!(false))
    );
    // The page gives `url` no format: a faithful server keeps what it is sent.
    let updated = h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_A, Some(json!({"url": "not a uri"}))).await,
        200,
    );
    assert_eq!(updated["url"], "not a uri");
    for bad in [
        json!({"enabled": "yes"}),
        json!({"url": 5}),
        json!({"events": "a"}),
        json!({"events": [1]}),
    ] {
        h.expect("updateWebhook", &h.call("PATCH", &path, KEY_A, Some(bad)).await, 422);
    }
    for bad in [
        json!({}),
        json!({"url": null}),
        json!({"url": "https://x.example", "enabled": 1}),
    ] {
        h.expect(
            "createWebhook",
            &h.call("POST", "/v1/webhooks", KEY_A, Some(bad)).await,
            422,
        );
    }
    // A non-UUID id is a validation error; an unknown UUID is 404.
    h.expect(
        "getWebhook",
        &h.call("GET", "/v1/webhooks/not-a-uuid", KEY_A, None).await,
        422,
    );
    h.expect(
        "getWebhook",
        &h.call("GET", "/v1/webhooks/00000000-0000-4000-8000-000000000000", KEY_A, None)
            .await,
        404,
    );
    h.expect(
        "updateWebhook",
        &h.call(
            "PATCH",
            &format!("{path}?rotate_secret=perhaps"),
            KEY_A,
            Some(json!({})),
        )
        .await,
        422,
    );
    // Tenants and credentials.
    h.expect("getWebhook", &h.call("GET", &path, KEY_B, None).await, 404);
    h.expect("deleteWebhook", &h.call("DELETE", &path, KEY_B, None).await, 404);
    assert_eq!(
        h.expect("listWebhooks", &h.call("GET", "/v1/webhooks", KEY_B, None).await, 200)["data"],
        json!([])
    );
    h.expect(
        "listWebhooks",
        &h.raw("GET", "/v1/webhooks", None, &[], None).await,
        401,
    );
    h.expect(
        "listWebhooks",
        &h.raw("GET", "/v1/webhooks", None, &[("authorization", "Bearer nope")], None)
            .await,
        401,
    );
    h.expect(
        "listWebhooks",
        &h.raw("GET", "/v1/webhooks", None, &[("authorization", KEY_A)], None)
            .await,
        401,
    );
}
