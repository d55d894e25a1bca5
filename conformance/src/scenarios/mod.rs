//! Stateful scenarios: what only shows over more than one request. Each module plans its
//! cases (variants of an operation's valid request), sends their follow-up requests, and
//! judges what came back; steps are told apart by [`StepKind`], never by text.

use serde_json::Value;

use crate::exec::{Exchange, FollowUps, Received, Runner, Step, StepKind};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, Expect, RequestBody, Resources};

pub mod deleted;
pub mod isolation;
pub mod partial_update;
pub mod rotation;
pub mod write_only;

pub use crate::plan::{PartialUpdate, PlanStateful, Planning, Scenario};

/// Every scenario: what plans their cases and sends their follow-ups.
pub struct Scenarios;

impl FollowUps for Scenarios {
    fn follow_up<'a>(
        &'a self,
        runner: &'a Runner,
        case: &'a Case,
        main: &'a Step,
        resource: Option<&'a Value>,
        steps: &'a mut Vec<Step>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(follow_up(runner, case, main, resource, steps))
    }
}

impl PlanStateful for Scenarios {
    /// The scenario cases of `planning.op`, each a variant of its valid request `base`; what
    /// cannot be planned is said in `notes`.
    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, notes: &mut Vec<String>) {
        write_only::plan(planning, base, out);
        if !base.needs_resource {
            return;
        }
        partial_update::plan(planning, base, out, notes);
        rotation::plan(planning, base, out);
        deleted::plan(planning, base, out);
        isolation::plan(base, out);
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

/// Sends the follow-up requests of the case's scenario, after its own request `main`.
async fn follow_up(
    runner: &Runner,
    case: &Case,
    main: &Step,
    resource: Option<&Value>,
    steps: &mut Vec<Step>,
) -> Result<(), String> {
    let Some(resources) = runner.plan().kind_of(&case.operation) else {
        return Ok(());
    };
    match &case.stateful {
        None => Ok(()),
        Some(Scenario::PartialUpdate(_)) => partial_update::follow_up(runner, resources, resource, steps).await,
        Some(Scenario::DeletedIsGone) => deleted::follow_up(runner, resources, resource, steps).await,
        Some(Scenario::Isolation) => isolation::follow_up(runner, resources, resource, steps).await,
        Some(Scenario::WriteOnly { .. }) => write_only::follow_up(runner, resources, main, steps).await,
        Some(Scenario::Rotation { .. }) => rotation::follow_up(runner, case, resource, steps).await,
    }
}

/// Reads the case's resource back: by the get operation, else by the list.
async fn read_back(
    runner: &Runner,
    resources: &Resources,
    resource: Option<&Value>,
    kind: StepKind,
    auth: Auth,
) -> Result<Step, String> {
    let op = resources
        .get
        .as_ref()
        .or(resources.list.as_ref())
        .and_then(|id| runner.plan().api.operation(id))
        .ok_or("the spec has no operation to read a resource back")?;
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
