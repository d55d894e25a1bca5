//! `conformance run|list|sweep`: the runner from the command line.
//!
//! Exit codes: 0 when every check and snapshot passes, 1 when any fails, 2 for a usage,
//! spec or connection problem that stopped the run. Credentials come from the environment
//! only: `CONFORMANCE_TOKEN`, and `CONFORMANCE_TOKEN_ALT` for a second tenant.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use conformance::exec::{Runner, Settings, Target};
use conformance::{Suite, plan};

#[derive(Parser)]
#[command(
    name = "conformance",
    about = "Send every edge case a spec implies to a server and check the answers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Spec {
    /// The OpenAPI document.
    #[arg(long)]
    spec: PathBuf,
    /// Only this operationId (repeatable).
    #[arg(long = "operation")]
    operations: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every case against a server.
    Run {
        #[command(flatten)]
        spec: Spec,
        /// Replaces the spec's server URL.
        #[arg(long)]
        base_url: String,
        /// Compare each answer with its insta snapshot in this folder.
        #[arg(long)]
        snapshots: Option<PathBuf>,
        /// Cases in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Seconds before a request counts as timed out.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
        /// Write the results as JSON here.
        #[arg(long)]
        report_json: Option<PathBuf>,
        /// Write the results as JUnit XML here.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// Print the cases without sending anything.
    List {
        #[command(flatten)]
        spec: Spec,
    },
    /// Remove what an interrupted run left behind (resources carrying a runner tag).
    Sweep {
        #[command(flatten)]
        spec: Spec,
        #[arg(long)]
        base_url: String,
    },
}

fn load(path: &Path) -> Result<generator::Api, ExitCode> {
    generator::load(path).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn name_of(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("api").to_owned()
}

fn target(base_url: String) -> Target {
    let token = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Target {
        base_url,
        token: token("CONFORMANCE_TOKEN"),
        token_alt: token("CONFORMANCE_TOKEN_ALT"),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List { spec } => {
            let api = match load(&spec.spec) {
                Ok(api) => api,
                Err(code) => return code,
            };
            let plan = plan::plan(&api, "cfm-00000000", &spec.operations);
            for case in &plan.cases {
                let expect = serde_json::to_value(case.expect)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                println!("{:<64} {:<13} {}", case.name, expect, case.varied);
            }
            for note in &plan.notes {
                println!("note: {note}");
            }
            println!("{} cases", plan.cases.len());
            ExitCode::SUCCESS
        }
        Command::Sweep { spec, base_url } => {
            let api = match load(&spec.spec) {
                Ok(api) => api,
                Err(code) => return code,
            };
            let plan = Arc::new(plan::plan(&api, "cfm-sweep", &[]));
            let runner = match Runner::new(plan, target(base_url), Settings::default()) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match runner.sweep().await {
                Ok((removed, failures)) => {
                    println!("removed {removed} leftover resources");
                    for f in &failures {
                        eprintln!("could not remove: {f}");
                    }
                    if failures.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Run {
            spec,
            base_url,
            snapshots,
            concurrency,
            timeout,
            report_json,
            junit,
        } => {
            let api = match load(&spec.spec) {
                Ok(api) => api,
                Err(code) => return code,
            };
            if !(timeout > 0.0 && timeout.is_finite()) {
                eprintln!("error: --timeout must be a positive number of seconds");
                return ExitCode::from(2);
            }
            let suite = Suite {
                name: name_of(&spec.spec),
                api,
                target: target(base_url),
                settings: Settings {
                    concurrency,
                    timeout: Duration::from_secs_f64(timeout),
                    ..Settings::default()
                },
                snapshots: snapshots.map(absolute),
                operations: spec.operations,
            };
            let cancel = async {
                let _ = tokio::signal::ctrl_c().await;
                eprintln!("\ninterrupted: cleaning up what this run created");
            };
            let report = match conformance::run(suite, cancel).await {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            print!("{}", report.summary());
            let written = [(report_json, report.json()), (junit, report.junit())]
                .into_iter()
                .filter_map(|(path, text)| path.map(|p| (p, text)))
                .map(|(p, text)| std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display())))
                .collect::<Result<Vec<()>, String>>();
            if let Err(e) = written {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            println!(
                "{} passed, {} failed",
                report.count(conformance::report::Status::Passed),
                report.cases.len()
                    - report.count(conformance::report::Status::Passed)
                    - report.count(conformance::report::Status::Skipped)
            );
            if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}
