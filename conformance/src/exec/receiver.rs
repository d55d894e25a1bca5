//! The receiver: where the webhooks a run creates deliver. It listens on loopback (or the
//! address given), over TLS with a certificate it makes when the API takes only `https`
//! URLs, and keeps only what arrives under the run's own prefix (`/<run tag>/...`, one path
//! per case); anything else is answered 404 unread. A path ending in `/fail` answers 503,
//! for the cases that count retries; the first request to a path given a [`First`]
//! ([`Receiver::first`]) is held past a timeout, or refused so that a retry comes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// One request the receiver got under the run's prefix.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Path under the receiver's root, the run tag first.
    pub path: String,
    /// Header names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: SystemTime,
    /// What the receiver answered.
    pub status: u16,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A running receiver; [`Receiver::stop`] ends it (dropping it does too).
pub struct Receiver {
    /// `http(s)://127.0.0.1:PORT`, or the public URL that forwards to it (`--receiver-url`).
    url: String,
    local: SocketAddr,
    tls: bool,
    prefix: String,
    got: Arc<Mutex<Vec<Delivery>>>,
    holds: Holds,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// How the receiver answers the first request to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum First {
    /// 200, only after this long.
    Hold(Duration),
    /// 503 at once.
    Refuse,
}

/// The first answers of the paths given one.
type Holds = Arc<Mutex<std::collections::HashMap<String, First>>>;

/// Why the receiver did not start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot make the receiver's TLS certificate: {0}")]
    Certificate(String),
}

impl Receiver {
    /// Listens on `listen`, keeping what arrives under `/<tag>/`; `tls` serves https with a
    /// self-signed certificate for `localhost` and `127.0.0.1`; `public_url` replaces the
    /// local URL in what the run writes into the webhooks it creates.
    pub async fn start(
        listen: SocketAddr,
        tls: bool,
        tag: &str,
        public_url: Option<&str>,
    ) -> Result<Receiver, ReceiverError> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ReceiverError::Listen {
                address: listen,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| ReceiverError::Listen {
            address: listen,
            source,
        })?;
        let acceptor = if tls { Some(acceptor()?) } else { None };
        let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let holds: Holds = Arc::default();
        let prefix = format!("/{tag}/");
        let task = tokio::spawn(serve(listener, acceptor, prefix.clone(), got.clone(), holds.clone()));
        let scheme = if tls { "https" } else { "http" };
        let url = public_url
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("{scheme}://{local}"));
        Ok(Receiver {
            url,
            local,
            tls,
            prefix,
            got,
            holds,
            task: Some(task),
        })
    }

    /// The first request to `path` (under the run's prefix) is answered as `first` says; the
    /// later ones 200 at once.
    pub fn first(&self, path: &str, first: First) {
        if let Ok(mut holds) = self.holds.lock() {
            holds.insert(format!("{}{path}", self.prefix), first);
        }
    }

    /// The URL the run writes into webhooks for a case's `path` (no leading `/`).
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{}{path}", self.url, self.prefix)
    }

    /// The root URL the webhooks are given (for redaction).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Everything received so far at `path` (under the run's prefix), in arrival order.
    pub fn at(&self, path: &str) -> Vec<Delivery> {
        let want = format!("{}{path}", self.prefix);
        self.got
            .lock()
            .map(|g| g.iter().filter(|d| d.path == want).cloned().collect())
            .unwrap_or_default()
    }

    /// Waits until `done` holds for what arrived at `path` or `deadline` passes; what arrived.
    pub async fn wait(&self, path: &str, deadline: Duration, done: impl Fn(&[Delivery]) -> bool) -> Vec<Delivery> {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let got = self.at(path);
            if done(&got) || tokio::time::Instant::now() >= until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops listening.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn acceptor() -> Result<tokio_rustls::TlsAcceptor, ReceiverError> {
    let problem = |e: &dyn std::fmt::Display| ReceiverError::Certificate(e.to_string());
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(|e| problem(&e))?;
    let cert = made.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(made.signing_key.serialize_der()).map_err(|e| problem(&e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| problem(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| problem(&e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    prefix: String,
    got: Arc<Mutex<Vec<Delivery>>>,
    holds: Holds,
) {
    let mut connections = tokio::task::JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        let (acceptor, prefix, got, holds) = (acceptor.clone(), prefix.clone(), got.clone(), holds.clone());
        connections.spawn(async move {
            let service = service_fn(move |request| handle(request, prefix.clone(), got.clone(), holds.clone()));
            let http = hyper::server::conn::http1::Builder::new();
            match acceptor {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
                None => {
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
}

async fn handle(
    request: hyper::Request<hyper::body::Incoming>,
    prefix: String,
    got: Arc<Mutex<Vec<Delivery>>>,
    holds: Holds,
) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let path = request.uri().path().to_owned();
    let answer = |status: u16| {
        let mut response = hyper::Response::new(Full::new(Bytes::new()));
        *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
        Ok(response)
    };
    // Nothing outside the run's own paths is read.
    if !path.starts_with(&prefix) {
        return answer(404);
    }
    let at = SystemTime::now();
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match http_body_util::Limited::new(request.into_body(), super::MAX_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return answer(413),
    };
    // Taken out on the first request: the later ones are answered at once.
    let first = holds.lock().ok().and_then(|mut h| h.remove(&path));
    let status = if path.ends_with("/fail") || first == Some(First::Refuse) {
        503
    } else {
        200
    };
    if let Ok(mut got) = got.lock() {
        got.push(Delivery {
            path,
            headers,
            body,
            at,
            status,
        });
    }
    if let Some(First::Hold(hold)) = first {
        tokio::time::sleep(hold).await;
    }
    answer(status)
}
