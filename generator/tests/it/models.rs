//! The generated models at runtime: each bound and one past it, each enum value and one
//! outside, the tri-state both ways, defaults, and errors that name field, bound and value.

use codegen_runtime::Nullable;
use generated::{kallima, kejue, konpro, sendkit};
use serde_json::{Value, json};

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn kejue_create(extra: Value) -> Result<kejue::models::WebhookCreate, String> {
    let mut body = json!({"url": "https://example.com/hook", "events": ["call.ended"]});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    parse(body)
}

#[test]
fn defaults_are_applied_when_fields_are_absent() {
    let body = kejue_create(json!({})).unwrap();
    assert_eq!(body.signing_method, kejue::models::WebhookSigningMethod::HmacSha256);
    assert_eq!(body.scope_type, kejue::models::WebhookScopeType::Global);
    assert_eq!(*body.timeout_ms.get(), 5000);
    assert_eq!(*body.max_retries.get(), 3);
    assert_eq!(body.name, Nullable::Absent);
    let created: kallima::models::WebhookCreate = parse(json!({"url": "https://x.example/h"})).unwrap();
    assert!(created.enabled, "kallima's enabled defaults to true");
}

#[test]
fn integer_bounds_and_one_past_each() {
    for (field, min, max) in [("timeout_ms", 1000, 30000), ("max_retries", 0, 10)] {
        for ok in [min, min + 1, max - 1, max] {
            assert!(kejue_create(json!({ field: ok })).is_ok(), "{field}={ok}");
        }
        for bad in [min - 1, max + 1] {
            let e = kejue_create(json!({ field: bad })).unwrap_err();
            assert!(e.contains(field) && e.contains(&bad.to_string()), "{field}={bad}: {e}");
        }
    }
    let e = kejue_create(json!({"timeout_ms": 999})).unwrap_err();
    assert!(
        e.starts_with("timeout_ms must be at least 1000, got 999 (minimum)"),
        "{e}"
    );
    let e = kejue_create(json!({"timeout_ms": 30001})).unwrap_err();
    assert!(
        e.starts_with("timeout_ms must be at most 30000, got 30001 (maximum)"),
        "{e}"
    );
    // Wrong types: a fraction, a numeric string, a value past 64 bits.
    for bad in [json!(1500.5), json!("1500"), json!(18446744073709551616u128 as f64)] {
        assert!(kejue_create(json!({ "timeout_ms": bad })).is_err(), "{bad}");
    }
    assert!(
        parse::<kejue::models::WebhookCreate>(
            json!({"url": "https://e.x/", "events": [], "timeout_ms": 99999999999999999999u128 as f64})
        )
        .is_err()
    );
}

#[test]
fn constrained_types_cannot_be_built_out_of_range() {
    use kejue::models::{WebhookCreateMaxRetries, WebhookCreateTimeoutMs, WebhookCreateUrl};
    assert!(WebhookCreateTimeoutMs::new(1000).is_ok());
    assert_eq!(WebhookCreateTimeoutMs::new(30001).unwrap_err().rule, "maximum");
    assert_eq!(WebhookCreateMaxRetries::try_from(-1).unwrap_err().rule, "minimum");
    assert_eq!(WebhookCreateUrl::try_from("").unwrap_err().rule, "minLength");
    assert_eq!(WebhookCreateUrl::try_from("/relative").unwrap_err().rule, "format");
    let value: i64 = WebhookCreateTimeoutMs::new(2000).unwrap().into();
    assert_eq!(value, 2000);
}

#[test]
fn string_lengths_and_formats() {
    let long = |n: usize| format!("https://example.com/{}", "a".repeat(n - "https://example.com/".len()));
    assert!(kejue_create(json!({"url": long(2083)})).is_ok());
    let e = kejue_create(json!({"url": long(2084)})).unwrap_err();
    assert!(
        e.starts_with("url must be at most 2083 characters long, got 2084"),
        "{e}"
    );
    let e = kejue_create(json!({"url": ""})).unwrap_err();
    assert!(e.starts_with("url must be at least 1 characters long, got 0"), "{e}");
    for bad in ["not a uri", "/webhooks", "https://", "https://exa mple.com"] {
        let e = kejue_create(json!({ "url": bad })).unwrap_err();
        assert!(e.contains("must be a valid uri"), "{bad}: {e}");
    }
    // konpro: https only, by pattern.
    let ok: Result<konpro::models::EndpointCreate, _> = parse(json!({"url": "https://example.com/x"}));
    assert!(ok.is_ok());
    let e = parse::<konpro::models::EndpointCreate>(json!({"url": "http://example.com/x"})).unwrap_err();
    assert!(e.contains("must match the pattern `^https://[^\\s/?#@:]`"), "{e}");
    // kejue: HttpUrl, so http or https only.
    let e = kejue_create(json!({"url": "ftp://example.com/x"})).unwrap_err();
    assert!(
        e.contains("must match the pattern `^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@:]`"),
        "{e}"
    );
    assert!(kejue_create(json!({"url": "http://example.com/x"})).is_ok());
    assert!(
        kejue_create(json!({"url": "HTTPS://example.com/x"})).is_ok(),
        "a scheme has no case"
    );
    // kallima: uuid path parameters are values, the same in either case; date-times in answers.
    let lower = kallima::models::Uuid::try_from("aaaa0001-bbbb-0002-cccc-000300040005").unwrap();
    let upper = kallima::models::Uuid::try_from("AAAA0001-BBBB-0002-CCCC-000300040005").unwrap();
    assert_eq!(lower, upper);
    assert_eq!(upper.to_string(), "aaaa0001-bbbb-0002-cccc-000300040005");
    assert_eq!(kallima::models::Uuid::try_from("aaaa0001").unwrap_err().rule, "format");
    assert!(kallima::models::DateTime::try_from("2026-04-23T10:00:00+00:00").is_ok());
    assert!(kallima::models::DateTime::try_from("2026-13-23T10:00:00Z").is_err());
    // sendkit: the name must keep a character after trimming.
    assert!(parse::<sendkit::models::WebhookUpdate>(json!({"name": "CRM"})).is_ok());
    assert!(parse::<sendkit::models::WebhookUpdate>(json!({"name": ""})).is_err());
    assert!(parse::<sendkit::models::WebhookUpdate>(json!({"name": "   "})).is_err());
}

#[test]
fn every_enum_value_and_values_outside() {
    use kejue::models::WebhookSigningMethod;
    for method in WebhookSigningMethod::ALL {
        let body = kejue_create(json!({"signing_method": method.as_str()})).unwrap();
        assert_eq!(body.signing_method, *method);
        assert_eq!(method.as_str().parse::<WebhookSigningMethod>().unwrap(), *method);
    }
    for bad in [json!("HMAC_SHA256"), json!(""), json!("md5"), json!(1), json!(null)] {
        let e = kejue_create(json!({ "signing_method": bad })).unwrap_err();
        assert!(!e.is_empty(), "{bad}");
    }
    let e = kejue_create(json!({"signing_method": "md5"})).unwrap_err();
    assert!(e.contains("unknown variant `md5`") && e.contains("hmac_sha256"), "{e}");
    assert!(parse::<sendkit::models::WebhookUpdate>(json!({"status": "inactive"})).is_ok());
    assert!(parse::<sendkit::models::WebhookUpdate>(json!({"status": "paused"})).is_err());
}

#[test]
fn tri_state_keeps_absent_null_and_value_apart_both_ways() {
    use kejue::models::WebhookUpdate;
    let cases = [
        json!({}),
        json!({"name": null}),
        json!({"name": "Ops"}),
        json!({"persona_id": null, "timeout_ms": 2000}),
    ];
    let parsed: Vec<WebhookUpdate> = cases.iter().map(|c| parse(c.clone()).unwrap()).collect();
    assert_eq!(parsed[0].name, Nullable::Absent);
    assert_eq!(parsed[1].name, Nullable::Null);
    assert_eq!(parsed[2].name, Nullable::Value("Ops".to_owned()));
    assert_eq!(parsed[3].persona_id, Nullable::Null);
    for (case, value) in cases.iter().zip(&parsed) {
        assert_eq!(&serde_json::to_value(value).unwrap(), case, "round trip");
    }
    // A nullable field still checks its value.
    assert!(parse::<WebhookUpdate>(json!({"timeout_ms": 1})).is_err());
    assert!(parse::<WebhookUpdate>(json!({"timeout_ms": null})).is_ok());
}

#[test]
fn required_optional_and_nullable_fields() {
    // Required: missing is an error naming the field.
    let e = parse::<kejue::models::WebhookCreate>(json!({"events": []})).unwrap_err();
    assert!(e.contains("missing field `url`"), "{e}");
    // Required, not nullable: null is refused.
    assert!(parse::<kejue::models::WebhookCreate>(json!({"url": null, "events": []})).is_err());
    // Optional, not nullable: absent is None and stays absent; null is refused.
    let update: sendkit::models::WebhookUpdate = parse(json!({})).unwrap();
    assert_eq!(serde_json::to_value(&update).unwrap(), json!({}));
    assert!(parse::<sendkit::models::WebhookUpdate>(json!({"url": null})).is_err());
    // Unknown properties are ignored, as FastAPI does.
    assert!(kejue_create(json!({"extra": 1})).is_ok());
}

#[test]
fn responses_round_trip_the_documented_examples() {
    let example = json!({
        "created_at": "2026-04-23T10:00:00+00:00", "enabled": true,
        "events": ["humanization.completed", "humanization.failed"],
        "id": "aaaa0001-bbbb-0002-cccc-000300040005", "object": "webhook",
        "updated_at": "2026-04-23T10:00:00+00:00", "url": "https://your-service.example.com/webhooks/kallima"
    });
    let parsed: kallima::models::WebhookResponse = parse(example.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), example);
    assert!(parse::<kallima::models::WebhookResponse>(json!({"object": "list"})).is_err());
}

#[test]
fn objects_are_objects_not_arrays() {
    // serde's derive alone would read `[]` as a struct with every field absent.
    assert!(
        parse::<kejue::models::WebhookUpdate>(json!([]))
            .unwrap_err()
            .contains("invalid type: sequence")
    );
    assert!(parse::<kejue::models::WebhookCreate>(json!(["https://e.x/", []])).is_err());
    assert!(parse::<kejue::models::WebhookUpdate>(json!({})).is_ok());
}

#[test]
fn whole_number_floats_are_integers_in_3_1() {
    // JSON Schema 2020-12 (OpenAPI 3.1): 5000.0 and 5e3 are the integer 5000; 1000.5 is not.
    for ok in [json!(5000.0), json!(5e3), json!(5000)] {
        let body = kejue_create(json!({ "timeout_ms": ok })).unwrap();
        assert_eq!(*body.timeout_ms.get(), 5000);
    }
    let e = kejue_create(json!({"timeout_ms": 1000.5})).unwrap_err();
    assert!(e.contains("expected an integer"), "{e}");
    assert!(
        kejue_create(json!({"timeout_ms": 30001.0}))
            .unwrap_err()
            .contains("at most 30000")
    );
}
