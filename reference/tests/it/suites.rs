//! The four suites inside `cargo test`: each API's router in-process, no port, through the
//! helper a crate's own tests would use, against the committed snapshots.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use conformance::InProcess;
use conformance::report::Status;
use conformance::snapshot::SnapshotOutcome;
use reference::{Api, EMBEDDED_KEYS, Store, Tenants};

fn router(api: Api) -> axum::Router {
    let keys: Vec<String> = EMBEDDED_KEYS.iter().map(|k| (*k).to_owned()).collect();
    api.router(Arc::new(Store::open(None).unwrap()), Arc::new(Tenants::new(&keys)))
}

fn workspace(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn suite(api: Api) -> InProcess {
    InProcess::new(workspace(&format!("specs/{}.yaml", api.name())))
        .token(EMBEDDED_KEYS[0])
        .token_alt(EMBEDDED_KEYS[1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_conforms_in_process_with_its_committed_snapshots() {
    for api in Api::ALL {
        let snapshots = workspace(&format!("conformance/snapshots/{}", api.name()));
        suite(api).snapshots(&snapshots).assert(router(api)).await;
        // Each answer is the one the committed snapshot holds, as over HTTP: none new.
        let report = suite(api).snapshots(&snapshots).run(router(api)).await.unwrap();
        let unmatched: Vec<&str> = report
            .cases
            .iter()
            .filter(|c| c.snapshot != Some(SnapshotOutcome::Matched))
            .map(|c| c.name.as_str())
            .collect();
        assert!(unmatched.is_empty(), "{api}: {unmatched:?}");
        assert!(report.cases.len() > 40);
    }
}

/// A server that accepts what the spec forbids: the rejection cases turn 200.
async fn accept_everything(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status().is_client_error() && response.status() != 401 && response.status() != 404 {
        *response.status_mut() = axum::http::StatusCode::OK;
    }
    response
}

#[tokio::test]
async fn a_router_that_breaks_its_spec_fails_in_process() {
    let report = suite(Api::Kejue)
        .run(router(Api::Kejue).layer(from_fn(accept_everything)))
        .await
        .unwrap();
    assert!(!report.passed());
    let bound = report
        .cases
        .iter()
        .find(|c| c.name == "createWebhook.timeout_ms.below_minimum")
        .unwrap();
    assert_eq!(bound.status, Status::Failed, "{}", report.summary());
    assert!(bound.failures.iter().any(|f| f.id == "negative_data_rejection"));
    // The request is shown as sent, to the in-process URL, with a curl command.
    let request = bound.request.as_ref().unwrap();
    assert_eq!(request.url, "http://in-process/api/v1/webhooks");
    assert!(
        bound
            .curl
            .as_deref()
            .unwrap()
            .starts_with("curl -i -X POST 'http://in-process/api/v1/webhooks'")
    );
}

#[tokio::test]
#[should_panic(expected = "does not conform")]
async fn the_helper_panics_with_the_report() {
    suite(Api::Kejue)
        .assert(router(Api::Kejue).layer(from_fn(accept_everything)))
        .await;
}
