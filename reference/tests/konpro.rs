//! konpro over real HTTP: https only, the secret unchanged by updates, `{"error": {...}}`.

mod support;

use reference::Api;
use serde_json::json;
use support::{Harness, KEY_A, KEY_B};

#[tokio::test]
async fn endpoints_lifecycle_and_rules() {
    let h = Harness::start(Api::Konpro).await;
    let created = h.expect(
        "createEndpoint",
        &h.call(
            "POST",
            "/v1/webhook/endpoint.add",
            KEY_A,
            Some(json!({"url": "https://example.com/hook"})),
        )
        .await,
        200,
    );
    assert_eq!(
        (&created["status"], &created["events"]),
        (&json!("enabled"), &json!([]))
    );
    let id = created["endpoint_id"].as_str().unwrap().to_owned();
    let secret = created["secret"].clone();

    let updated = h.expect(
        "updateEndpoint",
        &h.call(
            "PATCH",
            "/v1/webhook/endpoint.update",
            KEY_A,
            Some(json!({"endpoint_id": id, "events": ["video.updated"]})),
        )
        .await,
        200,
    );
    assert_eq!(updated["events"], json!(["video.updated"]));
    assert_eq!(
        (&updated["url"], &updated["secret"]),
        (&created["url"], &secret),
        "only what was sent changes; never the secret"
    );
    let updated = h.expect(
        "updateEndpoint",
        &h.call(
            "PATCH",
            "/v1/webhook/endpoint.update",
            KEY_A,
            Some(json!({"endpoint_id": id, "url": "https://example.com/new", "events": null})),
        )
        .await,
        200,
    );
    assert_eq!(
        (&updated["url"], &updated["events"], &updated["secret"]),
        (&json!("https://example.com/new"), &json!([]), &secret)
    );

    let list = h.expect(
        "listEndpoints",
        &h.call("GET", "/v1/webhook/endpoint.list", KEY_A, None).await,
        200,
    );
    assert_eq!(list["endpoints"].as_array().unwrap().len(), 1);
    assert_eq!(
        h.expect(
            "listEndpoints",
            &h.call("GET", "/v1/webhook/endpoint.list", KEY_B, None).await,
            200
        )["endpoints"],
        json!([])
    );

    // Bad input: 400 with the error envelope.
    for bad in [
        json!({"url": "https://example.com/x"}),
        json!({"endpoint_id": id, "url": "http://example.com/x"}),
        json!({"endpoint_id": id, "url": "not a url"}),
        json!({"endpoint_id": null}),
        json!({"endpoint_id": id, "events": [1]}),
    ] {
        h.expect(
            "updateEndpoint",
            &h.call("PATCH", "/v1/webhook/endpoint.update", KEY_A, Some(bad)).await,
            400,
        );
    }
    for bad in [
        json!({"url": "http://example.com/x"}),
        json!({}),
        json!({"url": "https://e.x", "events": "all"}),
    ] {
        h.expect(
            "createEndpoint",
            &h.call("POST", "/v1/webhook/endpoint.add", KEY_A, Some(bad)).await,
            400,
        );
    }
    let e = h.expect(
        "updateEndpoint",
        &h.call(
            "PATCH",
            "/v1/webhook/endpoint.update",
            KEY_B,
            Some(json!({"endpoint_id": id})),
        )
        .await,
        404,
    );
    assert_eq!(e["error"]["code"], "not_found");
    h.expect(
        "createEndpoint",
        &h.raw(
            "POST",
            "/v1/webhook/endpoint.add",
            None,
            &[("content-type", "application/json")],
            Some("{}".into()),
        )
        .await,
        401,
    );
    h.expect(
        "createEndpoint",
        &h.raw(
            "POST",
            "/v1/webhook/endpoint.add",
            Some(KEY_A),
            &[("content-type", "application/json")],
            Some("{,".into()),
        )
        .await,
        400,
    );

    // Delete: by query parameter, then gone; another tenant cannot.
    h.expect(
        "deleteEndpoint",
        &h.call(
            "DELETE",
            &format!("/v1/webhook/endpoint.delete?endpoint_id={id}"),
            KEY_B,
            None,
        )
        .await,
        404,
    );
    let deleted = h.expect(
        "deleteEndpoint",
        &h.call(
            "DELETE",
            &format!("/v1/webhook/endpoint.delete?endpoint_id={id}"),
            KEY_A,
            None,
        )
        .await,
        200,
    );
    assert_eq!(deleted, json!({"endpoint_id": id, "deleted": true}));
    h.expect(
        "deleteEndpoint",
        &h.call(
            "DELETE",
            &format!("/v1/webhook/endpoint.delete?endpoint_id={id}"),
            KEY_A,
            None,
        )
        .await,
        404,
    );
    h.expect(
        "deleteEndpoint",
        &h.call("DELETE", "/v1/webhook/endpoint.delete", KEY_A, None).await,
        400,
    );
}
