//! The runner against foreign specs (the public corpus), served by a mock that answers as
//! each spec documents: a run must raise no false alarm.
//!
//! The mock finds the operation by method and path, judges the request with the
//! generator's own validator, and answers a documented 4xx for a bad request and a
//! documented 2xx for a good one, each with a body sampled from the documented schema in
//! the documented media type (the first one listed: swagger-petstore3's `loginUser`
//! answers XML). It keeps what it is asked to create, so that an id it never made, or one
//! it deleted, names nothing (404), and it answers a create with what was sent (and the
//! defaults of what was left out) where the answer's schema has those keys: without that,
//! `values_echoed`, `default_applied`, `deleted_is_gone` and the `unknown` cases could not
//! hold, and would say nothing of the runner. Items under a collection it never created
//! into (`/auth/app-portal-access/{app_id}`) are taken to exist, as Prism takes them.
//! It reads each parameter in its style and form and multipart bodies field by field, as
//! `codegen_runtime::style` says (the reading generated servers share), so a runner that
//! writes a deepObject as one JSON value is refused, as a real server would refuse it.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use codegen_runtime::style::{self, Raw, Serialization, Style};
use conformance::exec::{Settings, Target};
use conformance::plan::values::{Hint, Sampler};
use conformance::report::{Report, Status};
use generator::model::validate::validate;
use generator::model::{Api, Media, Method, Operation, ParamLocation, StatusSpec, TypeKind, TypeRef};
use serde_json::Value;

/// With a colon: a spec's HTTP Basic scheme takes `user:password` (here an empty password),
/// and a credential without one stops the run.
const TOKEN: &str = "foreign-token-1:";
/// `TOKEN` as HTTP Basic credentials, as the runner sends it.
const TOKEN_AS_BASIC: &str = "Basic Zm9yZWlnbi10b2tlbi0xOg==";

struct Mock {
    api: Api,
    defects: Defects,
    /// What the mock judges bodies by: `api`, less what a planted defect ignores.
    body_api: Api,
    /// Ids made, by the collection path they were made in (`/pet` → {"1001"}).
    made: Mutex<HashMap<String, HashSet<String>>>,
    /// What each made item holds, as its create answer said and later writes changed it:
    /// the index into `kept`, by collection and by each id that names the item.
    kept_at: Mutex<HashMap<(String, String), usize>>,
    kept: Mutex<Vec<Value>>,
    /// The indexes in `kept` of the items deleted since.
    gone: Mutex<HashSet<usize>>,
    /// Every id the mock minted (and every other field value that names an item).
    minted: Mutex<HashSet<String>>,
    /// Every request that may change something on an item: its operation and its path
    /// parameters as sent, decoded.
    writes: Mutex<Vec<Write>>,
    next_id: Mutex<u64>,
}

/// A request that may change an item: its operation, and its path parameters as sent.
type Write = (String, Vec<(String, String)>);

/// Planted defects, each a way a server may misread or let pass what the spec says.
#[derive(Debug, Clone, Copy, Default)]
struct Defects {
    /// deepObject parameters read as if they were form-exploded.
    misreads_deep_objects: bool,
    /// A parameter whose schema is a checked value is read but not judged.
    ignores_checked_parameters: bool,
    /// Objects' `minProperties`/`maxProperties` are not counted.
    ignores_property_counts: bool,
    /// Header and cookie parameters are read but not judged.
    ignores_header_and_cookie_parameters: bool,
}

/// The operation a request is for, and its path parameters by name (as sent: `style::read`
/// decodes each piece after splitting).
fn route<'a>(api: &'a Api, method: &HttpMethod, path: &str) -> Option<(&'a Operation, Vec<(String, String)>)> {
    let path = path.strip_prefix(api.base_path.trim_end_matches('/')).unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    api.operations.iter().find_map(|op| {
        if op.method.to_http() != *method {
            return None;
        }
        let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        if template.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(&segments) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) if !s.is_empty() => params.push((name.to_owned(), (*s).to_owned())),
                Some(_) => return None,
                None if t == s => {}
                None => return None,
            }
        }
        Some((op, params))
    })
}

fn pairs(text: &str, separator: char) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    text.split(separator)
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (k, v) = p.trim().split_once('=').unwrap_or((p.trim(), ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The first documented status among `wanted`, else one of the range (none for 0), else
/// `fallback` (which `default` documents).
fn documented(op: &Operation, wanted: &[u16], range: u8, fallback: u16) -> u16 {
    wanted
        .iter()
        .copied()
        .find(|c| op.responses.iter().any(|r| r.status == StatusSpec::Code(*c)))
        .or_else(|| {
            op.responses.iter().find_map(|r| match r.status {
                StatusSpec::Code(c) if c / 100 == u16::from(range) => Some(c),
                StatusSpec::Range(d) if d == range => Some(u16::from(d) * 100),
                _ => None,
            })
        })
        .unwrap_or(fallback)
}

impl Mock {
    fn sampler(&self) -> Sampler<'_> {
        Sampler {
            api: &self.api,
            tag: "cfm-0000mock",
        }
    }

    /// The path parameter that names one item of the collection at `collection`
    /// (`/things` → `thing_id` of `/things/{thing_id}`).
    fn item_parameter(&self, collection: &str) -> Option<&generator::model::Parameter> {
        let prefix = format!("{collection}/{{");
        // The item itself (`/things/{id}`) before what hangs below it (`/things/{thing}/parts`).
        let mut below: Vec<&Operation> = self
            .api
            .operations
            .iter()
            .filter(|op| op.path.starts_with(&prefix))
            .collect();
        below.sort_by_key(|op| op.path.len());
        below.into_iter().find_map(|op| {
            let name = op.path.strip_prefix(&prefix)?.split('}').next()?;
            op.parameters
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == name)
        })
    }

    /// A valid answer of `op` with `status`, as sampled from its schema.
    fn sample_answer(&self, op: &Operation, status: u16) -> Option<Value> {
        let body = op.response_for(status)?.body.as_ref()?;
        self.sampler().value(&body.ty.ty, Hint::default())
    }

    /// Whether `value`, laid over a sample, is a valid answer of `op` with `status`.
    fn answer_fits(&self, op: &Operation, status: u16, value: &Value) -> bool {
        let Some(body) = op.response_for(status).and_then(|r| r.body.as_ref()) else {
            return false;
        };
        let sample = self.sample_answer(op, status).unwrap_or(Value::Null);
        let merged = overlay(&sample, value, &self.declared(&body.ty.ty));
        validate(&self.api, &body.ty, &merged).is_empty()
    }

    /// The properties an answer of type `ty` declares.
    fn declared(&self, ty: &TypeRef) -> Vec<&str> {
        self.api
            .struct_of(ty)
            .map(|s| s.fields.iter().map(|f| f.wire_name.as_str()).collect())
            .unwrap_or_default()
    }

    /// The JSON answer `answer` gives with `echo`: laid over a sample, else the sample.
    fn answered(&self, op: &Operation, status: u16, echo: &Value) -> Option<Value> {
        let body = op.response_for(status)?.body.as_ref()?;
        let sample = self
            .sampler()
            .value(&body.ty.ty, Hint::default())
            .unwrap_or(Value::Null);
        let merged = overlay(&sample, echo, &self.declared(&body.ty.ty));
        Some(if validate(&self.api, &body.ty, &merged).is_empty() {
            merged
        } else {
            sample
        })
    }

    /// An answer with status `status`, in the first media type its response documents.
    fn answer(&self, op: &Operation, status: u16, echo: Option<&Value>) -> HttpResponse {
        let code = StatusCode::from_u16(status).unwrap();
        let Some(response) = op.response_for(status) else {
            return code.into_response();
        };
        let Some(media) = response.media_types.first() else {
            return code.into_response();
        };
        let content_type = media.content_type().to_owned();
        let text = match (media, &response.body) {
            (Media::Json(_), Some(body)) => {
                let value = match echo {
                    Some(echo) => self.answered(op, status, echo),
                    None => self.sampler().value(&body.ty.ty, Hint::default()),
                };
                value.unwrap_or(Value::Null).to_string()
            }
            _ => "<conformance/>".to_owned(),
        };
        (code, [(header::CONTENT_TYPE, content_type)], text).into_response()
    }

    fn handle(&self, method: &HttpMethod, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> HttpResponse {
        let Some((op, path_params)) = route(&self.api, method, uri.path()) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        if !matches!(op.method, Method::Get | Method::Head | Method::Options) && !path_params.is_empty() {
            let decoded = path_params
                .iter()
                .map(|(k, v)| (k.clone(), style::percent_decode(v, false)))
                .collect();
            self.writes.lock().unwrap().push((op.operation_id.clone(), decoded));
        }
        let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let query = pairs(uri.query().unwrap_or_default(), '&');
        let needs_credential = !op.security.is_empty() && !op.security.iter().any(Vec::is_empty);
        let carries_token = headers
            .values()
            .filter_map(|v| v.to_str().ok())
            .chain(query.iter().map(|(_, v)| v.as_str()))
            .any(|v| v.contains(TOKEN) || v == TOKEN_AS_BASIC);
        if needs_credential && !carries_token {
            return self.answer(op, documented(op, &[401, 403], 0, 401), None);
        }
        let refused = documented(op, &[422, 400], 4, 400);
        let raw_query = style::query_pairs(uri.query().unwrap_or_default());
        let raw_cookies: Vec<(String, String)> = header_text("cookie")
            .unwrap_or_default()
            .split(';')
            .filter_map(|p| p.trim().split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        for p in &op.parameters {
            let path_text = path_params.iter().find(|(n, _)| n == &p.name).map(|(_, v)| v.clone());
            let header = header_text(&p.name);
            let raw = match p.location {
                ParamLocation::Path => Raw::Text(path_text.as_deref()),
                ParamLocation::Query => Raw::Pairs(&raw_query),
                ParamLocation::Header => Raw::Text(header.as_deref()),
                ParamLocation::Cookie => Raw::Pairs(&raw_cookies),
            };
            let mut serialization = p.serialization;
            if self.defects.misreads_deep_objects && serialization.style == Style::DeepObject {
                serialization = Serialization {
                    style: Style::Form,
                    explode: true,
                };
            }
            let read = p
                .shape
                .with(|shape| style::read(serialization, p.location.to_style(), &p.name, shape, raw));
            let checked = matches!(self.api.unalias(&p.ty.ty), TypeRef::Named(id)
                if matches!(self.api.type_def(*id).kind, TypeKind::Checked(_)));
            let fits = match read {
                Ok(None) => !p.required,
                Ok(Some(_)) if checked && self.defects.ignores_checked_parameters => true,
                Ok(Some(_))
                    if matches!(p.location, ParamLocation::Header | ParamLocation::Cookie)
                        && self.defects.ignores_header_and_cookie_parameters =>
                {
                    true
                }
                Ok(Some(v)) => validate(&self.api, &p.ty, &v).is_empty(),
                Err(_) => false,
            };
            if !fits {
                return self.answer(op, refused, None);
            }
        }
        let mut sent = None;
        if let Some(b) = &op.body
            && matches!(b.media, Media::Json(_) | Media::Form | Media::Multipart)
        {
            let kinds = &b.fields;
            match header_text("content-type") {
                None if body.is_empty() && !b.required => {}
                None => return self.answer(op, refused, None),
                Some(ct) if !codegen_runtime::media::matches(&ct, b.media.content_type()) => {
                    return self.answer(op, refused, None);
                }
                Some(ct) => {
                    let value = match &b.media {
                        Media::Form => std::str::from_utf8(body)
                            .ok()
                            .and_then(|text| style::read_fields(&style::form_pairs(text), kinds).ok()),
                        Media::Multipart => style::multipart_pairs(&ct, body)
                            .ok()
                            .and_then(|pairs| style::read_fields(&pairs, kinds).ok()),
                        _ => serde_json::from_slice::<Value>(body).ok(),
                    };
                    match value {
                        Some(v) if validate(&self.body_api, &b.ty, &v).is_empty() => sent = Some(v),
                        _ => return self.answer(op, refused, None),
                    }
                }
            }
        }
        // Items of a collection this mock made things in: only what it made (and kept).
        let mut made = self.made.lock().unwrap();
        let ok = documented(op, &[200, 201, 202, 204], 2, 200);
        if let Some((name, raw)) = path_params.first() {
            // As servers read a path: percent-decoded (`%31004` is `1004`).
            let id = &style::percent_decode(raw, false);
            let collection = op
                .path
                .split(&format!("/{{{name}}}"))
                .next()
                .unwrap_or_default()
                .to_owned();
            if let Some(ids) = made.get_mut(&collection) {
                if !ids.contains(id) {
                    return self.answer(op, documented(op, &[404], 0, 404), None);
                }
                if op.method == Method::Delete {
                    ids.remove(id);
                }
            }
            // The item itself (not what is below it) answers with what it holds: a PATCH
            // changes the fields it sends, a PUT replaces them, a GET reads them.
            let item = op.path == format!("{collection}/{{{name}}}");
            let at = self.kept_at.lock().unwrap().get(&(collection, id.clone())).copied();
            if let Some(at) = at.filter(|_| item) {
                if op.method == Method::Delete {
                    self.gone.lock().unwrap().insert(at);
                }
                let mut kept = self.kept.lock().unwrap();
                let held = &mut kept[at];
                match (&op.method, &sent, held.as_object_mut()) {
                    (Method::Patch, Some(Value::Object(changes)), Some(map)) => {
                        map.extend(changes.clone());
                    }
                    (Method::Put, Some(sent @ Value::Object(_)), Some(map)) => {
                        map.retain(|k, _| k == "id");
                        if let Value::Object(whole) = with_defaults(&self.api, op, sent.clone()) {
                            map.extend(whole);
                        }
                    }
                    _ => {}
                }
                if matches!(op.method, Method::Get | Method::Patch | Method::Put) {
                    let held = held.clone();
                    drop(kept);
                    return self.answer(op, ok, Some(&held));
                }
            }
        }
        let mut echo = sent.map(|v| with_defaults(&self.api, op, v));
        if op.method == Method::Post && path_params.is_empty() {
            let mut next = self.next_id.lock().unwrap();
            *next += 1;
            if echo.is_none() {
                made.entry(op.path.clone()).or_default().insert(next.to_string());
                self.minted.lock().unwrap().insert(next.to_string());
                let mut kept = self.kept.lock().unwrap();
                kept.push(Value::Null);
                self.kept_at
                    .lock()
                    .unwrap()
                    .insert((op.path.clone(), next.to_string()), kept.len() - 1);
            }
            if let Some(Value::Object(map)) = &mut echo {
                // The id as the answer's schema spells it: a number, a string, or the
                // sampled id (which keeps its pattern) ending in the number.
                // The field the id goes in: `id`, or the answer's field the item parameter names
                // (twilio's `sid` for `Sid`).
                let item_param = self.item_parameter(&op.path);
                let id_key = op
                    .response_for(ok)
                    .and_then(|r| r.body.as_ref())
                    .and_then(|b| {
                        let declared = self.declared(&b.ty.ty);
                        let param = item_param?;
                        declared
                            .iter()
                            .find(|f| f.eq_ignore_ascii_case(&param.name) && !map.contains_key(**f))
                            .map(|f| (*f).to_owned())
                    })
                    .unwrap_or_else(|| "id".to_owned());
                let fits = |id: &Value| {
                    let mut probe = map.clone();
                    probe.insert(id_key.clone(), id.clone());
                    self.answer_fits(op, ok, &Value::Object(probe))
                };
                // An id the item paths under this collection accept, as a real server's
                // would: the parameter's sample (which keeps its pattern) ending in the number.
                let digits = next.to_string();
                let ending_in_digits = |sample: String| {
                    (sample.is_ascii() && sample.len() > digits.len())
                        .then(|| format!("{}{digits}", &sample[..sample.len() - digits.len()]))
                };
                let for_paths = item_param
                    .and_then(|p| self.sampler().value(&p.ty.ty, Hint::named(&p.name)))
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .and_then(ending_in_digits)
                    .filter(|id| {
                        item_param.is_some_and(|p| validate(&self.api, &p.ty, &Value::from(id.as_str())).is_empty())
                    })
                    .map(Value::from);
                // Else the answer's own sampled id (which keeps the answer's pattern), so made.
                // (the field's own sample where the answer's sample leaves it out).
                let for_answer = self
                    .sample_answer(op, ok)
                    .and_then(|a| a.get(&id_key).cloned())
                    .or_else(|| {
                        let s = self.api.struct_of(&op.response_for(ok)?.body.as_ref()?.ty.ty)?;
                        let f = s.fields.iter().find(|f| f.wire_name == id_key)?;
                        self.sampler().value(&f.ty.ty, Hint::of(f))
                    })
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .and_then(ending_in_digits)
                    .map(Value::from);
                let id = [
                    for_paths,
                    for_answer,
                    Some(Value::from(*next)),
                    Some(Value::from(digits.clone())),
                ]
                .into_iter()
                .flatten()
                .find(|id| fits(id))
                .unwrap_or_else(|| Value::from(digits));
                map.insert(id_key.clone(), id);
                // What is kept is what the answer says (a sample where the echo would not
                // be a valid answer), so that it is named as the run will name it.
                let answered = self
                    .answered(op, ok, &Value::Object(map.clone()))
                    .unwrap_or(Value::Null);
                *map = answered.as_object().cloned().unwrap_or_default();
                let ids = made.entry(op.path.clone()).or_default();
                // An item may be named by another field than `id` (svix's event types by
                // `name`, petstore's users by `username`): that names it too.
                let names: Vec<String> = ["id", id_key.as_str()]
                    .into_iter()
                    .chain(item_param.map(|p| p.name.as_str()))
                    .filter_map(|name| map.get(name).map(crate_id_text))
                    .collect();
                let mut kept = self.kept.lock().unwrap();
                kept.push(answered);
                let mut kept_at = self.kept_at.lock().unwrap();
                for name in names {
                    self.minted.lock().unwrap().insert(name.clone());
                    ids.insert(name.clone());
                    kept_at.insert((op.path.clone(), name), kept.len() - 1);
                }
            }
        }
        self.answer(op, ok, echo.as_ref())
    }
}

/// An id as it appears in a path.
fn crate_id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The request body with the spec's default for each top-level field left out.
fn with_defaults(api: &Api, op: &Operation, mut body: Value) -> Value {
    let Some(b) = &op.body else { return body };
    if let (TypeRef::Named(id), Value::Object(map)) = (api.unalias(&b.ty.ty), &mut body)
        && let TypeKind::Struct(s) = &api.type_def(*id).kind
    {
        for f in &s.fields {
            if let Some(default) = &f.default {
                map.entry(f.wire_name.clone()).or_insert_with(|| default.clone());
            }
        }
    }
    body
}

/// `sample` with the keys it has, or the answer's schema declares, taken from `sent`.
fn overlay(sample: &Value, sent: &Value, declared: &[&str]) -> Value {
    let (Value::Object(answer), Value::Object(sent)) = (sample, sent) else {
        return sample.clone();
    };
    let mut out = answer.clone();
    for (k, v) in sent {
        if out.contains_key(k) || k == "id" || declared.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// Serves `api` on a loopback port until the returned sender is used.
async fn serve(
    api: Api,
    defects: Defects,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
    Arc<Mock>,
) {
    let (app, served) = mock_router(api, defects);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (address, stop, server, served)
}

/// The mock of `api` as a router, and what it sees.
fn mock_router(api: Api, defects: Defects) -> (axum::Router, Arc<Mock>) {
    let mut body_api = api.clone();
    if defects.ignores_property_counts {
        for def in &mut body_api.types {
            if let TypeKind::Struct(s) = &mut def.kind {
                (s.min_properties, s.max_properties) = (None, None);
            }
        }
    }
    let mock = Arc::new(Mock {
        api,
        defects,
        body_api,
        made: Mutex::new(HashMap::new()),
        kept_at: Mutex::new(HashMap::new()),
        kept: Mutex::new(Vec::new()),
        gone: Mutex::new(HashSet::new()),
        minted: Mutex::new(HashSet::new()),
        writes: Mutex::new(Vec::new()),
        next_id: Mutex::new(1000),
    });
    let served = mock.clone();
    let app = axum::Router::new().fallback(move |method: HttpMethod, uri: Uri, headers: HeaderMap, body: Bytes| {
        let mock = mock.clone();
        async move { mock.handle(&method, &uri, &headers, &body) }
    });
    (app, served)
}

async fn run_against_mock(relative: &str, operations: &[&str]) -> Option<Report> {
    let spec = testkit::shared(relative)?;
    let api = generator::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    Some(run_against(relative, api, operations, Defects::default()).await)
}

/// `defects` plants what the server gets wrong; the fixtures' POSTs create nothing to clean
/// up, so their runs allow leftovers (the corpus's runs do not).
async fn run_against(name: &str, api: Api, operations: &[&str], defects: Defects) -> Report {
    run_on_mock(name, api, operations, defects).await.unwrap().0
}

/// The run and the mock it ran against (what the mock saw), or what stopped the run.
async fn run_on_mock(
    name: &str,
    api: Api,
    operations: &[&str],
    defects: Defects,
) -> Result<(Report, Arc<Mock>), conformance::RunError> {
    let base_path = api.base_path.clone();
    let (address, stop, server, mock) = serve(api.clone(), defects).await;
    let suite = conformance::Suite {
        name: name.into(),
        api,
        target: Target {
            base_url: format!("http://{address}{base_path}"),
            token: Some(TOKEN.into()),
            token_alt: None,
            ca_certs: Vec::new(),
        },
        settings: Settings {
            allow_leftovers: !name.starts_with("corpus/"),
            ..Settings::default()
        },
        snapshots: None,
        operations: operations.iter().map(|o| (*o).to_owned()).collect(),
        options: Default::default(),
    };
    let report = conformance::run(suite, std::future::pending()).await;
    let _ = stop.send(());
    server.await.unwrap();
    report.map(|r| (r, mock))
}

fn assert_no_failures(report: &Report) {
    assert!(report.cases.len() > 20, "{} cases", report.cases.len());
    let failed = report.count(Status::Failed) + report.count(Status::Error);
    assert_eq!(failed, 0, "{}", report.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_petstore3_raises_no_false_alarm() {
    let Some(report) = run_against_mock("corpus/examples/swagger-petstore3-v3.0.4.yaml", &[]).await else {
        return;
    };
    assert_no_failures(&report);
    // The XML answer of loginUser was judged, and passed.
    assert!(
        report
            .cases
            .iter()
            .any(|c| c.name == "loginUser.valid" && c.status == Status::Passed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svix_nested_objects_raise_no_false_alarm() {
    let operations = ["v1.application.create", "v1.authentication.app-portal-access"];
    let Some(report) = run_against_mock("corpus/webhooks/svix-lib-openapi.json", &operations).await else {
        return;
    };
    assert_no_failures(&report);
    // The edge that used to lack the parent's required `name` is accepted now.
    assert!(report.cases.iter().any(|c| {
        c.name == "v1.authentication.app-portal-access.application.throttleRate.minimum" && c.status == Status::Passed
    }));
}

/// twilio documents only 200s: its rejections and credential refusals are judged by status
/// class, and the plan says once per operation what the spec lacks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_without_documented_refusals_raises_no_false_alarm() {
    let Some(report) = run_against_mock("corpus/webhooks/twilio_events_v1.yaml", &[]).await else {
        return;
    };
    assert_no_failures(&report);
    assert!(
        report.notes.iter().any(|n| n.contains("documents no 4xx answer")),
        "{:?}",
        report.notes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sendgrid_and_hookdeck_raise_no_false_alarm() {
    for spec in [
        "corpus/webhooks/sendgrid-tsg_webhooks_v3.yaml",
        "corpus/webhooks/hookdeck-outpost.openapi.yaml",
    ] {
        let Some(report) = run_against_mock(spec, &[]).await else {
            return;
        };
        assert_no_failures(&report);
        if spec.contains("hookdeck") {
            // Its deepObject `time` filters are sent as `time[start]=...&time[end]=...`,
            // which the mock reads as a generated server does: accepted, and each property's
            // edge refused for what it breaks.
            for name in [
                "getEventMetrics.valid",
                "getEventMetrics.query.time.start.missing",
                "getEventMetrics.query.time.end.bad_date_time",
                "listEvents.query.time.gte.bad_date_time",
            ] {
                assert!(
                    report
                        .cases
                        .iter()
                        .any(|c| c.name == name && c.status == Status::Passed),
                    "{name}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_examples_raise_no_false_alarm() {
    for spec in [
        "corpus/examples/oai-v3.0-petstore-expanded.yaml",
        "corpus/examples/oai-v3.0-link-example.yaml",
        "corpus/examples/oai-v3.1-tictactoe.yaml",
        "corpus/examples/oai-v3.0-uspto.yaml",
    ] {
        let Some(report) = run_against_mock(spec, &[]).await else {
            return;
        };
        let failed = report.count(Status::Failed) + report.count(Status::Error);
        assert_eq!(failed, 0, "{spec}:\n{}", report.summary());
    }
}

/// The whole of svix's public API (thousands of cases): the trial's 55 nested-object false
/// alarms and every other kind stay gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svix_in_full_raises_no_false_alarm() {
    let Some(report) = run_against_mock("corpus/webhooks/svix-lib-openapi.json", &[]).await else {
        return;
    };
    assert!(report.cases.len() > 3000, "{} cases", report.cases.len());
    assert_no_failures(&report);
}

/// The generator's fixture with a parameter in every style and form and multipart bodies:
/// the runner writes each as its style says (no false alarm, every edge judged), and a
/// server that reads deepObject parameters wrongly is caught by the valid request itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_style_and_form_body_raises_no_false_alarm_and_a_misread_deep_object_is_caught() {
    let spec = testkit::workspace_root().join("generator/tests/fixtures/styles.yaml");
    let api = generator::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    let report = run_against("styles", api.clone(), &[], Defects::default()).await;
    assert_no_failures(&report);
    for name in [
        "readStyles.valid",
        "readStyles.query.time.start.missing",
        "readStyles.query.place.lat.above_maximum",
        "readStyles.path.point.x.wrong_type",
        "submitForm.count.above_maximum",
        "submitForm.kind.outside",
        "submitForm.name.missing",
        "submitForm.valid",
        "submitUpload.valid",
        "submitUpload.kind.wrong_type",
        "submitUpload.kind.outside",
        "submitUpload.count.missing",
        "submitUpload.body.malformed_multipart",
    ] {
        assert!(
            report
                .cases
                .iter()
                .any(|c| c.name == name && c.status == Status::Passed),
            "{name}: {}",
            report
                .cases
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let defects = Defects {
        misreads_deep_objects: true,
        ..Defects::default()
    };
    let report = run_against("styles", api, &["readStyles"], defects).await;
    let valid = report.cases.iter().find(|c| c.name == "readStyles.valid").unwrap();
    assert_eq!(valid.status, Status::Failed, "{}", report.summary());
}

/// A checked query parameter (`not`, rules of two JSON types) and a body that counts its
/// keys (`minProperties`), each judged as a generated server judges them.
const COUNTED: &str = "openapi: 3.1.0
info: {title: counted, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: role, in: query, schema: {type: string, not: {enum: [admin]}}}
        - {name: level, in: query, schema: {minimum: 3, maxLength: 4}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
        '400': {description: refused}
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              minProperties: 1
              properties:
                name: {type: string}
                size: {type: integer, minimum: 0}
      responses:
        '201': {description: made}
        '400': {description: refused}
";

/// How case `name` of `report` ended.
fn status(report: &Report, name: &str) -> Status {
    report
        .cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}: {}", report.summary()))
        .status
}

/// The runner's edges for checked parameters and counted objects raise no false alarm
/// against a server that judges them, and catch one that lets them pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checked_parameters_and_counted_bodies_raise_no_false_alarm_and_a_lax_server_is_caught() {
    let api = generator::load_str(COUNTED, None).unwrap_or_else(|e| panic!("{e}"));
    let report = run_against("counted", api.clone(), &[], Defects::default()).await;
    assert_no_failures(&report);
    for name in [
        "listThings.query.role.matches_not",
        "listThings.query.level.below_minimum",
        "listThings.query.level.longer_than_max_length",
        "listThings.query.level.max_length",
        "createThing.body.min_properties",
        "createThing.body.below_min_properties",
    ] {
        assert_eq!(status(&report, name), Status::Passed, "{name}");
    }
    let lax = Defects {
        ignores_checked_parameters: true,
        ignores_property_counts: true,
        ..Defects::default()
    };
    let report = run_against("counted", api, &[], lax).await;
    for name in [
        "listThings.query.role.matches_not",
        "listThings.query.level.below_minimum",
        "createThing.body.below_min_properties",
    ] {
        assert_eq!(status(&report, name), Status::Failed, "{name}: {}", report.summary());
    }
    // What the server still judges passes.
    assert_eq!(status(&report, "createThing.size.below_minimum"), Status::Passed);
}

const HEADED: &str = "openapi: 3.0.3
info: {title: headed, version: '1'}
paths:
  /reports:
    get:
      operationId: listReports
      parameters:
        - {name: X-Request-Id, in: header, required: true, schema: {type: string, minLength: 4, maxLength: 8}}
        - {name: X-Tier, in: header, schema: {type: string, enum: [free, paid]}}
        - {name: X-Labels, in: header, schema: {type: array, maxItems: 2, items: {type: string}}}
        - {name: Content-Length, in: header, schema: {type: integer}}
        - {name: page_size, in: cookie, schema: {type: integer, minimum: 1, maximum: 50}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
        '400': {description: refused}
";

/// Header and cookie parameters get their edges, written as a header line carries them
/// (an edge a header cannot carry is left out with a note): none is a false alarm against
/// a server that judges them, and a server that lets them pass is caught.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_and_cookie_edges_raise_no_false_alarm_and_a_lax_server_is_caught() {
    let api = generator::load_str(HEADED, None).unwrap_or_else(|e| panic!("{e}"));
    let plan = conformance::plan(&api, "cfm-00000000", &[]);
    assert!(
        plan.notes.iter().any(|n| n
            == "listReports: header Content-Length is not varied: the HTTP client writes it from the request itself"),
        "{:?}",
        plan.notes
    );
    assert!(!plan.cases.iter().any(|c| c.name.contains("Content-Length")));
    let report = run_against("headed", api.clone(), &[], Defects::default()).await;
    assert_no_failures(&report);
    let refusals = [
        "listReports.header.X-Request-Id.missing",
        "listReports.header.X-Request-Id.longer_than_max_length",
        "listReports.header.X-Request-Id.shorter_than_min_length",
        "listReports.header.X-Tier.outside",
        "listReports.header.X-Labels.more_than_max_items",
        "listReports.cookie.page_size.above_maximum",
        "listReports.cookie.page_size.below_minimum",
    ];
    for name in refusals.iter().chain(&[
        "listReports.header.X-Request-Id.max_length",
        "listReports.cookie.page_size.maximum",
    ]) {
        assert_eq!(status(&report, name), Status::Passed, "{name}");
    }
    let lax = Defects {
        ignores_header_and_cookie_parameters: true,
        ..Defects::default()
    };
    let report = run_against("headed", api, &[], lax).await;
    for name in refusals.iter().filter(|n| !n.ends_with(".missing")) {
        assert_eq!(status(&report, name), Status::Failed, "{name}: {}", report.summary());
    }
    // What the server still judges passes: a missing required header is absent, not lax.
    assert_eq!(
        status(&report, "listReports.header.X-Request-Id.missing"),
        Status::Passed
    );
}

/// The trial's fresh-id proxy, for every spec of the corpus: the mock mints every id it
/// answers a create with, so an id the run did not make is one it never minted. No PUT,
/// PATCH, DELETE or POST on an item goes to such an id (unless the server cannot read it as
/// an id at all: tagged text, text an integer id refuses, or a random UUID the spec never
/// shows), and nothing the run made is left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_spec_of_the_corpus_writes_to_an_id_the_run_did_not_make_or_leaves_anything() {
    let Some(corpus) = testkit::shared("corpus") else {
        return;
    };
    let mut specs: Vec<std::path::PathBuf> = ["examples", "webhooks"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(corpus.join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 15, "{specs:?}");
    let (mut runs, mut writes) = (0, 0);
    for spec in &specs {
        let text = std::fs::read_to_string(spec).unwrap();
        let name = format!("corpus/{}", spec.file_name().unwrap().to_string_lossy());
        // A spec the generator refuses (with a located error) sends nothing.
        let api = match generator::load(spec) {
            Ok(api) => api,
            Err(e) => {
                println!("{name}: refused: {e}");
                continue;
            }
        };
        let (_, mock) = match run_on_mock(&name, api.clone(), &[], Defects::default()).await {
            Ok(run) => run,
            // A spec of webhooks alone has no request to send.
            Err(conformance::RunError::NoCases { .. }) => {
                println!("{name}: no cases");
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        runs += 1;
        let minted = mock.minted.lock().unwrap().clone();
        for (operation, params) in mock.writes.lock().unwrap().iter() {
            writes += 1;
            let op = api.operation(operation).unwrap();
            for (param, value) in params {
                let p = op.parameters.iter().find(|p| &p.name == param).unwrap();
                let fresh_uuid = value.len() == 36 && value.matches('-').count() == 4 && !text.contains(value.as_str());
                let unreadable = conformance::plan::as_read(p, &Value::String(value.clone()))
                    .is_none_or(|read| !validate(&api, &p.ty, &read).is_empty());
                assert!(
                    minted.contains(value) || conformance::plan::carries_tag(value) || fresh_uuid || unreadable,
                    "{name}: {operation} went to {param} = {value:?}, which the run did not make"
                );
            }
        }
        let kept = mock.kept.lock().unwrap().len();
        let gone = mock.gone.lock().unwrap().len();
        let left: Vec<String> = {
            let gone = mock.gone.lock().unwrap();
            mock.kept
                .lock()
                .unwrap()
                .iter()
                .enumerate()
                .filter(|(i, _)| !gone.contains(i))
                .map(|(_, v)| v.to_string())
                .collect()
        };
        assert_eq!(kept, gone, "{name}: {} resources left behind: {left:#?}", kept - gone);
    }
    println!("{runs} runs, {writes} writes to items, each to an id the run made");
    assert!(runs >= 12 && writes > 100, "{runs} runs, {writes} writes");
}

/// `api` run in-process (no socket) against the mock with `defects`.
async fn run_in_process_on_mock(name: &str, api: Api, defects: Defects) -> Report {
    let (app, _) = mock_router(api.clone(), defects);
    let suite = conformance::Suite {
        name: name.into(),
        target: Target {
            base_url: conformance::in_process::base_url(&api),
            token: Some(TOKEN.into()),
            token_alt: None,
            ca_certs: Vec::new(),
        },
        api,
        settings: Settings {
            allow_leftovers: true,
            ..Settings::default()
        },
        snapshots: None,
        operations: Vec::new(),
        options: Default::default(),
    };
    let control = conformance::Control {
        events: None,
        max_failures: None,
    };
    conformance::run_in_process(
        suite,
        conformance::exec::Service::new(app),
        std::future::pending(),
        control,
    )
    .await
    .unwrap()
}

/// Nested deepObject parameters and form fields (issue 24): an array of objects with arrays
/// inside (`lines[0][tax_rates][0]`), a map, an array of strings, and a form body whose
/// encoding says deepObject. The runner plans their edges, writes each in the bracket form
/// and keeps only those that read back as planned; a server that reads them as the spec
/// says raises no false alarm, and one that misreads deepObject fails the valid request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_deep_objects_and_form_fields_raise_no_false_alarm_and_a_misread_is_caught() {
    let spec = testkit::workspace_root().join("generator/tests/fixtures/nested.yaml");
    let api = generator::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    let report = run_in_process_on_mock("nested", api.clone(), Defects::default()).await;
    assert_no_failures(&report);
    for name in [
        "previewInvoice.valid",
        "previewInvoice.query.lines.empty_array",
        "previewInvoice.query.lines.wrong_item_type",
        "previewInvoice.query.lines.0.amount.below_minimum",
        "previewInvoice.query.lines.0.amount.fraction",
        "previewInvoice.query.lines.0.amount.missing",
        "previewInvoice.query.lines.0.tax_rates.empty_array",
        "previewInvoice.query.expand.wrong_type",
        "createInvoice.valid",
        "createInvoice.lines.wrong_item_type",
        "createInvoice.customer.missing",
    ] {
        assert_eq!(status(&report, name), Status::Passed, "{name}: {}", report.summary());
    }
    let defects = Defects {
        misreads_deep_objects: true,
        ..Defects::default()
    };
    let report = run_in_process_on_mock("nested", api, defects).await;
    assert_eq!(
        status(&report, "previewInvoice.valid"),
        Status::Failed,
        "{}",
        report.summary()
    );
}

/// A Swagger 2.0 spec is run as its OpenAPI 3.0 translation is: against the mock serving
/// each, the same cases with the same verdicts, and no false alarm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swagger2_spec_runs_as_its_openapi3_translation() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/swagger2");
    let mut verdicts = Vec::new();
    for file in ["petstore.yaml", "petstore.openapi3.yaml"] {
        let api = generator::load(&fixtures.join(file)).unwrap_or_else(|e| panic!("{e}"));
        let report = run_against(file, api, &[], Defects::default()).await;
        let failed = report.count(Status::Failed) + report.count(Status::Error);
        assert_eq!(failed, 0, "{file}:\n{}", report.summary());
        let mut cases: Vec<(String, Status)> = report.cases.iter().map(|c| (c.name.clone(), c.status)).collect();
        cases.sort_by(|a, b| a.0.cmp(&b.0));
        verdicts.push(cases);
    }
    assert!(verdicts[0].len() > 20, "{} cases", verdicts[0].len());
    assert_eq!(verdicts[0], verdicts[1]);
}
