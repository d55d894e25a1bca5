//! A webhook receiver for tests: axum on 127.0.0.1 (and, for konpro, TLS in front of it with a
//! certificate made here), recording every request. The first path segment says how it
//! answers: `/ok/..` 200; `/fail/K/..` 503 the first K times that path is hit, then 200;
//! `/sleep/MS/..` 200 after MS ms; `/never/..` never answers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Arrival {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Arrival {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Seen {
    arrivals: Vec<Arrival>,
    hits: HashMap<String, usize>,
}

pub struct Receiver {
    pub url: String,
    pub https_url: Option<String>,
    seen: Arc<Mutex<Seen>>,
    stops: Vec<(oneshot::Sender<()>, JoinHandle<()>)>,
}

async fn record(State(seen): State<Arc<Mutex<Seen>>>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let path = uri.path().to_owned();
    let hit = {
        let mut seen = seen.lock().unwrap();
        seen.arrivals.push(Arrival {
            path: path.clone(),
            headers,
            body,
            at: Instant::now(),
        });
        let hit = seen.hits.entry(path.clone()).or_insert(0);
        *hit += 1;
        *hit
    };
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["fail", k, ..] if hit <= k.parse::<usize>().unwrap() => StatusCode::SERVICE_UNAVAILABLE,
        ["sleep", ms, ..] => {
            tokio::time::sleep(Duration::from_millis(ms.parse().unwrap())).await;
            StatusCode::OK
        }
        ["never", ..] => std::future::pending().await,
        _ => StatusCode::OK,
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        Receiver::start_with_tls(false).await
    }

    /// With `tls`, also an https port (a self-signed certificate for 127.0.0.1).
    pub async fn start_with_tls(tls: bool) -> Receiver {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let router = axum::Router::new().fallback(record).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let mut stops = vec![(stop, task)];
        let mut https_url = None;
        if tls {
            let (front, stop, task) = tls_front(address).await;
            https_url = Some(format!("https://{front}"));
            stops.push((stop, task));
        }
        Receiver {
            url: format!("http://{address}"),
            https_url,
            seen,
            stops,
        }
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        self.seen.lock().unwrap().arrivals.clone()
    }

    pub fn arrivals_at(&self, path: &str) -> Vec<Arrival> {
        self.arrivals().into_iter().filter(|a| a.path == path).collect()
    }

    /// Waits until `done` holds of the arrivals, or panics after `limit`.
    pub async fn wait_until(&self, limit: Duration, what: &str, done: impl Fn(&[Arrival]) -> bool) -> Vec<Arrival> {
        let start = Instant::now();
        loop {
            let arrivals = self.arrivals();
            if done(&arrivals) {
                return arrivals;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what}; {} arrivals: {:?}",
                arrivals.len(),
                arrivals.iter().map(|a| &a.path).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(self) {
        for (stop, task) in self.stops {
            let _ = stop.send(());
            task.abort();
            let _ = task.await;
        }
    }
}

/// TLS on a port of its own in front of `backend`: the handshake here, bytes passed on.
async fn tls_front(backend: SocketAddr) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => {
                    let Ok((tcp, _)) = accepted else { break };
                    let acceptor = acceptor.clone();
                    connections.spawn(async move {
                        let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                        let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else { return };
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    });
                }
            }
        }
        connections.abort_all();
    });
    (address, stop, task)
}
