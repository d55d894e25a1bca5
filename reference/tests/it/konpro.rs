//! konpro over real HTTP: https only, the secret unchanged by updates, `{"error": {...}}`.

use crate::support;

use codegen_runtime::rules::{StringRules, check_string};
use reference::Api;
use serde_json::json;
use support::{Harness, KEY_A, KEY_B};

/// The `pattern` of the `url` property of struct `name`.
fn url_pattern(model: &generator::model::Api, name: &str) -> String {
    use generator::model::{TypeKind, TypeRef};
    let def = model.types.iter().find(|t| t.name == name).expect("the struct");
    let TypeKind::Struct(s) = &def.kind else {
        panic!("{name} is not a struct")
    };
    let url = s.fields.iter().find(|f| f.wire_name == "url").expect("a url field");
    let TypeRef::Named(id) = model.unalias(&url.ty.ty) else {
        panic!("url is not constrained")
    };
    match &model.type_def(*id).kind {
        TypeKind::Constrained(c) => c.rules.pattern.clone().expect("url has a pattern"),
        other => panic!("url is {other:?}"),
    }
}

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
}

#[tokio::test]
async fn an_https_url_needs_a_host_in_the_spec_and_the_server() {
    let h = Harness::start(Api::Konpro).await;
    // The spec's own pattern refuses a hostless URL, so a validator that reads `format: uri`
    // as the generic RFC 3986 grammar (Schemathesis) agrees that it is invalid.
    let patterns: Vec<String> = ["EndpointCreate", "EndpointUpdate"]
        .iter()
        .map(|name| url_pattern(&h.model, name))
        .collect();
    for hostless in ["https://", "https://:443/x", "https:///path", "https://@/x"] {
        for pattern in &patterns {
            let rules = StringRules {
                pattern: Some(pattern),
                ..StringRules::default()
            };
            assert!(
                check_string("url", hostless, &rules).is_err(),
                "{pattern} admits {hostless}"
            );
        }
        let body = json!({ "url": hostless });
        // The server refuses it too, with the documented bad-input answer.
        let answer = h.expect(
            "createEndpoint",
            &h.call("POST", "/v1/webhook/endpoint.add", KEY_A, Some(body)).await,
            400,
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("body.url"),
            "{answer}"
        );
    }
    let created = h.expect(
        "createEndpoint",
        &h.call(
            "POST",
            "/v1/webhook/endpoint.add",
            KEY_A,
            Some(json!({"url": "https://user:pw@example.com:8443/h"})),
        )
        .await,
        200,
    );
    let id = created["endpoint_id"].as_str().unwrap();
    let answer = h.expect(
        "updateEndpoint",
        &h.call(
            "PATCH",
            "/v1/webhook/endpoint.update",
            KEY_A,
            Some(json!({"endpoint_id": id, "url": "https://"})),
        )
        .await,
        400,
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("body.url")
    );
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
