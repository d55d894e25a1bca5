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
