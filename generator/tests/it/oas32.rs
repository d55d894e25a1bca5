//! OpenAPI 3.2: the `query` method and `additionalOperations` become operations with routes,
//! `$self` is the base of references, tags with `parent`/`kind` are annotations, `itemSchema`
//! makes a body a list of items, and what is not supported (`in: querystring`, `itemSchema`
//! for a media type that is not a sequence) is refused by name.

use std::path::Path;

use generator::model::{Api, Media, Method, TypeRef};

fn fixture() -> Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oas32.yaml");
    generator::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(text: &str) -> String {
    crate::support::refusal(text).to_string()
}

const HEAD: &str = "openapi: 3.2.0\ninfo: {title: t, version: '1'}\n";

#[test]
fn query_and_additional_operations_are_operations() {
    let api = fixture();
    assert!(api.warnings.is_empty(), "{:?}", api.warnings);
    let operations: Vec<(&str, &Method, &str)> = api
        .operations
        .iter()
        .map(|o| (o.operation_id.as_str(), &o.method, o.path.as_str()))
        .collect();
    assert_eq!(
        operations,
        [
            ("listItems", &Method::Get, "/items"),
            ("searchItems", &Method::Query, "/items"),
            ("linkItem", &Method::Other("LINK".into()), "/items/{id}"),
            ("exportItems", &Method::Get, "/items/export"),
            ("watchItems", &Method::Get, "/items/events"),
            ("importItems", &Method::Post, "/items/import"),
        ]
    );
    // The body's `$ref` is relative to `$self`, the response's absolute: both are this document.
    let search = api.operation("searchItems").unwrap();
    let body = search.body.as_ref().expect("a body");
    assert!(body.required);
    assert!(api.struct_of(&body.ty.ty).is_some_and(|s| s.fields.len() == 2));
    // The path item's parameter reaches the additional operation.
    let link = api.operation("linkItem").unwrap();
    assert_eq!(link.parameters.len(), 1);
    // 3.2 reads schemas as 3.1 does.
    assert!(api.whole_floats_are_integers);
}

#[test]
fn item_schemas_make_bodies_lists_of_items() {
    let api = fixture();
    let item = api
        .types
        .iter()
        .position(|t| t.name == "Item")
        .map(generator::model::TypeId)
        .unwrap();
    let export = api.operation("exportItems").unwrap().responses[0].body.clone().unwrap();
    assert_eq!(export.media, Media::Sequence("application/jsonl".into()));
    assert_eq!(export.ty.ty, TypeRef::Array(Box::new(TypeRef::Named(item))));
    let events = api.operation("watchItems").unwrap().responses[0].body.clone().unwrap();
    assert_eq!(events.media, Media::Sequence("text/event-stream".into()));
    let TypeRef::Array(event) = &events.ty.ty else {
        panic!("{:?}", events.ty)
    };
    assert!(api.struct_of(event).is_some_and(|s| s.fields.len() == 4));
    let import = api.operation("importItems").unwrap().body.clone().unwrap();
    assert_eq!(import.media, Media::Sequence("application/x-ndjson".into()));
    assert_eq!(import.ty.ty, TypeRef::Array(Box::new(TypeRef::Named(item))));
}

/// An `itemSchema` that admits `null` makes a list of items that may be `null`: the item's
/// flag is kept (`TypeRef::OrNull`), so the validator and the runner accept a `null` item.
#[test]
fn a_nullable_item_schema_keeps_its_null() {
    let api = generator::load_str(
        &format!(
            "{HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: lines\n          content:\n            application/jsonl:\n              itemSchema: {{type: [object, 'null'], required: [id], properties: {{id: {{type: integer}}}}}}\n"
        ),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let body = api.operations[0].responses[0].body.clone().unwrap();
    assert!(
        matches!(&body.ty.ty, TypeRef::Array(item) if matches!(**item, TypeRef::OrNull(_))),
        "{:?}",
        body.ty
    );
    let judge = |value| generator::model::validate::validate(&api, &body.ty, &value);
    assert_eq!(judge(serde_json::json!([{"id": 1}, null])), vec![]);
    assert!(!judge(serde_json::json!([{"id": "x"}])).is_empty());
}

#[test]
fn the_server_routes_query_and_additional_methods_by_name() {
    let api = fixture();
    let files = crate::support::standalone_crate(&api, "oas32");
    let server = &files.iter().find(|f| f.path == "src/server.rs").unwrap().contents;
    // The router's statements, laid out by prettyplease: compared without white space.
    let tight: String = server.split_whitespace().collect();
    for route in [
        "routes.route(\"/items\",route::<S,ListItemsOperation>(axum::routing::MethodFilter::GET)",
        "routes.route(\"/items\",axum::routing::MethodRouter::new().fallback(dispatch_by_name_0::<S>)",
        "routes.route(\"/items/{id}\",axum::routing::MethodRouter::new().fallback(dispatch_by_name_1::<S>)",
    ] {
        assert!(tight.contains(route), "{route} in {server}");
    }
    assert!(
        tight.contains("\"QUERY\"=>serve::<S,SearchItemsOperation>(state,request).await"),
        "{server}"
    );
    assert!(
        tight.contains("\"LINK\"=>serve::<S,LinkItemOperation>(state,request).await"),
        "{server}"
    );
    assert!(server.contains("METHOD_NOT_ALLOWED"), "{server}");
}

#[test]
fn what_3_2_adds_and_is_not_supported_is_refused_by_name() {
    let e = load_err(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      parameters:\n        - {{name: q, in: querystring, content: {{application/x-www-form-urlencoded: {{schema: {{type: object}}}}}}}}\n      responses: {{'204': {{description: ok}}}}\n"
    ));
    assert!(
        e.starts_with("spec.yaml:7:21: at #/paths/~1a/get/parameters/0/in: unsupported: the 3.2 parameter `q` with `in: querystring`"),
        "{e}"
    );
    let e = load_err(&format!(
        "{HEAD}paths:\n  /a:\n    additionalOperations:\n      GET: {{responses: {{'204': {{description: ok}}}}}}\n"
    ));
    assert!(
        e.contains("at #/paths/~1a/additionalOperations/GET: expected a method that has no field of its own in the path item, found \"GET\" (write it as `get`)"),
        "{e}"
    );
    let e = load_err(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: parts\n          content:\n            multipart/mixed:\n              itemSchema: {{type: string}}\n"
    ));
    assert!(
        e.starts_with("spec.yaml:11:15: at #/paths/~1a/get/responses/200/content/multipart~1mixed/itemSchema: unsupported: `itemSchema` for `multipart/mixed`"),
        "{e}"
    );
    let e = load_err(&format!("{HEAD}$self: 42\npaths: {{}}\n"));
    assert!(
        e.contains("at #/$self: expected the document's URI as a string, found the number 42"),
        "{e}"
    );
}

#[test]
fn query_before_3_2_is_a_warning_and_left_out() {
    let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    query: {operationId: q, responses: {'204': {description: ok}}}\n";
    let api = generator::load_str(text, Some(Path::new("spec.yaml"))).unwrap_or_else(|e| panic!("{e}"));
    assert!(api.operations.is_empty());
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["spec.yaml:5:5: at #/paths/~1a/query: unsupported: `query` before OpenAPI 3.2 (it is a 3.2 field); left out"]
    );
}
