//! The code generated for each spec in specs/ is exactly the committed `generated/` crate:
//! one copy of the expected output, which is also what the workspace compiles. A change in
//! output shows as a unified diff; `cargo xtask codegen` accepts it by rewriting generated/.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use generator::emit::{self, File};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every spec `cargo xtask codegen` reads: specs/*.{yaml,yml,json}, sorted.
fn specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("specs"))
        .expect("specs/")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    specs.sort();
    specs
}

/// The module name `cargo xtask codegen` gives a spec: `specs/kejue.yaml` → `kejue`.
fn module_name(spec: &Path) -> String {
    let stem = spec.file_stem().and_then(|s| s.to_str()).expect("a file name");
    generator::lower::names::snake(stem.strip_suffix(".openapi").unwrap_or(stem))
}

fn generate(spec: &Path) -> (String, Vec<File>) {
    let api = generator::load(spec).unwrap_or_else(|e| panic!("{e}"));
    let module = module_name(spec);
    assert!(api.warnings.is_empty(), "{module}: {:?}", api.warnings);
    let shown = format!(
        "specs/{}",
        spec.file_name().and_then(|s| s.to_str()).expect("a file name")
    );
    let files = emit::api_module(&api, &module, &shown).unwrap_or_else(|e| panic!("{e}"));
    (module, files)
}

/// Appends a unified diff of generated/`file` against what the emitter gives, if they differ.
fn compare(file: &File, report: &mut String) {
    let path = format!("generated/{}", file.path);
    let committed = std::fs::read_to_string(root().join(&path)).unwrap_or_default();
    if committed == file.contents {
        return;
    }
    let diff = similar::TextDiff::from_lines(&committed, &file.contents);
    let emitted = format!("{path} (as emitted now)");
    write!(
        report,
        "{}",
        diff.unified_diff().context_radius(3).header(&path, &emitted)
    )
    .expect("a String");
}

#[test]
fn generated_crate_is_what_the_emitter_writes() {
    let mut report = String::new();
    let mut modules = Vec::new();
    // kallima's and kejue's webhooks need the runtime's `receiver`; no format of the
    // workspace's specs needs another feature.
    let mut files = vec![emit::workspace_manifest(&["receiver"])];
    for spec in specs() {
        let (module, api_files) = generate(&spec);
        // Same input, same bytes.
        assert_eq!(
            api_files,
            generate(&spec).1,
            "{module}: output is not byte-for-byte stable"
        );
        files.extend(api_files);
        modules.push(module);
    }
    assert!(!modules.is_empty(), "no specs in specs/");
    files.push(emit::lib_rs(&modules));
    for file in &files {
        compare(file, &mut report);
    }
    assert!(
        report.is_empty(),
        "generated/ differs from what the emitter writes now:\n\n{report}\n\
         If the change is intended, run `cargo xtask codegen` and commit generated/."
    );
}
