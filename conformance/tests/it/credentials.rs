//! Credentials as real servers take them: `--auth-header` for a spec that declares no
//! security scheme, every part of a credential masked in every output, and refusals that are
//! not a 401 or 403 (a redirect to a login page, a 404 that hides what exists), with no
//! redirect ever followed. Every server listens on 127.0.0.1 and is stopped by its test.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A credential as GitHub's API takes it: a word, a space, the secret.
const TOKEN: &str = "token tok-secret-123";
const SECRET: &str = "tok-secret-123";

/// An axum server on a loopback port, stopped by `stop`.
struct Server {
    address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(router: Router) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Server { address, stop, task }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn cli(args: Vec<String>, token: &'static str) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args(args)
            .env_remove("CI")
            .env_remove("CONFORMANCE_TOKEN_ALT")
            .env("CONFORMANCE_TOKEN", token)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn args(spec: &Path, base_url: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "run".to_owned(),
        "--spec".into(),
        spec.display().to_string(),
        "--base-url".into(),
        base_url.into(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}: {report:#}"))
}

fn failed_checks(case: &Value) -> Vec<&str> {
    case["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect()
}

/// No security scheme in the spec, a server that wants `Authorization: token <secret>` and
/// echoes the bare secret in one answer (whose schema says it is a number).
const OPEN_SPEC: &str = "openapi: 3.1.0
info: {title: open, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: array, items: {type: string}}}
        '401': {description: no credential}
  /me:
    get:
      operationId: getMe
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: object, properties: {seen: {type: integer}}}}
        '401': {description: no credential}
";

/// A JSON answer (axum here is built without its `json` feature).
fn json_answer(value: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).is_some_and(|v| v == TOKEN)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_header_sends_the_credential_where_the_spec_declares_no_scheme_and_every_part_is_masked() {
    let router = Router::new()
        .route(
            "/things",
            get(|headers: HeaderMap| async move {
                if authorized(&headers) {
                    json_answer(json!(["a", "b"]))
                } else {
                    StatusCode::UNAUTHORIZED.into_response()
                }
            }),
        )
        .route(
            "/me",
            get(|headers: HeaderMap| async move {
                if authorized(&headers) {
                    // The bare secret, as a server that echoes who called may show it.
                    json_answer(json!({"seen": SECRET, "note": format!("called with {SECRET}")}))
                } else {
                    StatusCode::UNAUTHORIZED.into_response()
                }
            }),
        );
    let server = Server::start(router).await;
    let dir = scratch("credentials-auth-header");
    let spec = dir.join("open.yaml");
    std::fs::write(&spec, OPEN_SPEC).unwrap();
    let base = format!("http://{}", server.address);
    let (json, junit, har) = (dir.join("report.json"), dir.join("junit.xml"), dir.join("run.har"));
    let files = [
        "--report-json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--har",
        har.to_str().unwrap(),
    ];
    let mut with_header = files.to_vec();
    with_header.extend(["--auth-header", "Authorization"]);
    let sent = cli(args(&spec, &base, &with_header), TOKEN).await;
    let outputs: Vec<String> = [&json, &junit, &har]
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let snapshots = dir.join("snapshots");
    let snapshot_run = cli(
        args(
            &spec,
            &base,
            &[
                "--auth-header",
                "Authorization",
                "--snapshots",
                snapshots.to_str().unwrap(),
            ],
        ),
        TOKEN,
    )
    .await;
    let without = cli(args(&spec, &base, &files), TOKEN).await;
    let refused = cli(
        args(&spec, &base, &["--auth-header", "Authorization"]),
        "token wrong-one",
    )
    .await;
    server.stop().await;

    // Sent as the header: the list is accepted; the echo fails its schema.
    assert_eq!(sent.status.code(), Some(1), "{}", text(&sent));
    let report: Value = serde_json::from_str(&outputs[0]).unwrap();
    assert_eq!(case(&report, "listThings.valid")["status"], "passed", "{report:#}");
    assert_eq!(
        failed_checks(case(&report, "getMe.valid")),
        ["response_schema_conformance"],
        "{report:#}"
    );
    // The credential and its bare secret are masked everywhere: summary, JSON, JUnit, HAR,
    // snapshots; the reproduce line reads it from the environment.
    let stdout = String::from_utf8_lossy(&sent.stdout);
    let mut written = vec![stdout.to_string()];
    written.extend(outputs.iter().cloned());
    for entry in std::fs::read_dir(&snapshots).unwrap() {
        written.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(written.len() > 4, "no snapshots written: {}", text(&snapshot_run));
    for (i, out) in written.iter().enumerate() {
        assert!(!out.contains(SECRET), "output {i} shows the secret:\n{out}");
    }
    assert!(
        outputs[0].contains("[credential]") && stdout.contains("[credential]"),
        "the echoed secret is masked: {stdout}"
    );
    assert!(
        stdout.contains(r#"-H 'Authorization: '"$CONFORMANCE_TOKEN""#),
        "{stdout}"
    );

    // Without --auth-header nothing carries it, and the server refuses every case.
    assert_eq!(without.status.code(), Some(1), "{}", text(&without));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        failed_checks(case(&report, "listThings.valid")),
        ["positive_data_acceptance"],
        "{report:#}"
    );

    // With it, a credential the server refuses stops the run at the preflight, as for a scheme.
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("the server refused CONFORMANCE_TOKEN (401)"),
        "{}",
        text(&refused)
    );
}

/// A spec with a key in a header; a server that redirects requests without it to a login page
/// (`/private`), or answers 404 to them as if nothing were there (`/hidden`).
const PRIVATE_SPEC: &str = "openapi: 3.1.0
info: {title: private, version: '1'}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
security: [{key: []}]
paths:
  /private:
    get:
      operationId: getPrivate
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: object}}
        '302': {description: to the login page}
        '401': {description: no credential}
  /hidden:
    get:
      operationId: getHidden
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: object}}
        '404': {description: not there, or not for you}
";

const KEY: &str = "key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_a_login_page_or_a_hiding_404_refuses_a_credential_and_no_redirect_is_followed() {
    let logins = Arc::new(AtomicUsize::new(0));
    let seen = logins.clone();
    let known = |headers: &HeaderMap| headers.get("x-key").is_some_and(|v| v == KEY);
    let router = Router::new()
        .route(
            "/private",
            get(move |headers: HeaderMap| async move {
                if known(&headers) {
                    json_answer(json!({"mine": true}))
                } else {
                    Response::builder()
                        .status(StatusCode::FOUND)
                        .header(header::LOCATION, "/login")
                        .body(axum::body::Body::empty())
                        .unwrap()
                }
            }),
        )
        .route(
            "/hidden",
            get(move |headers: HeaderMap| async move {
                if known(&headers) {
                    json_answer(json!({"mine": true}))
                } else {
                    StatusCode::NOT_FOUND.into_response()
                }
            }),
        )
        .route(
            "/login",
            get(move || async move {
                seen.fetch_add(1, Ordering::SeqCst);
                "<form>log in</form>"
            }),
        );
    let server = Server::start(router).await;
    let dir = scratch("credentials-refusals");
    let spec = dir.join("private.yaml");
    std::fs::write(&spec, PRIVATE_SPEC).unwrap();
    let json = dir.join("report.json");
    let base = format!("http://{}", server.address);
    let out = cli(args(&spec, &base, &["--report-json", json.to_str().unwrap()]), KEY).await;
    server.stop().await;

    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(logins.load(Ordering::SeqCst), 0, "a redirect was followed");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let auth_cases: Vec<&Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["expect"] == "unauthorized")
        .collect();
    for op in ["getPrivate", "getHidden"] {
        assert!(
            auth_cases.iter().any(|c| c["operation"] == op),
            "no authentication case of {op}: {report:#}"
        );
    }
    for c in &auth_cases {
        assert_eq!(c["status"], "passed", "{c:#}");
        let status = if c["operation"] == "getPrivate" { "302" } else { "404" };
        assert!(
            c["exchange"].as_str().unwrap().contains(&format!("status: {status}")),
            "{c:#}"
        );
    }
}
