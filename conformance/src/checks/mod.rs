//! Judging answers: a registry of named checks. Each check has a name (Schemathesis's where
//! the meaning is the same), a description, a severity and one function that judges a case's
//! exchange against the spec. A check that does not apply to a case says nothing; a spec that
//! says nothing lets a case pass. `--checks` and `--exclude-checks` choose among them;
//! `conformance checks` lists them.

use crate::exec::Exchange;
pub use crate::judgement::{Context, Outcome, same};
use crate::plan::{Case, Plan};
use crate::scenarios;

mod answer;
mod outcome;

pub use crate::plan::documents_refusal;

/// How much a failure of the check says about the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The server breaks, leaks or lets through what it must not: a 5xx, a request the spec
    /// forbids accepted, a credential ignored, another tenant's data, a secret returned.
    Critical,
    /// An answer the spec does not allow: wrong status, content type or body; a valid request
    /// refused.
    High,
    /// Behaviour the spec implies beyond one answer: values kept, defaults applied, updates
    /// that preserve, deletes that delete.
    Medium,
    /// Right in substance, off in form: a refusal with a status the spec does not list.
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// A check's identity. The built-in checks are variants, so code that names one (a report
/// counting `status_code_conformance` failures, a config's known deviation) is checked by the
/// compiler; a check a run adds to its registry (`RunOptions::registry`) is `Plugin`, by the
/// name it registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    NotAServerError,
    StatusCodeConformance,
    UndocumentedRefusalStatus,
    ContentTypeConformance,
    ResponseSchemaConformance,
    PositiveDataAcceptance,
    NegativeDataRejection,
    IgnoredAuth,
    SecurityAlternativeAccepted,
    UnsupportedMethod,
    UnknownIdNotFound,
    ValuesEchoed,
    DefaultApplied,
    PartialUpdatePreserves,
    WriteOnlyNotReturned,
    UseAfterFree,
    DeletedStaysDeleted,
    StatefulWalk,
    TenantIsolation,
    RotationChangesSecret,
    Delivered,
    Signed,
    WebhookIdStable,
    FilterRespected,
    DisabledGetsNothing,
    DeliveriesStayInTenant,
    TimeoutHonoured,
    PayloadSchemaConformance,
    RotationReSigns,
    StatsCounted,
    RetriesBounded,
    BackoffRespected,
    /// A check of a run's own registry, not one of [`CHECKS`].
    Plugin(&'static str),
}

impl CheckId {
    /// Every built-in check, in [`CHECKS`]' order.
    pub const BUILT_IN: [CheckId; 32] = [
        CheckId::NotAServerError,
        CheckId::StatusCodeConformance,
        CheckId::UndocumentedRefusalStatus,
        CheckId::ContentTypeConformance,
        CheckId::ResponseSchemaConformance,
        CheckId::PositiveDataAcceptance,
        CheckId::NegativeDataRejection,
        CheckId::IgnoredAuth,
        CheckId::SecurityAlternativeAccepted,
        CheckId::UnsupportedMethod,
        CheckId::UnknownIdNotFound,
        CheckId::ValuesEchoed,
        CheckId::DefaultApplied,
        CheckId::PartialUpdatePreserves,
        CheckId::WriteOnlyNotReturned,
        CheckId::UseAfterFree,
        CheckId::DeletedStaysDeleted,
        CheckId::StatefulWalk,
        CheckId::TenantIsolation,
        CheckId::RotationChangesSecret,
        CheckId::Delivered,
        CheckId::Signed,
        CheckId::WebhookIdStable,
        CheckId::FilterRespected,
        CheckId::DisabledGetsNothing,
        CheckId::DeliveriesStayInTenant,
        CheckId::TimeoutHonoured,
        CheckId::PayloadSchemaConformance,
        CheckId::RotationReSigns,
        CheckId::StatsCounted,
        CheckId::RetriesBounded,
        CheckId::BackoffRespected,
    ];

    /// The name the command line, configs and reports use.
    pub fn name(self) -> &'static str {
        match self {
            CheckId::NotAServerError => "not_a_server_error",
            CheckId::StatusCodeConformance => "status_code_conformance",
            CheckId::UndocumentedRefusalStatus => "undocumented_refusal_status",
            CheckId::ContentTypeConformance => "content_type_conformance",
            CheckId::ResponseSchemaConformance => "response_schema_conformance",
            CheckId::PositiveDataAcceptance => "positive_data_acceptance",
            CheckId::NegativeDataRejection => "negative_data_rejection",
            CheckId::IgnoredAuth => "ignored_auth",
            CheckId::SecurityAlternativeAccepted => "security_alternative_accepted",
            CheckId::UnsupportedMethod => "unsupported_method",
            CheckId::UnknownIdNotFound => "unknown_id_not_found",
            CheckId::ValuesEchoed => "values_echoed",
            CheckId::DefaultApplied => "default_applied",
            CheckId::PartialUpdatePreserves => "partial_update_preserves",
            CheckId::WriteOnlyNotReturned => "write_only_not_returned",
            CheckId::UseAfterFree => "use_after_free",
            CheckId::DeletedStaysDeleted => "deleted_stays_deleted",
            CheckId::StatefulWalk => "stateful_walk",
            CheckId::TenantIsolation => "tenant_isolation",
            CheckId::RotationChangesSecret => "rotation_changes_secret",
            CheckId::Delivered => "delivered",
            CheckId::Signed => "signed",
            CheckId::WebhookIdStable => "webhook_id_stable",
            CheckId::FilterRespected => "filter_respected",
            CheckId::DisabledGetsNothing => "disabled_gets_nothing",
            CheckId::DeliveriesStayInTenant => "deliveries_stay_in_tenant",
            CheckId::TimeoutHonoured => "timeout_honoured",
            CheckId::PayloadSchemaConformance => "payload_schema_conformance",
            CheckId::RotationReSigns => "rotation_re_signs",
            CheckId::StatsCounted => "stats_counted",
            CheckId::RetriesBounded => "retries_bounded",
            CheckId::BackoffRespected => "backoff_respected",
            CheckId::Plugin(name) => name,
        }
    }

    /// The built-in check of that name.
    pub fn built_in(name: &str) -> Option<CheckId> {
        CheckId::BUILT_IN.into_iter().find(|id| id.name() == name)
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, name: &&str) -> bool {
        self.name() == *name
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CheckId, D::Error> {
        let name = String::deserialize(d)?;
        CheckId::built_in(&name).ok_or_else(|| serde::de::Error::custom(UnknownCheck { name }))
    }
}

/// One check of the registry: a new check is a judge function in its own file and one line
/// of [`CHECKS`] (or of the registry a run is given, `RunOptions::registry`).
#[derive(Clone, Copy)]
pub struct CheckDef {
    pub id: CheckId,
    pub description: &'static str,
    pub severity: Severity,
    /// Judges a case; `None` where the check does not apply to it.
    pub judge: fn(&Context) -> Option<Outcome>,
}

impl std::fmt::Debug for CheckDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckDef").field("id", &self.id).finish()
    }
}

/// Every check, in the order they run and are listed.
pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: CheckId::NotAServerError,
        description: "No answer is a 5xx.",
        severity: Severity::Critical,
        judge: answer::not_a_server_error,
    },
    CheckDef {
        id: CheckId::StatusCodeConformance,
        description: "The status is one the operation documents (an exact code, a range or `default`).",
        severity: Severity::High,
        judge: answer::status_code_conformance,
    },
    CheckDef {
        id: CheckId::UndocumentedRefusalStatus,
        description: "A request refused as it should be is refused with a status the operation documents.",
        severity: Severity::Low,
        judge: answer::undocumented_refusal_status,
    },
    CheckDef {
        id: CheckId::ContentTypeConformance,
        description: "The answer's Content-Type is one its documented status lists.",
        severity: Severity::High,
        judge: answer::content_type_conformance,
    },
    CheckDef {
        id: CheckId::ResponseSchemaConformance,
        description: "A JSON answer matches the schema documented for its status.",
        severity: Severity::High,
        judge: answer::response_schema_conformance,
    },
    CheckDef {
        id: CheckId::PositiveDataAcceptance,
        description: "A request the spec allows, spelled canonically, gets a 2xx (must accept).",
        severity: Severity::High,
        judge: outcome::positive_data_acceptance,
    },
    CheckDef {
        id: CheckId::NegativeDataRejection,
        description: "A request the spec forbids gets a 4xx (must reject).",
        severity: Severity::Critical,
        judge: outcome::negative_data_rejection,
    },
    CheckDef {
        id: CheckId::IgnoredAuth,
        description: "A request with no credential, or a wrong one, is refused: 401 or 403 (a redirect, to a login page, or a 404 count too).",
        severity: Severity::Critical,
        judge: outcome::ignored_auth,
    },
    CheckDef {
        id: CheckId::SecurityAlternativeAccepted,
        description: "Each alternative security requirement, alone with the valid credential, is accepted.",
        severity: Severity::High,
        judge: outcome::security_alternative_accepted,
    },
    CheckDef {
        id: CheckId::UnsupportedMethod,
        description: "A method the path does not document is refused (405), never answered as if documented (2xx) or with a 5xx.",
        severity: Severity::High,
        judge: outcome::unsupported_method,
    },
    CheckDef {
        id: CheckId::UnknownIdNotFound,
        description: "A path that names nothing gets 404 where documented, else a 4xx.",
        severity: Severity::High,
        judge: outcome::unknown_id_not_found,
    },
    CheckDef {
        id: CheckId::ValuesEchoed,
        description: "An accepted value comes back as sent where the answer carries its field.",
        severity: Severity::Medium,
        judge: outcome::values_echoed,
    },
    CheckDef {
        id: CheckId::DefaultApplied,
        description: "A field left out of a create shows its documented default where the answer carries it.",
        severity: Severity::Medium,
        judge: outcome::default_applied,
    },
    CheckDef {
        id: CheckId::PartialUpdatePreserves,
        description: "An update that sends one field changes that field, as sent, and no other.",
        severity: Severity::Medium,
        judge: scenarios::partial_update::judge,
    },
    CheckDef {
        id: CheckId::WriteOnlyNotReturned,
        description: "Write-only fields never come back, in the create answer or when read.",
        severity: Severity::Critical,
        judge: scenarios::write_only::judge,
    },
    CheckDef {
        id: CheckId::UseAfterFree,
        description: "After a delete, reading the resource finds nothing.",
        severity: Severity::Medium,
        judge: scenarios::deleted::judge,
    },
    CheckDef {
        id: CheckId::DeletedStaysDeleted,
        description: "Acting again on a deleted resource never crashes: a second delete answers no 5xx, an update a 4xx.",
        severity: Severity::High,
        judge: scenarios::deleted::judge_acting_again,
    },
    CheckDef {
        id: CheckId::StatefulWalk,
        description: "A seeded walk of reads, lists, updates and deletes over a resource gets, at each step, what the resource's state calls for: a 2xx while it exists, a 4xx after its delete, no 5xx, a documented status.",
        severity: Severity::High,
        judge: scenarios::walk::judge,
    },
    CheckDef {
        id: CheckId::TenantIsolation,
        description: "Another tenant can neither reach nor list the resource, and the owner still can.",
        severity: Severity::Critical,
        judge: scenarios::isolation::judge,
    },
    CheckDef {
        id: CheckId::RotationChangesSecret,
        description: "Two rotations (`rotate_<field>=true`) give two different values.",
        severity: Severity::Medium,
        judge: scenarios::rotation::judge,
    },
    CheckDef {
        id: CheckId::Delivered,
        description: "An event a webhook takes arrives at its receiver within the deadline (delivery cases).",
        severity: Severity::Critical,
        judge: crate::scenarios::delivery::delivered,
    },
    CheckDef {
        id: CheckId::Signed,
        description: "A delivery verifies with the secret in force under the webhook's scheme (Standard Webhooks by the `standardwebhooks` crate); a copy with its body changed does not.",
        severity: Severity::Critical,
        judge: crate::scenarios::delivery::signed,
    },
    CheckDef {
        id: CheckId::WebhookIdStable,
        description: "Every attempt of one event to one webhook carries the same `webhook-id`.",
        severity: Severity::High,
        judge: crate::scenarios::delivery::webhook_id_stable,
    },
    CheckDef {
        id: CheckId::FilterRespected,
        description: "An event of a type the webhook does not take never arrives.",
        severity: Severity::Critical,
        judge: crate::scenarios::delivery::filter_respected,
    },
    CheckDef {
        id: CheckId::DisabledGetsNothing,
        description: "A disabled webhook gets no delivery.",
        severity: Severity::Critical,
        judge: crate::scenarios::delivery::disabled_gets_nothing,
    },
    CheckDef {
        id: CheckId::DeliveriesStayInTenant,
        description: "An event another tenant publishes, of a type the webhook takes, never reaches it.",
        severity: Severity::Critical,
        judge: crate::scenarios::delivery::deliveries_stay_in_tenant,
    },
    CheckDef {
        id: CheckId::TimeoutHonoured,
        description: "A receiver that holds the first attempt past the webhook's timeout sees a retry.",
        severity: Severity::High,
        judge: crate::scenarios::delivery::timeout_honoured,
    },
    CheckDef {
        id: CheckId::PayloadSchemaConformance,
        description: "A delivery's body matches the request body the spec's `webhooks` document (OpenAPI 3.1).",
        severity: Severity::High,
        judge: crate::scenarios::delivery::payload_schema_conformance,
    },
    CheckDef {
        id: CheckId::RotationReSigns,
        description: "After a secret rotation between two attempts, the retry verifies with the new secret and not with the old.",
        severity: Severity::Critical,
        judge: crate::scenarios::delivery::rotation_re_signs,
    },
    CheckDef {
        id: CheckId::StatsCounted,
        description: "The delivery counts a webhook's read shows (`[delivery] stats`) are the attempts the receiver got and refused.",
        severity: Severity::Medium,
        judge: crate::scenarios::delivery::stats_counted,
    },
    CheckDef {
        id: CheckId::RetriesBounded,
        description: "A receiver that answers 503 gets exactly retries + 1 attempts.",
        severity: Severity::High,
        judge: crate::scenarios::delivery::retries_bounded,
    },
    CheckDef {
        id: CheckId::BackoffRespected,
        description: "Retry n comes no sooner than `backoff_ms × 2^(n-1)` after the attempt before.",
        severity: Severity::Medium,
        judge: crate::scenarios::delivery::backoff_respected,
    },
];

/// The registry as a Markdown table, one row per check in `CHECKS`' order: its name, severity
/// and description. `docs/checks.md` holds it between `<!-- checks:start -->` and
/// `<!-- checks:end -->` (a test fails when they differ); `conformance checks --markdown`
/// prints it.
pub fn markdown_table() -> String {
    let mut table = String::from("| check | severity | judges |\n|---|---|---|\n");
    for check in CHECKS {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            check.id,
            check.severity.as_str(),
            check.description.replace('|', "\\|")
        ));
    }
    table
}

/// A check by name.
pub fn find(name: &str) -> Option<&'static CheckDef> {
    CHECKS.iter().find(|c| c.id == name)
}

/// Which checks run: all, or those named, less those excluded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    only: Option<Vec<CheckId>>,
    excluded: Vec<CheckId>,
}

/// A check name the registry does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check `{name}`{}; the checks are: {}", suggestion(.name).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), names().join(", "))]
pub struct UnknownCheck {
    pub name: String,
}

fn names() -> Vec<&'static str> {
    CHECKS.iter().map(|c| c.id.name()).collect()
}

/// The registered name closest to `name`, when one is close.
fn suggestion(name: &str) -> Option<&'static str> {
    let wanted = name.to_ascii_lowercase().replace('-', "_");
    CHECKS
        .iter()
        .map(|c| c.id.name())
        .find(|c| *c == wanted || c.contains(&wanted) || (wanted.len() > 3 && wanted.contains(c)))
}

impl Selection {
    /// Every check but those in `exclude`; only those in `only` when it is not empty.
    pub fn new<S: AsRef<str>>(only: &[S], exclude: &[S]) -> Result<Selection, UnknownCheck> {
        let resolve = |names: &[S]| -> Result<Vec<CheckId>, UnknownCheck> {
            names
                .iter()
                .map(|n| {
                    find(n.as_ref()).map(|c| c.id).ok_or_else(|| UnknownCheck {
                        name: n.as_ref().to_owned(),
                    })
                })
                .collect()
        };
        Ok(Selection {
            only: if only.is_empty() { None } else { Some(resolve(only)?) },
            excluded: resolve(exclude)?,
        })
    }

    pub fn includes(&self, id: CheckId) -> bool {
        self.only.as_ref().is_none_or(|only| only.contains(&id)) && !self.excluded.contains(&id)
    }
}

/// A check's result on one case, as reports show it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Check {
    /// Reports write it as `name`; read back, it must be a built-in check.
    #[serde(rename = "name")]
    pub id: CheckId,
    pub severity: Severity,
    pub passed: bool,
    /// Where in the spec the rule is (JSON pointer).
    pub rule: String,
    pub message: String,
}

/// Every selected check that applies to the case.
pub fn check(plan: &Plan, case: &Case, exchange: &Exchange, selection: &Selection) -> Vec<Check> {
    check_with(CHECKS, plan, case, exchange, selection)
}

/// As [`check`], with the checks of `registry` (`CHECKS` and a run's own, say).
pub fn check_with(
    registry: &[CheckDef],
    plan: &Plan,
    case: &Case,
    exchange: &Exchange,
    selection: &Selection,
) -> Vec<Check> {
    let Some(op) = plan.api.operation(&case.operation) else {
        return Vec::new();
    };
    let Some(step) = &exchange.main else { return Vec::new() };
    let Ok(received) = &step.received else {
        return Vec::new();
    };
    let ctx = Context {
        plan,
        api: &plan.api,
        op,
        case,
        exchange,
        step,
        received,
    };
    registry
        .iter()
        .filter(|def| selection.includes(def.id))
        .filter_map(|def| {
            let outcome = (def.judge)(&ctx)?;
            Some(Check {
                id: def.id,
                severity: def.severity,
                passed: outcome.failure.is_none(),
                rule: outcome.rule,
                message: outcome.failure.unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{Received, Step};

    #[test]
    fn names_are_unique_and_selectable() {
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CHECKS.len());
        let registered: Vec<CheckId> = CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(
            registered,
            CheckId::BUILT_IN,
            "every built-in check is registered once, in order"
        );
        let only = Selection::new(&["ignored_auth"], &[]).unwrap();
        assert!(only.includes(CheckId::IgnoredAuth) && !only.includes(CheckId::NotAServerError));
        let but = Selection::new(&[], &["values_echoed"]).unwrap();
        assert!(!but.includes(CheckId::ValuesEchoed) && but.includes(CheckId::DefaultApplied));
    }

    const LOGIN: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /user/login:
    get:
      operationId: loginUser
      responses:
        '200':
          description: ok
          content:
            application/xml: {schema: {type: string}}
            application/json: {schema: {type: object, required: [token], properties: {token: {type: string}}}}
        '400': {description: refused}
";

    /// Every check's verdict on the first case of `spec`, planned with `expect`, answered so.
    fn judged(spec: &str, expect: crate::plan::Expect, status: u16, content_type: &str, text: &str) -> Vec<Check> {
        let api = generator::load_str(spec, None).unwrap();
        let plan = crate::plan::plan(&api, "cfm-00000000", &[], &crate::scenarios::Scenarios::ALL);
        let case = Case {
            expect,
            ..plan.cases[0].clone()
        };
        let sent = crate::exec::Sent {
            method: "GET".into(),
            path: "/user/login".into(),
            url: "http://127.0.0.1/user/login".into(),
            headers: Vec::new(),
            body: None,
            curl: None,
        };
        let exchange = Exchange {
            main: Some(Step {
                kind: crate::exec::StepKind::Request,
                collection: false,
                sent,
                received: Ok(Received {
                    status,
                    content_type: content_type.into(),
                    text: text.into(),
                    json: serde_json::from_str(text).ok(),
                    headers: Vec::new(),
                }),
                timing: None,
            }),
            steps: Vec::new(),
            resource: None,
            error: None,
            skipped: None,
            deliveries: None,
        };
        check(&plan, &case, &exchange, &Selection::default())
    }

    fn verdict<'a>(checks: &'a [Check], name: &str) -> Option<&'a Check> {
        checks.iter().find(|c| c.id == name)
    }

    const EXPORT: &str = "openapi: 3.2.0
info: {title: t, version: '1'}
paths:
  /user/login:
    get:
      operationId: export
      responses:
        '200':
          description: ok
          content:
            application/jsonl: {itemSchema: {type: object, required: [id], properties: {id: {type: integer}}}}
";

    /// OpenAPI 3.2 `itemSchema`: each item of a JSON Lines answer is judged on its own.
    #[test]
    fn each_item_of_a_sequence_answer_is_schema_checked() {
        use crate::plan::Expect::Accepted;
        let good = judged(EXPORT, Accepted, 200, "application/jsonl", "{\"id\":1}\n\n{\"id\":2}\n");
        assert!(
            verdict(&good, "response_schema_conformance").unwrap().passed,
            "{good:?}"
        );
        let bad = judged(
            EXPORT,
            Accepted,
            200,
            "application/jsonl",
            "{\"id\":1}\n{\"id\":\"x\"}\n",
        );
        let failed = verdict(&bad, "response_schema_conformance").unwrap();
        assert!(!failed.passed);
        assert!(format!("{failed:?}").contains("item 1/id"), "{failed:?}");
        let broken = judged(EXPORT, Accepted, 200, "application/jsonl", "{\"id\":1}\n{\n");
        assert!(!verdict(&broken, "response_schema_conformance").unwrap().passed);
    }

    /// An item schema that admits `null`: a `null` line is a valid item, not a failure.
    #[test]
    fn a_null_item_passes_where_the_item_schema_admits_null() {
        use crate::plan::Expect::Accepted;
        let spec = EXPORT.replace("{type: object, required", "{type: [object, 'null'], required");
        let answer = judged(&spec, Accepted, 200, "application/jsonl", "{\"id\":1}\nnull\n");
        let verdict = verdict(&answer, "response_schema_conformance").unwrap();
        assert!(verdict.passed, "{verdict:?}");
    }

    #[test]
    fn any_documented_media_type_conforms_and_only_json_is_schema_checked() {
        use crate::plan::Expect::Accepted;
        let xml = judged(LOGIN, Accepted, 200, "application/xml", "<token>x</token>");
        assert!(xml.iter().all(|c| c.passed), "{xml:?}");
        assert!(verdict(&xml, "response_schema_conformance").is_none());
        let bad_json = judged(LOGIN, Accepted, 200, "application/json", "{}");
        assert!(!verdict(&bad_json, "response_schema_conformance").unwrap().passed);
        let html = judged(LOGIN, Accepted, 200, "text/html", "<p>");
        let failed = verdict(&html, "content_type_conformance").unwrap();
        assert!(!failed.passed);
        assert!(
            failed.message.contains("application/xml or application/json"),
            "{}",
            failed.message
        );
    }

    #[test]
    fn an_either_case_fails_only_on_what_any_answer_must_keep() {
        for (status, passes) in [(200, true), (400, true), (500, false), (503, false)] {
            let checks = judged(
                LOGIN,
                crate::plan::Expect::Either,
                status,
                "application/json",
                r#"{"token": "t"}"#,
            );
            assert_eq!(checks.iter().all(|c| c.passed), passes, "{status}: {checks:?}");
            for outcome in ["positive_data_acceptance", "negative_data_rejection"] {
                assert!(verdict(&checks, outcome).is_none(), "{status}: {checks:?}");
            }
        }
        // An undocumented status is still one.
        let checks = judged(LOGIN, crate::plan::Expect::Either, 422, "application/json", "{}");
        assert!(!verdict(&checks, "status_code_conformance").unwrap().passed);
    }

    const PRIVATE: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
security: [{key: []}]
paths:
  /user/login:
    get:
      operationId: me
      responses:
        '200': {description: ok}
        '302': {description: to the login page}
        '401': {description: no}
        '404': {description: hidden}
";

    /// A request without the credential is refused by a 401 or 403, and also by a redirect
    /// (to a login page) or a 404 (what exists hidden from strangers); anything else that is
    /// not a 5xx lets it through.
    #[test]
    fn an_authentication_case_is_refused_by_401_403_a_redirect_or_404() {
        use crate::plan::Expect::Unauthorized;
        for (status, refused) in [
            (401, true),
            (403, true),
            (302, true),
            (303, true),
            (404, true),
            (200, false),
            (400, false),
            (204, false),
        ] {
            let checks = judged(PRIVATE, Unauthorized, status, "text/plain", "");
            let verdict = verdict(&checks, "ignored_auth").unwrap_or_else(|| panic!("{status}: {checks:?}"));
            assert_eq!(verdict.passed, refused, "{status}: {verdict:?}");
        }
    }

    #[test]
    fn an_unknown_name_lists_the_checks() {
        let e = Selection::new(&["ignored-auth2"], &[]).unwrap_err().to_string();
        assert!(e.starts_with("unknown check `ignored-auth2`"), "{e}");
        assert!(e.contains("tenant_isolation"), "{e}");
        let e = Selection::new(&[], &["schema"]).unwrap_err().to_string();
        assert!(e.contains("did you mean `response_schema_conformance`"), "{e}");
    }
}
