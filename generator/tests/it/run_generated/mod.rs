//! Builds generated code with a small `main.rs` into one crate and runs it: for tests of how
//! the generated types behave, not only that they compile. The crate is written under
//! `CARGO_TARGET_TMPDIR`; its build goes to `target/generated-crates` (`testkit`), which keeps the
//! dependencies built from run to run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes `modules` (each an API's generated files) and `main` as crate `name`, builds it
/// offline with the workspace's lock file, runs its binary with `args`, and returns what it
/// printed. Panics (failing the test) when the crate does not compile or the binary fails.
pub fn build_and_run(
    name: &str,
    files: Vec<generator::emit::File>,
    modules: &[String],
    main: String,
    args: &[&Path],
) -> Vec<u8> {
    build_and_run_with(name, files, modules, main, args, "")
}

/// Like [`build_and_run`], with `dependencies` (lines of a `[dependencies]` table, versions
/// the workspace's lock file holds) added to the crate's manifest.
pub fn build_and_run_with(
    name: &str,
    files: Vec<generator::emit::File>,
    modules: &[String],
    main: String,
    args: &[&Path],
    dependencies: &str,
) -> Vec<u8> {
    let root = testkit::workspace_root();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out);
    let runtime = root.join("generator/runtime").canonicalize().unwrap();
    let runtime = generator::emit::RuntimeSource::Path(runtime.display().to_string());
    let mut files = files;
    // With every runtime feature, so that any format or webhook a test's spec has compiles.
    let mut manifest = generator::emit::standalone_manifest(name, &runtime, &["idn", "receiver"], &Default::default());
    manifest.contents.push_str(dependencies);
    files.push(manifest);
    files.push(generator::emit::lib_rs(modules));
    files.push(generator::emit::File {
        path: "src/main.rs".into(),
        contents: main,
    });
    write_crate(&out, &files);
    build_and_run_crate(&out, name, &[], args)
}

/// Writes `files` as the crate in `out`, with the workspace's lock file.
pub fn write_crate(out: &Path, files: &[generator::emit::File]) {
    let _ = std::fs::remove_dir_all(out.join("src"));
    for file in files {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.contents).unwrap();
    }
    // The workspace's lock file pins the same dependency versions, so no network is needed.
    std::fs::copy(testkit::workspace_root().join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
}

/// Builds the crate written in `out` with `cargo_args` (`--features`, …), runs its binary
/// `name` with `args`, and returns what it printed.
pub fn build_and_run_crate(out: &Path, name: &str, cargo_args: &[&str], args: &[&Path]) -> Vec<u8> {
    let status = testkit::cargo_for_generated_crate("build")
        .args(["--quiet", "--offline", "--manifest-path"])
        .arg(out.join("Cargo.toml"))
        .args(cargo_args)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the generated crate does not compile ({})",
        out.display()
    );
    let run = Command::new(testkit::generated_crates_target().join("debug").join(name))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(run.status.success(), "{name}: {}", String::from_utf8_lossy(&run.stderr));
    run.stdout
}

/// The end of a `main.rs` whose crate has a `Server` impl for `Echo` (and imports its
/// `server::*`): it serves `router(Arc::new(Echo))` in-process and sends it the requests of
/// the JSON file in its first argument (`name`, `method`, `uri`, `headers`, `body`), printing
/// one JSON line per answer (`name`, `status`, `body`).
pub const SEND_REQUESTS: &str = r##"
#[tokio::main(flavor = "current_thread")]
async fn main() {
    use tower::ServiceExt;
    let path = std::env::args().nth(1).unwrap();
    let requests: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let app = router(std::sync::Arc::new(Echo));
    for r in requests {
        let mut request = axum::http::Request::builder()
            .method(r["method"].as_str().unwrap())
            .uri(r["uri"].as_str().unwrap());
        for (k, v) in r["headers"].as_object().unwrap() {
            request = request.header(k.as_str(), v.as_str().unwrap());
        }
        let body = axum::body::Body::from(r["body"].as_str().unwrap_or_default().to_owned());
        let response = app.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        println!("{}", serde_json::json!({"name": r["name"], "status": status, "body": body}));
    }
}
"##;

/// Builds crate `name` (module `name`) from `files` and `main` (which ends with
/// [`SEND_REQUESTS`]), sends it the request of each case, and checks each answer's status and,
/// where given, the refusal's `loc`; returns the answers' bodies by request name.
pub fn send_requests(
    name: &str,
    files: Vec<generator::emit::File>,
    main: &str,
    cases: &[(serde_json::Value, u16, serde_json::Value)],
) -> std::collections::HashMap<String, serde_json::Value> {
    let requests: Vec<&serde_json::Value> = cases.iter().map(|(r, _, _)| r).collect();
    let input = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}_requests.json"));
    std::fs::write(&input, serde_json::to_string(&requests).unwrap()).unwrap();
    let printed = build_and_run_with(
        name,
        files,
        &[name.to_owned()],
        format!("{main}{SEND_REQUESTS}"),
        &[&input],
        "tokio = { version = \"1\", default-features = false, features = [\"macros\", \"rt\"] }\ntower = { version = \"0.5\", default-features = false, features = [\"util\"] }\n",
    );
    let answers: Vec<serde_json::Value> = String::from_utf8(printed)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), cases.len());
    for ((request, status, loc), answer) in cases.iter().zip(&answers) {
        let name = &request["name"];
        assert_eq!(answer["status"], *status, "{name}: {answer}");
        if !loc.is_null() {
            assert_eq!(answer["body"]["loc"], *loc, "{name}: {answer}");
        }
    }
    answers
        .into_iter()
        .map(|a| (a["name"].as_str().unwrap_or_default().to_owned(), a["body"].clone()))
        .collect()
}
