//! Swagger 2.0, read as the OpenAPI 3.0 document it says the same as: the translation is made
//! once, on reading, and the ordinary 3.0 lowering reads the result. [`Origins`] keeps where
//! each translated part came from, so errors and warnings point into the 2.0 text.
//!
//! What moves: `definitions` → `components/schemas`; `parameters` (global) →
//! `components/parameters`, or `components/requestBodies` for a body; `responses` (global) →
//! `components/responses`; `securityDefinitions` → `components/securitySchemes` (`basic` is
//! `http`/`basic`, `oauth2`'s flow is `flows`, `application` being `clientCredentials` and
//! `accessCode` `authorizationCode`); `host`, `basePath` and `schemes` → `servers`; a body
//! parameter → `requestBody` with one media type per `consumes`; `formData` parameters → one
//! form body (`multipart/form-data` or `application/x-www-form-urlencoded` as `consumes` says,
//! multipart where there is a `type: file`, which is `format: binary`); a parameter's schema
//! keywords → its `schema`, `collectionFormat` → `style` and `explode` (a form field's →
//! its `encoding`); a response's `schema` → `content`, one per `produces`; `x-nullable` →
//! `nullable`, a `discriminator` name → `propertyName`. `produces` and `consumes` are read at
//! both levels (the operation's replaces the document's; `application/json` where neither
//! says). Keys this module does not know are carried over as they are, so lowering warns of
//! them where they are.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result, describe, join};

/// Whether the document is a Swagger 2.0 one.
pub fn is_swagger2(root: &Value) -> bool {
    root.get("openapi").is_none() && root.get("swagger").and_then(Value::as_str) == Some("2.0")
}

/// Where each part of the translated document came from in the 2.0 text: the pointer of each
/// translated subtree that moved, by its new pointer. Below a subtree, the rest of the
/// pointer is the same in both.
#[derive(Debug, Default)]
pub struct Origins(BTreeMap<String, String>);

impl Origins {
    /// The pointer into the 2.0 text a pointer into the translation names: that of its nearest
    /// moved ancestor, with the rest of the pointer as it is; unmoved parts stay where they are.
    pub fn original(&self, pointer: &str) -> String {
        let mut prefix = pointer;
        loop {
            if let Some(from) = self.0.get(prefix) {
                return format!("{from}{}", &pointer[prefix.len()..]);
            }
            match prefix.rsplit_once('/') {
                Some((parent, _)) => prefix = parent,
                None => return pointer.to_owned(),
            }
        }
    }

    fn moved(&mut self, to: &str, from: &str) {
        if to != from {
            self.0.insert(to.to_owned(), from.to_owned());
        }
    }
}

/// The OpenAPI 3.0.3 document a Swagger 2.0 one says, and where its parts came from.
pub fn translate(root: &Value) -> Result<(Value, Origins)> {
    let Some(map) = root.as_object() else {
        return Err(Error::invalid(
            "",
            "a Swagger document (a mapping at the top)",
            describe(root),
        ));
    };
    let mut t = Translator {
        root,
        origins: Origins::default(),
        consumes: media_list(map, "", "consumes")?.unwrap_or_default(),
        produces: media_list(map, "", "produces")?.unwrap_or_default(),
    };
    t.origins.moved("/openapi", "/swagger");
    let mut out = Map::new();
    out.insert("openapi".into(), "3.0.3".into());
    let mut components = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "swagger" | "consumes" | "produces" | "basePath" | "schemes" => {}
            "host" => {}
            "paths" => {
                out.insert("paths".into(), t.paths(value)?);
            }
            "definitions" => {
                t.origins.moved("/components/schemas", "/definitions");
                let definitions = object(value, "/definitions", "a mapping of schema names")?;
                let schemas = definitions.iter().map(|(k, v)| (k.clone(), schema(v))).collect();
                components.insert("schemas".into(), Value::Object(schemas));
            }
            "parameters" => t.global_parameters(value, &mut components)?,
            "responses" => {
                t.origins.moved("/components/responses", "/responses");
                let responses = object(value, "/responses", "a mapping of response names")?;
                let mut translated = Map::new();
                for (name, response) in responses {
                    let from = join("/responses", name);
                    let to = join("/components/responses", name);
                    let produces = t.produces.clone();
                    translated.insert(name.clone(), t.response(response, &from, &to, &produces)?);
                }
                components.insert("responses".into(), Value::Object(translated));
            }
            "securityDefinitions" => {
                t.origins.moved("/components/securitySchemes", "/securityDefinitions");
                components.insert("securitySchemes".into(), security_schemes(value)?);
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
        if key == "info" {
            // Servers come right after `info`, where a 3.0 document has them.
            if let Some(servers) = t.servers(map)? {
                out.insert("servers".into(), servers);
            }
        }
    }
    if !map.contains_key("info")
        && let Some(servers) = t.servers(map)?
    {
        out.insert("servers".into(), servers);
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    Ok((Value::Object(out), t.origins))
}

struct Translator<'a> {
    root: &'a Value,
    origins: Origins,
    /// The document's `consumes` and `produces`: what an operation that says none takes and
    /// answers.
    consumes: Vec<String>,
    produces: Vec<String>,
}

/// The media type a body is in where neither the operation nor the document says one.
const DEFAULT_MEDIA: &str = "application/json";

/// A `consumes` or `produces` list, when the mapping has one.
fn media_list(map: &Map<String, Value>, at: &str, key: &str) -> Result<Option<Vec<String>>> {
    let Some(value) = map.get(key) else {
        return Ok(None);
    };
    let at = join(at, key);
    let items = value
        .as_array()
        .ok_or_else(|| Error::invalid(&at, "a list of media types", describe(value)))?;
    items
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::invalid(join(&at, &i.to_string()), "a media type", describe(m)))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn object<'v>(value: &'v Value, at: &str, expected: &str) -> Result<&'v Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| Error::invalid(at, expected, describe(value)))
}

fn string<'v>(map: &'v Map<String, Value>, at: &str, key: &str) -> Result<Option<&'v str>> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::invalid(join(at, key), "a string", describe(other))),
    }
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// The keys of a 2.0 parameter (or `items` object, or header) that are its schema in 3.0.
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

impl Translator<'_> {
    /// `servers` from `host`, `basePath` and `schemes`: one per scheme (`https` where none is
    /// given), a relative one with only `basePath`, none with neither.
    fn servers(&mut self, map: &Map<String, Value>) -> Result<Option<Value>> {
        let host = string(map, "", "host")?;
        let base_path = string(map, "", "basePath")?.unwrap_or_default();
        if let Some(path) = (!base_path.is_empty()).then_some(base_path)
            && !path.starts_with('/')
        {
            return Err(Error::invalid(
                "/basePath",
                "a path starting with `/`",
                format!("\"{path}\""),
            ));
        }
        let schemes: Vec<String> = match map.get("schemes") {
            None => vec!["https".into()],
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| match s.as_str() {
                    Some(s @ ("http" | "https" | "ws" | "wss")) => Ok(s.to_owned()),
                    _ => Err(Error::invalid(
                        join("/schemes", &i.to_string()),
                        "one of http, https, ws, wss",
                        describe(s),
                    )),
                })
                .collect::<Result<_>>()?,
            Some(other) => return Err(Error::invalid("/schemes", "a list of schemes", describe(other))),
        };
        let urls: Vec<String> = match host {
            Some(host) => schemes.iter().map(|s| format!("{s}://{host}{base_path}")).collect(),
            None if !base_path.is_empty() => vec![base_path.to_owned()],
            None => return Ok(None),
        };
        let from = if host.is_some() { "/host" } else { "/basePath" };
        self.origins.moved("/servers", from);
        Ok(Some(Value::Array(
            urls.into_iter().map(|url| json!({ "url": url })).collect(),
        )))
    }

    fn paths(&mut self, value: &Value) -> Result<Value> {
        let paths = object(value, "/paths", "a mapping of paths")?;
        let mut out = Map::new();
        for (path, item) in paths {
            let at = join("/paths", path);
            out.insert(path.clone(), self.path_item(item, &at)?);
        }
        Ok(Value::Object(out))
    }

    fn path_item(&mut self, item: &Value, at: &str) -> Result<Value> {
        let map = object(item, at, "a Path Item object")?;
        // The item's parameters: those that stay parameters, and bodies and form fields,
        // which every operation takes unless it has its own of the same name.
        let mut inherited = Vec::new();
        let mut out = Map::new();
        if let Some(parameters) = map.get("parameters") {
            let (kept, bodies) = self.parameters(parameters, &join(at, "parameters"), &join(at, "parameters"))?;
            inherited = bodies;
            if !kept.is_empty() {
                out.insert("parameters".into(), Value::Array(kept));
            }
        }
        for (key, value) in map {
            if key == "parameters" {
                continue;
            }
            if METHODS.contains(&key.as_str()) {
                let op_at = join(at, key);
                out.insert(key.clone(), self.operation(value, &op_at, &inherited)?);
            } else {
                out.insert(key.clone(), value.clone());
            }
        }
        Ok(Value::Object(out))
    }

    /// A list of parameters: those that are parameters in 3.0, translated (a `$ref` to a
    /// global one kept as a reference), and the bodies and form fields, resolved, with their
    /// 2.0 pointers. `to` is where the kept ones go.
    fn parameters(&mut self, value: &Value, at: &str, to: &str) -> Result<(Vec<Value>, Vec<Raw>)> {
        let items = value
            .as_array()
            .ok_or_else(|| Error::invalid(at, "a list of parameters", describe(value)))?;
        let mut kept = Vec::new();
        let mut bodies = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_at = join(at, &i.to_string());
            let (param_at, param, global) = match item.get("$ref") {
                Some(Value::String(r)) => match r.strip_prefix("#/parameters/") {
                    Some(name) => {
                        let name = crate::load::percent_decode(name).replace("~1", "/").replace("~0", "~");
                        let global_at = join("/parameters", &name);
                        let param = self.root.pointer(&global_at).ok_or_else(|| {
                            Error::at(
                                join(&item_at, "$ref"),
                                crate::error::ErrorKind::UnresolvedRef(r.clone()),
                            )
                        })?;
                        (global_at, param, Some(name))
                    }
                    None => {
                        // Another file's parameter: read as it is.
                        let new_at = join(to, &kept.len().to_string());
                        self.origins.moved(&new_at, &item_at);
                        kept.push(item.clone());
                        continue;
                    }
                },
                _ => (item_at.clone(), item, None),
            };
            let map = object(param, &param_at, "a Parameter object")?;
            match string(map, &param_at, "in")? {
                Some("body" | "formData") => bodies.push(Raw {
                    at: param_at,
                    value: map.clone(),
                    global: global.filter(|_| map.get("in") == Some(&Value::from("body"))),
                }),
                Some(_) => {
                    let new_at = join(to, &kept.len().to_string());
                    match global {
                        Some(name) => {
                            self.origins.moved(&new_at, &item_at);
                            kept.push(json!({ "$ref": format!("#/components/parameters/{}", escape_ref(&name)) }));
                        }
                        None => kept.push(self.parameter(map, &param_at, &new_at)?),
                    }
                }
                None => {
                    return Err(Error::invalid(
                        join(&param_at, "in"),
                        "one of query, header, path, formData, body",
                        "none",
                    ));
                }
            }
        }
        Ok((kept, bodies))
    }

    /// A query, header or path parameter: its schema keywords become its `schema`,
    /// `collectionFormat` its `style` and `explode`.
    fn parameter(&mut self, map: &Map<String, Value>, at: &str, to: &str) -> Result<Value> {
        self.origins.moved(to, at);
        self.origins.moved(&join(to, "schema"), at);
        let location = string(map, at, "in")?.unwrap_or_default();
        let mut out = Map::new();
        for (key, value) in map {
            if SCHEMA_KEYS.contains(&key.as_str()) || matches!(key.as_str(), "collectionFormat" | "x-nullable") {
                continue;
            }
            out.insert(key.clone(), value.clone());
        }
        out.insert("schema".into(), simple_schema(map, at, location == "formData")?);
        if map.get("type").and_then(Value::as_str) == Some("array") {
            let format = collection_format(map, at)?;
            let style = match (location, format) {
                ("query", "csv") => Some(("form", false)),
                ("query", "multi") => Some(("form", true)),
                ("query", "ssv") => Some(("spaceDelimited", false)),
                ("query", "pipes") => Some(("pipeDelimited", false)),
                // No OpenAPI 3 style: a style of the generator's own, read only from a 2.0 spec.
                ("query", "tsv") => Some(("tabDelimited", false)),
                // `simple`, not exploded: 3.0's default there.
                ("path" | "header", "csv") => None,
                _ => return Err(unsupported_format(map, at, location, format)),
            };
            if let Some((style, explode)) = style {
                self.origins.moved(&join(to, "style"), &join(at, "collectionFormat"));
                self.origins.moved(&join(to, "explode"), &join(at, "collectionFormat"));
                out.insert("style".into(), style.into());
                out.insert("explode".into(), explode.into());
            }
        }
        Ok(Value::Object(out))
    }

    fn operation(&mut self, value: &Value, at: &str, inherited: &[Raw]) -> Result<Value> {
        let map = object(value, at, "an Operation object")?;
        let consumes = media_list(map, at, "consumes")?.unwrap_or_else(|| self.consumes.clone());
        let produces = media_list(map, at, "produces")?.unwrap_or_else(|| self.produces.clone());
        let mut out = Map::new();
        for (key, value) in map {
            match key.as_str() {
                "consumes" | "produces" => {}
                "parameters" => {}
                "responses" => {
                    let responses = object(value, &join(at, "responses"), "a mapping of responses")?;
                    let mut translated = Map::new();
                    for (status, response) in responses {
                        let response_at = join(&join(at, "responses"), status);
                        translated.insert(
                            status.clone(),
                            self.response(response, &response_at, &response_at, &produces)?,
                        );
                    }
                    out.insert("responses".into(), Value::Object(translated));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        let (kept, mut bodies) = match map.get("parameters") {
            Some(parameters) => self.parameters(parameters, &join(at, "parameters"), &join(at, "parameters"))?,
            None => (Vec::new(), Vec::new()),
        };
        // The path item's bodies and fields, unless the operation has its own of the name.
        for raw in inherited {
            let named =
                |r: &Raw| r.value.get("name") == raw.value.get("name") && r.value.get("in") == raw.value.get("in");
            if !bodies.iter().any(named) {
                bodies.push(raw.clone());
            }
        }
        if !kept.is_empty() {
            out.insert("parameters".into(), Value::Array(kept));
        }
        if let Some(body) = self.request_body(bodies, &join(at, "requestBody"), &consumes)? {
            out.insert("requestBody".into(), body);
        }
        Ok(Value::Object(out))
    }

    /// The request body of a body parameter, or of form fields (2.0 allows one kind or the
    /// other).
    fn request_body(&mut self, raws: Vec<Raw>, to: &str, consumes: &[String]) -> Result<Option<Value>> {
        let (body, fields): (Vec<Raw>, Vec<Raw>) = raws
            .into_iter()
            .partition(|r| r.value.get("in") == Some(&Value::from("body")));
        if let Some(second) = body.get(1) {
            return Err(Error::invalid(
                &second.at,
                "one body parameter per operation",
                "a second one",
            ));
        }
        if let (Some(body), Some(field)) = (body.first(), fields.first()) {
            return Err(Error::invalid(
                &field.at,
                format!("no form field beside the body parameter at #{}", body.at),
                "a formData parameter",
            ));
        }
        if let Some(body) = body.into_iter().next() {
            if let Some(name) = &body.global {
                self.origins.moved(to, &body.at);
                return Ok(Some(json!({
                    "$ref": format!("#/components/requestBodies/{}", escape_ref(name))
                })));
            }
            return self.body(&body, to, consumes).map(Some);
        }
        if fields.is_empty() {
            return Ok(None);
        }
        self.origins.moved(to, &fields[0].at);
        let has_file = fields.iter().any(|f| f.value.get("type") == Some(&Value::from("file")));
        let mut media: Vec<&str> = consumes
            .iter()
            .map(String::as_str)
            .filter(|m| m.starts_with("multipart/form-data") || m.starts_with("application/x-www-form-urlencoded"))
            .collect();
        if media.is_empty() {
            media.push(if has_file {
                "multipart/form-data"
            } else {
                "application/x-www-form-urlencoded"
            });
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        for field in &fields {
            let name = string(&field.value, &field.at, "name")?
                .ok_or_else(|| Error::invalid(join(&field.at, "name"), "the field's name", "none"))?;
            properties.insert(name.to_owned(), simple_schema(&field.value, &field.at, true)?);
            if field.value.get("required") == Some(&Value::Bool(true)) {
                required.push(Value::from(name));
            }
            if field.value.get("type").and_then(Value::as_str) == Some("array") {
                let format = collection_format(&field.value, &field.at)?;
                let style = match format {
                    "multi" => None,
                    "csv" => Some(("form", false)),
                    "ssv" => Some(("spaceDelimited", false)),
                    "pipes" => Some(("pipeDelimited", false)),
                    "tsv" => Some(("tabDelimited", false)),
                    _ => return Err(unsupported_format(&field.value, &field.at, "formData", format)),
                };
                if let Some((style, explode)) = style {
                    encoding.insert(name.to_owned(), json!({ "style": style, "explode": explode }));
                }
            }
        }
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        let mut content = Map::new();
        for m in media {
            let content_at = join(&join(to, "content"), m);
            for field in &fields {
                if let Some(name) = field.value.get("name").and_then(Value::as_str) {
                    let property = join(&join(&join(&content_at, "schema"), "properties"), name);
                    self.origins.moved(&property, &field.at);
                    self.origins.moved(
                        &join(&join(&content_at, "encoding"), name),
                        &join(&field.at, "collectionFormat"),
                    );
                }
            }
            let mut object = Map::new();
            object.insert("schema".into(), Value::Object(schema.clone()));
            if !encoding.is_empty() {
                object.insert("encoding".into(), Value::Object(encoding.clone()));
            }
            content.insert(m.to_owned(), Value::Object(object));
        }
        let required = fields
            .iter()
            .any(|f| f.value.get("required") == Some(&Value::Bool(true)));
        let mut out = Map::new();
        out.insert("content".into(), Value::Object(content));
        if required {
            out.insert("required".into(), true.into());
        }
        Ok(Some(Value::Object(out)))
    }

    /// The request body of a body parameter: its schema in each media type it consumes.
    fn body(&mut self, raw: &Raw, to: &str, consumes: &[String]) -> Result<Value> {
        self.origins.moved(to, &raw.at);
        let Some(body_schema) = raw.value.get("schema") else {
            return Err(Error::invalid(join(&raw.at, "schema"), "the body's schema", "none"));
        };
        let mut out = Map::new();
        for (key, value) in &raw.value {
            match key.as_str() {
                "description" | "required" => {
                    out.insert(key.clone(), value.clone());
                }
                _ if key.starts_with("x-") => {
                    out.insert(key.clone(), value.clone());
                }
                _ => {}
            }
        }
        let mut content = Map::new();
        for m in media_or_default(consumes) {
            let schema_to = join(&join(&join(to, "content"), &m), "schema");
            self.origins.moved(&schema_to, &join(&raw.at, "schema"));
            content.insert(m, json!({ "schema": schema(body_schema) }));
        }
        out.insert("content".into(), Value::Object(content));
        Ok(Value::Object(out))
    }

    /// The global `parameters`: bodies become `components/requestBodies`, form fields are
    /// read where they are used, the others become `components/parameters`.
    fn global_parameters(&mut self, value: &Value, components: &mut Map<String, Value>) -> Result<()> {
        let parameters = object(value, "/parameters", "a mapping of parameter names")?;
        let mut kept = Map::new();
        let mut bodies = Map::new();
        let consumes = self.consumes.clone();
        for (name, param) in parameters {
            let at = join("/parameters", name);
            let map = object(param, &at, "a Parameter object")?;
            match string(map, &at, "in")? {
                Some("body") => {
                    let raw = Raw {
                        at: at.clone(),
                        value: map.clone(),
                        global: None,
                    };
                    let to = join("/components/requestBodies", name);
                    bodies.insert(name.clone(), self.body(&raw, &to, &consumes)?);
                }
                Some("formData") => {}
                Some(_) => {
                    let to = join("/components/parameters", name);
                    kept.insert(name.clone(), self.parameter(map, &at, &to)?);
                }
                None => {
                    return Err(Error::invalid(
                        join(&at, "in"),
                        "one of query, header, path, formData, body",
                        "none",
                    ));
                }
            }
        }
        if !kept.is_empty() {
            components.insert("parameters".into(), Value::Object(kept));
        }
        if !bodies.is_empty() {
            components.insert("requestBodies".into(), Value::Object(bodies));
        }
        Ok(())
    }

    /// A response: its `schema` in each media type it produces (with the `examples` of each),
    /// its headers' schema keywords as their `schema`.
    fn response(&mut self, value: &Value, at: &str, to: &str, produces: &[String]) -> Result<Value> {
        self.origins.moved(to, at);
        if let Some(Value::String(r)) = value.get("$ref") {
            return Ok(match r.strip_prefix("#/responses/") {
                Some(name) => json!({ "$ref": format!("#/components/responses/{name}") }),
                None => value.clone(),
            });
        }
        let map = object(value, at, "a Response object")?;
        let mut out = Map::new();
        for (key, value) in map {
            match key.as_str() {
                "schema" | "examples" => {}
                "headers" => {
                    let headers = object(value, &join(at, "headers"), "a mapping of headers")?;
                    let mut translated = Map::new();
                    for (name, header) in headers {
                        let header_at = join(&join(at, "headers"), name);
                        let header_map = object(header, &header_at, "a Header object")?;
                        let mut h = Map::new();
                        if let Some(description) = header_map.get("description") {
                            h.insert("description".into(), description.clone());
                        }
                        h.insert("schema".into(), simple_schema(header_map, &header_at, false)?);
                        let header_to = join(&join(to, "headers"), name);
                        self.origins.moved(&join(&header_to, "schema"), &header_at);
                        translated.insert(name.clone(), Value::Object(h));
                    }
                    out.insert("headers".into(), Value::Object(translated));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if let Some(response_schema) = map.get("schema") {
            let examples = map.get("examples").and_then(Value::as_object);
            let mut content = Map::new();
            for m in media_or_default(produces) {
                let schema_to = join(&join(&join(to, "content"), &m), "schema");
                self.origins.moved(&schema_to, &join(at, "schema"));
                let mut object = Map::new();
                object.insert("schema".into(), schema(response_schema));
                if let Some(example) = examples.and_then(|e| e.get(&m)) {
                    object.insert("example".into(), example.clone());
                }
                content.insert(m, Value::Object(object));
            }
            out.insert("content".into(), Value::Object(content));
        }
        Ok(Value::Object(out))
    }
}

/// A body or form field parameter, resolved, with where it is in the 2.0 text and, for a
/// global body parameter, its name there.
#[derive(Clone)]
struct Raw {
    at: String,
    value: Map<String, Value>,
    global: Option<String>,
}

fn media_or_default(media: &[String]) -> Vec<String> {
    if media.is_empty() {
        vec![DEFAULT_MEDIA.to_owned()]
    } else {
        media.to_vec()
    }
}

/// A name as a segment of a `$ref`'s fragment.
fn escape_ref(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn collection_format<'v>(map: &'v Map<String, Value>, at: &str) -> Result<&'v str> {
    match string(map, at, "collectionFormat")? {
        None => Ok("csv"),
        Some(format @ ("csv" | "ssv" | "tsv" | "pipes" | "multi")) => Ok(format),
        Some(other) => Err(Error::invalid(
            join(at, "collectionFormat"),
            "one of csv, ssv, tsv, pipes, multi",
            format!("\"{other}\""),
        )),
    }
}

fn unsupported_format(map: &Map<String, Value>, at: &str, location: &str, format: &str) -> Error {
    let name = map.get("name").and_then(Value::as_str).unwrap_or_default();
    let why = match format {
        "multi" => "Swagger 2.0 allows `multi` only in query and formData parameters",
        _ => "OpenAPI 3 has no such style there",
    };
    Error::unsupported(
        join(at, "collectionFormat"),
        format!("`collectionFormat: {format}` of the {location} parameter `{name}` ({why})"),
    )
}

/// The 3.0 schema of a parameter, header or `items` object: its schema keywords, `items`
/// translated the same way (a nested array's own `collectionFormat` other than `csv` is
/// refused), `x-nullable` as `nullable`, and, where `file` is allowed (form fields), `type:
/// file` as a binary string.
fn simple_schema(map: &Map<String, Value>, at: &str, file_allowed: bool) -> Result<Value> {
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "type" if value == "file" => {
                if !file_allowed {
                    return Err(Error::invalid(
                        join(at, "type"),
                        "a type other than `file` (only form fields may be files)",
                        "\"file\"",
                    ));
                }
                out.insert("type".into(), "string".into());
                out.insert("format".into(), "binary".into());
            }
            "items" => {
                let items_at = join(at, "items");
                let items = object(value, &items_at, "an Items object")?;
                if items.get("type").and_then(Value::as_str) == Some("array")
                    && collection_format(items, &items_at)? != "csv"
                {
                    return Err(Error::unsupported(
                        join(&items_at, "collectionFormat"),
                        "a nested array's own `collectionFormat` (OpenAPI 3 has no style for arrays in arrays)",
                    ));
                }
                out.insert("items".into(), simple_schema(items, &items_at, false)?);
            }
            "x-nullable" => {
                out.insert("nullable".into(), value.clone());
            }
            _ if SCHEMA_KEYS.contains(&key.as_str()) => {
                out.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    if map.get("type") == Some(&Value::from("file")) && out.contains_key("format") {
        out.insert("format".into(), "binary".into());
    }
    Ok(Value::Object(out))
}

/// A 2.0 schema as 3.0 reads it: references to `definitions` point at `components/schemas`,
/// `x-nullable` is `nullable`, a `discriminator` name is `propertyName`, `type: file` a
/// binary string; the rest is the same draft-4 subset.
fn schema(value: &Value) -> Value {
    let Value::Object(map) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let translated = match key.as_str() {
            "$ref" => match value.as_str().and_then(|r| r.strip_prefix("#/definitions/")) {
                Some(name) => Value::String(format!("#/components/schemas/{name}")),
                None => value.clone(),
            },
            "x-nullable" => {
                out.insert("nullable".into(), value.clone());
                continue;
            }
            "discriminator" => match value {
                Value::String(name) => json!({ "propertyName": name }),
                other => other.clone(),
            },
            "type" if value == "file" => {
                out.insert("type".into(), "string".into());
                out.insert("format".into(), "binary".into());
                continue;
            }
            "properties" | "patternProperties" | "definitions" => match value {
                Value::Object(members) => Value::Object(members.iter().map(|(k, v)| (k.clone(), schema(v))).collect()),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" | "additionalItems" => match value {
                Value::Array(list) => Value::Array(list.iter().map(schema).collect()),
                other => schema(other),
            },
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(list) => Value::Array(list.iter().map(schema).collect()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), translated);
    }
    Value::Object(out)
}

/// `securityDefinitions` as `securitySchemes`.
fn security_schemes(value: &Value) -> Result<Value> {
    let definitions = object(value, "/securityDefinitions", "a mapping of security schemes")?;
    let mut out = Map::new();
    for (name, definition) in definitions {
        let at = join("/securityDefinitions", name);
        let map = object(definition, &at, "a Security Scheme object")?;
        let mut scheme = Map::new();
        let mut flow = Map::new();
        let mut flow_name = None;
        for (key, value) in map {
            match key.as_str() {
                "type" => match value.as_str() {
                    Some("basic") => {
                        scheme.insert("type".into(), "http".into());
                        scheme.insert("scheme".into(), "basic".into());
                    }
                    Some(kind @ ("apiKey" | "oauth2")) => {
                        scheme.insert("type".into(), kind.into());
                    }
                    _ => {
                        return Err(Error::invalid(
                            join(&at, "type"),
                            "one of basic, apiKey, oauth2",
                            describe(value),
                        ));
                    }
                },
                "flow" => {
                    flow_name = Some(match value.as_str() {
                        Some("implicit") => "implicit",
                        Some("password") => "password",
                        Some("application") => "clientCredentials",
                        Some("accessCode") => "authorizationCode",
                        _ => {
                            return Err(Error::invalid(
                                join(&at, "flow"),
                                "one of implicit, password, application, accessCode",
                                describe(value),
                            ));
                        }
                    });
                }
                "authorizationUrl" | "tokenUrl" | "scopes" => {
                    flow.insert(key.clone(), value.clone());
                }
                _ => {
                    scheme.insert(key.clone(), value.clone());
                }
            }
        }
        if scheme.get("type") == Some(&Value::from("oauth2")) {
            let Some(flow_name) = flow_name else {
                return Err(Error::invalid(join(&at, "flow"), "the OAuth2 flow", "none"));
            };
            flow.entry("scopes").or_insert_with(|| json!({}));
            scheme.insert("flows".into(), json!({ flow_name: flow }));
        }
        out.insert(name.clone(), Value::Object(scheme));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_map_moved_subtrees_and_keep_the_rest() {
        let mut origins = Origins::default();
        origins.moved("/components/schemas", "/definitions");
        origins.moved("/paths/~1a/get/requestBody", "/paths/~1a/get/parameters/1");
        assert_eq!(
            origins.original("/components/schemas/Pet/properties/x"),
            "/definitions/Pet/properties/x"
        );
        assert_eq!(
            origins.original("/paths/~1a/get/requestBody/content"),
            "/paths/~1a/get/parameters/1/content"
        );
        assert_eq!(origins.original("/info/title"), "/info/title");
        assert_eq!(origins.original(""), "");
    }
}
