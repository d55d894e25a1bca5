//! The runner reads bottom-up: no module of `conformance/src/` imports from a floor above its
//! own. The floors are DESIGN.md's; a module not listed here fails the test until it is
//! given one. Test code (`tests.rs` files, `#[cfg(test)]` modules) keeps to its floor too:
//! a module's tests are part of it.

use std::path::Path;

/// Lowest first. Each module may use those of lower floors (and its own submodules).
const FLOORS: &[&[&str]] = &[
    &["text", "habits", "redact", "shard", "error"],
    &["plan"],
    &["exec"],
    &["judgement"],
    &["scenarios"],
    &["checks"],
    &["snapshot"],
    &["report"],
    &["config"],
    &["har"],
    // The crate root: `run`, `Suite`, `Control`, `Event`.
    &["crate", "shrink"],
    &["in_process"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

/// The top-level module a file belongs to (`exec/http.rs` → `exec`, `lib.rs` → `crate`).
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    match first.strip_suffix(".rs") {
        Some("lib") => "crate".to_owned(),
        Some(stem) => stem.to_owned(),
        None => first,
    }
}

/// Every module named after `crate::` in `code` (`crate::plan::x` → `plan`; `crate::Suite`
/// and `crate::run` → `crate`), with the line it is on.
fn uses(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or_default();
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(list) = after.strip_prefix('{') {
                // `use crate::{a, b::c}`: each name.
                let inner = list.split('}').next().unwrap_or_default();
                for name in inner.split(',') {
                    out.push((n + 1, first_segment(name.trim())));
                }
            } else {
                out.push((n + 1, first_segment(after)));
            }
            rest = after;
        }
    }
    out
}

fn first_segment(path: &str) -> String {
    let word: String = path.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    // A lower-case word is a module (`crate::plan::x`, `use crate::scenarios;`) unless it is
    // called (`crate::run(...)`, a function of the root); a type is an item of the root.
    let called = path[word.len()..].starts_with('(');
    if word.chars().next().is_some_and(char::is_lowercase) && !called {
        word
    } else {
        "crate".to_owned()
    }
}

#[test]
fn no_module_imports_from_a_floor_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut upward = Vec::new();
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let relative = path.strip_prefix(&src).unwrap();
        let module = module_of(relative);
        // The binary's own files sit above everything.
        if module == "main" || module == "progress" {
            continue;
        }
        let own = floor_of(&module)
            .unwrap_or_else(|| panic!("{}: module `{module}` has no floor in FLOORS", relative.display()));
        let text = std::fs::read_to_string(&path).unwrap();
        for (line, used) in uses(&text) {
            if used == module {
                continue;
            }
            let theirs =
                floor_of(&used).unwrap_or_else(|| panic!("{}:{line}: `{used}` has no floor", relative.display()));
            if theirs > own {
                upward.push(format!(
                    "{}:{line}: {module} (floor {own}) uses {used} (floor {theirs})",
                    relative.display()
                ));
            }
        }
    }
    assert!(upward.is_empty(), "imports from a floor above:\n{}", upward.join("\n"));
}

#[test]
fn the_reader_of_imports_finds_what_it_must() {
    let code = "use crate::plan::{Case, Plan};\nuse crate::{Control, exec::Runner};\nuse crate::scenarios;\n\
                let x = crate::text::excerpt(t); // crate::report\ncrate::run_in_process(s)";
    let found: Vec<String> = uses(code).into_iter().map(|(_, m)| m).collect();
    assert_eq!(found, ["plan", "crate", "exec", "scenarios", "text", "crate"]);
}
