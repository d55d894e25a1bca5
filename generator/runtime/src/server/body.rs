//! Request bodies: size limit, media type, and decoding with the path to a bad value.

use axum::body::Body;
use bytes::Bytes;
use http::header;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::{Problem, ProblemKind, Segment};
use crate::style::{self, FieldKind};

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
    if !crate::media::matches(sent, media) {
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
    located_problem(vec![Segment::Key("body".to_owned())], error)
}

/// A problem located below `root` (`["body"]`, `["query", "filter"]`) by the path to the bad
/// value; a missing field is named, syntax errors stop at the root.
pub(super) fn located_problem(root: Vec<Segment>, error: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let inner = error.inner();
    let message = strip_position(inner);
    let root_len = root.len();
    let mut location = root;
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
        Category::Data => match missing_field(&message) {
            Some(field) => {
                location.push(Segment::Key(field.to_owned()));
                ProblemKind::Missing
            }
            None => ProblemKind::Invalid,
        },
    };
    if kind == ProblemKind::MalformedBody {
        location.truncate(root_len);
    }
    Problem::new(kind, location, message)
}

// serde_json's errors are opaque: `classify()`, `line()` and `column()` are all it exposes.
// The missing field's name and the position suffix are read from its `Display` text, whose
// shapes the `serde_json_message_shapes` test pins, so an upgrade that changes them fails there.

/// serde_json appends " at line L column C" when it knows the position (`line() > 0`):
/// the problem's location says where already. Only that exact suffix is removed, so a message
/// that merely contains the words (a value echoed by a validator, say) is left whole.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if error.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&suffix) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// The field named by serde's `missing_field` error, which serde_json renders as
/// "missing field `NAME`" (the position already stripped). The name is everything between
/// the first and the last backtick, so a name holding a backtick survives.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// Decodes an `application/x-www-form-urlencoded` body through a JSON object of its
/// fields, each read as `fields` says (`style::read_fields`).
pub fn decode_form<T: DeserializeOwned>(bytes: &[u8], fields: &[(&str, FieldKind)]) -> Result<T, Problem> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Problem::at(
            ProblemKind::MalformedBody,
            "body",
            None,
            "The form body is not UTF-8 text",
        )
    })?;
    decode_fields(&style::form_pairs(text), fields)
}

/// Decodes a `multipart/form-data` body (its Content-Type names the boundary) through a
/// JSON object of its parts, each read as `fields` says.
pub fn decode_multipart<T: DeserializeOwned>(
    parts: &Parts,
    bytes: &[u8],
    fields: &[(&str, FieldKind)],
) -> Result<T, Problem> {
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let pairs = style::multipart_pairs(content_type, bytes)
        .map_err(|e| Problem::at(ProblemKind::MalformedBody, "body", None, e.to_string()))?;
    decode_fields(&pairs, fields)
}

fn decode_fields<T: DeserializeOwned>(pairs: &[(String, String)], fields: &[(&str, FieldKind)]) -> Result<T, Problem> {
    let object = style::read_fields(pairs, fields)
        .map_err(|e| Problem::at(ProblemKind::Invalid, "body", None, e.to_string()))?;
    serde_path_to_error::deserialize(object).map_err(|e| json_problem(&e))
}

pub fn decode_text(bytes: &[u8]) -> Result<String, Problem> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Problem::at(ProblemKind::MalformedBody, "body", None, "The body is not UTF-8 text"))
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

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Odd {
        #[serde(rename = "a`b")]
        odd: String,
    }

    /// Pins the `Display` shapes of serde_json 1.0.154 (Cargo.lock) that `strip_position`
    /// and `missing_field` read. If this fails after an upgrade, adapt those two functions.
    #[test]
    fn serde_json_message_shapes() {
        use serde_json::error::Category;
        // A missing field, read from text: the message and a position suffix.
        let e = serde_json::from_str::<Body>("{}").unwrap_err();
        assert_eq!(e.classify(), Category::Data);
        assert_eq!((e.line(), e.column()), (1, 2));
        assert_eq!(e.to_string(), "missing field `url` at line 1 column 2");
        assert_eq!(strip_position(&e), "missing field `url`");
        assert_eq!(missing_field(&strip_position(&e)), Some("url"));
        // From a `Value` (form bodies): no position, and no suffix.
        let e = serde_json::from_value::<Body>(serde_json::json!({})).unwrap_err();
        assert_eq!(e.line(), 0);
        assert_eq!(e.to_string(), "missing field `url`");
        assert_eq!(missing_field(&strip_position(&e)), Some("url"));
        // A name with a backtick in it comes back whole.
        let e = serde_json::from_str::<Odd>("{}").unwrap_err();
        assert_eq!(e.to_string(), "missing field `a`b` at line 1 column 2");
        assert_eq!(missing_field(&strip_position(&e)), Some("a`b"));
        // Syntax and type errors: the message, then the position.
        let e = serde_json::from_str::<Body>(r#"{"url": "#).unwrap_err();
        assert_eq!(e.classify(), Category::Eof);
        assert_eq!(e.to_string(), "EOF while parsing a value at line 1 column 8");
        assert_eq!(strip_position(&e), "EOF while parsing a value");
        let e = serde_json::from_str::<Body>(r#"{"url": 5}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: integer `5`, expected a string at line 1 column 9"
        );
        assert_eq!(strip_position(&e), "invalid type: integer `5`, expected a string");
        assert_eq!(missing_field(&strip_position(&e)), None);
        // A custom message that contains " at line " keeps it; only the real suffix goes.
        let e = <serde_json::Error as serde::de::Error>::custom("bad value at line 3");
        assert_eq!(e.line(), 0);
        assert_eq!(strip_position(&e), "bad value at line 3");
        let e = serde_json::from_str::<Body>(r#"{"url": "x"} trailing"#).unwrap_err();
        assert_eq!(e.to_string(), "trailing characters at line 1 column 14");
        assert_eq!(strip_position(&e), "trailing characters");
    }

    #[test]
    fn a_missing_field_from_a_form_is_located() {
        let p = decode_form::<Body>(b"other=5", &[]).unwrap_err();
        assert_eq!(
            (p.kind, p.location_text(), p.message.as_str()),
            (ProblemKind::Missing, "body.url".to_owned(), "missing field `url`")
        );
        // Fields are read as their types: an integer from its text.
        let fields = [
            ("url", FieldKind::Text(style::Scalar::String)),
            ("timeout_ms", FieldKind::Text(style::Scalar::Integer)),
        ];
        let body = decode_form::<Body>(b"url=x&timeout_ms=5", &fields).unwrap();
        assert_eq!(body.timeout_ms, Some(5));
        let p = decode_form::<Body>(b"url=x&timeout_ms=five", &fields).unwrap_err();
        assert_eq!(
            (p.kind, p.location_text()),
            (ProblemKind::Invalid, "body.timeout_ms".to_owned())
        );
    }
}
