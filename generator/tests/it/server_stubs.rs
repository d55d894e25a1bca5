//! The generated routers over real HTTP on loopback: credentials refused with 401 before the
//! body is read, and every kind of bad request refused with the status and error body the
//! spec documents. The implementations here are small fixtures; the reference servers are
//! the full ones.

use crate::support;

use std::sync::{Arc, Mutex};

use codegen_runtime::server::{Credential, Problem, ProblemKind, Segment};
use serde_json::json;
use support::{assert_documented, send, serve, spec};

const KEY: &str = "good-key";

fn principal(credentials: &[Credential]) -> Option<String> {
    credentials.iter().find(|c| c.value == KEY).map(|c| c.value.clone())
}

// ------------------------------------------------------------------ kejue

mod kejue_fixture {
    use super::*;
    use generated::kejue::{models, server::*};

    #[derive(Default)]
    pub struct Fixture {
        pub created: Mutex<Vec<models::WebhookCreate>>,
        pub updated: Mutex<Vec<models::WebhookUpdate>>,
    }

    pub fn response(id: &str) -> models::WebhookResponse {
        serde_json::from_value(json!({
            "id": id, "url": "https://example.com/h", "events": ["*"], "signing_method": "hmac_sha256",
            "scope_type": "global", "delivery_settings": {"timeout_ms": 5000, "max_retries": 3, "backoff_ms": 1000},
            "stats": {"total_deliveries": 0, "failed_deliveries": 0, "success_rate": 1.0}
        }))
        .unwrap()
    }

    impl Server for Fixture {
        type Principal = String;
        async fn authenticate(&self, credentials: &[Credential]) -> Option<String> {
            principal(credentials)
        }
        async fn list_webhooks(&self, _: String) -> ListWebhooksResponse {
            ListWebhooksResponse::Ok(vec![])
        }
        async fn create_webhook(&self, _: String, body: models::WebhookCreate) -> CreateWebhookResponse {
            self.created.lock().unwrap().push(body);
            CreateWebhookResponse::Created(response("w1"))
        }
        async fn get_webhook(&self, _: String, params: GetWebhookParams) -> GetWebhookResponse {
            if params.webhook_id == "w1" {
                GetWebhookResponse::Ok(response("w1"))
            } else {
                GetWebhookResponse::NotFound(models::HttpError {
                    detail: "Webhook not found".into(),
                })
            }
        }
        async fn delete_webhook(&self, _: String, _: DeleteWebhookParams) -> DeleteWebhookResponse {
            DeleteWebhookResponse::NoContent
        }
        async fn update_webhook(
            &self,
            _: String,
            _: UpdateWebhookParams,
            body: models::WebhookUpdate,
        ) -> UpdateWebhookResponse {
            self.updated.lock().unwrap().push(body);
            UpdateWebhookResponse::Ok(response("w1"))
        }
        async fn publish_event(&self, _: String, _: models::EventCreate) -> PublishEventResponse {
            PublishEventResponse::Accepted(serde_json::from_value(json!({"id": "msg_1", "deliveries": 0})).unwrap())
        }
        fn http_error_body(&self, problem: &Problem) -> models::HttpError {
            models::HttpError {
                detail: problem.message.clone(),
            }
        }
        fn http_validation_error_body(&self, problem: &Problem) -> models::HttpValidationError {
            let loc = problem
                .location
                .iter()
                .map(|s| match s {
                    Segment::Key(k) => models::ValidationErrorLocItem::String(k.clone()),
                    Segment::Index(i) => models::ValidationErrorLocItem::Integer((*i as i64).into()),
                })
                .collect();
            models::HttpValidationError {
                detail: vec![models::ValidationError {
                    loc,
                    msg: problem.message.clone(),
                    type_: problem.kind.code().into(),
                }],
            }
        }
    }
}

#[tokio::test]
async fn kejue_refuses_bad_requests_as_documented() {
    let api = spec("kejue");
    let fixture = Arc::new(kejue_fixture::Fixture::default());
    let served = serve(generated::kejue::server::router(fixture.clone())).await;
    let url = format!("{}/api/v1/webhooks", served.base);
    let json_key = [("content-type", "application/json"), ("x-api-key", KEY)];
    let valid = r#"{"url": "https://example.com/h", "events": ["call.ended"]}"#;

    // Credentials come first: a missing or wrong key is 401 even with a broken body.
    let answer = send("POST", &url, &[("content-type", "application/json")], Some("{broken")).await;
    assert_documented(&api, "createWebhook", &answer, 401);
    let answer = send(
        "POST",
        &url,
        &[("content-type", "application/json"), ("x-api-key", "wrong")],
        Some(valid),
    )
    .await;
    assert_documented(&api, "createWebhook", &answer, 401);
    let answer = send("GET", &url, &[], None).await;
    assert_documented(&api, "listWebhooks", &answer, 401);

    // Accepted, with defaults applied before the implementation sees the body.
    let answer = send("POST", &url, &json_key, Some(valid)).await;
    assert_documented(&api, "createWebhook", &answer, 201);
    let created = fixture
        .created
        .lock()
        .unwrap()
        .pop()
        .expect("the body reached the implementation");
    assert_eq!(*created.timeout_ms.get(), 5000);

    // Each kind of bad request: 422 with FastAPI's body, located.
    for (body, loc) in [
        ("{broken", json!(["body"])),
        (
            r#"{"url": "https://example.com/h", "events": ["x"], "timeout_ms": 999}"#,
            json!(["body", "timeout_ms"]),
        ),
        (
            r#"{"url": "https://example.com/h", "events": ["x"], "timeout_ms": "1000"}"#,
            json!(["body", "timeout_ms"]),
        ),
        (
            r#"{"url": "https://example.com/h", "events": ["x"], "signing_method": "md5"}"#,
            json!(["body", "signing_method"]),
        ),
        (
            r#"{"url": "https://example.com/h", "events": [1]}"#,
            json!(["body", "events", 0]),
        ),
        (r#"{"events": ["x"]}"#, json!(["body", "url"])),
        (r#"{"url": "not a url", "events": ["x"]}"#, json!(["body", "url"])),
        (r#"{"url": null, "events": ["x"]}"#, json!(["body", "url"])),
        ("[]", json!(["body"])),
    ] {
        let answer = send("POST", &url, &json_key, Some(body)).await;
        assert_documented(&api, "createWebhook", &answer, 422);
        assert_eq!(answer.body["detail"][0]["loc"], loc, "{body}: {}", answer.body);
    }
    // No body, and a body of the wrong media type.
    let answer = send("POST", &url, &[("x-api-key", KEY)], None).await;
    assert_documented(&api, "createWebhook", &answer, 422);
    let answer = send(
        "POST",
        &url,
        &[("x-api-key", KEY), ("content-type", "text/plain")],
        Some(valid),
    )
    .await;
    assert_documented(&api, "createWebhook", &answer, 422);
    assert_eq!(answer.body["detail"][0]["type"], "unsupported_media_type");

    // PATCH keeps absent and null apart on the way in.
    let patch = format!("{url}/w1");
    let answer = send("PATCH", &patch, &json_key, Some(r#"{"name": null}"#)).await;
    assert_documented(&api, "updateWebhook", &answer, 200);
    let update = fixture.updated.lock().unwrap().pop().unwrap();
    assert!(update.name.is_null() && update.persona_id.is_absent());

    // A body over the limit is 413, refused before it is read whole.
    let huge = format!(
        r#"{{"url": "https://example.com/h", "events": ["{}"]}}"#,
        "x".repeat(2 << 20)
    );
    let answer = send("POST", &url, &json_key, Some(&huge)).await;
    assert_eq!(answer.status, 413, "{answer:?}");

    // Unknown id: the implementation's documented 404.
    let answer = send("GET", &format!("{url}/nope"), &[("x-api-key", KEY)], None).await;
    assert_documented(&api, "getWebhook", &answer, 404);
    let answer = send("DELETE", &patch, &[("x-api-key", KEY)], None).await;
    assert_eq!((answer.status, answer.body), (204, serde_json::Value::Null));
}

// ------------------------------------------------------------------ kallima

mod kallima_fixture {
    use super::*;
    use generated::kallima::{models, server::*};

    #[derive(Default)]
    pub struct Fixture {
        pub rotations: Mutex<Vec<bool>>,
        /// The ids the handlers were given, as they show them.
        pub ids: Mutex<Vec<String>>,
    }

    fn response() -> models::WebhookResponse {
        serde_json::from_value(json!({
            "id": "aaaa0001-bbbb-0002-cccc-000300040005", "url": "https://x.example/h", "enabled": true,
            "created_at": "2026-04-23T10:00:00+00:00", "updated_at": "2026-04-23T10:00:00+00:00"
        }))
        .unwrap()
    }

    impl Server for Fixture {
        type Principal = String;
        async fn authenticate(&self, credentials: &[Credential]) -> Option<String> {
            principal(credentials)
        }
        async fn list_webhooks(&self, _: String) -> ListWebhooksResponse {
            ListWebhooksResponse::Ok(models::WebhookList {
                object: models::WebhookListObject::List,
                data: vec![],
            })
        }
        async fn create_webhook(&self, _: String, _: models::WebhookCreate) -> CreateWebhookResponse {
            CreateWebhookResponse::Created(response())
        }
        async fn get_webhook(&self, _: String, params: GetWebhookParams) -> GetWebhookResponse {
            self.ids.lock().unwrap().push(params.webhook_id.to_string());
            GetWebhookResponse::Ok(serde_json::from_value(serde_json::to_value(response()).unwrap()).unwrap())
        }
        async fn delete_webhook(&self, _: String, _: DeleteWebhookParams) -> DeleteWebhookResponse {
            DeleteWebhookResponse::NoContent
        }
        async fn update_webhook(
            &self,
            _: String,
            params: UpdateWebhookParams,
            _: models::WebhookUpdate,
        ) -> UpdateWebhookResponse {
            self.rotations.lock().unwrap().push(params.rotate_secret);
            UpdateWebhookResponse::Ok(response())
        }
        async fn publish_event(&self, _: String, _: models::EventCreate) -> PublishEventResponse {
            PublishEventResponse::Accepted(serde_json::from_value(json!({"id": "msg_1", "deliveries": 0})).unwrap())
        }
        fn http_error_body(&self, problem: &Problem) -> models::HttpError {
            models::HttpError {
                detail: problem.message.clone(),
            }
        }
        fn http_validation_error_body(&self, problem: &Problem) -> models::HttpValidationError {
            let loc = problem
                .location
                .iter()
                .map(|s| models::ValidationErrorLocItem::String(format!("{s:?}")))
                .collect();
            models::HttpValidationError {
                detail: vec![models::ValidationError {
                    loc,
                    msg: problem.message.clone(),
                    type_: problem.kind.code().into(),
                }],
            }
        }
    }
}

#[tokio::test]
async fn kallima_bearer_uuid_paths_and_query_defaults() {
    let api = spec("kallima");
    let fixture = Arc::new(kallima_fixture::Fixture::default());
    let served = serve(generated::kallima::server::router(fixture.clone())).await;
    let id = "aaaa0001-bbbb-0002-cccc-000300040005";
    let url = format!("{}/v1/webhooks/{id}", served.base);
    let bearer = format!("Bearer {KEY}");
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];

    for auth in ["", "Bearer", "Bearer wrong", "Basic Z29vZC1rZXk=", KEY] {
        let answer = send(
            "PATCH",
            &url,
            &[("authorization", auth), ("content-type", "application/json")],
            Some("{}"),
        )
        .await;
        assert_documented(&api, "updateWebhook", &answer, 401);
    }
    let answer = send("PATCH", &url, &headers, Some(r#"{"enabled": false}"#)).await;
    assert_documented(&api, "updateWebhook", &answer, 200);
    let answer = send("PATCH", &format!("{url}?rotate_secret=true"), &headers, Some("{}")).await;
    assert_documented(&api, "updateWebhook", &answer, 200);
    assert_eq!(
        *fixture.rotations.lock().unwrap(),
        vec![false, true],
        "the query default, then the value sent"
    );

    // A path parameter that is not a UUID, a query value that is not a boolean, a bad field.
    for (target, body) in [
        (format!("{}/v1/webhooks/not-a-uuid", served.base), "{}"),
        (format!("{url}?rotate_secret=maybe"), "{}"),
        (url.clone(), r#"{"enabled": "no"}"#),
        (url.clone(), r#"{"url": 5}"#),
    ] {
        let answer = send("PATCH", &target, &headers, Some(body)).await;
        assert_documented(&api, "updateWebhook", &answer, 422);
    }
    // The page gives `url` no format: any string is taken.
    let answer = send("PATCH", &url, &headers, Some(r#"{"url": "ftp//not a uri"}"#)).await;
    assert_documented(&api, "updateWebhook", &answer, 200);

    // A `format: uuid` parameter is a UUID value: either case reaches the handler canonical.
    for spelling in [id.to_owned(), id.to_uppercase()] {
        let answer = send(
            "GET",
            &format!("{}/v1/webhooks/{spelling}", served.base),
            &headers,
            None,
        )
        .await;
        assert_documented(&api, "getWebhook", &answer, 200);
    }
    assert_eq!(*fixture.ids.lock().unwrap(), vec![id.to_owned(), id.to_owned()]);
}

// ------------------------------------------------------------------ konpro

mod konpro_fixture {
    use super::*;
    use generated::konpro::{models, server::*};

    pub struct Fixture;

    fn endpoint() -> models::Endpoint {
        serde_json::from_value(json!({
            "endpoint_id": "e1", "url": "https://example.com/h", "secret": "whsec_1", "status": "enabled",
            "events": [], "username": "user123", "created_at": "2024-01-15T10:30:00Z"
        }))
        .unwrap()
    }

    impl Server for Fixture {
        type Principal = String;
        async fn authenticate(&self, credentials: &[Credential]) -> Option<String> {
            principal(credentials)
        }
        async fn create_endpoint(&self, _: String, _: models::EndpointCreate) -> CreateEndpointResponse {
            CreateEndpointResponse::Ok(endpoint())
        }
        async fn list_endpoints(&self, _: String) -> ListEndpointsResponse {
            ListEndpointsResponse::Ok(models::EndpointList {
                endpoints: vec![endpoint()],
            })
        }
        async fn update_endpoint(&self, _: String, _: models::EndpointUpdate) -> UpdateEndpointResponse {
            UpdateEndpointResponse::Ok(endpoint())
        }
        async fn delete_endpoint(&self, _: String, params: DeleteEndpointParams) -> DeleteEndpointResponse {
            DeleteEndpointResponse::Ok(models::EndpointDeleted {
                endpoint_id: params.endpoint_id,
                deleted: true,
            })
        }
        async fn set_endpoint_status(&self, _: String, _: models::EndpointStatusUpdate) -> SetEndpointStatusResponse {
            SetEndpointStatusResponse::Ok(endpoint())
        }
        async fn send_event(&self, _: String, _: models::EventCreate) -> SendEventResponse {
            SendEventResponse::Ok(serde_json::from_value(json!({"id": "msg_1", "deliveries": 0})).unwrap())
        }
        fn error_response_body(&self, problem: &Problem) -> models::ErrorResponse {
            let code = if problem.kind.is_credentials() {
                "unauthorized"
            } else {
                "invalid_parameter"
            };
            models::ErrorResponse {
                error: models::ErrorDetail {
                    code: code.into(),
                    message: problem.to_string(),
                },
            }
        }
    }
}

#[tokio::test]
async fn konpro_refuses_with_400_and_its_error_envelope() {
    let api = spec("konpro");
    let served = serve(generated::konpro::server::router(Arc::new(konpro_fixture::Fixture))).await;
    let base = format!("{}/v1/webhook", served.base);
    let headers = [("x-api-key", KEY), ("content-type", "application/json")];

    let answer = send(
        "PATCH",
        &format!("{base}/endpoint.update"),
        &[("content-type", "application/json")],
        Some("{}"),
    )
    .await;
    assert_documented(&api, "updateEndpoint", &answer, 401);
    for body in [
        r#"{"url": "https://example.com/new"}"#,
        r#"{"endpoint_id": "e1", "url": "http://example.com/new"}"#,
        r#"{"endpoint_id": 5}"#,
        r#"{"endpoint_id": "e1", "events": "video.updated"}"#,
        "not json",
    ] {
        let answer = send("PATCH", &format!("{base}/endpoint.update"), &headers, Some(body)).await;
        assert_documented(&api, "updateEndpoint", &answer, 400);
    }
    let answer = send(
        "PATCH",
        &format!("{base}/endpoint.update"),
        &headers,
        Some(r#"{"endpoint_id": "e1", "events": null}"#),
    )
    .await;
    assert_documented(&api, "updateEndpoint", &answer, 200);
    // A required query parameter, missing.
    let answer = send(
        "DELETE",
        &format!("{base}/endpoint.delete"),
        &[("x-api-key", KEY)],
        None,
    )
    .await;
    assert_documented(&api, "deleteEndpoint", &answer, 400);
    let answer = send(
        "DELETE",
        &format!("{base}/endpoint.delete?endpoint_id=e1"),
        &[("x-api-key", KEY)],
        None,
    )
    .await;
    assert_documented(&api, "deleteEndpoint", &answer, 200);
}

// ------------------------------------------------------------------ sendkit

mod sendkit_fixture {
    use super::*;
    use generated::sendkit::{models, server::*};

    pub struct Fixture;

    fn envelope() -> models::WebhookEnvelope {
        serde_json::from_value(json!({"success": true, "data": {
            "_id": "664a1b2c3d4e5f6a7b8c9d0e", "workspaceId": "ws_1", "name": "CRM", "url": "https://e.x/h",
            "events": [], "retryAttempts": 3, "timeoutMs": 10000, "status": "active", "createdBy": "user_1",
            "createdAt": "2024-06-01T10:00:00.000Z", "updatedAt": "2024-06-01T10:00:00.000Z"
        }}))
        .unwrap()
    }

    impl Server for Fixture {
        type Principal = String;
        async fn authenticate(&self, credentials: &[Credential]) -> Option<String> {
            principal(credentials)
        }
        async fn list_webhooks(&self, _: String) -> ListWebhooksResponse {
            ListWebhooksResponse::Ok(models::WebhookListEnvelope {
                success: true,
                data: vec![],
            })
        }
        async fn create_webhook(&self, _: String, _: models::WebhookCreate) -> CreateWebhookResponse {
            CreateWebhookResponse::Created(envelope())
        }
        async fn get_webhook(&self, _: String, _: GetWebhookParams) -> GetWebhookResponse {
            GetWebhookResponse::Ok(envelope())
        }
        async fn update_webhook(
            &self,
            _: String,
            _: UpdateWebhookParams,
            _: models::WebhookUpdate,
        ) -> UpdateWebhookResponse {
            UpdateWebhookResponse::Ok(envelope())
        }
        async fn delete_webhook(&self, _: String, params: DeleteWebhookParams) -> DeleteWebhookResponse {
            DeleteWebhookResponse::Ok(models::WebhookDeletedEnvelope {
                success: true,
                data: models::WebhookDeleted { id: params.id },
            })
        }
        async fn publish_event(&self, _: String, _: models::EventCreate) -> PublishEventResponse {
            PublishEventResponse::Accepted(
                serde_json::from_value(json!({"success": true, "data": {"id": "msg_1", "deliveries": 0}})).unwrap(),
            )
        }
        fn error_response_body(&self, problem: &Problem) -> models::ErrorResponse {
            let (error, code) = match problem.kind {
                ProblemKind::MissingCredentials | ProblemKind::InvalidCredentials => ("Unauthorized", 401),
                ProblemKind::BodyTooLarge => ("Payload Too Large", 413),
                _ => ("Bad Request", 400),
            };
            models::ErrorResponse {
                error: error.into(),
                message: problem.to_string(),
                code,
            }
        }
    }
}

#[tokio::test]
async fn sendkit_accepts_either_credential_and_refuses_with_400() {
    let api = spec("sendkit");
    let served = serve(generated::sendkit::server::router(Arc::new(sendkit_fixture::Fixture))).await;
    let url = format!("{}/v1/webhooks", served.base);
    let bearer = format!("Bearer {KEY}");
    let body = r#"{"name": "CRM", "url": "https://e.x/h", "events": ["email.replied"]}"#;
    for auth in [("x-api-key", KEY), ("authorization", bearer.as_str())] {
        let answer = send("POST", &url, &[auth, ("content-type", "application/json")], Some(body)).await;
        assert_documented(&api, "createWebhook", &answer, 201);
    }
    let answer = send(
        "POST",
        &url,
        &[("x-api-key", "sk_wrong"), ("content-type", "application/json")],
        Some(body),
    )
    .await;
    assert_documented(&api, "createWebhook", &answer, 401);
    let answer = send("GET", &url, &[], None).await;
    assert_documented(&api, "listWebhooks", &answer, 401);
    for bad in [
        r#"{"name": "  ", "url": "https://e.x/h", "events": []}"#,
        r#"{"name": "CRM", "url": "https://e.x/h"}"#,
        r#"{"name": "CRM", "url": "https://e.x/h", "events": [], "secret": null}"#,
        r#"{"name": "CRM", "url": "nope", "events": []}"#,
    ] {
        let answer = send(
            "POST",
            &url,
            &[("x-api-key", KEY), ("content-type", "application/json")],
            Some(bad),
        )
        .await;
        assert_documented(&api, "createWebhook", &answer, 400);
    }
    let answer = send(
        "PATCH",
        &format!("{url}/664a1b2c3d4e5f6a7b8c9d0e"),
        &[("x-api-key", KEY), ("content-type", "application/json")],
        Some(r#"{"status": "paused"}"#),
    )
    .await;
    assert_documented(&api, "updateWebhook", &answer, 400);
}
