//! After a delete, reading the resource back finds nothing: a 404, or a list without it
//! (Schemathesis's `use_after_free`); and acting on it again (a second delete, an update)
//! is answered as for a resource that is gone, never with a crash.

use serde_json::Value;

use super::{BoxFuture, FollowUp, Planning, Scenario, StatefulScenario, answer, case, read_back, resource_id, verdict};
use crate::exec::{CaseError, Runner, Step, StepKind};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, Expect, Resources};
use crate::text::excerpt;

/// After a delete, the resource is gone (`use_after_free`).
pub struct DeletedIsGone;

impl StatefulScenario for DeletedIsGone {
    fn owns(&self, scenario: &Scenario) -> bool {
        matches!(scenario, Scenario::DeletedIsGone)
    }

    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, _: &mut Vec<String>) {
        if base.needs_resource {
            plan(planning, base, out);
        }
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(follow_up(f.runner, f.resources, f.resource, f.steps))
    }
}

pub fn plan(p: &Planning, base: &Case, out: &mut Vec<Case>) {
    let readable = p.resources.get.is_some() || p.resources.list.is_some();
    if Some(&base.operation) == p.resources.delete.as_ref() && readable {
        out.push(case(
            base,
            "stateful.deleted_is_gone",
            "delete, then read",
            Scenario::DeletedIsGone,
            Auth::Primary,
            Expect::Accepted,
        ));
    }
}

pub async fn follow_up(
    runner: &Runner,
    resources: &Resources,
    resource: Option<&Value>,
    steps: &mut Vec<Step>,
) -> Result<(), CaseError> {
    steps.push(read_back(runner, resources, resource, StepKind::ReadBack, Auth::Primary).await?);
    let delete = resources
        .delete
        .as_deref()
        .and_then(|id| runner.plan().valid_request(id));
    if let Some(delete) = delete {
        steps.push(runner.send_case(delete, resource, StepKind::DeleteAgain).await?);
    }
    let update = resources
        .update
        .as_deref()
        .and_then(|id| runner.plan().valid_request(id));
    if let Some(update) = update.filter(|u| u.needs_resource) {
        steps.push(runner.send_case(update, resource, StepKind::UpdateAfterDelete).await?);
    }
    Ok(())
}

/// `deleted_stays_deleted`: a second delete answers anything but a 5xx (a delete may be
/// idempotent); an update of what is gone answers a 4xx.
pub fn judge_acting_again(ctx: &Context) -> Option<Outcome> {
    if ctx.case.stateful != Some(Scenario::DeletedIsGone) || !(200..300).contains(&ctx.received.status) {
        return None;
    }
    let again = answer(ctx.exchange, StepKind::DeleteAgain);
    let update = answer(ctx.exchange, StepKind::UpdateAfterDelete);
    if again.is_none() && update.is_none() {
        return None;
    }
    let mut wrong = Vec::new();
    if let Some(a) = again.filter(|a| a.status >= 500) {
        wrong.push(format!("a second delete answered {}: {}", a.status, excerpt(&a.text)));
    }
    if let Some(u) = update.filter(|u| !(400..500).contains(&u.status)) {
        wrong.push(format!(
            "an update after the delete answered {}: {}",
            u.status,
            excerpt(&u.text)
        ));
    }
    verdict(ctx, wrong.is_empty(), || wrong.join("; "))
}

/// `use_after_free`.
pub fn judge(ctx: &Context) -> Option<Outcome> {
    if ctx.case.stateful != Some(Scenario::DeletedIsGone) || !(200..300).contains(&ctx.received.status) {
        return None;
    }
    let Some(after) = answer(ctx.exchange, StepKind::ReadBack) else {
        return verdict(ctx, false, || "the read-back got no answer".into());
    };
    let id = resource_id(ctx);
    let gone =
        after.status == 404 || (after.status < 300 && id.as_ref().is_some_and(|id| !after.text.contains(id.as_str())));
    verdict(ctx, gone, || {
        format!(
            "after the delete, reading it back answered {}: {}",
            after.status,
            excerpt(&after.text)
        )
    })
}
