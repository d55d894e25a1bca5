//! `conformance.toml` on real runs (kejue's reference router, in-process): known deviations
//! from a baseline pass until their date and fail after it; expected statuses, extra headers
//! and skips change what is judged and sent; a bad file is refused with its line.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use conformance::InProcess;
use conformance::config::{Config, Date};
use conformance::report::{Report, Status};
use reference::{Api, EMBEDDED_KEYS, Store, Tenants};

fn router() -> axum::Router {
    let keys: Vec<String> = EMBEDDED_KEYS.iter().map(|k| (*k).to_owned()).collect();
    Api::Kejue.router(Arc::new(Store::open(None).unwrap()), Arc::new(Tenants::new(&keys)))
}

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The kejue suite against `router`, with the configuration `toml` (none when empty).
async fn run(router: axum::Router, toml: &str, dir: &Path) -> Report {
    let mut suite = InProcess::new(spec())
        .token(EMBEDDED_KEYS[0])
        .token_alt(EMBEDDED_KEYS[1]);
    if !toml.is_empty() {
        let file = dir.join("conformance.toml");
        std::fs::write(&file, toml).unwrap();
        suite = suite.config(file);
    }
    suite.run(router).await.unwrap()
}

/// A server that breaks on bad creates: its 422s become 500s.
async fn breaks_on_bad_creates(request: Request, next: Next) -> Response {
    let create = request.method() == "POST" && request.uri().path() == "/api/v1/webhooks";
    let mut response = next.run(request).await;
    if create && response.status() == StatusCode::UNPROCESSABLE_ENTITY {
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    }
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_deviations_pass_until_their_date_then_fail_again() {
    let dir = scratch("config-known");
    let broken = || router().layer(from_fn(breaks_on_bad_creates));
    let first = run(broken(), "", &dir).await;
    let failed = first.count(Status::Failed);
    assert!(failed > 5 && !first.passed(), "{}", first.summary());

    // The baseline of that run, in date: every failure is known, and the run passes.
    let today = Date::today();
    let current = Config::baseline(&first, today, today.plus_days(30));
    let second = run(broken(), &current, &dir).await;
    assert!(second.passed(), "{}", second.summary());
    assert_eq!(second.count(Status::Known), failed);
    assert_eq!(second.count(Status::Failed), 0);
    let summary = second.summary();
    assert!(summary.contains("KNOWN DEVIATIONS"), "{summary}");
    assert!(
        summary.contains(&format!("until {}: baseline of {today}", today.plus_days(30))),
        "{summary}"
    );
    assert!(
        second
            .junit()
            .contains("<skipped message=\"known deviation (not_a_server_error")
    );
    // Known deviations do not hide a new failure: the router fixed, nothing is known.
    let fixed = run(router(), &current, &dir).await;
    assert!(fixed.passed() && fixed.count(Status::Known) == 0, "{}", fixed.summary());

    // Past its date, each fails again, saying the deviation expired.
    let expired = Config::baseline(&first, today, today.plus_days(-1));
    let third = run(broken(), &expired, &dir).await;
    assert!(!third.passed());
    assert_eq!(third.count(Status::Failed), failed);
    let message = &third
        .cases
        .iter()
        .find(|c| c.status == Status::Failed)
        .unwrap()
        .failures[0]
        .message;
    assert!(
        message.contains(&format!("expired after {}", today.plus_days(-1))),
        "{message}"
    );
}

/// A server that refuses with 400 where the spec documents 422.
async fn refuses_with_400(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expected_statuses_replace_the_specs() {
    let dir = scratch("config-expect");
    let broken = || router().layer(from_fn(refuses_with_400));
    let plain = run(broken(), "", &dir).await;
    assert!(!plain.passed());
    let configured = run(broken(), "[[expect]]\ncase = \"*\"\nrejected = [400]\n", &dir).await;
    assert!(configured.passed(), "{}", configured.summary());
    // The summary says so, once, with the lines that record what the server does: taken as
    // printed, they clear every case the undocumented status failed.
    let summary = plain.summary();
    let hint: String = summary
        .lines()
        .skip_while(|l| !l.contains("SPEC GAPS"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    assert!(
        hint.contains("operation = \"createWebhook\"\nrejected = [400]"),
        "{summary}"
    );
    assert_eq!(summary.matches("SPEC GAPS").count(), 1);
    let followed = run(broken(), &hint, &dir).await;
    assert!(followed.passed(), "{hint}\n{}", followed.summary());
    assert!(followed.unmet_refusals().is_empty());
    // The list replaces the spec: the reference server's 422 is no longer what is expected.
    let strict = run(
        router(),
        "[[expect]]\noperation = \"createWebhook\"\nrejected = [400]\n",
        &dir,
    )
    .await;
    let case = strict
        .cases
        .iter()
        .find(|c| c.name == "createWebhook.timeout_ms.below_minimum")
        .unwrap();
    assert_eq!(case.status, Status::Failed);
    assert!(
        case.failures[0]
            .message
            .contains("expected 400 (rejected of operation `createWebhook`), got 422"),
        "{:?}",
        case.failures
    );
    assert!(case.failures[0].rule.ends_with("conformance.toml:1"));
}

/// A staging gateway that wants its header on every request.
async fn wants_environment(request: Request, next: Next) -> Response {
    if request.headers().get("x-environment").and_then(|v| v.to_str().ok()) != Some("staging") {
        return (StatusCode::BAD_REQUEST, "no X-Environment").into_response();
    }
    next.run(request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_go_with_every_request_and_skips_leave_cases_out() {
    let dir = scratch("config-headers");
    let gated = || router().layer(from_fn(wants_environment));
    assert!(!run(gated(), "", &dir).await.passed());
    let toml = "[headers]\nX-Environment = \"staging\"\n\n[[skip]]\noperation = \"deleteWebhook\"\nreason = \"no deletes on staging\"\n";
    let report = run(gated(), toml, &dir).await;
    assert!(report.passed(), "{}", report.summary());
    assert!(report.cases.iter().all(|c| c.operation != "deleteWebhook"));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("cases of operation `deleteWebhook` skipped by")
                && n.ends_with(":4: no deletes on staging")),
        "{:?}",
        report.notes
    );
}

#[test]
fn a_bad_file_stops_the_command_with_its_line() {
    let dir = scratch("config-cli");
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[[known]]\ncase = \"x\"\ncheck = \"negative_data_rejection\"\nreasn = \"typo\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args([
            "list",
            "--spec",
            spec().to_str().unwrap(),
            "--config",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.toml:4:1: unknown field `reasn`"), "{stderr}");
}
