//! `conformance run|list|sweep|merge|baseline|checks`: the runner from the command line.
//!
//! Exit codes: 0 when every check and snapshot passes, 1 when any fails, 2 for a usage,
//! spec, TLS, connection or credential problem that stopped the run; after SIGINT, SIGTERM or
//! SIGHUP (what the run made cleaned up first) 130, 143 or 129. Credentials come from the
//! environment only: `CONFORMANCE_TOKEN`, and `CONFORMANCE_TOKEN_ALT` for a second tenant
//! (`--help` says which form each security scheme takes).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use conformance::config::{Config, Date};
use conformance::exec::{CaCertificate, Runner, Settings, Target};
use conformance::report::{Report, Status};
use conformance::{Control, RunError, Suite, TlsProblem, plan};

mod progress;

/// The environment, and the form a credential takes, for `--help`.
const ENVIRONMENT: &str = "\
Environment:
  CONFORMANCE_TOKEN      the credential, placed as the operation's security scheme says:
                           apiKey (header, query, cookie): the key itself
                           http bearer (and oauth2):       the token (sent as `Bearer <token>`)
                           http basic:                     `user:pass` (split at the first colon;
                                                           without a colon the run stops)
                         With --auth-header NAME: the whole value of header NAME, sent
                         on every request (for a spec that declares no security scheme).
  CONFORMANCE_TOKEN_ALT  optional: a second tenant's credential, in the same form; turns on
                         the isolation cases (*.tenant.isolated). Equal to CONFORMANCE_TOKEN,
                         those cases are skipped.
  SSL_CERT_FILE          a PEM bundle to trust instead of the platform's roots (SSL_CERT_DIR: a
                         folder), as curl reads it
  HTTPS_PROXY            the proxy for https URLs (also https_proxy, ALL_PROXY; HTTP_PROXY for
                         http URLs)
  NO_PROXY               hosts, domains, IPs and CIDR ranges that go around the proxy (* for all)
  CI                     `true`: a new or changed snapshot fails the run and nothing is written
  INSTA_UPDATE           what happens to new or changed snapshots: auto, always (accept), new,
                         unseen (accept new ones only), no (write nothing), force

Before the cases, `run` sends one GET that needs no parameters per credential: a 401 or 403
stops the run naming the credential; a 404 to every probe names the spec's path prefix.
Each failure shows the absolute URL, the headers (credentials masked), the body, and a curl
command that reads the credential from the variables above.

Exit codes: 0 every check and snapshot passed, 1 some failed, 2 the run could not start or
was stopped (usage, spec, TLS, connection, refused credential, timeouts).";

#[derive(Parser)]
#[command(
    name = "conformance",
    about = "Send every edge case a spec implies to a server and check the answers",
    after_help = ENVIRONMENT
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
    /// Only this operationId (repeatable); an unknown one is an error that lists the spec's.
    #[arg(long = "operation", value_name = "ID")]
    operations: Vec<String>,
    /// Skips, expected statuses, extra headers and known deviations (TOML); without it,
    /// `conformance.toml` beside the spec is read when there is one.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Refuse a spec with defects the generator works around (its warnings), exit 2: for CI.
    #[arg(long)]
    strict: bool,
    /// Read the documents the spec's `$ref`s name under the URL PREFIX from FOLDER
    /// (repeatable); nothing is fetched, and a URL no prefix maps is refused by name.
    /// Files next to the spec need no mapping.
    #[arg(long = "map-url", value_name = "PREFIX=FOLDER", value_parser = generator::lower::Options::url_mapping)]
    map_urls: Vec<(String, PathBuf)>,
}

impl Spec {
    /// The configuration for this spec: `--config`, else the file beside the spec, else none.
    fn config(&self) -> anyhow::Result<Config> {
        Ok(match Config::path_for(&self.spec, self.config.as_deref()) {
            Some(file) => Config::load(&file)?,
            None => Config::default(),
        })
    }
}

#[derive(clap::Args)]
struct Server {
    /// Replaces the spec's server URL (http:// or https://).
    #[arg(long)]
    base_url: String,
    /// Also trust the certificate authorities in this PEM file (it may hold several), for a
    /// server whose certificate a private CA signed, or the server's own self-signed
    /// certificate (as curl --cacert takes it). Repeatable. The platform's roots (or
    /// SSL_CERT_FILE / SSL_CERT_DIR) stay trusted; HTTPS_PROXY and NO_PROXY apply.
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// Send CONFORMANCE_TOKEN (CONFORMANCE_TOKEN_ALT for the second tenant) as this header on
    /// every request, in place of the spec's security schemes: for a spec that declares none
    /// (`--auth-header Authorization` with `Bearer <token>` in the variable, `--auth-header
    /// X-Api-Key` with the key).
    #[arg(long, value_name = "NAME")]
    auth_header: Option<String>,
}

// Parsed once per process: the size of `Run`'s many options costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(clap::Args)]
struct RunArgs {
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
    /// Stop the run (exit 2) after this many requests in a row timed out; 0 never stops.
    #[arg(long, default_value_t = 5, value_name = "N")]
    max_timeouts: u32,
    /// Write the results as JSON here.
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Write the results as JUnit XML here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Send only GET, HEAD, OPTIONS and QUERY: nothing on the server is created, changed or deleted.
    #[arg(long)]
    read_only: bool,
    /// Also send the cases that create resources this run cannot delete (the spec links,
    /// and the runner can infer, no delete operation for them); they stay on the server.
    #[arg(long)]
    allow_leftovers: bool,
    /// Stop sending new cases once N have failed (the cases in flight finish, what the
    /// run created is removed, and the report holds what ran); exit 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_failures: Option<u64>,
    /// Run only these checks (comma-separated or repeated; `conformance checks` lists them).
    #[arg(long = "checks", value_name = "NAME", value_delimiter = ',')]
    checks: Vec<String>,
    /// Leave these checks out (comma-separated or repeated).
    #[arg(long = "exclude-checks", value_name = "NAME", value_delimiter = ',')]
    exclude_checks: Vec<String>,
    /// Write every exchange of the cases (setup, request, follow-ups) here as HAR 1.2,
    /// redacted as snapshots are, for browser devtools and replay tools.
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,
    /// Send only shard I of N (1-based): a stable share of the cases by name, for a CI
    /// matrix; `conformance merge` adds the shards' JSON reports up.
    #[arg(long, value_name = "I/N")]
    shard: Option<conformance::shard::Shard>,
    /// Where the delivery receiver listens (delivery cases need `[delivery]` in
    /// conformance.toml); port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    receiver_listen: std::net::SocketAddr,
    /// The public URL that forwards to the receiver (a tunnel, for a server that cannot
    /// reach this machine): written into the webhooks the run creates.
    #[arg(long, value_name = "URL")]
    receiver_url: Option<String>,
    /// Publish even when webhooks the run did not make would take its events (a `*`,
    /// null or [] filter): their owners get the run's deliveries.
    #[arg(long)]
    allow_foreign_deliveries: bool,
    /// No delivery case waits longer than this, whatever `[delivery]` says.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    delivery_cap_secs: u64,
    /// The phases planned: `coverage` (each keyword's edges), `fuzz` (requests generated
    /// from the schemas, a failing one shrunk), `stateful` (sequences over the resources).
    #[arg(long, value_name = "LIST", default_value = "coverage,stateful")]
    phases: String,
    /// Where the fuzz phase's randomness starts; the summary prints it, and the same seed
    /// sends the same requests. Random when not given.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Valid requests the fuzz phase draws per operation (each followed by an invalid one).
    #[arg(long, value_name = "N", default_value_t = 10)]
    max_examples: u32,
    /// The fuzz phase's time, from the start of the run: fuzz cases not started by then are
    /// skipped (saying so) and shrinking stops.
    #[arg(long, value_name = "SECONDS")]
    fuzz_seconds: Option<u64>,
    /// Steps of each seeded stateful walk over a resource (8 by default).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    max_steps: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every case against a server.
    #[command(after_help = ENVIRONMENT)]
    Run(Box<RunArgs>),
    /// Print a `conformance.toml` that marks each failed check of a run as a known deviation,
    /// until 30 days from today, with a reason to replace; paste it into the configuration.
    Baseline {
        /// The run's JSON report (`run --report-json`).
        #[arg(long)]
        report: PathBuf,
        /// Write it here instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Merge the JSON reports of a suite's shards (`run --shard I/N --report-json ...`) into one
    /// summary, and one JSON and one JUnit file; exit 1 when any shard failed.
    Merge {
        /// The shards' JSON reports, all N of one split.
        #[arg(required = true, value_name = "REPORT")]
        reports: Vec<PathBuf>,
        /// Write the merged results as JSON here.
        #[arg(long)]
        report_json: Option<PathBuf>,
        /// Write the merged results as JUnit XML here.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// List the checks: name, severity, and what each judges.
    Checks {
        /// As the Markdown table of docs/checks.md.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the cases without sending anything.
    List {
        #[command(flatten)]
        spec: Spec,
        /// The plan of `run --read-only`.
        #[arg(long)]
        read_only: bool,
        /// The plan of `run --allow-leftovers`.
        #[arg(long)]
        allow_leftovers: bool,
        /// The cases of `run --shard I/N`.
        #[arg(long, value_name = "I/N")]
        shard: Option<conformance::shard::Shard>,
    },
    /// Remove what interrupted runs left behind: listed resources whose tagged fields hold a
    /// run tag (`cfm-` and 8 lowercase hex), every page of the list; nothing else.
    Sweep {
        #[command(flatten)]
        spec: Spec,
        #[command(flatten)]
        server: Server,
        /// List what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn load(spec: &Spec) -> anyhow::Result<generator::Api> {
    // The generator's message already names the file, line and column.
    let options = generator::lower::Options {
        documents: spec.map_urls.clone(),
        ..generator::lower::Options::default()
    };
    let api = generator::read(&spec.spec, options)?.api;
    // What the generator assumed about a defective spec is what the cases are made from.
    let label = if spec.strict { "error" } else { "warning" };
    for warning in &api.warnings {
        eprintln!("{label}: {warning}");
    }
    if spec.strict && !api.warnings.is_empty() {
        anyhow::bail!(
            "{}: {} warning(s), which --strict makes errors",
            spec.spec.display(),
            api.warnings.len()
        );
    }
    Ok(api)
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
        RunError::CredentialRefused { .. }
        | RunError::CredentialUnusable { .. }
        | RunError::CredentialNotBasic { .. } => {
            Some("see `conformance run --help` for the form the credential takes for each security scheme")
        }
        RunError::Unreachable { .. } => {
            Some("is the server running, and is --base-url right? HTTPS_PROXY/HTTP_PROXY and NO_PROXY apply")
        }
        _ => None,
    }
}

async fn command(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Baseline { report, out } => baseline(&report, out),
        Command::Merge {
            reports,
            report_json,
            junit,
        } => {
            let report = merge(&reports)?;
            write_results(&report, report_json, junit)?;
            Ok(exit_code(report.passed()))
        }
        Command::Checks { markdown: true } => {
            print!("{}", conformance::checks::markdown_table());
            Ok(ExitCode::SUCCESS)
        }
        Command::Checks { markdown: false } => {
            for check in conformance::checks::CHECKS {
                println!("{:<30} {:<9} {}", check.id, check.severity.as_str(), check.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            spec,
            read_only,
            allow_leftovers,
            shard,
        } => list(
            &spec,
            plan::Safety {
                read_only,
                allow_leftovers,
            },
            shard,
        ),
        Command::Sweep { spec, server, dry_run } => sweep(spec, server, dry_run).await,
        Command::Run(args) => run(*args).await,
    }
}

/// 0 when everything passed, 1 when something failed.
fn exit_code(passed: bool) -> ExitCode {
    if passed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// `conformance baseline`: a report's failures as known deviations for 30 days.
fn baseline(report: &Path, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(report).with_context(|| format!("{}", report.display()))?;
    let parsed: Report = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a JSON report of `conformance run --report-json`",
            report.display()
        )
    })?;
    let today = Date::today();
    let baseline = Config::baseline(&parsed, today, today.plus_days(30));
    match out {
        Some(path) => std::fs::write(&path, baseline).with_context(|| format!("{}", path.display()))?,
        None => print!("{baseline}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `conformance list`: the plan, as `run` would send it.
fn list(spec: &Spec, safety: plan::Safety, shard: Option<conformance::shard::Shard>) -> anyhow::Result<ExitCode> {
    let api = load(spec)?;
    conformance::check_operations(&api, &spec.operations)?;
    let mut plan = conformance::plan_with(&api, "cfm-00000000", &spec.operations, safety);
    let config = spec.config()?;
    config.apply_skips(&mut plan);
    conformance::leave_out_deliveries(&mut plan, config.delivery.as_ref());
    if let Some(shard) = shard {
        plan.cases.retain(|c| shard.holds(&c.name));
    }
    // What would be left out for leftovers, before the cases, as `run` says it.
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    for kind in &plan.resources {
        println!("resource: {}", kind.describe());
    }
    for case in &plan.cases {
        println!("{:<64} {:<13} {}", case.name, case.expect.as_str(), case.varied);
    }
    for note in &plan.notes {
        println!("note: {note}");
    }
    println!("{} cases", plan.cases.len());
    Ok(ExitCode::SUCCESS)
}

/// `conformance sweep`: finds, and unless `dry_run` removes, what earlier runs left.
async fn sweep(spec: Spec, server: Server, dry_run: bool) -> anyhow::Result<ExitCode> {
    let api = load(&spec)?;
    conformance::check_operations(&api, &spec.operations)?;
    let plan = Arc::new(conformance::plan(&api, "cfm-00000000", &[]));
    // The configuration's headers go with the sweep's requests too.
    let settings = Settings {
        headers: spec.config()?.headers,
        auth_header: server.auth_header.clone(),
        ..Settings::default()
    };
    let runner = Runner::new(plan, target(server)?, settings)?;
    runner.preflight().await?;
    let swept = runner.sweep(dry_run).await?;
    for note in &swept.notes {
        eprintln!("note: {note}");
    }
    for found in &swept.found {
        println!("{} {found}", if dry_run { "would remove" } else { "found" });
    }
    if dry_run {
        println!("dry run: {} leftover resources found, none removed", swept.found.len());
    } else {
        println!("removed {} leftover resources", swept.removed);
    }
    for f in &swept.failures {
        eprintln!("could not remove: {f}");
    }
    Ok(exit_code(swept.failures.is_empty()))
}

/// `conformance run`: the suite its arguments make, run until done or a signal.
async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let har = args.har.clone();
    let (report_json, junit) = (args.report_json.clone(), args.junit.clone());
    let max_failures = args.max_failures.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let suite = suite(args)?;
    // Listening starts now, before anything is sent: a signal from here on stops the
    // cases and lets the run clean up instead of killing it.
    let mut stop = Stop::listen()?;
    let received = Arc::new(std::sync::atomic::AtomicI32::new(0));
    let seen = received.clone();
    let cancel = async move {
        let signal = stop.next().await;
        seen.store(signal, std::sync::atomic::Ordering::SeqCst);
        eprintln!(
            "\n{}: no new requests; waiting for those in flight, then cleaning up what this run created",
            signal_name(signal)
        );
    };
    let control = Control {
        events: Some(progress::listener()),
        max_failures,
    };
    let report = conformance::run_with(suite, cancel, control).await?;
    if let (Some(path), Some(log)) = (&har, &report.har) {
        let text = serde_json::to_string_pretty(log).context("HAR")?;
        std::fs::write(path, text).with_context(|| format!("{}", path.display()))?;
    }
    write_results(&report, report_json, junit)?;
    let signal = received.load(std::sync::atomic::Ordering::SeqCst);
    if signal != 0 {
        if !report.cleanup_failures.is_empty() {
            eprintln!("some resources may remain: `conformance sweep` removes what carries a run tag");
        }
        // As a shell reports a process a signal ended: 128 + the signal's number.
        return Ok(ExitCode::from(128 + signal as u8));
    }
    Ok(exit_code(report.passed()))
}

/// The suite `conformance run`'s arguments describe.
fn suite(args: RunArgs) -> anyhow::Result<Suite> {
    let checks = conformance::checks::Selection::new(&args.checks, &args.exclude_checks)?;
    let api = load(&args.spec)?;
    let config = Arc::new(args.spec.config()?);
    let timeout = args.timeout;
    if !(timeout > 0.0 && timeout.is_finite()) {
        bail!("--timeout must be a positive number of seconds");
    }
    let auth_header = args.server.auth_header.clone();
    let fuzz = conformance::plan::fuzz::FuzzSettings {
        seed: args.seed.unwrap_or_else(conformance::plan::fuzz::random_seed),
        max_examples: args.max_examples,
    };
    let phases = conformance::plan::fuzz::Phases {
        max_steps: args.max_steps.map(|n| n as usize),
        ..conformance::plan::fuzz::Phases::parse(&args.phases, fuzz).map_err(|e| anyhow::anyhow!("--phases: {e}"))?
    };
    Ok(Suite {
        name: name_of(&args.spec.spec),
        api,
        target: target(args.server)?,
        settings: Settings {
            concurrency: args.concurrency,
            timeout: Duration::from_secs_f64(timeout),
            read_only: args.read_only,
            allow_leftovers: args.allow_leftovers,
            // Requests in flight at a signal get their timeout to answer, within reason.
            drain: Duration::from_secs_f64(timeout).min(Duration::from_secs(30)) + Duration::from_secs(1),
            max_timeouts: args.max_timeouts,
            auth_header,
            receiver: conformance::exec::ReceiverOptions {
                listen: args.receiver_listen,
                public_url: args.receiver_url,
                allow_foreign: args.allow_foreign_deliveries,
                cap: Duration::from_secs(args.delivery_cap_secs),
            },
            fuzz_budget: args.fuzz_seconds.map(Duration::from_secs),
            ..Settings::default()
        },
        options: conformance::RunOptions {
            checks,
            shard: args.shard,
            config,
            har: args.har.is_some(),
            phases,
            ..conformance::RunOptions::default()
        },
        snapshots: args.snapshots.map(absolute),
        operations: args.spec.operations,
    })
}

/// Prints the summary and its last line, and writes the JSON and JUnit files asked for.
fn write_results(report: &Report, report_json: Option<PathBuf>, junit: Option<PathBuf>) -> anyhow::Result<()> {
    print!("{}", report.summary());
    for (path, text) in [(report_json, report.json()), (junit, report.junit())] {
        if let Some(path) = path {
            std::fs::write(&path, text).with_context(|| format!("{}", path.display()))?;
        }
    }
    let known = match report.count(Status::Known) {
        0 => String::new(),
        n => format!(", {n} known deviations"),
    };
    println!(
        "{} passed, {} failed{known}",
        report.count(Status::Passed),
        report.count(Status::Failed) + report.count(Status::Error)
    );
    Ok(())
}

/// The merged report of the shards' JSON reports.
fn merge(paths: &[PathBuf]) -> anyhow::Result<Report> {
    let mut reports = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        let report: Report = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a JSON report of `conformance run --report-json`",
                path.display()
            )
        })?;
        reports.push((path.display().to_string(), report));
    }
    Ok(conformance::report::merge(reports)?)
}

/// The signals that stop a run: SIGINT (Ctrl-C), SIGTERM (CI cancellations, timeouts) and
/// SIGHUP (a closed terminal).
struct Stop {
    #[cfg(unix)]
    streams: [tokio::signal::unix::Signal; 3],
}

#[cfg(unix)]
const SIGNALS: [i32; 3] = [2, 15, 1];

impl Stop {
    #[cfg(unix)]
    fn listen() -> anyhow::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        let on =
            |n: i32| signal(SignalKind::from_raw(n)).with_context(|| format!("cannot listen for {}", signal_name(n)));
        Ok(Stop {
            streams: [on(SIGNALS[0])?, on(SIGNALS[1])?, on(SIGNALS[2])?],
        })
    }

    #[cfg(not(unix))]
    fn listen() -> anyhow::Result<Stop> {
        Ok(Stop {})
    }

    /// The number of the first signal received.
    #[cfg(unix)]
    async fn next(&mut self) -> i32 {
        let [int, term, hup] = &mut self.streams;
        tokio::select! {
            _ = int.recv() => SIGNALS[0],
            _ = term.recv() => SIGNALS[1],
            _ = hup.recv() => SIGNALS[2],
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> i32 {
        let _ = tokio::signal::ctrl_c().await;
        2
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}
