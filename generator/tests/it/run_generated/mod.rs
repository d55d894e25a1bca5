//! Builds generated code with a small `main.rs` into one crate and runs it: for tests of how
//! the generated types behave, not only that they compile. The crate is written under
//! `CARGO_TARGET_TMPDIR`; its build goes to `target/generated-run`, which keeps the
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
    let mut manifest = generator::emit::standalone_manifest(name, &runtime, &["idn", "receiver"]);
    manifest.contents.push_str(dependencies);
    files.push(manifest);
    files.push(generator::emit::lib_rs(modules));
    files.push(generator::emit::File {
        path: "src/main.rs".into(),
        contents: main,
    });
    for file in &files {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.contents).unwrap();
    }
    // The workspace's lock file pins the same dependency versions, so no network is needed.
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    let target = root.join("target/generated-run");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(out.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the generated crate does not compile ({})",
        out.display()
    );
    let run = Command::new(target.join("debug").join(name))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(run.status.success(), "{name}: {}", String::from_utf8_lossy(&run.stderr));
    run.stdout
}
