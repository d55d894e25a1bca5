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
