//! Swagger 2.0, read into the same model as OpenAPI 3: a 2.0 document with every construct
//! the generator reads lowers to the model of its OpenAPI 3.0 translation written by hand, and
//! errors point into the 2.0 text.

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/swagger2")
        .join(name)
}

/// The error that refuses the document, or the reason the part it broke was left out for.
fn error(name: &str) -> String {
    crate::support::refused(generator::load(&fixture(name))).to_string()
}

#[test]
fn a_swagger2_document_is_its_openapi3_translation() {
    let two = generator::load(&fixture("petstore.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let three = generator::load(&fixture("petstore.openapi3.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(two.warnings.is_empty(), "{:?}", two.warnings);
    assert!(three.warnings.is_empty(), "{:?}", three.warnings);
    // Everything, the parts' places in the translated document included.
    assert_eq!(format!("{two:#?}"), format!("{three:#?}"));
    // What the comparison covers is there: servers, schemes, bodies, forms, styles.
    assert_eq!(
        two.servers,
        ["https://pets.example.com/v2", "http://pets.example.com/v2"]
    );
    assert_eq!(two.base_path, "/v2");
    assert_eq!(two.security_schemes.len(), 3);
    let list = two.operation("listPets").expect("listPets");
    let styles: Vec<(&str, &str, bool)> = list
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.serialization.style.name(), p.serialization.explode))
        .collect();
    assert_eq!(
        styles,
        [
            ("limit", "form", true),
            ("tags", "form", false),
            ("ids", "form", true),
            ("colours", "spaceDelimited", false),
            ("sizes", "pipeDelimited", false),
            ("X-Request-Id", "simple", false),
        ]
    );
    let upload = two.operation("uploadPhoto").expect("uploadPhoto");
    assert_eq!(
        upload.body.as_ref().map(|b| &b.media),
        Some(&generator::model::Media::Multipart)
    );
    let note = two.operation("addNote").expect("addNote");
    assert_eq!(
        note.body.as_ref().map(|b| &b.media),
        Some(&generator::model::Media::Form)
    );
}

#[test]
fn an_error_in_the_translation_points_into_the_swagger2_text() {
    let message = error("multi-header.yaml");
    assert!(
        message.starts_with(&format!(
            "{}:13:11: at #/paths/~1things/get/parameters/0/collectionFormat: unsupported: `collectionFormat: multi` of the header parameter `X-Ids`",
            fixture("multi-header.yaml").display()
        )),
        "{message}"
    );
}

/// `collectionFormat: tsv` has no OpenAPI 3 style: a 2.0 spec's query array joined by tabs
/// gets a style of its own (written and read by `codegen_runtime::style`, round trip tested
/// there), which a 3.x spec cannot name.
#[test]
fn tab_separated_query_arrays_are_read_from_a_swagger2_spec_only() {
    let two = generator::load(&fixture("tsv.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(two.warnings.is_empty(), "{:?}", two.warnings);
    let ids = &two.operation("listThings").expect("listThings").parameters[0];
    assert_eq!(
        (
            ids.name.as_str(),
            ids.serialization.style.name(),
            ids.serialization.explode
        ),
        ("ids", "tabDelimited", false)
    );
    let three = r#"
openapi: 3.0.3
info: {title: Tabs, version: '1'}
paths:
  /things:
    get:
      parameters:
        - {name: ids, in: query, style: tabDelimited, schema: {type: array, items: {type: string}}}
      responses: {'200': {description: ok}}
"#;
    let refused = crate::support::refusal(three).to_string();
    assert!(
        refused.contains(
            "parameters/0/style: expected one of matrix, label, simple, form, spaceDelimited, pipeDelimited, deepObject"
        ),
        "{refused}"
    );
}

#[test]
fn an_error_in_lowering_points_into_the_swagger2_text() {
    let message = error("bad-definition.yaml");
    assert!(
        message.starts_with(&format!(
            "{}:10:9: at #/definitions/Thing/properties/size/minimum: ",
            fixture("bad-definition.yaml").display()
        )),
        "{message}"
    );
}

#[test]
fn a_warning_points_into_the_swagger2_text() {
    let text = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      parameters:\n        - name: n\n          in: body\n          schema:\n            type: string\n            maxLenght: 3\n      responses: {'204': {description: ok}}\n";
    let api = generator::load_str(text, Some(Path::new("spec.yaml"))).unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("spec.yaml:11:13: at #/paths/~1a/post/parameters/0/schema/maxLenght: ")),
        "{warnings:?}"
    );
}
