//! Stateful scenarios: what only shows over more than one request. Each module plans its
//! cases (variants of an operation's valid request), sends their follow-up requests, and
//! judges what came back; steps are told apart by [`StepKind`], never by text.

use serde_json::Value;

use crate::exec::{CaseError, Exchange, FollowUps, Received, Runner, Step, StepKind};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, Expect, RequestBody, Resources};

pub mod deleted;
pub mod delivery;
pub mod isolation;
pub mod partial_update;
pub mod rotation;
pub mod walk;
pub mod write_only;

pub use crate::plan::{PartialUpdate, PlanStateful, Planning, Scenario};

/// One stateful scenario: one file of `scenarios/` and one line of [`SCENARIOS`] (its
/// judgement is a check of the registry, `checks::CHECKS`, that reads the cases it owns).
pub trait StatefulScenario: Send + Sync {
    /// Whether a case's scenario data is this scenario's.
    fn owns(&self, scenario: &Scenario) -> bool;
    /// Its cases for one operation, each a variant of the valid request `base`; what cannot
    /// be planned is said in `notes`.
    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, notes: &mut Vec<String>);
    /// The requests a case of its sends after its own.
    fn follow_up<'a>(&'a self, step: FollowUp<'a>) -> BoxFuture<'a>;
}

/// What a scenario's follow-up works with: the case, its own request's step, the kind of
/// resource it acts on and the one made for it, and the steps to add to.
pub struct FollowUp<'a> {
    pub runner: &'a Runner,
    pub case: &'a Case,
    pub main: &'a Step,
    pub resources: &'a Resources,
    pub resource: Option<&'a Value>,
    pub steps: &'a mut Vec<Step>,
}

/// A follow-up as a future the runner awaits.
pub use crate::exec::FollowUpFuture as BoxFuture;

/// Every scenario, in the order their cases are planned.
pub const SCENARIOS: &[&dyn StatefulScenario] = &[
    &write_only::WriteOnlyNeverReturned,
    &partial_update::PartialUpdatePreserves,
    &rotation::RotationChanges,
    &deleted::DeletedIsGone,
    &walk::Walks,
    &isolation::TenantIsolation,
    &delivery::DeliveryCases,
];

/// A list of scenarios as the planner and the runner use them: [`Scenarios::ALL`] in a run.
pub struct Scenarios(pub &'static [&'static dyn StatefulScenario]);

impl Scenarios {
    pub const ALL: Scenarios = Scenarios(SCENARIOS);
}

impl PlanStateful for Scenarios {
    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, notes: &mut Vec<String>) {
        for scenario in self.0 {
            scenario.plan(planning, base, out, notes);
        }
    }
}

impl FollowUps for Scenarios {
    fn follow_up<'a>(
        &'a self,
        runner: &'a Runner,
        case: &'a Case,
        main: &'a Step,
        resource: Option<&'a Value>,
        steps: &'a mut Vec<Step>,
    ) -> BoxFuture<'a> {
        let (Some(stateful), Some(resources)) = (&case.stateful, runner.plan().kind_of(&case.operation)) else {
            return Box::pin(std::future::ready(Ok(())));
        };
        match self.0.iter().find(|s| s.owns(stateful)) {
            Some(scenario) => scenario.follow_up(FollowUp {
                runner,
                case,
                main,
                resources,
                resource,
                steps,
            }),
            None => Box::pin(std::future::ready(Err(CaseError::Spec(format!(
                "no scenario of this run owns the case's stateful data {stateful:?}"
            ))))),
        }
    }
}

/// `base` as a case of `scenario`.
fn case(base: &Case, suffix: &str, varied: impl Into<String>, scenario: Scenario, auth: Auth, expect: Expect) -> Case {
    Case {
        name: format!("{}.{suffix}", base.operation),
        varied: varied.into(),
        stateful: Some(scenario),
        auth,
        expect,
        ..base.clone()
    }
}

/// Reads the case's resource back: by the get operation, else by the list.
async fn read_back(
    runner: &Runner,
    resources: &Resources,
    resource: Option<&Value>,
    kind: StepKind,
    auth: Auth,
) -> Result<Step, CaseError> {
    let op = resources
        .get
        .as_ref()
        .or(resources.list.as_ref())
        .and_then(|id| runner.plan().api.operation(id))
        .ok_or_else(|| CaseError::Spec("the spec has no operation to read a resource back".into()))?;
    let params = runner.linked_params(op);
    Ok(runner
        .case_send(op, &params, &RequestBody::None, auth, resource, kind)
        .await)
}

/// The answer of the exchange's first step of `kind`.
fn answer(exchange: &Exchange, kind: StepKind) -> Option<&Received> {
    exchange
        .steps
        .iter()
        .find(|s| s.kind == kind)
        .and_then(|s| s.received.as_ref().ok())
}

/// Where in the spec a scenario's rule is: the operation's links.
fn rule(ctx: &Context) -> String {
    codegen_runtime::pointer::join(&ctx.op.origin, "links")
}

/// The resource's id: the first linked value of its create answer.
fn resource_id(ctx: &Context) -> Option<String> {
    id_of(ctx.plan.kind_of(&ctx.op.operation_id)?, ctx.exchange.resource.as_ref())
}

/// The id of `resource` (a create answer of `resources`' kind): its first linked value.
fn id_of(resources: &Resources, resource: Option<&Value>) -> Option<String> {
    resources
        .links
        .iter()
        .flat_map(|l| l.parameters.iter().chain(&l.request_body))
        .find_map(|(_, e)| crate::exec::evaluate_link(e, resource).ok())
        .map(|v| crate::plan::wire_text(&v))
}

/// The first value under `key` anywhere in `value`.
fn find_key<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(key).or_else(|| map.values().find_map(|v| find_key(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

/// A judgement that passed or failed on `ok`.
fn verdict(ctx: &Context, ok: bool, message: impl FnOnce() -> String) -> Option<Outcome> {
    Some(if ok {
        Outcome::pass(rule(ctx))
    } else {
        Outcome::fail(rule(ctx), message())
    })
}
