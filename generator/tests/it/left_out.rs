//! One operation's defect stays in that operation (issue 24): an operation the generator
//! cannot handle (a parameter nested deeper than its style defines, a schema with
//! `$dynamicRef`, a parameter default that breaks its schema) is left out of the model, the
//! generated server and the runner's plan with a warning that names it, its location and the
//! reason; so is a component schema that cannot be lowered. The rest is generated.

use std::path::Path;

use generator::ErrorKind;

fn fixture() -> generator::Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/one_bad_operation.yaml");
    generator::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_bad_operation_is_left_out_with_a_warning_and_the_rest_is_generated() {
    let api = fixture();
    let ids: Vec<&str> = api.operations.iter().map(|o| o.operation_id.as_str()).collect();
    assert_eq!(ids, ["listThings", "createThing"]);
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    for expected in [
        "one_bad_operation.yaml:43:11: at #/paths/~1nested/get/parameters/0/schema: the operation `readNested` (GET /nested, at #/paths/~1nested/get) is left out of the generated code and the runner's plan: unsupported: the parameter `grid`, whose items or properties are arrays or objects",
        "one_bad_operation.yaml:74:41: at #/components/schemas/Tree/properties/children/items/$dynamicRef: the operation `readDynamic` (GET /dynamic, at #/paths/~1dynamic/get) is left out of the generated code and the runner's plan: unsupported: the keyword `$dynamicRef`",
        "one_bad_operation.yaml:74:41: at #/components/schemas/Tree/properties/children/items/$dynamicRef: the component schema `Tree` is left out of the generated code and the runner's plan: unsupported: the keyword `$dynamicRef`",
        "one_bad_operation.yaml:56:5: at #/paths/~1defaulted/get: the operation `readDefaulted` (GET /defaulted, at #/paths/~1defaulted/get) is left out of the generated code and the runner's plan: the spec contradicts itself: the default 11 of parameter `size` is not a valid value",
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(expected)),
            "{expected}\nnot among\n{warnings:#?}"
        );
    }
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
    // Each says why, as `--strict` would refuse the spec for it.
    let nested = api.warnings.iter().find(|w| w.pointer().contains("nested")).unwrap();
    let reason = nested.left_out_reason().unwrap();
    assert!(matches!(reason.kind(), ErrorKind::Unsupported(_)), "{reason}");
    assert_eq!(reason.position().map(|p| p.line), Some(43));
    // Nothing of the left-out parts is in the model or the generated code.
    let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
    assert!(
        names.contains(&"Thing") && !names.iter().any(|n| n.contains("Tree")),
        "{names:?}"
    );
    let files = generator::emit::api_module(&api, "one_bad", "one_bad_operation.yaml").unwrap();
    let server = &files.iter().find(|f| f.path.ends_with("server.rs")).unwrap().contents;
    assert!(
        server.contains("fn list_things") && server.contains("fn create_thing"),
        "{server}"
    );
    for left_out in ["read_nested", "read_dynamic", "read_defaulted", "/nested"] {
        assert!(!server.contains(left_out), "{left_out} in\n{server}");
    }
}

/// A component schema that fails and no operation uses is left out alone.
#[test]
fn a_bad_component_that_nothing_uses_is_left_out_alone() {
    let api = generator::load_str(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses: {'204': {description: ok}}\ncomponents:\n  schemas:\n    Good: {type: string}\n    Bad: {$recursiveRef: '#'}\n",
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.operations.len(), 1);
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "11:11: at #/components/schemas/Bad/$recursiveRef: the component schema `Bad` is left out of the generated code and the runner's plan: unsupported: the keyword `$recursiveRef` (not enforced by this generator)"
        ]
    );
    assert!(api.types.iter().any(|t| t.name == "Good") && !api.types.iter().any(|t| t.name == "Bad"));
}
