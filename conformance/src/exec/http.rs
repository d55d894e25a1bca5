//! One request on the wire: parameters and credentials placed as the spec says, 429s waited
//! out, answers read up to a limit, transport failures turned into causes.

use std::time::Duration;

use generator::model::{Operation, ParamLocation, SecurityKind};
use serde_json::Value;

use super::{MAX_BODY, Received, Runner, Sent, Step, WRONG_CREDENTIAL, resolve};
use crate::plan::{Auth, Body, Param, ParamValue};

impl Runner {
    /// Sends one request; transport problems become the step's error, never a panic.
    pub(super) async fn send(
        &self,
        op: &Operation,
        params: &[Param],
        body: &Body,
        auth: Auth,
        resource: Option<&Value>,
        label: &str,
    ) -> Step {
        let mut path = op.path.clone();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        let method = op.method.as_str().to_ascii_uppercase();
        for p in params {
            let value = match &p.value {
                ParamValue::Text(t) => t.clone(),
                ParamValue::Linked(expression) => match resolve(expression, resource) {
                    Ok(v) => crate::plan::text(&v),
                    Err(e) => {
                        return Step {
                            label: label.into(),
                            collection: false,
                            sent: Sent {
                                method,
                                path,
                                body: None,
                            },
                            received: Err(e),
                        };
                    }
                },
            };
            match p.location {
                "path" => path = path.replace(&format!("{{{}}}", p.name), &percent_encode(&value)),
                "query" => query.push((p.name.clone(), value)),
                _ => headers.push((p.name.clone(), value)),
            }
        }
        let credential = match auth {
            Auth::Primary => self.target.token.clone(),
            Auth::Alternate => self.target.token_alt.clone(),
            Auth::Wrong => Some(WRONG_CREDENTIAL.to_owned()),
            Auth::Missing => None,
        };
        if let Some(credential) = credential {
            self.place_credential(op, &credential, &mut headers, &mut query);
        }
        let mut shown = path.clone();
        if !query.is_empty() {
            let encoded: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            shown = format!("{shown}?{}", encoded.join("&"));
        }
        let (content_type, text) = match body {
            Body::None => (None, None),
            Body::Json(v) => (Some("application/json".to_owned()), Some(v.to_string())),
            Body::Raw { content_type, text } => (Some(content_type.clone()), Some(text.clone())),
        };
        let sent = Sent {
            method: method.clone(),
            path: shown.clone(),
            body: text.clone(),
        };
        let collection = self.plan.resources.as_ref().and_then(|r| r.list.as_ref()) == Some(&op.operation_id);
        let url = format!("{}{shown}", self.target.base_url.trim_end_matches('/'));
        let mut tries = 0;
        loop {
            let mut request = self
                .client
                .request(method.parse().unwrap_or(reqwest::Method::GET), &url);
            for (k, v) in &headers {
                request = request.header(k.as_str(), v.as_str());
            }
            if let Some(ct) = &content_type {
                request = request.header("content-type", ct.as_str());
            }
            if let Some(text) = &text {
                request = request.body(text.clone());
            }
            let received = self.receive(request).await;
            // 429: wait as the server asks, a few times, then take the answer as it is.
            if let Ok((r, retry_after)) = &received
                && r.status == 429
                && tries < self.settings.rate_limit_retries
            {
                tries += 1;
                tokio::time::sleep(
                    retry_after
                        .unwrap_or(Duration::from_millis(500 << tries))
                        .min(Duration::from_secs(30)),
                )
                .await;
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
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
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
    fn place_credential(
        &self,
        op: &Operation,
        credential: &str,
        headers: &mut Vec<(String, String)>,
        query: &mut Vec<(String, String)>,
    ) {
        let Some(alternative) = op.security.iter().find(|a| !a.is_empty()) else {
            return;
        };
        for name in alternative {
            let Some(scheme) = self.plan.api.security_scheme(name) else {
                continue;
            };
            match &scheme.kind {
                SecurityKind::ApiKey {
                    location: ParamLocation::Query,
                    name,
                } => query.push((name.clone(), credential.to_owned())),
                SecurityKind::ApiKey {
                    location: ParamLocation::Cookie,
                    name,
                } => headers.push(("cookie".into(), format!("{name}={credential}"))),
                SecurityKind::ApiKey { name, .. } => headers.push((name.clone(), credential.to_owned())),
                SecurityKind::Bearer | SecurityKind::OAuth2 => {
                    headers.push(("authorization".into(), format!("Bearer {credential}")))
                }
                SecurityKind::Basic => headers.push((
                    "authorization".into(),
                    format!("Basic {}", base64(credential.as_bytes())),
                )),
            }
        }
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

/// Percent-encodes everything but RFC 3986's unreserved characters (paths and queries alike).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_of_credentials() {
        assert_eq!(super::base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(super::base64(b"ab"), "YWI=");
    }
}
