//! `cargo xtask codegen --spec --out`: a crate that builds wherever it is moved, a folder that
//! belongs to someone else left alone, and warnings that `--strict` turns into errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(args)
        .output()
        .expect("xtask runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("codegen-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spec(name: &str) -> String {
    testkit::workspace_root()
        .join(format!("specs/{name}.yaml"))
        .display()
        .to_string()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_generated_crate_builds_after_it_is_moved() {
    let dir = scratch("moved");
    let first = dir.join("first");
    let output = xtask(&["--spec", &spec("kejue"), "--out", first.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let root = testkit::workspace_root().display().to_string();
    for file in files_under(&first) {
        let contents = std::fs::read_to_string(&file).unwrap();
        assert!(
            !contents.contains(&root) && !contents.contains(&*first.to_string_lossy()),
            "{} names a folder of this machine",
            file.display()
        );
    }
    assert!(first.join("codegen-runtime/src/lib.rs").exists());
    let runtime_manifest = std::fs::read_to_string(first.join("codegen-runtime/Cargo.toml")).unwrap();
    assert!(!runtime_manifest.contains("workspace"), "{runtime_manifest}");

    let moved = dir.join("somewhere/else");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&first, &moved).unwrap();
    // The workspace's lock file pins the same versions: no network needed.
    std::fs::copy(testkit::workspace_root().join("Cargo.lock"), moved.join("Cargo.lock")).unwrap();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--offline"])
        .current_dir(&moved)
        // Shared with the corpus test, whose dependencies are the same: only the crate builds.
        .env(
            "CARGO_TARGET_DIR",
            testkit::workspace_root().join("target/corpus-check"),
        )
        .env("RUSTFLAGS", "-D warnings")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the moved crate does not build ({})", moved.display());
}

#[test]
fn runtime_path_or_version_replaces_the_copy() {
    let dir = scratch("runtime");
    let by_version = dir.join("by-version");
    let output = xtask(&[
        "--spec",
        &spec("kejue"),
        "--out",
        by_version.to_str().unwrap(),
        "--runtime",
        "version:0.1.0",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = std::fs::read_to_string(by_version.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"codegen-runtime = { version = "0.1.0", features = ["server"] }"#),
        "{manifest}"
    );
    assert!(!by_version.join("codegen-runtime").exists());

    let by_path = dir.join("by-path");
    let output = xtask(&[
        "--spec",
        &spec("kejue"),
        "--out",
        by_path.to_str().unwrap(),
        "--runtime",
        "path:../runtime",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = std::fs::read_to_string(by_path.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"codegen-runtime = { path = "../runtime", features = ["server"] }"#),
        "{manifest}"
    );

    let output = xtask(&["--spec", &spec("kejue"), "--out", "x", "--runtime", "git:https://x"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("expected `path:PATH` or `version:X`"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_folder_with_someone_elses_cargo_toml_is_refused_without_force() {
    let dir = scratch("force");
    let theirs = "[package]\nname = \"mine\"\n";
    std::fs::write(dir.join("Cargo.toml"), theirs).unwrap();
    let out = dir.to_str().unwrap();
    let output = xtask(&["--spec", &spec("kejue"), "--out", out]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("was not written by the generator"),
        "{}",
        text(&output)
    );
    assert_eq!(std::fs::read_to_string(dir.join("Cargo.toml")).unwrap(), theirs);
    assert!(!dir.join("src").exists(), "nothing is written when refused");

    let output = xtask(&["--spec", &spec("kejue"), "--out", out, "--force"]);
    assert!(output.status.success(), "{}", text(&output));
    // Its own output, it writes over without being asked.
    let output = xtask(&["--spec", &spec("kejue"), "--out", out]);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn strict_turns_warnings_into_errors() {
    let dir = scratch("strict");
    let spec = dir.join("defects.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      operationId: getA\n      responses: {'204': {description: ok}}\n",
    )
    .unwrap();
    let out = dir.join("out");
    let args = ["--spec", spec.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let output = xtask(&args);
    assert!(output.status.success(), "{}", text(&output));
    let warning = format!(
        "{}:5:5: at #/paths/~1a~1{{id}}/get/parameters: the spec contradicts itself: the path `/a/{{id}}` uses `{{id}}` but the operation declares no path parameter `id`; assumed a required string",
        spec.display()
    );
    assert!(
        text(&output).contains(&format!("warning: {warning}")),
        "{}",
        text(&output)
    );

    let output = xtask(&[&args[..], &["--strict"]].concat());
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("error: {warning}")),
        "{}",
        text(&output)
    );
    assert!(
        text(&output).contains("which --strict makes errors"),
        "{}",
        text(&output)
    );
}
