//! The conformance runner: every edge case a spec implies, sent to a server, each answer
//! checked against the spec and snapshot-tested with insta.
//!
//! [`plan`] derives cases from the generator's model; [`exec`] sends them, making and
//! removing its own resources; [`checks`] judges each answer; [`redact`] and [`snapshot`]
//! turn answers into stable insta snapshots; [`report`] prints and writes the results.
//!
//! The suite also runs inside a crate's own `cargo test`, against its axum `Router` (any tower
//! service) in-process, with no port ([`InProcess`], [`assert_conforms`]). A user's test:
//!
//! ```
//! # use std::sync::Arc;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // The router as the crate's main() builds it, over a fresh in-memory store:
//! let store = Arc::new(reference::Store::open(None).unwrap());
//! let keys = ["test-key".to_owned(), "other-key".to_owned()];
//! let router = reference::Api::Kejue.router(store, Arc::new(reference::Tenants::new(&keys)));
//! conformance::InProcess::new("../specs/kejue.yaml") // relative to the crate's folder
//!     .token("test-key") // what CONFORMANCE_TOKEN would hold
//!     .token_alt("other-key") // a second tenant: the isolation cases
//!     .assert(router) // panics with the readable report when anything fails
//!     .await;
//! # }
//! ```

pub mod checks;
pub mod config;
pub mod error;
pub mod exec;
pub mod habits;
pub mod har;
pub mod in_process;
pub mod judgement;
pub mod plan;
pub mod redact;
pub mod report;
pub mod scenarios;
pub mod shard;
mod shrink;
pub mod snapshot;
pub mod text;

use std::future::Future;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use generator::model::Api;

pub use error::{RunError, TlsProblem};
use exec::{Runner, Service, Settings, Target};
pub use in_process::{InProcess, assert_conforms};
use report::{CaseResult, Report, SnapshotRun, Status};

/// Every value a run creates carries `cfm-<8 hex>`; `sweep` looks for exactly that, as a
/// whole token (`plan::carries_tag`).
pub use plan::TAG_PREFIX;
pub use text::fnv1a;

/// Plans every case of `api`, the scenarios' stateful ones included; `tag` marks what the
/// run creates.
pub fn plan(api: &Api, tag: &str, operations: &[String]) -> plan::Plan {
    plan_with(api, tag, operations, plan::Safety::default())
}

/// Plans every case of `api` that `safety` allows, the scenarios' stateful ones included.
pub fn plan_with(api: &Api, tag: &str, operations: &[String], safety: plan::Safety) -> plan::Plan {
    plan::plan_with(api, tag, operations, safety, &scenarios::Scenarios::ALL)
}

/// A fresh run tag: 32 random bits from the OS, or, where the OS has no randomness to give,
/// a hash of the clock, the process id and a counter, so that no two runs share a tag.
pub fn new_tag() -> String {
    let mut bytes = [0u8; 4];
    let random = getrandom::fill(&mut bytes).is_ok();
    tag(random.then_some(u32::from_be_bytes(bytes)))
}

/// The tag of `random`, or of the fallback when there is none.
fn tag(random: Option<u32>) -> String {
    static FALLBACKS: AtomicUsize = AtomicUsize::new(0);
    let value = random.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = FALLBACKS.fetch_add(1, Ordering::Relaxed);
        let hash = fnv1a(
            nanos
                .to_le_bytes()
                .into_iter()
                .chain(std::process::id().to_le_bytes())
                .chain(n.to_le_bytes()),
        );
        (hash ^ (hash >> 32)) as u32
    });
    format!("{TAG_PREFIX}{value:08x}")
}

/// One suite: a spec against a server.
pub struct Suite {
    /// A name for reports (the spec's file stem).
    pub name: String,
    pub api: Api,
    pub target: Target,
    /// How requests are sent.
    pub settings: Settings,
    /// What is judged, and how the run is shared and recorded.
    pub options: RunOptions,
    /// Compare each answer with its insta snapshot here.
    pub snapshots: Option<PathBuf>,
    /// Only these operationIds (all when empty).
    pub operations: Vec<String>,
}

/// What a run judges and how it is shared and recorded, beside how it sends (`Settings`).
#[derive(Clone)]
pub struct RunOptions {
    /// The stateful scenarios the run plans and follows up ([`scenarios::SCENARIOS`]).
    pub scenarios: &'static [&'static dyn scenarios::StatefulScenario],
    /// The checks that can judge a case ([`checks::CHECKS`]); `checks` chooses among them.
    pub registry: &'static [checks::CheckDef],
    /// The checks that judge the answers (`--checks`, `--exclude-checks`).
    pub checks: checks::Selection,
    /// Send only this share of the plan's cases (`--shard I/N`).
    pub shard: Option<shard::Shard>,
    /// `conformance.toml`: skips, expected statuses, extra headers, known deviations.
    pub config: Arc<config::Config>,
    /// Keep every exchange of the cases as HAR 1.2 in `Report::har` (`--har`).
    pub har: bool,
    /// Which phases are planned (`--phases`); coverage and stateful by default.
    pub phases: plan::fuzz::Phases,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            scenarios: scenarios::SCENARIOS,
            registry: checks::CHECKS,
            checks: checks::Selection::default(),
            shard: None,
            config: Arc::default(),
            har: false,
            phases: plan::fuzz::Phases::default(),
        }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("scenarios", &self.scenarios.len())
            .field("registry", &self.registry.iter().map(|c| c.id).collect::<Vec<_>>())
            .field("checks", &self.checks)
            .field("shard", &self.shard)
            .field("config", &self.config)
            .field("har", &self.har)
            .field("phases", &self.phases)
            .finish()
    }
}

/// Refuses operationIds the spec does not have, suggesting the nearest of each.
pub fn check_operations(api: &Api, wanted: &[String]) -> Result<(), RunError> {
    let valid: Vec<String> = api.operations.iter().map(|o| o.operation_id.clone()).collect();
    let unknown: Vec<(String, Option<String>)> = wanted
        .iter()
        .filter(|w| !valid.contains(w))
        .map(|w| (w.clone(), error::nearest(w, &valid).map(str::to_owned)))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(RunError::UnknownOperation { unknown, valid })
    }
}

/// What a run tells as it goes, for a progress bar or a log. The library prints nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Before anything is sent: something the run leaves out or cannot undo (a create it
    /// cannot delete). A caller shows it at once, not after the run.
    Warning(String),
    /// The plan is made and the server answers: `total` cases are to be sent.
    Started { suite: String, total: usize },
    /// A case ended (in the order cases end, not the plan's).
    CaseFinished { name: String, status: Status },
    /// `max_failures` cases failed: no new case is sent; those in flight finish.
    Stopping { failures: usize },
    /// The cases are done (or stopped): the run removes what it created.
    CleaningUp,
}

/// Hears a run's [`Event`]s.
pub type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// How a caller follows a run and when it stops early; `Control::default()` hears nothing
/// and never stops early.
#[derive(Clone, Default)]
pub struct Control {
    /// Called with each [`Event`], from the runner's tasks: keep it quick.
    pub events: Option<Listener>,
    /// Stop sending new cases once this many have failed or erred (`--max-failures`); the
    /// report holds the cases that ran, and says the run stopped.
    pub max_failures: Option<usize>,
}

impl Control {
    fn emit(&self, event: Event) {
        if let Some(events) = &self.events {
            events(&event);
        }
    }
}

/// Runs a suite; `Err` is a problem that stopped it before its cases (exit 2): no plan,
/// no server, a TLS handshake that fails, snapshots that cannot be kept.
pub async fn run(suite: Suite, cancel: impl Future<Output = ()>) -> Result<Report, RunError> {
    run_with(suite, cancel, Control::default()).await
}

/// A case's verdict from the spec's checks, before snapshots.
pub(crate) struct Verdict {
    status: Status,
    failures: Vec<checks::Check>,
    known: Vec<report::Known>,
    checks_run: usize,
    /// Why a case that would have passed is not judged (its valid twin was refused).
    not_judged: Option<String>,
}

/// What judges the cases: the checks chosen, `conformance.toml`, and today's date (for the
/// known deviations' `until`).
#[derive(Clone)]
pub(crate) struct Judge {
    registry: &'static [checks::CheckDef],
    selection: checks::Selection,
    config: Arc<config::Config>,
    today: config::Date,
}

impl Judge {
    pub(crate) fn judge(&self, plan: &plan::Plan, case: &plan::Case, exchange: &exec::Exchange) -> Verdict {
        let verdict = |status| Verdict {
            status,
            failures: Vec::new(),
            known: Vec::new(),
            checks_run: 0,
            not_judged: None,
        };
        if exchange.skipped.is_some() {
            return verdict(Status::Skipped);
        }
        let received = exchange.main.as_ref().map(|m| &m.received);
        let Some(Ok(answer)) = received.filter(|_| exchange.error.is_none()) else {
            return verdict(if received.is_some() || exchange.error.is_some() {
                Status::Error
            } else {
                Status::Passed
            });
        };
        let mut all = checks::check_with(self.registry, plan, case, exchange, &self.selection);
        self.config.apply_expected_statuses(case, answer.status, &mut all);
        let checks_run = all.len();
        let mut failures = Vec::new();
        let mut known = Vec::new();
        for mut check in all.into_iter().filter(|c| !c.passed) {
            match self.config.known(&case.name, check.id) {
                Some(k) if k.until >= self.today => known.push(report::Known {
                    check,
                    reason: k.reason.clone(),
                    until: k.until.to_string(),
                }),
                Some(k) => {
                    check.message = format!(
                        "{} (the known deviation \"{}\" expired after {}: fix the server, or move `until` in {})",
                        check.message,
                        k.reason,
                        k.until,
                        self.config
                            .file
                            .as_deref()
                            .map_or_else(|| config::FILE_NAME.to_owned(), |f| f.display().to_string()),
                    );
                    failures.push(check);
                }
                None => failures.push(check),
            }
        }
        let status = match (failures.is_empty(), known.is_empty()) {
            (false, _) => Status::Failed,
            (true, false) => Status::Known,
            (true, true) => Status::Passed,
        };
        Verdict {
            status,
            failures,
            known,
            checks_run,
            not_judged: None,
        }
    }

    /// A refusal that passed counts only when its valid twin (the same request without the
    /// edge: the operation's valid request, or the valid draw a fuzz case broke) was accepted
    /// in the same run; else the server may have refused both for another reason, and the
    /// case is not judged, with the twin's answer.
    fn hollow(plan: &plan::Plan, exchanges: &[Option<exec::Exchange>], verdicts: &mut [Option<Verdict>]) {
        let index: std::collections::HashMap<&str, usize> = plan
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        for (i, case) in plan.cases.iter().enumerate() {
            let Some(twin) = plan::twin_of(case) else { continue };
            let Some(&j) = index.get(twin.as_str()) else { continue };
            let Some(verdict) = verdicts[i].as_mut().filter(|v| v.status == Status::Passed) else {
                continue;
            };
            let answer = exchanges[j]
                .as_ref()
                .and_then(|e| e.main.as_ref())
                .and_then(|m| m.received.as_ref().ok());
            let refused = match answer {
                Some(a) if (200..300).contains(&a.status) => None,
                Some(a) => Some(format!("answered {}: {}", a.status, text::excerpt(&a.text))),
                None => Some("got no answer".to_owned()),
            };
            if let Some(why) = refused {
                verdict.status = Status::Skipped;
                verdict.not_judged = Some(format!(
                    "not judged: its valid twin {twin} {why}, so this refusal may be for another reason"
                ));
            }
        }
    }
}

/// As [`run`], telling `control.events` how it goes and stopping after
/// `control.max_failures` failed cases.
pub async fn run_with(suite: Suite, cancel: impl Future<Output = ()>, control: Control) -> Result<Report, RunError> {
    run_on(suite, None, cancel, control).await
}

/// As [`run_with`], with every request sent to `service` in this process (no socket);
/// `suite.target.base_url` names it ([`in_process::base_url`]). [`InProcess`] wraps this for
/// tests.
pub async fn run_in_process(
    suite: Suite,
    service: Service,
    cancel: impl Future<Output = ()>,
    control: Control,
) -> Result<Report, RunError> {
    run_on(suite, Some(service), cancel, control).await
}

async fn run_on(
    suite: Suite,
    service: Option<Service>,
    cancel: impl Future<Output = ()>,
    control: Control,
) -> Result<Report, RunError> {
    check_operations(&suite.api, &suite.operations)?;
    let tag = new_tag();
    let scenarios = scenarios::Scenarios(suite.options.scenarios);
    // In process, a router delivers only if its caller says so (`Settings::delivery`): the
    // reference routers store deliveries and send none.
    let mut suite = suite;
    if service.is_some() && suite.settings.delivery.is_none() {
        let mut config = (*suite.options.config).clone();
        config.delivery = None;
        suite.options.config = Arc::new(config);
    }
    let (plan, snapshots) = planned(&suite, &tag, &scenarios)?;
    // Before anything is sent: what the run leaves out because it could not clean it up.
    for warning in &plan.warnings {
        control.emit(Event::Warning(warning.clone()));
    }
    let (runner, receiver, preflight) = start(&suite, &plan, &tag, scenarios, service).await?;
    control.emit(Event::Started {
        suite: suite.name.clone(),
        total: plan.cases.len(),
    });
    let judge = Judge {
        registry: suite.options.registry,
        selection: suite.options.checks.clone(),
        config: suite.options.config.clone(),
        today: config::Date::today(),
    };
    let mut sent = send_and_judge(&runner, &plan, &judge, &control, cancel).await;
    let interrupted = !sent.stopped && sent.exchanges.iter().any(Option::is_none);
    // Failed fuzz cases and walks, each replaced by the smallest that still fails.
    let mut cases = plan.cases.clone();
    if !interrupted && !sent.stopped {
        for (i, case) in plan.cases.iter().enumerate() {
            let Some(verdict) = sent.verdicts[i].as_ref() else {
                continue;
            };
            if let Some(shrunk) = shrink::shrink(&runner, &plan, &judge, case, verdict).await {
                cases[i] = shrunk.case;
                sent.exchanges[i] = Some(shrunk.exchange);
                sent.verdicts[i] = Some(shrunk.verdict);
            }
        }
    }
    Judge::hollow(&plan, &sent.exchanges, &mut sent.verdicts);
    control.emit(Event::CleaningUp);
    let cleanup_failures = runner.cleanup().await;
    if let Some(RunError::TimedOut {
        count, timeout, url, ..
    }) = runner.timed_out()
    {
        return Err(RunError::TimedOut {
            count,
            timeout,
            url,
            cleanup_failures,
        });
    }
    let credentials: Vec<&str> = [suite.target.token.as_deref(), suite.target.token_alt.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let redactor = redactor(&suite, &tag, &credentials, receiver.as_deref(), &plan, &sent.exchanges);
    let har = suite.options.har.then(|| {
        let named: Vec<(&str, &exec::Exchange)> = plan
            .cases
            .iter()
            .zip(&sent.exchanges)
            .filter_map(|(case, exchange)| Some((case.name.as_str(), exchange.as_ref()?)))
            .collect();
        har::log(
            &named,
            &suite.target.base_url,
            receiver.as_ref().map(|r| r.url()),
            &redactor,
        )
    });
    let reporting = Reporting {
        judge: &judge,
        plan: &plan,
        redactor: &redactor,
        snapshots: snapshots.as_ref(),
        credentials: &credentials,
    };
    let mut verdicts = sent.verdicts;
    let cases = cases
        .iter()
        .zip(&sent.exchanges)
        .zip(&mut verdicts)
        .filter_map(|((case, exchange), verdict)| Some(reporting.case(case, exchange.as_ref()?, verdict.take())))
        .collect();
    Ok(Report {
        api: suite.name,
        preflight: preflight.notes,
        cases,
        cleanup_failures,
        notes: plan.notes.clone(),
        interrupted,
        stopped_after: control.max_failures.filter(|_| sent.stopped),
        planned: plan.cases.len(),
        snapshots,
        shard: suite.options.shard,
        har,
    })
}

/// The runner a suite's cases go through, started: its receiver listening when the plan
/// has delivery cases, the preflight passed, and no webhook the run did not make taking its
/// events (unless allowed).
async fn start(
    suite: &Suite,
    plan: &Arc<plan::Plan>,
    tag: &str,
    chosen: scenarios::Scenarios,
    service: Option<Service>,
) -> Result<(Arc<Runner>, Option<Arc<exec::Receiver>>, exec::Preflight), RunError> {
    let (target, mut settings) = (suite.target.clone(), suite.settings.clone());
    settings.headers.extend(suite.options.config.headers.iter().cloned());
    if settings.delivery.is_none() {
        settings.delivery = suite.options.config.delivery.clone();
    }
    let receiver = match &settings.delivery {
        Some(delivery) if scenarios::delivery::plans_deliveries(&plan.cases) => Some(Arc::new(
            exec::Receiver::start(
                settings.receiver.listen,
                delivery.tls,
                tag,
                settings.receiver.public_url.as_deref(),
            )
            .await
            .map_err(|e| RunError::Receiver(e.to_string()))?,
        )),
        _ => None,
    };
    let mut runner = match service {
        Some(service) => Runner::in_process(plan.clone(), target, settings, service)?,
        None => Runner::new(plan.clone(), target, settings)?,
    }
    .with_follow_ups(Arc::new(chosen));
    if let Some(receiver) = &receiver {
        runner = runner.with_receiver(receiver.clone());
    }
    let runner = Arc::new(runner);
    let preflight = runner.preflight().await?;
    let publishes = runner
        .settings()
        .delivery
        .as_ref()
        .is_some_and(|d| scenarios::delivery::publishes(plan, d));
    if publishes && !runner.settings().receiver.allow_foreign {
        let foreign = scenarios::delivery::foreign_takers(&runner).await?;
        if !foreign.is_empty() {
            return Err(RunError::ForeignDeliveries { webhooks: foreign });
        }
    }
    Ok((runner, receiver, preflight))
}

/// What hides the run's secrets, tag and addresses in snapshots and HAR, having learnt the
/// values the exchanges made.
fn redactor(
    suite: &Suite,
    tag: &str,
    credentials: &[&str],
    receiver: Option<&exec::Receiver>,
    plan: &plan::Plan,
    exchanges: &[Option<exec::Exchange>],
) -> redact::Redactor {
    let mut redactor = redact::Redactor::new(tag, credentials).with_base_url(&suite.target.base_url);
    if let Some(receiver) = receiver {
        redactor = redactor.with_receiver_url(receiver.url());
    }
    for exchange in exchanges.iter().flatten() {
        snapshot::learn(&mut redactor, exchange);
    }
    // Unknown ids are fresh random values each run: kept in reports, hidden in snapshots.
    for id in &plan.unknown_ids {
        redactor.add_volatile(id, "[unknown-id]");
    }
    redactor
}

/// Without `[delivery]` settings, the delivery cases are taken out of `plan`, with a note.
pub fn leave_out_deliveries(plan: &mut plan::Plan, delivery: Option<&exec::DeliverySettings>) {
    if !scenarios::delivery::plans_deliveries(&plan.cases) {
        return;
    }
    match delivery {
        None => {
            plan.cases
                .retain(|c| !matches!(c.stateful, Some(plan::Scenario::Delivery(_))));
            plan.notes.push(
                "delivery cases (*.delivery.*) left out: conformance.toml has no [delivery] table (docs/config.md)"
                    .into(),
            );
        }
        // Nothing to judge where the API has no way to disable a webhook that the file names.
        Some(settings) if settings.disable.is_none() => {
            let disabled = Some(plan::Scenario::Delivery(plan::DeliveryKind::Disabled));
            plan.cases.retain(|c| c.stateful != disabled);
            plan.notes.push(
                "*.delivery.disabled left out: [delivery] names no `disable` request (the API has no way to \
                 disable a webhook)"
                    .into(),
            );
        }
        Some(_) => {}
    }
}

/// The run's plan (the scenarios', `conformance.toml`'s skips and the shard applied), and
/// where its snapshots are compared.
fn planned(
    suite: &Suite,
    tag: &str,
    scenarios: &scenarios::Scenarios,
) -> Result<(Arc<plan::Plan>, Option<SnapshotRun>), RunError> {
    let mut plan = plan::plan_with(&suite.api, tag, &suite.operations, suite.settings.safety(), scenarios);
    let phases = suite.options.phases;
    if let Some(fuzz) = phases.fuzz {
        plan::fuzz::extend(&mut plan, fuzz, suite.settings.safety());
    }
    plan.cases.retain(|c| phases.holds(c));
    if let Some(steps) = phases.max_steps {
        plan.cases
            .iter_mut()
            .for_each(|c| scenarios::walk::with_steps(c, steps));
    }
    if plan.cases.is_empty() {
        return Err(RunError::NoCases {
            suite: suite.name.clone(),
            filtered: !suite.operations.is_empty(),
        });
    }
    // Which snapshots the whole plan writes, before skips and shards take their share.
    let whole_plan = suite.operations.is_empty() && suite.settings.safety() == plan::Safety::default();
    let every_case: Vec<String> = plan.cases.iter().map(|c| c.name.clone()).collect();
    suite.options.config.apply_skips(&mut plan);
    leave_out_deliveries(
        &mut plan,
        suite
            .settings
            .delivery
            .as_ref()
            .or(suite.options.config.delivery.as_ref()),
    );
    // A shard may be empty (a small plan, many shards): it passes with nothing sent.
    if let Some(shard) = suite.options.shard {
        plan.cases.retain(|c| shard.holds(&c.name));
    }
    let Some(dir) = &suite.snapshots else {
        return Ok((Arc::new(plan), None));
    };
    snapshot::check_names(plan.cases.iter().map(|c| c.name.as_str()))?;
    let update = snapshot::Update::from_env()?;
    std::fs::create_dir_all(dir).map_err(|e| RunError::Snapshots(format!("cannot make {}: {e}", dir.display())))?;
    let unreferenced = if whole_plan {
        snapshot::unreferenced(dir, every_case.iter().map(String::as_str), update)?
    } else {
        Vec::new()
    };
    let snapshots = SnapshotRun {
        dir: dir.clone(),
        update,
        unreferenced,
    };
    Ok((Arc::new(plan), Some(snapshots)))
}

/// What sending the cases gave: each case's exchange (`None`: not run) and verdict, and
/// whether `max_failures` stopped the run.
struct Sent {
    exchanges: Vec<Option<exec::Exchange>>,
    verdicts: Vec<Option<Verdict>>,
    stopped: bool,
}

/// Sends every case, judging each as it ends, so that a progress bar shows its verdict and
/// `max_failures` can stop the run.
async fn send_and_judge(
    runner: &Arc<Runner>,
    plan: &Arc<plan::Plan>,
    judge: &Judge,
    control: &Control,
    cancel: impl Future<Output = ()>,
) -> Sent {
    let verdicts: Arc<Mutex<Vec<Option<Verdict>>>> =
        Arc::new(Mutex::new((0..plan.cases.len()).map(|_| None).collect()));
    let failed = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicBool::new(false));
    let exchanges = {
        let (plan, verdicts, failed, stopped, control, judge) = (
            plan.clone(),
            verdicts.clone(),
            failed.clone(),
            stopped.clone(),
            control.clone(),
            judge.clone(),
        );
        runner
            .run(cancel, move |i, exchange| {
                let case = &plan.cases[i];
                let verdict = judge.judge(&plan, case, exchange);
                let status = verdict.status;
                if let Ok(mut verdicts) = verdicts.lock() {
                    verdicts[i] = Some(verdict);
                }
                control.emit(Event::CaseFinished {
                    name: case.name.clone(),
                    status,
                });
                if matches!(status, Status::Failed | Status::Error) {
                    let n = failed.fetch_add(1, Ordering::AcqRel) + 1;
                    if control.max_failures.is_some_and(|max| n >= max) {
                        if !stopped.swap(true, Ordering::AcqRel) {
                            control.emit(Event::Stopping { failures: n });
                        }
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            })
            .await
    };
    let verdicts = std::mem::take(&mut *verdicts.lock().unwrap_or_else(|e| e.into_inner()));
    Sent {
        exchanges,
        verdicts,
        stopped: stopped.load(Ordering::Acquire),
    }
}

/// What turns a case's exchange into its line of the report.
struct Reporting<'a> {
    judge: &'a Judge,
    plan: &'a plan::Plan,
    redactor: &'a redact::Redactor,
    snapshots: Option<&'a SnapshotRun>,
    credentials: &'a [&'a str],
}

impl Reporting<'_> {
    /// The case's result: its verdict (judged now if it was not as it ended), redacted, with
    /// its snapshot compared and, for a failure, the request to send again by hand.
    fn case(&self, case: &plan::Case, exchange: &exec::Exchange, verdict: Option<Verdict>) -> CaseResult {
        let redactor = self.redactor;
        let Verdict {
            mut status,
            failures,
            known,
            checks_run,
            not_judged,
        } = verdict.unwrap_or_else(|| self.judge.judge(self.plan, case, exchange));
        let text = snapshot::render(case, exchange, redactor);
        let redacted = |mut c: checks::Check| {
            c.message = redactor.message(&c.message);
            c
        };
        let failures: Vec<checks::Check> = failures.into_iter().map(redacted).collect();
        let known: Vec<report::Known> = known
            .into_iter()
            .map(|k| report::Known {
                check: redacted(k.check),
                ..k
            })
            .collect();
        let mut error = exchange
            .error
            .as_ref()
            .or_else(|| exchange.main.as_ref().and_then(|m| m.received.as_ref().err()))
            .map(ToString::to_string)
            .or_else(|| exchange.skipped.clone())
            .or(not_judged)
            .map(|e| redactor.message(&e));
        // A fuzz case's request is drawn anew with each seed: no answer of it is kept.
        let snapshots = self.snapshots.filter(|_| case.fuzzed.is_none());
        let snapshot = match (snapshots, status) {
            (Some(s), Status::Passed | Status::Failed | Status::Known | Status::Error) => {
                match snapshot::compare(&s.dir, &case.name, &text, s.update) {
                    Ok(outcome) => Some(outcome),
                    // The case's answer cannot be kept: an error of the case, not of the run.
                    Err(e) => {
                        error = Some(format!("snapshot: {e}"));
                        status = Status::Error;
                        None
                    }
                }
            }
            _ => None,
        };
        // A failure comes with the request to send again by hand: the case's own, or the
        // step that broke (a setup create). Literal except for the credentials, which
        // `Sent` never holds; replacing them again here only guards against a server echo.
        let request = matches!(status, Status::Failed | Status::Known | Status::Error)
            .then(|| exchange.main.as_ref().or(exchange.steps.last()))
            .flatten()
            .map(|step| report::Request::from_sent(&step.sent, self.credentials));
        CaseResult {
            name: case.name.clone(),
            operation: case.operation.clone(),
            expect: case.expect,
            varied: redactor.message(&case.varied),
            curl: request.as_ref().and_then(|r| r.curl.clone()),
            request,
            status,
            failures,
            known,
            checks_run,
            answered: exchange
                .main
                .as_ref()
                .and_then(|m| m.received.as_ref().ok())
                .map(|r| r.status),
            error,
            snapshot,
            exchange: text,
            delivery_wait_ms: exchange
                .deliveries
                .as_ref()
                .map(|d| u64::try_from(d.waited.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_run_tag_never_repeats_even_without_randomness() {
        assert_eq!(super::tag(Some(0x0a0b_0c0d)), "cfm-0a0b0c0d");
        assert_eq!(super::tag(Some(0)), "cfm-00000000");
        let fallbacks: std::collections::HashSet<String> = (0..100).map(|_| super::tag(None)).collect();
        assert_eq!(fallbacks.len(), 100);
        for tag in &fallbacks {
            let hex = tag.strip_prefix(super::TAG_PREFIX).unwrap();
            assert!(hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{tag}");
            assert!(crate::plan::carries_tag(tag), "{tag}");
        }
        assert_ne!(super::new_tag(), super::new_tag());
    }
}
