//! The whole JSON-Schema-Test-Suite (`../shared/jsts-full/`: every file of `draft2020-12/` and
//! `draft4/`, `optional/` included) as the yardstick of the model's one reading of JSON Schema
//! (issues 11 and 25). Without `../shared/` beside the clone, each test prints
//! a skip message (`testkit::shared`) and passes; with `REQUIRE_SHARED` set (CI) it fails.
//!
//! Each group's schema becomes component `T` of a one-operation document (OpenAPI 3.1.0 for
//! `draft2020-12`, 3.0.3 for `draft4`) whose 200 answer is `T`; local `$ref`s are re-rooted
//! under `#/components/schemas/T`. Every test's `data` is then judged by `model::validate`
//! (part A), and deserialized into the generated type of the answer (part B: every group's
//! models in one generated crate under `CARGO_TARGET_TMPDIR`, built once into
//! `target/generated-crates` with a small binary that judges each test). A verdict is *agree*
//! when it matches the suite's `valid`, *WRONG* when it does not, and *refused* when
//! lowering failed with an error (printed, naming file, pointer and keyword), or when a valid
//! number is refused by name as one its Rust type cannot hold: a refusal is honest, a WRONG
//! verdict is a silent misreading.
//!
//! Both parts print a per-file table (`-- --nocapture`; `JSTS_VERBOSE=1` lists each WRONG
//! verdict and refusal); part B also lists every test on which the two halves disagree. The
//! tests fail on any WRONG verdict, and part B on any disagreement between the halves.
//! Every refusal must be one `ALLOWED_REFUSALS` lists with its reason, and every entry there
//! must still refuse something. The suite's required tests expect `format` to annotate, its
//! `optional/format/` tests expect it asserted (`FormatMode`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codegen_runtime::formats::FormatMode;
use generator::model::validate::validate;
use serde_json::{Value, json};

use crate::run_generated;

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

/// `#` and `#/...` references point into the group's schema, which now sits at
/// `#/components/schemas/T`;
/// under an `$id` they point at the resource that `$id` names and stay as written.
fn reroot(schema: &Value) -> Value {
    match schema {
        Value::Object(map) if map.contains_key("$id") => schema.clone(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        // A pointer fragment moves with the schema; a plain name (`#foo`) names an
                        // `$anchor`, wherever it is, and stays.
                        ("$ref", Value::String(r)) if r == "#" || r.starts_with("#/") => {
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

/// The refusals the suite may see, each with its reason: a group name (`draft4/type.json#6`)
/// or a whole file (`draft2020-12/dynamicRef.json#`). Any other refusal fails the tests, and so
/// does an entry that no longer refuses anything (the list only shrinks).
const ALLOWED_REFUSALS: &[(&[&str], &str)] = &[
    (
        &[
            "draft2020-12/dynamicRef.json#",
            "draft2020-12/optional/dynamicRef.json#0",
            "draft2020-12/unevaluatedItems.json#18",
            "draft2020-12/unevaluatedProperties.json#21",
        ],
        "$dynamicRef/$dynamicAnchor: resolved through the dynamic scope at validation time, \
         which a Rust type fixed when generated cannot follow; not built for checked values \
         either (dynamicRef.json also names remote documents)",
    ),
    (
        &["draft2020-12/optional/cross-draft.json#0"],
        "a remote schema of another draft (2019-09, where prefixItems is no keyword): its \
         $schema is refused by name rather than read as 2020-12",
    ),
    (
        &[
            "draft4/ref.json#6",
            "draft4/ref.json#10",
            "draft4/ref.json#12",
            "draft4/ref.json#13",
            "draft4/ref.json#15",
            "draft4/optional/id.json#0",
            "draft4/refRemote.json#3",
            "draft4/refRemote.json#4",
            "draft4/refRemote.json#5",
            "draft4/refRemote.json#6",
            "draft4/refRemote.json#7",
        ],
        "draft 4's `id` (a base URI change, or `id: '#foo'` as an anchor): OpenAPI 3.0's Schema \
         Object has no `id`, and the loader reads 2020-12's `$id` only",
    ),
    (
        &[
            "draft2020-12/vocabulary.json#",
            "draft2020-12/optional/format-assertion.json#",
        ],
        "a meta-schema of the schema's own (`$schema` at http://localhost:1234/): its \
         `$vocabulary` may leave out validation or add format-assertion, and it is not read, so \
         lowering refuses the schema by name rather than misread it",
    ),
    (
        &[
            "draft2020-12/defs.json#0",
            "draft2020-12/ref.json#6",
            "draft4/definitions.json#0",
            "draft4/ref.json#7",
        ],
        "a $ref to the dialect's own meta-schema (validating a schema as data): the meta-schemas \
         are not bundled",
    ),
    (
        &[
            "draft4/type.json#6",
            "draft4/type.json#10",
            "draft4/additionalProperties.json#6",
            "draft4/allOf.json#1",
            "draft4/allOf.json#7",
            "draft4/items.json#4",
            "draft4/items.json#5",
            "draft4/patternProperties.json#3",
            "draft4/properties.json#3",
        ],
        "`type: null` in draft 4, which the suite reads as OpenAPI 3.0: 3.0 has no type `null` \
         (`nullable: true` says it), and lowering refuses it by name",
    ),
    (
        &[
            "draft2020-12/optional/bignum.json#0",
            "draft4/optional/bignum.json#0",
            "draft2020-12/optional/float-overflow.json#0",
        ],
        "an integer past 64 bits (1e52, 1e308) where the Rust type is i64: both halves refuse \
         the value by name (`cannot be held`), never rounding it",
    ),
];

/// Fails on a refused group the list does not name, and on an entry that names no refusal.
fn check_refusals(part: &str, refused: &BTreeMap<String, String>) {
    let listed = |group: &str, pattern: &str| {
        if pattern.ends_with('#') {
            group.starts_with(pattern)
        } else {
            group == pattern
        }
    };
    let unlisted: Vec<String> = refused
        .iter()
        .filter(|(group, _)| {
            !ALLOWED_REFUSALS
                .iter()
                .any(|(patterns, _)| patterns.iter().any(|p| listed(group, p)))
        })
        .map(|(group, why)| format!("{group}: {why}"))
        .collect();
    let stale: Vec<&str> = ALLOWED_REFUSALS
        .iter()
        .flat_map(|(patterns, _)| patterns.iter().copied())
        .filter(|p| !refused.keys().any(|group| listed(group, p)))
        .collect();
    for line in &unlisted {
        println!("  {part}: a refusal ALLOWED_REFUSALS does not list: {line}");
    }
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "{part}: {} refused groups not in ALLOWED_REFUSALS (printed above), and entries that refuse nothing any more: {stale:?}",
        unlisted.len()
    );
}

/// How a file's `format` is read: the suite's required tests expect JSON Schema's default
/// (a format is only an annotation), its `optional/format/` tests expect formats asserted
/// (`draft4/optional/format/ipv4.json`). (`optional/format-assertion.json` asks for assertion
/// through a meta-schema of its own, which lowering refuses.)
fn formats_of(file: &Path) -> FormatMode {
    let optional = file.components().any(|c| c.as_os_str() == "optional");
    let asserted = file.components().any(|c| c.as_os_str() == "format");
    if optional && asserted {
        FormatMode::Assert
    } else {
        FormatMode::Annotate
    }
}

/// The address the suite's `refRemote` tests give the documents in `remotes/`: mapped to the
/// folder, nothing fetched.
const REMOTES: &str = "http://localhost:1234/";

/// One group of the suite, lowered or refused.
struct Group {
    /// `draft2020-12/not.json#3`.
    name: String,
    file: String,
    /// What the suite expects of `format` in this group.
    formats: FormatMode,
    description: String,
    lowered: Result<generator::Api, generator::Error>,
    tests: Vec<Case>,
}

struct Case {
    description: String,
    data: Value,
    valid: bool,
}

/// Every group of every file, lowered.
fn groups(root: &Path) -> Vec<Group> {
    let mut relative = Vec::new();
    for draft in ["draft2020-12", "draft4"] {
        files(&root.join(draft), root, &mut relative);
    }
    assert!(
        relative.len() >= 100,
        "expected the whole suite, found {} files",
        relative.len()
    );
    let mut out = Vec::new();
    for file in relative {
        let openapi = if file.starts_with("draft4") { "3.0.3" } else { "3.1.0" };
        let text = std::fs::read_to_string(root.join(&file)).unwrap();
        let groups: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (g, group) in groups.iter().enumerate() {
            let name = format!("{}#{g}", file.display());
            let source = document(openapi, &group["schema"]);
            let formats = formats_of(&file);
            let tests = group["tests"]
                .as_array()
                .expect("a group has tests")
                .iter()
                .map(|t| Case {
                    description: t["description"].as_str().unwrap_or_default().to_owned(),
                    data: t["data"].clone(),
                    valid: t["valid"].as_bool().expect("`valid` is a boolean"),
                })
                .collect();
            out.push(Group {
                lowered: generator::load_str_with(
                    &source,
                    Some(Path::new(&name)),
                    generator::lower::Options {
                        formats,
                        documents: vec![(REMOTES.to_owned(), root.join("remotes"))],
                    },
                )
                .and_then(refused_if_left_out),
                formats,
                name,
                file: file.display().to_string(),
                description: group["description"].as_str().unwrap_or_default().to_owned(),
                tests,
            });
        }
    }
    out
}

/// A schema the generator cannot handle leaves its operation out (with a warning saying
/// why) rather than refusing the spec: here, as `--strict` reads it, that is a refusal.
fn refused_if_left_out(api: generator::Api) -> Result<generator::Api, generator::Error> {
    if api.operation("t").is_some() {
        return Ok(api);
    }
    match api.warnings.iter().find_map(generator::Error::left_out_reason) {
        Some(reason) => Err(reason),
        None => Ok(api),
    }
}

/// The type of the one answer's body, with whether `null` is allowed beside it.
fn body(api: &generator::Api) -> generator::model::ResponseBody {
    let operation = api.operation("t").expect("the operation");
    operation.responses[0].body.clone().expect("the answer has a body")
}

/// What one half says of one test's data: admitted, or refused with why.
type Verdict = Result<(), String>;

/// The validator's verdict on each test of a lowered group.
fn validator_verdicts(api: &generator::Api, group: &Group) -> Vec<Verdict> {
    let body = body(api);
    group
        .tests
        .iter()
        .map(|t| {
            let violations = validate(api, &body.ty, &t.data);
            if violations.is_empty() {
                Ok(())
            } else {
                Err(violations
                    .iter()
                    .map(|v| v.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "))
            }
        })
        .collect()
}

/// The words by which both halves refuse a number that their Rust type cannot hold (an
/// integer past 64 bits in an `i64`): a refusal by name, not a WRONG verdict.
const CANNOT_BE_HELD: &str = "cannot be held";

/// Whether `why` refuses `data` by name as a number its Rust type cannot hold: the halves'
/// own words, or serde's for a 3.0 integer field (`invalid type: floating point
/// `1.2345678910111214e52`, expected i64`) when the data is an integer past 64 bits.
fn cannot_be_held(data: &Value, why: &str) -> bool {
    let past_64_bits = data
        .as_f64()
        .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 18_446_744_073_709_551_616.0);
    why.contains(CANNOT_BE_HELD)
        || (past_64_bits
            && ["expected i64", "expected u64", "expected i32", "expected u32"]
                .iter()
                .any(|t| why.contains(t)))
}

/// Tallies verdicts (`None` for a group refused when lowered) per file; prints the table and,
/// when `JSTS_VERBOSE` is set, each WRONG verdict and refusal. Returns the totals and every
/// refused group (lowered, or a value its Rust type cannot hold) with the first reason.
fn table(title: &str, groups: &[Group], verdicts: &[Option<Vec<Verdict>>]) -> (Tally, BTreeMap<String, String>) {
    let verbose = std::env::var_os("JSTS_VERBOSE").is_some();
    let mut per_file: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut refused: BTreeMap<String, String> = BTreeMap::new();
    for (group, verdicts) in groups.iter().zip(verdicts) {
        let tally = per_file.entry(&group.file).or_default();
        let Some(verdicts) = verdicts else {
            tally.refused += group.tests.len();
            if let Err(e) = &group.lowered {
                if verbose {
                    println!("  refused {} ({:?}): {e}", group.name, group.description);
                }
                refused.entry(group.name.clone()).or_insert_with(|| e.to_string());
            }
            continue;
        };
        for (test, verdict) in group.tests.iter().zip(verdicts) {
            if verdict.is_ok() == test.valid {
                tally.agree += 1;
            } else if test.valid
                && let Err(why) = verdict
                && cannot_be_held(&test.data, why)
            {
                tally.refused += 1;
                if verbose {
                    println!("  refused ({title}) {} {:?}: {why}", group.name, test.description);
                }
                refused.entry(group.name.clone()).or_insert_with(|| why.clone());
            } else {
                tally.wrong += 1;
                if verbose {
                    println!(
                        "  WRONG ({title}) {} {:?} / {:?}: data {} valid {} (formats: {:?})",
                        group.name, group.description, test.description, test.data, test.valid, group.formats
                    );
                }
            }
        }
    }
    let mut total = Tally::default();
    println!("{:<48} {:>6} {:>6} {:>8}", title, "agree", "WRONG", "refused");
    for (file, t) in &per_file {
        println!("{file:<48} {:>6} {:>6} {:>8}", t.agree, t.wrong, t.refused);
        total += *t;
    }
    println!(
        "{:<48} {:>6} {:>6} {:>8}",
        "total", total.agree, total.wrong, total.refused
    );
    (total, refused)
}

#[test]
fn every_jsts_test_is_judged_right_by_the_validator_or_refused_by_name() {
    let Some(root) = testkit::shared("jsts-full") else {
        return;
    };
    let groups = groups(&root);
    let verdicts: Vec<Option<Vec<Verdict>>> = groups
        .iter()
        .map(|g| g.lowered.as_ref().ok().map(|api| validator_verdicts(api, g)))
        .collect();
    let (total, refused) = table("part A: model::validate", &groups, &verdicts);
    check_refusals("part A", &refused);
    assert_eq!(
        total.agree + total.wrong + total.refused,
        3162,
        "the suite's 3162 tests"
    );
    assert_eq!(
        total.wrong, 0,
        "WRONG verdicts by the validator (JSTS_VERBOSE=1 lists them)"
    );
}

/// Part B: every lowered group's models in one generated crate, compiled once with a small
/// binary that deserializes each test's data into the answer's type.
#[test]
fn every_jsts_test_is_judged_right_by_the_generated_types_as_by_the_validator() {
    let Some(root) = testkit::shared("jsts-full") else {
        return;
    };
    let groups = groups(&root);
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let mut arms = String::new();
    let mut cases = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let Ok(api) = &group.lowered else { continue };
        let module = format!("g{g}");
        files.extend(
            generator::emit::api_module(api, &module, &group.name).unwrap_or_else(|e| panic!("{}: {e}", group.name)),
        );
        let ty = if body(api).ty.nullable {
            format!("Option<jsts_check::{module}::models::T>")
        } else {
            format!("jsts_check::{module}::models::T")
        };
        arms.push_str(&format!(
            "        {g} => serde_json::from_str::<{ty}>(data).err().map(|e| e.to_string()),\n"
        ));
        modules.push(module);
        for test in &group.tests {
            cases.push(json!([g, test.data.to_string()]));
        }
    }
    let main = format!(
        "//! Reads `[[group, data], ...]` and prints, for each, `null` when the group's type admits the data, else why not.\n\n\
         fn admits(group: usize, data: &str) -> Option<String> {{\n    match group {{\n{arms}        _ => panic!(\"no group {{group}}\"),\n    }}\n}}\n\n\
         fn main() {{\n    let path = std::env::args().nth(1).expect(\"the cases file\");\n    \
         let cases: Vec<(usize, String)> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();\n    \
         let verdicts: Vec<Option<String>> = cases.iter().map(|(g, data)| admits(*g, data)).collect();\n    \
         println!(\"{{}}\", serde_json::to_string(&verdicts).unwrap());\n}}\n"
    );
    let cases_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jsts-cases.json");
    std::fs::write(&cases_path, Value::Array(cases).to_string()).unwrap();
    let printed = run_generated::build_and_run("jsts_check", files, &modules, main, &[&cases_path]);
    let mut admitted = serde_json::from_slice::<Vec<Option<String>>>(&printed)
        .unwrap()
        .into_iter()
        .map(|why| why.map_or(Ok(()), Err));
    let verdicts: Vec<Option<Vec<Verdict>>> = groups
        .iter()
        .map(|g| {
            g.lowered
                .as_ref()
                .ok()
                .map(|_| admitted.by_ref().take(g.tests.len()).collect())
        })
        .collect();
    let (total, refused) = table("part B: generated types", &groups, &verdicts);
    check_refusals("part B", &refused);
    // The two halves must agree test by test, not only in number.
    let mut disagree = 0;
    for (group, verdicts) in groups.iter().zip(&verdicts) {
        let (Ok(api), Some(types)) = (&group.lowered, verdicts) else {
            continue;
        };
        for ((test, by_types), by_validator) in group.tests.iter().zip(types).zip(validator_verdicts(api, group)) {
            if by_types.is_ok() != by_validator.is_ok() {
                disagree += 1;
                println!(
                    "  A and B disagree on {} {:?} / {:?}: data {}, validator {by_validator:?}, types {by_types:?}",
                    group.name, group.description, test.description, test.data
                );
            }
        }
    }
    println!("validator and generated types disagree on {disagree} tests");
    assert_eq!(
        (total.wrong, disagree),
        (0, 0),
        "WRONG verdicts by the generated types, and disagreements with the validator (JSTS_VERBOSE=1 lists them)"
    );
}
