//! Seeded walks over one resource: after it is made and read, a sequence of reads, lists,
//! updates and deletes drawn from a generator seeded by the case's name (the same walk on
//! every run, so its answers are snapshots), acting on the resource again after it is
//! deleted. Each answer is judged against what the run has seen of the resource: read or
//! updated while it exists, a 2xx; after its delete, a read or an update is a 4xx and a list
//! does not hold it; a second delete is no 5xx; and no step answers a 5xx or a status its
//! operation does not document. A failure names the shortest prefix of the walk that shows it.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::{BoxFuture, FollowUp, Planning, Scenario, StatefulScenario, case, resource_id, verdict};
use crate::exec::{CaseError, StepKind};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, Expect, Plan, Resources, documents_refusal};
use crate::text::excerpt;

/// Walks per kind of resource, and the steps of each unless `--max-steps` says otherwise.
pub const WALKS: u32 = 3;
pub const STEPS: usize = 8;

/// What one step of a walk does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Read,
    List,
    Update,
    Delete,
}

impl Action {
    fn label(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::List => "list",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }

    fn operation(self, resources: &Resources) -> Option<&str> {
        match self {
            Action::Read => resources.get.as_deref(),
            Action::List => resources.list.as_deref(),
            Action::Update => resources.update.as_deref(),
            Action::Delete => resources.delete.as_deref(),
        }
    }
}

/// Seeded walks over a resource (`stateful_walk`).
pub struct Walks;

impl StatefulScenario for Walks {
    fn owns(&self, scenario: &Scenario) -> bool {
        matches!(scenario, Scenario::Walk { .. })
    }

    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, _: &mut Vec<String>) {
        let r = planning.resources;
        let acts = r.update.is_some() || r.delete.is_some();
        if base.needs_resource && Some(&base.operation) == r.get.as_ref() && acts {
            for walk in 0..WALKS {
                let mut walk = case(
                    base,
                    &format!("stateful.walk.{walk}"),
                    String::new(),
                    Scenario::Walk {
                        walk,
                        steps: STEPS,
                        left_out: Vec::new(),
                    },
                    Auth::Primary,
                    Expect::Accepted,
                );
                with_steps(&mut walk, STEPS);
                out.push(walk);
            }
        }
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(async move {
            for (_, case) in walk(f.runner.plan(), f.case, f.resources) {
                f.steps
                    .push(f.runner.send_case(case, f.resource, StepKind::Walk).await?);
            }
            Ok::<(), CaseError>(())
        })
    }
}

/// `case`, a walk, made to take `steps` steps (`--max-steps`); other cases as they are.
pub fn with_steps(case: &mut Case, steps: usize) {
    if let Some(Scenario::Walk { walk, steps: taken, .. }) = &mut case.stateful {
        *taken = steps;
        case.varied = format!("read, then a seeded walk of {steps} steps (walk {walk})");
    }
}

/// The smaller walks a failing `case` is tried as, smallest first: each shorter prefix,
/// then the walk without one of its steps (`shrink` keeps each that still fails).
pub fn smaller(case: &Case) -> Vec<Case> {
    let Some(Scenario::Walk { steps, left_out, .. }) = &case.stateful else {
        return Vec::new();
    };
    let shorter = (1..*steps).map(|n| {
        let mut c = case.clone();
        with_steps(&mut c, n);
        c
    });
    let without = (0..*steps).filter(|i| !left_out.contains(i)).map(|i| {
        let mut c = case.clone();
        if let Some(Scenario::Walk { left_out, .. }) = &mut c.stateful {
            left_out.push(i);
        }
        c
    });
    shorter.chain(without).collect()
}

/// The walk of `case`, each step with the valid request it sends (a step
/// whose operation's valid request the plan does not hold, skipped by the configuration, is
/// left out): what the follow-up sends and the judgement reads.
fn walk<'p>(plan: &'p Plan, case: &Case, resources: &Resources) -> Vec<(Action, &'p Case)> {
    let (steps, left_out) = match &case.stateful {
        Some(Scenario::Walk { steps, left_out, .. }) => (*steps, left_out.as_slice()),
        _ => (0, &[][..]),
    };
    actions(&case.name, resources, steps)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !left_out.contains(i))
        .filter_map(|(_, action)| Some((action, plan.valid_request(action.operation(resources)?)?)))
        .collect()
}

/// The walk of the case named `name`: the same on every run and machine.
fn actions(name: &str, resources: &Resources, steps: usize) -> Vec<Action> {
    let possible: Vec<Action> = [Action::Read, Action::List, Action::Update, Action::Delete]
        .into_iter()
        .filter(|a| a.operation(resources).is_some())
        .collect();
    let mut rng = Pcg64Mcg::seed_from_u64(crate::text::fnv1a(name.bytes()));
    (0..steps)
        .map(|_| possible[rng.random_range(0..possible.len())])
        .collect()
}

/// `stateful_walk`.
pub fn judge(ctx: &Context) -> Option<Outcome> {
    if !matches!(ctx.case.stateful, Some(Scenario::Walk { .. })) || !(200..300).contains(&ctx.received.status) {
        return None;
    }
    let resources = ctx.plan.kind_of(&ctx.case.operation)?;
    let id = resource_id(ctx);
    let steps = ctx.exchange.steps.iter().filter(|s| s.kind == StepKind::Walk);
    let mut deleted = false;
    let mut done = vec!["create", "read"];
    for ((action, _), step) in walk(ctx.plan, ctx.case, resources).into_iter().zip(steps) {
        done.push(action.label());
        let Ok(answer) = &step.received else {
            return verdict(ctx, false, || format!("{}: no answer", done.join(", ")));
        };
        let status = answer.status;
        let documented = action
            .operation(resources)
            .and_then(|op| ctx.plan.api.operation(op))
            .is_none_or(|op| {
                // A refusal where the operation documents none at all is said once by the plan.
                let undocumented_refusals = (400..500).contains(&status) && !documents_refusal(op, Expect::NotFound);
                op.responses.is_empty() || op.response_for(status).is_some() || undocumented_refusals
            });
        let holds = |text: &str| id.as_ref().is_some_and(|id| text.contains(id.as_str()));
        let wrong = match (action, deleted) {
            _ if status >= 500 => Some("a server error"),
            _ if !documented => Some("a status the operation does not document"),
            (Action::Read | Action::Update, false) if !(200..300).contains(&status) => {
                Some("a refusal of a resource that exists")
            }
            (Action::Delete, false) if !(200..300).contains(&status) => {
                Some("a refused delete of a resource that exists")
            }
            (Action::Read | Action::Update, true) if !(400..500).contains(&status) => {
                Some("an answer as if the deleted resource were still there")
            }
            (Action::List, true) if (200..300).contains(&status) && holds(&answer.text) => {
                Some("a list that still holds the deleted resource")
            }
            _ => None,
        };
        if let Some(what) = wrong {
            let text = excerpt(&answer.text);
            return verdict(ctx, false, || {
                format!("{}: the last answered {status}, {what}: {text}", done.join(", "))
            });
        }
        if action == Action::Delete {
            deleted = true;
        }
    }
    verdict(ctx, true, String::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_is_the_same_for_the_same_name_and_differs_between_names() {
        let resources = Resources {
            create: "create".into(),
            create_body: None,
            create_params: Vec::new(),
            links: Vec::new(),
            get: Some("get".into()),
            update: Some("update".into()),
            delete: Some("delete".into()),
            list: None,
            inferred: true,
            tag_fields: Vec::new(),
            unique_fields: Vec::new(),
        };
        let a = actions("getThing.stateful.walk.0", &resources, 8);
        assert_eq!(a, actions("getThing.stateful.walk.0", &resources, 8));
        assert_eq!(a.len(), 8);
        assert!(!a.contains(&Action::List), "no list operation, no list step");
        assert_ne!(a, actions("getThing.stateful.walk.1", &resources, 8));
    }
}
