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
    /// The tagged fields of the create body that stay valid with a suffix: each resource the
    /// run makes gets its own value there ([`Resources::numbered`]), so that no two are
    /// named alike (a server may refuse a second `name`, and a case must not act on
    /// another's resource).
    pub unique_fields: Vec<Vec<String>>,
}

impl Resources {
    pub fn link_to(&self, operation: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.operation_id == operation)
    }

    /// The kind for people: which operation creates it and which act on what it makes.
    pub fn describe(&self) -> String {
        let role = |label: &str, op: &Option<String>| op.as_ref().map(|o| format!("{label} by {o}"));
        let mut parts: Vec<String> = [
            role("read", &self.get),
            role("updated", &self.update),
            role("listed", &self.list),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.push(match &self.delete {
            Some(d) => format!("deleted by {d}"),
            None => "no delete: what it makes would stay".to_owned(),
        });
        let how = if self.inferred {
            "inferred links"
        } else {
            "the spec's links"
        };
        format!("{} creates ({how}): {}", self.create, parts.join(", "))
    }

    /// `body` (a create body of this kind) as the `n`th resource of the run: each unique
    /// field's text followed by `-n`, but for the field a case's edit is about (`except`),
    /// whose value is the edge it tests.
    pub fn numbered(&self, body: &Value, n: u64, except: Option<&[String]>) -> Value {
        let mut body = body.clone();
        let edited = |path: &[String]| except.is_some_and(|e| path.starts_with(e) || e.starts_with(path));
        for path in self.unique_fields.iter().filter(|p| !edited(p)) {
            let pointer = codegen_runtime::pointer::from_segments(path);
            if let Some(Value::String(text)) = body.pointer_mut(&pointer) {
                text.push_str(&format!("-{n}"));
            }
        }
        body
    }
}

/// The largest suffix [`Resources::numbered`] is checked to fit with.
const LARGEST_NUMBER: u64 = 999_999;

/// What every run tag starts with (`cfm-` and 8 lowercase hex digits follow).
pub const TAG_PREFIX: &str = "cfm-";

/// Whether `text` holds a run tag as a whole token: `cfm-` and exactly 8 lowercase hex
/// digits, with no letter or digit just before or after (`.../cfm-1234abcd` and
/// `conformance-cfm-1234abcd-aaa` do, `cfm-notmine` and `cfm-1234abcd5` do not).
pub fn carries_tag(text: &str) -> bool {
    let bytes = text.as_bytes();
    let prefix = TAG_PREFIX.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric();
    let mut from = 0;
    while let Some(at) = text[from..].find(TAG_PREFIX).map(|i| i + from) {
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

/// The operations that create, each with the links from its answer: the spec's where it has
/// any, else inferred. Links that cannot be followed are left out with a note.
fn links_of<'a>(api: &'a Api, notes: &mut Vec<String>) -> Vec<(&'a Operation, Vec<Link>, bool)> {
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
        return infer(api).into_iter().map(|(op, links)| (op, links, true)).collect();
    }
    let mut kinds = Vec::new();
    for op in with_links {
        // Only a POST or PUT (a method with a body that creates) creates; a GET with links
        // (tictactoe's `get-square`) reads.
        if !matches!(op.method, Method::Post | Method::Put) {
            notes.push(format!(
                "{}: its links are not followed: a {} does not create, and only a POST or PUT makes the run's resources",
                op.operation_id,
                op.method.as_str().to_ascii_uppercase()
            ));
            continue;
        }
        let mut links = Vec::new();
        for link in op
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
                    op.operation_id, link.name, link.operation_id
                )),
                None => links.push(link.clone()),
            }
        }
        if !links.is_empty() {
            kinds.push((op, links, false));
        }
    }
    kinds
}

/// Links as Schemathesis infers them for a spec without any, for every collection the spec
/// has: a POST on a collection path (`/pets`, no parameters in it) whose success answer has a
/// field naming the resource (`id`, `_id`, or the parameter's own name, at the top or inside
/// `data`), linked to the operations on the item path below it (`/pets/{id}`,
/// `/pets/{id}/...`, or below the singular, `/pet/{id}`) through that path parameter.
fn infer(api: &Api) -> Vec<(&Operation, Vec<Link>)> {
    api.operations
        .iter()
        .filter(|op| op.method == Method::Post && !op.path.contains('{'))
        .filter_map(|create| {
            let fields = answer_fields(api, create);
            let collection = create.path.trim_end_matches('/');
            let prefixes = item_prefixes(collection);
            let links: Vec<Link> = api
                .operations
                .iter()
                .filter_map(|op| {
                    let rest = prefixes
                        .iter()
                        .find_map(|prefix| op.path.strip_prefix(prefix.as_str())?.strip_prefix("/{"))?;
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
        .collect()
}

/// The paths an item of `collection` may sit below: the collection itself (`/pets/{id}`),
/// and its last segment made singular (`/silences` → `/silence/{id}`, `/policies` →
/// `/policy/{id}`, `/boxes` → `/box/{id}`).
fn item_prefixes(collection: &str) -> Vec<String> {
    let mut out = vec![collection.to_owned()];
    let (parent, last) = collection.rsplit_once('/').unwrap_or(("", collection));
    for stem in crate::habits::singulars(last) {
        let path = format!("{parent}/{stem}");
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// The fields of an operation's success answer, as JSON pointers: its top level and, for
/// an answer that wraps the resource, what is inside `data`.
fn answer_fields(api: &Api, op: &Operation) -> Vec<String> {
    let mut out = Vec::new();
    for r in op.responses.iter().filter(|r| r.status.is_success()) {
        let Some(body) = &r.body else { continue };
        for (name, ty) in object_fields(api, &body.ty.ty) {
            if name == "data" {
                out.extend(object_fields(api, &ty).into_iter().map(|(n, _)| format!("/data/{n}")));
            }
            out.push(format!("/{name}"));
        }
    }
    out
}

/// The declared properties of an object type: a struct's fields, or the `properties` of a
/// checked value (a schema with properties but no `type: object`), its `allOf` members' too.
fn object_fields(api: &Api, ty: &TypeRef) -> Vec<(String, TypeRef)> {
    let (TypeRef::Named(id) | TypeRef::Boxed(id)) = api.unalias(ty) else {
        return Vec::new();
    };
    match &api.type_def(*id).kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| (f.wire_name.clone(), f.ty.ty.clone()))
            .collect(),
        TypeKind::Checked(c) => {
            let sub = |i: usize| c.subschemas.get(i).map(|u| u.ty.clone());
            let mut out: Vec<(String, TypeRef)> = c
                .applicators
                .properties
                .iter()
                .filter_map(|(name, i)| Some((name.clone(), sub(*i)?)))
                .collect();
            for member in c.applicators.all_of.iter().filter_map(|i| sub(*i)) {
                out.extend(object_fields(api, &member));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The answer field that names the resource a path parameter names.
fn id_field(fields: &[String], param: &str) -> Option<String> {
    let last = |f: &String| f.rsplit('/').next().unwrap_or_default().to_owned();
    let id_like = crate::habits::names_an_id(param);
    fields
        .iter()
        .find(|f| last(f) == param)
        // Twilio's `Sid` path parameter names the answer's `sid`.
        .or_else(|| fields.iter().find(|f| last(f).eq_ignore_ascii_case(param)))
        .or_else(|| {
            crate::habits::ID_FIELDS
                .iter()
                .filter(|_| id_like)
                .find_map(|want| fields.iter().find(|f| last(f) == *want))
        })
        .cloned()
}

/// Every kind of resource the run can make for itself, those it can also delete first (an
/// operation linked from two kinds is tested on the first).
pub(super) fn kinds(api: &Api, sampler: &Sampler, notes: &mut Vec<String>) -> Vec<Resources> {
    let creates = links_of(api, notes);
    let sole = creates.len() == 1;
    let mut kinds: Vec<Resources> = creates
        .into_iter()
        .filter_map(|(create, links, inferred)| kind(api, sampler, create, links, inferred, sole, notes))
        .collect();
    kinds.sort_by_key(|k| k.delete.is_none());
    kinds
}

/// The kind whose create is `operation`, else the first whose create answer links to it.
pub fn kind_of<'a>(kinds: &'a [Resources], operation: &str) -> Option<&'a Resources> {
    kinds
        .iter()
        .find(|k| k.create == operation)
        .or_else(|| kinds.iter().find(|k| k.link_to(operation).is_some()))
}

fn kind(
    api: &Api,
    sampler: &Sampler,
    create: &Operation,
    links: Vec<Link>,
    inferred: bool,
    sole: bool,
    notes: &mut Vec<String>,
) -> Option<Resources> {
    // The item itself (`/streams/{id}`) before what hangs below it (`/streams/{id}/events`).
    let target = |method: &[Method]| {
        links
            .iter()
            .filter_map(|l| api.operation(&l.operation_id))
            .filter(|op| method.contains(&op.method))
            .min_by_key(|op| op.path.matches('/').count())
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
    let tag_fields = create_body
        .as_mut()
        .map(|body| with_tag(api, sampler, create, body))
        .unwrap_or_default();
    if tag_fields.is_empty() {
        notes.push(format!(
            "{}: no field of its body can carry the run tag: what it creates cannot be told from other data, \
             so `sweep` cannot find it",
            create.operation_id
        ));
    }
    let mut kind = Resources {
        create: create.operation_id.clone(),
        create_body,
        create_params,
        // An update is a PATCH where the spec has one: a PUT replaces the whole resource.
        update: target(&[Method::Patch]).or_else(|| target(&[Method::Put])),
        delete: target(&[Method::Delete]),
        get: target(&[Method::Get]),
        list: None,
        links,
        inferred,
        tag_fields,
        unique_fields: Vec::new(),
    };
    kind.list = list_of(api, create, kind.get.as_deref(), sole);
    if let (Some(body), Some(ty)) = (&kind.create_body, create.body.as_ref().map(|b| &b.ty)) {
        kind.unique_fields = kind
            .tag_fields
            .iter()
            .filter(|path| {
                let alone = Resources {
                    unique_fields: vec![(*path).clone()],
                    ..kind.clone()
                };
                sampler.is_valid(&ty.ty, &alone.numbered(body, LARGEST_NUMBER, None))
            })
            .cloned()
            .collect();
    }
    if inferred {
        let described: Vec<String> = kind
            .links
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
    Some(kind)
}

/// The list that holds what `create` makes: the collection's own GET (`GET /pets` beside
/// `POST /pets`), else one beside it in RPC style (`GET /endpoint.list` beside
/// `POST /endpoint.add`); any other only when the spec makes one kind of resource (`sole`):
/// another kind's list would not hold it. Never the item's own read, `get`.
fn list_of(api: &Api, create: &Operation, get: Option<&str>, sole: bool) -> Option<String> {
    api.operations
        .iter()
        .filter(|op| {
            op.method == Method::Get
                && op.parameters.iter().all(|p| !p.required)
                && get != Some(op.operation_id.as_str())
        })
        .filter_map(|op| {
            // `/v1/webhook/endpoint.add` → (`/v1/webhook`, `endpoint`).
            let rpc = |path: &str| {
                let (parent, last) = path.rsplit_once('/')?;
                let (noun, _) = last.split_once(['.', ':'])?;
                Some((parent.to_owned(), noun.to_owned()))
            };
            let rank = if op.path == create.path {
                0
            } else if rpc(&op.path).is_some() && rpc(&op.path) == rpc(&create.path) {
                1
            } else if sole {
                2
            } else {
                return None;
            };
            Some((rank, op))
        })
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, op)| op.operation_id.clone())
}

/// Where `body` (a valid body of `op`) carries the run tag: the tagged strings it has, else
/// an optional field that `tag_holder` chooses, which is then given a run-tagged text.
pub(super) fn with_tag(api: &Api, sampler: &Sampler, op: &Operation, body: &mut Value) -> Vec<Vec<String>> {
    let tagged = tagged_paths(body);
    if !tagged.is_empty() {
        return tagged;
    }
    match tag_holder(api, sampler, op, body) {
        Some(field) => {
            body[field.as_str()] = Value::String(format!("conformance-{}", sampler.tag));
            vec![vec![field]]
        }
        None => Vec::new(),
    }
}

/// An optional top-level string field of the create body that takes a run-tagged text
/// (a name, a description), for bodies whose required fields hold no text.
fn tag_holder(api: &Api, sampler: &Sampler, op: &Operation, body: &Value) -> Option<String> {
    let ty = &op.body.as_ref()?.ty;
    let TypeRef::Named(id) = api.unalias(&ty.ty) else {
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
        sampler.is_valid(&ty.ty, &candidate).then(|| f.wire_name.clone())
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
            .value(&p.ty.ty, hint)
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
                .value(&b.ty.ty, Hint::default())
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
