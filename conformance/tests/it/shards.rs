//! `--shard I/N` and `conformance merge`: three shards of a suite send each case exactly once
//! and merge to the totals of one run; a merge of the wrong reports is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use conformance::report::{Report, Status};
use reference::{Api, Options};

const KEYS: [&str; 2] = reference::EMBEDDED_KEYS;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spec(api: Api) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{}.yaml", api.name()))
}

/// `conformance ARGS` with both tenants' keys; its exit code and stdout.
fn conformance(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env("CONFORMANCE_TOKEN", KEYS[0])
        .env("CONFORMANCE_TOKEN_ALT", KEYS[1])
        .env_remove("CI")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read(path: &Path) -> Report {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn statuses(report: &Report) -> BTreeMap<String, Status> {
    report.cases.iter().map(|c| (c.name.clone(), c.status)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_send_each_case_once_and_merge_to_one_run() {
    let dir = scratch("shards");
    let running = reference::start(Options::embedded(Api::Kejue), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let spec = spec(Api::Kejue);
    let spec = spec.to_str().unwrap();
    let base = running.base_url.clone();
    let run = move |extra: Vec<String>| {
        let (spec, base) = (spec.to_owned(), base.clone());
        tokio::task::spawn_blocking(move || {
            let mut args = vec!["run", "--spec", &spec, "--base-url", &base];
            args.extend(extra.iter().map(String::as_str));
            conformance(&args)
        })
    };
    let whole = dir.join("whole.json");
    let (code, _, stderr) = run(vec!["--report-json".into(), whole.display().to_string()])
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");
    let mut shard_files = Vec::new();
    for i in 1..=3 {
        let file = dir.join(format!("shard-{i}.json"));
        let (code, stdout, stderr) = run(vec![
            "--shard".into(),
            format!("{i}/3"),
            "--report-json".into(),
            file.display().to_string(),
        ])
        .await
        .unwrap();
        assert_eq!(code, 0, "{stdout}{stderr}");
        shard_files.push(file);
    }
    running.stop().await.unwrap();

    // Each case in exactly one shard, with the verdict of the whole run.
    let whole = read(&whole);
    let mut seen: BTreeMap<String, Status> = BTreeMap::new();
    for file in &shard_files {
        let shard = read(file);
        assert!(!shard.cases.is_empty() && shard.cases.len() < whole.cases.len());
        assert_eq!(shard.planned, shard.cases.len());
        for (name, status) in statuses(&shard) {
            assert!(seen.insert(name.clone(), status).is_none(), "{name} ran twice");
        }
    }
    assert_eq!(seen, statuses(&whole));

    // Merged: one summary, the totals of the whole run, one JUnit file with every case.
    let (merged_json, junit) = (dir.join("merged.json"), dir.join("junit.xml"));
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(shard_files.iter().map(|f| f.display().to_string()));
    args.extend([
        "--report-json".into(),
        merged_json.display().to_string(),
        "--junit".into(),
        junit.display().to_string(),
    ]);
    let (code, stdout, stderr) = conformance(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let passed = whole.count(Status::Passed);
    assert!(stdout.ends_with(&format!("{passed} passed, 0 failed\n")), "{stdout}");
    assert_eq!(stdout.matches("kejue:\n").count(), 1, "{stdout}");
    let merged = read(&merged_json);
    assert_eq!(merged.planned, whole.planned);
    for status in [Status::Passed, Status::Failed, Status::Error, Status::Skipped] {
        assert_eq!(merged.count(status), whole.count(status), "{status:?}");
    }
    assert_eq!(merged.notes, whole.notes);
    let junit = std::fs::read_to_string(junit).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), whole.cases.len());
    assert!(junit.contains(&format!("tests=\"{}\"", whole.cases.len())), "{junit}");

    // A shard missing, or one given twice, is refused: its cases would not count, or twice.
    let (code, _, stderr) = conformance(&[
        "merge",
        shard_files[0].to_str().unwrap(),
        shard_files[1].to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("shard 3/3 is missing"), "{stderr}");
    let (code, _, stderr) = conformance(&[
        "merge",
        shard_files[0].to_str().unwrap(),
        shard_files[0].to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is in both"), "{stderr}");
}

#[test]
fn a_shard_out_of_range_is_a_usage_error() {
    let spec = spec(Api::Kejue);
    let (code, _, stderr) = conformance(&["list", "--spec", spec.to_str().unwrap(), "--shard", "4/3"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`4/3` is not a shard"), "{stderr}");
    // `list --shard` shows the share: the three shares together are the plan.
    let count = |args: &[&str]| {
        let (code, stdout, _) = conformance(args);
        assert_eq!(code, 0);
        stdout
            .lines()
            .filter(|l| !l.starts_with("note:") && !l.starts_with("resource:") && !l.ends_with(" cases"))
            .count()
    };
    let spec = spec.to_str().unwrap();
    let whole = count(&["list", "--spec", spec]);
    let shares: usize = (1..=3)
        .map(|i| count(&["list", "--spec", spec, "--shard", &format!("{i}/3")]))
        .sum();
    assert_eq!(shares, whole);
}
