//! Serving a router on an ephemeral loopback port for the length of a test.

use std::path::Path;

use generator::model::{Api, StatusSpec};
use serde_json::Value;
use tokio::sync::oneshot;

/// A server on 127.0.0.1 that stops when dropped.
pub struct Served {
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn serve(router: axum::Router) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Served {
        base: format!("http://{address}"),
        stop: Some(stop),
    }
}

pub fn spec(name: &str) -> Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("{name}.yaml"));
    generator::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// An answer as the test sees it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

pub async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let client = reqwest::Client::new();
    let mut request = client.request(method.parse().expect("method"), url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        content_type,
        body,
    }
}

/// Asserts the answer has `status` and a body that the spec's schema for that status accepts.
pub fn assert_documented(api: &Api, operation_id: &str, answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{operation_id}: {answer:?}");
    let op = api.operation(operation_id).expect("operation");
    let response = op
        .responses
        .iter()
        .find(|r| r.status == StatusSpec::Code(status))
        .unwrap_or_else(|| panic!("{operation_id} documents no {status}"));
    if let Some(body) = &response.body {
        assert!(answer.content_type.starts_with("application/json"), "{answer:?}");
        let problems = generator::model::validate::validate(api, &body.ty, &answer.body);
        assert!(
            problems.is_empty(),
            "{operation_id} {status}: {problems:?} in {}",
            answer.body
        );
    }
}

/// What refuses `text` (read as `spec.yaml`): the error that refuses it whole, or else the
/// reason its first left-out part (an operation, a component schema) was left out, as
/// `--strict` refuses it. Panics when the spec lowers without either.
pub fn refusal(text: &str) -> generator::Error {
    refused(generator::load_str(text, Some(Path::new("spec.yaml"))))
}

/// What refused a spec that was read: its error, or the reason its first left-out part was
/// left out. Panics when it lowered without either.
pub fn refused(read: Result<Api, generator::Error>) -> generator::Error {
    match read {
        Err(e) => e,
        Ok(api) => api
            .warnings
            .iter()
            .find_map(generator::Error::left_out_reason)
            .unwrap_or_else(|| panic!("expected an error or a part left out: {:#?}", api.warnings)),
    }
}

/// The files of `api` as the standalone crate `name` (from `<name>.yaml`), with the runtime
/// beside it and its models cut as measured.
pub fn standalone_crate(api: &Api, name: &str) -> Vec<generator::emit::File> {
    let runtime = generator::emit::RuntimeSource::Path("codegen-runtime".into());
    generator::emit::standalone_crate(
        api,
        name,
        &format!("{name}.yaml"),
        &runtime,
        generator::emit::split::Sizes::MEASURED,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}
