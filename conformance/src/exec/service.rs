//! The last hop of a request: over the network with reqwest, or to a tower service in this
//! process (an axum `Router`), with no socket. Everything before it (parameters, credentials,
//! the `Sent` record and its curl command, 429s) and after it (checks, snapshots, cleanup) is
//! the same for both.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use super::MAX_BODY;

/// An error of a service or of its answer's body.
type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Answer = http::Response<UnsyncBoxBody<Bytes, BoxError>>;
type Call = dyn Fn(http::Request<http_body_util::Full<Bytes>>) -> Pin<Box<dyn Future<Output = Result<Answer, BoxError>> + Send>>
    + Send
    + Sync;

/// What can answer the runner's requests in this process: any clonable tower service of
/// `http::Request<Full<Bytes>>` (an axum `Router` is one). Implemented for every such type.
pub trait AppService<B: AppBody>:
    tower_service::Service<
        http::Request<http_body_util::Full<Bytes>>,
        Response = http::Response<B>,
        Future: Send + 'static,
        Error: Into<BoxError>,
    > + Clone
    + Send
    + 'static
{
}

impl<S, B> AppService<B> for S
where
    B: AppBody,
    S: tower_service::Service<http::Request<http_body_util::Full<Bytes>>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
{
}

/// The body of an in-process answer.
pub trait AppBody: http_body::Body<Data = Bytes, Error: Into<BoxError>> + Send + 'static {}

impl<B> AppBody for B
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
}

/// A `tower::Service` that answers HTTP requests in this process: an axum `Router`, a
/// `tower::ServiceBuilder` stack, any service of `http::Request<Full<Bytes>>`. The runner sends
/// it every request it would send over the network.
#[derive(Clone)]
pub struct Service(Arc<Call>);

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Service")
    }
}

impl Service {
    /// Wraps `service`; each request goes to a clone of it (as a server gives each connection
    /// one), waited on until it is ready.
    pub fn new<S: AppService<B>, B: AppBody>(service: S) -> Service {
        // A Mutex makes any `Send` service shareable; it is held only to clone it.
        let shared = Mutex::new(service);
        Service(Arc::new(move |request| {
            let mut service = shared.lock().unwrap_or_else(|e| e.into_inner()).clone();
            Box::pin(async move {
                std::future::poll_fn(|cx| service.poll_ready(cx))
                    .await
                    .map_err(Into::into)?;
                let answer = service.call(request).await.map_err(Into::into)?;
                Ok(answer.map(|body| body.map_err(Into::into).boxed_unsync()))
            })
        }))
    }
}

/// A request ready for the last hop: the URL with its query, the headers as sent (the
/// credential's value in them), the body.
#[derive(Clone)]
pub(super) struct Outgoing {
    pub method: http::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// An answer as the last hop got it, before it is read as JSON.
pub(super) struct Incoming {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// How a request failed at the last hop: whether it counts as a timeout (for
/// `--max-timeouts`), and the cause in words.
pub(super) struct Failed {
    pub timed_out: bool,
    pub cause: String,
}

/// Headers as text (a value that is not UTF-8 is read lossily).
pub(super) fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Sends `outgoing` to `service` and reads the answer, within `timeout` for the whole and
/// `MAX_BODY` for the body. The request carries what a client adds on the wire: `host`
/// (from the URL) and, with a body, `content-length`. Redirects are not followed.
pub(super) async fn call(service: &Service, outgoing: Outgoing, timeout: Duration) -> Result<Incoming, Failed> {
    let failed = |cause: String| Failed {
        timed_out: false,
        cause,
    };
    let uri: http::Uri = outgoing
        .url
        .parse()
        .map_err(|e| failed(format!("request failed: the URL {} is not valid: {e}", outgoing.url)))?;
    let mut builder = http::Request::builder().method(outgoing.method).uri(&uri);
    if let Some(host) = uri.authority() {
        builder = builder.header(http::header::HOST, host.as_str());
    }
    for (k, v) in &outgoing.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let body = outgoing.body.map(Bytes::from).unwrap_or_default();
    if !body.is_empty() {
        builder = builder.header(http::header::CONTENT_LENGTH, body.len());
    }
    let request = builder
        .body(http_body_util::Full::new(body))
        .map_err(|e| failed(format!("request failed: the request cannot be built: {e}")))?;
    let exchange = async {
        let answer = (service.0)(request)
            .await
            .map_err(|e| failed(format!("request failed: the service failed: {e}")))?;
        let (parts, mut body) = answer.into_parts();
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| failed(format!("the answer body broke off: {e}")))?;
            if let Some(chunk) = frame.data_ref() {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return Err(failed(format!("the answer body is larger than {} MiB", MAX_BODY >> 20)));
                }
                bytes.extend_from_slice(chunk);
            }
        }
        Ok(Incoming {
            status: parts.status.as_u16(),
            headers: header_pairs(&parts.headers),
            body: bytes,
        })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(Failed {
            timed_out: true,
            cause: format!("timed out: no answer within {} s", timeout.as_secs_f64()),
        }),
    }
}

/// When a step started and how long it took (HAR's `startedDateTime` and `time`).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub started: SystemTime,
    pub elapsed: Duration,
}
