//! Loading a spec: YAML or JSON text → one JSON value, its OpenAPI version, and `$ref`
//! resolution. Knows nothing of Rust.

pub mod locate;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, ErrorKind, Position, Result, describe, join};

/// The OpenAPI versions this generator reads, in order; 3.0 and 3.1 differ in how schemas say
/// "nullable" and in exclusive bounds (3.2 reads schemas as 3.1 does), and 3.2 adds the
/// `query` method, `additionalOperations`, `itemSchema` and `$self`, which lowering takes from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V3_0,
    V3_1,
    V3_2,
}

/// A parsed spec with the text it came from, kept to point errors at lines.
#[derive(Debug)]
pub struct Document {
    pub file: Option<PathBuf>,
    pub source: String,
    pub root: Value,
    pub version: Version,
}

/// Reads and parses a spec file.
pub fn read(path: &Path) -> Result<Document> {
    let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(source, Some(path.to_path_buf()))
}

/// Parses spec text (JSON when it starts with `{`, YAML otherwise).
pub fn parse(source: String, file: Option<PathBuf>) -> Result<Document> {
    let root = parse_value(&source).map_err(|(message, position)| {
        let mut error = Error::at("", ErrorKind::Syntax(message));
        if let Some(file) = &file {
            error = error.in_file(file.clone());
        }
        if let Some(position) = position {
            error = error.at_position(position);
        }
        error
    })?;
    let mut document = Document {
        file,
        source,
        root,
        version: Version::V3_0,
    };
    document.version = read_version(&document.root).map_err(|e| document.locate(e))?;
    if let Some(own) = document.root.get("$self")
        && !own.is_string()
    {
        let error = Error::invalid("/$self", "the document's URI as a string", describe(own));
        return Err(document.locate(error));
    }
    Ok(document)
}

fn parse_value(source: &str) -> Result<Value, (String, Option<Position>)> {
    if source.trim_start().starts_with('{') {
        serde_json::from_str(source).map_err(|e| {
            let position = (e.line() > 0).then(|| Position {
                line: e.line(),
                column: e.column(),
            });
            (e.to_string(), position)
        })
    } else {
        serde_norway::from_str(source).map_err(|e| {
            let position = e.location().map(|l| Position {
                line: l.line(),
                column: l.column(),
            });
            (e.to_string(), position)
        })
    }
}

fn read_version(root: &Value) -> Result<Version> {
    let Some(map) = root.as_object() else {
        return Err(Error::invalid(
            "",
            "an OpenAPI document (a mapping at the top)",
            describe(root),
        ));
    };
    let Some(version) = map.get("openapi") else {
        if map.contains_key("swagger") {
            return Err(Error::unsupported(
                "/swagger",
                "Swagger 2.0 documents (convert to OpenAPI 3 first)",
            ));
        }
        return Err(Error::invalid("", "an `openapi` field with the version", "none"));
    };
    let Some(text) = version.as_str() else {
        return Err(Error::invalid(
            "/openapi",
            "a version string such as \"3.1.0\"",
            describe(version),
        ));
    };
    if text.starts_with("3.0.") || text == "3.0" {
        Ok(Version::V3_0)
    } else if text.starts_with("3.1.") || text == "3.1" {
        Ok(Version::V3_1)
    } else if text.starts_with("3.2.") || text == "3.2" {
        Ok(Version::V3_2)
    } else {
        Err(Error::unsupported(
            "/openapi",
            format!("OpenAPI version {text} (this generator reads 3.0.x, 3.1.x and 3.2.x)"),
        ))
    }
}

impl Document {
    /// Fills in the file and line of an error raised while reading this document.
    pub fn locate(&self, mut error: Error) -> Error {
        if let (None, Some(file)) = (error.file(), &self.file) {
            error = error.in_file(file.clone());
        }
        if error.position().is_some() {
            return error;
        }
        // A pointer to something absent (a missing `parameters`) is shown at its nearest parent.
        let mut pointer = error.pointer();
        while !pointer.is_empty() {
            if let Some(position) = locate::locate(&self.source, pointer) {
                return error.at_position(position);
            }
            pointer = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
        error
    }

    /// The value at a JSON pointer.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.root.pointer(pointer)
    }

    /// Resolves a local `$ref` (found at `at`) to the pointer it names, following
    /// chains of `$ref`-only objects. Keys beside a `$ref` are the caller's to merge.
    pub fn follow_ref<'a>(&'a self, reference: &str, at: &str) -> Result<(String, &'a Value)> {
        let mut seen = Vec::new();
        let mut target = self.target_pointer(reference, at)?;
        loop {
            let value = self
                .get(&target)
                .ok_or_else(|| Error::at(join(at, "$ref"), ErrorKind::UnresolvedRef(reference.to_owned())))?;
            match value.as_object().and_then(|m| m.get("$ref")) {
                Some(Value::String(next)) if value.as_object().is_some_and(|m| m.len() == 1) => {
                    if seen.contains(&target) {
                        return Err(Error::at(join(at, "$ref"), ErrorKind::RefCycle(reference.to_owned())));
                    }
                    seen.push(target.clone());
                    target = self.target_pointer(next, &target)?;
                }
                _ => return Ok((target, value)),
            }
        }
    }

    fn target_pointer(&self, reference: &str, at: &str) -> Result<String> {
        let here = join(at, "$ref");
        if let Some(fragment) = reference.strip_prefix('#') {
            if fragment.is_empty() || fragment.starts_with('/') {
                return Ok(percent_decode(fragment));
            }
            return Err(Error::unsupported(
                here,
                format!("anchor reference `{reference}` ($anchor)"),
            ));
        }
        // 3.2: a reference to the document's own URI (`$self`) is a reference inside it.
        if let Some((document, fragment)) = reference.split_once('#')
            && !document.is_empty()
            && self.is_self(document)
        {
            return self.target_pointer(&format!("#{fragment}"), at);
        }
        // 3.1 schemas may be referenced by their `$id`.
        if let Some(pointer) = find_id(&self.root, reference, String::new()) {
            return Ok(pointer);
        }
        if reference.contains(".yaml") || reference.contains(".json") || reference.contains("://") {
            return Err(Error::unsupported(
                here,
                format!("external $ref `{reference}` (only references inside the document are read)"),
            ));
        }
        Err(Error::at(here, ErrorKind::UnresolvedRef(reference.to_owned())))
    }
}

impl Document {
    /// Whether `uri` (absolute, or relative to the document's `$self`) names this document.
    fn is_self(&self, uri: &str) -> bool {
        let Some(own) = self.root.get("$self").and_then(Value::as_str) else {
            return false;
        };
        if uri == own {
            return true;
        }
        // A relative reference resolves against the folder of `$self`.
        let folder = own.rsplit_once('/').map_or("", |(folder, _)| folder);
        !uri.contains("://") && format!("{folder}/{}", uri.trim_start_matches("./")) == own
    }
}

fn find_id(value: &Value, id: &str, pointer: String) -> Option<String> {
    match value {
        Value::Object(map) => {
            if map.get("$id").and_then(Value::as_str) == Some(id) {
                return Some(pointer);
            }
            map.iter().find_map(|(k, v)| find_id(v, id, join(&pointer, k)))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_id(v, id, join(&pointer, &i.to_string()))),
        _ => None,
    }
}

/// `$ref` fragments are URI fragments: `%7B` and friends must be decoded.
fn percent_decode(fragment: &str) -> String {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .map_or_else(|_| fragment.to_owned(), std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ref_fragments_are_percent_decoded() {
        assert_eq!(super::percent_decode("/paths/~1a%7Bid%7D"), "/paths/~1a{id}");
        assert_eq!(super::percent_decode("/a%20b/%C3%A9"), "/a b/é");
        // Not an escape: kept as written.
        assert_eq!(super::percent_decode("/100%/x%zz"), "/100%/x%zz");
        // Not UTF-8 once decoded: the fragment stays as it is.
        assert_eq!(super::percent_decode("/a%FF"), "/a%FF");
    }
}
