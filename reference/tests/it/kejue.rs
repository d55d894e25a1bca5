//! kejue over real HTTP: the seed pages and VENDORS.md, operation by operation.

use crate::support;

use reference::Api;
use serde_json::{Value, json};
use support::{Harness, KEY_A, KEY_B};

async fn create(h: &Harness, body: Value) -> Value {
    let answer = h.call("POST", "/webhooks", KEY_A, Some(body)).await;
    h.expect("createWebhook", &answer, 201)
}

#[tokio::test]
async fn crud_defaults_and_the_write_only_secret() {
    let h = Harness::start(Api::Kejue).await;
    let created = create(
        &h,
        json!({"url": "https://example.com/h", "events": ["call.ended"], "secret": "s3cret"}),
    )
    .await;
    assert_eq!(created["signing_method"], "hmac_sha256");
    assert_eq!(created["scope_type"], "global");
    assert_eq!(
        created["delivery_settings"],
        json!({"timeout_ms": 5000, "max_retries": 3, "backoff_ms": 1000})
    );
    assert_eq!((&created["name"], &created["persona_id"]), (&Value::Null, &Value::Null));
    assert!(created.get("secret").is_none(), "the secret is write-only");
    let id = created["id"].as_str().unwrap();

    let listed = h.expect("listWebhooks", &h.call("GET", "/webhooks", KEY_A, None).await, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let got = h.expect(
        "getWebhook",
        &h.call("GET", &format!("/webhooks/{id}"), KEY_A, None).await,
        200,
    );
    assert_eq!(got, created);
    assert!(!got.to_string().contains("s3cret"));

    h.expect(
        "deleteWebhook",
        &h.call("DELETE", &format!("/webhooks/{id}"), KEY_A, None).await,
        204,
    );
    h.expect(
        "getWebhook",
        &h.call("GET", &format!("/webhooks/{id}"), KEY_A, None).await,
        404,
    );
    h.expect(
        "deleteWebhook",
        &h.call("DELETE", &format!("/webhooks/{id}"), KEY_A, None).await,
        404,
    );
}

#[tokio::test]
async fn bounds_enums_and_nulls_on_create() {
    let h = Harness::start(Api::Kejue).await;
    let base = json!({"url": "https://example.com/h", "events": ["*"]});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (field, min, max) in [("timeout_ms", 1000, 30000), ("max_retries", 0, 10)] {
        for ok in [min, min + 1, max - 1, max] {
            let created = create(&h, with(field, json!(ok))).await;
            assert_eq!(created["delivery_settings"][field], ok);
        }
        for bad in [min - 1, max + 1] {
            let answer = h.call("POST", "/webhooks", KEY_A, Some(with(field, json!(bad)))).await;
            let body = h.expect("createWebhook", &answer, 422);
            assert_eq!(body["detail"][0]["loc"], json!(["body", field]));
        }
    }
    for method in ["hmac_sha256", "hmac_sha1", "bearer", "basic_auth", "none"] {
        assert_eq!(
            create(&h, with("signing_method", json!(method))).await["signing_method"],
            method
        );
    }
    for scope in ["global", "persona"] {
        assert_eq!(create(&h, with("scope_type", json!(scope))).await["scope_type"], scope);
    }
    for (field, bad) in [
        ("signing_method", json!("md5")),
        ("signing_method", json!("HMAC_SHA256")),
        ("scope_type", json!("")),
        ("scope_type", json!(1)),
        ("scope_type", json!({"global": null})),
    ] {
        let answer = h.expect(
            "createWebhook",
            &h.call("POST", "/webhooks", KEY_A, Some(with(field, bad.clone()))).await,
            422,
        );
        assert_eq!(answer["detail"][0]["loc"], json!(["body", field]), "{field} = {bad}");
    }
    // Nullable fields take null; the others refuse it, naming the field.
    for field in ["name", "secret", "persona_id"] {
        create(&h, with(field, Value::Null)).await;
    }
    for field in [
        "url",
        "events",
        "signing_method",
        "scope_type",
        "timeout_ms",
        "max_retries",
    ] {
        let answer = h.expect(
            "createWebhook",
            &h.call("POST", "/webhooks", KEY_A, Some(with(field, Value::Null))).await,
            422,
        );
        assert_eq!(answer["detail"][0]["loc"], json!(["body", field]), "{field} = null");
    }
    // Missing required fields, and the url's length and format.
    for field in ["url", "events"] {
        let mut body = base.clone();
        body.as_object_mut().unwrap().remove(field);
        let answer = h.expect(
            "createWebhook",
            &h.call("POST", "/webhooks", KEY_A, Some(body)).await,
            422,
        );
        assert_eq!(answer["detail"][0]["loc"], json!(["body", field]));
    }
    let long = format!("https://example.com/{}", "a".repeat(2083 - 20));
    create(&h, with("url", json!(long))).await;
    for bad in [
        json!(format!("{long}a")),
        json!(""),
        json!("not a url"),
        json!("/relative"),
        // HttpUrl (VENDORS.md): http or https, with a host.
        json!("ftp://example.com/x"),
        json!("mailto:hooks@example.com"),
        json!("https://"),
    ] {
        let answer = h.expect(
            "createWebhook",
            &h.call("POST", "/webhooks", KEY_A, Some(with("url", bad.clone()))).await,
            422,
        );
        assert_eq!(answer["detail"][0]["loc"], json!(["body", "url"]), "url = {bad}");
    }
    create(&h, with("url", json!("http://example.com:8080/h?x=1"))).await;
    create(&h, with("url", json!("HTTPS://example.com/h"))).await;
}

#[tokio::test]
async fn patch_changes_only_what_it_sends_and_null_clears_name_and_persona() {
    let h = Harness::start(Api::Kejue).await;
    let created = create(
        &h,
        json!({"url": "https://example.com/h", "events": ["a"], "name": "Ops", "persona_id": "p1", "scope_type": "persona", "timeout_ms": 2000}),
    )
    .await;
    let path = format!("/webhooks/{}", created["id"].as_str().unwrap());
    let patch = |body: Value| h.call("PATCH", &path, KEY_A, Some(body));

    let updated = h.expect("updateWebhook", &patch(json!({"max_retries": 7})).await, 200);
    assert_eq!(updated["delivery_settings"]["max_retries"], 7);
    for unchanged in ["url", "events", "name", "persona_id", "scope_type", "signing_method"] {
        assert_eq!(updated[unchanged], created[unchanged], "{unchanged}");
    }
    assert_eq!(updated["delivery_settings"]["timeout_ms"], 2000);

    // null clears name and persona_id ...
    let updated = h.expect(
        "updateWebhook",
        &patch(json!({"name": null, "persona_id": null})).await,
        200,
    );
    assert_eq!((&updated["name"], &updated["persona_id"]), (&Value::Null, &Value::Null));
    // ... and leaves every other field as it was.
    let updated = h.expect(
        "updateWebhook",
        &patch(json!({"url": null, "events": null, "timeout_ms": null, "scope_type": null})).await,
        200,
    );
    assert_eq!(updated["url"], created["url"]);
    assert_eq!(updated["events"], created["events"]);
    assert_eq!(updated["delivery_settings"]["timeout_ms"], 2000);
    assert_eq!(updated["scope_type"], "persona");
    // Read back: the change was stored.
    let got = h.expect("getWebhook", &h.call("GET", &path, KEY_A, None).await, 200);
    assert_eq!(got, updated);

    for bad in [
        json!({"timeout_ms": 999}),
        json!({"max_retries": 11}),
        json!({"signing_method": "md5"}),
        json!({"url": "nope"}),
        json!({"url": "ftp://example.com/x"}),
        json!({"signing_method": 1}),
    ] {
        h.expect("updateWebhook", &patch(bad).await, 422);
    }
    h.expect(
        "updateWebhook",
        &h.call("PATCH", "/webhooks/unknown", KEY_A, Some(json!({}))).await,
        404,
    );
}

#[tokio::test]
async fn tenants_auth_and_malformed_requests() {
    let h = Harness::start(Api::Kejue).await;
    let created = create(&h, json!({"url": "https://example.com/h", "events": ["*"]})).await;
    let path = format!("/webhooks/{}", created["id"].as_str().unwrap());
    // Another tenant sees, changes and deletes nothing.
    assert_eq!(
        h.expect("listWebhooks", &h.call("GET", "/webhooks", KEY_B, None).await, 200),
        json!([])
    );
    h.expect("getWebhook", &h.call("GET", &path, KEY_B, None).await, 404);
    h.expect(
        "updateWebhook",
        &h.call("PATCH", &path, KEY_B, Some(json!({"name": "x"}))).await,
        404,
    );
    h.expect("deleteWebhook", &h.call("DELETE", &path, KEY_B, None).await, 404);
    h.expect("getWebhook", &h.call("GET", &path, KEY_A, None).await, 200);
    // No key, a wrong key.
    let body = h.expect("listWebhooks", &h.raw("GET", "/webhooks", None, &[], None).await, 401);
    assert_eq!(body["detail"], "Not authenticated");
    h.expect(
        "listWebhooks",
        &h.raw("GET", "/webhooks", Some("wrong"), &[], None).await,
        401,
    );
    // Malformed JSON, a wrong content type, a body over 1 MiB.
    let json = [("content-type", "application/json")];
    h.expect(
        "createWebhook",
        &h.raw("POST", "/webhooks", Some(KEY_A), &json, Some("{\"url\":".into()))
            .await,
        422,
    );
    h.expect(
        "createWebhook",
        &h.raw(
            "POST",
            "/webhooks",
            Some(KEY_A),
            &[("content-type", "text/plain")],
            Some("{}".into()),
        )
        .await,
        422,
    );
    let huge = format!(
        "{{\"url\": \"https://e.x/\", \"events\": [\"{}\"]}}",
        "x".repeat(1 << 20)
    );
    assert_eq!(
        h.raw("POST", "/webhooks", Some(KEY_A), &json, Some(huge)).await.status,
        413
    );
}

#[tokio::test]
async fn concurrent_writes_are_all_kept() {
    let h = Harness::start(Api::Kejue).await;
    let mut tasks = Vec::new();
    let client = std::sync::Arc::new(h);
    for i in 0..64 {
        let h = client.clone();
        tasks.push(tokio::spawn(async move {
            create(&h, json!({"url": format!("https://example.com/{i}"), "events": ["*"]})).await
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(client.server.store.count("kejue").unwrap(), 64);
}
