//! JSON pointers (RFC 6901), built and split in one place: `~` is written `~0` and `/` is
//! written `~1` inside a segment, and read back the other way.

use std::borrow::Cow;

/// One segment as it appears in a pointer: `~` → `~0`, `/` → `~1`.
#[must_use]
pub fn escape(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// One segment as it was before escaping; `None` for a `~` not followed by `0` or `1`.
#[must_use]
pub fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next()? {
                '0' => out.push('~'),
                '1' => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Appends one segment to `pointer`, escaped.
#[must_use]
pub fn join(pointer: &str, segment: &str) -> String {
    let segment = escape(segment);
    let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
    out.push_str(pointer);
    out.push('/');
    out.push_str(&segment);
    out
}

/// The pointer to `segments` from the root: `["a/b", "c"]` → `/a~1b/c`; no segments → ``.
#[must_use]
pub fn from_segments<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> String {
    segments
        .into_iter()
        .fold(String::new(), |pointer, s| join(&pointer, s.as_ref()))
}

/// The unescaped segments of `pointer`; `None` when it is not a pointer (no leading `/`, or a
/// bad `~` escape). The empty pointer (the whole document) has no segments.
#[must_use]
pub fn split(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    pointer.strip_prefix('/')?.split('/').map(unescape).collect()
}

/// The last segment of `pointer`, unescaped; `None` for the empty pointer or a malformed one.
#[must_use]
pub fn last(pointer: &str) -> Option<String> {
    let (_, raw) = pointer.rsplit_once('/')?;
    unescape(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped_tilde_first() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a/b"), "a~1b");
        assert_eq!(escape("a~b"), "a~0b");
        // `~1` written literally must not read back as `/`.
        assert_eq!(escape("~1"), "~01");
        assert_eq!(join("/paths", "/webhooks/{id}"), "/paths/~1webhooks~1{id}");
        assert_eq!(join("", "x"), "/x");
    }

    #[test]
    fn round_trips() {
        for segment in ["", "a", "a/b", "~", "~0", "~1", "/~/", "é/ü"] {
            assert_eq!(unescape(&escape(segment)).as_deref(), Some(segment), "{segment:?}");
        }
        let segments = ["paths", "/a~b/{id}", "get", "0"];
        let pointer = from_segments(segments);
        assert_eq!(pointer, "/paths/~1a~0b~1{id}/get/0");
        assert_eq!(split(&pointer).unwrap(), segments);
        assert_eq!(last(&pointer).as_deref(), Some("0"));
        assert_eq!(last("/components/schemas/A~1B").as_deref(), Some("A/B"));
    }

    #[test]
    fn malformed_pointers() {
        assert_eq!(split(""), Some(Vec::new()));
        assert_eq!(split("/"), Some(vec![String::new()]));
        assert_eq!(split("no-slash"), None);
        assert_eq!(split("/a~2"), None);
        assert_eq!(split("/a~"), None);
        assert_eq!(unescape("~x"), None);
        assert_eq!(last(""), None);
    }

    #[test]
    fn agrees_with_serde_json_lookup() {
        let doc = serde_json::json!({"a/b": {"c~d": [1, {"": 2}]}});
        let pointer = from_segments(["a/b", "c~d", "1", ""]);
        assert_eq!(doc.pointer(&pointer), Some(&serde_json::json!(2)));
    }
}
