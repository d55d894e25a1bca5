//! Array items and map values that may be `null` (issue 11): a 3.1 spec with
//! `items: {type: [string, 'null']}` and one with `items: {$ref: <a nullable schema>}`
//! generate `Vec<Option<T>>`, compile, and round-trip `null` items; the validator reads them
//! the same way.

use generator::model::validate::validate;
use generator::model::{TypeRef, TypeUse};
use serde_json::json;

use crate::run_generated;

const SPEC: &str = r#"
openapi: 3.1.0
info: {title: nullable items, version: '1'}
paths: {}
components:
  schemas:
    MaybeName: {type: [string, 'null'], minLength: 1}
    Lists:
      type: object
      required: [names, things, counts]
      properties:
        names: {type: array, items: {type: [string, 'null']}}
        things: {type: array, items: {$ref: '#/components/schemas/MaybeName'}}
        counts: {type: object, additionalProperties: {type: [integer, 'null']}}
"#;

const WIRE: &str = r#"{"names":["a",null],"things":[null,"ab"],"counts":{"a":1,"b":null}}"#;

#[test]
fn null_items_and_values_generate_compile_and_round_trip() {
    let api = generator::load_str(SPEC, None).unwrap_or_else(|e| panic!("{e}"));
    let id = api.types.iter().position(|t| t.name == "Lists").unwrap();
    let lists = TypeUse::new(TypeRef::Named(generator::model::TypeId(id)), false);
    let wire: serde_json::Value = serde_json::from_str(WIRE).unwrap();
    assert_eq!(validate(&api, &lists, &wire), vec![]);
    let empty_name = json!({"names": [], "things": [""], "counts": {}});
    assert!(!validate(&api, &lists, &empty_name).is_empty(), "minLength still holds");

    let files = generator::emit::api_module(&api, "lists", "nullable-items.yaml").unwrap_or_else(|e| panic!("{e}"));
    let main = format!(
        r##"fn main() {{
    type Lists = nullable_items::lists::models::Lists;
    let lists: Lists = serde_json::from_str(r#"{WIRE}"#).unwrap();
    let names: &Vec<Option<String>> = &lists.names;
    assert_eq!(names, &vec![Some("a".to_owned()), None]);
    assert!(lists.things[0].is_none());
    let counts: &std::collections::BTreeMap<String, Option<codegen_runtime::numbers::Whole<i64>>> = &lists.counts;
    assert_eq!((counts["a"], counts["b"]), (Some(codegen_runtime::numbers::Whole(1)), None));
    assert!(serde_json::from_str::<Lists>(r#"{{"names":[],"things":[""],"counts":{{}}}}"#).is_err());
    print!("{{}}", serde_json::to_string(&lists).unwrap());
}}
"##
    );
    let printed = run_generated::build_and_run("nullable_items", files, &["lists".to_owned()], main, &[]);
    assert_eq!(
        String::from_utf8(printed).unwrap(),
        WIRE,
        "null items survive the round trip"
    );
}
