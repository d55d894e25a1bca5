//! Another tenant (`CONFORMANCE_TOKEN_ALT`) can neither reach nor see the resource: its
//! request is refused as for an unknown id, the owner still reads the resource, and the
//! other tenant's list does not show it.

use serde_json::Value;

use super::{
    BoxFuture, FollowUp, Planning, Scenario, StatefulScenario, answer, case, id_of, read_back, resource_id, verdict,
};
use crate::exec::{CaseError, Runner, Step, StepKind};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, Expect, RequestBody, Resources};
use crate::text::excerpt;

/// Another tenant can neither reach nor see the resource (`tenant_isolation`).
pub struct TenantIsolation;

impl StatefulScenario for TenantIsolation {
    fn owns(&self, scenario: &Scenario) -> bool {
        matches!(scenario, Scenario::Isolation)
    }

    fn plan(&self, _: &Planning, base: &Case, out: &mut Vec<Case>, _: &mut Vec<String>) {
        if base.needs_resource {
            plan(base, out);
        }
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(follow_up(f.runner, f.resources, f.resource, f.steps))
    }
}

pub fn plan(base: &Case, out: &mut Vec<Case>) {
    out.push(case(
        base,
        "tenant.isolated",
        "the other tenant's credential (CONFORMANCE_TOKEN_ALT)",
        Scenario::Isolation,
        Auth::Alternate,
        Expect::NotFound,
    ));
}

/// The owner reads the resource back; the other tenant lists.
pub async fn follow_up(
    runner: &Runner,
    resources: &Resources,
    resource: Option<&Value>,
    steps: &mut Vec<Step>,
) -> Result<(), CaseError> {
    steps.push(read_back(runner, resources, resource, StepKind::ReadBackAsOwner, Auth::Primary).await?);
    if let Some(list) = resources.list.as_ref().and_then(|l| runner.plan().api.operation(l)) {
        let step = runner
            .case_send(
                list,
                &[],
                &RequestBody::None,
                Auth::Alternate,
                None,
                StepKind::ListAsOtherTenant,
            )
            .await;
        // The list half is judged, or the case says why it is not: never a silent pass.
        let unjudged = match &step.received {
            Ok(r) if (200..300).contains(&r.status) && id_of(resources, resource).is_none() => Some(
                "the resource's id cannot be read from its create answer, so the other tenant's list \
                 cannot be searched for it"
                    .to_owned(),
            ),
            // A refusal shows nothing; a 5xx shows nothing either, but says nothing.
            Ok(r) if r.status >= 500 => Some(format!("the other tenant's list answered {}", r.status)),
            Ok(_) => None,
            Err(e) => Some(format!("the other tenant's list got no answer: {e}")),
        };
        steps.push(step);
        if let Some(why) = unjudged {
            return Err(CaseError::NotJudged(format!("tenant isolation not judged: {why}")));
        }
    }
    Ok(())
}

/// `tenant_isolation`: the other tenant's request is refused as for an unknown id (404 or
/// 403 where the spec documents 404, else a 4xx), the owner still reads the resource, and
/// the other tenant's list does not show it.
pub fn judge(ctx: &Context) -> Option<Outcome> {
    if ctx.case.stateful != Some(Scenario::Isolation) {
        return None;
    }
    let mut problems = Vec::new();
    let status = ctx.received.status;
    let (refused, wanted) = if ctx.documents(404) {
        (matches!(status, 403 | 404), "404 or 403")
    } else {
        ((400..500).contains(&status), "a 4xx")
    };
    if !refused {
        problems.push(format!(
            "the other tenant's {} answered {status}, not {wanted}\n{}",
            ctx.case.operation,
            excerpt(&ctx.received.text)
        ));
    }
    if let Some(owner) = answer(ctx.exchange, StepKind::ReadBackAsOwner)
        && !(200..300).contains(&owner.status)
    {
        problems.push(format!(
            "after the other tenant's {}, the owner reads {}",
            ctx.case.operation, owner.status
        ));
    }
    // follow_up made sure the id is known wherever the list answered 2xx.
    if let (Some(list), Some(id)) = (answer(ctx.exchange, StepKind::ListAsOtherTenant), resource_id(ctx))
        && list.text.contains(&id)
    {
        problems.push(format!("the other tenant's list shows {id}"));
    }
    verdict(ctx, problems.is_empty(), || problems.join("\n"))
}
