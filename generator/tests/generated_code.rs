//! The code generated for each spec, as insta snapshots: a change in output is a diff to review.

use std::path::{Path, PathBuf};

fn spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("{name}.yaml"))
}

fn generate(name: &str) -> Vec<generator::emit::File> {
    let api = generator::load(&spec(name)).unwrap_or_else(|e| panic!("{e}"));
    assert!(api.warnings.is_empty(), "{name}: {:?}", api.warnings);
    generator::emit::api_module(&api, name, &format!("specs/{name}.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

fn snapshot(name: &str) {
    let files = generate(name);
    for file in &files {
        let part = Path::new(&file.path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        insta::assert_snapshot!(format!("{name}_{part}"), file.contents);
    }
    // Same input, same bytes.
    assert_eq!(files, generate(name));
}

#[test]
fn kejue() {
    snapshot("kejue");
}

#[test]
fn kallima() {
    snapshot("kallima");
}

#[test]
fn konpro() {
    snapshot("konpro");
}

#[test]
fn sendkit() {
    snapshot("sendkit");
}
