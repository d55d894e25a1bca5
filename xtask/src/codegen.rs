//! `cargo xtask codegen`: specs/ → generated/, byte-for-byte stable, with a staleness check.

use anyhow::Context;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::emit::{self, File};

#[derive(clap::Args)]
pub struct Args {
    /// Compare generated/ with what the specs give; exit 1 naming each stale file.
    #[arg(long, conflicts_with_all = ["spec", "out"])]
    check: bool,
    /// Generate a standalone crate for this one spec (with --out).
    #[arg(long, requires = "out")]
    spec: Option<PathBuf>,
    /// Where the standalone crate goes.
    #[arg(long, requires = "spec")]
    out: Option<PathBuf>,
    /// Warnings (an unknown key, a default that breaks its schema, ...) are errors: exit 2.
    #[arg(long)]
    strict: bool,
}

/// The workspace root: xtask lives one level below it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub fn run(args: &Args) -> ExitCode {
    let outcome = match (&args.spec, &args.out) {
        (Some(spec), Some(out)) => standalone(spec, out, args.strict),
        _ => workspace(args.check, args.strict),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// A Rust module name for a spec file: `specs/kejue.yaml` → `kejue`.
fn module_name(spec: &Path) -> String {
    let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("api");
    let stem = stem.strip_suffix(".openapi").unwrap_or(stem);
    generator::lower::names::snake(stem)
}

fn generate(spec: &Path, shown: &str, strict: bool) -> anyhow::Result<(String, Vec<File>)> {
    let api = generator::load(spec)?;
    for warning in &api.warnings {
        eprintln!("warning: {warning}");
    }
    if strict && !api.warnings.is_empty() {
        anyhow::bail!(
            "{}: {} warning(s), and --strict makes warnings errors",
            shown,
            api.warnings.len()
        );
    }
    let module = module_name(spec);
    let files = emit::api_module(&api, &module, shown)?;
    Ok((module, files))
}

fn specs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).with_context(|| dir.display().to_string())?;
    let mut specs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    specs.sort();
    Ok(specs)
}

fn workspace(check: bool, strict: bool) -> anyhow::Result<ExitCode> {
    let root = root();
    let mut files = vec![emit::workspace_manifest()];
    let mut modules = Vec::new();
    for spec in specs(&root.join("specs"))? {
        let shown = spec.strip_prefix(&root).unwrap_or(&spec).display().to_string();
        let (module, api_files) = generate(&spec, &shown, strict)?;
        modules.push(module);
        files.extend(api_files);
    }
    files.push(emit::lib_rs(&modules));
    let out = root.join("generated");
    let expected: BTreeSet<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
    let leftovers: Vec<PathBuf> = existing_sources(&out.join("src"))
        .into_iter()
        .filter(|p| !expected.contains(p))
        .collect();
    if check {
        let mut stale: Vec<String> = files
            .iter()
            .filter(|f| std::fs::read_to_string(out.join(&f.path)).ok().as_deref() != Some(f.contents.as_str()))
            .map(|f| format!("generated/{} is stale", f.path))
            .collect();
        stale.extend(
            leftovers
                .iter()
                .map(|p| format!("{} has no spec any more", p.display())),
        );
        if stale.is_empty() {
            println!("generated/ is up to date ({} specs)", modules.len());
            return Ok(ExitCode::SUCCESS);
        }
        for line in &stale {
            eprintln!("{line}");
        }
        eprintln!("run `cargo xtask codegen` to regenerate");
        return Ok(ExitCode::from(1));
    }
    let written = write_all(&out, &files)?;
    for path in &leftovers {
        std::fs::remove_file(path).with_context(|| path.display().to_string())?;
    }
    println!(
        "generated/: {} specs, {written} files changed, {} removed",
        modules.len(),
        leftovers.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn standalone(spec: &Path, out: &Path, strict: bool) -> anyhow::Result<ExitCode> {
    let (module, api_files) = generate(spec, &spec.display().to_string(), strict)?;
    let runtime = root().join("generator/runtime");
    let runtime = runtime.canonicalize().unwrap_or(runtime);
    let mut files = vec![
        emit::standalone_manifest(&module.replace('_', "-"), &runtime),
        emit::lib_rs(std::slice::from_ref(&module)),
    ];
    files.extend(api_files);
    let written = write_all(out, &files)?;
    println!(
        "{}: crate `{}` written ({written} files changed); build it with `cargo build` there",
        out.display(),
        module
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes files whose contents differ; returns how many.
fn write_all(out: &Path, files: &[File]) -> anyhow::Result<usize> {
    let mut written = 0;
    for file in files {
        let path = out.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
        }
        std::fs::write(&path, &file.contents).with_context(|| path.display().to_string())?;
        written += 1;
    }
    Ok(written)
}

fn existing_sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(existing_sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
