//! The runner against deliberately misbehaving servers: slow answers, bodies that break off,
//! bodies that are not JSON or far too large, redirects, 429s, failing cleanup. Each run
//! must finish, with every affected case an error or failure that names its cause, and the
//! runner must remove exactly what it created. Last, `Runner::sweep` against leftovers.
//!
//! Every server here listens on 127.0.0.1 only and is stopped by its test.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use conformance::exec::{MAX_BODY, Runner, Settings, Target};
use conformance::report::{CaseResult, Report, Status};
use reference::{Api, Options, Store, Tenants};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::support;

const KEY: &str = reference::EMBEDDED_KEYS[0];
const KEY_ALT: &str = reference::EMBEDDED_KEYS[1];
/// Where kejue serves its operations.
const BASE_PATH: &str = "/api/v1";
/// No run may take longer: a hang fails the test instead of stalling it.
const NO_HANG: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------- servers

/// A server on an ephemeral loopback port, stopped by `stop`.
struct Server {
    address: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Server {
    /// Serves `router` with axum.
    async fn axum(router: axum::Router) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Server { address, stop, task }
    }

    /// Hands every accepted connection to `answer`, below axum: for answers no HTTP library
    /// would write. Stopping drops the connections still open.
    async fn raw<F, Fut>(answer: F) -> Server
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (address, stop, task) = support::accept_each(answer).await;
        Server { address, stop, task }
    }

    fn base_url(&self) -> String {
        format!("http://{}{BASE_PATH}", self.address)
    }

    /// Stops the server; requests still in flight get a few seconds, then are dropped.
    async fn stop(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(10), &mut task).await.is_err() {
            task.abort();
        }
    }
}

/// The kejue reference server's router, with two tenants.
fn kejue() -> axum::Router {
    let store = Arc::new(Store::open(None).unwrap());
    Api::Kejue.router(store, Arc::new(Tenants::new(&[KEY.into(), KEY_ALT.into()])))
}

/// Some bytes from `stream` (tokio's `io-util` extension traits are not enabled here).
async fn read_some(stream: &TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            result => return result,
        }
    }
}

/// All of `bytes` to `stream`, or the error that stopped it (the peer left).
async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one HTTP/1.1 request (head and a `Content-Length` body); `None` when the peer left.
async fn read_request(stream: &TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = read_some(stream, &mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(head);
        }
        let n = read_some(stream, &mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

// ---------------------------------------------------------------- running

/// 8 at a time, 1 s per request (every misbehaving answer here is far slower, or never
/// ends), three 429s waited out. Timeouts in a row never stop these runs: each test here
/// wants every case's own cause (`preflight.rs` tests the stop).
fn settings() -> Settings {
    Settings {
        concurrency: 8,
        timeout: Duration::from_millis(1000),
        rate_limit_retries: 3,
        max_timeouts: 0,
        ..Settings::default()
    }
}

fn spec() -> generator::model::Api {
    generator::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml")).unwrap()
}

/// Runs the kejue suite (only `operations` when not empty) against `base_url`; panics when
/// the run does not finish within [`NO_HANG`].
async fn run(base_url: String, settings: Settings, operations: &[&str]) -> Report {
    let suite = conformance::Suite {
        name: "kejue".into(),
        api: spec(),
        target: Target {
            base_url,
            token: Some(KEY.into()),
            token_alt: Some(KEY_ALT.into()),
            ca_certs: Vec::new(),
        },
        settings,
        snapshots: None,
        operations: operations.iter().map(|o| (*o).to_owned()).collect(),
        options: Default::default(),
    };
    tokio::time::timeout(NO_HANG, conformance::run(suite, std::future::pending()))
        .await
        .expect("the run did not finish: it hangs")
        .expect("the run stopped before its cases")
}

fn case<'a>(report: &'a Report, name: &str) -> &'a CaseResult {
    report
        .cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}:\n{}", report.summary()))
}

fn cases_of<'a>(report: &'a Report, operations: &[&str]) -> Vec<&'a CaseResult> {
    // A method probe goes to another route than its operation's (`PUT` where only `GET` is
    // documented), which these servers leave alone.
    let cases: Vec<&CaseResult> = report
        .cases
        .iter()
        .filter(|c| operations.contains(&c.operation.as_str()) && !c.name.contains(".method."))
        .collect();
    assert!(!cases.is_empty(), "no cases of {operations:?}");
    cases
}

/// Asserts that `c` is an error whose message contains one of `causes`.
fn error_with(c: &CaseResult, causes: &[&str]) {
    assert_eq!(c.status, Status::Error, "{} should be an error: {:?}", c.name, c.error);
    let error = c.error.as_deref().unwrap_or_default();
    assert!(
        causes.iter().any(|cause| error.contains(cause)),
        "{}: the error should say {causes:?}, says {error:?}",
        c.name
    );
}

/// For a server whose reads ([`reads_webhooks`]) misbehave: the cases that read (their own
/// request, or a read-back after it: stateful and tenant cases) are errors saying `cause`,
/// none of them a pass; every other case passed.
fn only_reads_broke(report: &Report, cause: &str) {
    let reading = cases_of(report, &["listWebhooks", "getWebhook"]).len();
    let mut errors = 0;
    for c in &report.cases {
        // A method probe of getWebhook sends no GET.
        let probe = c.name.contains(".method.");
        if (["listWebhooks", "getWebhook"].contains(&c.operation.as_str()) && !probe)
            || c.name.contains(".stateful.")
            || c.name.contains(".tenant.")
        {
            error_with(c, &[cause]);
            errors += 1;
        } else {
            assert_eq!(c.status, Status::Passed, "{}: {:?} {:?}", c.name, c.error, c.failures);
        }
    }
    assert!(errors > reading, "read-backs broke too");
    assert!(report.count(Status::Passed) > 100, "{}", report.summary());
    assert!(!report.passed());
}

/// `GET` on the webhooks collection or one webhook (not the base URL, which the runner's
/// preflight reads).
fn reads_webhooks(request: &Request) -> bool {
    request.method() == Method::GET && request.uri().path().starts_with("/api/v1/webhooks")
}

/// The spec route a request is for: `GET /webhooks/{webhook_id}`.
fn route_of(method: &Method, path: &str) -> Option<String> {
    let rest = path.strip_prefix("/api/v1/webhooks")?;
    let template = match rest.strip_prefix('/') {
        None if rest.is_empty() => "/webhooks",
        Some(id) if !id.is_empty() && !id.contains('/') => "/webhooks/{webhook_id}",
        _ => return None,
    };
    Some(format!("{method} {template}"))
}

// ---------------------------------------------------------------- the ledger

/// One request a server saw, and its answer's status.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    /// Method, path and query, credential and body: the same request sent again looks the same.
    fingerprint: String,
    status: u16,
    at: Instant,
}

/// What a server saw: every request, the ids it created (201) and deleted (204).
#[derive(Debug, Default)]
struct Ledger {
    seen: Vec<Seen>,
    created: Vec<String>,
    deleted: Vec<String>,
}

/// Records every request through `router` in `ledger` (outermost, so it sees what the
/// runner saw).
fn with_ledger(router: axum::Router, ledger: Arc<Mutex<Ledger>>) -> axum::Router {
    router.layer(from_fn(move |request: Request, next: Next| {
        let ledger = ledger.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
            let method = parts.method.clone();
            let path = parts.uri.path().to_owned();
            let key = parts
                .headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            let fingerprint = format!("{method} {} {key} {}", parts.uri, String::from_utf8_lossy(&body));
            let response = next.run(Request::from_parts(parts, Body::from(body))).await;
            let status = response.status().as_u16();
            let (parts, body) = response.into_parts();
            let body: Bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            {
                let mut ledger = ledger.lock().unwrap();
                if method == Method::POST && status == 201 {
                    let created: Value = serde_json::from_slice(&body).unwrap();
                    ledger.created.push(created["id"].as_str().unwrap().to_owned());
                }
                if method == Method::DELETE && status == 204 {
                    ledger.deleted.push(codegen_runtime::style::percent_decode(
                        path.rsplit('/').next().unwrap_or_default(),
                        false,
                    ));
                }
                ledger.seen.push(Seen {
                    method,
                    path,
                    fingerprint,
                    status,
                    at: Instant::now(),
                });
            }
            Response::from_parts(parts, Body::from(body))
        }
    }))
}

// ---------------------------------------------------------------- 1. slow answers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_slower_than_the_timeout_are_errors_that_say_timed_out() {
    async fn slow_reads(request: Request, next: Next) -> Response {
        if reads_webhooks(&request) {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        next.run(request).await
    }
    let server = Server::axum(kejue().layer(from_fn(slow_reads))).await;
    let report = run(server.base_url(), settings(), &[]).await;
    server.stop().await;

    // Every case whose own request or read-back is a read waited 3 s for an answer the
    // runner gave 1 s; the rest of the server answered in time and passed.
    only_reads_broke(&report, "timed out");
}

// ---------------------------------------------------------------- 2. reset mid-body

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_breaks_off_mid_body_is_an_error_with_its_cause() {
    // A status line and headers promising 1 MiB, 15 bytes of it, then the connection closes.
    let server = Server::raw(|stream| async move {
        if read_request(&stream).await.is_none() {
            return;
        }
        let _ = write_all(
            &stream,
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1048576\r\n\r\n{\"id\": \"partial",
        )
        .await;
    })
    .await;
    let report = run(server.base_url(), settings(), &[]).await;
    server.stop().await;

    assert!(report.cases.len() > 100, "every case ran: {}", report.cases.len());
    // Setup creates broke off too: every case is an error, none a pass or a failure.
    for c in &report.cases {
        error_with(c, &["broke off"]);
    }
    assert!(!report.passed());
    // Nothing was created, so nothing is left to clean up.
    assert!(report.cleanup_failures.is_empty(), "{:?}", report.cleanup_failures);
}

// ---------------------------------------------------------------- 3. not JSON

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_json_fails_response_schema_conformance() {
    // Reads answer as before (status, `application/json`), with an HTML page as the body.
    async fn html_reads(request: Request, next: Next) -> Response {
        let read = reads_webhooks(&request);
        let response = next.run(request).await;
        if !read {
            return response;
        }
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        Response::from_parts(parts, Body::from("<html><body>502 Bad Gateway</body></html>"))
    }
    let server = Server::axum(kejue().layer(from_fn(html_reads))).await;
    let report = run(server.base_url(), settings(), &[]).await;
    server.stop().await;

    // Every answer of these operations is documented as JSON (200, 401 and 404 alike).
    for c in cases_of(&report, &["listWebhooks", "getWebhook"]) {
        assert_eq!(c.status, Status::Failed, "{}: {:?}", c.name, c.error);
        let check = c
            .failures
            .iter()
            .find(|f| f.id == "response_schema_conformance")
            .unwrap_or_else(|| panic!("{}: no response_schema_conformance failure: {:?}", c.name, c.failures));
        assert!(check.message.contains("not JSON"), "{}: {}", c.name, check.message);
    }
    assert_eq!(case(&report, "createWebhook.valid").status, Status::Passed);
    assert!(!report.passed());
}

// ---------------------------------------------------------------- 4. 100 MB

/// The process' peak resident memory so far, in KiB.
fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_answer_is_an_error_and_is_not_read_to_the_end() {
    const SIZE: usize = 100 << 20;
    static CHUNK: [u8; 64 << 10] = [b' '; 64 << 10];
    // The most any one connection managed to write before the runner hung up.
    let most_written = Arc::new(Mutex::new(0usize));
    let written = most_written.clone();
    // Every answer promises 100 MB and streams it 64 KiB at a time until the peer leaves.
    let server = Server::raw(move |stream| {
        let most_written = written.clone();
        async move {
            if read_request(&stream).await.is_none() {
                return;
            }
            let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {SIZE}\r\n\r\n");
            if write_all(&stream, head.as_bytes()).await.is_err() {
                return;
            }
            let mut sent = 0;
            while sent < SIZE {
                let n = CHUNK.len().min(SIZE - sent);
                if write_all(&stream, &CHUNK[..n]).await.is_err() {
                    break;
                }
                sent += n;
            }
            let mut most = most_written.lock().unwrap();
            *most = (*most).max(sent);
        }
    })
    .await;

    let before = peak_memory_kib();
    let report = run(
        server.base_url(),
        settings(),
        &["listWebhooks", "createWebhook", "getWebhook"],
    )
    .await;
    let after = peak_memory_kib();
    server.stop().await;

    let limit = format!("larger than {} MiB", MAX_BODY >> 20);
    assert!(report.cases.len() > 50, "{}", report.cases.len());
    for c in &report.cases {
        error_with(c, &[&limit]);
    }
    assert!(!report.passed());
    // 8 cases at a time, each reading at most 10 MiB: the peak grows by far less than 100 MB
    // per case.
    let growth_mib = after.saturating_sub(before) / 1024;
    assert!(
        growth_mib < 200,
        "peak memory grew by {growth_mib} MiB ({before} → {after} KiB)"
    );
    // The runner hung up near the limit instead of reading on.
    let most = *most_written.lock().unwrap();
    assert!(most < SIZE / 2, "a connection was read {most} bytes deep");
}

// ---------------------------------------------------------------- 5. redirects

/// Redirects are never followed: a server that redirects every read gets one request per
/// read, and each 302 is judged as the answer it is (kejue documents none), never an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_judged_as_the_answer_and_never_followed() {
    static FOLLOWED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    async fn redirect(request: Request, next: Next) -> Response {
        if request.uri().query().is_some_and(|q| q.contains("followed=1")) {
            FOLLOWED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        if reads_webhooks(&request) {
            return Response::builder()
                .status(StatusCode::FOUND)
                .header(header::LOCATION, "/api/v1/webhooks?followed=1")
                .body(Body::empty())
                .unwrap();
        }
        next.run(request).await
    }
    let server = Server::axum(kejue().layer(from_fn(redirect))).await;
    let report = run(server.base_url(), settings(), &["listWebhooks", "getWebhook"]).await;
    server.stop().await;

    assert_eq!(
        FOLLOWED.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a redirect was followed"
    );
    for c in cases_of(&report, &["listWebhooks", "getWebhook"]) {
        assert_eq!(c.status, Status::Failed, "{}: {:?} {:?}", c.name, c.error, c.failures);
        assert!(c.exchange.contains("status: 302"), "{}: {}", c.name, c.exchange);
        let undocumented = c
            .failures
            .iter()
            .find(|f| f.id == "status_code_conformance")
            .unwrap_or_else(|| panic!("{}: {:?}", c.name, c.failures));
        assert!(
            undocumented.message.contains("status 302 is not documented"),
            "{undocumented:?}"
        );
        // To a request without the credential, a redirect (to a login page) is a refusal.
        assert!(
            c.failures.iter().all(|f| f.id != "ignored_auth"),
            "{}: {:?}",
            c.name,
            c.failures
        );
    }
    assert!(
        report
            .cases
            .iter()
            .any(|c| c.expect == conformance::plan::Expect::Unauthorized),
        "{}",
        report.summary()
    );
}

// ---------------------------------------------------------------- 6. 429

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_as_retry_after_says() {
    // The first request on each of the spec's routes (method and path) gets a 429.
    let throttled: Arc<Mutex<HashSet<String>>> = Arc::default();
    let throttle = {
        let throttled = throttled.clone();
        from_fn(move |request: Request, next: Next| {
            let throttled = throttled.clone();
            async move {
                let first = route_of(request.method(), request.uri().path())
                    .is_some_and(|route| throttled.lock().unwrap().insert(route));
                if first {
                    return Response::builder()
                        .status(StatusCode::TOO_MANY_REQUESTS)
                        .header(header::RETRY_AFTER, "1")
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(r#"{"detail":"slow down"}"#))
                        .unwrap();
                }
                next.run(request).await
            }
        })
    };
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let server = Server::axum(with_ledger(kejue().layer(throttle), ledger.clone())).await;
    let report = run(server.base_url(), settings(), &[]).await;
    server.stop().await;

    // Every case passed: none took a 429 as its answer.
    assert!(report.passed(), "{}", report.summary());
    assert_eq!(report.count(Status::Skipped), 0);

    let ledger = ledger.lock().unwrap();
    let limited: Vec<&Seen> = ledger.seen.iter().filter(|s| s.status == 429).collect();
    let routes: BTreeSet<String> = limited.iter().filter_map(|s| route_of(&s.method, &s.path)).collect();
    // The five operations' routes and the three methods probed on the item, each limited once.
    assert_eq!(limited.len(), 8, "{routes:?}");
    assert_eq!(routes.len(), 8, "{routes:?}");
    // Each limited request came again, at least the second Retry-After asked for later.
    for s in &limited {
        assert!(
            ledger.seen.iter().any(|again| again.fingerprint == s.fingerprint
                && again.status != 429
                && again.at >= s.at + Duration::from_secs(1)),
            "{} {} was not sent again a second later",
            s.method,
            s.path
        );
    }
    assert!(ledger.seen.len() > report.cases.len() + limited.len());
}

// ---------------------------------------------------------------- 7. failing cleanup

/// getWebhook's cases against a kejue server whose every DELETE answers `status`: they make
/// their own webhooks and leave the deleting to the cleanup (one webhook after another, with
/// backoff where it retries, so the suite is kept small).
async fn run_with_deletes_answering(status: StatusCode) -> (Report, Arc<Mutex<Ledger>>) {
    let deletes = from_fn(move |request: Request, next: Next| async move {
        if request.method() == Method::DELETE {
            return Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"detail":"cannot delete"}"#))
                .unwrap();
        }
        next.run(request).await
    });
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let server = Server::axum(with_ledger(kejue().layer(deletes), ledger.clone())).await;
    let report = run(server.base_url(), settings(), &["getWebhook"]).await;
    server.stop().await;
    (report, ledger)
}

/// Each webhook made has one cleanup failure naming its path and `status`, after `tries`
/// DELETEs.
fn assert_cleanup_failed(report: &Report, ledger: &Ledger, status: &str, tries: usize) {
    assert!(!ledger.created.is_empty());
    assert!(ledger.deleted.is_empty());
    assert_eq!(
        report.cleanup_failures.len(),
        ledger.created.len(),
        "{:?}",
        report.cleanup_failures
    );
    for id in &ledger.created {
        let path = format!("/webhooks/{id}");
        assert!(
            report
                .cleanup_failures
                .iter()
                .any(|f| f.contains(&path) && f.contains(status)),
            "no cleanup failure names {path}: {:?}",
            report.cleanup_failures
        );
        let seen = ledger
            .seen
            .iter()
            .filter(|s| s.method == Method::DELETE && s.path.ends_with(&path))
            .count();
        assert_eq!(seen, tries, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleanup_that_fails_is_reported_and_fails_the_run() {
    let (report, ledger) = run_with_deletes_answering(StatusCode::INTERNAL_SERVER_ERROR).await;
    // Every case passed; only the cleanup failed, and that fails the run.
    assert_eq!(
        report.count(Status::Failed) + report.count(Status::Error),
        0,
        "{}",
        report.summary()
    );
    assert!(!report.passed());
    assert!(report.summary().contains("cleanup:"), "{}", report.summary());
    // A 5xx may pass: tried three times before giving up.
    assert_cleanup_failed(&report, &ledger.lock().unwrap(), "500", 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_cleanup_is_not_tried_again() {
    // A 4xx is the same answer every time: one try per webhook, then the report says so.
    let (report, ledger) = run_with_deletes_answering(StatusCode::FORBIDDEN).await;
    assert!(!report.passed());
    assert_cleanup_failed(&report, &ledger.lock().unwrap(), "403", 1);
}

// ---------------------------------------------------------------- 8. own resources

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_deletes_exactly_what_it_created() {
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let server = Server::axum(with_ledger(kejue(), ledger.clone())).await;
    let base_url = server.base_url();
    let report = run(base_url.clone(), Settings::default(), &[]).await;

    assert!(report.passed(), "{}", report.summary());
    {
        let ledger = ledger.lock().unwrap();
        assert!(ledger.created.len() > 50, "{}", ledger.created.len());
        let mut deletes: BTreeMap<&str, usize> = BTreeMap::new();
        for id in &ledger.deleted {
            *deletes.entry(id.as_str()).or_default() += 1;
        }
        for id in &ledger.created {
            assert_eq!(
                deletes.get(id.as_str()),
                Some(&1),
                "{id} deleted {:?} times",
                deletes.get(id.as_str())
            );
        }
        let created: HashSet<&str> = ledger.created.iter().map(String::as_str).collect();
        assert_eq!(created.len(), ledger.created.len(), "an id was created twice");
        for id in deletes.keys() {
            assert!(created.contains(id), "{id} was deleted but not created by the run");
        }
    }
    // Nothing is left for either tenant.
    let client = reqwest::Client::new();
    for key in [KEY, KEY_ALT] {
        let left: Value = client
            .get(format!("{base_url}/webhooks"))
            .header("X-API-Key", key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(left, json!([]), "left over for {key}");
    }
    server.stop().await;
}

// ---------------------------------------------------------------- sweep

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_removes_tagged_leftovers_and_nothing_else() {
    let running = reference::start(
        Options {
            api: Api::Kejue,
            db: None,
            keys: vec![KEY.into()],
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/webhooks", running.base_url);
    for hook in [
        "https://example.com/cfm-deadbeef/one",
        "https://example.com/hooks?run=cfm-deadbeef",
        "https://example.com/mine",
    ] {
        let response = client
            .post(&url)
            .header("X-API-Key", KEY)
            .json(&json!({"url": hook, "events": ["call.ended"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{hook}");
    }

    let plan = Arc::new(conformance::plan(&spec(), &conformance::new_tag(), &[]));
    let target = Target {
        base_url: running.base_url.clone(),
        token: Some(KEY.into()),
        token_alt: None,
        ca_certs: Vec::new(),
    };
    let runner = Runner::new(plan.clone(), target.clone(), settings()).unwrap();
    let swept = tokio::time::timeout(NO_HANG, runner.sweep(false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((swept.removed, swept.failures), (2, Vec::<String>::new()));

    let left: Vec<Value> = client
        .get(&url)
        .header("X-API-Key", KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let urls: Vec<&str> = left.iter().filter_map(|w| w["url"].as_str()).collect();
    assert_eq!(urls, ["https://example.com/mine"]);

    // A second sweep finds nothing.
    let runner = Runner::new(plan, target, settings()).unwrap();
    let swept = runner.sweep(false).await.unwrap();
    assert_eq!((swept.removed, swept.failures), (0, Vec::<String>::new()));
    running.stop().await.unwrap();
}
