//! Deliveries: how fast a reference server delivers what is published, and how long an event
//! takes from its publish to its arrival, with one receiver among twenty that never answers
//! (it must hold up no other). In process, loopback only; a release build.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use reference::{Api, Options, deliver};
use serde_json::{Value, json};

/// Events published, webhooks that answer, and the one that never does.
const EVENTS: usize = 1_000;
const LIVE: usize = 19;

/// What the bench measured.
pub struct Deliveries {
    pub delivered: usize,
    pub wall: Duration,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Arrival times by event number, of the live receivers' deliveries.
type Arrivals = Arc<Mutex<Vec<(usize, Instant)>>>;

async fn arrived(State(arrivals): State<Arrivals>, Path(_): Path<String>, body: axum::body::Bytes) -> StatusCode {
    let n = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["data"]["n"].as_u64());
    if let (Some(n), Ok(mut arrivals)) = (n, arrivals.lock()) {
        arrivals.push((n as usize, Instant::now()));
    }
    StatusCode::NO_CONTENT
}

async fn never_answers() -> StatusCode {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    StatusCode::NO_CONTENT
}

pub async fn measure() -> anyhow::Result<Deliveries> {
    let arrivals: Arrivals = Arc::default();
    let app = axum::Router::new()
        .route("/ok/{i}", post(arrived))
        .route("/dead", post(never_answers))
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver = format!("http://{}", listener.local_addr()?);
    let (stop_receiver, stopped) = tokio::sync::oneshot::channel::<()>();
    let receiving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let server = reference::start_with(
        Options::embedded(Api::Kejue),
        deliver::Settings::local(),
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let client = reqwest::Client::new();
    let key = reference::EMBEDDED_KEYS[0];
    let create = |url: String, timeout_ms: u64| {
        let request = client
            .post(format!("{}/webhooks", server.base_url))
            .header("x-api-key", key)
            .json(&json!({"url": url, "events": ["*"], "timeout_ms": timeout_ms, "max_retries": 0, "secret": "bench"}));
        async move {
            let answer = request.send().await?;
            anyhow::ensure!(answer.status().is_success(), "create answered {}", answer.status());
            anyhow::Ok(())
        }
    };
    create(format!("{receiver}/dead"), 1000).await?;
    for i in 0..LIVE {
        create(format!("{receiver}/ok/{i}"), 10_000).await?;
    }
    let started = Instant::now();
    let mut published = HashMap::new();
    for n in 0..EVENTS {
        let answer = client
            .post(format!("{}/events", server.base_url))
            .header("x-api-key", key)
            .json(&json!({"type": "bench.load", "data": {"n": n}}))
            .send()
            .await?;
        anyhow::ensure!(answer.status().is_success(), "publish answered {}", answer.status());
        published.insert(n, Instant::now());
    }
    let expected = EVENTS * LIVE;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let count = arrivals.lock().map(|a| a.len()).unwrap_or_default();
        if count >= expected {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{count} of {expected} deliveries arrived in 300 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = started.elapsed();
    let mut latencies: Vec<Duration> = arrivals
        .lock()
        .map_err(|_| anyhow::anyhow!("the arrivals lock is poisoned"))?
        .iter()
        .filter_map(|(n, at)| Some(at.saturating_duration_since(*published.get(n)?)))
        .collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    server.stop().await.context("stopping the reference server")?;
    let _ = stop_receiver.send(());
    let _ = receiving.await;
    Ok(Deliveries {
        delivered: latencies.len(),
        wall,
        per_second: latencies.len() as f64 / wall.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    })
}

pub fn markdown(d: &Deliveries) -> String {
    format!(
        "## Deliveries: publish to arrival\n\n\
         | events | webhooks (one never answers) | delivered | wall | deliveries/s | p50 publish → arrival | p99 |\n\
         |---|---|---|---|---|---|---|\n\
         | {EVENTS} | {} | {} | {:.2} s | {:.0} | {:.0} ms | {:.0} ms |\n\n\
         The kejue reference server in process (`reference::start_with`, private destinations \
         allowed), a loopback receiver that answers 204 on nineteen paths and never on the \
         twentieth (its webhook has `timeout_ms: 1000`, `max_retries: 0`). Events are published \
         one after another; the wall time runs from the first publish to the last arrival.\n\n",
        LIVE + 1,
        d.delivered,
        d.wall.as_secs_f64(),
        d.per_second,
        d.p50.as_secs_f64() * 1000.0,
        d.p99.as_secs_f64() * 1000.0,
    )
}
