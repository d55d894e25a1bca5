//! How a parameter's value is written into a request and read back out of it: OpenAPI's
//! `style` and `explode` (RFC 6570 templates: form, simple, label, matrix; and
//! spaceDelimited, pipeDelimited, deepObject), for primitives, arrays and objects, in
//! path, query, header and cookie; and the fields of form and multipart bodies. The one
//! home of these rules: generated servers read with them, the conformance runner writes
//! with them.
//!
//! Values are `serde_json::Value`s. Writing percent-encodes each piece (never the
//! delimiters) where the location is a URL or a cookie; header values go as they are.
//! Reading splits at the delimiters first and decodes each piece after, so an encoded
//! delimiter inside a value stays part of it (path values too: servers hand [`read`] the
//! segment as sent).

use std::fmt;

use serde_json::{Map, Value};

mod brackets;

pub use brackets::Node;

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// OpenAPI's `style` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    Form,
    Simple,
    Label,
    Matrix,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// Swagger 2.0's `collectionFormat: tsv` (values joined by tabs): no OpenAPI 3 style, so
    /// not in [`Style::ALL`] and not read from a 3.x spec; only a 2.0 spec's query
    /// parameters have it.
    TabDelimited,
}

impl Style {
    pub const ALL: [Style; 7] = [
        Style::Form,
        Style::Simple,
        Style::Label,
        Style::Matrix,
        Style::SpaceDelimited,
        Style::PipeDelimited,
        Style::DeepObject,
    ];

    /// The name the spec writes (for [`Style::TabDelimited`], the name a 2.0 spec's
    /// translation writes).
    pub fn name(self) -> &'static str {
        match self {
            Style::Form => "form",
            Style::Simple => "simple",
            Style::Label => "label",
            Style::Matrix => "matrix",
            Style::SpaceDelimited => "spaceDelimited",
            Style::PipeDelimited => "pipeDelimited",
            Style::DeepObject => "deepObject",
            Style::TabDelimited => "tabDelimited",
        }
    }

    pub fn from_name(name: &str) -> Option<Style> {
        Style::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The locations OpenAPI allows the style in.
    pub fn allowed_in(self, location: Location) -> bool {
        use Location::*;
        match self {
            Style::Form => matches!(location, Query | Cookie),
            Style::Simple => matches!(location, Path | Header),
            Style::Label | Style::Matrix => location == Path,
            Style::SpaceDelimited | Style::PipeDelimited | Style::TabDelimited | Style::DeepObject => location == Query,
        }
    }
}

/// A parameter's `style` and `explode`, decided once (in lowering) and written into
/// generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Serialization {
    pub style: Style,
    pub explode: bool,
}

impl Serialization {
    /// OpenAPI's defaults: query and cookie `form`, path and header `simple`; `explode` true
    /// for `form` only.
    pub const fn default_for(location: Location) -> Serialization {
        match location {
            Location::Query | Location::Cookie => Serialization {
                style: Style::Form,
                explode: true,
            },
            Location::Path | Location::Header => Serialization {
                style: Style::Simple,
                explode: false,
            },
        }
    }
}

impl fmt::Display for Serialization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "style {} with explode {}", self.style.name(), self.explode)
    }
}

/// The JSON type a piece of text is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
    /// A number or boolean when the text spells one, else the text.
    Any,
}

impl Scalar {
    /// The text as a JSON value of this type; text that is not one stays a string, so the
    /// type that reads it names what was wrong.
    pub fn read(self, text: &str) -> Value {
        let number = || {
            serde_json::from_str::<serde_json::Number>(text)
                .ok()
                .filter(|_| !text.starts_with('+'))
                .map(Value::Number)
        };
        let boolean = || match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        };
        let read = match self {
            Scalar::String => None,
            Scalar::Integer | Scalar::Number => number(),
            Scalar::Boolean => boolean(),
            Scalar::Any => number().or_else(boolean),
        };
        read.unwrap_or_else(|| Value::String(text.to_owned()))
    }
}

/// What a parameter's value is: it decides how the text is cut up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    Scalar(Scalar),
    Array(Scalar),
    Object {
        /// Declared properties and their types.
        properties: &'a [(&'a str, Scalar)],
        /// How other keys are read (`additionalProperties`), `String` where unspecified.
        others: Scalar,
    },
    /// An array or object with arrays or objects inside (or an array, in `deepObject`),
    /// written and read in the bracket form (`lines[0][amount]=100`; see [`Node`]).
    Nested(&'a Node),
}

/// A parameter as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Query or cookie: `key=value` pairs, each percent-encoded (delimiters left as they are).
    Pairs(Vec<(String, String)>),
    /// Path (percent-encoded) or header (as it is): the text that stands for the value.
    Text(String),
}

/// A parameter's raw input, as [`read`] takes it.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    /// Query or cookie pairs: keys decoded, values as sent.
    Pairs(&'a [(String, String)]),
    /// The path segment (decoded by the router) or the header value; `None` when absent.
    Text(Option<&'a str>),
}

/// Everything but RFC 3986's unreserved characters is encoded.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decoding; with `plus`, `+` is a space (form encoding). Invalid sequences and
/// bytes that are not UTF-8 are kept as they are (lossy), never refused here.
pub fn percent_decode(text: &str, plus: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The pairs of a query string: keys decoded, values as sent (for [`read`]).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), v.to_owned())
        })
        .collect()
}

/// A value's text as one piece: strings as they are, `null` empty, other JSON as its text.
fn piece(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Writes `value` as parameter `name` at `location` in `serialization`. Shapes a style
/// does not define (a primitive as deepObject) are written as `form` would write them, so a
/// deliberately mistyped value still reaches the server.
pub fn write(serialization: Serialization, location: Location, name: &str, value: &Value) -> Written {
    let Serialization { style, explode } = serialization;
    let header = location == Location::Header;
    let enc = |text: &str| if header { text.to_owned() } else { percent_encode(text) };
    let items: Vec<String> = match value {
        Value::Array(items) => items.iter().map(|v| enc(&piece(v))).collect(),
        _ => Vec::new(),
    };
    let entries: Vec<(String, String)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (enc(k), enc(&piece(v)))).collect(),
        _ => Vec::new(),
    };
    let flat = || -> Vec<String> { entries.iter().flat_map(|(k, v)| [k.clone(), v.clone()]).collect() };
    let assigned = |sep: &str| -> String {
        entries
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let name_enc = enc(name);
    match location {
        Location::Query | Location::Cookie => {
            let one = |text: String| Written::Pairs(vec![(name_enc.clone(), text)]);
            match (style, value) {
                (Style::DeepObject, Value::Object(_) | Value::Array(_)) => Written::Pairs(deep_pairs(name, value)),
                (Style::SpaceDelimited, Value::Array(_)) => one(items.join("%20")),
                (Style::SpaceDelimited, Value::Object(_)) => one(flat().join("%20")),
                (Style::PipeDelimited, Value::Array(_)) => one(items.join("|")),
                (Style::PipeDelimited, Value::Object(_)) => one(flat().join("|")),
                (Style::TabDelimited, Value::Array(_)) => one(items.join("%09")),
                (Style::TabDelimited, Value::Object(_)) => one(flat().join("%09")),
                (_, Value::Array(_)) if explode && style != Style::SpaceDelimited => {
                    Written::Pairs(items.iter().map(|i| (name_enc.clone(), i.clone())).collect())
                }
                (_, Value::Array(_)) => one(items.join(",")),
                (Style::Form, Value::Object(_)) if explode => Written::Pairs(entries),
                (_, Value::Object(_)) => one(flat().join(",")),
                (_, scalar) => one(enc(&piece(scalar))),
            }
        }
        Location::Path | Location::Header => Written::Text(match (style, value) {
            (Style::Label, Value::Array(_)) => format!(".{}", items.join(if explode { "." } else { "," })),
            (Style::Label, Value::Object(_)) if explode => format!(".{}", assigned(".")),
            (Style::Label, Value::Object(_)) => format!(".{}", flat().join(",")),
            (Style::Label, scalar) => format!(".{}", enc(&piece(scalar))),
            (Style::Matrix, Value::Array(_)) if explode => {
                items.iter().map(|i| format!(";{name_enc}={i}")).collect::<String>()
            }
            (Style::Matrix, Value::Array(_)) => format!(";{name_enc}={}", items.join(",")),
            (Style::Matrix, Value::Object(_)) if explode => format!(";{}", assigned(";")),
            (Style::Matrix, Value::Object(_)) => format!(";{name_enc}={}", flat().join(",")),
            // RFC 6570: an empty value is `;name`, without `=`.
            (Style::Matrix, scalar) if piece(scalar).is_empty() => format!(";{name_enc}"),
            (Style::Matrix, scalar) => format!(";{name_enc}={}", enc(&piece(scalar))),
            (_, Value::Array(_)) => items.join(","),
            (_, Value::Object(_)) if explode => assigned(","),
            (_, Value::Object(_)) => flat().join(","),
            (_, scalar) => enc(&piece(scalar)),
        }),
    }
}

/// `value` under `name` in the bracket form, each key and text percent-encoded (an empty
/// object or array is `name=`, as at any depth).
fn deep_pairs(name: &str, value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    brackets::write(name, value, &mut out);
    out.into_iter()
        .map(|(k, v)| (percent_encode(&k), percent_encode(&v)))
        .collect()
}

/// Why a parameter's text could not be read in its style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleError(pub String);

impl fmt::Display for StyleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StyleError {}

/// Reads parameter `name` from `raw` in `serialization` as a value of `shape`; `None` when
/// the request does not carry it. Each piece of text becomes a JSON value of its
/// [`Scalar`]; the caller deserializes the result into the parameter's type.
pub fn read(
    serialization: Serialization,
    location: Location,
    name: &str,
    shape: Shape<'_>,
    raw: Raw<'_>,
) -> Result<Option<Value>, StyleError> {
    let Serialization { style, explode } = serialization;
    // Query values are form-encoded (`+` a space); path segments and cookies
    // percent-encoded; header values are as they are.
    let decode = |text: &str| -> String {
        match location {
            Location::Query => percent_decode(text, true),
            Location::Path | Location::Cookie => percent_decode(text, false),
            Location::Header => text.to_owned(),
        }
    };
    match raw {
        Raw::Pairs(pairs) => {
            let values: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            let single = || -> Result<Option<&str>, StyleError> {
                match values.as_slice() {
                    [] => Ok(None),
                    [one] => Ok(Some(one)),
                    many => Err(StyleError(format!("expected one value, got {}", many.len()))),
                }
            };
            let split = |text: &str| -> Vec<String> {
                if text.is_empty() {
                    return Vec::new();
                }
                let parts: Vec<&str> = match style {
                    Style::SpaceDelimited => text.split(['+', ' ']).flat_map(|p| p.split("%20")).collect(),
                    Style::PipeDelimited => text.split('|').collect(),
                    // A tab is never raw in a URL.
                    Style::TabDelimited => text.split("%09").collect(),
                    _ => text.split(',').collect(),
                };
                parts.into_iter().map(decode).collect()
            };
            // deepObject's arrays and objects, and nested values: the bracket form.
            let bracketed =
                |node: &Node| brackets::read(name, node, pairs.iter().map(|(k, v)| (k.as_str(), decode(v))));
            let deep = match shape {
                Shape::Array(item) if style == Style::DeepObject => Some(Node::array(Node::Scalar(item))),
                Shape::Object { properties, others } if style == Style::DeepObject => Some(Node::object(
                    properties.iter().map(|(k, s)| (*k, Node::Scalar(*s))),
                    Node::Scalar(others),
                )),
                _ => None,
            };
            if let Some(node) = deep {
                return bracketed(&node);
            }
            match shape {
                Shape::Nested(node) if style == Style::DeepObject => bracketed(node),
                Shape::Nested(_) => Err(StyleError(format!(
                    "`{name}` holds arrays or objects, read only in deepObject's bracket form (not {serialization})"
                ))),
                Shape::Scalar(scalar) => Ok(single()?.map(|v| scalar.read(&decode(v)))),
                Shape::Array(item) => {
                    if explode && matches!(style, Style::Form) {
                        if values.is_empty() {
                            return Ok(None);
                        }
                        return Ok(Some(Value::Array(
                            values.iter().map(|v| item.read(&decode(v))).collect(),
                        )));
                    }
                    Ok(single()?.map(|v| Value::Array(split(v).iter().map(|p| item.read(p)).collect())))
                }
                Shape::Object { properties, others } => {
                    let scalar_of = |key: &str| properties.iter().find(|(k, _)| *k == key).map_or(others, |(_, s)| *s);
                    match style {
                        Style::Form if explode => {
                            let mut object = Map::new();
                            for (key, scalar) in properties {
                                let found: Vec<&String> =
                                    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v).collect();
                                match found.as_slice() {
                                    [] => {}
                                    [one] => {
                                        object.insert((*key).to_owned(), scalar.read(&decode(one)));
                                    }
                                    _ => return Err(StyleError(format!("`{key}` is given twice"))),
                                }
                            }
                            Ok((!object.is_empty()).then_some(Value::Object(object)))
                        }
                        _ => match single()? {
                            None => Ok(None),
                            Some(text) => pairs_to_object(&split(text), scalar_of).map(Some),
                        },
                    }
                }
            }
        }
        Raw::Text(None) => Ok(None),
        Raw::Text(Some(text)) => {
            // The style's prefix, delimiters and `=` are read in the text as sent, and each
            // piece is decoded after: an encoded delimiter stays inside its piece.
            let mut matrix_key = name.to_owned();
            let body: &str = match style {
                Style::Label => text
                    .strip_prefix('.')
                    .ok_or_else(|| StyleError(format!("expected a label value starting with `.`, got {text:?}")))?,
                Style::Matrix => {
                    let rest = text.strip_prefix(';').ok_or_else(|| {
                        StyleError(format!("expected a matrix value starting with `;`, got {text:?}"))
                    })?;
                    if explode && matches!(shape, Shape::Object { .. }) {
                        rest
                    } else {
                        // `;name=value`, or `;name` for the empty value; the name compared decoded.
                        let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
                        if decode(key) != name {
                            return Err(StyleError(format!(
                                "expected a matrix value starting with `;{name}=`, got {text:?}"
                            )));
                        }
                        key.clone_into(&mut matrix_key);
                        value
                    }
                }
                _ => text,
            };
            let pieces = |sep: &str| -> Vec<&str> {
                if body.is_empty() {
                    Vec::new()
                } else {
                    body.split(sep).collect()
                }
            };
            let items = |sep: &str| -> Vec<String> { pieces(sep).into_iter().map(decode).collect() };
            Ok(Some(match shape {
                Shape::Nested(_) => {
                    return Err(StyleError(format!(
                        "`{name}` holds arrays or objects, which are read only from query pairs in the bracket form"
                    )));
                }
                Shape::Scalar(scalar) => scalar.read(&decode(body)),
                Shape::Array(item) => {
                    let list = match (style, explode) {
                        (Style::Label, true) => items("."),
                        (Style::Matrix, true) => items(&format!(";{matrix_key}=")),
                        _ => items(","),
                    };
                    Value::Array(list.iter().map(|p| item.read(p)).collect())
                }
                Shape::Object { properties, others } => {
                    let scalar_of = |key: &str| properties.iter().find(|(k, _)| *k == key).map_or(others, |(_, s)| *s);
                    if explode {
                        let sep = match style {
                            Style::Label => ".",
                            Style::Matrix => ";",
                            _ => ",",
                        };
                        let mut object = Map::new();
                        for entry in pieces(sep) {
                            let (k, v) = entry
                                .split_once('=')
                                .ok_or_else(|| StyleError(format!("expected key=value, got {:?}", decode(entry))))?;
                            let key = decode(k);
                            let value = scalar_of(&key).read(&decode(v));
                            object.insert(key, value);
                        }
                        Value::Object(object)
                    } else {
                        pairs_to_object(&items(","), scalar_of)?
                    }
                }
            }))
        }
    }
}

/// `k1,v1,k2,v2` (already split) as an object.
fn pairs_to_object(list: &[String], scalar_of: impl Fn(&str) -> Scalar) -> Result<Value, StyleError> {
    if !list.len().is_multiple_of(2) {
        return Err(StyleError(format!(
            "expected key and value pairs, got {} items",
            list.len()
        )));
    }
    let mut object = Map::new();
    for pair in list.chunks(2) {
        object.insert(pair[0].clone(), scalar_of(&pair[0]).read(&pair[1]));
    }
    Ok(Value::Object(object))
}

/// How a field of a form or multipart body is written: OpenAPI's `encoding` defaults
/// (`form` with `explode` for form bodies; `contentType` for multipart parts).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A primitive: its text.
    Text(Scalar),
    /// An array of primitives: the key (or part) repeated, one item each.
    Repeated(Scalar),
    /// An object, or an array of objects: JSON text (`application/json`).
    Json,
    /// An array or object whose `encoding` says `style: deepObject`: one field per primitive
    /// inside, in the bracket form (`lines[0][amount]=100`; see [`Node`]).
    Nested(Node),
}

/// One field of a form or multipart body as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldText {
    pub name: String,
    pub text: String,
    /// JSON text (a multipart part says `Content-Type: application/json`).
    pub json: bool,
}

/// The fields of a form or multipart body: each property of `value` (an object) written as
/// `fields` says (the bracket form for [`FieldKind::Nested`]), else as the value's own shape
/// is written by default ([`FieldKind`]). Anything but an object has no fields.
pub fn write_fields<S: AsRef<str>>(value: &Value, fields: &[(S, FieldKind)]) -> Vec<FieldText> {
    let Value::Object(map) = value else {
        return Vec::new();
    };
    let field = |name: &str, v: &Value| FieldText {
        name: name.to_owned(),
        text: match v {
            Value::Object(_) | Value::Array(_) => v.to_string(),
            other => piece(other),
        },
        json: matches!(v, Value::Object(_) | Value::Array(_)),
    };
    let mut out = Vec::new();
    for (name, v) in map {
        let nested = fields
            .iter()
            .any(|(k, kind)| k.as_ref() == name && matches!(kind, FieldKind::Nested(_)));
        match v {
            Value::Array(_) | Value::Object(_) if nested => {
                let mut pairs = Vec::new();
                brackets::write(name, v, &mut pairs);
                out.extend(pairs.into_iter().map(|(name, text)| FieldText {
                    name,
                    text,
                    json: false,
                }));
            }
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                out.extend(items.iter().map(|i| field(name, i)));
            }
            other => out.push(field(name, other)),
        }
    }
    out
}

/// A form body's text (`application/x-www-form-urlencoded`) from its fields.
pub fn form_text(fields: &[FieldText]) -> String {
    fields
        .iter()
        .map(|f| format!("{}={}", percent_encode(&f.name), percent_encode(&f.text)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A `multipart/form-data` body (RFC 7578) from its fields, with `boundary`.
pub fn multipart_text(fields: &[FieldText], boundary: &str) -> String {
    let mut out = String::new();
    for f in fields {
        let name = f.name.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str(&format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n"
        ));
        if f.json {
            out.push_str("content-type: application/json\r\n");
        }
        out.push_str(&format!("\r\n{}\r\n", f.text));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

/// The fields of a form body, decoded (`+` is a space).
pub fn form_pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// The fields of a `multipart/form-data` body (RFC 7578) given its Content-Type (which
/// names the boundary): each part's name and text. Read here rather than with axum's
/// `multipart` feature or `multer`: the body is already whole in memory under the size
/// limit, so no streaming parser is needed, and the runner's mock and the generated server
/// share this reading without the `server` feature. A part that is not UTF-8 text, a missing
/// boundary, a part without a name or a body without its closing delimiter is refused.
pub fn multipart_pairs(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, StyleError> {
    let boundary = content_type
        .split(';')
        .skip(1)
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| StyleError("the multipart Content-Type names no boundary".into()))?;
    let delimiter = format!("--{boundary}");
    let text = std::str::from_utf8(body).map_err(|_| StyleError("a multipart part is not UTF-8 text".into()))?;
    let start = text
        .find(&delimiter)
        .ok_or_else(|| StyleError(format!("the body does not start with the boundary `{delimiter}`")))?;
    let mut rest = &text[start + delimiter.len()..];
    let mut out = Vec::new();
    loop {
        if rest.starts_with("--") {
            return Ok(out);
        }
        let Some(part_start) = rest.strip_prefix("\r\n") else {
            return Err(StyleError(
                "a multipart boundary is not followed by a line break".into(),
            ));
        };
        let end = part_start
            .find(&format!("\r\n{delimiter}"))
            .ok_or_else(|| StyleError("the multipart body has no closing boundary".into()))?;
        let part = &part_start[..end];
        rest = &part_start[end + 2 + delimiter.len()..];
        let (head, content) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.strip_prefix("\r\n").map(|c| ("", c)))
            .ok_or_else(|| StyleError("a multipart part has no blank line after its headers".into()))?;
        let name = head
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
            .and_then(|(_, v)| disposition_name(v))
            .ok_or_else(|| StyleError("a multipart part has no Content-Disposition name".into()))?;
        out.push((name, content.to_owned()));
    }
}

/// `name` of `form-data; name="a"; filename="b"`, with `\"` and `\\` unescaped.
fn disposition_name(value: &str) -> Option<String> {
    let at = value.find("name=\"").filter(|i| {
        let before = value[..*i].trim_end();
        before.ends_with(';')
    })?;
    let mut out = String::new();
    let mut chars = value[at + 6..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

/// Reads a form or multipart body's decoded fields as an object: each declared field by
/// its kind; other keys as text, so a type that refuses unknown keys sees them.
pub fn read_fields<S: AsRef<str>>(pairs: &[(String, String)], fields: &[(S, FieldKind)]) -> Result<Value, StyleError> {
    let mut object = Map::new();
    // Nested fields first, each from the keys that are its name or start with `name[`.
    let mut taken = vec![false; pairs.len()];
    for (field, kind) in fields {
        let FieldKind::Nested(node) = kind else { continue };
        let field = field.as_ref();
        let mine: Vec<usize> = (0..pairs.len())
            .filter(|i| {
                let key = &pairs[*i].0;
                key == field || key.strip_prefix(field).is_some_and(|rest| rest.starts_with('['))
            })
            .collect();
        if let Some(value) = brackets::read(
            field,
            node,
            mine.iter().map(|i| (pairs[*i].0.as_str(), pairs[*i].1.clone())),
        )? {
            object.insert(field.to_owned(), value);
        }
        for i in mine {
            taken[i] = true;
        }
    }
    for ((name, text), _) in pairs.iter().zip(&taken).filter(|(_, taken)| !**taken) {
        let kind = fields
            .iter()
            .find(|(k, kind)| k.as_ref() == name && !matches!(kind, FieldKind::Nested(_)))
            .map_or(&FieldKind::Text(Scalar::String), |(_, kind)| kind);
        match kind {
            FieldKind::Repeated(scalar) => {
                let slot = object.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = slot {
                    items.push(scalar.read(text));
                }
            }
            _ if object.contains_key(name) => return Err(StyleError(format!("the field `{name}` is given twice"))),
            FieldKind::Text(scalar) => {
                object.insert(name.clone(), scalar.read(text));
            }
            FieldKind::Json => {
                let value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()));
                object.insert(name.clone(), value);
            }
            // Not found here (taken above): text, as an undeclared key is.
            FieldKind::Nested(_) => {
                object.insert(name.clone(), Value::String(text.clone()));
            }
        }
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The query as the table writes it: `k=v` joined by `&`, keys shown decoded (`color[R]`).
    fn shown(written: &Written) -> String {
        match written {
            Written::Text(t) => t.clone(),
            Written::Pairs(pairs) => pairs
                .iter()
                .map(|(k, v)| format!("{}={v}", percent_decode(k, false)))
                .collect::<Vec<_>>()
                .join("&"),
        }
    }

    const RGB: &[(&str, Scalar)] = &[("R", Scalar::Integer), ("G", Scalar::Integer), ("B", Scalar::Integer)];

    /// The "Style Examples" table of OpenAPI 3.1.1 (section 4.8.12.4; RFC 6570's reading of
    /// `label` without explode, which 3.1.0 printed as `.blue.black.brown`): color = "" /
    /// "blue" / ["blue","black","brown"] / {"R":100,"G":200,"B":150}, each written as the
    /// table says and read back to the same value. `None`: n/a in the table.
    #[test]
    fn the_openapi_style_examples() {
        // style, explode, location; then "", "blue", the array and the object as written.
        type Row = (
            Style,
            bool,
            Location,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
        );
        let table: &[Row] = &[
            (
                Style::Matrix,
                false,
                Location::Path,
                Some(";color"),
                Some(";color=blue"),
                Some(";color=blue,black,brown"),
                ";color=R,100,G,200,B,150",
            ),
            (
                Style::Matrix,
                true,
                Location::Path,
                Some(";color"),
                Some(";color=blue"),
                Some(";color=blue;color=black;color=brown"),
                ";R=100;G=200;B=150",
            ),
            (
                Style::Label,
                false,
                Location::Path,
                Some("."),
                Some(".blue"),
                Some(".blue,black,brown"),
                ".R,100,G,200,B,150",
            ),
            (
                Style::Label,
                true,
                Location::Path,
                Some("."),
                Some(".blue"),
                Some(".blue.black.brown"),
                ".R=100.G=200.B=150",
            ),
            (
                Style::Form,
                false,
                Location::Query,
                Some("color="),
                Some("color=blue"),
                Some("color=blue,black,brown"),
                "color=R,100,G,200,B,150",
            ),
            (
                Style::Form,
                true,
                Location::Query,
                Some("color="),
                Some("color=blue"),
                Some("color=blue&color=black&color=brown"),
                "R=100&G=200&B=150",
            ),
            (
                Style::Simple,
                false,
                Location::Path,
                None,
                Some("blue"),
                Some("blue,black,brown"),
                "R,100,G,200,B,150",
            ),
            (
                Style::Simple,
                true,
                Location::Path,
                None,
                Some("blue"),
                Some("blue,black,brown"),
                "R=100,G=200,B=150",
            ),
            (
                Style::SpaceDelimited,
                false,
                Location::Query,
                None,
                None,
                Some("color=blue%20black%20brown"),
                "color=R%20100%20G%20200%20B%20150",
            ),
            (
                Style::PipeDelimited,
                false,
                Location::Query,
                None,
                None,
                Some("color=blue|black|brown"),
                "color=R|100|G|200|B|150",
            ),
            (
                Style::TabDelimited,
                false,
                Location::Query,
                None,
                None,
                Some("color=blue%09black%09brown"),
                "color=R%09100%09G%09200%09B%09150",
            ),
            (
                Style::DeepObject,
                true,
                Location::Query,
                None,
                None,
                None,
                "color[R]=100&color[G]=200&color[B]=150",
            ),
        ];
        let array = json!(["blue", "black", "brown"]);
        let object = json!({"R": 100, "G": 200, "B": 150});
        for &(style, explode, location, empty, string, list, map) in table {
            let s = Serialization { style, explode };
            let cases = [
                (empty, json!(""), Shape::Scalar(Scalar::String)),
                (string, json!("blue"), Shape::Scalar(Scalar::String)),
                (list, array.clone(), Shape::Array(Scalar::String)),
                (
                    Some(map),
                    object.clone(),
                    Shape::Object {
                        properties: RGB,
                        others: Scalar::String,
                    },
                ),
            ];
            for (expected, value, shape) in cases {
                let Some(expected) = expected else { continue };
                let written = write(s, location, "color", &value);
                assert_eq!(shown(&written), expected, "{s} {value}");
                let back = match &written {
                    Written::Text(t) => read(s, location, "color", shape, Raw::Text(Some(t))),
                    Written::Pairs(pairs) => {
                        let pairs: Vec<(String, String)> = pairs
                            .iter()
                            .map(|(k, v)| (percent_decode(k, true), v.clone()))
                            .collect();
                        read(s, location, "color", shape, Raw::Pairs(&pairs))
                    }
                };
                assert_eq!(back, Ok(Some(value.clone())), "{s} {expected}");
            }
        }
    }

    #[test]
    fn defaults_follow_the_location() {
        assert_eq!(
            Serialization::default_for(Location::Query),
            Serialization {
                style: Style::Form,
                explode: true
            }
        );
        assert_eq!(
            Serialization::default_for(Location::Header),
            Serialization {
                style: Style::Simple,
                explode: false
            }
        );
        assert!(Style::DeepObject.allowed_in(Location::Query) && !Style::DeepObject.allowed_in(Location::Header));
        assert!(!Style::Matrix.allowed_in(Location::Query) && Style::Matrix.allowed_in(Location::Path));
        assert_eq!(Style::from_name("pipeDelimited"), Some(Style::PipeDelimited));
    }

    /// A delimiter inside an item is encoded when written, and stays inside it when read.
    #[test]
    fn encoded_delimiters_stay_inside_items() {
        let s = Serialization {
            style: Style::Form,
            explode: false,
        };
        let value = json!(["a,b", "c d", "é"]);
        let Written::Pairs(pairs) = write(s, Location::Query, "tags", &value) else {
            panic!("query parameters are pairs")
        };
        assert_eq!(pairs, [("tags".to_owned(), "a%2Cb,c%20d,%C3%A9".to_owned())]);
        assert_eq!(
            read(
                s,
                Location::Query,
                "tags",
                Shape::Array(Scalar::String),
                Raw::Pairs(&pairs)
            ),
            Ok(Some(value.clone()))
        );
        // In a path segment too: the segment is read as sent, split, then decoded.
        let path = Serialization::default_for(Location::Path);
        let Written::Text(segment) = write(path, Location::Path, "ids", &value) else {
            panic!("path parameters are text")
        };
        assert_eq!(segment, "a%2Cb,c%20d,%C3%A9");
        assert_eq!(
            read(
                path,
                Location::Path,
                "ids",
                Shape::Array(Scalar::String),
                Raw::Text(Some(&segment))
            ),
            Ok(Some(value.clone()))
        );
        let matrix = Serialization {
            style: Style::Matrix,
            explode: true,
        };
        let Written::Text(segment) = write(matrix, Location::Path, "ids", &value) else {
            panic!("path parameters are text")
        };
        assert_eq!(
            read(
                matrix,
                Location::Path,
                "ids",
                Shape::Array(Scalar::String),
                Raw::Text(Some(&segment))
            ),
            Ok(Some(value))
        );
        // Header values go as they are.
        let simple = Serialization::default_for(Location::Header);
        assert_eq!(
            write(simple, Location::Header, "X-Tags", &json!(["a b", "c"])),
            Written::Text("a b,c".into())
        );
    }

    #[test]
    fn text_is_read_as_its_scalar() {
        let s = Serialization {
            style: Style::DeepObject,
            explode: true,
        };
        let pairs = vec![
            ("time[start]".to_owned(), "2026-03-02T00%3A00%3A00Z".to_owned()),
            ("time[n]".to_owned(), "x1".to_owned()),
            ("other".to_owned(), "1".to_owned()),
        ];
        let shape = Shape::Object {
            properties: &[("start", Scalar::String), ("n", Scalar::Integer)],
            others: Scalar::String,
        };
        // Text that is not an integer stays text: the type that reads it says what is wrong.
        assert_eq!(
            read(s, Location::Query, "time", shape, Raw::Pairs(&pairs)),
            Ok(Some(json!({"start": "2026-03-02T00:00:00Z", "n": "x1"})))
        );
        assert_eq!(read(s, Location::Query, "absent", shape, Raw::Pairs(&pairs)), Ok(None));
        let nested = vec![("time[a][b]".to_owned(), "1".to_owned())];
        assert!(read(s, Location::Query, "time", shape, Raw::Pairs(&nested)).is_err());
        assert_eq!(Scalar::Boolean.read("true"), json!(true));
        assert_eq!(Scalar::Number.read("1.5"), json!(1.5));
        assert_eq!(Scalar::Any.read("blue"), json!("blue"));
        let label = Serialization {
            style: Style::Label,
            explode: false,
        };
        assert!(
            read(
                label,
                Location::Path,
                "id",
                Shape::Scalar(Scalar::String),
                Raw::Text(Some("5"))
            )
            .is_err()
        );
    }

    #[test]
    fn form_and_multipart_fields_round_trip() {
        let value = json!({"name": "a b&c", "tags": ["x", "y"], "meta": {"k": 1}, "n": 5});
        let kinds: &[(&str, FieldKind)] = &[
            ("name", FieldKind::Text(Scalar::String)),
            ("tags", FieldKind::Repeated(Scalar::String)),
            ("meta", FieldKind::Json),
            ("n", FieldKind::Text(Scalar::Integer)),
        ];
        let fields = write_fields(&value, kinds);
        let form = form_text(&fields);
        assert_eq!(form, "name=a%20b%26c&tags=x&tags=y&meta=%7B%22k%22%3A1%7D&n=5");
        assert_eq!(read_fields(&form_pairs(&form), kinds), Ok(value.clone()));
        let multipart = multipart_text(&fields, "b0undary");
        assert!(multipart.contains(
            "content-disposition: form-data; name=\"meta\"\r\ncontent-type: application/json\r\n\r\n{\"k\":1}\r\n"
        ));
        let pairs = multipart_pairs("multipart/form-data; boundary=b0undary", multipart.as_bytes()).unwrap();
        assert_eq!(read_fields(&pairs, kinds), Ok(value));
        assert!(multipart_pairs("multipart/form-data", multipart.as_bytes()).is_err());
        let cut = &multipart[..multipart.len() - 20];
        assert!(multipart_pairs("multipart/form-data; boundary=b0undary", cut.as_bytes()).is_err());
        assert!(read_fields(&[("name".into(), "a".into()), ("name".into(), "b".into())], kinds).is_err());
    }
}
