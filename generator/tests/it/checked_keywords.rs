//! Keywords only a checked value enforces, beyond the JSON-Schema-Test-Suite files here:
//! `contains`, `minContains` and `maxContains` (2020-12 sections 10.3.1.3, 6.4.4-5: the items
//! `contains` admits, counted) and draft 4-7's `dependencies` (a list of names required
//! beside a property, or a schema the whole object must then match), and
//! `unevaluatedProperties` and `unevaluatedItems` where what is evaluated beside them is known
//! from the schema (its `allOf` members and `$ref`s). The validator and the generated type judge the same values
//! the same way.

use generator::model::validate::validate;
use generator::model::{TypeRef, TypeUse};
use serde_json::{Value, json};

use crate::run_generated;

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
    Payment:
      type: object
      dependencies:
        credit_card: [billing_address]
        shipping:
          required: [address]
          properties:
            address: {type: string}
    Base:
      type: object
      properties:
        id: {type: integer}
    Closed:
      $ref: '#/components/schemas/Base'
      properties:
        name: {type: string}
      patternProperties:
        '^x-': {type: string}
      unevaluatedProperties: false
    Composed:
      allOf:
        - $ref: '#/components/schemas/Base'
        - properties:
            size: {type: integer}
      unevaluatedProperties: {type: boolean}
    Pair:
      type: array
      prefixItems: [{type: string}]
    Triple:
      allOf:
        - $ref: '#/components/schemas/Pair'
        - prefixItems: [true, {type: integer}]
      unevaluatedItems: false
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
        ("Payment", json!({}), true),
        ("Payment", json!({"credit_card": 1, "billing_address": "x"}), true),
        ("Payment", json!({"credit_card": 1}), false),
        ("Payment", json!({"shipping": true, "address": "x"}), true),
        ("Payment", json!({"shipping": true}), false),
        ("Payment", json!({"shipping": true, "address": 1}), false),
        ("Closed", json!({"id": 1, "name": "a", "x-note": "b"}), true),
        ("Closed", json!({"id": 1, "other": 2}), false),
        ("Closed", json!({"id": "1"}), false),
        ("Composed", json!({"id": 1, "size": 2, "flag": true}), true),
        ("Composed", json!({"id": 1, "flag": "yes"}), false),
        ("Triple", json!(["a", 2]), true),
        ("Triple", json!(["a"]), true),
        ("Triple", json!(["a", 2, 3]), false),
        ("Triple", json!([1, 2]), false),
    ]
}

#[test]
fn contains_and_dependencies_are_judged_alike_by_the_validator_and_the_generated_types() {
    let api = generator::load_str(SPEC, None).unwrap_or_else(|e| panic!("{e}"));
    let type_of = |name: &str| {
        let id = api.types.iter().position(|t| t.name == name).unwrap();
        TypeRef::Named(generator::model::TypeId(id))
    };
    for (name, value, admitted) in cases() {
        let errors = validate(&api, &TypeUse::new(type_of(name), false), &value);
        assert_eq!(errors.is_empty(), admitted, "{name} {value}: {errors:?}");
    }

    let files = generator::emit::api_module(&api, "lists", "checked-keywords.yaml").unwrap_or_else(|e| panic!("{e}"));
    let checks: String = cases()
        .iter()
        .map(|(name, value, _)| {
            format!("    println!(\"{{}}\", serde_json::from_str::<checked_keywords::lists::models::{name}>(r#\"{value}\"#).is_ok());\n")
        })
        .collect();
    let main = format!("fn main() {{\n{checks}}}\n");
    let printed = run_generated::build_and_run("checked_keywords", files, &["lists".to_owned()], main, &[]);
    let verdicts: Vec<bool> = String::from_utf8(printed)
        .unwrap()
        .lines()
        .map(|l| l == "true")
        .collect();
    let expected: Vec<bool> = cases().iter().map(|(_, _, admitted)| *admitted).collect();
    assert_eq!(verdicts, expected);
}

/// Where which properties are evaluated depends on the value (which `anyOf` branch
/// passes), the branches that hold are counted at validation time, a branch inside a branch
/// where both hold.
#[test]
fn unevaluated_properties_count_the_branches_that_hold() {
    let spec = "openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Either:
      anyOf:
        - properties: {a: {type: string}}
        - properties: {b: {type: string}}
      unevaluatedProperties: false
    Deeper:
      anyOf:
        - anyOf:
            - properties: {a: {type: string}}
              required: [a]
            - properties: {c: {type: string}}
              required: [c]
      unevaluatedProperties: false
";
    let api = generator::load_str(spec, None).unwrap();
    let admits = |name: &str, v: Value| {
        let index = api.types.iter().position(|t| t.name == name).unwrap();
        let ty = TypeUse::non_null(TypeRef::Named(generator::model::TypeId(index)));
        validate(&api, &ty, &v).is_empty()
    };
    assert!(admits("Either", json!({"a": "x"})));
    assert!(admits("Either", json!({"a": "x", "b": "y"})));
    assert!(
        !admits("Either", json!({"a": "x", "c": 1})),
        "c is evaluated by no branch"
    );
    assert!(!admits("Either", json!({"a": 1, "b": "y", "c": 1})));
    assert!(admits("Deeper", json!({"a": "x"})));
    assert!(admits("Deeper", json!({"a": "x", "c": "y"})));
    assert!(
        !admits("Deeper", json!({"a": "x", "b": "y"})),
        "b is evaluated by no branch"
    );
}
