//! SIGINT, SIGTERM and SIGHUP in the middle of a run: no new requests, the ones in flight
//! answered, everything the run made deleted, and the exit code a shell expects (128 + n).
//! What others made on the server is left exactly as it was.

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use reference::{Api, Store, Tenants};

use crate::support;
use support::{list, seed};

const KEY: &str = reference::EMBEDDED_KEYS[0];
const KEY_ALT: &str = reference::EMBEDDED_KEYS[1];

/// Every answer of the kejue reference server, 100 ms late; successful POSTs counted.
async fn slow_server(created: Arc<AtomicUsize>) -> reference::Running {
    let store = Arc::new(Store::open(None).unwrap());
    let router = Api::Kejue
        .router(store.clone(), Arc::new(Tenants::new(&[KEY.into(), KEY_ALT.into()])))
        .layer(from_fn(move |request: Request, next: Next| {
            let created = created.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let post = request.method() == "POST";
                let response: Response = next.run(request).await;
                if post && response.status().is_success() {
                    created.fetch_add(1, Ordering::SeqCst);
                }
                response
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    reference::serve_router(Api::Kejue, listener, router, store).unwrap()
}

async fn interrupted_run_cleans_up(signal: &str, code: i32) {
    let created = Arc::new(AtomicUsize::new(0));
    let server = slow_server(created.clone()).await;
    let base = server.base_url.clone();
    for (key, url) in [
        (KEY, "https://example.com/mine"),
        (KEY, "https://example.com/cfm-notmine"),
        (KEY, "https://example.com/cfm-0123abcd"),
        (KEY_ALT, "https://example.com/other-tenant"),
    ] {
        seed(&base, key, url).await;
    }
    let seeded = created.load(Ordering::SeqCst);
    let before = (list(&base, KEY).await, list(&base, KEY_ALT).await);

    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["run", "--concurrency", "4", "--spec"])
        .arg(&spec)
        .args(["--base-url", &base])
        .env("CONFORMANCE_TOKEN", KEY)
        .env("CONFORMANCE_TOKEN_ALT", KEY_ALT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Mid-run: the run has made a few resources of its own, and is still running.
    let started = Instant::now();
    while created.load(Ordering::SeqCst) < seeded + 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{signal}: the run made nothing"
        );
        assert!(child.try_wait().unwrap().is_none(), "{signal}: the run ended too early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(child.try_wait().unwrap().is_none(), "{signal}: the run ended too early");
    let killed = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{signal}: {stderr}");
    assert!(stderr.contains(&format!("SIG{signal}")), "{stderr}");

    let after = (list(&base, KEY).await, list(&base, KEY_ALT).await);
    server.stop().await.unwrap();
    assert!(created.load(Ordering::SeqCst) >= seeded + 3);
    // Nothing of the run is left, and what others made is exactly as it was.
    assert_eq!(after, before, "{signal}: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_cleans_up_and_exits_130() {
    interrupted_run_cleans_up("INT", 130).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleans_up_and_exits_143() {
    interrupted_run_cleans_up("TERM", 143).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_stops_cleans_up_and_exits_129() {
    interrupted_run_cleans_up("HUP", 129).await;
}
