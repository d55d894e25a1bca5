//! Rust names from spec names: PascalCase types, snake_case fields, no keywords, no clashes.

use std::collections::HashSet;

/// Splits `HTTPValidationError`, `webhook_id`, `retryAttempts`, `x-api-key` into words.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, cur) = (chars[i - 1], chars[i]);
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase());
            let boundary = (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
                || (prev.is_ascii_uppercase() && cur.is_ascii_uppercase() && next_lower)
                || (prev.is_ascii_digit() && cur.is_ascii_alphabetic() && cur.is_ascii_uppercase());
            if boundary {
                words.push(chars[start..i].iter().collect());
                start = i;
            }
        }
        if start < chars.len() {
            words.push(chars[start..].iter().collect());
        }
    }
    words
}

/// `webhook_id` → `WebhookId`; never empty, never starting with a digit.
pub fn pascal(name: &str) -> String {
    let mut out: String = words(name)
        .iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if out.is_empty() {
        out.push_str("Empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

/// `retryAttempts` → `retry_attempts`; keywords get a trailing underscore.
pub fn snake(name: &str) -> String {
    let mut out = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() {
        out.push_str("empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

fn is_keyword(word: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
        "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
        "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
        "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    ];
    KEYWORDS.contains(&word)
}

/// Hands out names unique within one scope, in the order asked: `Name`, `Name2`, ...
#[derive(Debug, Default)]
pub struct Namer {
    used: HashSet<String>,
}

impl Namer {
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namer {
            used: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    pub fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let sep = if base.ends_with(|c: char| c.is_ascii_digit()) {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .unwrap_or(base)
    }
}

/// The variant name for status `code`: its reason phrase as the http crate gives it, in
/// PascalCase (`404` → `NotFound`, `413` → `PayloadTooLarge`), or `Status{code}` without one.
pub fn status_variant(code: u16) -> String {
    http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| format!("Status{code}"), pascal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_and_snake_cases() {
        assert_eq!(pascal("HTTPValidationError"), "HttpValidationError");
        assert_eq!(pascal("webhook_id"), "WebhookId");
        assert_eq!(pascal("x-api-key"), "XApiKey");
        assert_eq!(pascal("hmac_sha256"), "HmacSha256");
        assert_eq!(pascal("200"), "V200");
        assert_eq!(pascal("*"), "Empty");
        assert_eq!(snake("retryAttempts"), "retry_attempts");
        assert_eq!(snake("_id"), "id");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("createdAt"), "created_at");
        assert_eq!(snake("1st"), "n1st");
    }

    #[test]
    fn namer_suffixes_clashes() {
        let mut n = Namer::default();
        assert_eq!(n.unique("Webhook".into()), "Webhook");
        assert_eq!(n.unique("Webhook".into()), "Webhook2");
        assert_eq!(n.unique("V1".into()), "V1");
        assert_eq!(n.unique("V1".into()), "V1_2");
    }

    #[test]
    fn status_variants_are_reason_phrases() {
        // The names generated code and the reference servers already use.
        let named = [
            (200, "Ok"),
            (201, "Created"),
            (202, "Accepted"),
            (204, "NoContent"),
            (301, "MovedPermanently"),
            (302, "Found"),
            (304, "NotModified"),
            (400, "BadRequest"),
            (401, "Unauthorized"),
            (403, "Forbidden"),
            (404, "NotFound"),
            (405, "MethodNotAllowed"),
            (409, "Conflict"),
            (410, "Gone"),
            (413, "PayloadTooLarge"),
            (415, "UnsupportedMediaType"),
            (422, "UnprocessableEntity"),
            (429, "TooManyRequests"),
            (500, "InternalServerError"),
            (502, "BadGateway"),
            (503, "ServiceUnavailable"),
        ];
        for (code, name) in named {
            assert_eq!(status_variant(code), name, "{code}");
        }
        // Codes the old hand-written table lacked get their phrase too; unknown ones a number.
        assert_eq!(status_variant(207), "MultiStatus");
        assert_eq!(status_variant(308), "PermanentRedirect");
        assert_eq!(status_variant(599), "Status599");
    }
}
