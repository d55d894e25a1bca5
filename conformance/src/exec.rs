//! Sending cases: credentials placed as the spec's security schemes say, resources made
//! for the cases that need one and removed after (also after failures and Ctrl-C), bounded
//! concurrency, per-request timeouts, 429 and `Retry-After` honoured.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use generator::model::{Operation, ParamLocation, SecurityKind};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::plan::{Auth, Body, Case, Param, ParamValue, Plan, Stateful, apply};

/// The largest answer body read; a larger one makes the case an error.
pub const MAX_BODY: usize = 10 << 20;
const WRONG_CREDENTIAL: &str = "conformance-wrong-credential";

/// Where and as whom to run.
#[derive(Clone)]
pub struct Target {
    /// Replaces the spec's server URL: `http://127.0.0.1:8081/api/v1`.
    pub base_url: String,
    pub token: Option<String>,
    /// A second tenant's credential: turns on the isolation cases.
    pub token_alt: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: usize,
    pub timeout: Duration,
    /// How often a 429 is waited out before the answer counts.
    pub rate_limit_retries: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 8,
            timeout: Duration::from_secs(10),
            rate_limit_retries: 3,
        }
    }
}

/// A request as sent.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sent {
    pub method: String,
    /// Path and query, relative to the base URL.
    pub path: String,
    pub body: Option<String>,
}

/// An answer as received.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Received {
    pub status: u16,
    pub content_type: String,
    pub text: String,
    #[serde(skip)]
    pub json: Option<Value>,
}

/// One request and its answer (or why there is none).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    pub label: String,
    /// The answer lists resources: its length and order depend on what else runs at the time.
    pub collection: bool,
    pub sent: Sent,
    pub received: Result<Received, String>,
}

/// What running a case did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exchange {
    /// The case's own request.
    pub main: Option<Step>,
    /// Requests before and after it (setup, read-backs).
    pub steps: Vec<Step>,
    /// The answer that created the case's resource, if one was made.
    #[serde(skip)]
    pub resource: Option<Value>,
    /// A problem that kept the case from running.
    pub error: Option<String>,
    /// Why the case did not run (no second tenant).
    pub skipped: Option<String>,
}

/// A resource the run made: the create answer, for links.
struct Created {
    body: Value,
    deleted: bool,
}

pub struct Runner {
    plan: Arc<Plan>,
    target: Target,
    settings: Settings,
    client: reqwest::Client,
    created: Mutex<Vec<Created>>,
}

impl Runner {
    pub fn new(plan: Arc<Plan>, target: Target, settings: Settings) -> Result<Runner, String> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Runner {
            plan,
            target,
            settings,
            client,
            created: Mutex::new(Vec::new()),
        })
    }

    /// Any answer at all from the base URL: a run that cannot connect stops before it starts.
    pub async fn preflight(&self) -> Result<(), String> {
        match self.client.get(&self.target.base_url).send().await {
            // Only "nobody there" stops a run; a slow or odd answer is for the cases to report.
            Err(e) if e.is_connect() || e.is_builder() => {
                Err(format!("cannot reach {}: {}", self.target.base_url, cause(&e)))
            }
            _ => Ok(()),
        }
    }

    /// Runs every case, `concurrency` at a time, until done or `cancel` completes; results
    /// come back in plan order (`None` for cases cancelled before they ran).
    pub async fn run(
        self: &Arc<Self>,
        cancel: impl Future<Output = ()>,
        progress: impl Fn(usize) + Send + Sync + 'static,
    ) -> Vec<Option<Exchange>> {
        let semaphore = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let progress = Arc::new(progress);
        let mut tasks = tokio::task::JoinSet::new();
        for (i, case) in self.plan.cases.iter().cloned().enumerate() {
            let (runner, semaphore, progress) = (self.clone(), semaphore.clone(), progress.clone());
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let exchange = runner.run_case(&case).await;
                progress(i);
                (i, exchange)
            });
        }
        let mut results: Vec<Option<Exchange>> = vec![None; self.plan.cases.len()];
        tokio::pin!(cancel);
        loop {
            tokio::select! {
                next = tasks.join_next() => match next {
                    Some(Ok((i, exchange))) => results[i] = Some(exchange),
                    Some(Err(e)) => eprintln!("a case task failed: {e}"),
                    None => break,
                },
                () = &mut cancel => {
                    tasks.abort_all();
                    break;
                }
            }
        }
        results
    }

    fn operation(&self, id: &str) -> Option<&Operation> {
        self.plan.api.operation(id)
    }

    async fn run_case(&self, case: &Case) -> Exchange {
        let mut exchange = Exchange {
            main: None,
            steps: Vec::new(),
            resource: None,
            error: None,
            skipped: None,
        };
        if case.auth == Auth::Alternate && self.target.token_alt.is_none() {
            exchange.skipped = Some("no second tenant: set CONFORMANCE_TOKEN_ALT".into());
            return exchange;
        }
        if case.needs_resource {
            match self.create_resource(&mut exchange.steps).await {
                Ok(body) => exchange.resource = Some(body),
                Err(e) => {
                    exchange.error = Some(format!("setup: {e}"));
                    return exchange;
                }
            }
        }
        let resource = exchange.resource.clone();
        let step = match self.send_case(case, resource.as_ref(), "request").await {
            Ok(step) => step,
            Err(e) => {
                exchange.error = Some(e);
                return exchange;
            }
        };
        self.after(case, &step, resource.as_ref());
        exchange.main = Some(step.clone());
        let setup_steps = exchange.steps.len();
        if let Err(e) = self
            .follow_up(case, &step, resource.as_ref(), &mut exchange.steps)
            .await
        {
            exchange.error = Some(e);
        } else if let Some((label, Err(e))) = exchange.steps[setup_steps..]
            .iter()
            .map(|s| (&s.label, &s.received))
            .find(|(_, r)| r.is_err())
        {
            // A read-back that got no answer leaves the stateful check unjudged: an error, not a pass.
            exchange.error = Some(format!("{label}: {e}"));
        }
        exchange
    }

    /// Keeps the books on resources: a case's own create is removed later; a delete is done.
    fn after(&self, case: &Case, step: &Step, resource: Option<&Value>) {
        let Some(resources) = &self.plan.resources else { return };
        let Ok(received) = &step.received else { return };
        let ok = (200..300).contains(&received.status);
        if ok
            && case.operation == resources.create
            && !case.needs_resource
            && let Some(body) = &received.json
        {
            self.remember(body.clone());
        }
        if ok
            && Some(&case.operation) == resources.delete.as_ref()
            && let Some(resource) = resource
            && let Ok(mut created) = self.created.lock()
        {
            created
                .iter_mut()
                .filter(|c| &c.body == resource)
                .for_each(|c| c.deleted = true);
        }
    }

    fn remember(&self, body: Value) {
        if let Ok(mut created) = self.created.lock() {
            created.push(Created { body, deleted: false });
        }
    }

    /// Creates a resource with the valid, run-tagged body (retrying transient failures).
    async fn create_resource(&self, steps: &mut Vec<Step>) -> Result<Value, String> {
        let resources = self
            .plan
            .resources
            .as_ref()
            .ok_or("the spec links no create operation to the others")?;
        let op = self
            .operation(&resources.create)
            .ok_or("the create operation is missing")?;
        let body = Body::Json(resources.create_body.clone());
        let mut last = String::new();
        for attempt in 0..3 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let step = self
                .send(
                    op,
                    &resources.create_params,
                    &body,
                    Auth::Primary,
                    None,
                    "setup: create",
                )
                .await;
            let outcome = match &step.received {
                Ok(r) if (200..300).contains(&r.status) => r
                    .json
                    .clone()
                    .ok_or_else(|| format!("the create answer is not JSON: {}", excerpt(&r.text))),
                Ok(r) if r.status >= 500 || r.status == 429 => Err(format!("create answered {}", r.status)),
                Ok(r) => {
                    steps.push(step.clone());
                    return Err(format!("create answered {}: {}", r.status, excerpt(&r.text)));
                }
                Err(e) => Err(e.clone()),
            };
            steps.push(step);
            match outcome {
                Ok(created) => {
                    self.remember(created.clone());
                    return Ok(created);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn send_case(&self, case: &Case, resource: Option<&Value>, label: &str) -> Result<Step, String> {
        let op = self
            .operation(&case.operation)
            .ok_or_else(|| format!("no operation {}", case.operation))?;
        let body = self.body_for(case, resource)?;
        Ok(self.send(op, &case.params, &body, case.auth, resource, label).await)
    }

    /// The case's body with linked fields filled and its edit applied.
    fn body_for(&self, case: &Case, resource: Option<&Value>) -> Result<Body, String> {
        let Body::Json(mut body) = case.body.clone() else {
            return Ok(case.body.clone());
        };
        for (field, expression) in &case.body_links {
            let value = resolve(expression, resource)?;
            apply(&mut body, std::slice::from_ref(field), Some(value));
        }
        if let Some(edit) = &case.edit {
            apply(&mut body, &edit.path, edit.value.clone());
            if let Some(raw) = &edit.raw {
                let text = body.to_string().replace(&Value::String(raw.clone()).to_string(), raw);
                return Ok(Body::Raw {
                    content_type: "application/json".into(),
                    text,
                });
            }
        }
        Ok(Body::Json(body))
    }

    /// Sends one request; transport problems become the step's error, never a panic.
    async fn send(
        &self,
        op: &Operation,
        params: &[Param],
        body: &Body,
        auth: Auth,
        resource: Option<&Value>,
        label: &str,
    ) -> Step {
        let mut path = op.path.clone();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        let method = op.method.as_str().to_ascii_uppercase();
        for p in params {
            let value = match &p.value {
                ParamValue::Text(t) => t.clone(),
                ParamValue::Linked(expression) => match resolve(expression, resource) {
                    Ok(v) => crate::plan::text(&v),
                    Err(e) => {
                        return Step {
                            label: label.into(),
                            collection: false,
                            sent: Sent {
                                method,
                                path,
                                body: None,
                            },
                            received: Err(e),
                        };
                    }
                },
            };
            match p.location {
                "path" => path = path.replace(&format!("{{{}}}", p.name), &percent_encode(&value)),
                "query" => query.push((p.name.clone(), value)),
                _ => headers.push((p.name.clone(), value)),
            }
        }
        let credential = match auth {
            Auth::Primary => self.target.token.clone(),
            Auth::Alternate => self.target.token_alt.clone(),
            Auth::Wrong => Some(WRONG_CREDENTIAL.to_owned()),
            Auth::Missing => None,
        };
        if let Some(credential) = credential {
            self.place_credential(op, &credential, &mut headers, &mut query);
        }
        let mut shown = path.clone();
        if !query.is_empty() {
            let encoded: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            shown = format!("{shown}?{}", encoded.join("&"));
        }
        let (content_type, text) = match body {
            Body::None => (None, None),
            Body::Json(v) => (Some("application/json".to_owned()), Some(v.to_string())),
            Body::Raw { content_type, text } => (Some(content_type.clone()), Some(text.clone())),
        };
        let sent = Sent {
            method: method.clone(),
            path: shown.clone(),
            body: text.clone(),
        };
        let collection = self.plan.resources.as_ref().and_then(|r| r.list.as_ref()) == Some(&op.operation_id);
        let url = format!("{}{shown}", self.target.base_url.trim_end_matches('/'));
        let mut tries = 0;
        loop {
            let mut request = self
                .client
                .request(method.parse().unwrap_or(reqwest::Method::GET), &url);
            for (k, v) in &headers {
                request = request.header(k.as_str(), v.as_str());
            }
            if let Some(ct) = &content_type {
                request = request.header("content-type", ct.as_str());
            }
            if let Some(text) = &text {
                request = request.body(text.clone());
            }
            let received = self.receive(request).await;
            // 429: wait as the server asks, a few times, then take the answer as it is.
            if let Ok((r, retry_after)) = &received
                && r.status == 429
                && tries < self.settings.rate_limit_retries
            {
                tries += 1;
                tokio::time::sleep(
                    retry_after
                        .unwrap_or(Duration::from_millis(500 << tries))
                        .min(Duration::from_secs(30)),
                )
                .await;
                continue;
            }
            return Step {
                label: label.into(),
                collection,
                sent,
                received: received.map(|(r, _)| r),
            };
        }
    }

    async fn receive(&self, request: reqwest::RequestBuilder) -> Result<(Received, Option<Duration>), String> {
        let mut response = request.send().await.map_err(|e| cause(&e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(format!(
                "the answer body is larger than {} MiB (Content-Length: {})",
                MAX_BODY >> 20,
                response.content_length().unwrap_or_default()
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| cause(&e))? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(format!("the answer body is larger than {} MiB", MAX_BODY >> 20));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).ok();
        Ok((
            Received {
                status,
                content_type,
                text,
                json,
            },
            retry_after,
        ))
    }

    /// Puts the credential where the operation's first security alternative wants it.
    fn place_credential(
        &self,
        op: &Operation,
        credential: &str,
        headers: &mut Vec<(String, String)>,
        query: &mut Vec<(String, String)>,
    ) {
        let Some(alternative) = op.security.iter().find(|a| !a.is_empty()) else {
            return;
        };
        for name in alternative {
            let Some(scheme) = self.plan.api.security_scheme(name) else {
                continue;
            };
            match &scheme.kind {
                SecurityKind::ApiKey {
                    location: ParamLocation::Query,
                    name,
                } => query.push((name.clone(), credential.to_owned())),
                SecurityKind::ApiKey {
                    location: ParamLocation::Cookie,
                    name,
                } => headers.push(("cookie".into(), format!("{name}={credential}"))),
                SecurityKind::ApiKey { name, .. } => headers.push((name.clone(), credential.to_owned())),
                SecurityKind::Bearer | SecurityKind::OAuth2 => {
                    headers.push(("authorization".into(), format!("Bearer {credential}")))
                }
                SecurityKind::Basic => headers.push((
                    "authorization".into(),
                    format!("Basic {}", base64(credential.as_bytes())),
                )),
            }
        }
    }

    /// The extra requests of stateful cases.
    async fn follow_up(
        &self,
        case: &Case,
        main: &Step,
        resource: Option<&Value>,
        steps: &mut Vec<Step>,
    ) -> Result<(), String> {
        let Some(resources) = &self.plan.resources else {
            return Ok(());
        };
        let read_back = |label: &'static str, auth: Auth| {
            let op = resources
                .get
                .as_ref()
                .and_then(|g| self.operation(g))
                .or_else(|| resources.list.as_ref().and_then(|l| self.operation(l)));
            async move {
                let op = op.ok_or("the spec has no operation to read a resource back")?;
                let params = self.linked_params(op);
                Ok::<Step, String>(self.send(op, &params, &Body::None, auth, resource, label).await)
            }
        };
        match &case.stateful {
            Stateful::None => {}
            // Without a read operation the update's own answer is compared instead.
            Stateful::PartialUpdate { .. } if resources.get.is_none() => {}
            Stateful::PartialUpdate { .. } | Stateful::DeletedIsGone => {
                steps.push(read_back("read back", Auth::Primary).await?)
            }
            Stateful::Isolation => {
                steps.push(read_back("read back as the owner", Auth::Primary).await?);
                if let Some(list) = resources.list.as_ref().and_then(|l| self.operation(l)) {
                    steps.push(
                        self.send(
                            list,
                            &[],
                            &Body::None,
                            Auth::Alternate,
                            None,
                            "list as the other tenant",
                        )
                        .await,
                    );
                }
            }
            Stateful::WriteOnly { .. } => {
                if let Ok(r) = &main.received
                    && let Some(created) = &r.json
                {
                    for id in [resources.get.as_ref(), resources.list.as_ref()].into_iter().flatten() {
                        if let Some(op) = self.operation(id) {
                            let params = self.linked_params(op);
                            steps.push(
                                self.send(op, &params, &Body::None, Auth::Primary, Some(created), "read")
                                    .await,
                            );
                        }
                    }
                }
            }
            Stateful::Rotation { .. } => {
                let again = self.send_case(case, resource, "rotate again").await?;
                steps.push(again);
            }
        }
        Ok(())
    }

    /// The parameters of an operation that take the resource's values (by the create links).
    fn linked_params(&self, op: &Operation) -> Vec<Param> {
        let link = self.plan.resources.as_ref().and_then(|r| r.link_to(&op.operation_id));
        op.parameters
            .iter()
            .filter_map(|p| {
                let expression = link?.parameters.iter().find(|(n, _)| n == &p.name)?.1.clone();
                Some(Param {
                    location: p.location.as_str(),
                    name: p.name.clone(),
                    value: ParamValue::Linked(expression),
                })
            })
            .collect()
    }

    /// Deletes every resource the run made and has not deleted; returns what could not be.
    pub async fn cleanup(self: &Arc<Self>) -> Vec<String> {
        let pending: Vec<Value> = match self.created.lock() {
            Ok(mut created) => created
                .iter_mut()
                .filter(|c| !c.deleted)
                .map(|c| {
                    c.deleted = true;
                    c.body.clone()
                })
                .collect(),
            Err(_) => return vec!["the list of created resources is unreadable".into()],
        };
        // As many deletes in flight as cases were: a slow delete must not make cleanup crawl.
        let semaphore = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for body in pending {
            let (runner, semaphore) = (self.clone(), semaphore.clone());
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                runner.delete(&body).await
            });
        }
        let mut failures = Vec::new();
        while let Some(outcome) = tasks.join_next().await {
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push(e),
                Err(e) => failures.push(format!("a cleanup task failed: {e}")),
            }
        }
        failures.sort();
        failures
    }

    /// Deletes one resource by its create answer, retrying transient failures.
    pub async fn delete(&self, created: &Value) -> Result<(), String> {
        let resources = self.plan.resources.as_ref().ok_or("no create operation")?;
        let op = resources
            .delete
            .as_ref()
            .and_then(|d| self.operation(d))
            .ok_or("the spec links no delete operation: resources stay")?;
        let link = resources
            .link_to(&op.operation_id)
            .ok_or("no link to the delete operation")?;
        let params = self.linked_params(op);
        let body = if link.request_body.is_empty() {
            Body::None
        } else {
            let mut b = serde_json::Map::new();
            for (field, expression) in &link.request_body {
                b.insert(field.clone(), resolve(expression, Some(created))?);
            }
            Body::Json(Value::Object(b))
        };
        let mut last = String::new();
        for attempt in 0..3 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let step = self
                .send(op, &params, &body, Auth::Primary, Some(created), "cleanup")
                .await;
            match &step.received {
                Ok(r) if (200..300).contains(&r.status) || r.status == 404 => return Ok(()),
                Ok(r) => last = format!("cleanup of {} answered {}", step.sent.path, r.status),
                Err(e) => last = format!("cleanup of {}: {e}", step.sent.path),
            }
        }
        Err(last)
    }

    /// Removes what earlier runs left: listed resources that carry a runner tag.
    pub async fn sweep(&self) -> Result<(usize, Vec<String>), String> {
        let resources = self
            .plan
            .resources
            .as_ref()
            .ok_or("the spec links no create operation")?;
        let list = resources
            .list
            .as_ref()
            .and_then(|l| self.operation(l))
            .ok_or("the spec has no list operation to find leftovers with")?;
        let step = self.send(list, &[], &Body::None, Auth::Primary, None, "list").await;
        let received = step.received.map_err(|e| format!("listing failed: {e}"))?;
        let json = received
            .json
            .ok_or_else(|| format!("the list answer ({}) is not JSON", received.status))?;
        let items = items_of(&json);
        let mut removed = 0;
        let mut failures = Vec::new();
        let delete_link = resources.delete.as_deref().and_then(|d| resources.link_to(d));
        let expressions: Vec<&String> = delete_link
            .map(|l| l.parameters.iter().chain(&l.request_body).map(|(_, e)| e).collect())
            .unwrap_or_default();
        for item in items.into_iter().filter(|i| i.to_string().contains(crate::TAG_PREFIX)) {
            // Links point into a create answer; a list item may be the object that answer wraps.
            let created = if expressions.iter().all(|e| resolve(e, Some(&item)).is_ok()) {
                item
            } else {
                serde_json::json!({ "data": item })
            };
            match self.delete(&created).await {
                Ok(()) => removed += 1,
                Err(e) => failures.push(e),
            }
        }
        Ok((removed, failures))
    }
}

/// The objects of a list answer: a top-level array, or the first array inside.
fn items_of(json: &Value) -> Vec<Value> {
    match json {
        Value::Array(items) => items.clone(),
        Value::Object(map) => map.values().find_map(|v| v.as_array().cloned()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Evaluates `$response.body#/pointer` on the create answer.
pub fn resolve(expression: &str, resource: Option<&Value>) -> Result<Value, String> {
    let pointer = expression
        .strip_prefix("$response.body#")
        .ok_or_else(|| format!("unsupported link expression `{expression}` (only $response.body#/... is read)"))?;
    let body = resource.ok_or("no resource was made for this case")?;
    body.pointer(pointer)
        .cloned()
        .ok_or_else(|| format!("the create answer has nothing at {pointer}"))
}

fn cause(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_redirect() {
        "too many redirects"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer body broke off"
    } else {
        "request failed"
    };
    let mut text = format!("{kind}: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

pub fn excerpt(text: &str) -> String {
    if text.chars().count() <= 300 {
        text.to_owned()
    } else {
        format!("{}… ({} bytes)", text.chars().take(300).collect::<String>(), text.len())
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (paths and queries alike).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_and_expressions() {
        assert_eq!(super::base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(super::base64(b"ab"), "YWI=");
        let body = serde_json::json!({"data": {"_id": "x"}});
        assert_eq!(super::resolve("$response.body#/data/_id", Some(&body)).unwrap(), "x");
        assert!(super::resolve("$request.path.id", Some(&body)).is_err());
    }
}
