//! The `conformance` command: exit codes, reports, and credentials that never leak.

use std::path::{Path, PathBuf};
use std::process::Command;

use reference::{Api, Options};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
}

fn spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{name}.yaml"))
}

#[test]
fn list_prints_the_plan_without_a_server() {
    let out = bin().args(["list", "--spec"]).arg(spec("kejue")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("createWebhook.timeout_ms.above_maximum"), "{text}");
    assert!(text.lines().last().unwrap().ends_with(" cases"));
}

/// OpenAPI 3.2: a `query` operation and an `additionalOperations` method are planned like
/// any other; what the generator assumed about the spec is printed first.
#[test]
fn list_plans_a_3_2_spec_and_prints_the_generators_warnings() {
    let dir = std::env::temp_dir().join(format!("conformance-list-32-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/oas32.yaml"))
            .unwrap();
    // One operation without an operationId: a warning, and a derived id.
    let spec = dir.join("oas32.yaml");
    std::fs::write(&spec, fixture.replace("      operationId: listItems\n", "")).unwrap();
    let out = bin().args(["list", "--spec"]).arg(&spec).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    for case in [
        "searchItems.valid",
        "searchItems.text.shorter_than_min_length",
        "linkItem.valid",
        "getItems.valid",
    ] {
        assert!(stdout.contains(case), "{case} is not planned:\n{stdout}");
    }
    assert!(
        stderr.contains(
            "oas32.yaml:18:5: at #/paths/~1items/get: expected an operationId, found none; assumed `getItems`"
        ) && stderr.starts_with("warning: "),
        "{stderr}"
    );
    // --strict: the same defect stops the runner, as it stops codegen.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&spec, fixture.replace("      operationId: listItems\n", "")).unwrap();
    let out = bin().args(["list", "--strict", "--spec"]).arg(&spec).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("which --strict makes errors"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn usage_spec_and_connection_problems_exit_2() {
    let out = bin()
        .args(["run", "--spec"])
        .arg(spec("kejue"))
        .args(["--base-url", "http://127.0.0.1:9/api/v1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
    let out = bin()
        .args(["run", "--spec", "no-such-spec.yaml", "--base-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["run", "--spec"]).arg(spec("kejue")).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a missing --base-url is a usage error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_writes_reports_and_never_the_credentials() {
    let keys = ["cli-secret-key-one", "cli-secret-key-two"];
    let server = reference::start(
        Options {
            api: Api::Kallima,
            db: None,
            keys: keys.map(String::from).to_vec(),
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-reports");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit, snapshots) = (dir.join("report.json"), dir.join("junit.xml"), dir.join("snapshots"));
    let base = server.base_url.clone();
    let (spec_path, json_c, junit_c, snapshots_c) = (spec("kallima"), json.clone(), junit.clone(), snapshots.clone());
    let out = tokio::task::spawn_blocking(move || {
        bin()
            .args(["run", "--spec"])
            .arg(spec_path)
            .args(["--base-url", &base, "--concurrency", "4", "--report-json"])
            .arg(&json_c)
            .arg("--junit")
            .arg(&junit_c)
            .arg("--snapshots")
            .arg(&snapshots_c)
            // New snapshots are accepted here so that their text can be searched for secrets.
            .env_remove("CI")
            .env("INSTA_UPDATE", "always")
            .env("CONFORMANCE_TOKEN", keys[0])
            .env("CONFORMANCE_TOKEN_ALT", keys[1])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.stop().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.lines().last().unwrap().ends_with("passed, 0 failed"), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["cases"].as_array().unwrap().len() > 40);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<testsuite name=\"kallima.updateWebhook\""));
    for text in [
        stdout.to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        std::fs::read_to_string(&json).unwrap(),
        xml,
    ] {
        for key in keys {
            assert!(!text.contains(key), "a credential reached the output");
        }
        assert!(!text.contains("whsec_"), "a minted secret reached the output");
    }
}

/// Runs the binary (blocking, so on a blocking thread) with `CI` and `INSTA_UPDATE` unset
/// unless `env` sets them, and the embedded reference keys as credentials.
async fn run_bin(args: Vec<std::ffi::OsString>, env: &[(&str, &str)]) -> std::process::Output {
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    tokio::task::spawn_blocking(move || {
        let mut command = bin();
        command
            .args(args)
            .env_remove("CI")
            .env_remove("TF_BUILD")
            .env_remove("INSTA_UPDATE")
            .env("CONFORMANCE_TOKEN", reference::EMBEDDED_KEYS[0])
            .env("CONFORMANCE_TOKEN_ALT", reference::EMBEDDED_KEYS[1]);
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

fn args(items: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    items.iter().map(|a| a.as_ref().to_owned()).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files_ending(dir: &Path, suffix: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(suffix))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_snapshot_run_writes_them_and_passes_except_on_ci() {
    let server = reference::start(Options::embedded(Api::Kejue), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (first, on_ci) = (scratch("cli-first-snapshots"), scratch("cli-ci-snapshots"));
    let run = |dir: &Path| {
        args(&[
            &"run",
            &"--spec",
            &spec("kejue"),
            &"--base-url",
            &server.base_url,
            &"--snapshots",
            &dir,
        ])
    };
    let out = run_bin(run(&first), &[]).await;
    let ci = run_bin(run(&on_ci), &[("CI", "true")]).await;
    server.stop().await.unwrap();

    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let written = files_ending(&first, ".snap.new");
    assert!(written > 100, "{written} .snap.new files");
    assert_eq!(files_ending(&first, ".snap"), 0, "nothing accepted without review");
    let advice: Vec<&str> = stdout.lines().filter(|l| l.contains(".snap.new")).collect();
    assert_eq!(
        advice,
        [format!(
            "  {written} new snapshots written to {} as .snap.new: review them with `cargo insta review` \
             (cargo install cargo-insta) or accept them all with INSTA_UPDATE=always",
            first.display()
        )],
        "{stdout}"
    );
    // `run` prints the plan's notes: what it did not test, and why.
    assert!(stdout.contains("not tested ("), "{stdout}");
    assert!(
        stdout.contains("    createWebhook.url.min_length: the spec does not decide this case; left out"),
        "{stdout}"
    );
    // stderr is not a terminal here: no progress bar; only the warnings said before anything
    // is sent (an event, once published, cannot be deleted).
    assert!(
        stderr.lines().all(|l| l.starts_with("warning: ")),
        "no progress bar when stderr is not a terminal:\n{stderr}"
    );

    let ci_stdout = String::from_utf8_lossy(&ci.stdout);
    assert_eq!(
        ci.status.code(),
        Some(1),
        "with CI=true a missing snapshot fails:\n{ci_stdout}"
    );
    assert_eq!(
        std::fs::read_dir(&on_ci).unwrap().count(),
        0,
        "nothing is written on CI"
    );
    assert!(
        ci_stdout.contains(&format!(
            "  {written} snapshots missing and 0 changed in {}",
            on_ci.display()
        )),
        "{ci_stdout}"
    );
    assert!(!ci_stdout.contains("cargo insta review"), "{ci_stdout}");
}

/// A server that accepts what it should refuse: every 4xx answer becomes a 200, except to a
/// DELETE, so that what is left on it afterwards is the runner's doing alone.
async fn accepts_everything(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let delete = request.method() == axum::http::Method::DELETE;
    let mut response = next.run(request).await;
    if response.status().is_client_error() && !delete {
        *response.status_mut() = axum::http::StatusCode::OK;
    }
    response
}

/// kejue's reference server behind [`accepts_everything`], and its store.
async fn accepting_kejue() -> (reference::Running, std::sync::Arc<reference::Store>) {
    let store = std::sync::Arc::new(reference::Store::open(None).unwrap());
    let tenants = std::sync::Arc::new(reference::Tenants::new(&reference::EMBEDDED_KEYS.map(String::from)));
    let router = Api::Kejue
        .router(store.clone(), tenants)
        .layer(axum::middleware::from_fn(accepts_everything));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = reference::serve_router(Api::Kejue, listener, router, store.clone()).unwrap();
    (server, store)
}

/// `run` of kejue's spec against `base_url`, writing the JSON report to `json`, with `more`.
fn run_args(base_url: &str, json: &Path, more: &[&str]) -> Vec<std::ffi::OsString> {
    let mut a = args(&[
        &"run",
        &"--spec",
        &spec("kejue"),
        &"--base-url",
        &base_url,
        &"--report-json",
        &json,
    ]);
    a.extend(more.iter().map(std::ffi::OsString::from));
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_failures_are_grouped_and_max_failures_stops_early() {
    let (server, store) = accepting_kejue().await;
    let dir = scratch("cli-max-failures");
    let (all_json, stopped_json) = (dir.join("all.json"), dir.join("stopped.json"));
    let run = |json: &Path, more: &[&str]| run_args(&server.base_url, json, more);
    let all = run_bin(run(&all_json, &[]), &[]).await;
    let left_after_all = store.count("kejue").unwrap();
    let stopped = run_bin(run(&stopped_json, &["--max-failures", "3", "--concurrency", "1"]), &[]).await;
    let left_after_stopped = store.count("kejue").unwrap();
    server.stop().await.unwrap();

    let stdout = String::from_utf8_lossy(&all.stdout);
    assert_eq!(all.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&all_json).unwrap()).unwrap();
    let failed: Vec<&serde_json::Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed")
        .collect();
    assert!(failed.len() > 20, "{} failed", failed.len());
    // One header per operation and check, however many cases failed it.
    let headers: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  FAIL ")).collect();
    let mut distinct = headers.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(headers.len(), distinct.len(), "a group printed twice:\n{stdout}");
    assert!(
        headers.len() < failed.len(),
        "{} groups for {} failed cases",
        headers.len(),
        failed.len()
    );
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("  FAIL createWebhook: negative_data_rejection [spec: #")),
        "{stdout}"
    );
    for case in &failed {
        let name = case["name"].as_str().unwrap();
        let expect = case["expect"].as_str().unwrap();
        let listed = stdout
            .lines()
            .filter(|l| l.starts_with(&format!("    {name} [{expect}] (")))
            .count();
        let checks = case["failures"].as_array().unwrap().len();
        assert_eq!(
            listed, checks,
            "{name}: listed once under each check it failed\n{stdout}"
        );
    }

    let stdout = String::from_utf8_lossy(&stopped.stdout);
    assert_eq!(stopped.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stopped_json).unwrap()).unwrap();
    let cases = report["cases"].as_array().unwrap();
    let failing = cases
        .iter()
        .filter(|c| c["status"] == "failed" || c["status"] == "error")
        .count();
    assert_eq!(failing, 3, "one case at a time: the third failure stops the run");
    assert!(cases.len() < report["planned"].as_u64().unwrap() as usize);
    assert_eq!(report["stopped_after"], 3);
    assert!(
        stdout.contains(&format!(
            "stopped after 3 failed cases (--max-failures): {} of {} cases ran",
            cases.len(),
            report["planned"]
        )),
        "{stdout}"
    );
    // Deletes are answered truthfully: a full run and a stopped one both remove all they made.
    assert_eq!(left_after_all, 0, "a full run removes what it created");
    assert_eq!(left_after_stopped, 0, "a run stopped early removes what it created");
    assert!(
        cases.iter().any(|c| c["name"] == "createWebhook.valid"),
        "the stopped run created something"
    );
}

#[test]
fn checks_are_listed_by_name_and_severity() {
    let out = bin().arg("checks").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for check in conformance::checks::CHECKS {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(check.id.name()))
            .unwrap_or_else(|| panic!("{} is not listed:\n{text}", check.id));
        assert!(
            line.contains(check.severity.as_str()) && line.contains(check.description),
            "{line}"
        );
    }
    let out = bin()
        .args(["run", "--checks", "ignored-auth2", "--spec"])
        .arg(spec("kejue"))
        .args(["--base-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown check `ignored-auth2`") && stderr.contains("tenant_isolation"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_and_exclude_checks_choose_what_judges() {
    let (server, _) = accepting_kejue().await;
    let dir = scratch("cli-checks");
    let failed_checks = |json: &Path| -> Vec<String> {
        let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        let mut names: Vec<String> = report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["failures"].as_array().unwrap().iter())
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let run = |json: &Path, more: &[&str]| run_args(&server.base_url, json, more);
    let (only, excluded) = (dir.join("only.json"), dir.join("excluded.json"));
    let only_run = run_bin(run(&only, &["--checks", "negative_data_rejection"]), &[]).await;
    let excluded_run = run_bin(
        run(
            &excluded,
            &["--exclude-checks", "negative_data_rejection,status_code_conformance"],
        ),
        &[],
    )
    .await;
    server.stop().await.unwrap();
    assert_eq!(only_run.status.code(), Some(1));
    assert_eq!(failed_checks(&only), ["negative_data_rejection"]);
    let rest = failed_checks(&excluded);
    assert_eq!(excluded_run.status.code(), Some(1), "{rest:?}");
    assert!(
        !rest
            .iter()
            .any(|n| n == "negative_data_rejection" || n == "status_code_conformance"),
        "{rest:?}"
    );
    assert!(rest.iter().any(|n| n == "ignored_auth"), "{rest:?}");
}

/// One operation's defect stays in that operation (issue 24): the plan has the good
/// operations' cases, the bad ones are named in the warnings printed first, and `--strict`
/// refuses the spec.
#[test]
fn list_leaves_out_a_bad_operation_and_plans_the_rest() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/one_bad_operation.yaml");
    let out = bin().args(["list", "--spec"]).arg(&spec).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    for case in [
        "listThings.valid",
        "listThings.query.limit.above_maximum",
        "createThing.name.missing",
    ] {
        assert!(stdout.contains(case), "{case} is not planned:\n{stdout}");
    }
    for left_out in ["readNested", "readDynamic", "readDefaulted"] {
        assert!(!stdout.contains(left_out), "{left_out} is planned:\n{stdout}");
        assert!(
            stderr.contains(&format!("warning: {}", spec.display()))
                && stderr.contains(&format!("the operation `{left_out}` (GET /")),
            "{left_out} is not named:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("one_bad_operation.yaml:43:11: at #/paths/~1nested/get/parameters/0/schema: the operation `readNested` (GET /nested, at #/paths/~1nested/get) is left out of the generated code and the runner's plan: unsupported: the parameter `grid`"),
        "{stderr}"
    );
    let out = bin().args(["list", "--strict", "--spec"]).arg(&spec).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("4 warning(s), which --strict makes errors"), "{stderr}");
    assert!(out.stdout.is_empty());
}
