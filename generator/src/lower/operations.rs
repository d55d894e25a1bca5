//! Paths, operations, parameters, bodies, responses, links and security → the model.

use std::collections::HashMap;

use serde_json::{Map, Value};

use codegen_runtime::media::{self, Family};

use super::fields;
use super::names::{Namer, pascal, snake};
use super::schema::{Lowerer, Target, or_null, string_key};
use crate::error::{Error, Result, describe, join};
use crate::load::{Document, Version};
use crate::model::{
    Api, Body, FieldKind, Link, Media, Method, Node, Operation, ParamLocation, ParamShape, Parameter, Response,
    ResponseBody, Scalar, SecurityKind, SecurityScheme, Serialization, StatusSpec, Style, TypeId, TypeKind, TypeRef,
    TypeUse,
};

/// The schemes a generated server can check; declared schemes it cannot (mutualTLS) are
/// reported in `warnings`, and an operation that requires one is an error.
pub fn security_schemes(lowerer: &mut Lowerer, warnings: &mut Vec<Error>) -> Result<Vec<SecurityScheme>> {
    let doc = lowerer.doc;
    let Some(schemes) = doc.get("/components/securitySchemes") else {
        return Ok(Vec::new());
    };
    let schemes = schemes
        .as_object()
        .ok_or_else(|| Error::invalid("/components/securitySchemes", "a mapping of schemes", describe(schemes)))?;
    let mut out = Vec::new();
    for (name, scheme) in schemes {
        let mut at = join("/components/securitySchemes", name);
        let mut scheme = scheme;
        if let Some(Value::String(r)) = scheme.get("$ref") {
            (at, scheme) = doc.follow_ref(r, &at)?;
        }
        if let Some(fields) = scheme.as_object() {
            lowerer.warn_unknown(fields, &at, &[fields::SECURITY_SCHEME], "a field of a Security Scheme");
        }
        let field = |key: &str| scheme.get(key).and_then(Value::as_str);
        let kind = match field("type") {
            Some("apiKey") => {
                let location = match field("in") {
                    Some("header") => ParamLocation::Header,
                    Some("query") => ParamLocation::Query,
                    Some("cookie") => ParamLocation::Cookie,
                    other => {
                        return Err(Error::invalid(
                            join(&at, "in"),
                            "header, query or cookie",
                            format!("{other:?}"),
                        ));
                    }
                };
                let key_name = field("name")
                    .ok_or_else(|| Error::invalid(join(&at, "name"), "the header, query or cookie name", "none"))?;
                SecurityKind::ApiKey {
                    location,
                    name: key_name.to_owned(),
                }
            }
            Some("http") => match field("scheme").map(str::to_ascii_lowercase).as_deref() {
                Some("bearer") => SecurityKind::Bearer,
                Some("basic") => SecurityKind::Basic,
                other => {
                    return Err(Error::unsupported(
                        join(&at, "scheme"),
                        format!("HTTP authentication scheme {other:?} (bearer and basic are)"),
                    ));
                }
            },
            Some("oauth2" | "openIdConnect") => SecurityKind::OAuth2,
            Some("mutualTLS") => {
                warnings.push(Error::unsupported(
                    join(&at, "type"),
                    format!("the mutualTLS scheme `{name}` (TLS client certificates are not visible to an HTTP handler); no operation may use it, so it is left out"),
                ));
                continue;
            }
            other => {
                return Err(Error::invalid(
                    join(&at, "type"),
                    "apiKey, http, oauth2, openIdConnect or mutualTLS",
                    format!("{other:?}"),
                ));
            }
        };
        out.push(SecurityScheme {
            name: name.clone(),
            kind,
            description: string_key(scheme, "description"),
        });
    }
    Ok(out)
}

fn doc_scheme_type<'v>(root: &'v Value, name: &str) -> Option<&'v str> {
    root.get("components")?
        .get("securitySchemes")?
        .get(name)?
        .get("type")?
        .as_str()
}

fn security(root: &Value, value: &Value, at: &str, schemes: &[SecurityScheme]) -> Result<Vec<Vec<String>>> {
    let list = value
        .as_array()
        .ok_or_else(|| Error::invalid(at, "an array of security requirements", describe(value)))?;
    list.iter()
        .enumerate()
        .map(|(i, requirement)| {
            let at = join(at, &i.to_string());
            let map = requirement
                .as_object()
                .ok_or_else(|| Error::invalid(&at, "a mapping of scheme names", describe(requirement)))?;
            map.keys()
                .map(|name| {
                    if schemes.iter().any(|s| &s.name == name) {
                        Ok(name.clone())
                    } else if doc_scheme_type(root, name) == Some("mutualTLS") {
                        Err(Error::unsupported(
                            join(&at, name),
                            format!("operations that require the mutualTLS scheme `{name}`"),
                        ))
                    } else {
                        Err(Error::invalid(
                            join(&at, name),
                            "the name of a scheme in #/components/securitySchemes",
                            format!("\"{name}\""),
                        ))
                    }
                })
                .collect()
        })
        .collect()
}

/// The operations under `/paths`, then the 3.1 `/webhooks` (requests the API sends): one
/// namespace of operationIds and type names for both.
pub fn operations(
    lowerer: &mut Lowerer,
    schemes: &[SecurityScheme],
    warnings: &mut Vec<Error>,
) -> Result<(Vec<Operation>, Vec<Operation>)> {
    let mut names = OperationNames::default();
    let paths = collect(lowerer, schemes, "/paths", &mut names, warnings)?;
    let webhooks = collect(lowerer, schemes, "/webhooks", &mut names, warnings)?;
    Ok((paths, webhooks))
}

#[derive(Default)]
struct OperationNames {
    /// Every operationId handed out, with the pointer of its operation.
    ids: HashMap<String, String>,
    rust: Namer,
    types: Namer,
}

/// The operation's id, unique in the API. Real specs leave it out or repeat it: a missing one
/// is derived from method and path, a repeated one gets a suffix, and each is a warning.
fn operation_id(
    op: &Map<String, Value>,
    at: &str,
    method: &str,
    path: &str,
    names: &mut OperationNames,
    warnings: &mut Vec<Error>,
) -> Result<String> {
    let id_at = join(at, "operationId");
    let wanted = match op.get("operationId") {
        Some(Value::String(id)) => id.clone(),
        Some(other) => return Err(Error::invalid(id_at, "a string", describe(other))),
        None => {
            let derived = format!("{method}{}", pascal(path));
            warnings.push(Error::invalid(
                at,
                "an operationId",
                format!("none; assumed `{derived}` (from the method and path)"),
            ));
            derived
        }
    };
    let Some(first) = names.ids.get(&wanted).cloned() else {
        names.ids.insert(wanted.clone(), at.to_owned());
        return Ok(wanted);
    };
    let id = (2..)
        .map(|n| format!("{wanted}_{n}"))
        .find(|candidate| !names.ids.contains_key(candidate))
        .unwrap_or_default();
    names.ids.insert(id.clone(), at.to_owned());
    warnings.push(Error::inconsistent(
        id_at,
        format!("operationId `{wanted}` is used twice (first at #{first}); this one is called `{id}`"),
    ));
    Ok(id)
}

fn collect(
    lowerer: &mut Lowerer,
    schemes: &[SecurityScheme],
    container: &str,
    names: &mut OperationNames,
    warnings: &mut Vec<Error>,
) -> Result<Vec<Operation>> {
    let doc = lowerer.doc;
    let global_security = match doc.get("/security") {
        Some(v) => security(&doc.root, v, "/security", schemes)?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    let Some(paths) = doc.get(container) else {
        return Ok(out);
    };
    let paths = paths
        .as_object()
        .ok_or_else(|| Error::invalid(container, "a mapping of path items", describe(paths)))?;
    for (path, item) in paths {
        let mut item_at = join(container, path);
        if container == "/paths" && !path.starts_with('/') {
            return Err(Error::invalid(
                item_at,
                "a path starting with `/`",
                format!("\"{path}\""),
            ));
        }
        let mut item = item;
        if let Some(Value::String(r)) = item.get("$ref") {
            (item_at, item) = doc.follow_ref(r, &item_at)?;
        }
        let item_map = item
            .as_object()
            .ok_or_else(|| Error::invalid(&item_at, "a path item", describe(item)))?;
        lowerer.warn_unknown(item_map, &item_at, &[fields::PATH_ITEM], "a field of a Path Item");
        for (method, at, op) in item_operations(doc.version, item_map, &item_at, warnings)? {
            // An operation the generator cannot handle is left out, with a warning, and
            // leaves nothing behind; the others are lowered.
            let checkpoint = lowerer.checkpoint();
            let warned = warnings.len();
            let context = OperationContext {
                schemes,
                global_security: &global_security,
                path,
                item_map,
                item_at: &item_at,
            };
            match operation(lowerer, &context, method.clone(), &at, op, names, warnings) {
                Ok(operation) => out.push(operation),
                Err(e) => {
                    lowerer.rollback(checkpoint);
                    warnings.truncate(warned);
                    let id = op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(|id| format!("`{id}` "))
                        .unwrap_or_default();
                    let method = method.as_str().to_ascii_uppercase();
                    warnings.push(e.left_out(if container == "/webhooks" {
                        format!("the webhook `{path}` {id}({method}, at #{at})")
                    } else {
                        format!("the operation {id}({method} {path}, at #{at})")
                    }));
                }
            }
        }
    }
    Ok(out)
}

/// What the operations of one path item share.
struct OperationContext<'c> {
    schemes: &'c [SecurityScheme],
    global_security: &'c [Vec<String>],
    path: &'c str,
    item_map: &'c Map<String, Value>,
    item_at: &'c str,
}

/// One operation at `at`, lowered.
fn operation(
    lowerer: &mut Lowerer,
    context: &OperationContext<'_>,
    method: Method,
    at: &str,
    op: &Value,
    names: &mut OperationNames,
    warnings: &mut Vec<Error>,
) -> Result<Operation> {
    let doc = lowerer.doc;
    let OperationContext {
        schemes,
        global_security,
        path,
        item_map,
        item_at,
    } = *context;
    let shared = parameter_list(lowerer, item_map.get("parameters"), &join(item_at, "parameters"))?;
    let method_name = method.as_str().to_ascii_lowercase();
    let method_name = method_name.as_str();
    let op_map = op
        .as_object()
        .ok_or_else(|| Error::invalid(at, "an operation object", describe(op)))?;
    lowerer.warn_unknown(op_map, at, &[fields::OPERATION], "a field of an Operation");
    let operation_id = operation_id(op_map, at, method_name, path, names, warnings)?;
    let rust_name = names.rust.unique(snake(&operation_id));
    let type_name = names.types.unique(pascal(&operation_id));
    let own = parameter_list(lowerer, op_map.get("parameters"), &join(at, "parameters"))?;
    // Operation parameters override path-item ones with the same name and location.
    let mut raw: Vec<RawParam> = shared
        .iter()
        .filter(|s| !own.iter().any(|o| o.name == s.name && o.location == s.location))
        .cloned()
        .collect();
    raw.extend(own);
    let parameters = lower_parameters(lowerer, raw, &type_name, path, at, warnings)?;
    let body = match op_map.get("requestBody") {
        Some(b) => request_body(lowerer, b, &join(at, "requestBody"), &type_name)?,
        None => None,
    };
    let responses = match op_map.get("responses") {
        Some(r) => responses(lowerer, r, &join(at, "responses"), &type_name)?,
        None => Vec::new(),
    };
    let security = match op_map.get("security") {
        Some(v) => security(&doc.root, v, &join(at, "security"), schemes)?,
        None => global_security.to_vec(),
    };
    Ok(Operation {
        operation_id,
        rust_name,
        type_name,
        method,
        path: path.to_owned(),
        summary: string_key(op, "summary"),
        description: string_key(op, "description"),
        inferred: op_map.get("x-inferred").and_then(Value::as_bool).unwrap_or(false),
        tags: tags(op_map.get("tags"), &join(at, "tags"))?,
        parameters,
        body,
        responses,
        security,
        origin: at.to_owned(),
    })
}

/// An operation's `tags`: a list of strings, or nothing.
fn tags(tags: Option<&Value>, at: &str) -> Result<Vec<String>, Error> {
    let Some(tags) = tags else {
        return Ok(Vec::new());
    };
    let list = tags
        .as_array()
        .ok_or_else(|| Error::invalid(at, "a list of tag names", describe(tags)))?;
    list.iter()
        .enumerate()
        .map(|(i, tag)| {
            tag.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::invalid(join(at, &i.to_string()), "a tag name", describe(tag)))
        })
        .collect()
}

/// The operations of a path item: its method fields, and in 3.2 `query` and the methods of
/// `additionalOperations`; each with its pointer.
fn item_operations<'v>(
    version: Version,
    item: &'v Map<String, Value>,
    item_at: &str,
    warnings: &mut Vec<Error>,
) -> Result<Vec<(Method, String, &'v Value)>> {
    let mut out: Vec<(Method, String, &Value)> = Method::ALL
        .iter()
        .filter_map(|(name, method)| Some((method.clone(), join(item_at, name), item.get(*name)?)))
        .collect();
    if version < Version::V3_2 {
        for field in ["query", "additionalOperations"] {
            if item.contains_key(field) {
                warnings.push(Error::unsupported(
                    join(item_at, field),
                    format!("`{field}` before OpenAPI 3.2 (it is a 3.2 field); left out"),
                ));
            }
        }
        return Ok(out);
    }
    if let Some(op) = item.get("query") {
        out.push((Method::Query, join(item_at, "query"), op));
    }
    let Some(additional) = item.get("additionalOperations") else {
        return Ok(out);
    };
    let additional_at = join(item_at, "additionalOperations");
    let additional = additional.as_object().ok_or_else(|| {
        Error::invalid(
            &additional_at,
            "a mapping of HTTP methods to operations",
            describe(additional),
        )
    })?;
    for (name, op) in additional {
        let at = join(&additional_at, name);
        let fixed = name.eq_ignore_ascii_case("query") || Method::ALL.iter().any(|(m, _)| name.eq_ignore_ascii_case(m));
        if fixed {
            return Err(Error::invalid(
                at,
                "a method that has no field of its own in the path item",
                format!("\"{name}\" (write it as `{}`)", name.to_ascii_lowercase()),
            ));
        }
        if name.is_empty() || http::Method::from_bytes(name.as_bytes()).is_err() {
            return Err(Error::invalid(
                at,
                "an HTTP method name (a token)",
                format!("\"{name}\""),
            ));
        }
        out.push((Method::Other(name.clone()), at, op));
    }
    Ok(out)
}

#[derive(Clone)]
struct RawParam {
    name: String,
    location: ParamLocation,
    value: Value,
    at: String,
}

fn parameter_list(lowerer: &Lowerer, list: Option<&Value>, at: &str) -> Result<Vec<RawParam>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let items = list
        .as_array()
        .ok_or_else(|| Error::invalid(at, "an array of parameters", describe(list)))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut at = join(at, &i.to_string());
        let mut item = item;
        if let Some(Value::String(r)) = item.get("$ref") {
            (at, item) = lowerer.doc.follow_ref(r, &at)?;
        }
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::invalid(join(&at, "name"), "a parameter name", "none"))?;
        let location = match item.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("cookie") => ParamLocation::Cookie,
            Some("querystring") => {
                return Err(Error::unsupported(
                    join(&at, "in"),
                    format!("the 3.2 parameter `{name}` with `in: querystring` (the whole query string as one value)"),
                ));
            }
            other => {
                return Err(Error::invalid(
                    join(&at, "in"),
                    "path, query, header or cookie",
                    format!("{other:?}"),
                ));
            }
        };
        out.push(RawParam {
            name: name.to_owned(),
            location,
            value: item.clone(),
            at,
        });
    }
    Ok(out)
}

fn lower_parameters(
    lowerer: &mut Lowerer,
    raw: Vec<RawParam>,
    type_name: &str,
    path: &str,
    op_at: &str,
    warnings: &mut Vec<Error>,
) -> Result<Vec<Parameter>> {
    let mut out = Vec::new();
    let mut namer = Namer::default();
    for p in raw {
        // OpenAPI: these headers are described elsewhere (content, security), not as parameters.
        if p.location == ParamLocation::Header
            && ["accept", "content-type", "authorization"].contains(&p.name.to_ascii_lowercase().as_str())
        {
            continue;
        }
        if p.location == ParamLocation::Path && !path.contains(&format!("{{{}}}", p.name)) {
            warnings.push(Error::inconsistent(
                &p.at,
                format!(
                    "path parameter `{}` does not appear in the path `{path}`; it is left out",
                    p.name
                ),
            ));
            continue;
        }
        if let Some(fields) = p.value.as_object() {
            lowerer.warn_unknown(fields, &p.at, &[fields::PARAMETER], "a field of a Parameter");
        }
        let serialization = serialization(&p, lowerer.doc.is_swagger2())?;
        let schema_at = join(&p.at, "schema");
        let schema = match (p.value.get("schema"), p.value.get("content")) {
            (Some(s), _) => s.clone(),
            (None, Some(content)) => {
                let media = content
                    .as_object()
                    .and_then(|c| c.keys().next())
                    .map_or_else(|| describe(content), |m| format!("`{m}`"));
                return Err(Error::unsupported(
                    join(&p.at, "content"),
                    format!(
                        "the parameter `{}` given as `content` ({media}: a media type instead of a style); describe it with `schema` and `style`",
                        p.name
                    ),
                ));
            }
            (None, None) => {
                return Err(Error::invalid(
                    &p.at,
                    "a `schema` or `content` for the parameter",
                    "neither",
                ));
            }
        };
        let target = Target::new(format!("{type_name}{}", pascal(&p.name)), p.name.clone());
        let lowered = lowerer.schema(&schema, &schema_at, target)?;
        let required =
            p.location == ParamLocation::Path || p.value.get("required").and_then(Value::as_bool).unwrap_or(false);
        out.push(Parameter {
            rust_name: namer.unique(snake(&p.name)),
            name: p.name,
            location: p.location,
            required,
            ty: lowered,
            default: lowerer.default_of(&schema, &schema_at),
            description: string_key(&p.value, "description"),
            serialization,
            // Settled by `settle_shapes` once every type is lowered.
            shape: ParamShape::Scalar(Scalar::String),
            origin: p.at,
        });
    }
    // Every `{name}` in the path needs a parameter; real specs forget some (svix-server).
    for segment in path.split('{').skip(1) {
        let name = segment.split('}').next().unwrap_or_default();
        if !out.iter().any(|p| p.location == ParamLocation::Path && p.name == name) {
            warnings.push(Error::inconsistent(
                join(op_at, "parameters"),
                format!(
                    "the path `{path}` uses `{{{name}}}` but the operation declares no path parameter `{name}`; assumed a required string"
                ),
            ));
            out.push(Parameter {
                rust_name: namer.unique(snake(name)),
                name: name.to_owned(),
                location: ParamLocation::Path,
                required: true,
                ty: TypeUse::non_null(crate::model::TypeRef::String),
                default: None,
                description: None,
                serialization: Serialization::default_for(codegen_runtime::style::Location::Path),
                shape: ParamShape::Scalar(Scalar::String),
                origin: join(op_at, "parameters"),
            });
        }
    }
    Ok(out)
}

/// A media type as the spec writes it (with its media type object), as the model keeps it,
/// with its rank: JSON first, then sequences of JSON items, forms, text, bytes.
fn classify(t: &str, value: &Value) -> (u8, Media) {
    let (family, essence) = media::classify(t);
    if value.get("itemSchema").is_some() && media::framing(&essence).is_some() {
        return (1, Media::Sequence(essence));
    }
    match family {
        Family::Json => (0, Media::Json(essence)),
        Family::Form => (2, Media::Form),
        Family::Text => (3, Media::Text(essence)),
        Family::Binary => (4, Media::Binary(essence)),
    }
}

/// A media type object of a `content` map, its `$ref` followed (3.2 `components/mediaTypes`).
struct MediaObject<'d> {
    media: Media,
    rank: u8,
    value: &'d Value,
    /// Where the (followed) object is.
    at: String,
}

/// Every media type of a `content` map, in the spec's order; an `itemSchema` this generator
/// cannot frame is refused by name.
fn media_objects<'d>(doc: &'d Document, content: &'d Map<String, Value>, at: &str) -> Result<Vec<MediaObject<'d>>> {
    let mut out = Vec::new();
    for (t, value) in content {
        let (at, value) = match value.get("$ref") {
            Some(Value::String(r)) => doc.follow_ref(r, &join(at, t))?,
            _ => (join(at, t), value),
        };
        if value.get("itemSchema").is_some() && media::framing(&media::classify(t).1).is_none() {
            return Err(Error::unsupported(
                join(&at, "itemSchema"),
                format!(
                    "`itemSchema` for `{t}` (sequences are read and written as application/jsonl, application/x-ndjson, application/json-seq and text/event-stream)"
                ),
            ));
        }
        let (rank, media) = classify(t, value);
        out.push(MediaObject { media, rank, value, at });
    }
    Ok(out)
}

fn warn_unknown_media_fields(lowerer: &mut Lowerer, objects: &[MediaObject<'_>]) {
    for object in objects {
        if let Some(fields) = object.value.as_object() {
            lowerer.warn_unknown(fields, &object.at, &[fields::MEDIA_TYPE], "a field of a Media Type");
        }
    }
}

/// The content type to generate for (see [`classify`]): the body the generated server reads
/// or writes.
fn pick_media(objects: Vec<MediaObject<'_>>) -> Option<MediaObject<'_>> {
    objects.into_iter().min_by_key(|o| o.rank)
}

fn request_body(lowerer: &mut Lowerer, value: &Value, at: &str, type_name: &str) -> Result<Option<Body>> {
    let (at, value) = match value.get("$ref") {
        Some(Value::String(r)) => lowerer.doc.follow_ref(r, at)?,
        _ => (at.to_owned(), value),
    };
    if let Some(fields) = value.as_object() {
        lowerer.warn_unknown(fields, &at, &[fields::REQUEST_BODY], "a field of a Request Body");
    }
    let Some(content) = value.get("content").and_then(Value::as_object) else {
        return Err(Error::invalid(join(&at, "content"), "a mapping of media types", "none"));
    };
    let objects = media_objects(lowerer.doc, content, &join(&at, "content"))?;
    warn_unknown_media_fields(lowerer, &objects);
    let Some(picked) = pick_media(objects) else {
        return Ok(None);
    };
    // `multipart/form-data` is a form of fields; other multipart types stay bytes.
    let media = match picked.media {
        Media::Binary(essence) if essence == "multipart/form-data" => Media::Multipart,
        other => other,
    };
    let mut deep = Vec::new();
    if matches!(media, Media::Form | Media::Multipart)
        && let Some(encoding) = picked.value.get("encoding")
    {
        deep = check_encoding(encoding, &join(&picked.at, "encoding"), &mut lowerer.warnings)?;
    }
    let lowered = body_schema(lowerer, &media, picked.value, &picked.at, format!("{type_name}Body"))?;
    Ok(Some(Body {
        required: value.get("required").and_then(Value::as_bool).unwrap_or(false),
        media,
        ty: lowered,
        // Settled by `settle_shapes` once every type is lowered; until then only the fields
        // whose encoding says `deepObject`, their shape not yet known.
        fields: deep
            .into_iter()
            .map(|name| (name, FieldKind::Nested(Node::Scalar(Scalar::Any))))
            .collect(),
    }))
}

/// The type of a body: the media type object's `schema`, or for a sequence the list of its
/// `itemSchema`; `at` is the media type object.
fn body_schema(lowerer: &mut Lowerer, media: &Media, media_value: &Value, at: &str, name: String) -> Result<TypeUse> {
    use crate::model::TypeRef;
    match (media, media_value.get("schema")) {
        (Media::Sequence(_), _) => {
            let item = media_value.get("itemSchema").cloned().unwrap_or(Value::Bool(true));
            let item = lowerer.schema(
                &item,
                &join(at, "itemSchema"),
                Target::new(format!("{name}Item"), "item"),
            )?;
            // The item's own `null` is kept: an item has no flag of its own.
            Ok(TypeUse {
                ty: TypeRef::Array(Box::new(or_null(item))),
                nullable: false,
            })
        }
        (Media::Text(_), _) => Ok(TypeUse {
            ty: TypeRef::String,
            nullable: false,
        }),
        (Media::Binary(_), _) => Ok(TypeUse {
            ty: TypeRef::Any,
            nullable: false,
        }),
        (_, Some(schema)) => lowerer.schema(schema, &join(at, "schema"), Target::new(name, "body")),
        (_, None) => Ok(TypeUse {
            ty: TypeRef::Any,
            nullable: true,
        }),
    }
}

fn responses(lowerer: &mut Lowerer, value: &Value, at: &str, type_name: &str) -> Result<Vec<Response>> {
    let map = value
        .as_object()
        .ok_or_else(|| Error::invalid(at, "a mapping of status codes to responses", describe(value)))?;
    let mut out = Vec::new();
    for (key, response) in map {
        if key.starts_with("x-") {
            continue;
        }
        let response_at = join(at, key);
        let status = parse_status(key).ok_or_else(|| {
            Error::invalid(
                &response_at,
                "a status code (200), a range (4XX) or `default`",
                format!("\"{key}\""),
            )
        })?;
        let (response_at, response) = match response.get("$ref") {
            Some(Value::String(r)) => lowerer.doc.follow_ref(r, &response_at)?,
            _ => (response_at, response),
        };
        if let Some(fields) = response.as_object() {
            lowerer.warn_unknown(fields, &response_at, &[fields::RESPONSE], "a field of a Response");
        }
        let name = match status {
            StatusSpec::Code(c) => format!("{type_name}Response{c}"),
            StatusSpec::Range(d) => format!("{type_name}Response{d}xx"),
            StatusSpec::Default => format!("{type_name}DefaultResponse"),
        };
        let content = response.get("content").and_then(Value::as_object);
        let objects = match content {
            Some(content) => media_objects(lowerer.doc, content, &join(&response_at, "content"))?,
            None => Vec::new(),
        };
        warn_unknown_media_fields(lowerer, &objects);
        let media_types = objects.iter().map(|o| o.media.clone()).collect();
        let body = match pick_media(objects) {
            Some(picked) => {
                let lowered = body_schema(lowerer, &picked.media, picked.value, &picked.at, name)?;
                Some(ResponseBody {
                    media: picked.media,
                    ty: lowered,
                })
            }
            None => None,
        };
        out.push(Response {
            status,
            description: string_key(response, "description").unwrap_or_default(),
            body,
            media_types,
            links: links(response),
        });
    }
    Ok(out)
}

fn parse_status(key: &str) -> Option<StatusSpec> {
    if key == "default" {
        return Some(StatusSpec::Default);
    }
    let bytes = key.as_bytes();
    if bytes.len() == 3 && key[1..].eq_ignore_ascii_case("xx") && (b'1'..=b'5').contains(&bytes[0]) {
        return Some(StatusSpec::Range(bytes[0] - b'0'));
    }
    key.parse::<u16>()
        .ok()
        .filter(|c| (100..600).contains(c))
        .map(StatusSpec::Code)
}

fn links(response: &Value) -> Vec<Link> {
    let Some(links) = response.get("links").and_then(Value::as_object) else {
        return Vec::new();
    };
    let pairs = |v: Option<&Value>| -> Vec<(String, String)> {
        v.and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect()
            })
            .unwrap_or_default()
    };
    links
        .iter()
        .filter_map(|(name, link)| {
            Some(Link {
                name: name.clone(),
                operation_id: link.get("operationId")?.as_str()?.to_owned(),
                parameters: pairs(link.get("parameters")),
                request_body: pairs(link.get("requestBody")),
            })
        })
        .collect()
}

/// A parameter's `style` and `explode` (OpenAPI's defaults for its location where absent);
/// a style its location does not allow, and what the generator does not support
/// (`allowReserved: true`), are refused by name. `tabDelimited` is read only from the
/// translation of a Swagger 2.0 spec (`collectionFormat: tsv`).
fn serialization(p: &RawParam, swagger2: bool) -> Result<Serialization> {
    let location = p.location.to_style();
    let default = Serialization::default_for(location);
    let style = match p.value.get("style") {
        None => default.style,
        Some(Value::String(name)) if swagger2 && name == Style::TabDelimited.name() => Style::TabDelimited,
        Some(Value::String(name)) => Style::from_name(name).ok_or_else(|| {
            Error::invalid(
                join(&p.at, "style"),
                "one of matrix, label, simple, form, spaceDelimited, pipeDelimited, deepObject",
                format!("\"{name}\""),
            )
        })?,
        Some(other) => return Err(Error::invalid(join(&p.at, "style"), "a style name", describe(other))),
    };
    if !style.allowed_in(location) {
        let allowed: Vec<&str> = Style::ALL
            .iter()
            .filter(|s| s.allowed_in(location))
            .map(|s| s.name())
            .collect();
        return Err(Error::invalid(
            join(&p.at, "style"),
            format!("a style allowed in {} ({})", location.as_str(), allowed.join(", ")),
            format!("\"{}\"", style.name()),
        ));
    }
    let explode = match p.value.get("explode") {
        None => style == Style::Form,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(Error::invalid(join(&p.at, "explode"), "true or false", describe(other))),
    };
    match p.value.get("allowReserved") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            return Err(Error::unsupported(
                join(&p.at, "allowReserved"),
                format!(
                    "`allowReserved: true` on `{}` (reserved characters are always percent-encoded)",
                    p.name
                ),
            ));
        }
        Some(other) => {
            return Err(Error::invalid(
                join(&p.at, "allowReserved"),
                "true or false",
                describe(other),
            ));
        }
    }
    Ok(Serialization { style, explode })
}

/// An `encoding` map of a form or multipart body: what restates the defaults the generated
/// server and the runner use (`contentType` text/plain or JSON, `style: form`, `explode:
/// true`, `allowReserved: false`) is read as written, and `style: deepObject` (Stripe's form
/// bodies say it for their arrays and objects) makes a field's arrays and objects go in the
/// bracket form (`lines[0][amount]=100`), whatever its `explode`; the fields so named are
/// returned. Another `style` or `explode` is a warning, the defaults assumed; anything else
/// is refused by name.
fn check_encoding(encoding: &Value, at: &str, warnings: &mut Vec<Error>) -> Result<Vec<String>> {
    let mut deep = Vec::new();
    let map = encoding.as_object().ok_or_else(|| {
        Error::invalid(
            at,
            "a mapping of property names to Encoding objects",
            describe(encoding),
        )
    })?;
    for (property, entry) in map {
        let entry_at = join(at, property);
        let fields = entry
            .as_object()
            .ok_or_else(|| Error::invalid(&entry_at, "an Encoding object", describe(entry)))?;
        let deep_object = fields.get("style").is_some_and(|s| s == "deepObject");
        if deep_object {
            deep.push(property.clone());
        }
        for (key, value) in fields {
            let restates_default = match key.as_str() {
                "contentType" => value.as_str().is_some_and(|t| {
                    let (family, essence) = media::classify(t);
                    essence == "text/plain" || family == Family::Json
                }),
                "style" => value == "form" || deep_object,
                "explode" => value == &Value::Bool(true) || deep_object,
                "allowReserved" => value == &Value::Bool(false),
                _ if key.starts_with("x-") => true,
                _ => false,
            };
            if !restates_default && matches!(key.as_str(), "style" | "explode") {
                warnings.push(Error::unsupported(
                    join(&entry_at, key),
                    format!(
                        "the encoding `{key}: {value}` of field `{property}`; read and written as the defaults (text, repeated for arrays of primitives, JSON for objects)"
                    ),
                ));
            } else if !restates_default {
                return Err(Error::unsupported(
                    join(&entry_at, key),
                    format!(
                        "the encoding `{key}: {value}` of field `{property}` (fields are written as text, repeated for arrays of primitives, JSON for objects)"
                    ),
                ));
            }
        }
    }
    Ok(deep)
}

/// The JSON type a primitive of `ty` is read as; `None` for arrays and objects.
fn scalar_of(api: &Api, ty: &TypeRef) -> Option<Scalar> {
    use codegen_runtime::json::JsonTypes;
    match api.unalias(ty) {
        TypeRef::String => Some(Scalar::String),
        TypeRef::Integer(_) => Some(Scalar::Integer),
        TypeRef::Number => Some(Scalar::Number),
        TypeRef::Boolean => Some(Scalar::Boolean),
        TypeRef::Any => Some(Scalar::Any),
        TypeRef::OrNull(inner) => scalar_of(api, inner),
        TypeRef::AnyObject | TypeRef::Array(_) | TypeRef::Map(_) => None,
        TypeRef::Named(id) | TypeRef::Boxed(id) => match &api.type_def(*id).kind {
            TypeKind::Enum(_) => Some(Scalar::String),
            TypeKind::Constrained(c) => scalar_of(api, &c.base),
            TypeKind::Union(_) | TypeKind::Alias(_) => Some(Scalar::Any),
            TypeKind::Struct(_) => None,
            TypeKind::Checked(c) => {
                let primitives = JsonTypes::STRING
                    .with(JsonTypes::INTEGER)
                    .with(JsonTypes::NUMBER)
                    .with(JsonTypes::BOOLEAN);
                let only =
                    |t: JsonTypes| primitives.contains(t) && c.types.with(JsonTypes::NULL) == t.with(JsonTypes::NULL);
                if only(JsonTypes::STRING) {
                    Some(Scalar::String)
                } else if only(JsonTypes::INTEGER) {
                    Some(Scalar::Integer)
                } else if only(JsonTypes::NUMBER) || only(JsonTypes::NUMBER.with(JsonTypes::INTEGER)) {
                    Some(Scalar::Number)
                } else if only(JsonTypes::BOOLEAN) {
                    Some(Scalar::Boolean)
                } else if c.types.with(JsonTypes::NULL) == JsonTypes::ARRAY.with(JsonTypes::NULL)
                    || c.types.with(JsonTypes::NULL) == JsonTypes::OBJECT.with(JsonTypes::NULL)
                {
                    None
                } else {
                    Some(Scalar::Any)
                }
            }
        },
    }
}

/// A parameter's shape; `None` where items or properties are themselves arrays or objects.
fn shape_of(api: &Api, ty: &TypeRef) -> Option<ParamShape> {
    use codegen_runtime::json::JsonTypes;
    match api.unalias(ty) {
        TypeRef::Array(item) => scalar_of(api, item).map(ParamShape::Array),
        TypeRef::AnyObject => Some(ParamShape::Object {
            properties: Vec::new(),
            others: Scalar::Any,
        }),
        TypeRef::Map(value) => scalar_of(api, value).map(|others| ParamShape::Object {
            properties: Vec::new(),
            others,
        }),
        TypeRef::OrNull(inner) => shape_of(api, inner),
        TypeRef::Named(id) | TypeRef::Boxed(id) => match &api.type_def(*id).kind {
            TypeKind::Constrained(c) => shape_of(api, &c.base),
            TypeKind::Struct(s) => {
                let properties = s
                    .fields
                    .iter()
                    .map(|f| Some((f.wire_name.clone(), scalar_of(api, &f.ty.ty)?)))
                    .collect::<Option<Vec<_>>>()?;
                let others = match &s.additional {
                    Some(Some(t)) => scalar_of(api, t)?,
                    _ => Scalar::String,
                };
                Some(ParamShape::Object { properties, others })
            }
            TypeKind::Checked(c) if c.types.with(JsonTypes::NULL) == JsonTypes::ARRAY.with(JsonTypes::NULL) => {
                Some(ParamShape::Array(Scalar::Any))
            }
            TypeKind::Checked(c) if c.types.with(JsonTypes::NULL) == JsonTypes::OBJECT.with(JsonTypes::NULL) => {
                Some(ParamShape::Object {
                    properties: Vec::new(),
                    others: Scalar::Any,
                })
            }
            _ => scalar_of(api, ty).map(ParamShape::Scalar),
        },
        _ => scalar_of(api, ty).map(ParamShape::Scalar),
    }
}

/// The shape of a nested value of `ty`, level by level, for the bracket form. A type met
/// again inside itself (a recursive schema) is read as anything there.
fn node_of(api: &Api, ty: &TypeRef, visiting: &mut Vec<TypeId>) -> Node {
    use codegen_runtime::json::JsonTypes;
    if let Some(s) = scalar_of(api, ty) {
        return Node::Scalar(s);
    }
    let any = || Node::Scalar(Scalar::Any);
    match api.unalias(ty) {
        TypeRef::Array(item) => Node::array(node_of(api, item, visiting)),
        TypeRef::Map(value) => Node::object([], node_of(api, value, visiting)),
        TypeRef::OrNull(inner) => node_of(api, inner, visiting),
        TypeRef::Named(id) | TypeRef::Boxed(id) if visiting.contains(id) => any(),
        TypeRef::Named(id) | TypeRef::Boxed(id) => {
            visiting.push(*id);
            let node = match &api.type_def(*id).kind {
                TypeKind::Constrained(c) => node_of(api, &c.base, visiting),
                TypeKind::Struct(s) => Node::Object {
                    properties: s
                        .fields
                        .iter()
                        .map(|f| (f.wire_name.clone(), node_of(api, &f.ty.ty, visiting)))
                        .collect(),
                    others: Box::new(match &s.additional {
                        Some(Some(t)) => node_of(api, t, visiting),
                        _ => Node::Scalar(Scalar::String),
                    }),
                },
                TypeKind::Checked(c) if c.types.with(JsonTypes::NULL) == JsonTypes::ARRAY.with(JsonTypes::NULL) => {
                    Node::array(any())
                }
                TypeKind::Checked(c) if c.types.with(JsonTypes::NULL) == JsonTypes::OBJECT.with(JsonTypes::NULL) => {
                    Node::object([], any())
                }
                _ => any(),
            };
            visiting.pop();
            node
        }
        _ => Node::object([], any()),
    }
}

/// Once every type is lowered: each parameter's shape, checked against its style (a style
/// that OpenAPI defines only for some shapes, values deeper than it defines), and the
/// fields of form and multipart bodies.
pub fn settle_shapes(api: &mut Api) {
    let mut shapes = Vec::new();
    let mut fields = Vec::new();
    let mut restyled = Vec::new();
    let mut warnings = Vec::new();
    let mut failed = Vec::new();
    for (o, op) in api.operations.iter().enumerate() {
        match settle_operation(api, op) {
            Ok(settled) => {
                shapes.extend(settled.shapes.into_iter().map(|(i, shape)| (o, i, shape)));
                restyled.extend(settled.restyled.into_iter().map(|(i, s)| (o, i, s)));
                warnings.extend(settled.warnings);
                if let Some(kinds) = settled.fields {
                    fields.push((o, kinds));
                }
            }
            Err(e) => failed.push((o, e)),
        }
    }
    for (o, i, shape) in shapes {
        api.operations[o].parameters[i].shape = shape;
    }
    for (o, i, serialization) in restyled {
        api.operations[o].parameters[i].serialization = serialization;
    }
    api.warnings.append(&mut warnings);
    for (o, kinds) in fields {
        if let Some(b) = &mut api.operations[o].body {
            b.fields = kinds;
        }
    }
    leave_out(api, failed);
}

/// Leaves out the operations at the indices of `failed` (ascending), each with a warning
/// naming it and why.
pub fn leave_out(api: &mut Api, failed: Vec<(usize, Error)>) {
    for (o, e) in failed.into_iter().rev() {
        let op = api.operations.remove(o);
        api.warnings.push(e.left_out(format!(
            "the operation `{}` ({} {}, at #{})",
            op.operation_id,
            op.method.as_str().to_ascii_uppercase(),
            op.path,
            op.origin
        )));
    }
}

/// What [`settle_operation`] decided for one operation: parameters' shapes and the styles
/// assumed for defects worked around (by parameter index), the body's fields, warnings.
struct Settled {
    shapes: Vec<(usize, ParamShape)>,
    restyled: Vec<(usize, Serialization)>,
    fields: Option<Vec<(String, FieldKind)>>,
    warnings: Vec<Error>,
}

/// One operation's parameter shapes, checked against their styles (a style that OpenAPI
/// defines only for some shapes, values deeper than it defines), and its body's fields.
fn settle_operation(api: &Api, op: &Operation) -> Result<Settled> {
    let mut settled = Settled {
        shapes: Vec::new(),
        restyled: Vec::new(),
        fields: None,
        warnings: Vec::new(),
    };
    for (i, p) in op.parameters.iter().enumerate() {
        let style = p.serialization.style;
        // deepObject writes arrays, and arrays and objects inside objects, in the bracket
        // form (`lines[0][amount]=100`), as Stripe, Rails, PHP and qs do; a union (Stripe's
        // `created`: a range object or an integer) reads `created[gte]=1` as an object and
        // `created=1` as a primitive.
        let shape = match shape_of(api, &p.ty.ty) {
            Some(ParamShape::Array(_) | ParamShape::Scalar(Scalar::Any)) | None if style == Style::DeepObject => {
                ParamShape::Nested(node_of(api, &p.ty.ty, &mut Vec::new()))
            }
            Some(shape) => shape,
            None => {
                return Err(Error::unsupported(
                    join(&p.origin, "schema"),
                    format!(
                        "the parameter `{}`, whose items or properties are arrays or objects (OpenAPI defines no {} for them; deepObject writes them in the bracket form)",
                        p.name, p.serialization
                    ),
                ));
            }
        };
        let fits = match (&shape, style) {
            (ParamShape::Object { .. } | ParamShape::Nested(_), _) => true,
            (ParamShape::Array(_), _) => true,
            (ParamShape::Scalar(Scalar::Any), _) => true,
            (ParamShape::Scalar(_), s) => !matches!(
                s,
                Style::DeepObject | Style::SpaceDelimited | Style::PipeDelimited | Style::TabDelimited
            ),
        };
        // Real specs do this (Stripe's `expand`: an array with deepObject): a defect worked
        // around, loudly, with the location's default style assumed by server and runner.
        if !fits {
            let what = match shape {
                ParamShape::Scalar(_) => "a primitive",
                ParamShape::Array(_) => "an array",
                ParamShape::Object { .. } | ParamShape::Nested(_) => "an object",
            };
            let default = Serialization::default_for(p.location.to_style());
            settled.warnings.push(Error::invalid(
                join(&p.origin, "style"),
                format!(
                    "a style OpenAPI defines for {what} (`{}` is for arrays and objects); read and written as {default}, the default of its location",
                    style.name(),
                ),
                format!("the parameter `{}` of that shape with style \"{}\"", p.name, style.name()),
            ));
            settled.restyled.push((i, default));
        }
        if let ParamShape::Object { properties, .. } = &shape
            && properties.is_empty()
            && style == Style::Form
            && p.serialization.explode
        {
            return Err(Error::unsupported(
                join(&p.origin, "schema"),
                format!(
                    "the object parameter `{}` with style form and explode true that declares no properties (its keys cannot be told apart from other parameters); declare its properties, or use deepObject",
                    p.name
                ),
            ));
        }
        settled.shapes.push((i, shape));
    }
    if let Some(b) = op
        .body
        .as_ref()
        .filter(|b| matches!(b.media, Media::Form | Media::Multipart))
    {
        let deep = |name: &str| {
            b.fields
                .iter()
                .any(|(k, kind)| k == name && matches!(kind, FieldKind::Nested(_)))
        };
        let kinds: Vec<(String, FieldKind)> = api
            .struct_of(&b.ty.ty)
            .map(|s| {
                s.fields
                    .iter()
                    .map(|f| {
                        let kind = match (scalar_of(api, &f.ty.ty), api.unalias(&f.ty.ty)) {
                            // A union may be an object (Stripe's `metadata`: an object or "").
                            (None | Some(Scalar::Any), _) if deep(&f.wire_name) => {
                                FieldKind::Nested(node_of(api, &f.ty.ty, &mut Vec::new()))
                            }
                            (Some(s), _) => FieldKind::Text(s),
                            (None, TypeRef::Array(item)) => {
                                scalar_of(api, item).map_or(FieldKind::Json, FieldKind::Repeated)
                            }
                            _ => match shape_of(api, &f.ty.ty) {
                                Some(ParamShape::Array(s)) => FieldKind::Repeated(s),
                                _ => FieldKind::Json,
                            },
                        };
                        (f.wire_name.clone(), kind)
                    })
                    .collect()
            })
            .unwrap_or_default();
        settled.fields = Some(kinds);
    }
    Ok(settled)
}
