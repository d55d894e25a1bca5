//! Judging answers against the spec. Each check has a name (as Schemathesis names them),
//! the spec rule it enforces (a JSON pointer into the spec), and a message that shows what
//! was sent and what came back. A spec that says nothing lets a case pass.

use codegen_runtime::pointer;
use generator::model::validate::validate;
use generator::model::{Api, Media, Operation, Response, StatusSpec};
use serde_json::Value;

use crate::exec::{Exchange, Received, Step, evaluate_link, excerpt};
use crate::plan::{Case, Expect, Plan, Stateful};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    /// Where in the spec the rule is (JSON pointer).
    pub rule: String,
    pub message: String,
}

fn pass(name: &'static str, rule: &str) -> Check {
    Check {
        name,
        passed: true,
        rule: rule.to_owned(),
        message: String::new(),
    }
}

fn fail(name: &'static str, rule: &str, message: String) -> Check {
    Check {
        name,
        passed: false,
        rule: rule.to_owned(),
        message,
    }
}

fn status_key(r: &Response) -> String {
    match r.status {
        StatusSpec::Code(c) => c.to_string(),
        StatusSpec::Range(d) => format!("{d}XX"),
        StatusSpec::Default => "default".into(),
    }
}

/// Every check of one case.
pub fn check(plan: &Plan, case: &Case, exchange: &Exchange) -> Vec<Check> {
    let api = &plan.api;
    let Some(op) = api.operation(&case.operation) else {
        return Vec::new();
    };
    let Some(step) = &exchange.main else { return Vec::new() };
    let Ok(received) = &step.received else {
        return Vec::new();
    };
    let mut out = answer_checks(api, op, received);
    out.push(expected_outcome(op, case, received));
    if let Some(c) = values_echoed(op, case, step, received) {
        out.push(c);
    }
    out.extend(stateful(plan, case, exchange, received));
    out
}

/// The checks every answer gets, whatever the case: also used on read-backs.
pub fn answer_checks(api: &Api, op: &Operation, received: &Received) -> Vec<Check> {
    let responses = pointer::join(&op.origin, "responses");
    let mut out = Vec::new();
    out.push(if received.status >= 500 {
        fail(
            "not_a_server_error",
            &responses,
            format!(
                "{} answered {}: a 5xx is never right\n{}",
                op.operation_id,
                received.status,
                excerpt(&received.text)
            ),
        )
    } else {
        pass("not_a_server_error", &responses)
    });
    let Some(response) = op.response_for(received.status) else {
        if !op.responses.is_empty() {
            let listed: Vec<String> = op.responses.iter().map(status_key).collect();
            out.push(fail(
                "status_code_conformance",
                &responses,
                format!(
                    "status {} is not documented (documented: {})",
                    received.status,
                    listed.join(", ")
                ),
            ));
        }
        return out;
    };
    let rule = pointer::join(&responses, &status_key(response));
    out.push(pass("status_code_conformance", &rule));
    out.extend(content_checks(api, response, received, &rule));
    out
}

/// The answer's media type is one the response documents (any of them: `loginUser` may
/// answer XML or JSON), and a JSON answer matches the documented schema. An answer in a
/// documented type that is not JSON is not read.
fn content_checks(api: &Api, response: &Response, received: &Received, rule: &str) -> Vec<Check> {
    let mut out = Vec::new();
    let media_rule = pointer::join(rule, "content");
    let answered = response
        .media_types
        .iter()
        .find(|m| codegen_runtime::media::matches(&received.content_type, m.content_type()));
    if !response.media_types.is_empty() {
        out.push(match answered {
            Some(_) => pass("content_type_conformance", &media_rule),
            None => {
                let documented: Vec<&str> = response.media_types.iter().map(Media::content_type).collect();
                fail(
                    "content_type_conformance",
                    &media_rule,
                    format!("expected {}, got {:?}", documented.join(" or "), received.content_type),
                )
            }
        });
    }
    let Some(body) = &response.body else { return out };
    let json_answer = answered.is_none_or(|m| matches!(m, Media::Json(_)));
    if !matches!(body.media, Media::Json(_)) || !json_answer {
        return out;
    }
    let schema_rule = pointer::join(&pointer::join(&media_rule, body.media.content_type()), "schema");
    match &received.json {
        None => out.push(fail(
            "response_schema_conformance",
            &schema_rule,
            format!("the body is not JSON: {}", excerpt(&received.text)),
        )),
        Some(json) => {
            let violations = validate(api, &body.ty, body.nullable, json);
            out.push(if violations.is_empty() {
                pass("response_schema_conformance", &schema_rule)
            } else {
                let list: Vec<String> = violations
                    .iter()
                    .take(5)
                    .map(|v| format!("  at {}: {}", if v.at.is_empty() { "/" } else { &v.at }, v.message))
                    .collect();
                fail(
                    "response_schema_conformance",
                    &schema_rule,
                    format!(
                        "the body does not match the documented schema:\n{}\n{}",
                        list.join("\n"),
                        excerpt(&received.text)
                    ),
                )
            });
        }
    }
    out
}

fn expected_outcome(op: &Operation, case: &Case, received: &Received) -> Check {
    let status = received.status;
    let rule = pointer::join(&op.origin, "responses");
    let documents = |code: u16| op.responses.iter().any(|r| r.status == StatusSpec::Code(code));
    let (ok, wanted) = match case.expect {
        Expect::Accepted if case.may_be_missing => (
            (200..300).contains(&status) || status == 404,
            "a 2xx, or 404 for a resource the runner could not make: the spec allows this request",
        ),
        Expect::Accepted => ((200..300).contains(&status), "a 2xx: the spec allows this request"),
        Expect::Rejected => ((400..500).contains(&status), "a 4xx: the spec forbids this request"),
        Expect::Either => (
            status < 500,
            "no 5xx: the spec allows this spelling, servers may refuse it",
        ),
        Expect::Unauthorized => (
            status == 401 || status == 403,
            "401 or 403: the credential is missing or wrong",
        ),
        Expect::NotFound if documents(404) => (
            status == 404 || (case.stateful == Stateful::Isolation && status == 403),
            "404: nothing by that id (for this tenant)",
        ),
        Expect::NotFound => ((400..500).contains(&status), "a 4xx: nothing by that id"),
    };
    if ok {
        pass("expected_outcome", &rule)
    } else {
        fail(
            "expected_outcome",
            &rule,
            format!(
                "{}: expected {wanted}, got {status}\n{}",
                case.varied,
                excerpt(&received.text)
            ),
        )
    }
}

/// An accepted value comes back as sent where the answer carries it (URIs compared as URIs).
fn values_echoed(op: &Operation, case: &Case, step: &Step, received: &Received) -> Option<Check> {
    if case.expect != Expect::Accepted || !(200..300).contains(&received.status) {
        return None;
    }
    let edit = case.edit.as_ref()?;
    // A field left out shows its default; a field sent shows what was sent.
    let (sent, name) = match (&edit.value, &edit.default) {
        (Some(v), _) if !v.is_null() => (v, "values_echoed"),
        // On PATCH a left-out field means "unchanged", not "default".
        (None, Some(default)) if op.method != generator::model::Method::Patch => (default, "default_applied"),
        _ => return None,
    };
    if edit.raw.is_some() {
        return None;
    }
    let json = received.json.as_ref()?;
    let field = pointer::from_segments(&edit.path);
    // The field itself, or inside a one-object envelope (`{"success": true, "data": {...}}`).
    let got = json.pointer(&field).or_else(|| {
        json.as_object()?
            .values()
            .filter(|v| v.is_object())
            .find_map(|inner| inner.pointer(&field))
    })?;
    let rule = pointer::join(&op.origin, "requestBody");
    Some(if same(sent, got) {
        pass(name, &rule)
    } else if name == "default_applied" {
        let left_out = edit.path.join(".");
        fail(
            name,
            &rule,
            format!(
                "{} {}: {left_out} was left out, so its default {sent} applies; the answer has {got}",
                step.sent.method, step.sent.path
            ),
        )
    } else {
        fail(
            name,
            &rule,
            format!(
                "{} {}: sent {sent}, the answer has {got}",
                step.sent.method, step.sent.path
            ),
        )
    })
}

fn same(sent: &Value, got: &Value) -> bool {
    match (sent, got) {
        (Value::String(a), Value::String(b)) if a.contains("://") => normalize_uri(a) == normalize_uri(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => sent == got,
    }
}

/// Scheme and host are case-insensitive; a bare host equals host + `/`.
fn normalize_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    format!("{}://{}/{path}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
}

fn stateful(plan: &Plan, case: &Case, exchange: &Exchange, received: &Received) -> Vec<Check> {
    let rule = format!(
        "{}/links",
        plan.api
            .operation(&case.operation)
            .map_or(String::new(), |o| o.origin.clone())
    );
    let resource = exchange.resource.as_ref();
    let step = |label: &str| {
        exchange
            .steps
            .iter()
            .find(|s| s.label == label)
            .and_then(|s| s.received.as_ref().ok())
    };
    match &case.stateful {
        Stateful::None => Vec::new(),
        Stateful::PartialUpdate { field } => {
            if !(200..300).contains(&received.status) {
                return Vec::new();
            }
            // The read-back decides where there is one; only without a read operation does the
            // update's own answer stand in.
            let after = match step("read back") {
                Some(read) => read.json.as_ref(),
                None if exchange.steps.iter().any(|s| s.label == "read back") => None,
                None => received.json.as_ref(),
            };
            let (Some(before), Some(after)) = (resource, after) else {
                return vec![fail(
                    "partial_update_preserves",
                    &rule,
                    "nothing to compare: no resource or no readable answer".into(),
                )];
            };
            let mut changed = Vec::new();
            differences(before, after, "", &mut changed);
            let unexpected: Vec<&String> = changed
                .iter()
                .filter(|path| !path.ends_with(&format!("/{field}")) && !is_volatile(path))
                .collect();
            vec![if unexpected.is_empty() {
                pass("partial_update_preserves", &rule)
            } else {
                fail(
                    "partial_update_preserves",
                    &rule,
                    format!(
                        "sending only `{field}` also changed {}",
                        unexpected.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
            }]
        }
        Stateful::WriteOnly { fields } => {
            let secret = format!("conformance-secret-{}", plan.tag);
            let mut answers = vec![("create", received)];
            answers.extend(
                exchange
                    .steps
                    .iter()
                    .filter(|s| s.label == "read")
                    .filter_map(|s| s.received.as_ref().ok().map(|r| ("read", r))),
            );
            let leaks: Vec<String> = answers
                .iter()
                .filter_map(|(label, r)| {
                    let by_key = r.json.as_ref().is_some_and(|j| fields.iter().any(|f| has_key(j, f)));
                    (by_key || r.text.contains(&secret))
                        .then(|| format!("the {label} answer returns {}", fields.join(", ")))
                })
                .collect();
            vec![if leaks.is_empty() {
                pass("write_only_not_returned", &rule)
            } else {
                fail("write_only_not_returned", &rule, leaks.join("; "))
            }]
        }
        Stateful::DeletedIsGone => {
            if !(200..300).contains(&received.status) {
                return Vec::new();
            }
            let Some(after) = step("read back") else {
                return vec![fail("deleted_is_gone", &rule, "the read-back failed".into())];
            };
            let id = resource_id(plan, resource);
            let gone = after.status == 404
                || (after.status < 300 && id.as_ref().is_some_and(|id| !after.text.contains(id.as_str())));
            vec![if gone {
                pass("deleted_is_gone", &rule)
            } else {
                fail(
                    "deleted_is_gone",
                    &rule,
                    format!(
                        "after the delete, reading it back answered {}: {}",
                        after.status,
                        excerpt(&after.text)
                    ),
                )
            }]
        }
        Stateful::Isolation => {
            let mut out = Vec::new();
            if let Some(owner) = step("read back as the owner") {
                out.push(if (200..300).contains(&owner.status) {
                    pass("tenant_isolation", &rule)
                } else {
                    fail(
                        "tenant_isolation",
                        &rule,
                        format!(
                            "after the other tenant's {}, the owner reads {}",
                            case.operation, owner.status
                        ),
                    )
                });
            }
            if let (Some(list), Some(id)) = (step("list as the other tenant"), resource_id(plan, resource)) {
                out.push(if list.text.contains(&id) {
                    fail("tenant_isolation", &rule, format!("the other tenant's list shows {id}"))
                } else {
                    pass("tenant_isolation", &rule)
                });
            }
            out
        }
        Stateful::Rotation { field } => {
            let first = received.json.as_ref().and_then(|j| find_key(j, field));
            let second = step("rotate again")
                .and_then(|r| r.json.as_ref())
                .and_then(|j| find_key(j, field));
            vec![match (first, second) {
                (Some(a), Some(b)) if a != b && !a.is_null() => pass("rotation_changes_secret", &rule),
                (Some(a), Some(b)) if a == b => fail(
                    "rotation_changes_secret",
                    &rule,
                    format!("two rotations returned the same `{field}`"),
                ),
                _ => fail(
                    "rotation_changes_secret",
                    &rule,
                    format!("a rotation answered without `{field}`"),
                ),
            }]
        }
    }
}

/// The resource's id: the first linked value of its create answer.
fn resource_id(plan: &Plan, resource: Option<&Value>) -> Option<String> {
    let resources = plan.resources.as_ref()?;
    resources
        .links
        .iter()
        .flat_map(|l| l.parameters.iter().chain(&l.request_body))
        .find_map(|(_, e)| evaluate_link(e, resource).ok())
        .map(|v| crate::plan::wire_text(&v))
}

fn is_volatile(path: &str) -> bool {
    let last = pointer::last(path).unwrap_or_default().to_ascii_lowercase();
    last.contains("updated") || last.contains("modified")
}

fn differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let path = pointer::join(at, key);
                // A key on one side only (a secret shown at creation alone) is not a change of value.
                if let (Some(p), Some(q)) = (x.get(key), y.get(key)) {
                    differences(p, q, &path, out);
                }
            }
        }
        _ if a != b => out.push(at.to_owned()),
        _ => {}
    }
}

fn has_key(value: &Value, key: &str) -> bool {
    find_key(value, key).is_some()
}

fn find_key<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(key).or_else(|| map.values().find_map(|v| find_key(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_compare_as_uris() {
        assert!(same(
            &Value::from("HTTPS://Example.com"),
            &Value::from("https://example.com/")
        ));
        assert!(!same(
            &Value::from("https://example.com/a"),
            &Value::from("https://example.com/b")
        ));
    }

    const LOGIN: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /user/login:
    get:
      operationId: loginUser
      responses:
        '200':
          description: ok
          content:
            application/xml: {schema: {type: string}}
            application/json: {schema: {type: object, required: [token], properties: {token: {type: string}}}}
        '400': {description: refused}
";

    fn answer(status: u16, content_type: &str, text: &str) -> Received {
        Received {
            status,
            content_type: content_type.into(),
            text: text.into(),
            json: serde_json::from_str(text).ok(),
        }
    }

    fn verdicts(checks: &[Check]) -> Vec<(&'static str, bool)> {
        checks.iter().map(|c| (c.name, c.passed)).collect()
    }

    #[test]
    fn any_documented_media_type_conforms_and_only_json_is_schema_checked() {
        let api = generator::load_str(LOGIN, None).unwrap();
        let op = &api.operations[0];
        let xml = answer_checks(&api, op, &answer(200, "application/xml", "<token>x</token>"));
        assert!(xml.iter().all(|c| c.passed), "{xml:?}");
        assert!(!xml.iter().any(|c| c.name == "response_schema_conformance"));
        let bad_json = answer_checks(&api, op, &answer(200, "application/json", "{}"));
        assert!(verdicts(&bad_json).contains(&("response_schema_conformance", false)));
        let html = answer_checks(&api, op, &answer(200, "text/html", "<p>"));
        let failed = html
            .iter()
            .find(|c| !c.passed && c.name == "content_type_conformance")
            .unwrap();
        assert!(
            failed.message.contains("application/xml or application/json"),
            "{}",
            failed.message
        );
    }

    #[test]
    fn an_either_case_passes_on_any_answer_but_a_5xx() {
        let api = generator::load_str(LOGIN, None).unwrap();
        let op = &api.operations[0];
        let case = Case {
            name: "loginUser.x.either".into(),
            operation: "loginUser".into(),
            method: op.method,
            path: op.path.clone(),
            varied: "x".into(),
            auth: crate::plan::Auth::Primary,
            params: Vec::new(),
            body: crate::plan::RequestBody::None,
            body_links: Vec::new(),
            edit: None,
            expect: Expect::Either,
            needs_resource: false,
            may_be_missing: false,
            stateful: Stateful::None,
        };
        for (status, passes) in [(200, true), (400, true), (422, true), (500, false), (503, false)] {
            let check = expected_outcome(op, &case, &answer(status, "application/json", "{}"));
            assert_eq!(check.passed, passes, "{status}: {}", check.message);
        }
    }

    #[test]
    fn differences_name_paths() {
        let mut out = Vec::new();
        differences(
            &serde_json::json!({"a": 1, "b": {"c": 2}}),
            &serde_json::json!({"a": 1, "b": {"c": 3}, "d": 0}),
            "",
            &mut out,
        );
        assert_eq!(out, ["/b/c"]);
    }
}
