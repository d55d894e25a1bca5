//! An update flag that rotates a field (`rotate_secret=true`, see [`crate::habits`]): two
//! rotations give two different values.

use serde_json::{Value, json};

use super::{BoxFuture, FollowUp, Planning, Scenario, StatefulScenario, answer, case, find_key, verdict};
use crate::exec::{CaseError, Runner, Step, StepKind};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, Expect, RequestBody, set_param};
use generator::model::ParamLocation;

/// Two rotations give two different values (`rotation_changes_secret`).
pub struct RotationChanges;

impl StatefulScenario for RotationChanges {
    fn owns(&self, scenario: &Scenario) -> bool {
        matches!(scenario, Scenario::Rotation { .. })
    }

    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, _: &mut Vec<String>) {
        if base.needs_resource {
            plan(planning, base, out);
        }
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(follow_up(f.runner, f.case, f.resource, f.steps))
    }
}

pub fn plan(p: &Planning, base: &Case, out: &mut Vec<Case>) {
    if Some(&base.operation) != p.resources.update.as_ref() {
        return;
    }
    let Some((flag, field)) = crate::habits::rotation_flag(p.api, p.op) else {
        return;
    };
    let mut case = case(
        base,
        "stateful.rotation",
        format!("{}=true twice", flag.name),
        Scenario::Rotation {
            field: field.to_owned(),
        },
        Auth::Primary,
        Expect::Accepted,
    );
    set_param(
        &mut case.params,
        ParamLocation::Query,
        &flag.name,
        Some(crate::plan::ParamValue::Text("true".into())),
    );
    case.body = RequestBody::Json(json!({}));
    out.push(case);
}

/// Sends the case's request once more.
pub async fn follow_up(
    runner: &Runner,
    case: &Case,
    resource: Option<&Value>,
    steps: &mut Vec<Step>,
) -> Result<(), CaseError> {
    steps.push(runner.send_case(case, resource, StepKind::Again).await?);
    Ok(())
}

/// `rotation_changes_secret`.
pub fn judge(ctx: &Context) -> Option<Outcome> {
    let Some(Scenario::Rotation { field }) = &ctx.case.stateful else {
        return None;
    };
    let first = ctx.received.json.as_ref().and_then(|j| find_key(j, field));
    let second = answer(ctx.exchange, StepKind::Again)
        .and_then(|r| r.json.as_ref())
        .and_then(|j| find_key(j, field));
    match (first, second) {
        (Some(a), Some(b)) if a != b && !a.is_null() => verdict(ctx, true, String::new),
        (Some(a), Some(b)) if a == b => verdict(ctx, false, || format!("two rotations returned the same `{field}`")),
        _ => verdict(ctx, false, || format!("a rotation answered without `{field}`")),
    }
}
