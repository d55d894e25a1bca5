//! Every failure can be sent again by hand: against a deliberately broken server, the curl
//! command of each failing case (from `--report-json`), run by the real `curl` with
//! `CONFORMANCE_TOKEN` in its environment, gets the status the runner got; and no output
//! holds the credential's value.
//!
//! The server listens on 127.0.0.1 only and is stopped by the test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use reference::{Api, Store, Tenants};
use serde_json::Value;

const KEY: &str = reference::EMBEDDED_KEYS[0];

/// Two breakages of `runner.rs`: `timeout_ms` one past the maximum is taken as the
/// maximum, and any credential is let in.
async fn broken(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    if parts.headers.get("x-api-key").is_some_and(|k| k != KEY) {
        parts.headers.insert("x-api-key", KEY.parse().unwrap());
    }
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut json) if json["timeout_ms"] == 30001 => {
            json["timeout_ms"] = 30000.into();
            serde_json::to_vec(&json).unwrap().into()
        }
        _ => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// `curl` from PATH; a machine without it fails this test, it does not skip it.
fn curl_status(command: &str) -> u16 {
    let probe = Command::new("curl").arg("--version").output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "this test runs the report's curl commands: install curl (it is not optional here)"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} -s -S -o /dev/null -w '%{{http_code}}'"))
        .env("CONFORMANCE_TOKEN", KEY)
        .env_remove("CONFORMANCE_TOKEN_ALT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{command}\nfailed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{command}: no status: {stdout}"))
}

/// The status of the case's own request, from its exchange text.
fn status_in(exchange: &str) -> u16 {
    exchange
        .lines()
        .find_map(|l| l.strip_prefix("status: "))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {exchange}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_curl_command_of_a_failure_gets_the_same_answer() {
    let store = Arc::new(Store::open(None).unwrap());
    let router = Api::Kejue
        .router(store.clone(), Arc::new(Tenants::new(&[KEY.into()])))
        .layer(from_fn(broken));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = reference::serve_router(Api::Kejue, listener, router, store).unwrap();
    let base = server.base_url.clone();

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reproduce");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit) = (dir.join("report.json"), dir.join("junit.xml"));
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml");
    let (base_c, json_c, junit_c) = (base.clone(), json.clone(), junit.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args([
                "run",
                "--operation",
                "createWebhook",
                "--operation",
                "listWebhooks",
                "--spec",
            ])
            .arg(spec)
            .args(["--base-url", &base_c, "--report-json"])
            .arg(&json_c)
            .arg("--junit")
            .arg(&junit_c)
            .env("CONFORMANCE_TOKEN", KEY)
            .env_remove("CONFORMANCE_TOKEN_ALT")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let case = |name: &str| {
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no case {name}"))
            .clone()
    };
    let bound = case("createWebhook.timeout_ms.above_maximum");
    let wrong = case("listWebhooks.auth.wrong");
    let mut checked = Vec::new();
    for c in [&bound, &wrong] {
        assert_eq!(c["status"], "failed", "{c}");
        let curl = c["curl"].as_str().unwrap_or_else(|| panic!("no curl field: {c}"));
        // The absolute URL, and no credential's value.
        assert!(curl.contains(&format!("'{base}/webhooks'")), "{curl}");
        assert!(!curl.contains(KEY), "{curl}");
        assert_eq!(c["request"]["url"], format!("{base}/webhooks"));
        let status = curl_status(curl);
        assert_eq!(status, status_in(c["exchange"].as_str().unwrap()), "{curl}");
        checked.push((curl.to_owned(), status));
    }
    server.stop().await.unwrap();

    // The bound case: the primary credential by reference, its body and content type.
    let (curl, status) = &checked[0];
    assert_eq!(*status, 201);
    assert!(curl.contains(r#"-H 'X-API-Key: '"$CONFORMANCE_TOKEN""#), "{curl}");
    assert!(curl.contains("-H 'content-type: application/json'"), "{curl}");
    assert!(curl.contains(r#""timeout_ms":30001"#), "{curl}");
    let headers = &bound["request"]["headers"];
    assert!(
        headers
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "X-API-Key" && h[1] == "[CONFORMANCE_TOKEN]"),
        "{headers}"
    );
    // The wrong credential as it is: it is not a secret.
    let (curl, status) = &checked[1];
    assert_eq!(*status, 200);
    assert!(curl.contains("-H 'X-API-Key: conformance-wrong-credential'"), "{curl}");

    // The summary shows the same: a curl line under every failing case (grouped by check),
    // and the whole request of the group's evidence case; so does the JUnit failure text.
    assert!(stdout.contains(&format!("request: POST {base}/webhooks")), "{stdout}");
    for (curl, _) in &checked {
        assert!(stdout.contains(&format!("reproduce: {curl}")), "{stdout}");
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("reproduce: curl -i -X POST"), "{xml}");
    for text in [stdout.as_str(), &xml, &std::fs::read_to_string(&json).unwrap()] {
        assert!(!text.contains(KEY), "a credential reached the output");
    }
}
