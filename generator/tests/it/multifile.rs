//! Specs split over files: `$ref`s to other files, relative to the file that names them, YAML
//! and JSON mixed, cycles across files, lower to the model of the same spec in one file;
//! errors and warnings name the file, line and column where the problem is; references by
//! URL are read through a URL prefix mapped to a folder, or refused by name.

use std::path::{Path, PathBuf};

use generator::lower::Options;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The model as `Debug` shows it, with each `origin` (where a part is in the text it was
/// read from, which differs between one file and many) left out.
fn without_origins(api: &generator::Api) -> String {
    let text = format!("{api:#?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("origin: \"") {
        let (before, after) = rest.split_at(at + "origin: \"".len());
        out.push_str(before);
        let end = after.find("\",\n").expect("an origin ends its line");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn read(path: &Path, options: Options) -> generator::Loaded {
    generator::read(path, options).unwrap_or_else(|e| panic!("{e}"))
}

/// The error that refuses the spec, or the reason the part it broke was left out for.
fn error(path: &Path, options: Options) -> String {
    crate::support::refused(generator::read(path, options).map(|loaded| loaded.api)).to_string()
}

#[test]
fn a_spec_in_many_files_is_the_spec_in_one() {
    let dir = fixtures().join("multifile");
    let many = read(&dir.join("openapi.yaml"), Options::default());
    let one = read(&dir.join("single.yaml"), Options::default());
    assert!(many.api.warnings.is_empty(), "{:?}", many.api.warnings);
    assert!(one.api.warnings.is_empty(), "{:?}", one.api.warnings);
    assert_eq!(without_origins(&many.api), without_origins(&one.api));
    // Every file it read, the root first, each once.
    let names: Vec<String> = many
        .files
        .iter()
        .map(|f| f.strip_prefix(&dir).unwrap_or(f).display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "openapi.yaml",
            "paths/menu.yaml",
            "paths/dish.json",
            "schemas/common.json",
            "schemas/dish.yaml",
            "schemas/menu.yaml"
        ]
    );
    assert_eq!(one.files.len(), 1);
    // The cycle across files closes through a box: a dish's sides and menu hold dishes.
    let dish = many.api.types.iter().find(|t| t.name == "Dish").expect("Dish");
    assert!(dish.origin.starts_with("/x-documents/file:"), "{}", dish.origin);
}

#[test]
fn an_error_in_a_child_file_names_that_file_and_place() {
    let dir = fixtures().join("multifile-bad");
    let message = error(&dir.join("openapi.yaml"), Options::default());
    let child = dir.join("schemas/thing.yaml");
    assert!(
        message.starts_with(&format!("{}:7:5: at #/properties/size/minimum: ", child.display())),
        "{message}"
    );
}

#[test]
fn a_warning_in_a_child_file_names_that_file_and_place() {
    let dir = fixtures().join("multifile-bad");
    let loaded = read(&dir.join("warned.yaml"), Options::default());
    let warnings: Vec<String> = loaded.api.warnings.iter().map(ToString::to_string).collect();
    let child = dir.join("schemas/typo.json");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!("{}:4:32: at #/properties/name/maxLenght: ", child.display())),
        "{warnings:?}"
    );
}

#[test]
fn a_missing_file_is_named_at_the_reference() {
    let dir = fixtures().join("multifile-bad");
    let message = error(&dir.join("missing.yaml"), Options::default());
    let root = dir.join("missing.yaml");
    assert!(message.starts_with(&format!("{}:5:5: ", root.display())), "{message}");
    assert!(message.contains("paths/nowhere.yaml"), "{message}");
    assert!(message.contains("cannot read"), "{message}");
}

#[test]
fn a_reference_by_url_is_read_from_the_folder_it_is_mapped_to() {
    let dir = fixtures().join("multifile");
    let options = Options {
        documents: vec![("https://schemas.example.com/".to_owned(), dir.join("remote"))],
        ..Options::default()
    };
    let loaded = read(&dir.join("remote.yaml"), options);
    assert!(loaded.api.warnings.is_empty(), "{:?}", loaded.api.warnings);
    assert_eq!(
        loaded.files[1..],
        [dir.join("remote/v1/pet.yaml"), dir.join("remote/v1/owner.json")]
    );
    let pet = loaded
        .api
        .types
        .iter()
        .find(|t| t.name == "Pet")
        .expect("Pet, named by its file");
    let pet = loaded
        .api
        .struct_of(&generator::model::TypeRef::Named(generator::model::TypeId(
            loaded.api.types.iter().position(|t| std::ptr::eq(t, pet)).unwrap(),
        )));
    let fields: Vec<&str> = pet
        .expect("a struct")
        .fields
        .iter()
        .map(|f| f.wire_name.as_str())
        .collect();
    assert_eq!(fields, ["name", "owner"]);
}

#[test]
fn a_reference_by_url_no_folder_maps_is_refused_by_name() {
    let dir = fixtures().join("multifile");
    let message = error(&dir.join("remote.yaml"), Options::default());
    assert!(
        message.starts_with(&format!("{}:16:19: ", dir.join("remote.yaml").display())),
        "{message}"
    );
    assert!(
        message.contains("$ref `https://schemas.example.com/v1/pet.yaml`: not fetched"),
        "{message}"
    );
    assert!(message.contains("--map-url"), "{message}");
}
