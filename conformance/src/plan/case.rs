//! What a case is: the request it sends, what the spec expects, and the checks it needs.

use generator::model::{Method, Operation, ParamLocation, StatusSpec};
use serde_json::Value;

use super::Scenario;

/// What the spec says the server should do with a case, decided when the case is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// Must accept: a documented 2xx (the canonical spelling of a value the spec allows).
    Accepted,
    /// Must reject: a documented 4xx (a request the spec forbids).
    Rejected,
    /// Either: valid by the spec, but in a spelling servers may refuse (`10.0` for an
    /// integer, an undeclared property). Any answer but a 5xx is right; the answer's
    /// status, content type and schema are still judged, and it is still snapshotted.
    Either,
    /// 401 or 403.
    Unauthorized,
    /// 404 where documented, else a 4xx.
    NotFound,
    /// A method the path does not document: 405 (501 for one the server does not know).
    NotAllowed,
}

impl Expect {
    /// The name `list`, reports and snapshots show (the serialized name).
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Accepted => "accepted",
            Expect::Rejected => "rejected",
            Expect::Either => "either",
            Expect::Unauthorized => "unauthorized",
            Expect::NotFound => "not_found",
            Expect::NotAllowed => "not_allowed",
        }
    }
}

/// Which credential a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// `CONFORMANCE_TOKEN`.
    Primary,
    /// `CONFORMANCE_TOKEN_ALT`: another tenant.
    Alternate,
    Missing,
    /// A made-up credential in the right place.
    Wrong,
    /// `CONFORMANCE_TOKEN` placed as one of the operation's alternative security
    /// requirements alone (its index in the operation's `security`).
    OnlyVia {
        alternative: usize,
    },
    /// The made-up credential placed as that alternative alone.
    WrongVia {
        alternative: usize,
    },
}

/// A parameter value: literal text, an array or object (written in the parameter's style
/// when sent), or taken from the resource made for the case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamValue {
    Text(String),
    Structured(Value),
    /// A runtime expression such as `$response.body#/id`, on the create answer.
    Linked(String),
    /// The linked value spelt another way that names the same resource.
    Respelt {
        expression: String,
        spelling: Spelling,
    },
}

/// Another spelling of one id, equal by the rules of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Spelling {
    /// A UUID in upper case (RFC 9562 compares UUIDs without regard to case).
    UpperCase,
    /// The path segment with its first letter or digit percent-encoded (RFC 3986, 6.2.2.2:
    /// an unreserved character encoded is the same URI).
    PercentEncoded,
}

impl ParamValue {
    /// A planned value: primitives as their text, arrays and objects as they are.
    pub fn of(value: &Value) -> ParamValue {
        match value {
            Value::Array(_) | Value::Object(_) => ParamValue::Structured(value.clone()),
            other => ParamValue::Text(super::wire_text(other)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Param {
    #[serde(serialize_with = "location_name")]
    pub location: ParamLocation,
    pub name: String,
    pub value: ParamValue,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestBody {
    None,
    Json(Value),
    /// Bytes that are not the JSON they claim to be, or JSON under another media type.
    Raw {
        content_type: String,
        text: String,
    },
}

/// A change to the JSON body after linked values are filled in: `None` removes the key.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Edit {
    pub path: Vec<String>,
    pub value: Option<Value>,
    /// JSON text sent in place of `value` when JSON values cannot hold it (an integer past 64 bits).
    pub raw: Option<String>,
    /// The spec's default for a field left out: the answer should show it where it carries the field.
    pub default: Option<Value>,
}

/// One case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Case {
    /// Stable and readable: `createWebhook.timeout_ms.above_maximum`; the snapshot's name.
    pub name: String,
    pub operation: String,
    #[serde(serialize_with = "method_name")]
    pub method: Method,
    pub path: String,
    /// What differs from the operation's valid request, for people.
    pub varied: String,
    pub auth: Auth,
    pub params: Vec<Param>,
    pub body: RequestBody,
    /// Body fields filled from the resource made for the case.
    pub body_links: Vec<(String, String)>,
    pub edit: Option<Edit>,
    pub expect: Expect,
    /// Whether a resource is created first (and removed after).
    pub needs_resource: bool,
    /// The path names a resource the runner could not make (the spec links no create
    /// operation to it): a 404 is then as right as a 2xx.
    pub may_be_missing: bool,
    /// The stateful scenario the case belongs to, if any.
    pub stateful: Option<Scenario>,
    /// The fuzz example the case is (`plan::fuzz`): not snapshotted, shrunk when it fails.
    pub fuzzed: Option<super::fuzz::Fuzzed>,
}

fn method_name<S: serde::Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&m.as_str().to_ascii_uppercase())
}

fn location_name<S: serde::Serializer>(l: &ParamLocation, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(l.as_str())
}

/// The name of `operation`'s valid request, the case every other case of it varies.
pub fn valid_name(operation: &str) -> String {
    format!("{operation}.valid")
}

impl Case {
    /// Whether this is its operation's valid request.
    pub fn is_valid_request(&self) -> bool {
        self.stateful.is_none() && self.fuzzed.is_none() && self.name == valid_name(&self.operation)
    }
}

/// The case whose acceptance gives a refusal of `case` its meaning, its valid twin: the
/// operation's valid request for an edge, the valid draw an invalid fuzz case broke. Only
/// refusals sent with the run's own credential have one.
pub fn twin_of(case: &Case) -> Option<String> {
    if case.stateful.is_some() || case.auth != Auth::Primary {
        return None;
    }
    match (case.expect, case.fuzzed) {
        (Expect::Rejected, Some(f)) if !f.valid => Some(format!("{}.fuzz.{}", case.operation, f.example)),
        (Expect::Rejected | Expect::NotFound, None) => Some(valid_name(&case.operation)),
        _ => None,
    }
}

/// The boundary of the multipart bodies the runner sends.
pub const MULTIPART_BOUNDARY: &str = "conformance-part-7d3f1a";

/// Whether the operation documents any status a refusal of this kind may have (a 401 or
/// 403 for a credential, any 4xx for bad input or an unknown id). Where it documents none,
/// the plan notes it once and a refusal's status is not held against the server.
pub fn documents_refusal(op: &Operation, expect: Expect) -> bool {
    op.responses.iter().any(|r| match r.status {
        StatusSpec::Default | StatusSpec::Range(4) => true,
        StatusSpec::Code(c) if expect == Expect::Unauthorized => matches!(c, 401 | 403),
        StatusSpec::Code(c) => (400..500).contains(&c),
        StatusSpec::Range(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::Expect;

    #[test]
    fn an_expectation_is_shown_by_its_serialized_name() {
        for expect in [
            Expect::Accepted,
            Expect::Rejected,
            Expect::Either,
            Expect::Unauthorized,
            Expect::NotFound,
            Expect::NotAllowed,
        ] {
            assert_eq!(serde_json::to_value(expect).unwrap(), expect.as_str());
        }
    }
}
