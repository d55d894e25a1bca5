//! `cargo xtask bench`: ours against the peers, on this machine, in one run, written to
//! `BENCHMARKS.md` with the commands to reproduce it. Release builds; medians of several runs;
//! nothing here is asserted anywhere.
//!
//! - codegen: our generator against openapi-generator (`rust-axum`), wall time, peak memory,
//!   and whether each output compiles;
//! - conformance: our runner against Schemathesis (coverage phase, all checks) on the same
//!   reference server and spec: requests, wall time, requests per second, failures found;
//! - the ceiling: raw loopback requests per second (wrk) against the same server.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use reference::{Api, Store, Tenants};

use crate::codegen::root;

const OPENAPI_GENERATOR: &str = "openapi-generator-cli==7.26.0";
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const KEY: &str = reference::EMBEDDED_KEYS[0];

#[derive(clap::Args)]
pub struct Args {
    /// Runs per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Skip compiling the generated crates (the slowest part).
    #[arg(long)]
    no_compile: bool,
}

pub fn run(args: &Args) -> ExitCode {
    if cfg!(debug_assertions) {
        // Benchmarks measure release builds: run again as one.
        let mut command = Command::new(env!("CARGO"));
        command.args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "xtask",
            "--",
            "bench",
            "--runs",
            &args.runs.to_string(),
        ]);
        if args.no_compile {
            command.arg("--no-compile");
        }
        return match command.status() {
            Ok(s) if s.success() => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }
    match bench(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs a command under `/usr/bin/time`; returns (wall seconds, peak RSS in MiB, success).
fn timed(command: &mut Command) -> anyhow::Result<(f64, f64, bool)> {
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped.arg("-f").arg("peak_kb=%M").arg(&program).args(&args);
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (k, v) in command.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    let start = Instant::now();
    let out = wrapped
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| program.to_string_lossy().into_owned())?;
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak_kb="))
        .and_then(|k| k.trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN)
        / 1024.0;
    Ok((wall, peak, out.status.success()))
}

fn venv(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target/bench-venv");
    if !venv.join("bin/python").exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            anyhow::bail!("python3 -m venv failed");
        }
    }
    let ok = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", OPENAPI_GENERATOR, SCHEMATHESIS])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        anyhow::bail!("pip install {OPENAPI_GENERATOR} {SCHEMATHESIS} failed");
    }
    Ok(venv)
}

struct Codegen {
    input: String,
    size_kib: f64,
    ours: (f64, f64, bool),
    theirs: (f64, f64, bool),
    ours_compiles: Option<anyhow::Result<()>>,
    theirs_compiles: Option<anyhow::Result<()>>,
}

fn compiles(dir: &Path, target: &Path) -> anyhow::Result<()> {
    let out = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .output()?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
    let first = stderr
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or("failed")
        .to_owned();
    Err(anyhow::anyhow!("{errors} errors; first: {first}"))
}

fn bench(args: &Args) -> anyhow::Result<()> {
    let root = root();
    let venv = venv(&root)?;
    // Outside the workspace: a generated crate inside it would be taken for a member.
    let work = std::env::temp_dir().join("webhook-workspace-bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let xtask = std::env::current_exe()?;
    let mut inputs: Vec<PathBuf> = Api::ALL
        .iter()
        .map(|a| root.join(format!("specs/{}.yaml", a.name())))
        .collect();
    inputs.extend(testkit::shared("corpus/webhooks/svix-lib-openapi.json"));

    let mut codegen = Vec::new();
    for input in &inputs {
        let name = input.file_stem().and_then(|s| s.to_str()).unwrap_or("spec").to_owned();
        let size_kib = std::fs::metadata(input).map(|m| m.len() as f64 / 1024.0).unwrap_or(0.0);
        eprintln!("codegen: {name}");
        let (ours_dir, theirs_dir) = (
            work.join(format!("ours-{name}")),
            work.join(format!("openapi-generator-{name}")),
        );
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        // openapi-generator takes seconds per run: fewer runs on the largest input.
        let runs = if size_kib > 1000.0 { args.runs.min(3) } else { args.runs };
        for _ in 0..runs {
            ours.push(timed(
                Command::new(&xtask)
                    .args(["codegen", "--spec"])
                    .arg(input)
                    .arg("--out")
                    .arg(&ours_dir),
            )?);
            let _ = std::fs::remove_dir_all(&theirs_dir);
            theirs.push(timed(
                Command::new(venv.join("bin/openapi-generator-cli"))
                    .args(["generate", "-g", "rust-axum", "--skip-validate-spec", "-i"])
                    .arg(input)
                    .arg("-o")
                    .arg(&theirs_dir),
            )?);
        }
        let summarize = |runs: &[(f64, f64, bool)]| {
            (
                median(runs.iter().map(|r| r.0).collect()),
                median(runs.iter().map(|r| r.1).collect()),
                runs.iter().all(|r| r.2),
            )
        };
        let check = !args.no_compile && size_kib < 1000.0;
        // Kept between runs: the peers' dependencies take minutes to build once.
        let target = std::env::temp_dir().join("webhook-workspace-bench-target");
        codegen.push(Codegen {
            input: name,
            size_kib,
            ours: summarize(&ours),
            theirs: summarize(&theirs),
            ours_compiles: check.then(|| compiles(&ours_dir, &target)),
            theirs_compiles: check.then(|| compiles(&theirs_dir, &target)),
        });
    }

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let conformance = runtime.block_on(conformance_side_by_side(&root, &venv, args.runs))?;
    let ceiling = runtime.block_on(ceiling())?;
    let text = markdown(&codegen, &conformance, &ceiling, args);
    std::fs::write(root.join("BENCHMARKS.md"), &text)?;
    println!("{text}");
    Ok(())
}

struct Side {
    api: Api,
    ours: Measured,
    theirs: Measured,
}

struct Measured {
    requests: usize,
    seconds: f64,
    failures: String,
}

/// A reference server in this process that counts the requests it answers.
async fn counted(api: Api) -> anyhow::Result<(reference::Running, Arc<AtomicUsize>)> {
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = counter.clone();
    let store = Arc::new(Store::open(None)?);
    let router = api
        .router(
            store.clone(),
            Arc::new(Tenants::new(&reference::EMBEDDED_KEYS.map(String::from))),
        )
        .layer(from_fn(move |request: Request, next: Next| {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::Relaxed);
                let response: Response = next.run(request).await;
                response
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = reference::serve_router(api, listener, router, store)?;
    Ok((running, counter))
}

fn auth_header(api: Api) -> String {
    match api {
        Api::Kejue => format!("X-API-Key: {KEY}"),
        Api::Kallima => format!("Authorization: Bearer {KEY}"),
        Api::Konpro => format!("x-api-key: {KEY}"),
        Api::Sendkit => format!("X-Api-Key: {KEY}"),
    }
}

async fn conformance_side_by_side(root: &Path, venv: &Path, runs: usize) -> anyhow::Result<Vec<Side>> {
    let mut out = Vec::new();
    for api in Api::ALL {
        eprintln!("conformance: {api}");
        let spec = root.join(format!("specs/{}.yaml", api.name()));
        let model = generator::load(&spec)?;
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..runs {
            let (server, counter) = counted(api).await?;
            let suite = conformance::Suite {
                name: api.name().into(),
                api: model.clone(),
                target: conformance::exec::Target {
                    base_url: server.base_url.clone(),
                    token: Some(KEY.into()),
                    token_alt: Some(reference::EMBEDDED_KEYS[1].into()),
                    ca_certs: Vec::new(),
                },
                settings: conformance::exec::Settings::default(),
                snapshots: None,
                operations: Vec::new(),
            };
            let start = Instant::now();
            let report = conformance::run(suite, std::future::pending()).await?;
            let seconds = start.elapsed().as_secs_f64();
            let failed =
                report.count(conformance::report::Status::Failed) + report.count(conformance::report::Status::Error);
            ours.push(Measured {
                requests: counter.load(Ordering::Relaxed),
                seconds,
                failures: format!("{failed} of {} cases", report.cases.len()),
            });
            let _ = server.stop().await;

            let (server, counter) = counted(api).await?;
            let junit = std::env::temp_dir().join(format!("webhook-workspace-bench/schemathesis-{}.xml", api.name()));
            let start = Instant::now();
            let status = tokio::process::Command::new(venv.join("bin/st"))
                .arg("run")
                .arg(&spec)
                .args([
                    "--url",
                    &server.base_url,
                    "--header",
                    &auth_header(api),
                    "--phases",
                    "coverage",
                    "--checks",
                    "all",
                    "--report",
                    "junit",
                    "--report-junit-path",
                ])
                .arg(&junit)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await
                .context("schemathesis")?;
            let seconds = start.elapsed().as_secs_f64();
            let failures = std::fs::read_to_string(&junit)
                .ok()
                .and_then(|x| {
                    x.split("failures=\"")
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .map(|n| format!("{n} failures (exit {})", status.code().unwrap_or(-1)))
                })
                .unwrap_or_else(|| format!("exit {}", status.code().unwrap_or(-1)));
            theirs.push(Measured {
                requests: counter.load(Ordering::Relaxed),
                seconds,
                failures,
            });
            let _ = server.stop().await;
        }
        let pick = |mut all: Vec<Measured>| {
            all.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
            all.swap_remove(all.len() / 2)
        };
        out.push(Side {
            api,
            ours: pick(ours),
            theirs: pick(theirs),
        });
    }
    Ok(out)
}

struct Ceiling {
    rps: Option<f64>,
    note: String,
}

async fn ceiling() -> anyhow::Result<Ceiling> {
    if Command::new("wrk").arg("--version").output().is_err() {
        return Ok(Ceiling {
            rps: None,
            note: "wrk is not installed (apt-get install wrk)".into(),
        });
    }
    let (server, _) = counted(Api::Kejue).await?;
    let url = format!("{}/webhooks", server.base_url);
    let header = auth_header(Api::Kejue);
    let out = tokio::process::Command::new("wrk")
        .args(["-t2", "-c32", "-d5s", "-H", &header, &url])
        .output()
        .await?;
    let _ = server.stop().await;
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok());
    Ok(Ceiling {
        rps,
        note: "wrk -t2 -c32 -d5s, GET /api/v1/webhooks on the kejue reference server (an empty list)".into(),
    })
}

fn compile_note(c: &Option<anyhow::Result<()>>) -> String {
    match c {
        None => "not checked".into(),
        Some(Ok(())) => "yes".into(),
        Some(Err(e)) => format!("no ({e})"),
    }
}

fn markdown(codegen: &[Codegen], sides: &[Side], ceiling: &Ceiling, args: &Args) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut out = String::from("# Benchmarks\n\nWritten by `cargo xtask bench` (release build). ");
    out.push_str(&format!(
        "Machine: {cores} cores, {cpu}. Medians of {} runs (3 for the 2.6 MB spec).\n\n",
        args.runs
    ));
    out.push_str("## Codegen: spec → Rust server stubs and models\n\n");
    out.push_str("| input | size | ours | openapi-generator (rust-axum) | ratio | ours peak memory | theirs peak memory | ours compiles | theirs compiles |\n|---|---|---|---|---|---|---|---|---|\n");
    for c in codegen {
        out.push_str(&format!(
            "| {} | {:.0} KiB | {:.3} s{} | {:.2} s{} | {:.0}× | {:.0} MiB | {:.0} MiB | {} | {} |\n",
            c.input,
            c.size_kib,
            c.ours.0,
            if c.ours.2 { "" } else { " (failed)" },
            c.theirs.0,
            if c.theirs.2 { "" } else { " (failed)" },
            c.theirs.0 / c.ours.0,
            c.ours.1,
            c.theirs.1,
            compile_note(&c.ours_compiles),
            compile_note(&c.theirs_compiles)
        ));
    }
    out.push_str("\nBoth times include process start-up (openapi-generator starts a JVM). \"Compiles\" is `cargo check` of the generated crate. The 2.6 MB spec's outputs are not compiled here: ours is, with `-D warnings`, by `generator/tests/corpus.rs` on every `cargo test`; openapi-generator's would take longer than the rest of this benchmark.\n\n");
    out.push_str("## Conformance: the same reference server and spec\n\n");
    out.push_str("| api | ours: requests | ours: wall | ours: req/s | ours: failures | Schemathesis: requests | wall | req/s | failures | wall ratio |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for s in sides {
        out.push_str(&format!(
            "| {} | {} | {:.2} s | {:.0} | {} | {} | {:.2} s | {:.0} | {} | {:.0}× |\n",
            s.api,
            s.ours.requests,
            s.ours.seconds,
            s.ours.requests as f64 / s.ours.seconds,
            s.ours.failures,
            s.theirs.requests,
            s.theirs.seconds,
            s.theirs.requests as f64 / s.theirs.seconds,
            s.theirs.failures,
            s.theirs.seconds / s.ours.seconds
        ));
    }
    out.push_str("\nRequests are counted at the server. Ours: every case, with its setup and cleanup requests. Schemathesis: `st run --phases coverage --checks all`. What Schemathesis finds is discussed in `.ci/schemathesis-notes.md`.\n\n");
    out.push_str("## The ceiling\n\n");
    match ceiling.rps {
        Some(rps) => {
            out.push_str(&format!("{rps:.0} requests per second ({}).\n\n", ceiling.note));
            let ours: Vec<f64> = sides.iter().map(|s| s.ours.requests as f64 / s.ours.seconds).collect();
            out.push_str(&format!(
                "Our runner's median rate is {:.0}% of it.\n\n",
                100.0 * median(ours) / rps
            ));
        }
        None => out.push_str(&format!("Not measured: {}.\n\n", ceiling.note)),
    }
    out.push_str("## Reproduce\n\n```sh\ncargo xtask bench            # installs openapi-generator-cli and schemathesis in target/bench-venv\ncargo xtask bench --runs 9   # more runs\ncargo xtask bench --no-compile\n```\n\n");
    out.push_str(&format!("Tools: {OPENAPI_GENERATOR} (bundles its jar; needs Java 17), {SCHEMATHESIS}, wrk from Debian. Working files: `$TMPDIR/webhook-workspace-bench/`.\n"));
    out
}
