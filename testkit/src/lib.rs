//! `../shared/` sits beside the repository in CI (the public spec corpus, the
//! JSON-Schema-Test-Suite) but not in a user's clone. Tests and benches that read it ask
//! here: present, they get its path; absent, they print `skipped: ../shared/… not found` and
//! pass, unless `REQUIRE_SHARED` is set (as `.ci/run` sets it), which makes the skip a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable that turns a skip for a missing `../shared/` into a failure.
pub const REQUIRE_SHARED: &str = "REQUIRE_SHARED";

/// The workspace root (the folder with the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit lives one folder below the workspace root")
        .to_path_buf()
}

/// `../shared/<relative>` beside the workspace, if it exists. When it does not, prints the
/// skip and returns `None`, or panics when
/// `REQUIRE_SHARED` is set, so that CI never passes by skipping.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = workspace_root().join("../shared").join(relative);
    if path.exists() {
        return Some(path);
    }
    let message = format!("skipped: ../shared/{relative} not found (looked at {})", path.display());
    if std::env::var_os(REQUIRE_SHARED).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{message}, and {REQUIRE_SHARED} is set: this run must not skip");
    }
    // Written to stderr itself, not through `eprintln!`, which libtest captures for a
    // passing test: a skip must show in `cargo test`'s output.
    let _ = writeln!(std::io::stderr(), "{message}");
    None
}

/// Where every crate a test generates is built: one folder, so that their shared
/// dependencies (serde, axum, tokio) are compiled once.
pub fn generated_crates_target() -> PathBuf {
    workspace_root().join("target/generated-crates")
}

/// `cargo <subcommand>` for a crate a test generated, built in [`generated_crates_target`]
/// without debug info or incremental caches: such crates are built once and thrown away, and
/// their debug info would be most of the gigabytes a CI run writes to a small disk.
pub fn cargo_for_generated_crate(subcommand: &str) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .arg(subcommand)
        .env("CARGO_TARGET_DIR", generated_crates_target())
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env("CARGO_INCREMENTAL", "0");
    command
}
