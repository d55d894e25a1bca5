//! What several runner tests share: a raw TCP server, and of a kejue reference server,
//! another party's webhooks put there first, a tenant's list to compare before and after,
//! and a spec without its links.

use std::future::Future;
use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// A TCP server on a loopback port, below HTTP: each accepted connection goes to `handle` in
/// its own task until `stop` is sent; the connections still open are dropped then.
pub async fn accept_each<F, Fut>(handle: F) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>)
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        connections.spawn(handle(stream));
                    }
                    while connections.try_join_next().is_some() {}
                }
            }
        }
        connections.shutdown().await;
    });
    (address, stop, task)
}

/// A spec with every `links` object removed, as most real specs are written.
pub fn strip_links(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("links");
            map.values_mut().for_each(strip_links);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_links),
        _ => {}
    }
}

/// Creates a webhook at `url` as tenant `key`, not through the runner: what the run must
/// leave exactly as it was.
pub async fn seed(base: &str, key: &str, url: &str) {
    let status = reqwest::Client::new()
        .post(format!("{base}/webhooks"))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(json!({"url": url, "events": ["call.ended"], "name": "not the runner's"}).to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");
}

/// What tenant `key`'s list shows, sorted by id (a bare array or the first array in an
/// envelope object).
pub async fn list(base: &str, key: &str) -> Vec<Value> {
    let text = reqwest::Client::new()
        .get(format!("{base}/webhooks"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut items = json
        .as_array()
        .cloned()
        .or_else(|| {
            json.as_object()
                .and_then(|m| m.values().find_map(|v| v.as_array().cloned()))
        })
        .unwrap_or_else(|| panic!("not a list: {text}"));
    items.sort_by_key(|i| i["id"].as_str().unwrap_or_default().to_owned());
    items
}
