//! Plumbing for generated axum handlers: credentials, parameters, bodies, and the
//! [`Problem`] that a refused request becomes before the API shapes it into its error body.

use std::fmt;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::{Serialize, Serializer};

/// What is wrong with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// No credential the operation accepts was sent.
    MissingCredentials,
    /// A credential was sent but the server does not accept it.
    InvalidCredentials,
    /// The body is not of a media type the operation takes.
    UnsupportedMediaType,
    /// The body exceeds the server's limit.
    BodyTooLarge,
    /// The body does not parse (bad JSON, bad form encoding, not UTF-8).
    MalformedBody,
    /// A required value (body, field or parameter) is missing.
    Missing,
    /// A value has the wrong type or breaks a constraint.
    Invalid,
}

impl ProblemKind {
    /// A stable machine-readable code, for error bodies.
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::MissingCredentials => "missing_credentials",
            ProblemKind::InvalidCredentials => "invalid_credentials",
            ProblemKind::UnsupportedMediaType => "unsupported_media_type",
            ProblemKind::BodyTooLarge => "body_too_large",
            ProblemKind::MalformedBody => "json_invalid",
            ProblemKind::Missing => "missing",
            ProblemKind::Invalid => "value_error",
        }
    }

    /// Whether the request was refused for its credentials rather than its content.
    pub fn is_credentials(self) -> bool {
        matches!(self, ProblemKind::MissingCredentials | ProblemKind::InvalidCredentials)
    }
}

/// One step of where a problem is: `["body", "events", 0]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl Serialize for Segment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Segment::Key(k) => serializer.serialize_str(k),
            Segment::Index(i) => serializer.serialize_u64(*i as u64),
        }
    }
}

/// A refused request: what, where, and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Starts with the part of the request: `body`, `path`, `query`, `header`, `cookie`.
    pub location: Vec<Segment>,
    pub message: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, location: Vec<Segment>, message: impl Into<String>) -> Self {
        Problem {
            kind,
            location,
            message: message.into(),
        }
    }

    fn at(kind: ProblemKind, place: &str, name: Option<&str>, message: impl Into<String>) -> Self {
        let mut location = vec![Segment::Key(place.to_owned())];
        location.extend(name.map(|n| Segment::Key(n.to_owned())));
        Problem::new(kind, location, message)
    }

    /// `body.events.0`, for messages.
    pub fn location_text(&self) -> String {
        self.location
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.clone(),
                Segment::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location_text(), self.message)
    }
}

// ---------------------------------------------------------------- credentials

/// Where a security scheme carries its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Header(&'static str),
    Query(&'static str),
    Cookie(&'static str),
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <base64>`.
    Basic,
}

/// A security scheme of the spec, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    pub name: &'static str,
    pub source: Source,
}

/// A credential as sent, for the server to judge.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The security scheme's name in the spec.
    pub scheme: &'static str,
    /// The key or token itself (for basic, the base64 text after `Basic `).
    pub value: String,
}

impl fmt::Debug for Credential {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("scheme", &self.scheme)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// The credentials of `schemes` that the request carries.
pub fn credentials(parts: &Parts, schemes: &[Scheme]) -> Vec<Credential> {
    let authorization = |prefix: &str| {
        parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (kind, rest) = v.split_once(' ')?;
                (kind.eq_ignore_ascii_case(prefix) && !rest.trim().is_empty()).then(|| rest.trim().to_owned())
            })
    };
    schemes
        .iter()
        .filter_map(|scheme| {
            let value = match scheme.source {
                Source::Header(name) => parts
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
                Source::Query(name) => query_pairs(parts).find(|(k, _)| k == name).map(|(_, v)| v),
                Source::Cookie(name) => cookie(parts, name),
                Source::Bearer => authorization("bearer"),
                Source::Basic => authorization("basic"),
            }?;
            Some(Credential {
                scheme: scheme.name,
                value,
            })
        })
        .collect()
}

/// Whether the credentials meet one of the alternatives (each a set of scheme names).
pub fn meets(credentials: &[Credential], alternatives: &[&[&str]]) -> bool {
    alternatives
        .iter()
        .any(|all| all.iter().all(|name| credentials.iter().any(|c| c.scheme == *name)))
}

pub fn missing_credentials(schemes: &[Scheme]) -> Problem {
    let names: Vec<String> = schemes
        .iter()
        .map(|s| match s.source {
            Source::Header(h) => format!("header {h}"),
            Source::Query(q) => format!("query parameter {q}"),
            Source::Cookie(c) => format!("cookie {c}"),
            Source::Bearer => "Authorization: Bearer".to_owned(),
            Source::Basic => "Authorization: Basic".to_owned(),
        })
        .collect();
    Problem::at(
        ProblemKind::MissingCredentials,
        "header",
        None,
        format!("Not authenticated: send {}", names.join(" or ")),
    )
}

pub fn invalid_credentials() -> Problem {
    Problem::at(ProblemKind::InvalidCredentials, "header", None, "Invalid credentials")
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

fn query_pairs(parts: &Parts) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
}

// ---------------------------------------------------------------- parameters

/// The raw parameter values of a request, by location.
#[derive(Debug, Default)]
pub struct Params {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    header: Vec<(String, String)>,
    cookie: Vec<(String, String)>,
}

impl Params {
    pub async fn read(parts: &mut Parts) -> Result<Params, Problem> {
        let path = match RawPathParams::from_request_parts(parts, &()).await {
            Ok(raw) => raw.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            Err(e) => {
                // No path parameters in the route reads as "missing nested path": nothing to decode.
                if parts.uri.path().contains('%') {
                    return Err(Problem::at(ProblemKind::Invalid, "path", None, e.body_text()));
                }
                Vec::new()
            }
        };
        let query = query_pairs(parts).collect();
        let header = parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let cookie = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        Ok(Params {
            path,
            query,
            header,
            cookie,
        })
    }

    /// Decodes parameter `name` found in `place` (`path`, `query`, `header`, `cookie`);
    /// `None` when it is not there.
    pub fn get<T: DeserializeOwned>(&self, place: &'static str, name: &str) -> Result<Option<T>, Problem> {
        let list = match place {
            "path" => &self.path,
            "query" => &self.query,
            "header" => &self.header,
            _ => &self.cookie,
        };
        let values: Vec<&str> = list
            .iter()
            .filter(|(k, _)| {
                if place == "header" {
                    k.eq_ignore_ascii_case(name)
                } else {
                    k == name
                }
            })
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            return Ok(None);
        }
        T::deserialize(ParamDeserializer { values: &values })
            .map(Some)
            .map_err(|e: de::value::Error| Problem::at(ProblemKind::Invalid, place, Some(name), e.to_string()))
    }

    /// Like [`Params::get`], for a parameter that must be there.
    pub fn required<T: DeserializeOwned>(&self, place: &'static str, name: &str) -> Result<T, Problem> {
        self.get(place, name)?
            .ok_or_else(|| Problem::at(ProblemKind::Missing, place, Some(name), "Field required"))
    }
}

/// Reads one parameter's textual values as whatever type the spec gives it.
struct ParamDeserializer<'a> {
    values: &'a [&'a str],
}

impl<'a> ParamDeserializer<'a> {
    fn single(&self) -> Result<&'a str, de::value::Error> {
        match self.values {
            [one] => Ok(one),
            _ => Err(de::Error::custom(format!(
                "expected one value, got {}",
                self.values.len()
            ))),
        }
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, de::value::Error> {
        let raw = self.single()?;
        raw.parse()
            .map_err(|_| de::Error::custom(format!("expected {what}, got {raw:?}")))
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident : $ty:ty, $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            visitor.$visit(self.parse::<$ty>($what)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for ParamDeserializer<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.values.len() > 1 {
            return self.deserialize_seq(visitor);
        }
        visitor.visit_string(self.single()?.to_owned())
    }

    parsed! {
        deserialize_bool => visit_bool: bool, "true or false";
        deserialize_i8 => visit_i8: i8, "an integer";
        deserialize_i16 => visit_i16: i16, "an integer";
        deserialize_i32 => visit_i32: i32, "a 32-bit integer";
        deserialize_i64 => visit_i64: i64, "a 64-bit integer";
        deserialize_i128 => visit_i128: i128, "an integer";
        deserialize_u8 => visit_u8: u8, "a non-negative integer";
        deserialize_u16 => visit_u16: u16, "a non-negative integer";
        deserialize_u32 => visit_u32: u32, "a non-negative 32-bit integer";
        deserialize_u64 => visit_u64: u64, "a non-negative 64-bit integer";
        deserialize_u128 => visit_u128: u128, "a non-negative integer";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // One value with commas is the `form` style's `a,b,c`; repeated keys are `explode`.
        let split: Vec<&str> = match self.values {
            [one] => one.split(',').collect(),
            many => many.to_vec(),
        };
        let items: Vec<ParamDeserializer> = split
            .iter()
            .map(|v| ParamDeserializer {
                values: std::slice::from_ref(v),
            })
            .collect();
        visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter()))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_enum(self.single()?.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, de::value::Error> for ParamDeserializer<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

// ---------------------------------------------------------------- bodies

/// The largest body a generated server reads unless the implementation says otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Reads the body after checking its media type; `None` when the request has none.
pub async fn read_body(parts: &Parts, body: Body, limit: usize, media: &str) -> Result<Option<Bytes>, Problem> {
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| too_large(limit))?;
    if bytes.is_empty() && parts.headers.get(header::CONTENT_TYPE).is_none() {
        return Ok(None);
    }
    let sent = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !media_matches(sent, media) {
        let shown = if sent.is_empty() {
            "no Content-Type".to_owned()
        } else {
            format!("Content-Type {sent:?}")
        };
        return Err(Problem::at(
            ProblemKind::UnsupportedMediaType,
            "body",
            None,
            format!("Expected a body of type {media}, got {shown}"),
        ));
    }
    Ok(Some(bytes))
}

fn too_large(limit: usize) -> Problem {
    Problem::at(
        ProblemKind::BodyTooLarge,
        "body",
        None,
        format!("The body is larger than {limit} bytes"),
    )
}

fn media_matches(sent: &str, expected: &str) -> bool {
    let base = sent.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if expected == "application/json" || expected.ends_with("+json") {
        return base == expected || base == "application/json" || base.ends_with("+json");
    }
    expected.ends_with("/*") && base.starts_with(expected.trim_end_matches('*'))
        || base == expected
        || expected == "*/*"
}

/// The problem for a required body that was not sent.
pub fn missing_body() -> Problem {
    Problem::at(ProblemKind::Missing, "body", None, "Field required")
}

/// Decodes a JSON body; the problem's location follows the JSON path to the bad value.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| json_problem(&e))?;
    deserializer
        .end()
        .map_err(|e| Problem::at(ProblemKind::MalformedBody, "body", None, strip_position(&e)))?;
    Ok(value)
}

fn json_problem(error: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let inner = error.inner();
    let message = strip_position(inner);
    let mut location = vec![Segment::Key("body".to_owned())];
    for segment in error.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => location.push(Segment::Index(*index)),
            serde_path_to_error::Segment::Map { key } => location.push(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => location.push(Segment::Key(variant.clone())),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    use serde_json::error::Category;
    let kind = match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => ProblemKind::MalformedBody,
        Category::Data if message.starts_with("missing field") => {
            if let Some(field) = message.split('`').nth(1) {
                location.push(Segment::Key(field.to_owned()));
            }
            ProblemKind::Missing
        }
        Category::Data => ProblemKind::Invalid,
    };
    if kind == ProblemKind::MalformedBody {
        location.truncate(1);
    }
    Problem::new(kind, location, message)
}

/// serde_json appends "at line 1 column 7": the location says where already.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Decodes an `application/x-www-form-urlencoded` body through a JSON object of its fields.
pub fn decode_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut object = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        object.insert(k.into_owned(), serde_json::Value::String(v.into_owned()));
    }
    serde_path_to_error::deserialize(serde_json::Value::Object(object)).map_err(|e| json_problem(&e))
}

pub fn decode_text(bytes: &[u8]) -> Result<String, Problem> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Problem::at(ProblemKind::MalformedBody, "body", None, "The body is not UTF-8 text"))
}

// ---------------------------------------------------------------- responses

pub use bytes::Bytes;

/// A problem as JSON, for answers whose error body the spec does not describe.
pub fn problem_json(problem: &Problem) -> serde_json::Value {
    serde_json::json!({ "code": problem.kind.code(), "message": problem.message, "location": problem.location })
}

/// A JSON answer.
pub fn json_response<T: Serialize>(status: u16, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => with_type(status, bytes.into(), "application/json"),
        Err(e) => with_type(
            500,
            format!("the server could not encode its answer: {e}").into(),
            "text/plain; charset=utf-8",
        ),
    }
}

pub fn text_response(status: u16, body: String, media: &'static str) -> Response {
    with_type(status, body.into(), media)
}

pub fn bytes_response(status: u16, body: Bytes, media: &'static str) -> Response {
    with_type(status, body, media)
}

pub fn empty_response(status: u16) -> Response {
    status_code(status).into_response()
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn with_type(status: u16, body: Bytes, media: &'static str) -> Response {
    let mut response = (status_code(status), body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[allow(dead_code)]
        url: String,
        #[serde(default)]
        #[allow(dead_code)]
        timeout_ms: Option<u16>,
    }

    #[test]
    fn json_problems_say_where() {
        let p = decode_json::<Body>(br#"{"url": "x", "timeout_ms": "a"}"#).unwrap_err();
        assert_eq!(p.kind, ProblemKind::Invalid);
        assert_eq!(p.location_text(), "body.timeout_ms");
        let p = decode_json::<Body>(br#"{}"#).unwrap_err();
        assert_eq!(
            (p.kind, p.location_text()),
            (ProblemKind::Missing, "body.url".to_owned())
        );
        let p = decode_json::<Body>(br#"{"url": "#).unwrap_err();
        assert_eq!(
            (p.kind, p.location_text()),
            (ProblemKind::MalformedBody, "body".to_owned())
        );
        let p = decode_json::<Body>(br#"{"url": "x"} trailing"#).unwrap_err();
        assert_eq!(p.kind, ProblemKind::MalformedBody);
    }

    #[test]
    fn params_parse_scalars_and_lists() {
        let params = Params {
            query: vec![
                ("n".into(), "5".into()),
                ("b".into(), "true".into()),
                ("l".into(), "a,b".into()),
            ],
            ..Params::default()
        };
        assert_eq!(params.get::<i64>("query", "n").unwrap(), Some(5));
        assert_eq!(params.get::<bool>("query", "b").unwrap(), Some(true));
        assert_eq!(
            params.get::<Vec<String>>("query", "l").unwrap(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        let p = params.get::<bool>("query", "n").unwrap_err();
        assert_eq!(p.location_text(), "query.n");
        assert_eq!(
            params.required::<i64>("query", "missing").unwrap_err().kind,
            ProblemKind::Missing
        );
    }

    #[test]
    fn media_types() {
        assert!(media_matches("application/json; charset=utf-8", "application/json"));
        assert!(!media_matches("text/plain", "application/json"));
        assert!(media_matches("application/merge-patch+json", "application/json"));
    }
}
