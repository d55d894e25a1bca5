//! `cargo xtask conformance`: the four reference servers in-process on loopback, each spec's
//! suite against its server, with the committed snapshots in `conformance/snapshots/<api>/`.

use std::process::ExitCode;

use conformance::exec::{Settings, Target};
use conformance::report::Status;
use reference::{Api, Options};

use crate::codegen::root;

const KEY: &str = reference::EMBEDDED_KEYS[0];
const KEY_ALT: &str = reference::EMBEDDED_KEYS[1];
/// The reference servers' retry backoff in these runs (1000 ms by default).
const FAST_BACKOFF_MS: u64 = 20;

pub fn run() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run_all())
}

/// Every phase: the snapshotted coverage and stateful cases, and a fuzz phase of the default
/// size from a fresh seed (printed in each summary; `CONFORMANCE_SEED=N` draws the same again).
fn phases() -> conformance::plan::fuzz::Phases {
    let seed = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(conformance::plan::fuzz::random_seed);
    conformance::plan::fuzz::Phases {
        fuzz: Some(conformance::plan::fuzz::FuzzSettings {
            seed,
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn run_all() -> ExitCode {
    let started = std::time::Instant::now();
    let root = root();
    let (mut passed, mut failed, mut all_passed) = (0, 0, true);
    for api in Api::ALL {
        let spec = root.join(format!("specs/{}.yaml", api.name()));
        let model = match generator::load(&spec) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let options = Options {
            api,
            db: None,
            keys: vec![KEY.into(), KEY_ALT.into()],
        };
        // Deliveries go to the runner's receiver on loopback, with a fast backoff so that the
        // retries cases take well under a second; kejue shows its backoff in every answer
        // (`delivery_settings.backoff_ms`), so it keeps the default and its snapshots stay.
        let backoff_ms = if api == Api::Kejue { 1000 } else { FAST_BACKOFF_MS };
        let delivery = reference::deliver::Settings {
            backoff_ms,
            ..reference::deliver::Settings::local()
        };
        let config_file = root.join(format!("specs/{}.conformance.toml", api.name()));
        let config = match conformance::config::Config::load(&config_file) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let settings = Settings {
            delivery: config
                .delivery
                .clone()
                .map(|d| conformance::exec::DeliverySettings { backoff_ms, ..d }),
            ..Settings::default()
        };
        let server =
            match reference::start_with(options, delivery, "127.0.0.1:0".parse().expect("a loopback address")).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: the {api} reference server did not start: {e}");
                    return ExitCode::from(2);
                }
            };
        let suite = conformance::Suite {
            name: api.name().to_owned(),
            api: model,
            target: Target {
                base_url: server.base_url.clone(),
                token: Some(KEY.into()),
                token_alt: Some(KEY_ALT.into()),
                ca_certs: Vec::new(),
            },
            settings,
            snapshots: Some(root.join("conformance/snapshots").join(api.name())),
            operations: Vec::new(),
            options: conformance::RunOptions {
                config: std::sync::Arc::new(config),
                phases: phases(),
                ..Default::default()
            },
        };
        let cancel = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let outcome = conformance::run(suite, cancel).await;
        let _ = server.stop().await;
        match outcome {
            Ok(report) => {
                print!("{}", report.summary());
                passed += report.count(Status::Passed);
                failed += report.cases.len() - report.count(Status::Passed) - report.count(Status::Skipped);
                // Pending snapshots and cleanup failures fail the run too.
                all_passed &= report.passed();
            }
            Err(e) => {
                eprintln!("error: {}: {e}", api.name());
                return ExitCode::from(2);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // A measurement for the README's benchmark, never a test's assertion.
    eprintln!(
        "four suites, {} cases in {seconds:.2} s ({:.0} cases/s)",
        passed + failed,
        (passed + failed) as f64 / seconds
    );
    println!("{passed} passed, {failed} failed");
    if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
