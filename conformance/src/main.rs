//! `conformance run|list|sweep`: the runner from the command line.
//!
//! Exit codes: 0 when every check and snapshot passes, 1 when any fails, 2 for a usage,
//! spec, TLS or connection problem that stopped the run. Credentials come from the
//! environment only: `CONFORMANCE_TOKEN`, and `CONFORMANCE_TOKEN_ALT` for a second tenant.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use conformance::exec::{CaCertificate, Runner, Settings, Target};
use conformance::{Control, RunError, Suite, TlsProblem, plan};

mod progress;

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

#[derive(clap::Args)]
struct Server {
    /// Replaces the spec's server URL (http:// or https://).
    #[arg(long)]
    base_url: String,
    /// Also trust the certificate authorities in this PEM file (it may hold several), for a
    /// server whose certificate a private CA signed. Repeatable. The platform's roots (or
    /// SSL_CERT_FILE / SSL_CERT_DIR) stay trusted; HTTPS_PROXY and NO_PROXY apply.
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every case against a server.
    Run {
        #[command(flatten)]
        spec: Spec,
        #[command(flatten)]
        server: Server,
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
        /// Stop sending new cases once N have failed (the cases in flight finish, what the
        /// run created is removed, and the report holds what ran); exit 1.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        max_failures: Option<u64>,
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
        #[command(flatten)]
        server: Server,
    },
}

fn load(path: &Path) -> anyhow::Result<generator::Api> {
    // The generator's message already names the file, line and column.
    Ok(generator::load(path)?)
}

fn name_of(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("api").to_owned()
}

fn target(server: Server) -> anyhow::Result<Target> {
    let token = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut ca_certs = Vec::new();
    for path in &server.ca_certs {
        ca_certs.extend(CaCertificate::from_pem_file(path).context("--ca-cert")?);
    }
    Ok(Target {
        base_url: server.base_url,
        token: token("CONFORMANCE_TOKEN"),
        token_alt: token("CONFORMANCE_TOKEN_ALT"),
        ca_certs,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match command(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(hint) = hint(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

/// What to do about a problem that stopped the run, in this command's terms.
fn hint(error: &anyhow::Error) -> Option<&'static str> {
    match error.chain().find_map(|e| e.downcast_ref::<RunError>())? {
        RunError::Tls {
            problem: TlsProblem::NotTrusted { .. },
            ..
        } => Some(
            "if a private certificate authority signed the server's certificate, pass it with \
             --ca-cert FILE (PEM), or set SSL_CERT_FILE to a bundle that includes it",
        ),
        RunError::Tls {
            problem: TlsProblem::WrongName { .. },
            ..
        } => Some("use a host name the certificate names in --base-url"),
        RunError::Tls {
            problem: TlsProblem::NotTls { .. },
            ..
        } => Some("if the server speaks plain HTTP, use http:// in --base-url"),
        RunError::Unreachable { .. } => {
            Some("is the server running, and is --base-url right? HTTPS_PROXY/HTTP_PROXY and NO_PROXY apply")
        }
        _ => None,
    }
}

async fn command(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::List { spec } => {
            let api = load(&spec.spec)?;
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep { spec, server } => {
            let api = load(&spec.spec)?;
            let plan = Arc::new(plan::plan(&api, "cfm-sweep", &[]));
            let runner = Runner::new(plan, target(server)?, Settings::default())?;
            runner.preflight().await?;
            let (removed, failures) = runner.sweep().await?;
            println!("removed {removed} leftover resources");
            for f in &failures {
                eprintln!("could not remove: {f}");
            }
            Ok(if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Run {
            spec,
            server,
            snapshots,
            concurrency,
            timeout,
            report_json,
            junit,
            max_failures,
        } => {
            let api = load(&spec.spec)?;
            if !(timeout > 0.0 && timeout.is_finite()) {
                bail!("--timeout must be a positive number of seconds");
            }
            let suite = Suite {
                name: name_of(&spec.spec),
                api,
                target: target(server)?,
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
            let control = Control {
                events: progress::bar(),
                max_failures: max_failures.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            };
            let report = conformance::run_with(suite, cancel, control).await?;
            print!("{}", report.summary());
            for (path, text) in [(report_json, report.json()), (junit, report.junit())] {
                if let Some(path) = path {
                    std::fs::write(&path, text).with_context(|| format!("{}", path.display()))?;
                }
            }
            println!(
                "{} passed, {} failed",
                report.count(conformance::report::Status::Passed),
                report.cases.len()
                    - report.count(conformance::report::Status::Passed)
                    - report.count(conformance::report::Status::Skipped)
            );
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}
