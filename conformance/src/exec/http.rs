//! One request on the wire: parameters and credentials placed as the spec says, 429s waited
//! out, answers read up to a limit, transport failures turned into causes.

use std::time::{Duration, SystemTime};

use generator::model::{Operation, ParamLocation, SecurityKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::retry::{Policy, Retries};
use super::{MAX_BODY, Received, Runner, Sent, Step, WRONG_CREDENTIAL, evaluate_link};
use crate::plan::{Auth, Param, ParamValue, RequestBody};

impl Runner {
    /// Sends one request; transport problems become the step's error, never a panic.
    pub(super) async fn send(
        &self,
        op: &Operation,
        params: &[Param],
        body: &RequestBody,
        auth: Auth,
        resource: Option<&Value>,
        label: &str,
    ) -> Step {
        let mut path = op.path.clone();
        let mut wire = Wire::default();
        let method = op.method.to_http();
        for p in params {
            let value = match &p.value {
                ParamValue::Text(t) => t.clone(),
                ParamValue::Linked(expression) => match evaluate_link(expression, resource) {
                    Ok(v) => crate::plan::wire_text(&v),
                    Err(e) => {
                        return Step {
                            label: label.into(),
                            collection: false,
                            sent: Sent {
                                method: method.to_string(),
                                path,
                                body: None,
                            },
                            received: Err(e),
                        };
                    }
                },
            };
            match p.location {
                ParamLocation::Path => path = path.replace(&format!("{{{}}}", p.name), &percent_encode(&value)),
                ParamLocation::Query => wire.query.push((p.name.clone(), value)),
                ParamLocation::Header => wire.headers.push((p.name.clone(), value)),
                ParamLocation::Cookie => wire.cookies.push((p.name.clone(), value)),
            }
        }
        let credential = match auth {
            Auth::Primary => self.target.token.clone(),
            Auth::Alternate => self.target.token_alt.clone(),
            Auth::Wrong => Some(WRONG_CREDENTIAL.to_owned()),
            Auth::Missing => None,
        };
        if let Some(credential) = credential {
            self.place_credential(op, &credential, &mut wire);
        }
        // One Cookie header for every cookie, as RFC 6265 section 5.4 sends them.
        if !wire.cookies.is_empty() {
            let pairs: Vec<String> = wire.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            wire.headers.push(("cookie".into(), pairs.join("; ")));
        }
        let Wire {
            query, headers, basic, ..
        } = wire;
        let mut shown = path.clone();
        if !query.is_empty() {
            let encoded: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            shown = format!("{shown}?{}", encoded.join("&"));
        }
        let (content_type, text) = match body {
            RequestBody::None => (None, None),
            RequestBody::Json(v) => (Some("application/json".to_owned()), Some(v.to_string())),
            RequestBody::Raw { content_type, text } => (Some(content_type.clone()), Some(text.clone())),
        };
        let sent = Sent {
            method: method.to_string(),
            path: shown.clone(),
            body: text.clone(),
        };
        let collection = self.plan.resources.as_ref().and_then(|r| r.list.as_ref()) == Some(&op.operation_id);
        let url = format!("{}{shown}", self.target.base_url.trim_end_matches('/'));
        // 429: wait as the server asks, a few times, then take the answer as it is.
        let mut retries = Retries::new(Policy::rate_limit(self.settings.rate_limit_retries));
        loop {
            let mut request = self.client.request(method.clone(), &url);
            for (k, v) in &headers {
                request = request.header(k.as_str(), v.as_str());
            }
            if let Some((user, password)) = &basic {
                request = request.basic_auth(user, password.as_ref());
            }
            if let Some(ct) = &content_type {
                request = request.header("content-type", ct.as_str());
            }
            if let Some(text) = &text {
                request = request.body(text.clone());
            }
            let received = self.receive(request).await;
            if let Ok((r, retry_after)) = &received
                && r.status == 429
                && retries.wait(*retry_after).await
            {
                continue;
            }
            return Step {
                label: label.into(),
                collection,
                sent,
                received: received.map(|(r, _)| r),
            };
        }
    }

    pub(super) async fn receive(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(Received, Option<Duration>), String> {
        let mut response = request.send().await.map_err(|e| cause(&e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(format!(
                "the answer body is larger than {} MiB (Content-Length: {})",
                MAX_BODY >> 20,
                response.content_length().unwrap_or_default()
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| cause(&e))? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(format!("the answer body is larger than {} MiB", MAX_BODY >> 20));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).ok();
        Ok((
            Received {
                status,
                content_type,
                text,
                json,
            },
            retry_after,
        ))
    }

    /// Puts the credential where the operation's first security alternative wants it.
    fn place_credential(&self, op: &Operation, credential: &str, wire: &mut Wire) {
        let Some(alternative) = op.security.iter().find(|a| !a.is_empty()) else {
            return;
        };
        for name in alternative {
            let Some(scheme) = self.plan.api.security_scheme(name) else {
                continue;
            };
            match &scheme.kind {
                SecurityKind::ApiKey { location, name } => {
                    let pair = (name.clone(), credential.to_owned());
                    match location {
                        ParamLocation::Query => wire.query.push(pair),
                        ParamLocation::Cookie => wire.cookies.push(pair),
                        ParamLocation::Header | ParamLocation::Path => wire.headers.push(pair),
                    }
                }
                SecurityKind::Bearer | SecurityKind::OAuth2 => wire
                    .headers
                    .push(("authorization".into(), format!("Bearer {credential}"))),
                // `user:password`, split at the first colon (RFC 7617); reqwest encodes it.
                SecurityKind::Basic => {
                    wire.basic = Some(match credential.split_once(':') {
                        Some((user, password)) => (user.to_owned(), Some(password.to_owned())),
                        None => (credential.to_owned(), None),
                    });
                }
            }
        }
    }
}

/// Where a request's parameters and credential go, besides the path.
#[derive(Default)]
struct Wire {
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    /// Sent together in one `Cookie` header.
    cookies: Vec<(String, String)>,
    /// `Authorization: Basic` as user and password.
    basic: Option<(String, Option<String>)>,
}

/// `Retry-After` as delta-seconds or as an HTTP-date (RFC 9110 section 10.2.3), as a wait from `now`.
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        // A date in the past means "now".
        Err(_) => httpdate::parse_http_date(value)
            .ok()
            .map(|at| at.duration_since(now).unwrap_or_default()),
    }
}

pub(super) fn cause(e: &reqwest::Error) -> String {
    if let Some(problem) = crate::error::TlsProblem::find(e) {
        return format!("TLS: {problem}");
    }
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_redirect() {
        "too many redirects"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer body broke off"
    } else {
        "request failed"
    };
    let mut text = format!("{kind}: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Everything but RFC 3986's unreserved characters (ALPHA / DIGIT / "-" / "." / "_" / "~").
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes a path or query value (paths and queries alike).
fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use axum::extract::Request;
    use serde_json::{Value, json};

    use super::{percent_encode, retry_after};
    use crate::exec::{Runner, Settings, Target};
    use crate::plan::{Auth, Param, ParamValue, RequestBody};
    use generator::model::ParamLocation;

    #[test]
    fn unreserved_characters_stay_as_they_are() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(percent_encode("a b/c?d&e=f%"), "a%20b%2Fc%3Fd%26e%3Df%25");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn retry_after_as_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
    }

    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: echo, version: "1"}
components:
  securitySchemes:
    session: {type: apiKey, in: cookie, name: session}
    basic: {type: http, scheme: basic}
paths:
  /items/{item_id}:
    get:
      operationId: getItem
      security: [{session: []}]
      parameters:
        - {name: item_id, in: path, required: true, schema: {type: string}}
        - {name: q, in: query, schema: {type: string}}
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: theme, in: cookie, schema: {type: string}}
        - {name: lang, in: cookie, schema: {type: string}}
      responses:
        "200": {description: what the server got}
    put:
      operationId: putItem
      security: [{basic: []}]
      parameters:
        - {name: item_id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: what the server got}
"#;

    /// Answers with what it got: method, path and query as sent, and the headers.
    async fn echo(request: Request) -> String {
        let headers = request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), Value::from(v.to_str().unwrap_or("?"))))
            .collect::<serde_json::Map<_, _>>();
        let cookies: Vec<&str> = request
            .headers()
            .get_all("cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or("?"))
            .collect();
        json!({
            "method": request.method().as_str(),
            "target": request.uri().path_and_query().map(|p| p.as_str()),
            "headers": headers,
            "cookie_headers": cookies,
        })
        .to_string()
    }

    fn param(location: ParamLocation, name: &str, value: &str) -> Param {
        Param {
            location,
            name: name.into(),
            value: ParamValue::Text(value.into()),
        }
    }

    #[tokio::test]
    async fn parameters_go_where_their_location_says() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, axum::Router::new().fallback(echo)).await.unwrap();
        });
        let api = generator::load_str(SPEC, None).unwrap();
        let plan = Arc::new(crate::plan::plan(&api, "cfm-00000000", &[]));
        let runner = Runner::new(
            plan.clone(),
            Target {
                base_url: format!("http://{address}/"),
                token: Some("user:pa:ss".into()),
                token_alt: None,
                ca_certs: Vec::new(),
            },
            Settings::default(),
        )
        .unwrap();

        let get = plan.api.operation("getItem").unwrap();
        let params = [
            param(ParamLocation::Path, "item_id", "a b/c"),
            param(ParamLocation::Query, "q", "x&y"),
            param(ParamLocation::Header, "X-Trace", "t-1"),
            param(ParamLocation::Cookie, "theme", "dark"),
            param(ParamLocation::Cookie, "lang", "en"),
        ];
        let step = runner
            .send(get, &params, &RequestBody::None, Auth::Primary, None, "echo")
            .await;
        let got = step.received.unwrap().json.unwrap();
        assert_eq!(got["method"], "GET");
        assert_eq!(got["target"], "/items/a%20b%2Fc?q=x%26y");
        assert_eq!(got["headers"]["x-trace"], "t-1");
        // Cookies, the credential's among them, in one Cookie header; none as a header of its own.
        assert_eq!(
            got["cookie_headers"],
            json!(["theme=dark; lang=en; session=user:pa:ss"])
        );
        assert!(got["headers"].get("theme").is_none() && got["headers"].get("lang").is_none());
        assert_eq!(step.sent.method, "GET");
        assert_eq!(step.sent.path, "/items/a%20b%2Fc?q=x%26y");

        // Basic credentials: user and password split at the first colon, base64 by reqwest.
        let put = plan.api.operation("putItem").unwrap();
        let step = runner
            .send(put, &params[..1], &RequestBody::None, Auth::Primary, None, "echo")
            .await;
        let got = step.received.unwrap().json.unwrap();
        assert_eq!(got["method"], "PUT");
        assert_eq!(got["headers"]["authorization"], "Basic dXNlcjpwYTpzcw==");
        assert!(got["headers"].get("cookie").is_none());
        server.abort();
    }
}
