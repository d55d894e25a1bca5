//! A reference server on an ephemeral loopback port, two tenants' keys, and a client that
//! checks every answer against the spec it came from.

use std::path::Path;

use generator::model::{Api as Model, StatusSpec};
use reference::{Api, Options, Running};
use serde_json::Value;

pub mod receiver;

pub const KEY_A: &str = "key-tenant-a";
pub const KEY_B: &str = "key-tenant-b";

pub struct Harness {
    pub server: Running,
    pub model: Model,
    client: reqwest::Client,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Harness {
    pub async fn start(api: Api) -> Harness {
        let options = Options {
            api,
            db: None,
            keys: vec![KEY_A.into(), KEY_B.into()],
        };
        Harness::start_with(options, reference::deliver::Settings::local()).await
    }

    /// A server with the given options and delivery settings.
    pub async fn start_with(options: Options, delivery: reference::deliver::Settings) -> Harness {
        let api = options.api;
        let server = reference::start_with(options, delivery, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("the server starts");
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{}.yaml", api.name()));
        let model = generator::load(&spec).unwrap_or_else(|e| panic!("{e}"));
        Harness {
            server,
            model,
            client: reqwest::Client::new(),
        }
    }

    fn auth(&self, key: &str) -> (&'static str, String) {
        match self.server.api {
            Api::Kejue => ("X-API-Key", key.to_owned()),
            Api::Kallima => ("Authorization", format!("Bearer {key}")),
            Api::Konpro => ("x-api-key", key.to_owned()),
            Api::Sendkit => ("X-Api-Key", key.to_owned()),
        }
    }

    /// Sends raw text with the given headers; `key` adds the API's credential.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Answer {
        let mut request = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.server.base_url));
        if let Some(key) = key {
            let (name, value) = self.auth(key);
            request = request.header(name, value);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        assert!(status < 500, "{method} {path}: a 5xx is never right: {status} {body}");
        Answer { status, body }
    }

    /// Sends JSON as tenant `key`.
    pub async fn call(&self, method: &str, path: &str, key: &str, body: Option<Value>) -> Answer {
        let headers: &[(&str, &str)] = if body.is_some() {
            &[("content-type", "application/json")]
        } else {
            &[]
        };
        self.raw(method, path, Some(key), headers, body.map(|b| b.to_string()))
            .await
    }

    /// Asserts the answer's status, and that the spec's schema for it accepts the body.
    pub fn expect(&self, operation_id: &str, answer: &Answer, status: u16) -> Value {
        assert_eq!(answer.status, status, "{operation_id}: {}", answer.body);
        let op = self.model.operation(operation_id).expect("operation");
        let response = op
            .responses
            .iter()
            .find(|r| r.status == StatusSpec::Code(status))
            .unwrap_or_else(|| panic!("{operation_id} documents no {status}"));
        match &response.body {
            Some(body) => {
                let problems = generator::model::validate::validate(&self.model, &body.ty, &answer.body);
                assert!(
                    problems.is_empty(),
                    "{operation_id} {status}: {problems:?} in {}",
                    answer.body
                );
            }
            None => assert_eq!(
                answer.body,
                Value::Null,
                "{operation_id} {status} has no documented body"
            ),
        }
        answer.body.clone()
    }
}
