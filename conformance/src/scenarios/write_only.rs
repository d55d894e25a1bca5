//! Write-only fields (a signing secret) are sent at creation and never come back: not in the
//! create answer, not when the resource is read, by key or by value.

use serde_json::{Value, json};

use super::{BoxFuture, FollowUp, Planning, Scenario, StatefulScenario, case, find_key, verdict};
use crate::exec::{CaseError, Runner, Step, StepKind};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, Expect, RequestBody, Resources};

/// The value sent for each write-only field: recognisable in any answer.
/// The write-only fields sent at creation never come back (`write_only_never_returned`).
pub struct WriteOnlyNeverReturned;

impl StatefulScenario for WriteOnlyNeverReturned {
    fn owns(&self, scenario: &Scenario) -> bool {
        matches!(scenario, Scenario::WriteOnly { .. })
    }

    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, _: &mut Vec<String>) {
        plan(planning, base, out);
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(follow_up(f.runner, f.resources, f.main, f.steps))
    }
}

pub fn secret(tag: &str) -> String {
    format!("conformance-secret-{tag}")
}

pub fn plan(p: &Planning, base: &Case, out: &mut Vec<Case>) {
    if base.operation != p.resources.create {
        return;
    }
    let Some(body) = &p.op.body else { return };
    let fields: Vec<String> = p
        .api
        .struct_of(&body.ty.ty)
        .map(|s| {
            s.fields
                .iter()
                .filter(|f| f.write_only)
                .map(|f| f.wire_name.clone())
                .collect()
        })
        .unwrap_or_default();
    if fields.is_empty() {
        return;
    }
    let mut case = case(
        base,
        "stateful.write_only_not_returned",
        "write-only fields sent, then every answer read",
        Scenario::WriteOnly { fields: fields.clone() },
        Auth::Primary,
        Expect::Accepted,
    );
    if let RequestBody::Json(body) = &mut case.body {
        for f in &fields {
            body[f.as_str()] = json!(secret(p.sampler.tag));
        }
    }
    out.push(case);
}

/// Reads what the case created, by the get and by the list operation.
pub async fn follow_up(
    runner: &Runner,
    resources: &Resources,
    main: &Step,
    steps: &mut Vec<Step>,
) -> Result<(), CaseError> {
    let Some(created) = main.received.as_ref().ok().and_then(|r| r.json.as_ref()) else {
        return Ok(());
    };
    for id in [resources.get.as_ref(), resources.list.as_ref()].into_iter().flatten() {
        if let Some(op) = runner.plan().api.operation(id) {
            let params = runner.linked_params(op);
            steps.push(
                runner
                    .case_send(
                        op,
                        &params,
                        &RequestBody::None,
                        Auth::Primary,
                        Some(created),
                        StepKind::Read,
                    )
                    .await,
            );
        }
    }
    Ok(())
}

/// `write_only_not_returned`.
pub fn judge(ctx: &Context) -> Option<Outcome> {
    let Some(Scenario::WriteOnly { fields }) = &ctx.case.stateful else {
        return None;
    };
    let secret = secret(&ctx.plan.tag);
    let answers = std::iter::once(("create", ctx.received)).chain(
        ctx.exchange
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Read)
            .filter_map(|s| s.received.as_ref().ok().map(|r| ("read", r))),
    );
    let leaks: Vec<String> = answers
        .filter(|(_, r)| {
            let by_key = r
                .json
                .as_ref()
                .is_some_and(|j: &Value| fields.iter().any(|f| find_key(j, f).is_some()));
            by_key || r.text.contains(&secret)
        })
        .map(|(label, _)| format!("the {label} answer returns {}", fields.join(", ")))
        .collect();
    verdict(ctx, leaks.is_empty(), || leaks.join("; "))
}
