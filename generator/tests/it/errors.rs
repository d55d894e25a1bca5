//! A spec the generator cannot handle is an error that says where (file, pointer, line)
//! and what was expected and found; never a panic.

use generator::ErrorKind;
use generator::model::{ParamLocation, TypeRef};

fn load(text: &str) -> generator::Error {
    crate::support::refusal(text)
}

const HEAD: &str = "openapi: 3.1.0\ninfo:\n  title: t\n  version: '1'\n";

#[test]
fn yaml_syntax_error_points_at_its_line() {
    let e = load(&format!("{HEAD}paths:\n  /a:\n    get:\n      responses: {{\n"));
    assert!(matches!(e.kind(), ErrorKind::Syntax(_)), "{e}");
    let position = e.position().expect("a position");
    assert!(position.line >= 8, "{e}");
    assert!(e.to_string().starts_with("spec.yaml:"), "{e}");
}

#[test]
fn json_syntax_error_points_at_its_line() {
    let e = load("{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\n    \"title\": \"t\",,\n  }\n}\n");
    assert!(matches!(e.kind(), ErrorKind::Syntax(_)), "{e}");
    assert_eq!(e.position().map(|p| p.line), Some(4), "{e}");
}

#[test]
fn unknown_ref_names_the_ref_and_its_line() {
    let text = format!(
        "{HEAD}components:\n  schemas:\n    Webhook:\n      type: object\n      properties:\n        stats:\n          $ref: '#/components/schemas/Stats'\n"
    );
    let e = load(&text);
    assert_eq!(*e.kind(), ErrorKind::UnresolvedRef("#/components/schemas/Stats".into()));
    assert_eq!(e.pointer(), "/components/schemas/Webhook/properties/stats/$ref");
    assert_eq!(e.position().map(|p| p.line), Some(11), "{e}");
    assert_eq!(
        e.to_string(),
        "spec.yaml:11:11: at #/components/schemas/Webhook/properties/stats/$ref: $ref `#/components/schemas/Stats` points at nothing in the document"
    );
}

#[test]
fn typo_in_type_says_what_was_expected() {
    let text = format!(
        "{HEAD}components:\n  schemas:\n    Webhook:\n      type: object\n      properties:\n        url:\n          type: strng\n"
    );
    let e = load(&text);
    assert_eq!(e.pointer(), "/components/schemas/Webhook/properties/url/type");
    assert_eq!(e.position().map(|p| p.line), Some(11), "{e}");
    assert!(
        e.to_string()
            .contains("expected one of string, number, integer, boolean, array, object, null, found \"strng\""),
        "{e}"
    );
}

#[test]
fn unquoted_ref_read_as_a_comment_is_explained() {
    let text = format!(
        "{HEAD}components:\n  schemas:\n    A:\n      $ref: #/components/schemas/B\n    B:\n      type: string\n"
    );
    let e = load(&text);
    assert_eq!(e.pointer(), "/components/schemas/A/$ref");
    assert!(e.to_string().contains("read as a comment"), "{e}");
}

#[test]
fn versions_outside_3_0_to_3_2_are_refused_by_name() {
    let e = load("openapi: 3.3.0\ninfo: {title: t, version: '1'}\n");
    assert!(e.to_string().contains("unsupported: OpenAPI version 3.3.0"), "{e}");
    let e = load("openapi: 4.0.0\ninfo: {title: t, version: '1'}\n");
    assert!(e.to_string().contains("unsupported: OpenAPI version 4.0.0"), "{e}");
    let e = load("swagger: '1.2'\ninfo: {title: t, version: '1'}\n");
    assert!(e.to_string().contains("unsupported: Swagger version 1.2"), "{e}");
}

/// Defects real specs carry are warnings that say where and what was assumed, and the API
/// still lowers.
#[test]
fn duplicate_and_missing_operation_ids_and_undeclared_path_parameters_are_warnings() {
    let ok = "responses: {'200': {description: ok}}";
    let text = format!(
        "{HEAD}paths:\n  /a/{{id}}:\n    get: {{operationId: x, {ok}}}\n  /b:\n    get: {{operationId: x, {ok}}}\n    post: {{{ok}}}\n    put:\n      operationId: y\n      parameters: [{{name: gone, in: path, required: true, schema: {{type: string}}}}]\n      {ok}\n"
    );
    let api = generator::load_str(&text, Some(std::path::Path::new("spec.yaml"))).expect("lowers with warnings");
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "spec.yaml:7:5: at #/paths/~1a~1{id}/get/parameters: the spec contradicts itself: the path `/a/{id}` uses `{id}` but the operation declares no path parameter `id`; assumed a required string",
            "spec.yaml:9:11: at #/paths/~1b/get/operationId: the spec contradicts itself: operationId `x` is used twice (first at #/paths/~1a~1{id}/get); this one is called `x_2`",
            "spec.yaml:13:20: at #/paths/~1b/put/parameters/0: the spec contradicts itself: path parameter `gone` does not appear in the path `/b`; it is left out",
            "spec.yaml:10:5: at #/paths/~1b/post: expected an operationId, found none; assumed `postB` (from the method and path)",
        ]
    );
    let ids: Vec<&str> = api.operations.iter().map(|o| o.operation_id.as_str()).collect();
    assert_eq!(ids, ["x", "x_2", "y", "postB"]);
    let assumed = &api.operations[0].parameters[0];
    assert_eq!(
        (
            assumed.name.as_str(),
            assumed.location,
            assumed.required,
            &assumed.ty.ty
        ),
        ("id", ParamLocation::Path, true, &TypeRef::String)
    );
    assert!(api.operations[2].parameters.is_empty());
}

#[test]
fn ref_cycles_are_errors() {
    let e = load(&format!(
        "{HEAD}components:\n  schemas:\n    A:\n      allOf: [{{$ref: '#/components/schemas/B'}}]\n    B:\n      allOf: [{{$ref: '#/components/schemas/A'}}]\n"
    ));
    assert!(matches!(e.kind(), ErrorKind::RefCycle(_)), "{e}");
}

#[test]
fn bad_keyword_values_are_errors_not_panics() {
    for (snippet, expected) in [
        (
            "type: integer\n      minimum: low",
            "expected a number, found the string \"low\"",
        ),
        ("type: string\n      maxLength: -1", "expected a non-negative integer"),
        (
            "type: string\n      minLength: 5\n      maxLength: 2",
            "minLength 5 is above maxLength 2",
        ),
        (
            "type: string\n      enum: [a, 1]",
            "expected a string (the schema's type is string)",
        ),
        (
            "type: string\n      pattern: '(unclosed'",
            "unsupported: the pattern `(unclosed`",
        ),
        (
            "type: object\n      properties: [a]",
            "expected a mapping of property schemas",
        ),
        ("anyOf: 3", "expected an array of schemas"),
    ] {
        let e = load(&format!("{HEAD}components:\n  schemas:\n    A:\n      {snippet}\n"));
        assert!(e.to_string().contains(expected), "{snippet}: {e}");
        assert!(e.position().is_some(), "{snippet}: {e}");
    }
}

#[test]
fn garbage_input_is_an_error() {
    for text in [
        "",
        "[]",
        "42",
        "openapi: [1]",
        "{",
        "openapi: 3.0.0\npaths: 5\n",
        "\u{0}\u{1}",
    ] {
        assert!(generator::load_str(text, None).is_err(), "{text:?}");
    }
}

#[test]
fn an_unreadable_file_keeps_its_io_error_as_the_source() {
    let path = std::path::Path::new("no-such-dir/missing.yaml");
    let e = generator::load(path).expect_err("the file does not exist");
    assert!(matches!(e.kind(), ErrorKind::Io(_)), "{e}");
    assert_eq!(e.file(), Some(path));
    let source = std::error::Error::source(&e).expect("a source");
    let io = source.downcast_ref::<std::io::Error>().expect("the io::Error itself");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(
        e.to_string(),
        format!("no-such-dir/missing.yaml: cannot read the spec: {io}")
    );
}

#[test]
fn a_generator_bug_is_its_own_kind() {
    let e = generator::Error::internal("the code generated for `x` does not parse (expected `;`)");
    assert!(matches!(e.kind(), ErrorKind::Internal(_)));
    assert_eq!(
        e.to_string(),
        "the code generated for `x` does not parse (expected `;`); this is a bug in the generator"
    );
    assert!(std::error::Error::source(&e).is_none());
}
