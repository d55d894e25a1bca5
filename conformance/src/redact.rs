//! Volatile and secret values out of everything written: ids, timestamps and secrets found
//! from the spec (formats, write-only fields, names) and from the run (what the server minted,
//! the credentials, the run tag), so two runs against one server snapshot identically.

use serde_json::Value;

/// What to hide, learned from the run.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Exact strings and what replaces them, longest first.
    known: Vec<(String, String)>,
}

impl Redactor {
    pub fn new(tag: &str, credentials: &[&str]) -> Self {
        let mut r = Redactor::default();
        r.add(tag, "[run]");
        for c in credentials {
            r.add(c, "[credential]");
        }
        r
    }

    /// Hides `value` wherever it appears from now on.
    pub fn add(&mut self, value: &str, replacement: &str) {
        if value.len() >= 4 && !self.known.iter().any(|(k, _)| k == value) {
            self.known.push((value.to_owned(), replacement.to_owned()));
            self.known.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        }
    }

    /// Learns the values a server minted in an answer: ids, secrets, timestamps.
    pub fn learn(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if let (Some(kind), Value::String(s)) = (kind_of_key(k), v) {
                        self.add(s, kind);
                    }
                    self.learn(v);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn(v)),
            _ => {}
        }
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (k, v) in &self.known {
            if out.contains(k.as_str()) {
                out = out.replace(k.as_str(), v);
            }
        }
        out
    }

    /// A redacted copy of a JSON value.
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

/// Keys whose values are minted per resource or secret, by name.
fn kind_of_key(key: &str) -> Option<&'static str> {
    let k = key.to_ascii_lowercase();
    if k.contains("secret") || k.contains("token") || k.contains("password") || k == "api_key" || k == "apikey" {
        Some("[secret]")
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
    use super::*;
    use serde_json::json;

    #[test]
    fn hides_minted_values_credentials_and_the_tag() {
        let mut r = Redactor::new("cfm-1234abcd", &["key-secret-1"]);
        r.learn(&json!({"data": {"_id": "664a1b2c3d4e5f6a7b8c9d0e", "secret": "whsec_x1y2"}}));
        let answer = json!({
            "message": "Webhook 664a1b2c3d4e5f6a7b8c9d0e not found for key-secret-1",
            "url": "https://example.com/conformance/cfm-1234abcd",
            "createdAt": "2024-06-01T10:00:00.000Z",
            "events": ["a"],
            "id": "aaaa0001-bbbb-0002-cccc-000300040005",
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
                "retryAttempts": 3
            })
        );
        assert_eq!(r.text("whsec_x1y2 and 2024"), "[secret] and 2024");
    }
}
