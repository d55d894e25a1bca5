//! `contains`, `minContains` and `maxContains` (JSON Schema 2020-12 section 10.3.1.3 and
//! 6.4.4-5): a checked value counts the items its `contains` schema admits. The validator and
//! the generated type judge the same values the same way.

use generator::model::TypeRef;
use generator::model::validate::validate;
use serde_json::{Value, json};

mod run_generated;

const SPEC: &str = r#"
openapi: 3.1.0
info: {title: contains, version: '1'}
paths: {}
components:
  schemas:
    Roles:
      type: array
      items: {type: string}
      contains: {const: owner}
      minContains: 1
      maxContains: 2
    Scores:
      type: array
      contains: {type: integer, minimum: 10}
      minContains: 0
      maxContains: 1
"#;

/// Each value, and whether `Roles` and `Scores` admit it.
fn cases() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("Roles", json!(["owner"]), true),
        ("Roles", json!(["viewer", "owner", "owner"]), true),
        ("Roles", json!(["viewer"]), false),
        ("Roles", json!([]), false),
        ("Roles", json!(["owner", "owner", "owner"]), false),
        ("Roles", json!(["owner", 1]), false),
        ("Scores", json!([]), true),
        ("Scores", json!([1, "a", 12]), true),
        ("Scores", json!([10, 12]), false),
    ]
}

#[test]
fn contains_is_counted_alike_by_the_validator_and_the_generated_types() {
    let api = generator::load_str(SPEC, None).unwrap_or_else(|e| panic!("{e}"));
    let type_of = |name: &str| {
        let id = api.types.iter().position(|t| t.name == name).unwrap();
        TypeRef::Named(generator::model::TypeId(id))
    };
    for (name, value, admitted) in cases() {
        let errors = validate(&api, &type_of(name), false, &value);
        assert_eq!(errors.is_empty(), admitted, "{name} {value}: {errors:?}");
    }

    let files = generator::emit::api_module(&api, "lists", "contains.yaml").unwrap_or_else(|e| panic!("{e}"));
    let checks: String = cases()
        .iter()
        .map(|(name, value, _)| {
            format!("    println!(\"{{}}\", serde_json::from_str::<contains::lists::models::{name}>(r#\"{value}\"#).is_ok());\n")
        })
        .collect();
    let main = format!("fn main() {{\n{checks}}}\n");
    let printed = run_generated::build_and_run("contains", files, &["lists".to_owned()], main, &[]);
    let verdicts: Vec<bool> = String::from_utf8(printed)
        .unwrap()
        .lines()
        .map(|l| l == "true")
        .collect();
    let expected: Vec<bool> = cases().iter().map(|(_, _, admitted)| *admitted).collect();
    assert_eq!(verdicts, expected);
}
