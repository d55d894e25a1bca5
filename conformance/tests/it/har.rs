//! `run --har FILE` against a kejue reference server on loopback: the file reads back as HAR
//! 1.2 (every field the format requires), holds every case's request and every delivery the
//! receiver got, and no credential or signature.

use std::path::{Path, PathBuf};

use reference::{Api, Options};
use serde_json::Value;

const KEYS: [&str; 2] = reference::EMBEDDED_KEYS;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts that `value[key]` exists and has the JSON type `kind` (HAR 1.2's required fields).
fn field<'a>(value: &'a Value, key: &str, kind: &str, at: &str) -> &'a Value {
    let v = value.get(key).unwrap_or_else(|| panic!("{at}: no `{key}` in {value}"));
    let ok = match kind {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        _ => unreachable!("a kind this test names"),
    };
    assert!(ok, "{at}.{key} is not a {kind}: {v}");
    v
}

fn name_values(list: &Value, at: &str) {
    for item in list.as_array().unwrap() {
        field(item, "name", "string", at);
        field(item, "value", "string", at);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_har_file_is_har_1_2_with_every_case_and_no_credential() {
    let dir = scratch("har");
    let running = reference::start(Options::embedded(Api::Kejue), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (har, report) = (dir.join("run.har"), dir.join("report.json"));
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml");
    let base = running.base_url.clone();
    let args: Vec<String> = vec![
        "run".into(),
        "--spec".into(),
        spec.display().to_string(),
        "--base-url".into(),
        base.clone(),
        "--har".into(),
        har.display().to_string(),
        "--report-json".into(),
        report.display().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args(&args)
            .env("CONFORMANCE_TOKEN", KEYS[0])
            .env("CONFORMANCE_TOKEN_ALT", KEYS[1])
            .env_remove("CI")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    running.stop().await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let text = std::fs::read_to_string(&har).unwrap();
    for key in KEYS {
        assert!(!text.contains(key), "a credential in the HAR file");
    }
    let har: Value = serde_json::from_str(&text).unwrap();
    let log = field(&har, "log", "object", "");
    assert_eq!(field(log, "version", "string", "log"), "1.2");
    let creator = field(log, "creator", "object", "log");
    assert_eq!(field(creator, "name", "string", "creator"), "conformance");
    field(creator, "version", "string", "creator");
    let entries = field(log, "entries", "array", "log").as_array().unwrap();
    let mut requests = 0;
    let mut previous = String::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("entries[{i}]");
        let started = field(entry, "startedDateTime", "string", &at).as_str().unwrap();
        assert!(
            started.len() == 24 && started.ends_with('Z') && &started[10..11] == "T",
            "{started}"
        );
        assert!(started >= previous.as_str(), "entries in the order they started");
        previous = started.to_owned();
        assert!(field(entry, "time", "number", &at).as_f64().unwrap() >= 0.0);
        let request = field(entry, "request", "object", &at);
        field(request, "method", "string", &at);
        let url = field(request, "url", "string", &at).as_str().unwrap();
        if entry["_step"] == "delivery" {
            assert!(url.starts_with("http://127.0.0.1:") && url.contains("/[run]/"), "{url}");
        } else {
            assert!(url.starts_with(&base), "{url}");
        }
        field(request, "httpVersion", "string", &at);
        field(request, "cookies", "array", &at);
        name_values(field(request, "headers", "array", &at), &at);
        name_values(field(request, "queryString", "array", &at), &at);
        field(request, "headersSize", "number", &at);
        field(request, "bodySize", "number", &at);
        if let Some(post) = request.get("postData") {
            field(post, "mimeType", "string", &at);
            field(post, "text", "string", &at);
        }
        let response = field(entry, "response", "object", &at);
        field(response, "status", "number", &at);
        field(response, "statusText", "string", &at);
        field(response, "httpVersion", "string", &at);
        field(response, "cookies", "array", &at);
        name_values(field(response, "headers", "array", &at), &at);
        let content = field(response, "content", "object", &at);
        field(content, "size", "number", &at);
        field(content, "mimeType", "string", &at);
        field(response, "redirectURL", "string", &at);
        field(response, "headersSize", "number", &at);
        field(response, "bodySize", "number", &at);
        field(entry, "cache", "object", &at);
        let timings = field(entry, "timings", "object", &at);
        for t in ["send", "wait", "receive"] {
            assert!(field(timings, t, "number", &at).as_f64().unwrap() >= 0.0);
        }
        if entry["_step"] == "request" {
            requests += 1;
        }
    }
    // Every case's own request is there, and the setup creates beside them.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(requests, report["cases"].as_array().unwrap().len());
    assert!(entries.iter().any(|e| e["_step"] == "setup: create"));
    // Each delivery is an entry, its signature hidden: as many as the report's cases got.
    let deliveries: Vec<&Value> = entries.iter().filter(|e| e["_step"] == "delivery").collect();
    assert!(deliveries.len() >= 4, "{} delivery entries", deliveries.len());
    assert!(
        deliveries
            .iter()
            .any(|e| e["_case"] == "createWebhook.delivery.retries" && e["response"]["status"] == 503)
    );
    for d in &deliveries {
        let signature = d["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "webhook-signature")
            .map(|h| h["value"].clone());
        assert_eq!(signature, Some(Value::from("[signature]")), "{d}");
    }
    // The credential is masked where it went.
    assert!(text.contains("[CONFORMANCE_TOKEN]"));
}
