//! In-process runs keep the run's rules: what the run made is removed, `--max-failures` stops
//! it, and a service that does not answer times out and stops the run as a server would.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use conformance::exec::{Service, Settings, Target};
use conformance::{Control, InProcess, RunError, Suite};
use reference::{Api, EMBEDDED_KEYS, Store, Tenants};

fn spec() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml")
}

fn router(store: Arc<Store>) -> axum::Router {
    let keys: Vec<String> = EMBEDDED_KEYS.iter().map(|k| (*k).to_owned()).collect();
    Api::Kejue.router(store, Arc::new(Tenants::new(&keys)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_run_made_is_removed() {
    let store = Arc::new(Store::open(None).unwrap());
    let report = InProcess::new(spec())
        .token(EMBEDDED_KEYS[0])
        .token_alt(EMBEDDED_KEYS[1])
        .run(router(store.clone()))
        .await
        .unwrap();
    assert!(report.passed(), "{}", report.summary());
    assert_eq!(store.count("kejue").unwrap(), 0);
}

/// A server that breaks on bad input: its 422s become 500s.
async fn refusals_become_500(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    }
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_failures_stops_an_in_process_run() {
    let api = generator::load(&spec()).unwrap();
    let suite = Suite {
        name: "kejue".into(),
        target: Target {
            base_url: conformance::in_process::base_url(&api),
            token: Some(EMBEDDED_KEYS[0].into()),
            token_alt: Some(EMBEDDED_KEYS[1].into()),
            ca_certs: Vec::new(),
        },
        api,
        settings: Settings {
            concurrency: 1,
            ..Settings::default()
        },
        snapshots: None,
        operations: Vec::new(),
        options: Default::default(),
    };
    let store = Arc::new(Store::open(None).unwrap());
    let service = Service::new(router(store.clone()).layer(from_fn(refusals_become_500)));
    let control = Control {
        events: None,
        max_failures: Some(2),
    };
    let report = conformance::run_in_process(suite, service, std::future::pending(), control)
        .await
        .unwrap();
    assert_eq!(report.stopped_after, Some(2), "{}", report.summary());
    assert!(report.cases.len() < report.planned);
    assert!(!report.passed());
    assert_eq!(store.count("kejue").unwrap(), 0, "cleaned up after the stop");
}

async fn never_answers(_: Request, _: Next) -> Response {
    std::future::pending().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_never_answers_times_out() {
    let settings = Settings {
        timeout: Duration::from_millis(200),
        max_timeouts: 3,
        ..Settings::default()
    };
    let started = Instant::now();
    let outcome = InProcess::new(spec())
        .token(EMBEDDED_KEYS[0])
        .settings(settings)
        .run(router(Arc::new(Store::open(None).unwrap())).layer(from_fn(never_answers)))
        .await;
    match outcome {
        Err(RunError::TimedOut { count: 3, .. }) => {}
        other => panic!(
            "expected the run to stop after 3 timeouts, got {:?}",
            other.map(|r| r.summary())
        ),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}
