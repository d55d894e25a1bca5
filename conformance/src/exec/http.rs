//! One request on the wire: parameters and credentials placed as the spec says, 429s waited
//! out, answers read up to a limit, transport failures turned into causes.

use std::time::{Duration, SystemTime};

use codegen_runtime::style::{self, Serialization, Written};
use generator::model::{Media, Operation, ParamLocation, SecurityKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::retry::{Policy, Retries};
use super::service::{self, Incoming, Outgoing};
use super::{
    CaseError, MAX_BODY, Received, Runner, Sent, Step, StepKind, Timing, Transport, WRONG_CREDENTIAL, evaluate_link,
};
use crate::plan::{Auth, MULTIPART_BOUNDARY, Param, ParamValue, RequestBody, Spelling};

/// The Accept header: every media type the operation's answers document, in the spec's
/// order, so a server that can answer in several picks one the spec documents; `*/*` (what
/// reqwest sends by itself) when none is documented.
fn accept(op: &Operation) -> String {
    let mut types: Vec<&str> = Vec::new();
    for media in op.responses.iter().flat_map(|r| &r.media_types) {
        if !types.contains(&media.content_type()) {
            types.push(media.content_type());
        }
    }
    if types.is_empty() {
        "*/*".to_owned()
    } else {
        types.join(", ")
    }
}

impl Runner {
    /// Sends one request; transport problems become the step's error, never a panic. The
    /// step's [`Sent`] records the request as it went out, with every credential masked and
    /// a curl command that sends it again.
    pub(super) async fn send(
        &self,
        op: &Operation,
        params: &[Param],
        body: &RequestBody,
        auth: Auth,
        resource: Option<&Value>,
        kind: StepKind,
    ) -> Step {
        let method = op.method.to_http();
        let base = self.target.base_url.trim_end_matches('/');
        let collection = self
            .plan
            .resources
            .iter()
            .any(|r| r.list.as_ref() == Some(&op.operation_id));
        let (path, mut wire) = match place_params(op, params, resource) {
            Ok(placed) => placed,
            Err((path, e)) => {
                let sent = Sent {
                    method: method.to_string(),
                    url: format!("{base}{path}"),
                    path,
                    headers: Vec::new(),
                    body: None,
                    curl: None,
                };
                return Step {
                    kind,
                    collection: false,
                    sent,
                    received: Err(e),
                    timing: None,
                };
            }
        };
        let (credential, alternative) = self.credential_for(auth);
        match (&credential, &self.settings.auth_header) {
            (Some(credential), Some(name)) => wire.headers.push((name.clone(), credential.segments())),
            (Some(credential), None) => self.place_credential(op, alternative, credential, &mut wire),
            (None, _) => {}
        }
        let (content_type, text) = body_text(op, body);
        self.finish_headers(op, content_type, &mut wire);
        let credential = credential.as_ref();
        let shown_path = format!("{path}{}", query_string(&wire, credential, Shown::Masked));
        let mut headers: Vec<(String, String)> = wire
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), render(v, credential, Shown::Masked)))
            .collect();
        if let Some(basic) = &wire.basic {
            headers.push(("authorization".into(), basic_shown(basic, credential)));
        }
        let sent = Sent {
            method: method.to_string(),
            url: format!("{base}{shown_path}"),
            path: shown_path,
            headers,
            body: text.clone(),
            curl: Some(self.curl(&method, base, &path, &wire, credential, text.as_deref())),
        };
        let outgoing = Outgoing {
            url: format!("{base}{path}{}", query_string(&wire, credential, Shown::Real)),
            headers: real_headers(&wire, credential),
            method,
            body: text,
        };
        let (received, timing) = self.receive_with_retries(outgoing).await;
        Step {
            kind,
            collection,
            sent,
            received,
            timing: Some(timing),
        }
    }

    /// The headers every request ends with: its cookies in one `Cookie` header (as RFC 6265
    /// section 5.4 sends them), its content type, what it accepts, and conformance.toml's
    /// `[headers]` (never credentials: the file refuses them, so shown and reproduced as they
    /// are).
    fn finish_headers(&self, op: &Operation, content_type: Option<String>, wire: &mut Wire) {
        if !wire.cookies.is_empty() {
            let mut cookie = Vec::new();
            for (i, (k, v)) in wire.cookies.iter().enumerate() {
                let separator = if i == 0 { "" } else { "; " };
                cookie.push(Seg::Lit(format!("{separator}{k}=")));
                cookie.extend(v.iter().cloned());
            }
            wire.headers.push(("cookie".into(), cookie));
        }
        if let Some(ct) = content_type {
            wire.headers.push(("content-type".into(), vec![Seg::Lit(ct)]));
        }
        wire.headers.push(("accept".into(), vec![Seg::Lit(accept(op))]));
        for (name, value) in &self.settings.headers {
            wire.headers.push((name.clone(), vec![Seg::Lit(value.clone())]));
        }
    }

    /// Sends `outgoing`; a 429 waits as the server asks, a few times, then the answer is
    /// taken as it is. The timing is the last attempt's.
    async fn receive_with_retries(&self, outgoing: Outgoing) -> (Result<Received, CaseError>, Timing) {
        let mut retries = Retries::new(Policy::rate_limit(self.settings.rate_limit_retries));
        loop {
            let started = SystemTime::now();
            let clock = std::time::Instant::now();
            let received = self.receive(outgoing.clone()).await;
            let timing = Timing {
                started,
                elapsed: clock.elapsed(),
            };
            if let Ok((r, retry_after)) = &received
                && r.status == 429
                && retries.wait(*retry_after).await
            {
                continue;
            }
            return (received.map(|(r, _)| r), timing);
        }
    }

    /// The request as a curl command: shell-quoted, credentials as `"$CONFORMANCE_TOKEN"`
    /// (never their value), `--cacert` for each `--ca-cert` file.
    fn curl(
        &self,
        method: &reqwest::Method,
        base: &str,
        path: &str,
        wire: &Wire,
        credential: Option<&Credential>,
        body: Option<&str>,
    ) -> String {
        let mut out = vec!["curl".to_owned(), "-i".to_owned()];
        if method == reqwest::Method::HEAD {
            out.push("-I".into());
        } else {
            // The spec's methods are plain words; anything else is quoted.
            let plain = method.as_str().bytes().all(|b| b.is_ascii_uppercase());
            out.push(if plain {
                format!("-X {method}")
            } else {
                format!("-X {}", shell_quote(method.as_str()))
            });
        }
        // The query goes into the URL as sent. A credential made only of characters that
        // need no encoding goes there too, as `"$VARIABLE"`; any other is given to curl with
        // `--url-query`, which encodes it (a space as `+`, where the runner sends `%20`).
        let unreserved = match credential {
            Some(Credential::Secret { value, .. }) => percent_encode(value) == *value,
            _ => true,
        };
        let split = if unreserved {
            wire.query.len()
        } else {
            wire.query
                .iter()
                .position(|(_, v)| v.iter().any(|s| matches!(s, Seg::Credential)))
                .unwrap_or(wire.query.len())
        };
        let mut address = vec![Seg::Lit(format!("{base}{path}"))];
        for (i, (k, v)) in wire.query[..split].iter().enumerate() {
            let separator = if i == 0 { '?' } else { '&' };
            address.push(Seg::Lit(format!("{separator}{k}=")));
            for s in v {
                address.push(match s {
                    Seg::Lit(l) => Seg::Lit(percent_encode(l)),
                    other => other.clone(),
                });
            }
        }
        out.push(shell(&address, credential));
        for (k, v) in &wire.query[split..] {
            let mut arg = vec![Seg::Lit(format!("{k}="))];
            arg.extend(v.iter().cloned());
            out.push(format!("--url-query {}", shell(&arg, credential)));
        }
        for (k, v) in &wire.headers {
            // `-H 'name:'` would remove the header; `-H 'name;'` sends it empty.
            if v.iter().all(|s| matches!(s, Seg::Lit(l) if l.is_empty())) {
                out.push(format!("-H {}", shell_quote(&format!("{k};"))));
            } else {
                let mut arg = vec![Seg::Lit(format!("{k}: "))];
                arg.extend(v.iter().cloned());
                out.push(format!("-H {}", shell(&arg, credential)));
            }
        }
        if let Some(basic) = &wire.basic {
            // curl asks for a password when `-u` has no colon; the runner sends an empty one.
            let mut arg = basic.clone();
            if !render(basic, credential, Shown::Real).contains(':') {
                arg.push(Seg::Lit(":".into()));
            }
            out.push(format!("-u {}", shell(&arg, credential)));
        }
        // A body with line breaks (multipart) goes through printf, which writes them back
        // byte for byte: the command stays one line.
        let mut piped = None;
        if let Some(body) = body {
            if body.contains(['\r', '\n']) {
                // `%b` reads the escapes in its argument; the argument's `%` stay as they are.
                let escaped = body.replace('\\', "\\\\").replace('\r', "\\r").replace('\n', "\\n");
                piped = Some(format!("printf '%b' {} |", shell_quote(&escaped)));
                out.push("--data-binary @-".to_owned());
            } else {
                out.push(format!("--data-binary {}", shell_quote(body)));
            }
        }
        out.extend(self.cacert_arg());
        if let Some(printf) = piped {
            out.insert(0, printf);
        }
        out.join(" ")
    }

    /// curl's `--cacert` for the `--ca-cert` files that are files, if any.
    fn cacert_arg(&self) -> Option<String> {
        let mut unique: Vec<&std::path::Path> = Vec::new();
        for f in self.target.ca_certs.iter().filter_map(|c| c.file()) {
            if !unique.contains(&f) {
                unique.push(f);
            }
        }
        match unique.as_slice() {
            [] => None,
            [one] => Some(format!("--cacert {}", shell_quote(&one.display().to_string()))),
            // curl reads one --cacert only: the files together (bash).
            several => Some(format!(
                "--cacert <(cat {})",
                several
                    .iter()
                    .map(|f| shell_quote(&f.display().to_string()))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        }
    }

    /// The credential `auth` sends, and the security alternative it goes in alone (if one).
    fn credential_for(&self, auth: Auth) -> (Option<Credential<'_>>, Option<usize>) {
        let token = || {
            self.target.token.as_deref().map(|t| Credential::Secret {
                variable: "CONFORMANCE_TOKEN",
                value: t,
            })
        };
        // Not a secret: shown and reproduced as it is.
        let wrong = Some(Credential::Literal(WRONG_CREDENTIAL));
        match auth {
            Auth::Primary => (token(), None),
            Auth::Alternate => (
                self.target.token_alt.as_deref().map(|t| Credential::Secret {
                    variable: "CONFORMANCE_TOKEN_ALT",
                    value: t,
                }),
                None,
            ),
            Auth::Wrong => (wrong, None),
            Auth::Missing => (None, None),
            Auth::OnlyVia { alternative } => (token(), Some(alternative)),
            Auth::WrongVia { alternative } => (wrong, Some(alternative)),
        }
    }

    /// Sends a request over the transport and reads the answer (at most [`MAX_BODY`]); the
    /// second value is how long a 429 asks to wait.
    pub(super) async fn receive(&self, outgoing: Outgoing) -> Result<(Received, Option<Duration>), CaseError> {
        let incoming = match &self.transport {
            Transport::Http(client) => self.receive_http(client, outgoing).await,
            Transport::Service(service) => service::call(service, outgoing, self.settings.timeout)
                .await
                .map_err(|f| {
                    self.answered(!f.timed_out);
                    f.cause
                }),
        }
        .map_err(CaseError::NoAnswer)?;
        self.answered(true);
        let header = |name: &str| {
            incoming
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let content_type = header("content-type").unwrap_or_default().to_owned();
        let retry_after = header("retry-after").and_then(|v| retry_after(v, SystemTime::now()));
        let text = String::from_utf8_lossy(&incoming.body).into_owned();
        let json = serde_json::from_slice(&incoming.body).ok();
        Ok((
            Received {
                status: incoming.status,
                content_type,
                text,
                json,
                headers: incoming.headers,
            },
            retry_after,
        ))
    }

    async fn receive_http(&self, client: &reqwest::Client, outgoing: Outgoing) -> Result<Incoming, String> {
        let mut request = client.request(outgoing.method, &outgoing.url);
        for (k, v) in &outgoing.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        if let Some(body) = outgoing.body {
            request = request.body(body);
        }
        let mut response = request.send().await.map_err(|e| {
            self.answered(!e.is_timeout());
            cause(&e)
        })?;
        let status = response.status().as_u16();
        let headers = service::header_pairs(response.headers());
        if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(format!(
                "the answer body is larger than {} MiB (Content-Length: {})",
                MAX_BODY >> 20,
                response.content_length().unwrap_or_default()
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            self.answered(!e.is_timeout());
            cause(&e)
        })? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(format!("the answer body is larger than {} MiB", MAX_BODY >> 20));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Incoming {
            status,
            headers,
            body: bytes,
        })
    }

    /// Puts the credential where one of the operation's security alternatives wants it: the
    /// one given, else the first that asks for any.
    fn place_credential(&self, op: &Operation, alternative: Option<usize>, credential: &Credential, wire: &mut Wire) {
        // The valid credential goes in the first alternative, or where the preflight found
        // it accepted.
        let accepted = |a: &&Vec<String>| {
            self.primary_schemes
                .get()
                .is_none_or(|schemes| a.iter().all(|n| schemes.contains(n)))
        };
        let chosen = match alternative {
            Some(i) => op.security.get(i),
            None => op
                .security
                .iter()
                .filter(|a| !a.is_empty())
                .find(accepted)
                .or_else(|| op.security.iter().find(|a| !a.is_empty())),
        };
        let Some(alternative) = chosen else {
            return;
        };
        let value = || credential.segments();
        for name in alternative {
            let Some(scheme) = self.plan.api.security_scheme(name) else {
                continue;
            };
            match &scheme.kind {
                SecurityKind::ApiKey { location, name } => {
                    let pair = (name.clone(), value());
                    match location {
                        // Query keys are kept percent-encoded, as `style::write` gives them.
                        ParamLocation::Query => wire.query.push((percent_encode(name), pair.1)),
                        ParamLocation::Cookie => wire.cookies.push(pair),
                        ParamLocation::Header | ParamLocation::Path => wire.headers.push(pair),
                    }
                }
                SecurityKind::Bearer | SecurityKind::OAuth2 => {
                    let mut text = vec![Seg::Lit("Bearer ".into())];
                    text.extend(value());
                    wire.headers.push(("authorization".into(), text));
                }
                // `user:password`, split at the first colon (RFC 7617); reqwest encodes it.
                SecurityKind::Basic => wire.basic = Some(value()),
            }
        }
    }
}

/// The content type and text of `body` as it goes on the wire: JSON, or the fields of a form
/// or multipart body as `codegen_runtime::style` writes them (as the body's `fields` say:
/// OpenAPI's `encoding` defaults, or the bracket form for `deepObject`).
fn body_text(op: &Operation, body: &RequestBody) -> (Option<String>, Option<String>) {
    match body {
        RequestBody::None => (None, None),
        RequestBody::Json(v) => match op.body.as_ref().map(|b| (&b.media, &b.fields)) {
            Some((Media::Form, fields)) => (
                Some(Media::Form.content_type().to_owned()),
                Some(style::form_text(&style::write_fields(v, fields))),
            ),
            Some((Media::Multipart, fields)) => (
                Some(format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}")),
                Some(style::multipart_text(
                    &style::write_fields(v, fields),
                    MULTIPART_BOUNDARY,
                )),
            ),
            _ => (Some("application/json".to_owned()), Some(v.to_string())),
        },
        RequestBody::Raw { content_type, text } => (Some(content_type.clone()), Some(text.clone())),
    }
}

/// Writes `value` of parameter `p` into the path, a header, a cookie or the query, in the
/// parameter's style (`codegen_runtime::style`, the one the generated servers read); a
/// parameter the spec does not declare in its location's default.
/// `value` as the parameter's style writes it.
fn written(op: &Operation, p: &Param, value: &Value) -> Written {
    let location = p.location.to_style();
    let serialization = op
        .parameters
        .iter()
        .find(|m| m.name == p.name && m.location == p.location)
        .map_or(Serialization::default_for(location), |m| m.serialization);
    style::write(serialization, location, &p.name, value)
}

/// A parameter's written value, where its location takes it.
fn place(p: &Param, written: Written, path: &mut String, wire: &mut Wire) {
    match (written, p.location) {
        (Written::Text(t), ParamLocation::Path) => *path = path.replace(&format!("{{{}}}", p.name), &t),
        (Written::Text(t), _) => wire.headers.push((p.name.clone(), vec![Seg::Lit(t)])),
        (Written::Pairs(pairs), ParamLocation::Cookie) => wire
            .cookies
            .extend(pairs.into_iter().map(|(k, v)| (k, vec![Seg::Encoded(v)]))),
        (Written::Pairs(pairs), _) => wire
            .query
            .extend(pairs.into_iter().map(|(k, v)| (k, vec![Seg::Encoded(v)]))),
    }
}

/// The credential of a request: a secret from the environment, or the deliberately wrong one.
enum Credential<'a> {
    Secret { variable: &'static str, value: &'a str },
    Literal(&'static str),
}

impl Credential<'_> {
    /// The credential as a piece of a header, query value or `-u` argument.
    fn segments(&self) -> Text {
        match self {
            Credential::Secret { .. } => vec![Seg::Credential],
            Credential::Literal(l) => vec![Seg::Lit((*l).to_owned())],
        }
    }
}

/// A piece of a header, query value or `-u` argument: literal text, text already
/// percent-encoded (a parameter as its style writes it), or the credential.
#[derive(Debug, Clone)]
enum Seg {
    Lit(String),
    Encoded(String),
    Credential,
}

type Text = Vec<Seg>;

#[derive(Clone, Copy)]
enum Shown {
    /// As sent.
    Real,
    /// The credential as `[CONFORMANCE_TOKEN]`.
    Masked,
}

fn render(text: &Text, credential: Option<&Credential>, shown: Shown) -> String {
    text.iter()
        .map(|s| match (s, credential, shown) {
            (Seg::Lit(l) | Seg::Encoded(l), ..) => l.clone(),
            (Seg::Credential, Some(Credential::Secret { value, .. }), Shown::Real) => (*value).to_owned(),
            (Seg::Credential, Some(Credential::Secret { variable, .. }), Shown::Masked) => format!("[{variable}]"),
            (Seg::Credential, _, _) => String::new(),
        })
        .collect()
}

/// The Authorization header of HTTP Basic as shown: the base64 of a literal, or a mask.
fn basic_shown(text: &Text, credential: Option<&Credential>) -> String {
    match credential {
        Some(Credential::Secret { variable, .. }) if text.iter().any(|s| matches!(s, Seg::Credential)) => {
            format!("Basic [base64 of {variable}]")
        }
        _ => format!("Basic {}", base64(render(text, credential, Shown::Real).as_bytes())),
    }
}

/// RFC 4648 base64 with padding, for showing a literal Basic credential.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
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

/// A word for a POSIX shell: single quotes, each `'` written `'\''`.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A shell word for `text`: literal pieces single-quoted, the credential as `"$VARIABLE"`.
fn shell(text: &Text, credential: Option<&Credential>) -> String {
    let mut out = String::new();
    let mut literal = String::new();
    for s in text {
        match (s, credential) {
            (Seg::Lit(l) | Seg::Encoded(l), _) => literal.push_str(l),
            (Seg::Credential, Some(Credential::Secret { variable, .. })) => {
                if !literal.is_empty() {
                    out.push_str(&shell_quote(&std::mem::take(&mut literal)));
                }
                out.push_str(&format!("\"${variable}\""));
            }
            (Seg::Credential, _) => {}
        }
    }
    if !literal.is_empty() || out.is_empty() {
        out.push_str(&shell_quote(&literal));
    }
    out
}

/// The path with its parameters in place, and where the others go; a link that cannot be
/// followed is the error, with the path as far as it was filled.
fn place_params(
    op: &Operation,
    params: &[Param],
    resource: Option<&Value>,
) -> Result<(String, Wire), (String, CaseError)> {
    let mut path = op.path.clone();
    let mut wire = Wire::default();
    for p in params {
        let value = match &p.value {
            ParamValue::Text(t) => Value::String(t.clone()),
            ParamValue::Structured(v) => v.clone(),
            ParamValue::Linked(expression) => match evaluate_link(expression, resource) {
                Ok(v) => v,
                Err(e) => return Err((path, e)),
            },
            ParamValue::Respelt { expression, spelling } => match evaluate_link(expression, resource) {
                Ok(Value::String(s)) if *spelling == Spelling::UpperCase => Value::String(s.to_uppercase()),
                Ok(v) => v,
                Err(e) => return Err((path, e)),
            },
        };
        let respelt = matches!(
            p.value,
            ParamValue::Respelt {
                spelling: Spelling::PercentEncoded,
                ..
            }
        );
        match written(op, p, &value) {
            Written::Text(t) if respelt && p.location == ParamLocation::Path => {
                path = path.replace(&format!("{{{}}}", p.name), &crate::text::encode_first_alphanumeric(&t));
            }
            text => place(p, text, &mut path, &mut wire),
        }
    }
    Ok((path, wire))
}

/// The query as `?k=v&…`, its credential real or masked (a masked one stays readable:
/// `[CONFORMANCE_TOKEN]`); empty when there is none.
fn query_string(wire: &Wire, credential: Option<&Credential>, shown: Shown) -> String {
    let pairs: Vec<String> = wire
        .query
        .iter()
        .map(|(k, v)| {
            let value: String = v
                .iter()
                .map(|s| match (s, shown) {
                    (Seg::Lit(l), _) => percent_encode(l),
                    (Seg::Encoded(e), _) => e.clone(),
                    (Seg::Credential, Shown::Real) => {
                        percent_encode(&render(&vec![Seg::Credential], credential, shown))
                    }
                    (Seg::Credential, Shown::Masked) => render(&vec![Seg::Credential], credential, shown),
                })
                .collect();
            format!("{k}={value}")
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// The headers as sent, credentials in; Basic as `user:password` (RFC 7617). The preflight
/// refuses a credential without a colon; the deliberately wrong one has none, and goes with
/// an empty password.
fn real_headers(wire: &Wire, credential: Option<&Credential>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = wire
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), render(v, credential, Shown::Real)))
        .collect();
    if let Some(basic) = &wire.basic {
        let mut user_password = render(basic, credential, Shown::Real);
        if !user_password.contains(':') {
            user_password.push(':');
        }
        headers.push((
            "authorization".into(),
            format!("Basic {}", base64(user_password.as_bytes())),
        ));
    }
    headers
}

/// Where a request's parameters and credential go, besides the path.
#[derive(Default)]
struct Wire {
    query: Vec<(String, Text)>,
    /// In the order they are sent.
    headers: Vec<(String, Text)>,
    /// Sent together in one `Cookie` header.
    cookies: Vec<(String, Text)>,
    /// `Authorization: Basic` from `user:password`.
    basic: Option<Text>,
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

    use crate::exec::StepKind;
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
        let cookies: Vec<String> = request
            .headers()
            .get_all("cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or("?").to_owned())
            .collect();
        let (method, target) = (
            request.method().as_str().to_owned(),
            request.uri().path_and_query().map(|p| p.as_str().to_owned()),
        );
        let body = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        json!({
            "method": method,
            "target": target,
            "headers": headers,
            "cookie_headers": cookies,
            "body": String::from_utf8_lossy(&body),
        })
        .to_string()
    }

    /// The echo server on a loopback port.
    async fn start_echo() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, axum::Router::new().fallback(echo)).await.unwrap();
        });
        (address, server)
    }

    fn runner_at(plan: Arc<crate::plan::Plan>, address: std::net::SocketAddr, token: Option<String>) -> Runner {
        let target = Target {
            base_url: format!("http://{address}/"),
            token,
            token_alt: None,
            ca_certs: Vec::new(),
        };
        Runner::new(plan, target, Settings::default()).unwrap()
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
        let (address, server) = start_echo().await;
        let api = generator::load_str(SPEC, None).unwrap();
        let plan = Arc::new(crate::plan::plan(&api, "cfm-00000000", &[], &crate::plan::NoStateful));
        let runner = runner_at(plan.clone(), address, Some("user:pa:ss".into()));

        let get = plan.api.operation("getItem").unwrap();
        let params = [
            param(ParamLocation::Path, "item_id", "a b/c"),
            param(ParamLocation::Query, "q", "x&y"),
            param(ParamLocation::Header, "X-Trace", "t-1"),
            param(ParamLocation::Cookie, "theme", "dark"),
            param(ParamLocation::Cookie, "lang", "en"),
        ];
        let step = runner
            .send(get, &params, &RequestBody::None, Auth::Primary, None, StepKind::Request)
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
            .send(
                put,
                &params[..1],
                &RequestBody::None,
                Auth::Primary,
                None,
                StepKind::Request,
            )
            .await;
        let got = step.received.unwrap().json.unwrap();
        assert_eq!(got["method"], "PUT");
        assert_eq!(got["headers"]["authorization"], "Basic dXNlcjpwYTpzcw==");
        assert!(got["headers"].get("cookie").is_none());
        server.abort();
    }

    /// Runs `command` (a step's curl) with `sh`, the credential in `CONFORMANCE_TOKEN`.
    fn run_curl(command: &str, token: &str) -> Value {
        assert!(
            std::process::Command::new("curl").arg("--version").output().is_ok(),
            "this test runs the step's curl command: install curl (it is not optional here)"
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{command} -s -S -o - --no-include"))
            .env("CONFORMANCE_TOKEN", token)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{command}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_curl_command_sends_what_the_runner_sent() {
        let (address, server) = start_echo().await;
        let spec = SPEC
            .replace(
                "session: {type: apiKey, in: cookie, name: session}",
                "session: {type: apiKey, in: cookie, name: session}\n    key: {type: apiKey, in: query, name: api_key}",
            )
            .replace("security: [{session: []}]", "security: [{session: [], key: []}]");
        // One a shell would mangle if it were not quoted, with a colon for Basic; and one of
        // characters a URL carries as they are.
        for token in ["us'er:p$a ss&\"x", "user-1.a_b~c"] {
            check_curl(&spec, address, token).await;
        }
        server.abort();
    }

    async fn check_curl(spec: &str, address: std::net::SocketAddr, token: &str) {
        let api = generator::load_str(spec, None).unwrap();
        let plan = Arc::new(crate::plan::plan(&api, "cfm-00000000", &[], &crate::plan::NoStateful));
        let runner = runner_at(plan.clone(), address, Some(token.into()));
        let params = [
            param(ParamLocation::Path, "item_id", "a b/c"),
            param(ParamLocation::Query, "q", "x&y'z"),
            param(ParamLocation::Header, "X-Trace", "it's"),
            param(ParamLocation::Cookie, "theme", "dark"),
        ];
        let get = plan.api.operation("getItem").unwrap();
        let put = plan.api.operation("putItem").unwrap();
        for (op, params, body) in [
            (get, &params[..], RequestBody::None),
            (
                put,
                &params[..1],
                RequestBody::Raw {
                    content_type: "application/json".into(),
                    text: "{\"name\": \"it's $HOME\"}".into(),
                },
            ),
        ] {
            let step = runner
                .send(op, params, &body, Auth::Primary, None, StepKind::Request)
                .await;
            let by_runner = step.received.unwrap().json.unwrap();
            let curl = step.sent.curl.clone().unwrap();
            assert!(
                !curl.contains(token) && !curl.contains("us'") && !curl.contains("user-1"),
                "{curl}"
            );
            for (_, v) in &step.sent.headers {
                assert!(!v.contains(token), "{v}");
            }
            assert!(
                !step.sent.url.contains("us%27er") && !step.sent.url.contains("user-1"),
                "{}",
                step.sent.url
            );
            let by_curl = run_curl(&curl, token);
            assert_eq!(by_curl["method"], by_runner["method"], "{curl}");
            let pairs = |target: &Value| {
                let url = reqwest::Url::parse(&format!("http://x{}", target.as_str().unwrap())).unwrap();
                (
                    url.path().to_owned(),
                    url.query_pairs().into_owned().collect::<Vec<_>>(),
                )
            };
            if token.contains(' ') {
                // `--url-query` encodes a space as `+`: the same query, decoded.
                assert_eq!(pairs(&by_curl["target"]), pairs(&by_runner["target"]), "{curl}");
            } else {
                assert_eq!(by_curl["target"], by_runner["target"], "{curl}");
            }
            for header in ["x-trace", "cookie", "authorization", "content-type", "accept"] {
                assert_eq!(
                    by_curl["headers"][header], by_runner["headers"][header],
                    "{header}: {curl}"
                );
            }
            // What the runner recorded is what the server got, the credential masked.
            for (k, v) in &step.sent.headers {
                if !v.contains("[CONFORMANCE_TOKEN]") && !v.contains("[base64 of") {
                    assert_eq!(by_runner["headers"][k.to_ascii_lowercase()], v.as_str(), "{k}");
                }
            }
        }
    }

    /// Parameters in their styles and a multipart body (line breaks and all, through
    /// printf) reach the server from the curl command as the runner sent them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn styles_and_multipart_bodies_are_reproduced_by_curl() {
        let (address, server) = start_echo().await;
        let spec = "openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items/{ids}:
    post:
      operationId: upload
      parameters:
        - {name: ids, in: path, required: true, style: label, schema: {type: array, items: {type: string}}}
        - {name: f, in: query, style: deepObject, explode: true, schema: {type: object, properties: {a: {type: string}}}}
        - {name: X-L, in: header, schema: {type: array, items: {type: string}}}
      requestBody:
        content:
          multipart/form-data:
            schema: {type: object, properties: {n: {type: string}, m: {type: object}}}
      responses:
        '200': {description: ok}
";
        let api = generator::load_str(spec, None).unwrap();
        let plan = Arc::new(crate::plan::plan(&api, "cfm-00000000", &[], &crate::plan::NoStateful));
        let runner = runner_at(plan.clone(), address, None);
        let structured = |location, name: &str, value: Value| Param {
            location,
            name: name.into(),
            value: ParamValue::Structured(value),
        };
        let params = [
            structured(ParamLocation::Path, "ids", json!(["a b", "c"])),
            structured(ParamLocation::Query, "f", json!({"a": "x&y 50%"})),
            structured(ParamLocation::Header, "X-L", json!(["p", "q"])),
        ];
        let body = RequestBody::Json(json!({"n": "it's 100% \\ fine", "m": {"k": [1, 2]}}));
        let op = plan.api.operation("upload").unwrap();
        let step = runner
            .send(op, &params, &body, Auth::Primary, None, StepKind::Request)
            .await;
        let by_runner = step.received.unwrap().json.unwrap();
        assert_eq!(by_runner["target"], "/items/.a%20b,c?f%5Ba%5D=x%26y%2050%25");
        assert_eq!(by_runner["headers"]["x-l"], "p,q");
        let sent = by_runner["body"].as_str().unwrap();
        assert!(
            sent.contains("name=\"m\"\r\ncontent-type: application/json\r\n\r\n{\"k\":[1,2]}\r\n"),
            "{sent}"
        );
        let curl = step.sent.curl.clone().unwrap();
        assert!(
            curl.starts_with("printf '%b' '") && !curl.contains('\r') && !curl.contains('\n'),
            "{curl}"
        );
        let by_curl = run_curl(&curl, "unused");
        for key in ["method", "target", "body"] {
            assert_eq!(by_curl[key], by_runner[key], "{key}: {curl}");
        }
        for header in ["x-l", "content-type"] {
            assert_eq!(
                by_curl["headers"][header], by_runner["headers"][header],
                "{header}: {curl}"
            );
        }
        server.abort();
    }

    #[test]
    fn accept_lists_the_documented_media_types() {
        let api = generator::load_str(
            "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /user/login:
    get:
      operationId: loginUser
      responses:
        '200':
          description: ok
          content:
            application/xml: {schema: {type: string}}
            application/json: {schema: {type: string}}
        '400':
          description: refused
          content:
            application/problem+json: {schema: {type: object}}
            application/json: {schema: {type: object}}
  /ping:
    get:
      operationId: ping
      responses:
        '204': {description: nothing}
",
            None,
        )
        .unwrap();
        assert_eq!(
            super::accept(&api.operations[0]),
            "application/xml, application/json, application/problem+json"
        );
        assert_eq!(super::accept(&api.operations[1]), "*/*");
    }

    #[test]
    fn shell_words_survive_quotes() {
        assert_eq!(super::shell_quote("it's"), r"'it'\''s'");
        assert_eq!(super::base64(b"user:pa:ss"), "dXNlcjpwYTpzcw==");
        assert_eq!(super::base64(b"ab"), "YWI=");
    }
}
