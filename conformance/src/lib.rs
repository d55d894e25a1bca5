//! The conformance runner: every edge case a spec implies, sent to a server, each answer
//! checked against the spec and snapshot-tested with insta.
//!
//! [`plan`] derives cases from the generator's model; [`exec`] sends them, making and
//! removing its own resources; [`checks`] judges each answer; [`redact`] and [`snapshot`]
//! turn answers into stable insta snapshots; [`report`] prints and writes the results.

pub mod checks;
pub mod error;
pub mod exec;
pub mod plan;
pub mod redact;
pub mod report;
pub mod snapshot;

use std::future::Future;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use generator::model::Api;

pub use error::{RunError, TlsProblem};
use exec::{Runner, Settings, Target};
use report::{CaseResult, Report, SnapshotRun, Status};

/// Every value a run creates carries `cfm-<8 hex>`; `sweep` looks for this prefix.
pub const TAG_PREFIX: &str = "cfm-";

/// A fresh run tag.
pub fn new_tag() -> String {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    format!(
        "{TAG_PREFIX}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// One suite: a spec against a server.
pub struct Suite {
    /// A name for reports (the spec's file stem).
    pub name: String,
    pub api: Api,
    pub target: Target,
    pub settings: Settings,
    /// Compare each answer with its insta snapshot here.
    pub snapshots: Option<PathBuf>,
    /// Only these operationIds (all when empty).
    pub operations: Vec<String>,
}

/// Runs a suite; `Err` is a problem that stopped it before its cases (exit 2): no plan,
/// no server, a TLS handshake that fails, snapshots that cannot be kept.
pub async fn run(suite: Suite, cancel: impl Future<Output = ()>) -> Result<Report, RunError> {
    let tag = new_tag();
    let plan = Arc::new(plan::plan(&suite.api, &tag, &suite.operations));
    if plan.cases.is_empty() {
        return Err(RunError::NoCases {
            suite: suite.name.clone(),
            filtered: !suite.operations.is_empty(),
        });
    }
    let snapshots = match &suite.snapshots {
        Some(dir) => {
            snapshot::check_names(plan.cases.iter().map(|c| c.name.as_str()))?;
            let update = snapshot::Update::from_env()?;
            std::fs::create_dir_all(dir)
                .map_err(|e| RunError::Snapshots(format!("cannot make {}: {e}", dir.display())))?;
            Some(SnapshotRun {
                dir: dir.clone(),
                update,
            })
        }
        None => None,
    };
    let runner = Arc::new(Runner::new(plan.clone(), suite.target.clone(), suite.settings.clone())?);
    runner.preflight().await?;
    let total = plan.cases.len();
    let done = Arc::new(AtomicUsize::new(0));
    let terminal = std::io::stderr().is_terminal();
    let name = suite.name.clone();
    let counter = done.clone();
    let exchanges = runner
        .run(cancel, move |_| {
            let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
            if terminal {
                const WIDTH: usize = 30;
                let filled = n * WIDTH / total.max(1);
                eprint!(
                    "\r{name} [{}{}] {n}/{total} cases",
                    "#".repeat(filled),
                    "-".repeat(WIDTH - filled)
                );
            }
        })
        .await;
    if terminal {
        eprintln!();
    }
    let interrupted = exchanges.iter().any(Option::is_none);
    let cleanup_failures = runner.cleanup().await;

    let credentials: Vec<&str> = [suite.target.token.as_deref(), suite.target.token_alt.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut redactor = redact::Redactor::new(&tag, &credentials).with_base_url(&suite.target.base_url);
    for exchange in exchanges.iter().flatten() {
        snapshot::learn(&mut redactor, exchange);
    }
    let mut cases = Vec::new();
    for (case, exchange) in plan.cases.iter().zip(&exchanges) {
        let Some(exchange) = exchange else { continue };
        let text = snapshot::render(case, exchange, &redactor);
        let mut failures: Vec<checks::Check> = Vec::new();
        let mut checks_run = 0;
        let status = if exchange.skipped.is_some() {
            Status::Skipped
        } else if exchange.error.is_some() || exchange.main.as_ref().is_some_and(|m| m.received.is_err()) {
            Status::Error
        } else {
            let all = checks::check(&plan, case, exchange);
            checks_run = all.len();
            failures = all
                .into_iter()
                .filter(|c| !c.passed)
                .map(|mut c| {
                    c.message = redactor.message(&c.message);
                    c
                })
                .collect();
            if failures.is_empty() {
                Status::Passed
            } else {
                Status::Failed
            }
        };
        let mut error = exchange
            .error
            .clone()
            .or_else(|| exchange.main.as_ref().and_then(|m| m.received.as_ref().err().cloned()))
            .or_else(|| exchange.skipped.clone())
            .map(|e| redactor.message(&e));
        let mut status = status;
        let snapshot = match (&snapshots, status) {
            (Some(s), Status::Passed | Status::Failed | Status::Error) => {
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
        cases.push(CaseResult {
            name: case.name.clone(),
            operation: case.operation.clone(),
            expect: case.expect,
            varied: redactor.message(&case.varied),
            status,
            failures,
            checks_run,
            error,
            snapshot,
            exchange: text,
        });
    }
    Ok(Report {
        api: suite.name,
        cases,
        cleanup_failures,
        notes: plan.notes.clone(),
        interrupted,
        snapshots,
    })
}
