//! Media-type matching, one rule for the generated servers (is this request body what the
//! operation takes?) and the conformance runner (is this answer what the spec documents?).

use mime::Mime;

/// Whether a `Content-Type` that was `sent` is acceptable where the spec says `expected`.
///
/// Parameters (`; charset=utf-8`) and case are ignored. A JSON media type (`application/json`
/// or any `+json` suffix) accepts any JSON media type; `type/*` accepts that type, and `*/*`
/// accepts anything, also a missing or malformed `Content-Type`.
#[must_use]
pub fn matches(sent: &str, expected: &str) -> bool {
    let Ok(expected) = expected.trim().parse::<Mime>() else {
        return false;
    };
    if expected.type_() == mime::STAR && expected.subtype() == mime::STAR {
        return true;
    }
    let Ok(sent) = sent.trim().parse::<Mime>() else {
        return false;
    };
    if is_json(&expected) {
        is_json(&sent)
    } else if expected.subtype() == mime::STAR {
        sent.type_() == expected.type_()
    } else {
        sent.essence_str() == expected.essence_str()
    }
}

/// `application/json`, or any type with the `+json` suffix (`application/problem+json`).
#[must_use]
pub fn is_json(media: &Mime) -> bool {
    (media.type_() == mime::APPLICATION && media.subtype() == mime::JSON) || media.suffix() == Some(mime::JSON)
}

/// How a body of a media type is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Json,
    Form,
    Text,
    /// Anything else, and text that is not a media type: read as bytes.
    Binary,
}

/// The family of a media type as a spec writes it, and its essence (`type/subtype`, lower
/// case, no parameters); text that does not parse is kept, trimmed and lower-cased.
#[must_use]
pub fn classify(media: &str) -> (Family, String) {
    // Parameters never change the family; a stray `;` must not make JSON unreadable.
    let essence = media.split(';').next().unwrap_or(media).trim();
    let Ok(parsed) = essence.parse::<Mime>() else {
        return (Family::Binary, essence.to_ascii_lowercase());
    };
    let essence = parsed.essence_str().to_owned();
    let family = if is_json(&parsed) {
        Family::Json
    } else if parsed.essence_str() == mime::APPLICATION_WWW_FORM_URLENCODED.essence_str() {
        Family::Form
    } else if parsed.type_() == mime::TEXT {
        Family::Text
    } else {
        Family::Binary
    };
    (family, essence)
}

/// How the items of a sequential media type follow one another (OpenAPI 3.2 `itemSchema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `application/jsonl`, `application/x-ndjson`: one JSON value per line.
    Lines,
    /// `application/json-seq` (RFC 7464): each JSON value after an ASCII record separator.
    RecordSeparated,
    /// `text/event-stream`: server-sent events, each item one event's fields.
    EventStream,
}

/// The framing of a sequential media type, given its essence (see [`classify`]); `None` for
/// a media type that is not a sequence this runtime reads and writes.
#[must_use]
pub fn framing(essence: &str) -> Option<Framing> {
    match essence {
        "application/jsonl" | "application/x-jsonlines" | "application/x-ndjson" | "application/ndjson" => {
            Some(Framing::Lines)
        }
        "text/event-stream" => Some(Framing::EventStream),
        _ if essence == "application/json-seq" || essence.ends_with("+json-seq") => Some(Framing::RecordSeparated),
        _ => None,
    }
}

/// The record separator of RFC 7464 (`application/json-seq`).
pub const RECORD_SEPARATOR: u8 = 0x1e;

/// The items of a sequential body as JSON texts, blank ones left out; a server-sent event
/// becomes an object of its fields (`retry` a number when it is one, `data` lines joined).
#[must_use]
pub fn records(bytes: &[u8], framing: Framing) -> Vec<Vec<u8>> {
    let records: Vec<Vec<u8>> = match framing {
        Framing::Lines => bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect(),
        Framing::RecordSeparated => bytes.split(|b| *b == RECORD_SEPARATOR).map(<[u8]>::to_vec).collect(),
        Framing::EventStream => events(bytes),
    };
    records.into_iter().filter(|r| !r.trim_ascii().is_empty()).collect()
}

fn events(bytes: &[u8]) -> Vec<Vec<u8>> {
    use serde_json::Value;
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    text.split("\n\n")
        .map(|event| {
            let mut fields = serde_json::Map::new();
            for line in event.lines().filter(|l| !l.starts_with(':')) {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                let joined = match (name, fields.get(name).and_then(Value::as_str)) {
                    ("data", Some(before)) => format!("{before}\n{value}"),
                    _ => value.to_owned(),
                };
                let value = match name {
                    "retry" => joined.parse::<u64>().map_or(Value::String(joined), Value::from),
                    _ => Value::String(joined),
                };
                fields.insert(name.to_owned(), value);
            }
            if fields.is_empty() {
                Vec::new()
            } else {
                Value::Object(fields).to_string().into_bytes()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Family, classify, matches};

    #[test]
    fn families() {
        assert_eq!(
            classify("application/json; charset=utf-8"),
            (Family::Json, "application/json".into())
        );
        assert_eq!(
            classify("Application/Problem+JSON"),
            (Family::Json, "application/problem+json".into())
        );
        assert_eq!(
            classify("application/x-www-form-urlencoded"),
            (Family::Form, "application/x-www-form-urlencoded".into())
        );
        assert_eq!(classify("text/csv"), (Family::Text, "text/csv".into()));
        assert_eq!(classify("image/png"), (Family::Binary, "image/png".into()));
        assert_eq!(classify("application/json;"), (Family::Json, "application/json".into()));
        assert_eq!(classify(" Not A Type "), (Family::Binary, "not a type".into()));
    }

    #[test]
    fn json_accepts_json_in_any_spelling() {
        assert!(matches("application/json", "application/json"));
        assert!(matches("application/json; charset=utf-8", "application/json"));
        assert!(matches("Application/JSON", "application/json"));
        assert!(matches("application/merge-patch+json", "application/json"));
        assert!(matches("application/json", "application/problem+json"));
        assert!(!matches("text/plain", "application/json"));
        assert!(!matches("application/jsonx", "application/json"));
        assert!(!matches("", "application/json"));
        assert!(!matches("not a media type", "application/json"));
    }

    #[test]
    fn other_types_by_essence_and_wildcards() {
        assert!(matches("text/plain; charset=utf-8", "text/plain"));
        assert!(!matches("text/html", "text/plain"));
        assert!(matches("text/csv", "text/*"));
        assert!(!matches("application/csv", "text/*"));
        assert!(matches("image/png", "*/*"));
        assert!(matches("", "*/*"));
        assert!(matches(
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded"
        ));
        assert!(!matches("multipart/form-data", "application/x-www-form-urlencoded"));
    }
}
