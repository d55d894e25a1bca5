//! Sending cases: credentials placed as the spec's security schemes say, resources made
//! for the cases that need one and removed after (also after failures and Ctrl-C), bounded
//! concurrency, per-request timeouts, 429 and `Retry-After` honoured.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use generator::model::Operation;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::error::{RunError, TlsProblem};
use crate::plan::{Auth, Case, Param, ParamValue, Plan, RequestBody, Stateful, apply};

mod cleanup;
mod http;
mod retry;

use http::cause;
use retry::{Policy, Retries};

/// The largest answer body read; a larger one makes the case an error.
pub const MAX_BODY: usize = 10 << 20;
const WRONG_CREDENTIAL: &str = "conformance-wrong-credential";

/// Where and as whom to run.
#[derive(Clone, Default)]
pub struct Target {
    /// Replaces the spec's server URL: `http://127.0.0.1:8081/api/v1`, `https://staging…`.
    pub base_url: String,
    pub token: Option<String>,
    /// A second tenant's credential: turns on the isolation cases.
    pub token_alt: Option<String>,
    /// Certificate authorities trusted for this server beside the platform's roots (a
    /// private CA; `--ca-cert`). `SSL_CERT_FILE`, `SSL_CERT_DIR`, `HTTPS_PROXY` and
    /// `NO_PROXY` are read from the environment as curl reads them.
    pub ca_certs: Vec<CaCertificate>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("token_alt", &self.token_alt.as_ref().map(|_| "<redacted>"))
            .field("ca_certs", &self.ca_certs)
            .finish()
    }
}

/// A certificate authority to trust, checked when read.
#[derive(Clone, PartialEq, Eq)]
pub struct CaCertificate {
    der: Vec<u8>,
}

impl std::fmt::Debug for CaCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CaCertificate({} bytes)", self.der.len())
    }
}

impl CaCertificate {
    /// Every certificate in a PEM text (a bundle may hold several); `origin` names the text
    /// in errors (a file name). Keys and other blocks are skipped; no certificate is an error.
    pub fn from_pem(pem: &[u8], origin: &str) -> Result<Vec<CaCertificate>, RunError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let problem = |reason: String| RunError::Certificates {
            origin: origin.to_owned(),
            reason,
        };
        let mut out = Vec::new();
        for (i, der) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let der = der.map_err(|e| problem(format!("certificate {} is not valid PEM: {e}", i + 1)))?;
            // The same check rustls makes when the client is built, here with the file's name.
            rustls::RootCertStore::empty()
                .add(der.clone())
                .map_err(|e| problem(format!("certificate {} cannot be a trust anchor: {e}", i + 1)))?;
            out.push(CaCertificate { der: der.to_vec() });
        }
        if out.is_empty() {
            return Err(problem(
                "no certificate in it (expected PEM `-----BEGIN CERTIFICATE-----` blocks)".into(),
            ));
        }
        Ok(out)
    }

    /// Every certificate in a PEM file.
    pub fn from_pem_file(path: &std::path::Path) -> Result<Vec<CaCertificate>, RunError> {
        let origin = path.display().to_string();
        let pem = std::fs::read(path).map_err(|e| RunError::Certificates {
            origin: origin.clone(),
            reason: format!("cannot read it: {e}"),
        })?;
        CaCertificate::from_pem(&pem, &origin)
    }

    /// The certificate, DER-encoded.
    pub fn der(&self) -> &[u8] {
        &self.der
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

/// The HTTP client: rustls, the platform's roots (or those `SSL_CERT_FILE`/`SSL_CERT_DIR`
/// name), Mozilla's roots where the platform has none, and the target's own authorities.
fn client(target: &Target, settings: &Settings) -> Result<reqwest::Client, RunError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::limited(5));
    // As with curl, SSL_CERT_FILE and SSL_CERT_DIR name the whole trust store: no built-in
    // roots beside them. rustls-native-certs reads them; a missing file would only show as
    // every server being untrusted, so it is named here.
    let from_env: Vec<(&str, std::ffi::OsString)> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .into_iter()
        .filter_map(|k| std::env::var_os(k).filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
    if !from_env.is_empty() {
        builder = builder.tls_built_in_webpki_certs(false);
    }
    for (name, value) in &from_env {
        // SSL_CERT_DIR may list several folders; SSL_CERT_FILE is one file.
        let paths: Vec<std::path::PathBuf> = if *name == "SSL_CERT_DIR" {
            std::env::split_paths(value).collect()
        } else {
            vec![value.into()]
        };
        for path in paths {
            if let Err(e) = std::fs::metadata(&path) {
                return Err(RunError::Certificates {
                    origin: format!("{name}={}", path.display()),
                    reason: format!("cannot read it: {e}"),
                });
            }
        }
    }
    for ca in &target.ca_certs {
        builder = builder.add_root_certificate(reqwest::Certificate::from_der(&ca.der).map_err(RunError::Client)?);
    }
    builder.build().map_err(RunError::Client)
}

pub struct Runner {
    plan: Arc<Plan>,
    target: Target,
    settings: Settings,
    client: reqwest::Client,
    created: Mutex<Vec<Created>>,
}

impl Runner {
    pub fn new(plan: Arc<Plan>, target: Target, settings: Settings) -> Result<Runner, RunError> {
        let url = reqwest::Url::parse(&target.base_url).map_err(|e| RunError::BaseUrl {
            url: target.base_url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(RunError::BaseUrl {
                url: target.base_url.clone(),
                reason: format!("the scheme is {}, not http or https", url.scheme()),
            });
        }
        let client = client(&target, &settings)?;
        Ok(Runner {
            plan,
            target,
            settings,
            client,
            created: Mutex::new(Vec::new()),
        })
    }

    /// Any answer at all from the base URL: a run that cannot connect, or whose TLS handshake
    /// fails, stops before it starts.
    pub async fn preflight(&self) -> Result<(), RunError> {
        let url = &self.target.base_url;
        match self.client.get(url).send().await {
            Err(e) => {
                if let Some(problem) = TlsProblem::find(&e) {
                    Err(RunError::Tls {
                        url: url.clone(),
                        problem,
                    })
                } else if e.is_builder() {
                    Err(RunError::BaseUrl {
                        url: url.clone(),
                        reason: cause(&e),
                    })
                } else if e.is_connect() {
                    Err(RunError::Unreachable {
                        url: url.clone(),
                        cause: cause(&e),
                    })
                } else {
                    // A slow or odd answer is for the cases to report.
                    Ok(())
                }
            }
            Ok(_) => Ok(()),
        }
    }

    /// Runs every case, `concurrency` at a time, until done or `cancel` completes; results
    /// come back in plan order (`None` for cases cancelled before they ran). `finished` hears
    /// of each case as it ends (case index, exchange); when it answers `Break`, no new case
    /// is sent and the cases in flight finish.
    pub async fn run(
        self: &Arc<Self>,
        cancel: impl Future<Output = ()>,
        finished: impl Fn(usize, &Exchange) -> std::ops::ControlFlow<()> + Send + Sync + 'static,
    ) -> Vec<Option<Exchange>> {
        let semaphore = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let finished = Arc::new(finished);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, case) in self.plan.cases.iter().cloned().enumerate() {
            let (runner, semaphore, finished, stop) = (self.clone(), semaphore.clone(), finished.clone(), stop.clone());
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                if stop.load(std::sync::atomic::Ordering::Acquire) {
                    return (i, None);
                }
                let exchange = runner.run_case(&case).await;
                if finished(i, &exchange).is_break() {
                    stop.store(true, std::sync::atomic::Ordering::Release);
                }
                (i, Some(exchange))
            });
        }
        let mut results: Vec<Option<Exchange>> = vec![None; self.plan.cases.len()];
        tokio::pin!(cancel);
        loop {
            tokio::select! {
                next = tasks.join_next() => match next {
                    Some(Ok((i, exchange))) => results[i] = exchange,
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
        let body = RequestBody::Json(resources.create_body.clone());
        let mut retries = Retries::new(Policy::TRANSIENT);
        loop {
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
                Err(e) if !retries.wait(None).await => return Err(e),
                Err(_) => {}
            }
        }
    }

    async fn send_case(&self, case: &Case, resource: Option<&Value>, label: &str) -> Result<Step, String> {
        let op = self
            .operation(&case.operation)
            .ok_or_else(|| format!("no operation {}", case.operation))?;
        let body = self.body_for(case, resource)?;
        Ok(self.send(op, &case.params, &body, case.auth, resource, label).await)
    }

    /// The case's body with linked fields filled and its edit applied.
    fn body_for(&self, case: &Case, resource: Option<&Value>) -> Result<RequestBody, String> {
        let RequestBody::Json(mut body) = case.body.clone() else {
            return Ok(case.body.clone());
        };
        for (field, expression) in &case.body_links {
            let value = evaluate_link(expression, resource)?;
            apply(&mut body, std::slice::from_ref(field), Some(value));
        }
        if let Some(edit) = &case.edit {
            apply(&mut body, &edit.path, edit.value.clone());
            if let Some(raw) = &edit.raw {
                let text = body.to_string().replace(&Value::String(raw.clone()).to_string(), raw);
                return Ok(RequestBody::Raw {
                    content_type: "application/json".into(),
                    text,
                });
            }
        }
        Ok(RequestBody::Json(body))
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
                Ok::<Step, String>(self.send(op, &params, &RequestBody::None, auth, resource, label).await)
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
                            &RequestBody::None,
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
                                self.send(op, &params, &RequestBody::None, Auth::Primary, Some(created), "read")
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
                    location: p.location,
                    name: p.name.clone(),
                    value: ParamValue::Linked(expression),
                })
            })
            .collect()
    }
}

/// Evaluates `$response.body#/pointer` on the create answer.
pub fn evaluate_link(expression: &str, resource: Option<&Value>) -> Result<Value, String> {
    let pointer = expression
        .strip_prefix("$response.body#")
        .ok_or_else(|| format!("unsupported link expression `{expression}` (only $response.body#/... is read)"))?;
    let body = resource.ok_or("no resource was made for this case")?;
    body.pointer(pointer)
        .cloned()
        .ok_or_else(|| format!("the create answer has nothing at {pointer}"))
}
pub fn excerpt(text: &str) -> String {
    if text.chars().count() <= 300 {
        text.to_owned()
    } else {
        format!("{}… ({} bytes)", text.chars().take(300).collect::<String>(), text.len())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_expressions() {
        let body = serde_json::json!({"data": {"_id": "x"}});
        assert_eq!(
            super::evaluate_link("$response.body#/data/_id", Some(&body)).unwrap(),
            "x"
        );
        assert!(super::evaluate_link("$request.path.id", Some(&body)).is_err());
    }
}
