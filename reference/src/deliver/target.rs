//! What a stored webhook says about its deliveries, read the same way for the four vendors:
//! where, whether, which events, how signed, how long to wait, how often to retry.

use std::time::Duration;

use serde_json::Value;

use crate::Api;

/// How a delivery proves where it came from (kejue's `signing_method`; the others always
/// sign as Standard Webhooks does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    HmacSha256,
    HmacSha1,
    Bearer,
    Basic,
    None,
}

/// One webhook, as the delivery engine reads it.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub enabled: bool,
    /// `None`: every event type.
    pub events: Option<Vec<String>>,
    pub signing: Signing,
    pub secret: Option<String>,
    pub timeout: Duration,
    pub max_retries: u32,
    /// kejue's `scope_type: persona`: only events about this persona (`Some(None)`: a persona
    /// scope without a persona, which takes nothing).
    pub persona: Option<Option<String>>,
}

/// kallima's and konpro's fixed settings (VENDORS.md).
const FIXED_TIMEOUT_MS: u64 = 15_000;
const FIXED_RETRIES: u32 = 5;

fn text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(doc: &Value, path: &[&str], default: u64) -> u64 {
    path.iter()
        .try_fold(doc, |v, k| v.get(*k))
        .and_then(Value::as_u64)
        .unwrap_or(default)
}

/// `events` absent, `null`, `[]` or holding `*`: every type.
fn filter(doc: &Value) -> Option<Vec<String>> {
    let list: Vec<String> = doc
        .get("events")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|e| e.as_str().map(str::to_owned))
        .collect();
    (!list.is_empty() && !list.iter().any(|e| e == "*")).then_some(list)
}

impl Target {
    pub fn read(api: Api, doc: &Value) -> Target {
        let url = text(doc, "url").unwrap_or_default();
        let events = filter(doc);
        let secret = text(doc, "secret");
        match api {
            Api::Kejue => Target {
                url,
                enabled: true,
                events,
                signing: match doc.get("signing_method").and_then(Value::as_str) {
                    Some("hmac_sha1") => Signing::HmacSha1,
                    Some("bearer") => Signing::Bearer,
                    Some("basic_auth") => Signing::Basic,
                    Some("none") => Signing::None,
                    _ => Signing::HmacSha256,
                },
                secret,
                timeout: Duration::from_millis(number(doc, &["delivery_settings", "timeout_ms"], 5000)),
                max_retries: number(doc, &["delivery_settings", "max_retries"], 3) as u32,
                persona: (doc.get("scope_type").and_then(Value::as_str) == Some("persona"))
                    .then(|| text(doc, "persona_id")),
            },
            Api::Kallima => Target {
                url,
                enabled: doc.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                events,
                signing: Signing::HmacSha256,
                secret,
                timeout: Duration::from_millis(FIXED_TIMEOUT_MS),
                max_retries: FIXED_RETRIES,
                persona: None,
            },
            Api::Konpro => Target {
                url,
                enabled: doc.get("status").and_then(Value::as_str) == Some("enabled"),
                events,
                signing: Signing::HmacSha256,
                secret,
                timeout: Duration::from_millis(FIXED_TIMEOUT_MS),
                max_retries: FIXED_RETRIES,
                persona: None,
            },
            Api::Sendkit => Target {
                url,
                enabled: doc.get("status").and_then(Value::as_str) == Some("active"),
                events,
                signing: Signing::HmacSha256,
                secret,
                timeout: Duration::from_millis(number(doc, &["timeoutMs"], 10_000)),
                max_retries: number(doc, &["retryAttempts"], 3) as u32,
                persona: None,
            },
        }
    }

    /// Whether an event of `kind` (about `persona`, for kejue) is this webhook's to receive.
    pub fn takes(&self, kind: &str, persona: Option<&str>) -> bool {
        let type_matches = match &self.events {
            None => true,
            Some(list) => list.iter().any(|e| e == kind),
        };
        let persona_matches = match &self.persona {
            None => true,
            Some(mine) => mine.is_some() && mine.as_deref() == persona,
        };
        self.enabled && type_matches && persona_matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_take_all_or_exact_types() {
        let take =
            |events: Value, kind: &str| Target::read(Api::Kallima, &json!({ "events": events })).takes(kind, None);
        assert!(take(json!(null), "a.b"));
        assert!(take(json!([]), "a.b"));
        assert!(take(json!(["x", "*"]), "a.b"));
        assert!(take(json!(["a.b"]), "a.b"));
        assert!(!take(json!(["a.bc", "a"]), "a.b"));
        assert!(!Target::read(Api::Kallima, &json!({ "enabled": false })).takes("a", None));
    }

    #[test]
    fn kejue_persona_scope_takes_only_its_persona() {
        let hook = json!({ "events": ["*"], "scope_type": "persona", "persona_id": "p1" });
        let target = Target::read(Api::Kejue, &hook);
        assert!(target.takes("e", Some("p1")));
        assert!(!target.takes("e", Some("p2")));
        assert!(!target.takes("e", None));
        let global = Target::read(Api::Kejue, &json!({ "events": ["*"], "scope_type": "global" }));
        assert!(global.takes("e", None) && global.takes("e", Some("p2")));
    }
}
