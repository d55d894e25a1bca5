//! In-process runs keep the run's rules: what the run made is removed, `--max-failures` stops
//! it, and a service that does not answer times out and stops the run as a server would.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{Method, StatusCode};
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

/// kejue's delivery cases in process, against the reference kejue with its delivery engine
/// over the same store, with `receiver` for where the run's receiver listens and is reached.
async fn delivering_run(receiver: conformance::exec::ReceiverOptions) -> conformance::report::Report {
    const BACKOFF_MS: u64 = 40;
    let store = Arc::new(Store::open(None).unwrap());
    let engine_settings = reference::deliver::Settings {
        backoff_ms: BACKOFF_MS,
        ..reference::deliver::Settings::local()
    };
    let engine = reference::deliver::Engine::start(store.clone(), engine_settings.clone()).unwrap();
    let keys: Vec<String> = EMBEDDED_KEYS.iter().map(|k| (*k).to_owned()).collect();
    let router = Api::Kejue.router_with(store.clone(), Arc::new(Tenants::new(&keys)), &engine_settings);
    let config_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.conformance.toml");
    let config = conformance::config::Config::load(&config_file).unwrap();
    let settings = Settings {
        delivery: config.delivery.map(|d| conformance::exec::DeliverySettings {
            backoff_ms: BACKOFF_MS,
            ..d
        }),
        receiver,
        ..Settings::default()
    };
    let report = InProcess::new(spec())
        .token(EMBEDDED_KEYS[0])
        .token_alt(EMBEDDED_KEYS[1])
        .operations(["createWebhook"])
        .settings(settings)
        .run(router)
        .await
        .unwrap();
    engine.stop().await;
    assert_eq!(store.count("kejue").unwrap(), 0, "the run's webhooks are removed");
    report
}

/// The delivery cases of `report` all ran and passed: every kind kejue supports.
fn assert_deliveries_pass(report: &conformance::report::Report) {
    let delivery: Vec<_> = report.cases.iter().filter(|c| c.name.contains(".delivery.")).collect();
    let names: Vec<&str> = delivery.iter().map(|c| c.name.as_str()).collect();
    for kind in ["delivered", "retries", "filter", "other_tenant", "timeout"] {
        assert!(
            names.contains(&format!("createWebhook.delivery.{kind}").as_str()),
            "{kind}: {names:?}"
        );
    }
    assert!(
        delivery.iter().all(|c| c.status == conformance::report::Status::Passed),
        "{}",
        report.summary()
    );
}

/// In process, a router whose server delivers gets the delivery cases and the receiver, as
/// over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_process_router_that_delivers_gets_the_delivery_cases() {
    let report = delivering_run(conformance::exec::ReceiverOptions::default()).await;
    assert_deliveries_pass(&report);
}

/// `--receiver-url`: the webhooks the run makes point at a public URL that forwards to the
/// receiver (a tunnel in staging; a forwarding proxy on another port here), and everything
/// arrives through it as it does on loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_behind_a_forwarding_proxy_works_as_the_loopback_one() {
    // The receiver's own port, chosen free, then given to it.
    let receiver_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let forwarded = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = forwarded.clone();
    let forwarding = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = proxy.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(receiver_addr).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let report = delivering_run(conformance::exec::ReceiverOptions {
        listen: receiver_addr,
        public_url: Some(proxy_url.clone()),
        ..Default::default()
    })
    .await;
    forwarding.abort();
    assert_deliveries_pass(&report);
    assert!(
        forwarded.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "no delivery came through the proxy"
    );
    // What the webhooks were given is the public URL, shown redacted as the receiver's.
    let delivered = report
        .cases
        .iter()
        .find(|c| c.name == "createWebhook.delivery.delivered")
        .unwrap();
    assert!(
        delivered.exchange.contains("[receiver]/[run]/delivered"),
        "{}",
        delivered.exchange
    );
    assert!(!delivered.exchange.contains(&proxy_url), "{}", delivered.exchange);
}

/// A server that answers any method on a route as if documented (its 405s become 200s), and
/// one that crashes on them (500s): `unsupported_method` fails for each, and passes on kejue's
/// own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undocumented_methods_answered_or_crashing_are_caught() {
    async fn any_method(request: Request, next: Next) -> Response {
        let mut response = next.run(request).await;
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            *response.status_mut() = StatusCode::OK;
        }
        response
    }
    async fn crashes(request: Request, next: Next) -> Response {
        let mut response = next.run(request).await;
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        }
        response
    }
    let run = |router: axum::Router| async move {
        InProcess::new(spec())
            .token(EMBEDDED_KEYS[0])
            .token_alt(EMBEDDED_KEYS[1])
            .operations(["getWebhook", "publishEvent"])
            .run(router)
            .await
            .unwrap()
    };
    let failed = |report: &conformance::report::Report| -> Vec<String> {
        report
            .cases
            .iter()
            .filter(|c| c.failures.iter().any(|f| f.id == "unsupported_method"))
            .map(|c| c.name.clone())
            .collect()
    };
    let clean = run(router(Arc::new(Store::open(None).unwrap()))).await;
    let probes = clean.cases.iter().filter(|c| c.name.contains(".method.")).count();
    assert!(probes >= 4, "{}", clean.summary());
    assert!(failed(&clean).is_empty(), "{}", clean.summary());
    // Around the whole router, so that its own 405s pass through the layer too.
    let fresh = || axum::Router::new().fallback_service(router(Arc::new(Store::open(None).unwrap())));
    for report in [
        run(fresh().layer(from_fn(any_method))).await,
        run(fresh().layer(from_fn(crashes))).await,
    ] {
        let answers: Vec<(String, Option<u16>)> = report
            .cases
            .iter()
            .filter(|c| c.name.contains(".method."))
            .map(|c| (c.name.clone(), c.answered))
            .collect();
        assert_eq!(failed(&report).len(), probes, "{answers:?}\n{}", report.summary());
    }
}

/// kallima's reads omit the secret, and its spec says so where a machine reads it (the
/// `WebhookRead` answer refuses a `secret`): a server whose GET returns it is caught.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_returns_the_secret_is_caught() {
    async fn leaks_the_secret(request: Request, next: Next) -> Response {
        let is_read = request.method() == Method::GET && request.uri().path().contains("/webhooks/");
        let response = next.run(request).await;
        if !is_read || response.status() != StatusCode::OK {
            return response;
        }
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        json["secret"] = serde_json::json!("whsec_bGVha2VkLXNlY3JldA==");
        let mut parts = parts;
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        Response::from_parts(parts, axum::body::Body::from(json.to_string()))
    }
    let kallima = |store: Arc<Store>| {
        let keys: Vec<String> = EMBEDDED_KEYS.iter().map(|k| (*k).to_owned()).collect();
        Api::Kallima.router(store, Arc::new(Tenants::new(&keys)))
    };
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kallima.yaml");
    let run = |router: axum::Router| {
        let spec = spec.clone();
        async move {
            InProcess::new(spec)
                .token(EMBEDDED_KEYS[0])
                .token_alt(EMBEDDED_KEYS[1])
                .operations(["getWebhook"])
                .run(router)
                .await
                .unwrap()
        }
    };
    let clean = run(kallima(Arc::new(Store::open(None).unwrap()))).await;
    assert!(clean.passed(), "{}", clean.summary());
    let leaky = run(axum::Router::new()
        .fallback_service(kallima(Arc::new(Store::open(None).unwrap())))
        .layer(from_fn(leaks_the_secret)))
    .await;
    let valid = leaky.cases.iter().find(|c| c.name == "getWebhook.valid").unwrap();
    assert!(
        valid.failures.iter().any(|f| f.id == "response_schema_conformance"),
        "{}",
        leaky.summary()
    );
}

/// sendkit takes the key as `X-Api-Key` or as a bearer token. A server that refuses the first
/// and takes the second is not a wrong credential: the run goes on with the bearer token, and
/// the refused alternative is a failed `security_alternative_accepted`, never exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_security_alternative_is_a_failed_check_not_a_refused_credential() {
    async fn refuses_api_keys(request: Request, next: Next) -> Response {
        if request.headers().contains_key("x-api-key") {
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    r#"{"error":"Unauthorized","message":"no","code":401}"#,
                ))
                .unwrap();
        }
        next.run(request).await
    }
    let keys: Vec<String> = EMBEDDED_KEYS.iter().map(|k| (*k).to_owned()).collect();
    let router = Api::Sendkit.router(Arc::new(Store::open(None).unwrap()), Arc::new(Tenants::new(&keys)));
    let report = InProcess::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/sendkit.yaml"))
        .token(EMBEDDED_KEYS[0])
        .token_alt(EMBEDDED_KEYS[1])
        .operations(["listWebhooks", "getWebhook"])
        .run(
            axum::Router::new()
                .fallback_service(router)
                .layer(from_fn(refuses_api_keys)),
        )
        .await
        .expect("a credential one alternative takes is not refused");
    assert!(
        report
            .preflight
            .iter()
            .any(|n| n.contains("refused as ApiKeyAuth and accepted as BearerAuth")),
        "{:?}",
        report.preflight
    );
    let failed: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| !c.failures.is_empty())
        .map(|c| c.name.as_str())
        .collect();
    assert!(!failed.is_empty(), "{}", report.summary());
    for case in &report.cases {
        for failure in &case.failures {
            assert_eq!(
                failure.id,
                "security_alternative_accepted",
                "{}: {}",
                case.name,
                report.summary()
            );
        }
    }
    assert!(
        report
            .cases
            .iter()
            .any(|c| c.name == "getWebhook.valid" && c.failures.is_empty())
    );
}
