//! The JSON-Schema-Test-Suite (`../shared/jsts/`) as the yardstick of the model's one
//! reading of JSON Schema (issue 11).
//!
//! Each group's schema becomes component `T` of a one-operation document (OpenAPI 3.1.0 for
//! `draft2020-12`, 3.0.3 for `draft4`) whose 200 answer is `T`; local `$ref`s are re-rooted
//! under `#/components/schemas/T`. Every test's `data` is then judged by `model::validate`
//! (part A). A verdict is *agree* when it matches the suite's `valid`, *WRONG* when it does
//! not, and *refused* when lowering failed with an error (printed, naming file, pointer and
//! keyword): a refusal is honest, a WRONG verdict is a silent misreading.
//!
//! The test prints a per-file table. It fails when WRONG exceeds the ratchet below. The
//! ratchet is a stepping stone, not the goal: it is lowered with every fix and must reach
//! zero, at which point any WRONG verdict fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use generator::model::validate::validate;
use serde_json::{Value, json};

/// The most WRONG verdicts part A may give today. Lower it with each fix; it must reach 0.
const WRONG_AT_MOST: usize = 23;

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    agree: usize,
    wrong: usize,
    refused: usize,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.agree += other.agree;
        self.wrong += other.wrong;
        self.refused += other.refused;
    }
}

/// Every `.json` file under `dir`, sorted, as paths relative to `base`.
fn files(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path.strip_prefix(base).unwrap().to_path_buf());
        }
    }
}

/// `#...` references point at the group's schema, which now sits at `#/components/schemas/T`.
fn reroot(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("$ref", Value::String(r)) if r.starts_with('#') => {
                            Value::String(format!("#/components/schemas/T{}", &r[1..]))
                        }
                        // Values that are data, not schemas: left as written.
                        ("enum" | "const" | "default" | "examples", _) => v.clone(),
                        _ => reroot(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reroot).collect()),
        other => other.clone(),
    }
}

/// The one-operation document around a group's schema.
fn document(openapi: &str, schema: &Value) -> String {
    let doc = json!({
        "openapi": openapi,
        "info": {"title": "jsts", "version": "1"},
        "paths": {"/t": {"get": {
            "operationId": "t",
            "responses": {"200": {
                "description": "the schema under test",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}
            }}
        }}},
        "components": {"schemas": {"T": reroot(schema)}}
    });
    serde_json::to_string_pretty(&doc).unwrap()
}

/// Judges every test of one file; prints the WRONG ones and the refusals when `verbose`.
fn judge_file(root: &Path, relative: &Path, verbose: bool) -> Tally {
    let openapi = if relative.starts_with("draft4") {
        "3.0.3"
    } else {
        "3.1.0"
    };
    let text = std::fs::read_to_string(root.join(relative)).unwrap();
    let groups: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", relative.display()));
    let mut tally = Tally::default();
    for (g, group) in groups.iter().enumerate() {
        let tests = group["tests"].as_array().expect("a group has tests");
        let name = format!("{}#{g}", relative.display());
        let source = document(openapi, &group["schema"]);
        let api = match generator::load_str(&source, Some(Path::new(&name))) {
            Ok(api) => api,
            Err(e) => {
                tally.refused += tests.len();
                if verbose {
                    println!("  refused {name} ({}): {e}", group["description"]);
                }
                continue;
            }
        };
        let body = api.operation("t").expect("the operation").responses[0]
            .body
            .clone()
            .expect("the answer has a body");
        for test in tests {
            let valid = test["valid"].as_bool().expect("`valid` is a boolean");
            let violations = validate(&api, &body.ty, body.nullable, &test["data"]);
            if violations.is_empty() == valid {
                tally.agree += 1;
            } else {
                tally.wrong += 1;
                if verbose {
                    println!(
                        "  WRONG {name} {:?} / {:?}: data {} valid {valid}, validator says {:?}",
                        group["description"].as_str().unwrap_or_default(),
                        test["description"].as_str().unwrap_or_default(),
                        test["data"],
                        violations.iter().map(|v| &v.message).collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    tally
}

#[test]
fn every_jsts_test_is_judged_right_by_the_validator_or_refused_by_name() {
    let Some(root) = testkit::shared("jsts") else { return };
    let verbose = std::env::var_os("JSTS_VERBOSE").is_some();
    let mut relative = Vec::new();
    for draft in ["draft2020-12", "draft4"] {
        files(&root.join(draft), &root, &mut relative);
    }
    assert!(
        relative.len() >= 40,
        "expected the whole suite, found {} files",
        relative.len()
    );
    let mut table = BTreeMap::new();
    let mut total = Tally::default();
    for file in &relative {
        let tally = judge_file(&root, file, verbose);
        total += tally;
        table.insert(file.display().to_string(), tally);
    }
    println!(
        "{:<48} {:>6} {:>6} {:>8}",
        "file (part A: model::validate)", "agree", "WRONG", "refused"
    );
    for (file, t) in &table {
        println!("{file:<48} {:>6} {:>6} {:>8}", t.agree, t.wrong, t.refused);
    }
    println!(
        "{:<48} {:>6} {:>6} {:>8}",
        "total", total.agree, total.wrong, total.refused
    );
    assert!(
        total.wrong <= WRONG_AT_MOST,
        "{} WRONG verdicts, more than the {WRONG_AT_MOST} allowed today (JSTS_VERBOSE=1 lists them)",
        total.wrong
    );
}
