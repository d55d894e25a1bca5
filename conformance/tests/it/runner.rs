//! The runner against the reference servers (green, with the committed snapshots), and
//! against deliberately broken variants of one: each breakage is caught by the check that
//! should catch it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::extract::State;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use conformance::exec::{Settings, Target};
use conformance::plan::values::{Hint, Sampler};
use conformance::report::{Report, Status};
use conformance::snapshot::{SnapshotOutcome, Update};
use generator::model::{Operation, StatusSpec, TypeKind, TypeRef};
use reference::{Api, Store, Tenants};
use serde_json::Value;

use crate::support;

const KEY: &str = reference::EMBEDDED_KEYS[0];
const KEY_ALT: &str = reference::EMBEDDED_KEYS[1];

/// The model of `api`'s committed spec.
fn model(api: Api) -> generator::model::Api {
    generator::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{}.yaml", api.name()))).unwrap()
}

/// Serves `api` (its router passed through `wrap`) on loopback and runs its suite.
async fn run(api: Api, wrap: impl FnOnce(axum::Router) -> axum::Router, snapshots: Option<PathBuf>) -> Report {
    run_spec(api, model(api), wrap, snapshots).await
}

/// As [`run`], with the suite planned from `spec` (the committed spec, edited).
async fn run_spec(
    api: Api,
    spec: generator::model::Api,
    wrap: impl FnOnce(axum::Router) -> axum::Router,
    snapshots: Option<PathBuf>,
) -> Report {
    let store = Arc::new(Store::open(None).unwrap());
    let router = wrap(api.router(store, Arc::new(Tenants::new(&[KEY.into(), KEY_ALT.into()]))));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let suite = conformance::Suite {
        name: api.name().into(),
        api: spec,
        target: Target {
            base_url: format!("http://{address}{}", api.base_path()),
            token: Some(KEY.into()),
            token_alt: Some(KEY_ALT.into()),
            ca_certs: Vec::new(),
        },
        settings: Settings::default(),
        snapshots,
        operations: Vec::new(),
        options: Default::default(),
    };
    let report = conformance::run(suite, std::future::pending()).await.unwrap();
    let _ = stop.send(());
    let _ = server.await;
    report
}

fn snapshots(api: Api) -> Option<PathBuf> {
    Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots").join(api.name()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reference_server_keeps_its_spec_and_its_snapshots() {
    for api in Api::ALL {
        let report = run(api, |r| r, snapshots(api)).await;
        assert!(report.passed(), "{}", report.summary());
        assert!(report.count(Status::Passed) > 40, "{}", report.summary());
        assert_eq!(report.count(Status::Skipped), 0);
    }
}

/// Asserts that `case` failed, and that `check` is among its failures.
fn caught(report: &Report, case: &str, check: &str) {
    let result = report
        .cases
        .iter()
        .find(|c| c.name == case)
        .unwrap_or_else(|| panic!("no case {case}"));
    assert_eq!(
        result.status,
        Status::Failed,
        "{case} should fail:\n{}",
        report.summary()
    );
    assert!(
        result.failures.iter().any(|f| f.id == check),
        "{case}: expected {check}, got {:?}",
        result.failures
    );
    assert!(!report.passed());
}

// ---------------------------------------------------------------- broken variants

async fn edit_request(request: Request, edit: impl FnOnce(&mut Value)) -> Request {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut json) => {
            edit(&mut json);
            serde_json::to_vec(&json).unwrap().into()
        }
        Err(_) => bytes,
    };
    Request::from_parts(parts, Body::from(bytes))
}

async fn edit_response(response: Response, edit: impl FnOnce(&mut Value)) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut json) => {
            edit(&mut json);
            serde_json::to_vec(&json).unwrap()
        }
        Err(_) => bytes.to_vec(),
    };
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(bytes))
}

fn every_object(value: &mut Value, f: &mut impl FnMut(&mut serde_json::Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            f(map);
            map.values_mut().for_each(|v| every_object(v, f));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| every_object(v, f)),
        _ => {}
    }
}

#[tokio::test]
async fn an_off_by_one_bound_is_caught() {
    async fn off_by_one(request: Request, next: Next) -> Response {
        let request = edit_request(request, |j| {
            if j["timeout_ms"] == 30001 {
                j["timeout_ms"] = 30000.into();
            }
        })
        .await;
        next.run(request).await
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(off_by_one)), None).await;
    caught(
        &report,
        "createWebhook.timeout_ms.above_maximum",
        "negative_data_rejection",
    );
}

#[tokio::test]
async fn a_bad_enum_accepted_is_caught() {
    async fn any_enum(request: Request, next: Next) -> Response {
        let request = edit_request(request, |j| {
            if j["signing_method"] == "conformance-not-a-value" {
                j["signing_method"] = "none".into();
            }
        })
        .await;
        next.run(request).await
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(any_enum)), None).await;
    caught(
        &report,
        "createWebhook.signing_method.outside",
        "negative_data_rejection",
    );
}

#[tokio::test]
async fn a_default_not_applied_is_caught() {
    async fn wrong_default(request: Request, next: Next) -> Response {
        let create = request.method() == "POST";
        let request = edit_request(request, |j| {
            if create && j.is_object() && j.get("signing_method").is_none() {
                j["signing_method"] = "none".into();
            }
        })
        .await;
        next.run(request).await
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(wrong_default)), None).await;
    caught(&report, "createWebhook.signing_method.absent", "default_applied");
    // The valid request leaves every optional field out: its answer shows each default.
    caught(&report, "createWebhook.valid", "default_applied");
}

#[tokio::test]
async fn a_500_on_null_is_caught() {
    async fn crash_on_null(request: Request, next: Next) -> Response {
        let (parts, body) = request.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        if serde_json::from_slice::<Value>(&bytes)
            .is_ok_and(|j| j.as_object().is_some_and(|m| m.values().any(Value::is_null)))
        {
            return Response::builder()
                .status(500)
                .body(Body::from("Internal Server Error"))
                .unwrap();
        }
        next.run(Request::from_parts(parts, Body::from(bytes))).await
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(crash_on_null)), None).await;
    caught(&report, "createWebhook.name.null", "not_a_server_error");
    caught(&report, "updateWebhook.persona_id.null", "not_a_server_error");
}

#[tokio::test]
async fn a_field_reset_by_a_partial_update_is_caught() {
    async fn reset_events(request: Request, next: Next) -> Response {
        let patch = request.method() == "PATCH";
        let request = edit_request(request, |j| {
            if patch && j.get("events").is_none() {
                j["events"] = serde_json::json!(["reset"]);
            }
        })
        .await;
        next.run(request).await
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(reset_events)), None).await;
    caught(
        &report,
        "updateWebhook.stateful.partial_update.name",
        "partial_update_preserves",
    );
}

/// A server that drops a field the client set once another field is updated: the field is
/// gone from the read-back (it was not reset, which the test above plants).
#[tokio::test]
async fn a_field_dropped_by_a_partial_update_is_caught() {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static PATCHED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    async fn drop_events(request: Request, next: Next) -> Response {
        let path = request.uri().path().to_owned();
        let method = request.method().clone();
        let response = next.run(request).await;
        let seen = {
            let mut patched = PATCHED.lock().unwrap();
            let patched = patched.get_or_insert_with(HashSet::new);
            if method == "PATCH" && response.status().is_success() {
                patched.insert(path.clone());
            }
            patched.contains(&path)
        };
        if method == "GET" && seen {
            return edit_response(response, |j| {
                every_object(j, &mut |m| {
                    m.remove("events");
                })
            })
            .await;
        }
        response
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(drop_events)), None).await;
    caught(
        &report,
        "updateWebhook.stateful.partial_update.name",
        "partial_update_preserves",
    );
}

/// konpro's update, planted as a user's trial found it: `events` left out of an update is
/// reset to "all events" (`[]`). The partial update that sends only `url` sees it.
#[tokio::test]
async fn an_unsent_field_reset_by_an_update_is_caught() {
    async fn reset_events(request: Request, next: Next) -> Response {
        let update = request.uri().path().ends_with("endpoint.update");
        let request = edit_request(request, |j| {
            if update && j.get("events").is_none() {
                j["events"] = serde_json::json!([]);
            }
        })
        .await;
        next.run(request).await
    }
    let report = run(Api::Konpro, |r| r.layer(from_fn(reset_events)), None).await;
    caught(
        &report,
        "updateEndpoint.stateful.partial_update.url",
        "partial_update_preserves",
    );
}

/// sendkit documents two alternative security requirements (the API key header, or a
/// bearer token); this server only takes the first.
#[tokio::test]
async fn a_refused_second_security_alternative_is_caught() {
    async fn api_key_only(request: Request, next: Next) -> Response {
        if request.headers().get("x-api-key").is_none() {
            let body = serde_json::json!({"error": "Unauthorized", "message": "missing X-Api-Key", "code": 401});
            return Response::builder()
                .status(401)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
        }
        next.run(request).await
    }
    let report = run(Api::Sendkit, |r| r.layer(from_fn(api_key_only)), None).await;
    caught(
        &report,
        "listWebhooks.auth.BearerAuth.valid",
        "security_alternative_accepted",
    );
    caught(
        &report,
        "createWebhook.auth.BearerAuth.valid",
        "security_alternative_accepted",
    );
    let passed = |name: &str| {
        report
            .cases
            .iter()
            .any(|c| c.name == name && c.status == Status::Passed)
    };
    assert!(passed("listWebhooks.auth.ApiKeyAuth.valid"), "{}", report.summary());
    assert!(passed("listWebhooks.auth.BearerAuth.wrong"), "{}", report.summary());
}

/// kejue's spec with `additionalProperties: false` on the create body: the reference server,
/// which ignores unknown keys as FastAPI does, now accepts what the spec forbids; the same
/// server behind the strict layer keeps the edited spec.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_property_accepted_where_the_spec_forbids_it_is_caught() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml")).unwrap();
    let mut doc: Value = generator::load::parse(text, None).unwrap().root;
    doc["components"]["schemas"]["WebhookCreate"]["additionalProperties"] = Value::Bool(false);
    let closed = || generator::load_str(&doc.to_string(), None).unwrap();
    let report = run_spec(Api::Kejue, closed(), |r| r, None).await;
    caught(
        &report,
        "createWebhook.body.unknown_property",
        "negative_data_rejection",
    );
    let state = Arc::new(Strict {
        api: closed(),
        refused: Default::default(),
    });
    let strict_server = from_fn_with_state(state, strict);
    let report = run_spec(Api::Kejue, closed(), |r| r.layer(strict_server), None).await;
    assert!(report.passed(), "{}", report.summary());
}

// ---------------------------------------------------------------- strict but correct

/// A server stricter than the spec needs, and still correct: it refuses a whole-number
/// float (`10.0`) where the spec says integer, and a property the schema does not name where
/// `additionalProperties` is unspecified, both as the spec documents bad input (its 422 or
/// 400, with a body of the documented error schema). Many real servers do (pydantic in
/// strict mode, serde into `i64`, Go's `encoding/json`).
struct Strict {
    api: generator::model::Api,
    refused: std::sync::atomic::AtomicUsize,
}

/// Why `value` is refused by a strict reader of `ty`, if it is.
fn stricter_than_the_spec(api: &generator::model::Api, ty: &TypeRef, value: &Value) -> Option<String> {
    let ty = api.unalias(ty);
    if let Some(s) = api.struct_of(ty) {
        let object = value.as_object()?;
        for (key, v) in object {
            match s.fields.iter().find(|f| &f.wire_name == key) {
                Some(field) => {
                    if let Some(why) = stricter_than_the_spec(api, &field.ty.ty, v) {
                        return Some(why);
                    }
                }
                // Unspecified or `false`: a strict server refuses the key either way.
                None if matches!(s.additional, None | Some(None)) => return Some(format!("unknown property `{key}`")),
                None => {}
            }
        }
        return None;
    }
    let base = match ty {
        TypeRef::Named(id) => match &api.type_def(*id).kind {
            TypeKind::Constrained(c) => api.unalias(&c.base),
            _ => return None,
        },
        other => other,
    };
    match base {
        TypeRef::Integer(_) if value.is_f64() => Some(format!("{value} is not spelled as an integer")),
        TypeRef::Array(item) => value
            .as_array()?
            .iter()
            .find_map(|v| stricter_than_the_spec(api, item, v)),
        _ => None,
    }
}

/// The operation a request is for, by method and path template.
fn operation_for<'a>(api: &'a generator::model::Api, method: &str, path: &str) -> Option<&'a Operation> {
    let path = path.strip_prefix(api.base_path.trim_end_matches('/')).unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    api.operations.iter().find(|op| {
        let template: Vec<&str> = op.path.split('/').collect();
        op.method.as_str().eq_ignore_ascii_case(method)
            && template.len() == segments.len()
            && template
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
    })
}

async fn strict(State(strict): State<Arc<Strict>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let op = operation_for(&strict.api, parts.method.as_str(), parts.uri.path());
    let refusal = op.and_then(|op| {
        let body = op.body.as_ref()?;
        let json: Value = serde_json::from_slice(&bytes).ok()?;
        stricter_than_the_spec(&strict.api, &body.ty.ty, &json)?;
        // Bad input as the spec documents it: its 422 or 400, else another 4xx it lists.
        let documented = |code: u16| op.responses.iter().find(|r| r.status == StatusSpec::Code(code));
        let response = documented(422).or_else(|| documented(400))?;
        let StatusSpec::Code(status) = response.status else {
            return None;
        };
        let sampler = Sampler {
            api: &strict.api,
            tag: "strict",
        };
        let error = response
            .body
            .as_ref()
            .and_then(|b| sampler.value(&b.ty.ty, Hint::default()))?;
        Some((status, error))
    });
    if let Some((status, error)) = refusal {
        strict.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(error.to_string()))
            .unwrap();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_but_correct_servers_raise_no_false_alarm() {
    let mut refused = 0;
    for api in Api::ALL {
        let state = Arc::new(Strict {
            api: model(api),
            refused: Default::default(),
        });
        let layer = from_fn_with_state(state.clone(), strict);
        let report = run(api, |r| r.layer(layer), None).await;
        assert!(report.passed(), "{}", report.summary());
        let n = state.refused.load(std::sync::atomic::Ordering::Relaxed);
        eprintln!("{}: the strict server refused {n} requests the spec allows", api.name());
        refused += n;
    }
    assert!(refused > 0, "no case tried what a strict server refuses");
}

#[tokio::test]
async fn a_leaked_write_only_secret_is_caught() {
    async fn leak(request: Request, next: Next) -> Response {
        let response = next.run(request).await;
        edit_response(response, |j| {
            every_object(j, &mut |m| {
                if m.contains_key("signing_method") {
                    m.insert("secret".into(), "leaked".into());
                }
            })
        })
        .await
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(leak)), None).await;
    caught(
        &report,
        "createWebhook.stateful.write_only_not_returned",
        "write_only_not_returned",
    );
}

#[tokio::test]
async fn ignored_auth_is_caught() {
    async fn let_everyone_in(mut request: Request, next: Next) -> Response {
        if !request
            .headers()
            .get("x-api-key")
            .is_some_and(|k| k == KEY || k == KEY_ALT)
        {
            request.headers_mut().insert("x-api-key", KEY.parse().unwrap());
        }
        next.run(request).await
    }
    let report = run(Api::Kejue, |r| r.layer(from_fn(let_everyone_in)), None).await;
    caught(&report, "listWebhooks.auth.none", "ignored_auth");
    caught(&report, "createWebhook.auth.wrong", "ignored_auth");
}

#[tokio::test]
async fn another_tenants_resource_visible_is_caught() {
    async fn one_tenant(mut request: Request, next: Next) -> Response {
        if request
            .headers()
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap_or_default().ends_with(KEY_ALT))
        {
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {KEY}").parse().unwrap());
        }
        next.run(request).await
    }
    let report = run(Api::Kallima, |r| r.layer(from_fn(one_tenant)), None).await;
    caught(&report, "getWebhook.tenant.isolated", "tenant_isolation");
    caught(&report, "deleteWebhook.tenant.isolated", "tenant_isolation");
}

/// The other tenant's list cannot be judged when it answers 500: the isolation case says so
/// (an error naming why), and never passes on the half it did not judge.
#[tokio::test]
async fn an_isolation_list_that_cannot_be_judged_is_not_a_pass() {
    async fn list_breaks_for_others(request: Request, next: Next) -> Response {
        let other = request
            .headers()
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap_or_default().ends_with(KEY_ALT));
        if other && request.method() == "GET" && request.uri().path().ends_with("/webhooks") {
            return Response::builder().status(500).body(Body::from("down")).unwrap();
        }
        next.run(request).await
    }
    let report = run(Api::Kallima, |r| r.layer(from_fn(list_breaks_for_others)), None).await;
    let case = report
        .cases
        .iter()
        .find(|c| c.name == "getWebhook.tenant.isolated")
        .unwrap();
    assert_eq!(case.status, Status::Error, "{}", report.summary());
    assert!(
        case.error
            .as_deref()
            .is_some_and(|e| e.contains("tenant isolation not judged: the other tenant's list answered 500")),
        "{:?}",
        case.error
    );
}

#[tokio::test]
async fn a_response_missing_a_required_field_is_caught() {
    async fn drop_url(request: Request, next: Next) -> Response {
        let response = next.run(request).await;
        edit_response(response, |j| {
            every_object(j, &mut |m| {
                if m.contains_key("_id") {
                    m.remove("url");
                }
            })
        })
        .await
    }
    let report = run(Api::Sendkit, |r| r.layer(from_fn(drop_url)), None).await;
    caught(&report, "createWebhook.valid", "response_schema_conformance");
    caught(&report, "getWebhook.valid", "response_schema_conformance");
}

/// Every error message gets " (changed)" appended: a changed answer for the snapshots.
async fn renamed(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    edit_response(response, |j| {
        every_object(j, &mut |m| {
            if let Some(Value::String(message)) = m.get_mut("message") {
                message.push_str(" (changed)");
            }
        })
    })
    .await
}

/// A fresh copy of the committed snapshots of `api` in the test's scratch folder.
fn copy_of_snapshots(api: Api, folder: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(folder);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(snapshots(api).unwrap()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn pending_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snap.new"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_changed_answer_is_a_pending_snapshot_not_a_pass() {
    let dir = copy_of_snapshots(Api::Sendkit, "pending-snapshots");
    let report = run(Api::Sendkit, |r| r.layer(from_fn(renamed)), Some(dir.clone())).await;
    let changed: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| c.snapshot == Some(SnapshotOutcome::Changed))
        .map(|c| c.name.as_str())
        .collect();
    assert!(changed.contains(&"getWebhook.path.id.unknown"), "{changed:?}");
    assert!(!report.passed(), "a snapshot mismatch fails the run");
    let summary = report.summary();
    let listed = summary
        .split_once("SNAPSHOTS CHANGED")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert!(
        listed
            .lines()
            .any(|l| l.trim_start().starts_with("getWebhook.path.id.unknown (")),
        "{summary}"
    );
    let get_row = summary
        .lines()
        .find(|l| l.trim_start().starts_with("getWebhook "))
        .unwrap();
    assert!(
        get_row.contains("changed") && !get_row.contains(" 0 changed"),
        "{get_row}"
    );
    if Update::from_env().unwrap().writes_pending() {
        assert!(
            dir.join("getWebhook.path.id.unknown.snap.new").exists(),
            "the change waits for `cargo insta review`"
        );
    }
}

/// A snapshot of a case the plan no longer has (renamed or removed) is named; on CI it fails
/// the run, and accepting (`INSTA_UPDATE=always`) removes it.
#[tokio::test]
async fn a_stale_snapshot_is_found() {
    let dir = copy_of_snapshots(Api::Konpro, "stale-snapshots");
    std::fs::write(
        dir.join("createEndpoint.renamed_case.snap"),
        "---\nsource: x\n---\nold\n",
    )
    .unwrap();
    let report = run(Api::Konpro, |r| r, Some(dir.clone())).await;
    let stale = &report.snapshots.as_ref().unwrap().unreferenced;
    assert_eq!(stale, &["createEndpoint.renamed_case.snap".to_owned()]);
    let update = Update::from_env().unwrap();
    assert_eq!(report.passed(), update != Update::Nothing, "{}", report.summary());
    let kept = dir.join("createEndpoint.renamed_case.snap").exists();
    assert_eq!(kept, !matches!(update, Update::Accept | Update::Force));
}

/// Two suites in one process at once, each with snapshots: the one whose server keeps its
/// answers matches everywhere, the other's changes are its own, and neither run's outcome
/// leaks into the other's (insta's process-wide panic hook is not involved any more).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_suites_at_once_each_get_their_own_snapshot_outcomes() {
    let update = Update::from_env().unwrap();
    let (kept, changed) = (
        copy_of_snapshots(Api::Kejue, "concurrent-kejue"),
        copy_of_snapshots(Api::Sendkit, "concurrent-sendkit"),
    );
    let a = tokio::spawn(run(Api::Kejue, |r| r, Some(kept.clone())));
    let b = tokio::spawn(run(Api::Sendkit, |r| r.layer(from_fn(renamed)), Some(changed.clone())));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());

    assert!(a.passed(), "{}", a.summary());
    assert!(
        a.cases.iter().all(|c| c.snapshot == Some(SnapshotOutcome::Matched)),
        "{}",
        a.summary()
    );
    assert_eq!(pending_files(&kept), Vec::<String>::new());
    for entry in std::fs::read_dir(&kept).unwrap() {
        let path = entry.unwrap().path();
        let committed = snapshots(Api::Kejue).unwrap().join(path.file_name().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(committed).unwrap());
    }

    assert!(!b.passed());
    let outcome = |name: &str| b.cases.iter().find(|c| c.name == name).unwrap().snapshot;
    assert_eq!(outcome("getWebhook.path.id.unknown"), Some(SnapshotOutcome::Changed));
    assert_eq!(outcome("createWebhook.valid"), Some(SnapshotOutcome::Matched));
    let mut expected: Vec<String> = b
        .cases
        .iter()
        .filter(|c| c.snapshot == Some(SnapshotOutcome::Changed))
        .map(|c| format!("{}.snap.new", c.name))
        .collect();
    expected.sort();
    assert!(!expected.is_empty());
    if update.writes_pending() {
        assert_eq!(pending_files(&changed), expected);
    } else {
        assert_eq!(pending_files(&changed), Vec::<String>::new());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_without_links_raises_no_false_alarm() {
    // Without links the runner infers them (POST /webhooks answers an `id`, matched to
    // /webhooks/{webhook_id}) and makes its own resources. A server that keeps its spec
    // still passes.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml")).unwrap();
    let mut doc: Value = generator::load::parse(text, None).unwrap().root;
    support::strip_links(&mut doc);
    let api = generator::load_str(&doc.to_string(), None).unwrap();
    let plan = conformance::plan(&api, "cfm-00000000", &[]);
    assert!(plan.resources.iter().any(|r| r.inferred), "{:?}", plan.notes);

    let store = Arc::new(Store::open(None).unwrap());
    let router = Api::Kejue.router(store, Arc::new(Tenants::new(&[KEY.into()])));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = reference::serve_router(Api::Kejue, listener, router, Arc::new(Store::open(None).unwrap())).unwrap();
    let suite = conformance::Suite {
        name: "kejue-without-links".into(),
        api,
        target: Target {
            base_url: server.base_url.clone(),
            token: Some(KEY.into()),
            token_alt: None,
            ca_certs: Vec::new(),
        },
        settings: Settings::default(),
        snapshots: None,
        operations: Vec::new(),
        options: Default::default(),
    };
    let report = conformance::run(suite, std::future::pending()).await.unwrap();
    server.stop().await.unwrap();
    assert!(report.passed(), "{}", report.summary());
    assert!(
        report
            .cases
            .iter()
            .any(|c| c.name == "getWebhook.valid" && c.status == Status::Passed)
    );
}
