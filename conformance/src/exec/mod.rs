//! Sending cases: credentials placed as the spec's security schemes say, resources made
//! for the cases that need one and removed after (also after failures and Ctrl-C), bounded
//! concurrency, per-request timeouts, 429 and `Retry-After` honoured.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use generator::model::Operation;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore};

use crate::error::{RunError, TlsProblem};
use crate::plan::{Auth, Case, Param, ParamValue, Plan, RequestBody, apply};
use crate::text::excerpt;
use generator::model::{Method, ParamLocation};

mod case_error;
mod cleanup;
mod delivery;
mod http;
pub mod receiver;
mod retry;
mod service;
mod tls;

pub use crate::plan::MULTIPART_BOUNDARY;
pub use case_error::CaseError;
pub use cleanup::Swept;
pub use delivery::{
    Deliveries, DeliverySettings, Disable, Publish, ReceiverOptions, Rotated, Scheme, SecretSource, StatsFields,
};
use http::cause;
pub use receiver::{Delivery, First, Receiver, ReceiverError};
use retry::{Policy, Retries};
pub use service::{AppBody, AppService, Service, Timing};

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
    /// The file it was read from, for the curl command's `--cacert`.
    file: Option<std::path::PathBuf>,
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
            out.push(CaCertificate {
                der: der.to_vec(),
                file: None,
            });
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
        let mut certificates = CaCertificate::from_pem(&pem, &origin)?;
        for c in &mut certificates {
            c.file = Some(path.to_owned());
        }
        Ok(certificates)
    }

    /// The file it was read from ([`CaCertificate::from_pem_file`]).
    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
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
    /// Only GET, HEAD, OPTIONS and QUERY are sent (`--read-only`).
    pub read_only: bool,
    /// Cases that create what the run cannot delete are sent anyway (`--allow-leftovers`).
    pub allow_leftovers: bool,
    /// After a stop (a signal), how long requests in flight may take to answer before the
    /// run stops waiting for them and cleans up.
    pub drain: Duration,
    /// Stop the run ([`RunError::TimedOut`]) when this many requests in a row got no answer
    /// within `timeout`; 0 never stops.
    pub max_timeouts: u32,
    /// Headers sent with every request (`conformance.toml`'s `[headers]`, which never hold
    /// credentials): shown and reproduced as they are.
    pub headers: Vec<(String, String)>,
    /// Send the credential as this header on every request, in place of the spec's security
    /// schemes (`--auth-header`): for a spec that declares none, or declares them wrongly.
    pub auth_header: Option<String>,
    /// `conformance.toml`'s `[delivery]`: without it, no delivery case runs.
    pub delivery: Option<DeliverySettings>,
    /// Where the receiver listens and what delivery cases may do.
    pub receiver: ReceiverOptions,
    /// How long the fuzz phase may take from the start of the run (`--fuzz-seconds`): a
    /// fuzz case not started by then is skipped, saying so, and shrinking stops.
    pub fuzz_budget: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 8,
            timeout: Duration::from_secs(10),
            rate_limit_retries: 3,
            max_timeouts: 5,
            read_only: false,
            allow_leftovers: false,
            drain: Duration::from_secs(10),
            headers: Vec::new(),
            auth_header: None,
            delivery: None,
            receiver: ReceiverOptions::default(),
            fuzz_budget: None,
        }
    }
}

impl Settings {
    /// What the plan may touch, by these settings.
    pub fn safety(&self) -> crate::plan::Safety {
        crate::plan::Safety {
            read_only: self.read_only,
            allow_leftovers: self.allow_leftovers,
        }
    }
}

/// A request as sent, enough to send it again by hand. No credential's value is kept: where
/// `CONFORMANCE_TOKEN` went, the record says `[CONFORMANCE_TOKEN]`, and the curl command
/// `"$CONFORMANCE_TOKEN"`; the deliberately wrong credential is shown as it is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sent {
    pub method: String,
    /// Path and query, relative to the base URL (what snapshots show).
    pub path: String,
    /// The absolute URL (the base URL is not a secret).
    pub url: String,
    /// Every header the runner set, in the order sent (Content-Type and Accept included;
    /// Host and Content-Length are left to the client), credentials masked.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// A curl command that sends the same request (shell-quoted, credentials as
    /// `"$CONFORMANCE_TOKEN"`, `--cacert` for each `--ca-cert` file); `None` when the request
    /// was never sent.
    pub curl: Option<String>,
}

/// An answer as received.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Received {
    pub status: u16,
    pub content_type: String,
    pub text: String,
    #[serde(skip)]
    pub json: Option<Value>,
    /// Every header of the answer, in the order received (for HAR).
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
}

/// What a request is for. Planning, sending and judging name steps by this, never by text;
/// snapshots show [`StepKind::label`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The case's own request.
    Request,
    /// Making the resource a case needs (left out of snapshots: its answer is the setup's).
    Create,
    /// Reading the case's resource back after its request.
    ReadBack,
    /// The owner reads the resource back after another tenant's request.
    ReadBackAsOwner,
    /// The other tenant lists what it can see.
    ListAsOtherTenant,
    /// Reading what the case's request created (by the get, then the list operation).
    Read,
    /// The case's request once more (a second rotation).
    Again,
    /// The delete once more, after it succeeded.
    DeleteAgain,
    /// The resource's update, after its delete.
    UpdateAfterDelete,
    /// One step of a seeded walk over the resource.
    Walk,
    /// Disabling the case's webhook before the publish.
    Disable,
    /// Rotating the case's webhook's secret between two attempts.
    Rotate,
    /// Publishing an event (a delivery case).
    Publish,
    /// The credential probe before the cases.
    Preflight,
    /// Removing what the run made.
    Cleanup,
    /// Listing resources to sweep.
    List,
}

impl StepKind {
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Request => "request",
            StepKind::Create => "setup: create",
            StepKind::ReadBack => "read back",
            StepKind::ReadBackAsOwner => "read back as the owner",
            StepKind::ListAsOtherTenant => "list as the other tenant",
            StepKind::Read => "read",
            StepKind::Again => "rotate again",
            StepKind::DeleteAgain => "delete again",
            StepKind::UpdateAfterDelete => "update after delete",
            StepKind::Walk => "walk",
            StepKind::Disable => "disable",
            StepKind::Rotate => "rotate",
            StepKind::Publish => "publish",
            StepKind::Preflight => "preflight",
            StepKind::Cleanup => "cleanup",
            StepKind::List => "list",
        }
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl serde::Serialize for StepKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

/// One request and its answer (or why there is none).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    #[serde(rename = "label")]
    pub kind: StepKind,
    /// The answer lists resources: its length and order depend on what else runs at the time.
    pub collection: bool,
    pub sent: Sent,
    pub received: Result<Received, CaseError>,
    /// When it was sent and how long the answer took; `None` for a request never sent.
    #[serde(skip)]
    pub timing: Option<Timing>,
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
    pub error: Option<CaseError>,
    /// Why the case did not run (no second tenant).
    pub skipped: Option<String>,
    /// What a delivery case's receiver path got.
    #[serde(skip)]
    pub deliveries: Option<Deliveries>,
}

/// The follow-up requests of a stateful case, sent after its own request `main` into
/// `steps` (the scenarios, a floor above, implement it); an error leaves the case unjudged.
pub trait FollowUps: Send + Sync {
    fn follow_up<'a>(
        &'a self,
        runner: &'a Runner,
        case: &'a Case,
        main: &'a Step,
        resource: Option<&'a Value>,
        steps: &'a mut Vec<Step>,
    ) -> FollowUpFuture<'a>;
}

/// A follow-up as the future the runner awaits.
pub type FollowUpFuture<'a> = std::pin::Pin<Box<dyn Future<Output = Result<(), CaseError>> + Send + 'a>>;

/// No follow-ups: each case sends its own request only.
pub struct NoFollowUps;

impl FollowUps for NoFollowUps {
    fn follow_up<'a>(
        &'a self,
        _: &'a Runner,
        _: &'a Case,
        _: &'a Step,
        _: Option<&'a Value>,
        _: &'a mut Vec<Step>,
    ) -> FollowUpFuture<'a> {
        Box::pin(std::future::ready(Ok(())))
    }
}

impl Exchange {
    /// A case that ended before any request of it was judged, for `why`.
    fn failed(why: CaseError) -> Exchange {
        Exchange {
            main: None,
            steps: Vec::new(),
            resource: None,
            error: Some(why),
            skipped: None,
            deliveries: None,
        }
    }
}

/// A resource the run made: its kind (the create operation), the create answer, for links.
struct Created {
    kind: String,
    body: Value,
    deleted: bool,
}

/// The HTTP client: rustls, the platform's roots (or those `SSL_CERT_FILE`/`SSL_CERT_DIR`
/// name), Mozilla's roots where the platform has none, and the target's own authorities
/// ([`tls::config`]).
fn client(target: &Target, settings: &Settings) -> Result<reqwest::Client, RunError> {
    // As with curl, SSL_CERT_FILE and SSL_CERT_DIR name the whole trust store: no built-in
    // roots beside them. rustls-native-certs reads them; a missing file would only show as
    // every server being untrusted, so it is named here.
    let from_env: Vec<(&str, std::ffi::OsString)> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .into_iter()
        .filter_map(|k| std::env::var_os(k).filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
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
    reqwest::Client::builder()
        .use_preconfigured_tls(tls::config(&target.ca_certs, from_env.is_empty())?)
        .timeout(settings.timeout)
        // A 3xx is the server's answer, judged against the statuses the spec documents; an
        // authentication case's redirect to a login page is its refusal. Following it would
        // judge another resource's answer (and send the credential on to another host).
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(RunError::Client)
}

/// How requests reach the server.
enum Transport {
    /// Over the network, to `Target::base_url`.
    Http(reqwest::Client),
    /// To a service in this process; `Target::base_url` only names it (`http://in-process/api/v1`).
    Service(Service),
}

pub struct Runner {
    /// When the fuzz phase's time is up (`Settings::fuzz_budget` from the runner's start).
    fuzz_deadline: Option<std::time::Instant>,
    plan: Arc<Plan>,
    target: Target,
    settings: Settings,
    transport: Transport,
    created: Mutex<Vec<Created>>,
    /// What stateful cases send after their own request.
    follow_ups: Arc<dyn FollowUps>,
    /// Where delivery cases' webhooks deliver.
    receiver: Option<Arc<Receiver>>,
    /// What each delivery case's receiver path got, by case name, until its exchange takes it.
    deliveries: Mutex<std::collections::HashMap<String, Deliveries>>,
    /// How many resources the run has made, or asked for in a create case: each is
    /// numbered apart.
    made_for_cases: AtomicU64,
    /// Set when the run is told to stop: no case sends another request.
    stopping: AtomicBool,
    /// Requests of cases that may create something (POST, PUT) now on the wire.
    writes_in_flight: AtomicUsize,
    /// Such requests still unanswered when the run stopped waiting for them.
    abandoned: AtomicUsize,
    /// Requests in a row that got no answer in time (any answer resets it).
    timeouts_in_a_row: AtomicU32,
    /// Set when `timeouts_in_a_row` reached `max_timeouts`: the run stops.
    timed_out: AtomicBool,
    stop: Notify,
    /// The security schemes the preflight found `CONFORMANCE_TOKEN` accepted in, where the
    /// operation's first alternative refused it: the valid credential goes that way.
    primary_schemes: std::sync::OnceLock<Vec<String>>,
}

/// What the preflight tried, in sentences for the report.
#[derive(Debug, Clone, Default)]
pub struct Preflight {
    pub notes: Vec<String>,
}

impl Runner {
    /// A runner that sends over the network to `target.base_url`.
    pub fn new(plan: Arc<Plan>, target: Target, settings: Settings) -> Result<Runner, RunError> {
        Runner::with(plan, target, settings, None)
    }

    /// A runner that sends every request to `service` in this process, with no socket;
    /// `target.base_url` names it in URLs, curl commands and reports, and its path is the
    /// prefix the service routes (`http://in-process/api/v1`). TLS settings do not apply.
    pub fn in_process(
        plan: Arc<Plan>,
        target: Target,
        settings: Settings,
        service: Service,
    ) -> Result<Runner, RunError> {
        Runner::with(plan, target, settings, Some(service))
    }

    fn with(plan: Arc<Plan>, target: Target, settings: Settings, service: Option<Service>) -> Result<Runner, RunError> {
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
        // Each operation's path is appended to the base URL: a query or fragment would end
        // up in the middle of every path.
        let refuse = |what: &str, part: &str| RunError::BaseUrl {
            url: target.base_url.clone(),
            reason: format!(
                "it has a {what} (`{part}`), and each operation's path is appended to the base URL; leave the {what} out"
            ),
        };
        if let Some(query) = url.query() {
            return Err(refuse("query", &format!("?{query}")));
        }
        if let Some(fragment) = url.fragment() {
            return Err(refuse("fragment", &format!("#{fragment}")));
        }
        let transport = match service {
            Some(service) => Transport::Service(service),
            None => Transport::Http(client(&target, &settings)?),
        };
        Ok(Runner {
            fuzz_deadline: settings.fuzz_budget.map(|b| std::time::Instant::now() + b),
            plan,
            target,
            settings,
            transport,
            created: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
            writes_in_flight: AtomicUsize::new(0),
            abandoned: AtomicUsize::new(0),
            timeouts_in_a_row: AtomicU32::new(0),
            made_for_cases: AtomicU64::new(0),
            timed_out: AtomicBool::new(false),
            stop: Notify::new(),
            follow_ups: Arc::new(NoFollowUps),
            receiver: None,
            deliveries: Mutex::default(),
            primary_schemes: std::sync::OnceLock::new(),
        })
    }

    /// Delivery cases' webhooks deliver to `receiver`.
    pub fn with_receiver(mut self, receiver: Arc<Receiver>) -> Runner {
        self.receiver = Some(receiver);
        self
    }

    /// The receiver of delivery cases, if the run started one.
    pub fn receiver(&self) -> Option<&Receiver> {
        self.receiver.as_deref()
    }

    /// How the runner sends, delivers and receives.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Keeps what a delivery case's receiver path got, for its exchange.
    pub fn record_deliveries(&self, case: &str, deliveries: Deliveries) {
        if let Ok(mut all) = self.deliveries.lock() {
            all.insert(case.to_owned(), deliveries);
        }
    }

    /// Sends the follow-up requests of stateful cases as `follow_ups` says (without it, a
    /// case sends only its own request).
    pub fn with_follow_ups(mut self, follow_ups: Arc<dyn FollowUps>) -> Runner {
        self.follow_ups = follow_ups;
        self
    }

    /// Counts timeouts in a row: `false` for a request that timed out, `true` for any answer
    /// (or any other failure). Reaching `max_timeouts` stops the run.
    pub(crate) fn answered(&self, answered: bool) {
        if answered {
            self.timeouts_in_a_row.store(0, Ordering::Relaxed);
            return;
        }
        let n = self.timeouts_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        let max = self.settings.max_timeouts;
        if max > 0 && n >= max && !self.timed_out.swap(true, Ordering::Relaxed) {
            self.stop.notify_one();
        }
    }

    /// Why the run stopped early, if it did because the server stopped answering.
    pub fn timed_out(&self) -> Option<RunError> {
        self.timed_out.load(Ordering::Relaxed).then(|| RunError::TimedOut {
            count: self.settings.max_timeouts,
            timeout: self.settings.timeout,
            url: self.target.base_url.clone(),
            cleanup_failures: Vec::new(),
        })
    }

    /// The operation the preflight sends: a GET that needs no parameter, the list operation
    /// first, then one that needs credentials, in spec order.
    fn probe_operation(&self) -> Option<&Operation> {
        let safe = |op: &&Operation| {
            op.method == Method::Get
                && !op
                    .parameters
                    .iter()
                    .any(|p| p.required || p.location == ParamLocation::Path)
        };
        let list = self.plan.resources.iter().find_map(|r| r.list.as_deref());
        let mut candidates: Vec<&Operation> = self.plan.api.operations.iter().filter(safe).collect();
        candidates.sort_by_key(|op| (Some(op.operation_id.as_str()) != list, op.security.is_empty()));
        candidates.first().copied()
    }

    /// Before the cases: the base URL answers at all (a run that cannot connect, or whose
    /// TLS handshake fails, stops here), each credential can be sent, and one valid request
    /// per credential (a GET that needs no parameter) is not refused: a 401 or 403 names the
    /// credential, a 404 to every probe names the spec's path prefix. Anything else is left
    /// to the cases. The notes say what was probed.
    pub async fn preflight(&self) -> Result<Preflight, RunError> {
        let url = &self.target.base_url;
        let notes = Vec::new();
        let credentials = [
            ("CONFORMANCE_TOKEN", self.target.token.as_deref()),
            ("CONFORMANCE_TOKEN_ALT", self.target.token_alt.as_deref()),
        ];
        for (variable, value) in credentials {
            if let Some(value) = value
                && reqwest::header::HeaderValue::from_str(value).is_err()
            {
                return Err(RunError::CredentialUnusable {
                    variable,
                    reason: "it holds a character no HTTP header may carry (a line break at its end?)".into(),
                });
            }
        }
        if let Some(name) = &self.settings.auth_header
            && reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
        {
            return Err(RunError::CredentialUnusable {
                variable: "CONFORMANCE_TOKEN",
                reason: format!("--auth-header `{name}` is not an HTTP header name"),
            });
        }
        if let Some(scheme) = self.basic_scheme().filter(|_| self.settings.auth_header.is_none()) {
            for (variable, value) in credentials {
                if value.is_some_and(|v| !v.contains(':')) {
                    return Err(RunError::CredentialNotBasic {
                        variable,
                        scheme: scheme.to_owned(),
                    });
                }
            }
        }
        // In process there is nothing to reach: the probes below say what the service answers.
        let Transport::Http(client) = &self.transport else {
            return self.probe_credentials(notes).await;
        };
        match client.get(url).send().await {
            Err(e) => {
                if let Some(problem) = TlsProblem::find(&e) {
                    return Err(RunError::Tls {
                        url: url.clone(),
                        problem,
                    });
                } else if e.is_builder() {
                    return Err(RunError::BaseUrl {
                        url: url.clone(),
                        reason: cause(&e),
                    });
                } else if e.is_connect() {
                    return Err(RunError::Unreachable {
                        url: url.clone(),
                        cause: cause(&e),
                    });
                }
                // A slow or odd answer is for the cases to report.
                self.answered(!e.is_timeout());
            }
            Ok(_) => self.answered(true),
        }
        self.probe_credentials(notes).await
    }

    /// The first HTTP Basic scheme an operation's security names, if any: the credential goes
    /// out as Basic in some case (each alternative is tried alone).
    fn basic_scheme(&self) -> Option<&str> {
        let api = &self.plan.api;
        api.operations
            .iter()
            .flat_map(|op| op.security.iter().flatten())
            .filter_map(|name| api.security_scheme(name))
            .find(|scheme| scheme.kind == generator::model::SecurityKind::Basic)
            .map(|scheme| scheme.name.as_str())
    }

    /// One valid request per credential (see [`Runner::preflight`]).
    async fn probe_credentials(&self, mut notes: Vec<String>) -> Result<Preflight, RunError> {
        let url = &self.target.base_url;
        let Some(op) = self.probe_operation() else {
            // In process nothing was sent to the base URL itself.
            let reached = match self.transport {
                Transport::Http(_) => format!("GET {url} answered; "),
                Transport::Service(_) => String::new(),
            };
            notes.push(format!(
                "preflight: {reached}the spec has no GET without required parameters to try the credentials on"
            ));
            return Ok(Preflight { notes });
        };
        let mut probes = vec![(Auth::Primary, self.target.token.as_ref().map(|_| "CONFORMANCE_TOKEN"))];
        match (&self.target.token, &self.target.token_alt) {
            (Some(a), Some(b)) if a == b => notes.push(
                "CONFORMANCE_TOKEN_ALT is the same as CONFORMANCE_TOKEN: the isolation cases (*.tenant.isolated) \
                 are skipped; set it to a second tenant's credential to run them"
                    .into(),
            ),
            (_, Some(_)) => probes.push((Auth::Alternate, Some("CONFORMANCE_TOKEN_ALT"))),
            _ => {}
        }
        let needs_credentials = !op.security.is_empty() || self.settings.auth_header.is_some();
        let mut answers = Vec::new();
        let mut all_not_found = true;
        for (auth, variable) in probes {
            let step = self
                .send(op, &[], &RequestBody::None, auth, None, StepKind::Preflight)
                .await;
            let probe = format!("{} {} ({})", step.sent.method, step.sent.url, op.operation_id);
            let who = variable.unwrap_or("no credential");
            let refused =
                |step: &Step| needs_credentials && step.received.as_ref().is_ok_and(|r| matches!(r.status, 401 | 403));
            let mut step = step;
            if refused(&step) && auth == Auth::Primary {
                // Refused in the first alternative: a credential that another alternative
                // takes is right, and the first one's refusal is the server's, which
                // `security_alternative_accepted` reports.
                for (i, alternative) in op.security.iter().enumerate().skip(1).filter(|(_, a)| !a.is_empty()) {
                    let via = self
                        .send(
                            op,
                            &[],
                            &RequestBody::None,
                            Auth::OnlyVia { alternative: i },
                            None,
                            StepKind::Preflight,
                        )
                        .await;
                    if !refused(&via) && via.received.is_ok() {
                        let first = op.security.iter().find(|a| !a.is_empty()).cloned().unwrap_or_default();
                        notes.push(format!(
                            "preflight: {probe}: CONFORMANCE_TOKEN is refused as {} and accepted as {}: the run sends \
                             it so, and security_alternative_accepted judges the one refused",
                            first.join(" + "),
                            alternative.join(" + ")
                        ));
                        let _ = self.primary_schemes.set(alternative.clone());
                        step = via;
                        break;
                    }
                }
            }
            match &step.received {
                Ok(r) if needs_credentials && matches!(r.status, 401 | 403) => {
                    return Err(RunError::CredentialRefused {
                        variable,
                        status: r.status,
                        probe,
                    });
                }
                Ok(r) => {
                    all_not_found &= r.status == 404;
                    answers.push(format!("{} as {who}", r.status));
                }
                Err(e) => {
                    all_not_found = false;
                    answers.push(format!("no answer as {who} ({e})"));
                }
            }
            if answers.len() == 1 {
                notes.push(format!("preflight: {probe}: {}", answers[0]));
            } else if let Some(last) = notes.last_mut() {
                last.push_str(&format!("; {}", answers[answers.len() - 1]));
            }
        }
        if all_not_found {
            let probe = format!("GET {}{} ({})", url.trim_end_matches('/'), op.path, op.operation_id);
            return Err(RunError::EveryRequestNotFound {
                base_path: self.plan.api.base_path.clone(),
                probe,
            });
        }
        Ok(Preflight { notes })
    }

    /// Runs every case, `concurrency` at a time, until done or `cancel` completes; results
    /// come back in plan order (`None` for cases cancelled before they ran). `finished` hears
    /// of each case as it ends (case index, exchange); when it answers `Break`, no new case
    /// is sent and the cases in flight finish. When `cancel` completes, no case sends another
    /// request; the requests in flight get `Settings::drain` to answer (what they create is
    /// then known and cleaned up), and the cases still running after that are dropped.
    pub async fn run(
        self: &Arc<Self>,
        cancel: impl Future<Output = ()>,
        finished: impl Fn(usize, &Exchange) -> std::ops::ControlFlow<()> + Send + Sync + 'static,
    ) -> Vec<Option<Exchange>> {
        let semaphore = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let finished = Arc::new(finished);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = tokio::task::JoinSet::new();
        // Tasks get their permits in no set order; each then takes the next case of the plan,
        // so that cases start in plan order (with `--concurrency 1`, one after another).
        let next = Arc::new(AtomicUsize::new(0));
        // Which case each task took: a task that panics still ends its case, as an error.
        let taken: Arc<Mutex<std::collections::HashMap<tokio::task::Id, usize>>> = Arc::default();
        for _ in 0..self.plan.cases.len() {
            let (runner, semaphore, finished, stop, next, taken) = (
                self.clone(),
                semaphore.clone(),
                finished.clone(),
                stop.clone(),
                next.clone(),
                taken.clone(),
            );
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let i = next.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut taken) = taken.lock() {
                    taken.insert(tokio::task::id(), i);
                }
                if stop.load(std::sync::atomic::Ordering::Acquire) {
                    return (i, None);
                }
                let case = &runner.plan.cases[i];
                let exchange = runner.run_case(case).await;
                if finished(i, &exchange).is_break() {
                    stop.store(true, std::sync::atomic::Ordering::Release);
                }
                (i, Some(exchange))
            });
        }
        let mut results: Vec<Option<Exchange>> = vec![None; self.plan.cases.len()];
        tokio::pin!(cancel);
        let stop = self.stop.notified();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                next = tasks.join_next() => match next {
                    Some(Ok((i, exchange))) => results[i] = exchange,
                    Some(Err(e)) => {
                        let case = taken.lock().ok().and_then(|t| t.get(&e.id()).copied());
                        if let Some(i) = case.filter(|_| e.is_panic()) {
                            results[i] = Some(Exchange::failed(CaseError::Runner(e.to_string())));
                        }
                    }
                    None => break,
                },
                () = &mut cancel => {
                    self.stopping.store(true, Ordering::SeqCst);
                    break;
                }
                // Too many timeouts in a row: the server does not answer ([`Runner::timed_out`]).
                () = &mut stop => {
                    tasks.abort_all();
                    break;
                }
            }
        }
        if self.stopping.load(Ordering::SeqCst) {
            let drained = tokio::time::timeout(self.settings.drain, async {
                while let Some(next) = tasks.join_next().await {
                    // A case cut short by the stop is not a result.
                    if let Ok((i, Some(exchange))) = next
                        && !cut_short(&exchange)
                    {
                        results[i] = Some(exchange);
                    }
                }
            })
            .await;
            if drained.is_err() {
                self.abandoned
                    .store(self.writes_in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
            }
        }
        results
    }

    /// Sends a request of a case, unless the run is stopping or the request is not allowed
    /// (read-only: GET, HEAD, OPTIONS and QUERY only): what a scenario's follow-up sends.
    /// Cleanup and sweep send through [`Runner::send`].
    pub async fn case_send(
        &self,
        op: &Operation,
        params: &[Param],
        body: &RequestBody,
        auth: Auth,
        resource: Option<&Value>,
        kind: StepKind,
    ) -> Step {
        let refused = if self.stopping.load(Ordering::SeqCst) {
            Some(CaseError::Stopped)
        } else if self.settings.read_only && !crate::plan::safety::is_safe_method(&op.method) {
            Some(CaseError::ReadOnly {
                method: op.method.as_str().to_ascii_uppercase(),
            })
        } else {
            None
        };
        if let Some(reason) = refused {
            return Step {
                kind,
                collection: false,
                sent: Sent {
                    method: op.method.as_str().to_ascii_uppercase(),
                    url: format!("{}{}", self.target.base_url.trim_end_matches('/'), op.path),
                    path: op.path.clone(),
                    headers: Vec::new(),
                    body: None,
                    curl: None,
                },
                received: Err(reason),
                timing: None,
            };
        }
        let writes = matches!(
            op.method,
            generator::model::Method::Post | generator::model::Method::Put
        );
        if writes {
            self.writes_in_flight.fetch_add(1, Ordering::SeqCst);
        }
        let step = self.send(op, params, body, auth, resource, kind).await;
        if writes {
            self.writes_in_flight.fetch_sub(1, Ordering::SeqCst);
        }
        step
    }

    /// Requests that may have created something and were still unanswered when the run
    /// stopped waiting for them.
    pub fn abandoned_writes(&self) -> usize {
        self.abandoned.load(Ordering::SeqCst)
    }

    fn operation(&self, id: &str) -> Option<&Operation> {
        self.plan.api.operation(id)
    }

    /// The plan the runner sends.
    /// The credential `auth` names (the first or the second tenant's), as given.
    pub fn token(&self, auth: Auth) -> Option<&str> {
        match auth {
            Auth::Alternate => self.target.token_alt.as_deref(),
            _ => self.target.token.as_deref(),
        }
    }

    /// Whether the run has a second tenant's credential, distinct from the first; why not.
    pub fn second_tenant(&self) -> Result<(), &'static str> {
        match &self.target.token_alt {
            None => Err("no second tenant: set CONFORMANCE_TOKEN_ALT"),
            Some(alt) if self.target.token.as_ref() == Some(alt) => {
                Err("CONFORMANCE_TOKEN_ALT is the same as CONFORMANCE_TOKEN: one tenant is not another")
            }
            Some(_) => Ok(()),
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Whether the fuzz phase's time (`Settings::fuzz_budget`) has run out.
    pub fn fuzz_time_is_up(&self) -> bool {
        self.fuzz_deadline.is_some_and(|d| std::time::Instant::now() >= d)
    }

    /// Sends one case (its setup, request and follow-ups), in the plan or not: the run's cases,
    /// and the smaller requests a failing fuzz case is shrunk to.
    pub async fn run_case(&self, case: &Case) -> Exchange {
        let mut exchange = Exchange {
            main: None,
            steps: Vec::new(),
            resource: None,
            error: None,
            skipped: None,
            deliveries: None,
        };
        if case.fuzzed.is_some() && self.fuzz_time_is_up() {
            exchange.skipped = Some(format!(
                "not sent: the fuzz phase's {} s ran out (--fuzz-seconds)",
                self.settings.fuzz_budget.map_or(0, |b| b.as_secs())
            ));
            return exchange;
        }
        if case.auth == Auth::Alternate
            && let Err(why) = self.second_tenant()
        {
            exchange.skipped = Some(why.into());
            return exchange;
        }
        if case.needs_resource {
            match self.create_resource(case, &mut exchange.steps).await {
                Ok(body) => exchange.resource = Some(body),
                Err(e) => {
                    exchange.error = Some(CaseError::Setup(Box::new(e)));
                    return exchange;
                }
            }
        }
        let resource = exchange.resource.clone();
        let step = match self.send_case(case, resource.as_ref(), StepKind::Request).await {
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
            .follow_ups
            .follow_up(self, case, &step, resource.as_ref(), &mut exchange.steps)
            .await
        {
            exchange.error = Some(e);
        } else if let Some((step, Err(e))) = exchange.steps[setup_steps..]
            .iter()
            .map(|s| (s.kind, &s.received))
            .find(|(_, r)| r.is_err())
        {
            // A read-back that got no answer leaves the stateful check unjudged: an error, not a pass.
            exchange.error = Some(CaseError::FollowUp {
                step,
                error: Box::new(e.clone()),
            });
        }
        exchange.deliveries = self.deliveries.lock().ok().and_then(|mut d| d.remove(&case.name));
        exchange
    }

    /// Keeps the books on resources: a case's own create is removed later; a delete is done.
    fn after(&self, case: &Case, step: &Step, resource: Option<&Value>) {
        let Some(resources) = self.plan.kind_of(&case.operation) else {
            return;
        };
        let Ok(received) = &step.received else { return };
        let ok = (200..300).contains(&received.status);
        if ok
            && case.operation == resources.create
            && !case.needs_resource
            && let Some(body) = &received.json
        {
            self.remember(&resources.create, body.clone());
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

    fn remember(&self, kind: &str, body: Value) {
        if let Ok(mut created) = self.created.lock() {
            created.push(Created {
                kind: kind.to_owned(),
                body,
                deleted: false,
            });
        }
    }

    /// Creates the case's resource with the valid, run-tagged body its scenario asks for
    /// (retrying transient failures).
    async fn create_resource(&self, case: &Case, steps: &mut Vec<Step>) -> Result<Value, CaseError> {
        let resources = self
            .plan
            .kind_of(&case.operation)
            .ok_or_else(|| CaseError::Spec("the spec links no create operation to it".into()))?;
        let op = self
            .operation(&resources.create)
            .ok_or_else(|| CaseError::Spec("the create operation is missing".into()))?;
        let n = self.made_for_cases.fetch_add(1, Ordering::Relaxed) + 1;
        let body = crate::plan::create_body(case, resources)
            .map(|b| resources.numbered(b, n, None))
            .map_or(RequestBody::None, RequestBody::Json);
        let mut retries = Retries::new(Policy::TRANSIENT);
        loop {
            let step = self
                .case_send(
                    op,
                    &resources.create_params,
                    &body,
                    Auth::Primary,
                    None,
                    StepKind::Create,
                )
                .await;
            let outcome = match &step.received {
                Ok(r) if (200..300).contains(&r.status) => r
                    .json
                    .clone()
                    .ok_or_else(|| CaseError::Create(format!("the create answer is not JSON: {}", excerpt(&r.text)))),
                Ok(r) if r.status >= 500 || r.status == 429 => {
                    Err(CaseError::Create(format!("create answered {}", r.status)))
                }
                Ok(r) => {
                    steps.push(step.clone());
                    return Err(CaseError::Create(format!(
                        "create answered {}: {}",
                        r.status,
                        excerpt(&r.text)
                    )));
                }
                Err(e) if e.is_stop() => return Err(e.clone()),
                Err(e) => Err(e.clone()),
            };
            steps.push(step);
            match outcome {
                Ok(created) => {
                    self.remember(&resources.create, created.clone());
                    return Ok(created);
                }
                Err(e) if !retries.wait(None).await => return Err(e),
                Err(_) => {}
            }
        }
    }

    pub(crate) async fn send_case(
        &self,
        case: &Case,
        resource: Option<&Value>,
        kind: StepKind,
    ) -> Result<Step, CaseError> {
        let op = self
            .operation(&case.operation)
            .ok_or_else(|| CaseError::Spec(format!("no operation {}", case.operation)))?;
        let body = self.body_for(case, resource)?;
        // A method probe: the operation's path and parameters, with the case's method.
        let probe;
        let op = if case.method == op.method {
            op
        } else {
            probe = Operation {
                method: case.method.clone(),
                ..op.clone()
            };
            &probe
        };
        Ok(self.case_send(op, &case.params, &body, case.auth, resource, kind).await)
    }

    /// The case's body with linked fields filled and its edit applied.
    fn body_for(&self, case: &Case, resource: Option<&Value>) -> Result<RequestBody, CaseError> {
        let RequestBody::Json(mut body) = case.body.clone() else {
            return Ok(case.body.clone());
        };
        for (field, expression) in &case.body_links {
            let value = evaluate_link(expression, resource)?;
            apply(&mut body, std::slice::from_ref(field), Some(value));
        }
        // What a create case makes is named apart from every other resource of the run.
        if !case.needs_resource
            && let Some(kind) = self
                .plan
                .kind_of(&case.operation)
                .filter(|k| k.create == case.operation)
        {
            let n = self.made_for_cases.fetch_add(1, Ordering::Relaxed) + 1;
            body = kind.numbered(&body, n, case.edit.as_ref().map(|e| e.path.as_slice()));
        }
        if let (Some(crate::plan::Scenario::Delivery(kind)), Some(settings), Some(receiver)) =
            (&case.stateful, &self.settings.delivery, &self.receiver)
            && let Some(map) = body.as_object_mut()
        {
            // The webhook delivers to the case's own path, and takes only the case's own
            // run-tagged type.
            map.insert(
                settings.url_field.clone(),
                Value::String(receiver.url_for(&kind.path())),
            );
            map.insert(
                settings.events_field.clone(),
                Value::Array(vec![Value::String(kind.event_type(&self.plan.tag))]),
            );
            for (k, v) in &settings.create_fields {
                map.insert(k.clone(), v.clone());
            }
        }
        if let (Some(crate::plan::Scenario::PartialUpdate(update)), Some(resource)) = (&case.stateful, resource) {
            update.alongside_as_made(&mut body, resource);
        }
        if let Some(edit) = &case.edit {
            apply(&mut body, &edit.path, edit.value.clone());
            let fields = self
                .operation(&case.operation)
                .and_then(|op| op.body.as_ref())
                .is_some_and(|b| {
                    matches!(
                        b.media,
                        generator::model::Media::Form | generator::model::Media::Multipart
                    )
                });
            if let Some(raw) = edit.raw.as_ref().filter(|_| fields) {
                // A form field is text: the number JSON cannot hold is written as it is.
                apply(&mut body, &edit.path, Some(Value::String(raw.clone())));
            } else if let Some(raw) = &edit.raw {
                let text = body.to_string().replace(&Value::String(raw.clone()).to_string(), raw);
                return Ok(RequestBody::Raw {
                    content_type: "application/json".into(),
                    text,
                });
            }
        }
        Ok(RequestBody::Json(body))
    }

    /// The parameters of an operation that take the resource's values (by the create links).
    pub fn linked_params(&self, op: &Operation) -> Vec<Param> {
        let link = self
            .plan
            .kind_of(&op.operation_id)
            .and_then(|r| r.link_to(&op.operation_id));
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

/// Whether a case was cut short by a stop: some request of it was not sent.
fn cut_short(exchange: &Exchange) -> bool {
    let stopped = |step: &Step| step.received.as_ref().err().is_some_and(CaseError::is_stop);
    exchange.error.as_ref().is_some_and(CaseError::is_stop) || exchange.main.iter().chain(&exchange.steps).any(stopped)
}

/// Evaluates `$response.body#/pointer` on the create answer.
pub fn evaluate_link(expression: &str, resource: Option<&Value>) -> Result<Value, CaseError> {
    let pointer = crate::plan::response_pointer(expression).ok_or_else(|| {
        CaseError::Link(format!(
            "unsupported link expression `{expression}` (only $response.body#/... is read)"
        ))
    })?;
    let body = resource.ok_or_else(|| CaseError::Link("no resource was made for this case".into()))?;
    body.pointer(pointer)
        .cloned()
        .ok_or_else(|| CaseError::Link(format!("the create answer has nothing at {pointer}")))
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
