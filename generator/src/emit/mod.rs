//! Emission: the model → Rust source, formatted by prettyplease, byte-for-byte stable.

mod features;
mod models;
mod receiver;
mod server;
pub mod split;
mod types;

pub use features::{Features, feature_name};
pub use receiver::has_receiver;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::error::{Error, Result};
use crate::model::Api;

/// A file to write, relative to the crate root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub contents: String,
}

/// The module of one API in a crate of several: `src/<module>/mod.rs`, `models.rs` and
/// `server.rs`, used as `<crate>::<module>::server`.
pub fn api_module(api: &Api, module: &str, source: &str) -> Result<Vec<File>> {
    api_files(api, &Features::none(api), module, source, Layout::Module, Vec::new())
}

/// A standalone crate of one API, with a feature per tag ([`crate_features`]), in two crates:
/// `<name>-models` in `models/` (the models alone, needing neither axum nor the runtime's
/// server: what a client or a webhook consumer can depend on by itself), and `<name>` beside
/// it (`src/lib.rs`, `server.rs`, `receiver.rs`, used as `<crate>::server`), which re-exports
/// the first as `<crate>::models`. Two crates, so that no one rustc holds both: GitHub's API
/// checked as one crate took over 2 GiB, as two 1.6 GiB at most (issue 24, BENCHMARKS.md).
/// Models bigger than `sizes` says are cut into crates of their own, `models/part-<k>/`
/// ([`split`]), that `<name>-models` re-exports, so that cargo checks them side by side.
/// `runtime` is where every crate finds `codegen-runtime`, as from the outer crate's folder.
pub fn standalone_crate(
    api: &Api,
    module: &str,
    source: &str,
    runtime: &RuntimeSource,
    sizes: split::Sizes,
) -> Result<Vec<File>> {
    let features = crate_features(api);
    let name = module.replace('_', "-");
    let models = format!("{name}-models");
    let extra = runtime_features(&[api]);
    let models_runtime = feature_list(extra.iter().copied().filter(|f| *f != "receiver"));
    let tags = features.names();
    let forward = |crates: &[String]| -> BTreeMap<String, Vec<String>> {
        tags.iter()
            .map(|tag| (tag.clone(), crates.iter().map(|c| format!("{c}/{tag}")).collect()))
            .collect()
    };
    let default_features = if tags.is_empty() {
        ""
    } else {
        ", default-features = false"
    };
    let path_dependency =
        |crate_name: &str, path: &str| format!("{crate_name} = {{ path = \"{path}\"{default_features} }}\n");
    let parts = split::parts(api, sizes);
    let part_crate = |k: usize| format!("{models}-part-{k}");
    let models_crates: Vec<String> = if parts.len() > 1 {
        (0..parts.len()).map(part_crate).collect()
    } else {
        Vec::new()
    };
    let mut files = vec![
        manifest(
            "Cargo.toml",
            &name,
            "\n# Its own workspace, wherever it is written (with its models' crates and the runtime beside it).\n[workspace]\n",
            &forward(std::slice::from_ref(&models)),
            &format!(
                "{}{}{AXUM_DEPENDENCY}{SERDE_DEPENDENCIES}",
                path_dependency(&models, "models"),
                runtime.dependency("", &runtime_feature_list(&extra)),
            ),
        ),
        manifest(
            "models/Cargo.toml",
            &models,
            "",
            &forward(&models_crates),
            &format!(
                "{}{}{SERDE_DEPENDENCIES}",
                models_crates
                    .iter()
                    .enumerate()
                    .map(|(k, c)| path_dependency(c, &format!("part-{k}")))
                    .collect::<String>(),
                runtime.dependency("../", &models_runtime),
            ),
        ),
    ];
    let mut part_files = Vec::new();
    for (k, part) in parts.iter().enumerate().filter(|_| parts.len() > 1) {
        let uses: Vec<String> = part.uses.iter().map(|&u| part_crate(u)).collect();
        files.push(manifest(
            &format!("models/part-{k}/Cargo.toml"),
            &part_crate(k),
            "",
            &forward(&uses),
            &format!(
                "{}{}{SERDE_DEPENDENCIES}",
                part.uses
                    .iter()
                    .map(|&u| path_dependency(&part_crate(u), &format!("../part-{u}")))
                    .collect::<String>(),
                runtime.dependency("../../", &models_runtime),
            ),
        ));
        part_files.push(models::ModelsFile {
            crate_name: Some(rust_crate(&part_crate(k))),
            types: part.types.clone(),
            uses: uses.iter().map(|u| rust_crate(u)).collect(),
            param_defaults: false,
        });
    }
    files.extend(api_files(api, &features, module, source, Layout::Crates, part_files)?);
    Ok(files)
}

/// A crate's name as Rust code names it.
fn rust_crate(name: &str) -> String {
    name.replace('-', "_")
}

/// The features of a crate of one API: one per tag ([`features`]); its manifest lists
/// [`Features::names`].
pub fn crate_features(api: &Api) -> Features {
    Features::by_tag(api, server::refusal_bodies(api))
}

/// Where an API's files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// A module of a crate of several: `src/<module>/mod.rs` declares `models` and `server`,
    /// which sit beside it.
    Module,
    /// A standalone crate: `src/lib.rs` declares `server` beside it and re-exports the models'
    /// own crate, `models/src/lib.rs`, as `models` ([`standalone_crate`]).
    Crates,
}

/// The API's files, laid out as `layout` says.
fn api_files(
    api: &Api,
    features: &Features,
    module: &str,
    source: &str,
    layout: Layout,
    part_files: Vec<models::ModelsFile>,
) -> Result<Vec<File>> {
    let header = format!("// @generated by `cargo xtask codegen` from {source}. Do not edit.\n\n");
    let title = format!("{} {}", api.title, api.version);
    let mut docs = format!("//! {title}, generated from `{source}`.\n");
    if let Some(d) = &api.description {
        docs.push_str("//!\n");
        for line in d.lines() {
            docs.push_str(&format!("//! {line}\n").replace("//! \n", "//!\n"));
        }
    }
    // rustfmt would re-lay prettyplease output and make `codegen --check` fail.
    let (root, models_path, models_item) = match layout {
        Layout::Module => (
            format!("src/{module}/mod.rs"),
            format!("src/{module}/models.rs"),
            "#[rustfmt::skip]\npub mod models;\n".to_owned(),
        ),
        Layout::Crates => (
            "src/lib.rs".to_owned(),
            "models/src/lib.rs".to_owned(),
            format!("pub use {module}_models as models;\n"),
        ),
    };
    let mut root_file = format!("{header}{docs}\n{models_item}#[rustfmt::skip]\npub mod server;\n");
    if has_receiver(api) {
        root_file.push_str(&features.receiver_attribute());
        root_file.push_str("#[rustfmt::skip]\npub mod receiver;\n");
    }
    let dir = root.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
    // The server's parts first: its head, the largest part, starts at once.
    // Without parts, the models' file holds every type; with them, it re-exports theirs.
    let whole = models::ModelsFile::whole(api);
    let mut counts = vec![
        server::parts(api),
        if part_files.is_empty() { whole.parts() } else { 1 },
        receiver::parts(api),
    ];
    counts.extend(part_files.iter().map(models::ModelsFile::parts));
    let mut texts = files_in_parts(module, &counts, |file, part| match file {
        0 => server::part(api, features, part),
        1 if part_files.is_empty() => whole.part(api, features, part),
        1 => models::facade(api, features, &part_files),
        2 => receiver::part(api),
        n => part_files[n - 3].part(api, features, part),
    })
    .into_iter();
    let mut next = || {
        texts
            .next()
            .unwrap_or_else(|| Err(Error::internal("a generated file was not made".to_owned())))
    };
    let (server, models, receiver) = (next(), next(), next());
    let part_texts: Vec<Result<String>> = part_files.iter().map(|_| next()).collect();
    let receiver = has_receiver(api)
        .then(|| {
            Ok::<_, Error>(File {
                path: format!("{dir}/receiver.rs"),
                contents: format!("{header}{}", receiver?),
            })
        })
        .transpose()?;
    vec![
        File {
            path: root.clone(),
            contents: root_file,
        },
        File {
            contents: match layout {
                Layout::Module => format!("{header}{}", models?),
                Layout::Crates => format!(
                    "{header}{}#![cfg_attr(rustfmt, rustfmt::skip)]\n{}",
                    docs.replacen("//! ", "//! The models of ", 1),
                    models?
                ),
            },
            path: models_path,
        },
        File {
            path: format!("{dir}/server.rs"),
            contents: format!("{header}{}", server?),
        },
    ]
    .into_iter()
    .chain(receiver)
    .map(Ok)
    .chain(part_texts.into_iter().enumerate().map(|(k, text)| {
        Ok(File {
            path: format!("models/part-{k}/src/lib.rs"),
            contents: format!(
                "{header}//! Part {k} of the models of {title}, re-exported by its models' crate.\n#![cfg_attr(rustfmt, rustfmt::skip)]\n{}",
                text?
            ),
        })
    }))
    .collect()
}

/// Makes and formats each file's parts (file `f` has `counts[f]`) on as many threads as the
/// machine has, a part at a time to whichever thread is free, and joins each file's parts in
/// order. Tokens cannot leave the thread that made them, so each part is made where it is
/// formatted.
fn files_in_parts(
    module: &str,
    counts: &[usize],
    make: impl Fn(usize, usize) -> TokenStream + Sync,
) -> Vec<Result<String>> {
    let jobs: Vec<(usize, usize)> = counts
        .iter()
        .enumerate()
        .flat_map(|(file, &count)| (0..count).map(move |part| (file, part)))
        .collect();
    let done: Vec<Mutex<Option<Result<String>>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(file, part)) = jobs.get(index) else { break };
            let text = format(make(file, part), &format!("{module}.{file}.{part}"));
            *done[index].lock().unwrap_or_else(PoisonError::into_inner) = Some(text);
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        work();
        for helper in helpers {
            helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
    let mut texts: Vec<Result<String>> = counts.iter().map(|_| Ok(String::new())).collect();
    for ((file, _), text) in jobs.iter().zip(done) {
        let text = text
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or_else(|| Err(Error::internal("a part of a generated file was not made".to_owned())));
        if let Ok(whole) = &mut texts[*file] {
            match text {
                Ok(text) => whole.push_str(&text),
                Err(e) => texts[*file] = Err(e),
            }
        }
    }
    texts.into_iter().map(|text| text.map(|t| separate_items(&t))).collect()
}

/// Turns a part's tokens into formatted source; failure here is a generator bug, reported
/// as such.
///
/// The part is parsed and printed a chunk of items at a time: prettyplease prints each
/// top-level item on its own, so the text is the same as the whole part's, and only one
/// chunk's syntax tree is alive at once.
fn format(tokens: TokenStream, part: &str) -> Result<String> {
    if std::env::var_os("GENERATOR_DUMP").is_some() {
        let _ = std::fs::write(format!("/tmp/{part}.tokens.rs"), tokens.to_string());
    }
    let mut text = String::new();
    for chunk in item_chunks(tokens) {
        let file: syn::File = syn::parse2(chunk)
            .map_err(|e| Error::internal(format!("the code generated for `{part}` does not parse ({e})")))?;
        text.push_str(&unparse(file));
    }
    Ok(text)
}

/// Top-level token trees per chunk: enough to make the parser's set-up per chunk negligible.
const CHUNK_TREES: usize = 256;

/// A file's tokens cut between top-level items ([`items`]), in runs of about [`CHUNK_TREES`]
/// trees (the file's inner attributes stay with the first run). Should a cut ever fall inside
/// an item, that chunk fails to parse: an error, never different text.
fn item_chunks(tokens: TokenStream) -> Vec<TokenStream> {
    let mut chunks = Vec::new();
    let mut current = TokenStream::new();
    let mut trees = 0;
    for item in items(tokens) {
        trees += item.len();
        current.extend(item);
        if trees >= CHUNK_TREES {
            chunks.push(std::mem::take(&mut current));
            trees = 0;
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Tokens cut between top-level items: an item ends at a top-level `;`, or at a top-level
/// `{…}` that the next item's start follows (an attribute, a keyword that opens an item, or
/// the end).
fn items(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut items = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        let ends_item = match &tree {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => g.delimiter() == Delimiter::Brace && opens_item(trees.peek()),
            TokenTree::Ident(_) | TokenTree::Literal(_) => false,
        };
        current.push(tree);
        if ends_item {
            items.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
}

/// Whether `next`, after a top-level `{…}`, starts another top-level item: an attribute, or a
/// word that does not go on with an expression (`else`, `as`), such as a keyword that opens an
/// item or the path of a macro invocation (`rt::newtype! {…}`); or the end.
fn opens_item(next: Option<&TokenTree>) -> bool {
    match next {
        None => true,
        Some(TokenTree::Punct(p)) => p.as_char() == '#',
        Some(TokenTree::Ident(i)) => i != "else" && i != "as",
        Some(_) => false,
    }
}

/// prettyplease, except that a brace-delimited macro invocation whose body is one item
/// (`rt::string_enum! { pub enum E { A = "a", } }`) is laid out as that item, indented:
/// prettyplease fills such bodies like prose.
fn unparse(file: syn::File) -> String {
    let mut out = String::new();
    let mut run = syn::File {
        frontmatter: file.frontmatter,
        shebang: file.shebang,
        attrs: file.attrs,
        items: Vec::new(),
    };
    for item in file.items {
        let Some((path, body)) = item_macro_body(&item) else {
            run.items.push(item);
            continue;
        };
        if !run.items.is_empty() || !run.attrs.is_empty() {
            out.push_str(&prettyplease::unparse(&run));
            run.attrs.clear();
            run.items.clear();
        }
        let body = prettyplease::unparse(&syn::File {
            frontmatter: None,
            shebang: None,
            attrs: Vec::new(),
            items: vec![body],
        });
        out.push_str(&format!("{path}! {{\n"));
        for line in body.lines() {
            if !line.is_empty() {
                out.push_str("    ");
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("}\n");
    }
    if !run.items.is_empty() || !run.attrs.is_empty() {
        out.push_str(&prettyplease::unparse(&run));
    }
    out
}

/// `path! { item }`: the macro's path and the item in its body.
fn item_macro_body(item: &syn::Item) -> Option<(String, syn::Item)> {
    let syn::Item::Macro(m) = item else {
        return None;
    };
    if !m.attrs.is_empty() || m.ident.is_some() || !matches!(m.mac.delimiter, syn::MacroDelimiter::Brace(_)) {
        return None;
    }
    let body: syn::Item = syn::parse2(m.mac.tokens.clone()).ok()?;
    let path = m
        .mac
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    Some((path, body))
}

fn is_import(line: &str) -> bool {
    line.starts_with("use ") || line.starts_with("pub use ")
}

/// prettyplease puts top-level items back to back; a blank line after each one that ends
/// (a `}` or `;` at column 0) makes the files readable.
fn separate_items(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + source.len() / 20);
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let ends_item =
            line == "}" || line == "};" || (line.ends_with(';') && !line.starts_with(' ') && !is_import(line));
        let ends_imports = is_import(line) || line.starts_with("#![");
        let next_differs =
            |next: &&str| !next.is_empty() && !(ends_imports && (is_import(next) || next.starts_with("#![")));
        if (ends_item || ends_imports) && lines.peek().is_some_and(next_differs) {
            out.push('\n');
        }
    }
    out
}

/// `src/lib.rs` of a crate holding the given API modules.
pub fn lib_rs(modules: &[String]) -> File {
    let mods: String = modules
        .iter()
        .map(|m| format!("#[rustfmt::skip]\npub mod {m};\n"))
        .collect();
    File {
        path: "src/lib.rs".into(),
        contents: format!(
            "// @generated by `cargo xtask codegen`. Do not edit.\n\n//! Models and server stubs generated from the specs.\n\n{mods}"
        ),
    }
}

/// What a models' crate depends on besides the runtime.
const SERDE_DEPENDENCIES: &str = r#"serde = { version = "1", features = ["derive"] }
serde_json = { version = "1", features = ["preserve_order", "float_roundtrip"] }
"#;

/// What a server's crate depends on besides the runtime and serde.
const AXUM_DEPENDENCY: &str = r#"axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
"#;

/// The runtime's features beside `server` that generated code for `apis` needs: those of the
/// formats its types check (`Format::feature`: `idn` for `idn-hostname` and `idn-email`), and
/// `receiver` where a spec has webhooks to receive; sorted, each once.
pub fn runtime_features(apis: &[&Api]) -> Vec<&'static str> {
    let mut features: Vec<&'static str> = apis
        .iter()
        .flat_map(|api| &api.types)
        .filter_map(|def| match &def.kind {
            crate::model::TypeKind::Constrained(c) => c.rules.format,
            crate::model::TypeKind::Checked(c) => c.rules.format,
            _ => None,
        })
        .filter_map(codegen_runtime::formats::Format::feature)
        .collect();
    if apis.iter().any(|api| has_receiver(api)) {
        features.push("receiver");
    }
    features.sort_unstable();
    features.dedup();
    features
}

/// `features = ["server", ...]`, with `extra` (from [`runtime_features`]) after `server`.
fn runtime_feature_list(extra: &[&str]) -> String {
    feature_list(std::iter::once("server").chain(extra.iter().copied()))
}

/// `"a", "b"`: features as a TOML list's items.
fn feature_list<'f>(features: impl IntoIterator<Item = &'f str>) -> String {
    features
        .into_iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Cargo.toml` of the workspace's `generated` crate; `features` are the runtime's beyond
/// `server` ([`runtime_features`]).
pub fn workspace_manifest(features: &[&str]) -> File {
    let features = runtime_feature_list(features);
    File {
        path: "Cargo.toml".into(),
        contents: format!(
            "{MANIFEST_MARK}\n[package]\nname = \"generated\"\nversion = \"0.1.0\"\nedition.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n[lints]\nworkspace = true\n\n[dependencies]\naxum.workspace = true\ncodegen-runtime = {{ workspace = true, features = [{features}] }}\nserde.workspace = true\nserde_json.workspace = true\n"
        ),
    }
}

/// Where a standalone crate finds `codegen-runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeSource {
    /// A folder, written into `Cargo.toml` as given (Cargo reads a relative one from the
    /// crate's folder): `codegen-runtime` beside the crate by default, so the two move together.
    Path(String),
    /// A version requirement on a registry that holds `codegen-runtime`.
    Version(String),
}

impl RuntimeSource {
    /// The folder, inside the crate, where the copy of the runtime goes by default.
    pub const BESIDE: &str = "codegen-runtime";

    /// The `codegen-runtime = { ... }` line of a `Cargo.toml` in a folder `up` (`""`,
    /// `"../"` or `"../../"`) below the outer crate's (a relative folder is relative to the manifest's own),
    /// with `features` (a TOML list's items).
    fn dependency(&self, up: &str, features: &str) -> String {
        match self {
            RuntimeSource::Path(path) => {
                let path = path.replace('\\', "/");
                let up = if std::path::Path::new(&path).is_absolute() {
                    ""
                } else {
                    up
                };
                format!("codegen-runtime = {{ path = \"{up}{path}\", features = [{features}] }}\n")
            }
            RuntimeSource::Version(version) => {
                format!("codegen-runtime = {{ version = \"{version}\", features = [{features}] }}\n")
            }
        }
    }
}

/// `Cargo.toml` of a standalone crate of one or more API modules (no models' crate of its
/// own): `features` are the runtime's beyond `server` ([`runtime_features`]), `tags` the
/// crate's own, all on by default.
pub fn standalone_manifest(name: &str, runtime: &RuntimeSource, features: &[&str], tags: &BTreeSet<String>) -> File {
    manifest(
        "Cargo.toml",
        name,
        "\n# Its own workspace, wherever it is written.\n[workspace]\n",
        &tags.iter().map(|tag| (tag.clone(), Vec::new())).collect(),
        &format!(
            "{}{AXUM_DEPENDENCY}{SERDE_DEPENDENCIES}",
            runtime.dependency("", &runtime_feature_list(features))
        ),
    )
}

/// A generated `Cargo.toml`: the package `name`, then `workspace` (a `[workspace]` table or
/// nothing), one feature per tag (each with the features it turns on elsewhere), all on by
/// default, and `dependencies`.
fn manifest(path: &str, name: &str, workspace: &str, tags: &BTreeMap<String, Vec<String>>, dependencies: &str) -> File {
    let features = if tags.is_empty() {
        String::new()
    } else {
        let each: String = tags
            .iter()
            .map(|(tag, enables)| format!("\"{tag}\" = [{}]\n", feature_list(enables.iter().map(String::as_str))))
            .collect();
        format!(
            "\n# One feature per tag of the spec: an operation is compiled when one of its tags' is\n# on, a type when an operation that uses it is.\n[features]\ndefault = [{}]\n{each}",
            feature_list(tags.keys().map(String::as_str))
        )
    };
    File {
        path: path.to_owned(),
        contents: format!(
            "{MANIFEST_MARK}\n[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n{workspace}{features}\n[dependencies]\n{dependencies}"
        ),
    }
}

/// The first line of every `Cargo.toml` the generator writes: what tells it that it may
/// write over one.
pub const MANIFEST_MARK: &str = "# @generated by `cargo xtask codegen`. Do not edit.";
