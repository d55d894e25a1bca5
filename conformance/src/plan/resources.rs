//! The resources a run makes for itself: which operations create, read, change and delete
//! them (from the spec's `links`, or, where a spec has none, links inferred as Schemathesis
//! infers them), where the run's tag goes, and a valid request for any operation.

use generator::model::{Api, Link, Media, Method, Operation, ParamLocation, TypeKind, TypeRef};
use serde_json::Value;

use super::case::{Param, ParamValue};
use super::values::{Hint, Sampler};

/// How the runner makes and removes its own resources, from the spec's `links`.
#[derive(Debug, Clone)]
pub struct Resources {
    /// The operation whose success answer links to the others.
    pub create: String,
    /// A valid, run-tagged create body; `None` when the create takes none (nothing is sent).
    pub create_body: Option<Value>,
    pub create_params: Vec<Param>,
    /// Links from the create answer, by target operation.
    pub links: Vec<Link>,
    pub get: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
    pub list: Option<String>,
    /// The links were inferred (the spec has none), not read from the spec.
    pub inferred: bool,
    /// The fields of the create body that carry the run tag (paths of object keys): where
    /// `sweep` looks for it in listed resources.
    pub tag_fields: Vec<Vec<String>>,
}

impl Resources {
    pub fn link_to(&self, operation: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.operation_id == operation)
    }
}

/// Whether `text` holds a run tag as a whole token: `cfm-` and exactly 8 lowercase hex
/// digits, with no letter or digit just before or after (`.../cfm-1234abcd` and
/// `conformance-cfm-1234abcd-aaa` do, `cfm-notmine` and `cfm-1234abcd5` do not).
pub fn carries_tag(text: &str) -> bool {
    let bytes = text.as_bytes();
    let prefix = crate::TAG_PREFIX.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric();
    let mut from = 0;
    while let Some(at) = text[from..].find(crate::TAG_PREFIX).map(|i| i + from) {
        let hex = &bytes[at + prefix.len()..];
        let before_ok = at == 0 || !word(bytes[at - 1]);
        let digits_ok = hex.len() >= 8 && hex[..8].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let after_ok = hex.len() == 8 || (hex.len() > 8 && !word(hex[8]));
        if before_ok && digits_ok && after_ok {
            return true;
        }
        from = at + 1;
    }
    false
}

/// The paths of the string values in `value` that carry a run tag.
pub fn tagged_paths(value: &Value) -> Vec<Vec<String>> {
    fn walk(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match value {
            Value::String(s) if carries_tag(s) => out.push(at.clone()),
            Value::Object(map) => {
                for (k, v) in map {
                    at.push(k.clone());
                    walk(v, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// Whether some string at one of `paths` in `value` carries a run tag.
pub fn tagged_at(value: &Value, paths: &[Vec<String>]) -> bool {
    paths.iter().any(|p| {
        value
            .pointer(&codegen_runtime::pointer::from_segments(p))
            .and_then(Value::as_str)
            .is_some_and(carries_tag)
    })
}

/// The JSON pointer of a link expression the runner can follow: `$response.body#/id` on
/// the create answer. Other expressions (`$request.path.row`, `$response.header.Location`)
/// are not followed; the plan says so.
pub fn response_pointer(expression: &str) -> Option<&str> {
    expression.strip_prefix("$response.body#")
}

/// Which operation creates, and the links from its answer: the spec's, or inferred. Links
/// that cannot be followed are left out with a note.
fn links_of<'a>(api: &'a Api, notes: &mut Vec<String>) -> Option<(&'a Operation, Vec<Link>, bool)> {
    let with_links: Vec<&Operation> = api
        .operations
        .iter()
        .filter(|op| {
            op.responses
                .iter()
                .any(|r| r.status.is_success() && !r.links.is_empty())
        })
        .collect();
    if with_links.is_empty() {
        return infer(api).map(|(op, links)| (op, links, true));
    }
    // Only a POST or PUT (a method with a body that creates) creates; a GET with links
    // (tictactoe's `get-square`) reads.
    let Some(create) = with_links
        .iter()
        .find(|op| matches!(op.method, Method::Post | Method::Put))
    else {
        for op in with_links {
            notes.push(format!(
                "{}: its links are not followed: a {} does not create, and only a POST or PUT makes the run's resources",
                op.operation_id,
                op.method.as_str().to_ascii_uppercase()
            ));
        }
        return None;
    };
    let mut links = Vec::new();
    for link in create
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .flat_map(|r| &r.links)
    {
        match link
            .parameters
            .iter()
            .chain(&link.request_body)
            .find(|(_, e)| response_pointer(e).is_none())
        {
            Some((name, expression)) => notes.push(format!(
                "{}: link `{}` to {} not followed: `{name}` = `{expression}` is not read \
                 (only $response.body#/... is)",
                create.operation_id, link.name, link.operation_id
            )),
            None => links.push(link.clone()),
        }
    }
    if links.is_empty() {
        return None;
    }
    Some((create, links, false))
}

/// Links as Schemathesis infers them for a spec without any: a POST on a collection path
/// (`/pets`, no parameters in it) whose success answer has a field naming the resource
/// (`id`, `_id`, or the parameter's own name, at the top or inside `data`), linked to the
/// operations on the item path below it (`/pets/{id}`, `/pets/{id}/...`) through that
/// path parameter.
fn infer(api: &Api) -> Option<(&Operation, Vec<Link>)> {
    api.operations
        .iter()
        .filter(|op| op.method == Method::Post && !op.path.contains('{'))
        .find_map(|create| {
            let fields = answer_fields(api, create);
            let collection = create.path.trim_end_matches('/');
            let links: Vec<Link> = api
                .operations
                .iter()
                .filter_map(|op| {
                    let rest = op.path.strip_prefix(collection)?.strip_prefix("/{")?;
                    let (param, tail) = rest.split_once('}')?;
                    if !(tail.is_empty() || tail.starts_with('/')) || tail.contains('{') {
                        return None;
                    }
                    op.parameters
                        .iter()
                        .find(|p| p.location == ParamLocation::Path && p.name == param)?;
                    let pointer = id_field(&fields, param)?;
                    Some(Link {
                        name: format!("inferred:{}", op.operation_id),
                        operation_id: op.operation_id.clone(),
                        parameters: vec![(param.to_owned(), format!("$response.body#{pointer}"))],
                        request_body: Vec::new(),
                    })
                })
                .collect();
            (!links.is_empty()).then_some((create, links))
        })
}

/// The fields of an operation's success answer, as JSON pointers: its top level and, for
/// an answer that wraps the resource, what is inside `data`.
fn answer_fields(api: &Api, op: &Operation) -> Vec<String> {
    let struct_fields = |ty: &TypeRef| -> Vec<(String, TypeRef)> {
        match api.unalias(ty) {
            TypeRef::Named(id) | TypeRef::Boxed(id) => match &api.type_def(*id).kind {
                TypeKind::Struct(s) => s
                    .fields
                    .iter()
                    .map(|f| (f.wire_name.clone(), f.ty.ty.clone()))
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for r in op.responses.iter().filter(|r| r.status.is_success()) {
        let Some(body) = &r.body else { continue };
        for (name, ty) in struct_fields(&body.ty) {
            if name == "data" {
                out.extend(struct_fields(&ty).into_iter().map(|(n, _)| format!("/data/{n}")));
            }
            out.push(format!("/{name}"));
        }
    }
    out
}

/// The answer field that names the resource a path parameter names.
fn id_field(fields: &[String], param: &str) -> Option<String> {
    let last = |f: &String| f.rsplit('/').next().unwrap_or_default().to_owned();
    let lower = param.to_ascii_lowercase();
    let id_like = lower == "id" || lower.ends_with("_id") || lower.ends_with("id");
    fields
        .iter()
        .find(|f| last(f) == param)
        .or_else(|| {
            ["id", "_id", "uuid"]
                .iter()
                .filter(|_| id_like)
                .find_map(|want| fields.iter().find(|f| last(f) == *want))
        })
        .cloned()
}

pub(super) fn resources(api: &Api, sampler: &Sampler, notes: &mut Vec<String>) -> Option<Resources> {
    let (create, links, inferred) = links_of(api, notes)?;
    let target = |method: &[Method]| {
        links
            .iter()
            .filter_map(|l| api.operation(&l.operation_id))
            .find(|op| method.contains(&op.method))
            .map(|op| op.operation_id.clone())
    };
    let (create_body, create_params) = match base_request(sampler, create, None) {
        Ok(base) => base,
        Err(why) => {
            notes.push(format!("{}: no resources can be made: {why}", create.operation_id));
            return None;
        }
    };
    let mut create_body = create_body;
    let mut tag_fields = create_body.as_ref().map(tagged_paths).unwrap_or_default();
    if tag_fields.is_empty()
        && let Some(body) = &mut create_body
        && let Some(field) = tag_holder(api, sampler, create, body)
    {
        body[field.as_str()] = Value::String(format!("conformance-{}", sampler.tag));
        tag_fields = vec![vec![field]];
    }
    if tag_fields.is_empty() {
        notes.push(format!(
            "{}: no field of its body can carry the run tag: what it creates cannot be told from other data, \
             so `sweep` cannot find it",
            create.operation_id
        ));
    }
    let get = target(&[Method::Get]);
    let list = api
        .operations
        .iter()
        .filter(|op| {
            op.method == Method::Get
                && op.parameters.iter().all(|p| !p.required)
                && get.as_deref() != Some(op.operation_id.as_str())
        })
        // The collection's own GET first (`GET /pets` beside `POST /pets`).
        .min_by_key(|op| op.path != create.path)
        .map(|op| op.operation_id.clone());
    if inferred {
        let described: Vec<String> = links
            .iter()
            .map(|l| {
                let (param, expression) = &l.parameters[0];
                format!("{} ({param} = {expression})", l.operation_id)
            })
            .collect();
        notes.push(format!(
            "links inferred (the spec has none): {} creates; its answer links to {}",
            create.operation_id,
            described.join(", ")
        ));
    }
    Some(Resources {
        create: create.operation_id.clone(),
        create_body,
        create_params,
        update: target(&[Method::Patch, Method::Put]),
        delete: target(&[Method::Delete]),
        get,
        list,
        links,
        inferred,
        tag_fields,
    })
}

/// An optional top-level string field of the create body that takes a run-tagged text
/// (a name, a description), for bodies whose required fields hold no text.
fn tag_holder(api: &Api, sampler: &Sampler, op: &Operation, body: &Value) -> Option<String> {
    let ty = &op.body.as_ref()?.ty;
    let TypeRef::Named(id) = api.unalias(ty) else {
        return None;
    };
    let TypeKind::Struct(s) = &api.type_def(*id).kind else {
        return None;
    };
    let preferred = crate::habits::TAG_HOLDER_NAMES;
    let mut fields: Vec<_> = s.fields.iter().filter(|f| !f.read_only && !f.required).collect();
    fields.sort_by_key(|f| {
        preferred
            .iter()
            .position(|p| f.wire_name.to_ascii_lowercase().contains(p))
            .unwrap_or(preferred.len())
    });
    fields.into_iter().find_map(|f| {
        let mut candidate = body.clone();
        candidate[f.wire_name.as_str()] = Value::String(format!("conformance-{}", sampler.tag));
        sampler.is_valid(ty, &candidate).then(|| f.wire_name.clone())
    })
}

/// A valid request for `op`: its JSON body (if it takes one) and its required parameters.
pub(super) fn base_request(
    sampler: &Sampler,
    op: &Operation,
    link: Option<&Link>,
) -> Result<(Option<Value>, Vec<Param>), String> {
    let mut params = Vec::new();
    for p in &op.parameters {
        if let Some(expr) = link
            .and_then(|l| l.parameters.iter().find(|(name, _)| name == &p.name))
            .map(|(_, e)| e)
        {
            params.push(Param {
                location: p.location,
                name: p.name.clone(),
                value: ParamValue::Linked(expr.clone()),
            });
            continue;
        }
        if !p.required {
            continue;
        }
        let hint = Hint {
            name: &p.name,
            examples: &[],
            default: p.default.as_ref(),
        };
        let value = sampler
            .value(&p.ty, hint)
            .ok_or_else(|| format!("no valid value for parameter `{}`", p.name))?;
        params.push(Param {
            location: p.location,
            name: p.name.clone(),
            value: ParamValue::of(&value),
        });
    }
    let body = match &op.body {
        Some(b) if matches!(b.media, Media::Json(_) | Media::Form | Media::Multipart) => {
            let value = sampler
                .value(&b.ty, Hint::default())
                .ok_or_else(|| "no valid value for the body (a pattern the runner cannot satisfy?)".to_owned())?;
            Some(value)
        }
        Some(b) if b.required => return Err(format!("bodies of type {} are not generated", b.media.content_type())),
        _ => None,
    };
    Ok((body, params))
}

/// A parameter value as it goes on the wire.
pub fn wire_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
