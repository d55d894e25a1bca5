//! Lowering: the parsed document → the [`Api`] model. Every decision about names,
//! nullability and constraints is made here, once.

mod fields;
mod keywords;
pub mod names;
mod operations;
mod schema;

use codegen_runtime::formats::FormatMode;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result, join};
use crate::load::Document;
use crate::model::{Api, TypeId, TypeKind, TypeRef, validate::validate};

/// How a spec is read where JSON Schema leaves the choice to the reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Whether `format` is a rule (the default) or only an annotation.
    pub formats: FormatMode,
    /// Where the other documents a spec's `$ref`s name are found: a URL prefix and the folder
    /// it maps to (`load::embed_documents`; nothing is fetched). Empty by default: a `$ref`
    /// out of the document is refused by name.
    pub documents: Vec<(String, std::path::PathBuf)>,
}

impl Options {
    /// One entry of [`Options::documents`] as a command line writes it, `PREFIX=FOLDER`
    /// (`--map-url https://schemas.example.com/=vendor/schemas`).
    pub fn url_mapping(text: &str) -> std::result::Result<(String, std::path::PathBuf), String> {
        match text.split_once('=') {
            Some((prefix, folder)) if prefix.contains("://") && !folder.is_empty() => {
                Ok((prefix.to_owned(), std::path::PathBuf::from(folder)))
            }
            _ => Err(format!(
                "expected `PREFIX=FOLDER` (a URL prefix such as https://schemas.example.com/ and a local folder), found `{text}`"
            )),
        }
    }
}

/// Lowers a loaded document with the default [`Options`]; errors carry the document's file and
/// line.
pub fn lower(doc: &Document) -> Result<Api> {
    lower_with(doc, Options::default())
}

/// Lowers a loaded document read as `options` say.
pub fn lower_with(doc: &Document, options: Options) -> Result<Api> {
    lower_unlocated(doc, options).map_err(|e| doc.locate(e))
}

fn lower_unlocated(doc: &Document, options: Options) -> Result<Api> {
    let mut lowerer = schema::Lowerer::new(doc, &options);
    let mut warnings: Vec<Error> = doc
        .duplicate_keys
        .iter()
        .map(|pointer| {
            Error::inconsistent(
                pointer,
                "the key appears twice in its mapping; only the last value is read",
            )
        })
        .collect();
    if let Some(root) = doc.root.as_object() {
        lowerer.warn_unknown(root, "", &[fields::ROOT], "a field of the OpenAPI Object");
    }
    if let Some(components) = doc.get("/components").and_then(Value::as_object) {
        lowerer.warn_unknown(
            components,
            "/components",
            &[fields::COMPONENTS],
            "a field of the Components Object",
        );
    }
    let security_schemes = operations::security_schemes(&mut lowerer, &mut warnings)?;
    lowerer.components()?;
    let (operations, webhooks) = operations::operations(&mut lowerer, &security_schemes, &mut warnings)?;
    warnings.append(&mut lowerer.warnings);
    let types = lowerer.finish()?;
    let info = doc.get("/info");
    let info_string = |key: &str| info.and_then(|i| i.get(key)).and_then(Value::as_str).map(str::to_owned);
    let servers: Vec<String> = doc
        .get("/servers")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(|s| s.get("url")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut api = Api {
        title: info_string("title").unwrap_or_default(),
        version: info_string("version").unwrap_or_default(),
        description: info_string("description"),
        base_path: servers.first().map(|s| base_path(s)).unwrap_or_default(),
        servers,
        security_schemes,
        types,
        operations,
        webhooks,
        whole_floats_are_integers: doc.version >= crate::load::Version::V3_1,
        warnings,
    };
    check_aliases(&api)?;
    operations::settle_shapes(&mut api);
    box_recursive_fields(&mut api);
    drop_invalid_defaults(&mut api);
    check_values(&mut api)?;
    api.warnings = doc.locate_all(std::mem::take(&mut api.warnings));
    Ok(api)
}

/// `https://api.kejue.co/api/v1` → `/api/v1`; server variables are left as written.
fn base_path(url: &str) -> String {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
    let rest = if url.contains("://") {
        rest
    } else {
        url.trim_start_matches('/')
    };
    let trimmed = rest.trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// `A = B`, `B = A` would be types that are each other.
fn check_aliases(api: &Api) -> Result<()> {
    for (i, def) in api.types.iter().enumerate() {
        let mut current = TypeId(i);
        for _ in 0..=api.types.len() {
            match &api.type_def(current).kind {
                TypeKind::Alias(TypeRef::Named(next)) if *next == TypeId(i) => {
                    return Err(Error::at(&def.origin, ErrorKind::RefCycle(format!("#{}", def.origin))));
                }
                TypeKind::Alias(TypeRef::Named(next)) => current = *next,
                _ => break,
            }
        }
    }
    Ok(())
}

/// A struct that contains itself by value (directly or through others) would have
/// infinite size: the field that closes the loop is boxed.
fn box_recursive_fields(api: &mut Api) {
    for i in 0..api.types.len() {
        let TypeKind::Struct(s) = &api.types[i].kind else {
            continue;
        };
        let to_box: Vec<usize> = s
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.ty.ty, TypeRef::Named(t) if reaches_by_value(api, t, TypeId(i))))
            .map(|(n, _)| n)
            .collect();
        if let TypeKind::Struct(s) = &mut api.types[i].kind {
            for n in to_box {
                if let TypeRef::Named(t) = s.fields[n].ty.ty {
                    s.fields[n].ty.ty = TypeRef::Boxed(t);
                }
            }
        }
    }
}

fn reaches_by_value(api: &Api, from: TypeId, to: TypeId) -> bool {
    let mut stack = vec![from];
    let mut seen = vec![false; api.types.len()];
    while let Some(id) = stack.pop() {
        if id == to {
            return true;
        }
        if std::mem::replace(&mut seen[id.0], true) {
            continue;
        }
        let mut push = |t: &TypeRef| {
            if let TypeRef::Named(n) = t {
                stack.push(*n);
            }
        };
        match &api.type_def(id).kind {
            TypeKind::Struct(s) => s.fields.iter().for_each(|f| push(&f.ty.ty)),
            TypeKind::Union(u) => u.variants.iter().for_each(|v| push(&v.ty)),
            TypeKind::Alias(t) => push(t),
            TypeKind::Constrained(c) => push(&c.base),
            // A checked value holds JSON, never its sub-schemas' types.
            TypeKind::Enum(_) | TypeKind::Checked(_) => {}
        }
    }
    false
}

/// A default that breaks its own schema cannot be built by a type that enforces the schema:
/// the field keeps its type, loses the default (absent stays absent), and a warning says so.
fn drop_invalid_defaults(api: &mut Api) {
    let mut dropped = Vec::new();
    for (t, def) in api.types.iter().enumerate() {
        let TypeKind::Struct(s) = &def.kind else { continue };
        for (f, field) in s.fields.iter().enumerate() {
            let Some(default) = &field.default else { continue };
            if let Some(v) = validate(api, &field.ty, default).first() {
                let message = format!(
                    "the default {default} of `{}` breaks its own schema ({}); the default is left out",
                    field.wire_name, v.message
                );
                dropped.push((t, f, Error::inconsistent(join(&field.origin, "default"), message)));
            }
        }
    }
    for (t, f, warning) in dropped {
        if let TypeKind::Struct(s) = &mut api.types[t].kind {
            s.fields[f].default = None;
        }
        api.warnings.push(warning);
    }
}

/// Patterns must compile and parameter defaults must be valid: generated code compiles
/// patterns on first use and builds defaults without checks. An operation with an invalid
/// parameter default is left out, with a warning.
fn check_values(api: &mut Api) -> Result<()> {
    for def in &api.types {
        if let TypeKind::Constrained(c) = &def.kind
            && let Some(pattern) = &c.rules.pattern
            && let Some(e) = codegen_runtime::rules::pattern_error(pattern)
        {
            return Err(Error::unsupported(
                join(&def.origin, "pattern"),
                format!(
                    "the pattern `{pattern}` (the regex engine cannot read it: {})",
                    e.lines().last().unwrap_or_default()
                ),
            ));
        }
    }
    let mut failed = Vec::new();
    for (o, op) in api.operations.iter().enumerate() {
        for p in &op.parameters {
            if let Some(default) = &p.default
                && let Some(v) = validate(api, &p.ty, default).first()
            {
                failed.push((
                    o,
                    Error::inconsistent(
                        &op.origin,
                        format!(
                            "the default {default} of parameter `{}` is not a valid value: {}",
                            p.name, v.message
                        ),
                    ),
                ));
                break;
            }
        }
    }
    operations::leave_out(api, failed);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn base_paths() {
        assert_eq!(super::base_path("https://api.kejue.co/api/v1"), "/api/v1");
        assert_eq!(super::base_path("https://api.example.com"), "");
        assert_eq!(super::base_path("https://api.example.com/"), "");
        assert_eq!(super::base_path("/v3"), "/v3");
    }
}
