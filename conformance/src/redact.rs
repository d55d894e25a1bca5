//! Volatile and secret values out of everything written, as values, never as substrings of
//! other words.
//!
//! What is hidden, and where:
//!
//! - **Never shown** (the credentials, secrets the server minted, the run tag): as a whole
//!   value anywhere, and as a whole token inside any text (a message, an error, a path
//!   segment), so `key-a` is masked in `invalid key key-a` but not in `key-ab`.
//! - **Volatile** (ids and timestamps the server minted, learned from its answers): a JSON
//!   string value, a path segment or a query value that *is* one, and in a snapshot's free
//!   text a whole token that is one (when it is long enough, 8 characters, and has a digit, so
//!   that a word such as `string` is never taken for an id).
//! - **By the spec's vocabulary**: the value of a key named as an id, a secret or a timestamp
//!   (`id`, `*_id`, `secret`, `*_at`, ...), and any string that is a valid value of a format a
//!   server mints (`Format::volatile_kind`: uuid, date-time).
//!
//! Snapshots hide both kinds, so that two runs against one server snapshot identically;
//! reports ([`Redactor::message`]) hide only what is never shown, and keep ids and the base
//! URL as they are, so that a failure can be followed up.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

/// The shortest learned id or timestamp hidden inside free text.
const MIN_TOKEN: usize = 8;
/// The shortest learned value hidden at all (a whole value: a JSON string, a path segment).
const MIN_VALUE: usize = 4;

/// Exact values and what replaces them, found as whole values or whole tokens.
#[derive(Debug, Clone, Default)]
struct Values {
    map: HashMap<String, &'static str>,
    /// The lengths present, longest first when searched.
    lengths: BTreeSet<usize>,
}

impl Values {
    /// The first placeholder given to a value stays.
    fn insert(&mut self, value: &str, placeholder: &'static str) {
        if !value.is_empty() && !self.map.contains_key(value) {
            self.map.insert(value.to_owned(), placeholder);
            self.lengths.insert(value.len());
        }
    }

    fn get(&self, value: &str) -> Option<&'static str> {
        self.map.get(value).copied()
    }

    /// `text` with every whole-token occurrence of a value (of at least `min` bytes) replaced:
    /// the characters on either side of it, if any, are not letters, digits or `_`.
    fn replace_tokens(&self, text: &str, min: usize) -> String {
        if self.map.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        let mut previous: Option<char> = None;
        'scan: while i < text.len() {
            if previous.is_none_or(|c| !is_word(c)) {
                for &len in self.lengths.iter().rev().filter(|&&l| l >= min) {
                    let end = i + len;
                    if end > text.len() || !text.is_char_boundary(end) {
                        continue;
                    }
                    if let Some(placeholder) = self.map.get(&text[i..end])
                        && text[end..].chars().next().is_none_or(|c| !is_word(c))
                    {
                        out.push_str(placeholder);
                        previous = text[i..end].chars().next_back();
                        i = end;
                        continue 'scan;
                    }
                }
            }
            let c = text[i..].chars().next().expect("i is on a char boundary");
            out.push(c);
            previous = Some(c);
            i += c.len_utf8();
        }
        out
    }
}

/// What of a credential is secret: the whole value, each whitespace-separated part of it
/// (`tok123` of `token tok123`, which a server may echo bare) and the password of
/// `user:password` (Basic), those of at least [`MIN_VALUE`] bytes: a shorter part (`Bearer`'s
/// neighbours are longer) would mask ordinary words.
pub fn credential_parts(credential: &str) -> Vec<&str> {
    let mut parts = vec![credential];
    let password = credential.split_once(':').map(|(_, password)| password);
    for part in credential.split_whitespace().chain(password) {
        if part.len() >= MIN_VALUE && !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether a learned id or timestamp looks minted: a digit in it. Static example values such
/// as `string` (which mock servers answer for every id) are not learned.
fn looks_minted(value: &str) -> bool {
    value.len() >= MIN_VALUE && value.bytes().any(|b| b.is_ascii_digit())
}

/// `text` with the number each resource of the run adds to its tagged names
/// (`Resources::numbered`: `[run]-17`) left out: it depends on the order cases ran in.
fn without_numbers(text: &str) -> String {
    const RUN: &str = "[run]-";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(RUN) {
        let after = &rest[at + RUN.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let whole = digits > 0 && !after[digits..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at + "[run]".len()]);
        if whole {
            rest = &after[digits..];
        } else {
            out.push('-');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// What to hide, learned from the run.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Credentials, minted secrets, the run tag.
    hidden: Values,
    /// Ids and timestamps the server minted.
    volatile: Values,
    /// Written `[base-url]` in snapshots (which stay the same wherever the server runs);
    /// reports keep it.
    base_url: Option<String>,
    /// The delivery receiver's root URL (`[receiver]`): it changes from run to run.
    receiver_url: Option<String>,
}

impl Redactor {
    /// Hides each credential and its parts ([`credential_parts`]) and the run tag.
    pub fn new(tag: &str, credentials: &[&str]) -> Self {
        let mut r = Redactor::default();
        for part in credentials.iter().flat_map(|c| credential_parts(c)) {
            r.hidden.insert(part, "[credential]");
        }
        r.hidden.insert(tag, "[run]");
        r
    }

    /// Writes the delivery receiver's URL as `[receiver]` in snapshots.
    pub fn with_receiver_url(mut self, url: &str) -> Self {
        let url = url.trim_end_matches('/');
        if !url.is_empty() {
            self.receiver_url = Some(url.to_owned());
        }
        self
    }

    /// Writes the base URL as `[base-url]` in snapshots ([`Redactor::text`]); reports keep it.
    pub fn with_base_url(mut self, base_url: &str) -> Self {
        let url = base_url.trim_end_matches('/');
        if !url.is_empty() {
            self.base_url = Some(url.to_owned());
        }
        self
    }

    /// A value the run made fresh (an id for an "unknown id" case): written as `placeholder`
    /// in snapshots, shown as it is in reports.
    pub fn add_volatile(&mut self, value: &str, placeholder: &'static str) {
        self.volatile.insert(value, placeholder);
    }

    /// Learns the values a server minted in an answer: ids, secrets, timestamps, by the key
    /// that holds them.
    pub fn learn(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if let (Some(kind), Value::String(s)) = (kind_of_key(k), v) {
                        match kind {
                            // A mock's `string` is no secret; anything longer, or with a digit, is.
                            SECRET if s.len() >= MIN_TOKEN || looks_minted(s) => self.hidden.insert(s, SECRET),
                            SECRET => {}
                            _ if looks_minted(s) => {
                                self.volatile.insert(s, kind);
                                // The same id respelt (a UUID in upper case, a letter
                                // percent-encoded in a path) is the same value.
                                for respelt in [s.to_uppercase(), crate::text::encode_first_alphanumeric(s)] {
                                    if respelt != *s {
                                        self.volatile.insert(&respelt, kind);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    self.learn(v);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn(v)),
            _ => {}
        }
    }

    /// Free text in a report (a check's message, an error): credentials, secrets and the run
    /// tag masked as whole tokens; ids, numbers, words and the base URL as they are.
    pub fn message(&self, text: &str) -> String {
        without_numbers(&self.hidden.replace_tokens(text, 1))
    }

    /// Free text in a snapshot: as [`Redactor::message`], and learned ids and timestamps as
    /// whole tokens, and the base URL as `[base-url]`.
    pub fn text(&self, text: &str) -> String {
        let mut out = self.volatile.replace_tokens(&self.message(text), MIN_TOKEN);
        if let Some(url) = &self.base_url {
            out = replace_prefixes(&out, url, "[base-url]");
        }
        if let Some(url) = &self.receiver_url {
            out = replace_prefixes(&out, url, "[receiver]");
        }
        out
    }

    /// A request path with its query: a segment or a query value that is a hidden or learned
    /// value is replaced whole; the run tag and the credentials are masked as whole tokens
    /// inside the others (`conformance-unknown-[run]`); nothing else changes.
    pub fn path(&self, path: &str) -> String {
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let mut out = path.split('/').map(|s| self.segment(s)).collect::<Vec<_>>().join("/");
        if let Some(query) = query {
            out.push('?');
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, v)) => format!("{k}={}", self.segment(v)),
                    None => pair.to_owned(),
                })
                .collect();
            out.push_str(&pairs.join("&"));
        }
        out
    }

    fn segment(&self, segment: &str) -> String {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        match self.whole(&decoded).or_else(|| self.whole(segment)) {
            Some(placeholder) => placeholder.to_owned(),
            None => self.message(segment),
        }
    }

    /// The placeholder of a value that is, as a whole, hidden or learned.
    fn whole(&self, value: &str) -> Option<&'static str> {
        self.hidden.get(value).or_else(|| self.volatile.get(value))
    }

    /// A redacted copy of an answer's JSON, for a snapshot.
    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let hidden = match (kind_of_key(k), v) {
                            (Some(kind), Value::String(_) | Value::Number(_)) => Value::String(kind.to_owned()),
                            _ => self.json(v),
                        };
                        (k.clone(), hidden)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::String(s) => Value::String(self.string(s)),
            other => other.clone(),
        }
    }

    fn string(&self, s: &str) -> String {
        use codegen_runtime::formats::Format;
        if let Some(placeholder) = self.whole(s) {
            return placeholder.to_owned();
        }
        // Values of the formats a server mints (timestamps, ids) differ on every run.
        let minted = Format::ALL
            .into_iter()
            .find_map(|f| f.volatile_kind().filter(|_| f.check(s).is_ok()));
        match minted {
            Some(kind) => format!("[{kind}]"),
            None => self.text(s),
        }
    }
}

/// `text` with `prefix` replaced where it starts a URL (followed by its end, `/`, `?` or `#`,
/// or the end of the text), never inside a longer host or path.
fn replace_prefixes(text: &str, prefix: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        out.push_str(&rest[..at]);
        if after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || "-_.:@".contains(c)))
        {
            out.push_str(with);
        } else {
            out.push_str(prefix);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

const SECRET: &str = "[secret]";

/// Keys whose values are minted per resource or secret, by name.
fn kind_of_key(key: &str) -> Option<&'static str> {
    let k = key.to_ascii_lowercase();
    if k.contains("secret") || k.contains("token") || k.contains("password") || k == "api_key" || k == "apikey" {
        Some(SECRET)
    } else if k == "id" || k == "_id" || k.ends_with("_id") || (key.ends_with("Id") && key.len() > 2) {
        Some("[id]")
    } else if k.ends_with("_at") || (key.ends_with("At") && key.len() > 2) || k == "timestamp" {
        Some("[timestamp]")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_number_of_a_resource_is_not_shown() {
        assert_eq!(super::without_numbers("conformance-[run]-561"), "conformance-[run]");
        assert_eq!(
            super::without_numbers("/x/[run]-7/y [run]-name"),
            "/x/[run]/y [run]-name"
        );
        assert_eq!(super::without_numbers("[run]-12ab [run]-"), "[run]-12ab [run]-");
    }

    use super::*;
    use serde_json::json;

    const ID: &str = "664a1b2c3d4e5f6a7b8c9d0e";

    #[test]
    fn every_part_of_a_credential_is_hidden() {
        assert_eq!(credential_parts("token tok123"), ["token tok123", "token", "tok123"]);
        assert_eq!(credential_parts("alice:s3cret-pw"), ["alice:s3cret-pw", "s3cret-pw"]);
        assert_eq!(credential_parts("k x"), ["k x"], "parts under 4 bytes are left");
        let r = Redactor::new("cfm-1234abcd", &["token tok123", "alice:s3cret-pw"]);
        assert_eq!(
            r.message("bad tok123; sent token tok123 as alice with s3cret-pw; tok1234 stays"),
            "bad [credential]; sent [credential] as alice with [credential]; tok1234 stays"
        );
        assert_eq!(
            r.path("/users/tok123?key=s3cret-pw"),
            "/users/[credential]?key=[credential]"
        );
        assert_eq!(
            r.json(&json!({"echo": "tok123", "note": "for tok123"})),
            json!({"echo": "[credential]", "note": "for [credential]"})
        );
    }

    fn redactor() -> Redactor {
        let mut r = Redactor::new("cfm-1234abcd", &["key-secret-1"]).with_base_url("http://127.0.0.1:40000/api/v1");
        r.learn(&json!({"data": {"_id": ID, "secret": "whsec_x1y2z3w4"}}));
        r
    }

    #[test]
    fn hides_minted_values_credentials_and_the_tag() {
        let r = redactor();
        let answer = json!({
            "message": format!("Webhook {ID} not found for key-secret-1"),
            "url": "https://example.com/conformance/cfm-1234abcd",
            "createdAt": "2024-06-01T10:00:00.000Z",
            "events": ["a"],
            "id": "aaaa0001-bbbb-0002-cccc-000300040005",
            "owner": ID,
            "retryAttempts": 3
        });
        assert_eq!(
            r.json(&answer),
            json!({
                "message": "Webhook [id] not found for [credential]",
                "url": "https://example.com/conformance/[run]",
                "createdAt": "[timestamp]",
                "events": ["a"],
                "id": "[id]",
                "owner": "[id]",
                "retryAttempts": 3
            })
        );
        assert_eq!(r.message("whsec_x1y2z3w4 and 2024"), "[secret] and 2024");
    }

    #[test]
    fn a_word_holding_an_id_stays_whole() {
        let r = redactor();
        let inside = format!("x{ID}y and {ID}_suffix and pre_{ID}");
        assert_eq!(r.text(&inside), inside, "an id inside a longer word is not an id");
        assert_eq!(r.json(&json!(inside)), json!(inside));
        // A static example value (a mock server's "string" for every id) is never learned,
        // so messages and other fields keep the word.
        let mut r = Redactor::new("cfm-1234abcd", &[]);
        r.learn(&json!({"id": "string", "secret": "string", "events": ["string"]}));
        assert_eq!(r.text("url must be string"), "url must be string");
        assert_eq!(
            r.json(&json!({"id": "string", "events": ["string"], "loc": ["string"], "msg": "string"})),
            json!({"id": "[id]", "events": ["string"], "loc": ["string"], "msg": "string"})
        );
        assert_eq!(r.path("/items/string?kind=string"), "/items/string?kind=string");
    }

    #[test]
    fn a_whole_value_id_is_redacted() {
        let r = redactor();
        assert_eq!(
            r.json(&json!({"refs": [ID, "other"]})),
            json!({"refs": ["[id]", "other"]})
        );
        assert_eq!(
            r.path(&format!("/webhooks/{ID}?endpoint_id={ID}&limit=10")),
            "/webhooks/[id]?endpoint_id=[id]&limit=10"
        );
        assert_eq!(
            r.path(&format!("/webhooks/{ID}x/conformance-unknown-cfm-1234abcd")),
            format!("/webhooks/{ID}x/conformance-unknown-[run]"),
            "only whole segments are ids; the run tag is masked as a token"
        );
        // In reports, ids stay readable: only what is never shown is masked.
        assert_eq!(r.message(&format!("no webhook {ID}")), format!("no webhook {ID}"));
    }

    #[test]
    fn the_credential_is_masked_wherever_it_is_a_whole_token() {
        let r = redactor();
        for (text, masked) in [
            ("key-secret-1", "[credential]"),
            ("invalid key: key-secret-1.", "invalid key: [credential]."),
            ("Bearer key-secret-1", "Bearer [credential]"),
            ("?api_key=key-secret-1&x=1", "?api_key=[credential]&x=1"),
            ("\"key-secret-1\"", "\"[credential]\""),
            ("key-secret-12 and xkey-secret-1", "key-secret-12 and xkey-secret-1"),
        ] {
            assert_eq!(r.message(text), masked, "{text}");
            assert_eq!(r.text(text), masked, "{text}");
        }
        assert_eq!(r.path("/w?api_key=key-secret-1"), "/w?api_key=[credential]");
        assert_eq!(
            r.json(&json!({"detail": "bad key key-secret-1"}))["detail"],
            "bad key [credential]"
        );
    }

    #[test]
    fn the_base_url_is_kept_in_reports() {
        let r = redactor();
        let error = "error sending request for url (http://127.0.0.1:40000/api/v1/webhooks)";
        assert_eq!(r.message(error), error);
        assert_eq!(
            r.text(error),
            "error sending request for url ([base-url]/webhooks)",
            "snapshots stay the same wherever the server runs"
        );
        assert_eq!(
            r.text("http://127.0.0.1:400001/x"),
            "http://127.0.0.1:400001/x",
            "another port is another URL"
        );
    }
}
