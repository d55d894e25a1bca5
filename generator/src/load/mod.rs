//! Loading a spec: YAML or JSON text → one JSON value, its OpenAPI version, and `$ref`
//! resolution. Knows nothing of Rust.

mod duplicates;
pub mod locate;
mod swagger2;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use url::Url;

use serde_json::{Map, Value};

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
    /// The pointer of every key its mapping repeats (the parser kept the last value).
    pub duplicate_keys: Vec<String>,
    /// Every `$id` in the document, resolved against the ids around it, with where it is;
    /// made on the first reference that names a resource.
    ids: OnceLock<Vec<(Url, String)>>,
    /// The other documents [`embed_documents`] placed in this one, by the URL each was read
    /// at (which its own `$id` may differ from), with where each is.
    documents: Vec<(Url, String)>,
    /// The text and file of each of those documents, in the same order: errors inside one
    /// are located in its own text.
    texts: Vec<Embedded>,
    /// The documents a `$ref` names that were not read, and why (a URL no folder maps, a
    /// file that is not there): the reference is refused with the reason when it is followed.
    refused: Vec<(Url, String)>,
    /// The URL of the file the document was read from (`file:///...`): what relative
    /// references to other files resolve against. `None` for text read from no file.
    location: Option<Url>,
    /// For a Swagger 2.0 document, which was translated to OpenAPI 3.0 on reading: where each
    /// translated part came from in the 2.0 text.
    swagger2: Option<swagger2::Origins>,
}

/// One reader of positions per text, made when an error is first located in it (`None`: the
/// document's own text).
#[derive(Default)]
struct Locators<'a>(std::collections::HashMap<Option<usize>, locate::Locator<'a>>);

/// Another document read into this one: its file and text.
#[derive(Debug)]
struct Embedded {
    /// Where it is in the whole document: `/x-documents/<its URL>`.
    pointer: String,
    file: PathBuf,
    source: String,
}

/// The address `$id`s and `$ref`s resolve against when nothing says another: the document
/// itself, which has no address of its own here.
fn document_base() -> Url {
    Url::parse("https://openapi-document.invalid/").expect("a valid URL")
}

/// Reads and parses a spec file; references to other files resolve against its place.
pub fn read(path: &Path) -> Result<Document> {
    let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut document = parse(source, Some(path.to_path_buf()))?;
    document.location = file_url(path);
    Ok(document)
}

/// The `file://` URL of a path, made absolute against the working directory.
fn file_url(path: &Path) -> Option<Url> {
    let absolute = std::path::absolute(path).ok()?;
    Url::from_file_path(absolute).ok()
}

/// Parses spec text (JSON when it starts with `{`, YAML otherwise).
pub fn parse(source: String, file: Option<PathBuf>) -> Result<Document> {
    // The pass that finds repeated keys reads the text beside the parser, on another core.
    let (root, duplicate_keys) = std::thread::scope(|scope| {
        let duplicates = scope.spawn(|| duplicate_keys(&source));
        let root = parse_value(&source);
        let duplicates = duplicates
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (root, duplicates)
    });
    let root = root.map_err(|(message, position)| {
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
        duplicate_keys,
        root,
        version: Version::V3_0,
        ids: OnceLock::new(),
        documents: Vec::new(),
        texts: Vec::new(),
        refused: Vec::new(),
        location: None,
        swagger2: None,
    };
    if swagger2::is_swagger2(&document.root) {
        let (root, origins) = swagger2::translate(&document.root).map_err(|e| document.locate(e))?;
        document.root = root;
        document.swagger2 = Some(origins);
    }
    document.version = read_version(&document.root).map_err(|e| document.locate(e))?;
    if let Some(own) = document.root.get("$self")
        && !own.is_string()
    {
        let error = Error::invalid("/$self", "the document's URI as a string", describe(own));
        return Err(document.locate(error));
    }
    Ok(document)
}

/// The pointer of every key a mapping of `source` repeats.
fn duplicate_keys(source: &str) -> Vec<String> {
    if is_json(source) {
        duplicates::duplicate_keys(&mut serde_json::Deserializer::from_str(source))
    } else {
        duplicates::duplicate_keys(serde_norway::Deserializer::from_str(source))
    }
}

/// JSON when the text starts with `{`, YAML otherwise.
fn is_json(source: &str) -> bool {
    source.trim_start().starts_with('{')
}

fn parse_value(source: &str) -> Result<Value, (String, Option<Position>)> {
    if is_json(source) {
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
        if let Some(swagger) = map.get("swagger") {
            return Err(Error::unsupported(
                "/swagger",
                format!(
                    "Swagger version {} (this generator reads 2.0, and OpenAPI 3.0.x, 3.1.x and 3.2.x)",
                    swagger.as_str().map_or_else(|| describe(swagger), str::to_owned)
                ),
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
    /// Fills in the file and line of an error raised while reading this document: in the
    /// file of the document the pointer is in (this one or one it references), at the place
    /// in that file's text (in a Swagger 2.0 document, the 2.0 construct the translated part
    /// came from), with the pointer rewritten to one into that text.
    pub fn locate(&self, error: Error) -> Error {
        self.locate_in(&mut Locators::default(), error)
    }

    /// [`Document::locate`] for many errors (a spec's warnings), reading each text once.
    pub fn locate_all(&self, errors: Vec<Error>) -> Vec<Error> {
        let mut locators = Locators::default();
        errors
            .into_iter()
            .map(|error| self.locate_in(&mut locators, error))
            .collect()
    }

    fn locate_in<'a>(&'a self, locators: &mut Locators<'a>, mut error: Error) -> Error {
        if error.position().is_some() {
            if let (None, Some(file)) = (error.file(), &self.file) {
                error = error.in_file(file.clone());
            }
            return error;
        }
        let (text, pointer) = self.source_pointer(error.pointer());
        let (file, source) = match text {
            Some(i) => (Some(&self.texts[i].file), self.texts[i].source.as_str()),
            None => (self.file.as_ref(), self.source.as_str()),
        };
        if let Some(file) = file
            && (error.file().is_none() || text.is_some())
        {
            error = error.in_file(file.clone());
        }
        error = error.with_pointer(pointer.clone());
        let locator = locators.0.entry(text).or_insert_with(|| locate::Locator::new(source));
        // A pointer to something absent (a missing `parameters`) is shown at its nearest parent.
        let mut pointer = pointer.as_str();
        while !pointer.is_empty() {
            if let Some(position) = locator.locate(pointer) {
                return error.at_position(position);
            }
            pointer = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
        error
    }

    /// Which text a pointer into the whole document is in (`None`: this document's own,
    /// else the index of another document read into it), and the pointer into that text.
    fn source_pointer(&self, pointer: &str) -> (Option<usize>, String) {
        for (i, text) in self.texts.iter().enumerate() {
            if let Some(rest) = pointer.strip_prefix(text.pointer.as_str())
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return (Some(i), rest.to_owned());
            }
        }
        match &self.swagger2 {
            Some(origins) => (None, origins.original(pointer)),
            None => (None, pointer.to_owned()),
        }
    }

    /// Whether a pointer is in another document read into this one.
    pub fn in_other_file(&self, pointer: &str) -> bool {
        self.texts.iter().any(|t| {
            pointer
                .strip_prefix(t.pointer.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    /// Every file the document was read from: its own, then each other document a `$ref`
    /// named, in the order they were read. A change in any of them may change the API.
    pub fn files(&self) -> Vec<PathBuf> {
        self.file
            .iter()
            .chain(self.texts.iter().map(|t| &t.file))
            .cloned()
            .collect()
    }

    /// Whether the document was written as Swagger 2.0 (and translated to OpenAPI 3.0 on
    /// reading).
    pub fn is_swagger2(&self) -> bool {
        self.swagger2.is_some()
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

    /// The pointer a `$ref` found in the schema at `at` names: the reference is resolved
    /// against the base URI there (the `$id`s on the way from the root, the schema's own
    /// included, as JSON Schema 2020-12 reads them), then its fragment is a JSON pointer
    /// into the resource it names.
    fn target_pointer(&self, reference: &str, at: &str) -> Result<String> {
        let here = join(at, "$ref");
        let resolved = self
            .base_uri(at)
            .join(reference)
            .map_err(|e| Error::invalid(here.clone(), "a URI reference", format!("`{reference}` ({e})")))?;
        let fragment = percent_decode(resolved.fragment().unwrap_or_default());
        let mut resource = resolved.clone();
        resource.set_fragment(None);
        let resource_pointer = if resource == self.base() {
            String::new()
        } else if let Some((_, pointer)) = self.ids().iter().chain(&self.documents).find(|(id, _)| *id == resource) {
            pointer.clone()
        } else if let Some((_, why)) = self.refused.iter().find(|(url, _)| *url == resource) {
            return Err(Error::unsupported(here, format!("$ref `{reference}`: {why}")));
        } else if reference.contains(".yaml")
            || reference.contains(".json")
            || reference.contains("://")
            || reference.starts_with('/')
        {
            return Err(Error::unsupported(
                here,
                format!("external $ref `{reference}` (only references inside the document are read)"),
            ));
        } else {
            return Err(Error::at(here, ErrorKind::UnresolvedRef(reference.to_owned())));
        };
        if fragment.is_empty() || fragment.starts_with('/') {
            return Ok(format!("{resource_pointer}{fragment}"));
        }
        // A plain-name fragment names an `$anchor` of the resource.
        let resource_value = self.get(&resource_pointer).unwrap_or(&Value::Null);
        find_anchor(resource_value, &fragment, resource_pointer.clone(), true)
            .ok_or_else(|| Error::at(here, ErrorKind::UnresolvedRef(reference.to_owned())))
    }

    /// The document's own URI: its 3.2 `$self` (resolved against the file it was read from,
    /// or a placeholder for text from no file, when relative), else that file or the
    /// placeholder. A reference to it, absolute or relative, is one inside it.
    fn base(&self) -> Url {
        let placeholder = self.location.clone().unwrap_or_else(document_base);
        match self.root.get("$self").and_then(Value::as_str) {
            Some(own) => placeholder.join(own).unwrap_or(placeholder),
            None => placeholder,
        }
    }

    /// The base URI at `pointer`: the document's, changed by each `$id` on the way down; in
    /// another document read into this one (under `/x-documents/<URL>`), the URL it was read at.
    fn base_uri(&self, pointer: &str) -> Url {
        let mut base = self.base();
        let mut value = &self.root;
        let mut segments = pointer.split('/').skip(1);
        let mut depth = 0;
        loop {
            if let Some(id) = value.get("$id").and_then(Value::as_str)
                && let Ok(next) = base.join(id)
            {
                base = next;
            }
            let Some(segment) = segments.next() else { break };
            let key = segment.replace("~1", "/").replace("~0", "~");
            depth += 1;
            if depth == 2
                && pointer.starts_with(&format!("/{DOCUMENTS}/"))
                && let Ok(url) = Url::parse(&key)
            {
                base = url;
            }
            let next = match value {
                Value::Object(map) => map.get(&key),
                Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            let Some(next) = next else { break };
            value = next;
        }
        base
    }

    /// Every resource (a schema with an `$id`) by its resolved URI, in document order.
    fn ids(&self) -> &[(Url, String)] {
        self.ids.get_or_init(|| {
            let mut out = Vec::new();
            collect_ids(&self.root, &self.base(), String::new(), Place::OpenApi, &mut out);
            out
        })
    }
}

/// The schema under `value` whose `$anchor` is `name`, not looking into other resources
/// (schemas with their own `$id`) below the first.
fn find_anchor(value: &Value, name: &str, pointer: String, top: bool) -> Option<String> {
    match value {
        Value::Object(map) => {
            if !top && map.contains_key("$id") {
                return None;
            }
            if map.get("$anchor").and_then(Value::as_str) == Some(name) {
                return Some(pointer);
            }
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "enum" | "const" | "default" | "example" | "examples"))
                .find_map(|(k, v)| find_anchor(v, name, join(&pointer, k), false))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_anchor(v, name, join(&pointer, &i.to_string()), false)),
        _ => None,
    }
}

/// The key of the OpenAPI object under which [`embed_documents`] places the other documents,
/// by their URL.
pub const DOCUMENTS: &str = "x-documents";

/// Reads the other documents the `$ref`s name and places each under `/x-documents/<its URL>`
/// (found by that URL, and by its own `$id` if it has one): a reference to it is then one
/// inside the document, read by the one resolution of `$ref`s ([`Document::follow_ref`]), and
/// an error in it is located in its own file ([`Document::locate`]). A file next to the
/// document (a relative reference from a document read from a file) is read from its place;
/// any other URL only through `documents`, which maps URL prefixes to folders (the suite's
/// `http://localhost:1234/` → `remotes/`): nothing is fetched. Repeats until the documents
/// read name no other. A URL no folder maps, or a file that is not there, is remembered with
/// the reason, and the reference refused with it when lowering follows it.
pub fn embed_documents(doc: &mut Document, documents: &[(String, PathBuf)]) -> Result<()> {
    let mut tried: Vec<Url> = Vec::new();
    loop {
        let mut refs = Vec::new();
        collect_refs(&doc.root, String::new(), &mut refs);
        let mut read: Vec<(String, Value)> = Vec::new();
        for (at, reference) in refs {
            let Ok(mut resource) = doc.base_uri(&at).join(&reference) else {
                continue;
            };
            resource.set_fragment(None);
            let known = doc.ids().iter().chain(&doc.documents).any(|(id, _)| *id == resource);
            if resource == doc.base() || tried.contains(&resource) || known {
                continue;
            }
            tried.push(resource.clone());
            let url = resource.as_str().to_owned();
            let path = match documents.iter().find(|(prefix, _)| url.starts_with(prefix.as_str())) {
                Some((prefix, folder)) => folder.join(&url[prefix.len()..]),
                None if resource.scheme() == "file" => match resource.to_file_path() {
                    Ok(path) => path,
                    Err(()) => continue,
                },
                None if resource.host_str() == document_base().host_str() => {
                    let why = "the document was read from no file, so a relative reference to another file has nothing to resolve against";
                    doc.refused.push((resource, why.to_owned()));
                    continue;
                }
                None if matches!(resource.scheme(), "http" | "https") => {
                    let why = "not fetched (nothing is read over the network); map a URL prefix of it to a local folder (`--map-url PREFIX=FOLDER`, `lower::Options::documents`)";
                    doc.refused.push((resource, why.to_owned()));
                    continue;
                }
                None => continue,
            };
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    let why = format!("cannot read {}: {e}", path.display());
                    doc.refused.push((resource, why));
                    continue;
                }
            };
            let value = parse_value(&text).map_err(|(message, position)| {
                let error = Error::at("", ErrorKind::Syntax(message)).in_file(path.clone());
                match position {
                    Some(position) => error.at_position(position),
                    None => error,
                }
            })?;
            let pointer = join(&join("", DOCUMENTS), &url);
            doc.duplicate_keys
                .extend(duplicate_keys(&text).into_iter().map(|key| format!("{pointer}{key}")));
            doc.documents.push((resource, pointer.clone()));
            doc.texts.push(Embedded {
                pointer,
                file: path,
                source: text,
            });
            read.push((url, value));
        }
        if read.is_empty() {
            return Ok(());
        }
        let Some(root) = doc.root.as_object_mut() else {
            return Ok(());
        };
        if let Value::Object(holder) = root.entry(DOCUMENTS).or_insert_with(|| Value::Object(Map::new())) {
            holder.extend(read);
        }
        doc.ids = OnceLock::new();
    }
}

/// Every `$ref` string under `value`, with the pointer of the object that holds it.
fn collect_refs(value: &Value, pointer: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push((pointer.clone(), reference.clone()));
            }
            for (k, v) in map {
                if !matches!(k.as_str(), "enum" | "const" | "default" | "example" | "examples") {
                    collect_refs(v, join(&pointer, k), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_refs(v, join(&pointer, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// Where [`collect_ids`] is: in the OpenAPI document's own objects, in a schema, or in a
/// keyword's value that holds schemas (by name or by position).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    OpenApi,
    Schema,
    SchemaMap,
    SchemaList,
}

/// What a key of a schema holds: a schema, schemas by name, schemas by position, or none
/// (data, annotations, and keywords JSON Schema does not know, whose `$id`s are not
/// identifiers: `optional/unknownKeyword.json`).
fn schema_keyword(key: &str) -> Option<Place> {
    match key {
        "items"
        | "additionalItems"
        | "additionalProperties"
        | "unevaluatedItems"
        | "unevaluatedProperties"
        | "propertyNames"
        | "contains"
        | "not"
        | "if"
        | "then"
        | "else"
        | "contentSchema" => Some(Place::Schema),
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" | "dependencies" => {
            Some(Place::SchemaMap)
        }
        "allOf" | "anyOf" | "oneOf" | "prefixItems" => Some(Place::SchemaList),
        _ => None,
    }
}

fn collect_ids(value: &Value, base: &Url, pointer: String, place: Place, out: &mut Vec<(Url, String)>) {
    match (value, place) {
        (Value::Object(map), Place::SchemaMap) => {
            let documents = pointer == join("", DOCUMENTS);
            for (k, v) in map {
                // Another document read into this one resolves against the URL it was read at.
                let own = documents.then(|| Url::parse(k).ok()).flatten();
                collect_ids(v, own.as_ref().unwrap_or(base), join(&pointer, k), Place::Schema, out);
            }
        }
        (Value::Object(map), Place::OpenApi | Place::Schema) => {
            let mut base = base.clone();
            if place == Place::Schema
                && let Some(id) = map.get("$id").and_then(Value::as_str)
                && let Ok(resolved) = base.join(id)
            {
                let mut resource = resolved.clone();
                resource.set_fragment(None);
                out.push((resource, pointer.clone()));
                base = resolved;
            }
            for (k, v) in map {
                let next = match place {
                    // The OpenAPI objects that hold schemas: `schema` (parameters, headers,
                    // media types) and `components/schemas`.
                    Place::OpenApi if k == "schema" => Place::Schema,
                    Place::OpenApi if k == "schemas" || k == DOCUMENTS => Place::SchemaMap,
                    // Values that are data, not schemas, hold no resources.
                    Place::OpenApi if matches!(k.as_str(), "example" | "examples" | "default") => continue,
                    Place::OpenApi => Place::OpenApi,
                    _ => match schema_keyword(k) {
                        // `items: [...]` (draft 4) is a list.
                        Some(Place::Schema) if v.is_array() => Place::SchemaList,
                        Some(next) => next,
                        None => continue,
                    },
                };
                collect_ids(v, &base, join(&pointer, k), next, out);
            }
        }
        (Value::Array(items), Place::OpenApi | Place::SchemaList) => {
            let next = if place == Place::SchemaList {
                Place::Schema
            } else {
                Place::OpenApi
            };
            for (i, v) in items.iter().enumerate() {
                collect_ids(v, base, join(&pointer, &i.to_string()), next, out);
            }
        }
        _ => {}
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
    fn refs_resolve_against_the_id_around_them() {
        let text = r##"{"openapi": "3.1.0", "components": {"schemas": {
            "A": {"$id": "https://example.com/a.json", "$defs": {"inner": {"type": "string"}},
                  "properties": {"x": {"$ref": "#/$defs/inner"}, "y": {"$ref": "c.json"}}},
            "B": {"$ref": "https://example.com/a.json#/$defs/inner"},
            "C": {"$id": "urn:uuid:deadbeef-1234-0000-0000-4321feebdaed", "$defs": {"bar": {"type": "string"}}},
            "D": {"$ref": "urn:uuid:deadbeef-1234-0000-0000-4321feebdaed#/$defs/bar"},
            "E": {"$id": "https://example.com/c.json", "type": "integer", "$defs": {"n": {"$anchor": "name"}}},
            "F": {"$ref": "#/components/schemas/A"}
        }}}"##;
        let doc = super::parse(text.to_owned(), None).unwrap();
        let target = |r: &str, at: &str| doc.follow_ref(r, at).map(|(p, _)| p).unwrap_or_else(|e| panic!("{e}"));
        let a = "/components/schemas/A";
        assert_eq!(
            target("#/$defs/inner", &format!("{a}/properties/x")),
            format!("{a}/$defs/inner")
        );
        assert_eq!(target("c.json", &format!("{a}/properties/y")), "/components/schemas/E");
        assert_eq!(
            target("https://example.com/a.json#/$defs/inner", "/components/schemas/B"),
            format!("{a}/$defs/inner")
        );
        let urn = "urn:uuid:deadbeef-1234-0000-0000-4321feebdaed#/$defs/bar";
        assert_eq!(target(urn, "/components/schemas/D"), "/components/schemas/C/$defs/bar");
        assert_eq!(target("#/components/schemas/A", "/components/schemas/F"), a);
        assert_eq!(
            target("c.json#name", &format!("{a}/properties/y")),
            "/components/schemas/E/$defs/n"
        );
        assert!(
            doc.follow_ref("https://elsewhere.example/x.json", "/components/schemas/F")
                .is_err()
        );
    }

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
