//! A new scenario and a new check are one file each and one line in a list: here, a scenario
//! that plans one case per operation acting on a resource, sends no follow-up, and a check
//! that judges exactly its cases, added to the run's lists by one line each.

use std::sync::Arc;

use conformance::checks::{CHECKS, CheckDef, CheckId, Context, Outcome, Severity};
use conformance::plan::{Auth, Case, Expect, Planning, Scenario};
use conformance::report::Status;
use conformance::scenarios::{BoxFuture, FollowUp, SCENARIOS, StatefulScenario};
use conformance::{InProcess, RunOptions};
use reference::{Api, EMBEDDED_KEYS, Store, Tenants};

/// The new scenario's file.
struct ReadTwice;

impl StatefulScenario for ReadTwice {
    fn owns(&self, scenario: &Scenario) -> bool {
        *scenario == Scenario::Named("read_twice")
    }

    fn plan(&self, _: &Planning, base: &Case, out: &mut Vec<Case>, _: &mut Vec<String>) {
        if base.needs_resource && base.method == generator::model::Method::Get {
            out.push(Case {
                name: format!("{}.stateful.read_twice", base.operation),
                varied: "read, then read again".into(),
                stateful: Some(Scenario::Named("read_twice")),
                auth: Auth::Primary,
                expect: Expect::Accepted,
                ..base.clone()
            });
        }
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(async move {
            let op = f
                .runner
                .plan()
                .api
                .operation(&f.case.operation)
                .ok_or_else(|| conformance::exec::CaseError::Spec("no operation".into()))?;
            let params = f.runner.linked_params(op);
            let again = f
                .runner
                .case_send(
                    op,
                    &params,
                    &conformance::plan::RequestBody::None,
                    Auth::Primary,
                    f.resource,
                    conformance::exec::StepKind::ReadBack,
                )
                .await;
            f.steps.push(again);
            Ok(())
        })
    }
}

/// The new check's file: the second read answers as the first did.
fn same_twice(ctx: &Context) -> Option<Outcome> {
    if ctx.case.stateful != Some(Scenario::Named("read_twice")) {
        return None;
    }
    let second = ctx.exchange.steps.iter().rev().find_map(|s| s.received.as_ref().ok())?;
    Some(
        if second.status == ctx.received.status && second.text == ctx.received.text {
            Outcome::pass("#/paths".into())
        } else {
            Outcome::fail(
                "#/paths".into(),
                format!("read again: {} {}", second.status, second.text),
            )
        },
    )
}

const SAME_TWICE: CheckDef = CheckDef {
    id: CheckId::Plugin("read_twice_same"),
    description: "Reading a resource twice gives the same answer.",
    severity: Severity::Medium,
    judge: same_twice,
};

fn leak<T: Clone>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_scenario_and_a_new_check_are_one_line_each() {
    let options = RunOptions {
        // The one line each.
        scenarios: leak([SCENARIOS, &[&ReadTwice as &dyn StatefulScenario]].concat()),
        registry: leak([CHECKS, &[SAME_TWICE]].concat()),
        ..RunOptions::default()
    };
    let keys: Vec<String> = EMBEDDED_KEYS.iter().map(|k| (*k).to_owned()).collect();
    let router = Api::Kejue.router(Arc::new(Store::open(None).unwrap()), Arc::new(Tenants::new(&keys)));
    let report = InProcess::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kejue.yaml"))
        .token(EMBEDDED_KEYS[0])
        .token_alt(EMBEDDED_KEYS[1])
        .options(options)
        .run(router)
        .await
        .unwrap();
    let case = report
        .cases
        .iter()
        .find(|c| c.name == "getWebhook.stateful.read_twice")
        .unwrap_or_else(|| panic!("{}", report.summary()));
    assert_eq!(case.status, Status::Passed, "{}", report.summary());
    // Every check that applies judged it, the new one too: one more than without it.
    let valid = report.cases.iter().find(|c| c.name == "getWebhook.valid").unwrap();
    assert_eq!(case.checks_run, valid.checks_run + 1, "{}", report.summary());
    assert!(report.passed(), "{}", report.summary());
}
