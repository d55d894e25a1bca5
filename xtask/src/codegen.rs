//! `cargo xtask codegen`: specs/ → generated/, byte-for-byte stable, with a staleness check.

use anyhow::Context;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::emit::{self, File, RuntimeSource};

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
    /// Where the standalone crate finds `codegen-runtime`: `path:PATH` (as Cargo reads it from
    /// the crate's folder) or `version:X` (from a registry). Default: a copy of the runtime in
    /// `OUT/codegen-runtime/`, so that the crate builds wherever it is moved.
    #[arg(long, requires = "out", value_parser = parse_runtime, value_name = "path:PATH|version:X")]
    runtime: Option<RuntimeSource>,
    /// Write into an --out folder whose `Cargo.toml` the generator did not write.
    #[arg(long, requires = "out")]
    force: bool,
    /// Treat every warning (a defect in the spec worked around) as an error: for CI.
    #[arg(long)]
    strict: bool,
    /// Read the documents the specs' `$ref`s name under the URL PREFIX from FOLDER
    /// (repeatable); nothing is fetched, and a URL no prefix maps is refused by name. Files
    /// next to a spec need no mapping.
    #[arg(long = "map-url", value_name = "PREFIX=FOLDER", value_parser = generator::lower::Options::url_mapping)]
    map_urls: Vec<(String, PathBuf)>,
}

fn parse_runtime(text: &str) -> Result<RuntimeSource, String> {
    match text.split_once(':') {
        Some(("path", path)) if !path.is_empty() => Ok(RuntimeSource::Path(path.to_owned())),
        Some(("version", version)) if !version.is_empty() => Ok(RuntimeSource::Version(version.to_owned())),
        _ => Err(format!("expected `path:PATH` or `version:X`, found `{text}`")),
    }
}

/// The workspace root: xtask lives one level below it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub fn run(args: &Args) -> ExitCode {
    let outcome = match (&args.spec, &args.out) {
        (Some(spec), Some(out)) => standalone(spec, out, args),
        _ => workspace(args),
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

/// A standalone crate's module name: its spec's ([`module_name`]), or, for a root file named as
/// split specs' roots are (`openapi.yaml`, `swagger.json`, ...), the `--out` folder's, as
/// `cargo new` names a package: `--spec api/openapi.yaml --out my-api` is `my_api`.
fn crate_module_name(spec: &Path, out: &Path) -> String {
    const NAMELESS: &[&str] = &["openapi", "swagger", "api", "spec", "index", "root", "schema", "main"];
    let module = module_name(spec);
    if !NAMELESS.contains(&module.as_str()) {
        return module;
    }
    std::path::absolute(out)
        .ok()
        .and_then(|out| {
            out.file_name()
                .and_then(|n| n.to_str())
                .map(generator::lower::names::snake)
        })
        .unwrap_or(module)
}

/// The options every spec is read with: the `--map-url` mappings.
fn options(args: &Args) -> generator::lower::Options {
    generator::lower::Options {
        documents: args.map_urls.clone(),
        ..generator::lower::Options::default()
    }
}

/// The spec's module name and the lowered API; warnings printed, or errors with `strict`.
fn load(spec: &Path, args: &Args) -> anyhow::Result<(String, generator::Api)> {
    let api = generator::read(spec, options(args))?.api;
    report_warnings(spec, &api, args.strict)?;
    Ok((module_name(spec), api))
}

/// Prints the spec's warnings, or, with `strict`, fails with them.
fn report_warnings(spec: &Path, api: &generator::Api, strict: bool) -> anyhow::Result<()> {
    let label = if strict { "error" } else { "warning" };
    for warning in &api.warnings {
        eprintln!("{label}: {warning}");
    }
    if strict && !api.warnings.is_empty() {
        anyhow::bail!(
            "{}: {} warning(s), which --strict makes errors",
            spec.display(),
            api.warnings.len()
        );
    }
    Ok(())
}

/// Every spec of `specs/` read, with the files each read (its own first): a file another
/// spec's `$ref`s read (shared schemas beside the specs) is not a spec of its own.
fn read_specs(dir: &Path, args: &Args) -> anyhow::Result<Vec<(PathBuf, generator::Loaded)>> {
    let read: Vec<(PathBuf, Result<generator::Loaded, generator::Error>)> = specs(dir)?
        .into_iter()
        .map(|spec| {
            let loaded = generator::read(&spec, options(args));
            (spec, loaded)
        })
        .collect();
    let referenced: BTreeSet<PathBuf> = read
        .iter()
        .filter_map(|(_, loaded)| loaded.as_ref().ok())
        .flat_map(|loaded| {
            loaded
                .files
                .iter()
                .skip(1)
                .filter_map(|f| std::fs::canonicalize(f).ok())
        })
        .collect();
    let mut out = Vec::new();
    for (spec, loaded) in read {
        if std::fs::canonicalize(&spec).is_ok_and(|s| referenced.contains(&s)) {
            continue;
        }
        let loaded = loaded?;
        report_warnings(&spec, &loaded.api, args.strict)?;
        out.push((spec, loaded));
    }
    Ok(out)
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

fn workspace(args: &Args) -> anyhow::Result<ExitCode> {
    let check = args.check;
    let root = root();
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let mut features = Vec::new();
    // Each module's folder and the files its spec read, for --check to name.
    let mut sources: Vec<(String, Vec<String>)> = Vec::new();
    for (spec, loaded) in read_specs(&root.join("specs"), args)? {
        let shown = |path: &Path| path.strip_prefix(&root).unwrap_or(path).display().to_string();
        let module = module_name(&spec);
        let api_files = emit::api_module(&loaded.api, &module, &shown(&spec))?;
        features.extend(emit::runtime_features(&[&loaded.api]));
        sources.push((
            format!("src/{module}/"),
            loaded.files.iter().map(|f| shown(f)).collect(),
        ));
        modules.push(module);
        files.extend(api_files);
    }
    features.sort_unstable();
    features.dedup();
    files.insert(0, emit::workspace_manifest(&features));
    files.push(emit::lib_rs(&modules));
    let out = root.join("generated");
    let expected: BTreeSet<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
    let leftovers: Vec<PathBuf> = existing_sources(&out.join("src"))
        .into_iter()
        .filter(|p| !expected.contains(p))
        .collect();
    if check {
        // A spec in many files: any of them may have changed it; the message names them.
        let read_from = |path: &str| -> String {
            match sources.iter().find(|(folder, _)| path.starts_with(folder.as_str())) {
                Some((_, read)) if read.len() > 1 => format!(" (read from {})", read.join(", ")),
                _ => String::new(),
            }
        };
        let mut stale: Vec<String> = files
            .iter()
            .filter(|f| std::fs::read_to_string(out.join(&f.path)).ok().as_deref() != Some(f.contents.as_str()))
            .map(|f| format!("generated/{} is stale{}", f.path, read_from(&f.path)))
            .collect();
        stale.extend(
            leftovers
                .iter()
                .map(|p| format!("{} has no spec any more", p.display())),
        );
        if stale.is_empty() {
            let read: usize = sources.iter().map(|(_, read)| read.len()).sum();
            println!("generated/ is up to date ({} specs, {read} files read)", modules.len());
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

fn standalone(spec: &Path, out: &Path, args: &Args) -> anyhow::Result<ExitCode> {
    let ours = refuse_foreign_crate(out, args.force)?;
    // The header names the spec by its file name: an absolute path would not survive a move.
    let shown = spec
        .file_name()
        .map_or_else(|| spec.display().to_string(), |n| n.to_string_lossy().into_owned());
    let (_, api) = load(spec, args)?;
    let module = crate_module_name(spec, out);
    let runtime = args
        .runtime
        .clone()
        .unwrap_or_else(|| RuntimeSource::Path(RuntimeSource::BESIDE.to_owned()));
    let mut files = emit::standalone_crate(&api, &module, &shown, &runtime, emit::split::Sizes::MEASURED)?;
    if args.runtime.is_none() {
        files.extend(runtime_copy(&root().join("generator/runtime"), RuntimeSource::BESIDE)?);
    }
    let written = write_all(out, &files)?;
    // Sources an earlier run wrote and this one does not (another layout, a runtime file that
    // is gone) would linger; in a folder forced open, every source is someone else's.
    let mut removed = 0;
    if ours {
        let expected: BTreeSet<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
        let mut sources = existing_sources(&out.join("src"));
        sources.extend(existing_sources(&out.join("models/src")));
        sources.extend(existing_sources(&out.join(RuntimeSource::BESIDE).join("src")));
        // The models' crates of an earlier cut (`models/part-<k>/`), with their manifests.
        let part_folders: Vec<PathBuf> = std::fs::read_dir(out.join("models"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("part-")))
            .collect();
        for folder in &part_folders {
            sources.extend(existing_sources(&folder.join("src")));
            let manifest = folder.join("Cargo.toml");
            if manifest.exists() && matches!(refuse_foreign_crate(folder, false), Ok(true)) {
                sources.push(manifest);
            }
        }
        for path in sources.into_iter().filter(|p| !expected.contains(p)) {
            std::fs::remove_file(&path).with_context(|| path.display().to_string())?;
            removed += 1;
        }
        for folder in &part_folders {
            // Gone only if nothing but what was removed was in it.
            let _ = std::fs::remove_dir(folder.join("src"));
            let _ = std::fs::remove_dir(folder);
        }
    }
    println!(
        "{}: crate `{}` written ({written} files changed, {removed} removed); build it with `cargo build` there",
        out.display(),
        module
    );
    Ok(ExitCode::SUCCESS)
}

/// A `Cargo.toml` in `out` that the generator did not write belongs to someone: it is kept
/// unless `--force` says otherwise. Whether the folder is the generator's own (its
/// `Cargo.toml` written by it, or none yet).
fn refuse_foreign_crate(out: &Path, force: bool) -> anyhow::Result<bool> {
    let manifest = out.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(!out.join("src").exists());
    };
    if text.lines().next() == Some(emit::MANIFEST_MARK) {
        return Ok(true);
    }
    if force {
        return Ok(false);
    }
    anyhow::bail!(
        "{} was not written by the generator; choose another --out, or pass --force to write over it",
        manifest.display()
    )
}

/// The runtime crate as files under `dir`: its sources as they are, and a manifest that
/// inherits nothing from this workspace (it must build in any folder).
fn runtime_copy(runtime: &Path, dir: &str) -> anyhow::Result<Vec<File>> {
    let mut files = vec![File {
        path: format!("{dir}/Cargo.toml"),
        contents: standalone_runtime_manifest(&root(), runtime)?,
    }];
    let mut sources = existing_sources(&runtime.join("src"));
    sources.sort();
    for source in sources {
        let relative = source.strip_prefix(runtime).unwrap_or(&source);
        files.push(File {
            path: format!("{dir}/{}", relative.display()).replace('\\', "/"),
            contents: std::fs::read_to_string(&source).with_context(|| source.display().to_string())?,
        });
    }
    Ok(files)
}

/// The runtime's `Cargo.toml` with every `workspace = true` replaced by the workspace's value
/// (package fields, dependencies and `[lints]`).
fn standalone_runtime_manifest(root: &Path, runtime: &Path) -> anyhow::Result<String> {
    let read = |path: &Path| -> anyhow::Result<toml::Table> {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        text.parse().with_context(|| path.display().to_string())
    };
    let workspace = read(&root.join("Cargo.toml"))?;
    let shared = |section: &str| {
        workspace
            .get("workspace")
            .and_then(|w| w.get(section))
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default()
    };
    let (package_defaults, dependency_defaults) = (shared("package"), shared("dependencies"));
    let mut manifest = read(&runtime.join("Cargo.toml"))?;
    let inherits = |value: &toml::Value| value.get("workspace").and_then(toml::Value::as_bool) == Some(true);
    if let Some(package) = manifest.get_mut("package").and_then(toml::Value::as_table_mut) {
        for (key, value) in package.iter_mut() {
            if inherits(value) {
                *value = package_defaults
                    .get(key)
                    .cloned()
                    .with_context(|| format!("the workspace sets no package.{key}"))?;
            }
        }
    }
    // `[lints] workspace = true` is the workspace's lints, as Cargo reads it.
    if manifest.get("lints").is_some_and(inherits) {
        manifest.insert("lints".to_owned(), toml::Value::Table(shared("lints")));
    }
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(dependencies) = manifest.get_mut(section).and_then(toml::Value::as_table_mut) else {
            continue;
        };
        for (name, value) in dependencies.iter_mut() {
            if !inherits(value) {
                continue;
            }
            let mut resolved = match dependency_defaults.get(name) {
                Some(toml::Value::String(version)) => {
                    toml::Table::from_iter([("version".to_owned(), toml::Value::String(version.clone()))])
                }
                Some(toml::Value::Table(table)) => table.clone(),
                _ => anyhow::bail!("the workspace sets no dependency `{name}`"),
            };
            for (key, own) in value.as_table().into_iter().flatten() {
                match (key.as_str(), resolved.get_mut(key)) {
                    ("workspace", _) => {}
                    // Features add to the workspace's, as Cargo reads them.
                    ("features", Some(toml::Value::Array(features))) => {
                        features.extend(own.as_array().into_iter().flatten().cloned());
                    }
                    _ => {
                        resolved.insert(key.clone(), own.clone());
                    }
                }
            }
            *value = toml::Value::Table(resolved);
        }
    }
    Ok(format!(
        "{}\n# A copy of codegen-runtime, the code generated crates share at run time.\n{}",
        emit::MANIFEST_MARK,
        toml::to_string(&manifest)?
    ))
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
