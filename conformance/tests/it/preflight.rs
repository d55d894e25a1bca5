//! What stops a run before its cases, in plain sentences: a refused credential, a base URL
//! without the spec's path prefix or with a query, equal tokens, a server that stops
//! answering, an unknown `--operation`; and what `--help` says.
//!
//! Every server here listens on 127.0.0.1 only and is stopped by its test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use conformance::RunError;
use conformance::exec::{Settings, Target};
use conformance::report::Status;
use reference::{Api, Options, Running};

const KEY: &str = reference::EMBEDDED_KEYS[0];
const KEY_ALT: &str = reference::EMBEDDED_KEYS[1];

fn spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{name}.yaml"))
}

async fn kejue() -> Running {
    reference::start(
        Options {
            api: Api::Kejue,
            db: None,
            keys: vec![KEY.into(), KEY_ALT.into()],
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn suite(base_url: &str, token: Option<&str>, token_alt: Option<&str>, settings: Settings) -> conformance::Suite {
    conformance::Suite {
        name: "kejue".into(),
        api: generator::load(&spec("kejue")).unwrap(),
        target: Target {
            base_url: base_url.into(),
            token: token.map(str::to_owned),
            token_alt: token_alt.map(str::to_owned),
            ca_certs: Vec::new(),
        },
        settings,
        snapshots: None,
        operations: Vec::new(),
        options: Default::default(),
    }
}

async fn run(suite: conformance::Suite) -> Result<conformance::report::Report, RunError> {
    tokio::time::timeout(
        Duration::from_secs(120),
        conformance::run(suite, std::future::pending()),
    )
    .await
    .expect("the run hangs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_credential_stops_the_run_and_names_it() {
    let server = kejue().await;
    let wrong = run(suite(
        &server.base_url,
        Some("not-a-key"),
        Some(KEY_ALT),
        Settings::default(),
    ))
    .await;
    let wrong_alt = run(suite(
        &server.base_url,
        Some(KEY),
        Some("not-a-key"),
        Settings::default(),
    ))
    .await;
    let missing = run(suite(&server.base_url, None, None, Settings::default())).await;
    let newline = run(suite(&server.base_url, Some("key\n"), None, Settings::default())).await;
    server.stop().await.unwrap();

    let error = wrong.unwrap_err();
    assert!(
        matches!(error, RunError::CredentialRefused { status: 401, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.starts_with("the server refused CONFORMANCE_TOKEN (401)"), "{text}");
    assert!(
        text.contains("/api/v1/webhooks (listWebhooks)"),
        "says what was probed: {text}"
    );

    let text = wrong_alt.unwrap_err().to_string();
    assert!(
        text.starts_with("the server refused CONFORMANCE_TOKEN_ALT (401)"),
        "{text}"
    );

    let text = missing.unwrap_err().to_string();
    assert!(
        text.contains("without a credential (401)") && text.contains("set CONFORMANCE_TOKEN"),
        "{text}"
    );

    let error = newline.unwrap_err();
    assert!(
        matches!(
            error,
            RunError::CredentialUnusable {
                variable: "CONFORMANCE_TOKEN",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_without_the_spec_s_prefix_is_named() {
    let server = kejue().await;
    let root = format!("http://{}", server.address);
    let outcome = run(suite(&root, Some(KEY), Some(KEY_ALT), Settings::default())).await;
    server.stop().await.unwrap();
    let error = outcome.unwrap_err();
    assert!(matches!(error, RunError::EveryRequestNotFound { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.starts_with("every request got 404"), "{text}");
    assert!(
        text.ends_with("the spec's paths are below /api/v1; does --base-url include it?"),
        "{text}"
    );
    assert!(text.contains(&format!("GET {root}/webhooks")), "{text}");
}

#[tokio::test]
async fn a_base_url_with_a_query_or_fragment_is_refused() {
    for (url, what) in [
        ("http://127.0.0.1:9/api/v1?x=1", "query (`?x=1`)"),
        ("http://127.0.0.1:9/api/v1#top", "fragment (`#top`)"),
    ] {
        let error = run(suite(url, Some(KEY), None, Settings::default())).await.unwrap_err();
        assert!(matches!(error, RunError::BaseUrl { .. }), "{error:?}");
        let text = error.to_string();
        assert!(text.contains(what) && text.contains("leave the"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equal_tokens_skip_the_isolation_cases_and_say_so() {
    let server = kejue().await;
    let report = run(suite(&server.base_url, Some(KEY), Some(KEY), Settings::default()))
        .await
        .unwrap();
    server.stop().await.unwrap();
    let isolation: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.name.ends_with(".tenant.isolated"))
        .collect();
    assert!(!isolation.is_empty());
    for c in &isolation {
        assert_eq!(c.status, Status::Skipped, "{}", c.name);
    }
    assert_eq!(
        report.count(Status::Failed) + report.count(Status::Error),
        0,
        "{}",
        report.summary()
    );
    let summary = report.summary();
    assert!(
        summary.contains("CONFORMANCE_TOKEN_ALT is the same as CONFORMANCE_TOKEN: the isolation cases"),
        "{summary}"
    );
    assert!(
        summary.contains("preflight: GET http://"),
        "says what was probed: {summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_answering_stops_the_run() {
    // Accepts connections and reads requests, never answers; dropped when the test ends.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let held = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let holding = held.clone();
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            holding.lock().await.push(stream);
        }
    });
    let settings = Settings {
        timeout: Duration::from_millis(300),
        max_timeouts: 5,
        ..Settings::default()
    };
    let started = Instant::now();
    let outcome = run(suite(&format!("http://{address}/api/v1"), Some(KEY), None, settings)).await;
    let took = started.elapsed();
    server.abort();
    let _ = server.await;
    held.lock().await.clear();

    let error = outcome.unwrap_err();
    assert!(matches!(error, RunError::TimedOut { count: 5, .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with("5 requests in a row got no answer within 0.3 s (--timeout)"),
        "{text}"
    );
    assert!(text.contains("--max-timeouts"), "{text}");
    // Every case would have taken 0.3 s, 8 at a time: about 6 s for the whole suite.
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
}

// ---------------------------------------------------------------- the command line

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
}

#[test]
fn an_unknown_operation_lists_the_valid_ones_and_suggests_the_nearest() {
    let out = bin()
        .args(["list", "--operation", "getwebhook", "--spec"])
        .arg(spec("kejue"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown operationId `getwebhook` in --operation: did you mean `getWebhook`?"),
        "{stderr}"
    );
    assert!(stderr.contains("listWebhooks, createWebhook, getWebhook"), "{stderr}");

    let out = bin()
        .args(["list", "--operation", "nope", "--spec"])
        .arg(spec("kejue"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown operationId `nope`"));

    // One typo among valid ids is not ignored, and is found before any request.
    let out = bin()
        .args(["run", "--operation", "getWebhook", "--operation", "nope", "--spec"])
        .arg(spec("kejue"))
        .args(["--base-url", "http://127.0.0.1:9/api/v1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown operationId `nope`") && !stderr.contains("cannot reach"),
        "{stderr}"
    );

    let out = bin()
        .args(["list", "--operation", "getWebhook", "--spec"])
        .arg(spec("kejue"))
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn help_names_the_environment_and_the_credential_forms() {
    for args in [&["--help"][..], &["run", "--help"][..]] {
        let out = bin().args(args).output().unwrap();
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        for name in [
            "CONFORMANCE_TOKEN",
            "CONFORMANCE_TOKEN_ALT",
            "SSL_CERT_FILE",
            "HTTPS_PROXY",
            "NO_PROXY",
            "CI",
            "INSTA_UPDATE",
            "apiKey",
            "bearer",
            "`user:pass`",
            "With --auth-header NAME",
        ] {
            assert!(help.contains(name), "{args:?}: --help does not name {name}:\n{help}");
        }
    }
    let out = bin().args(["run", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--max-timeouts"));
}

/// A Basic credential is `user:password`: one without a colon stops the run before anything
/// is sent (the server here does not exist), naming the form, rather than going out as `tok-a:`.
#[test]
fn a_basic_credential_without_a_colon_is_refused_at_start() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("preflight-basic");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("basic.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.1.0
info: {title: basic, version: '1'}
components:
  securitySchemes:
    login: {type: http, scheme: basic}
security: [{login: []}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200': {description: ok}
        '401': {description: no}
",
    )
    .unwrap();
    let run = |token: &str, alt: Option<&str>| {
        let mut command = bin();
        command
            .args(["run", "--spec"])
            .arg(&spec)
            .args(["--base-url", "http://127.0.0.1:9"])
            .env("CONFORMANCE_TOKEN", token)
            .env_remove("CONFORMANCE_TOKEN_ALT");
        if let Some(alt) = alt {
            command.env("CONFORMANCE_TOKEN_ALT", alt);
        }
        command.output().unwrap()
    };
    let out = run("tok-a", None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "CONFORMANCE_TOKEN is sent as HTTP Basic (the spec's security scheme `login`), which takes the form `user:password`"
        ) && !stderr.contains("cannot reach"),
        "{stderr}"
    );
    assert!(!stderr.contains("tok-a"), "the credential is never shown: {stderr}");
    let out = run("user:pass", Some("other"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("CONFORMANCE_TOKEN_ALT is sent as HTTP Basic"),
        "{stderr}"
    );
    // With a colon the run goes on, to find no server.
    let out = run("user:", None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
}
