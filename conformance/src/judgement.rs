//! What a check or a scenario's judgement sees of a case (`Context`) and says of it
//! (`Outcome`), below both so that scenarios judge without knowing the registry of checks.

use generator::model::{Api, Operation, Response, StatusSpec};
use serde_json::Value;

use crate::exec::{Exchange, Received, Step};
use crate::plan::{Case, Plan};

/// What a check judges: one case and what running it did.
pub struct Context<'a> {
    pub plan: &'a Plan,
    pub api: &'a Api,
    pub op: &'a Operation,
    pub case: &'a Case,
    pub exchange: &'a Exchange,
    /// The case's own request.
    pub step: &'a Step,
    pub received: &'a Received,
}

impl Context<'_> {
    /// Whether the operation documents this exact status.
    pub fn documents(&self, code: u16) -> bool {
        self.op.responses.iter().any(|r| r.status == StatusSpec::Code(code))
    }

    /// The documented response the answer's status falls under.
    /// The documented response for the answer's status; none for a method the operation's
    /// path does not document (its answers are documented nowhere).
    pub fn response(&self) -> Option<&Response> {
        if self.case.expect == crate::plan::Expect::NotAllowed {
            return None;
        }
        self.op.response_for(self.received.status)
    }

    /// `#/paths/.../responses`.
    pub fn responses_rule(&self) -> String {
        codegen_runtime::pointer::join(&self.op.origin, "responses")
    }
}

/// A check's judgement: the spec rule it applied (a JSON pointer), and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub rule: String,
    pub failure: Option<String>,
}

impl Outcome {
    pub fn pass(rule: String) -> Outcome {
        Outcome { rule, failure: None }
    }

    pub fn fail(rule: String, message: String) -> Outcome {
        Outcome {
            rule,
            failure: Some(message),
        }
    }
}

/// Whether a value read back is the one sent: numbers by value, URIs as URIs (scheme and
/// host in any case, a bare host equal to host + `/`).
pub fn same(sent: &Value, got: &Value) -> bool {
    match (sent, got) {
        (Value::String(a), Value::String(b)) if a.contains("://") => normalize_uri(a) == normalize_uri(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => sent == got,
    }
}

fn normalize_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    format!("{}://{}/{path}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
}

/// Schema violations as a report lists them: the first five, each with where it is.
pub fn violations(list: &[generator::model::validate::Violation]) -> String {
    let lines: Vec<String> = list
        .iter()
        .take(5)
        .map(|v| format!("  at {}: {}", if v.at.is_empty() { "/" } else { &v.at }, v.message))
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_compare_as_uris() {
        assert!(same(
            &Value::from("HTTPS://Example.com"),
            &Value::from("https://example.com/")
        ));
        assert!(!same(
            &Value::from("https://example.com/a"),
            &Value::from("https://example.com/b")
        ));
    }
}
