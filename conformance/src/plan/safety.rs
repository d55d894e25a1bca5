//! What a run may touch: only what it made. Cases that would change or delete data the run
//! did not make are left out; so are cases that would create what the run cannot remove
//! (unless leftovers are allowed), and, read-only, everything but GET, HEAD, OPTIONS and QUERY.
//! Each leaving-out is a note; leftovers are also a warning shown before anything is sent.

use std::collections::BTreeMap;

use generator::model::{Api, Method, ParamLocation, TypeKind, TypeRef, TypeUse};
use serde_json::Value;

use super::{
    Case, Expect, ParamValue, RequestBody, Resources, Safety, apply, as_read, carries_tag, kind_of, tagged_at,
    tagged_paths,
};

/// Why a case is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    ReadOnly,
    /// It changes or deletes by an id the run did not make.
    NotOurs,
    /// It changes or deletes without naming a resource (`DELETE /things`).
    Unnamed,
    /// What it creates carries no run tag in the fields `sweep` reads.
    Untagged,
    /// The resource made for it first carries no run tag.
    SetupUntagged,
    /// What it creates cannot be deleted by this run.
    Leftover,
    /// The resource made for it first (by `create`) cannot be deleted by this run.
    SetupLeftover,
}

/// Methods that change nothing on the server (RFC 9110's safe methods, and QUERY).
pub fn is_safe_method(method: &Method) -> bool {
    matches!(method, Method::Get | Method::Head | Method::Options | Method::Query)
}

/// Leaves out what `safety` does not allow; returns the warnings (also pushed to `notes`):
/// the cases left out because what they would create would stay, or, with
/// `allow_leftovers`, the cases sent although it will.
pub(super) fn keep_safe(
    api: &Api,
    kinds: &[Resources],
    safety: Safety,
    unknown_ids: &[String],
    cases: &mut Vec<Case>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let mut left_out: BTreeMap<(String, Why), usize> = BTreeMap::new();
    let mut staying: BTreeMap<(String, Why), usize> = BTreeMap::new();
    cases.retain(|case| match verdict(api, kinds, safety, unknown_ids, case) {
        None => true,
        Some(why @ (Why::Leftover | Why::SetupLeftover)) if safety.allow_leftovers => {
            *staying.entry((case.operation.clone(), why)).or_default() += 1;
            true
        }
        Some(why) => {
            *left_out.entry((case.operation.clone(), why)).or_default() += 1;
            false
        }
    });
    let mut warnings = Vec::new();
    for ((operation, why), n) in left_out {
        let (method, path) = api
            .operation(&operation)
            .map(|op| (op.method.as_str().to_ascii_uppercase(), op.path.clone()))
            .unwrap_or_default();
        let cases = if n == 1 { "1 case" } else { &format!("{n} cases") };
        let text = match why {
            Why::ReadOnly => format!("{operation}: {cases} left out: --read-only sends no {method}"),
            Why::NotOurs => format!(
                "{operation}: {cases} left out: {method} {path} would go to an id this run did not make \
                 (the spec links no create operation to it, no link could be inferred, and the id is not \
                 one that cannot exist)"
            ),
            Why::Unnamed => format!(
                "{operation}: {cases} left out: {method} {path} names no resource this run made, \
                 so it may change what others made"
            ),
            Why::Untagged => format!(
                "{operation}: {cases} left out: what they would create cannot carry the run tag \
                 where `sweep` looks for it"
            ),
            Why::SetupUntagged => format!(
                "{operation}: {cases} left out: each first creates a resource by {}, whose body has no \
                 field that can carry the run tag",
                kind_of(kinds, &operation).map_or("its create", |k| k.create.as_str())
            ),
            Why::Leftover | Why::SetupLeftover => {
                let text = leftover(kinds, &operation, &method, &path, n, false);
                warnings.push(text.clone());
                text
            }
        };
        notes.push(text);
    }
    for ((operation, _), n) in staying {
        let (method, path) = api
            .operation(&operation)
            .map(|op| (op.method.as_str().to_ascii_uppercase(), op.path.clone()))
            .unwrap_or_default();
        let text = leftover(kinds, &operation, &method, &path, n, true);
        warnings.push(text.clone());
        notes.push(text);
    }
    warnings
}

/// The warning for `n` cases of `operation` whose creates (their own, or the resource made
/// for them first) the run cannot delete: left out, or with `allowed`, sent.
fn leftover(kinds: &[Resources], operation: &str, method: &str, path: &str, n: usize, allowed: bool) -> String {
    let cases = if n == 1 { "1 case" } else { &format!("{n} cases") };
    let resources = if n == 1 {
        "1 resource"
    } else {
        &format!("{n} resources")
    };
    let what = match kind_of(kinds, operation).filter(|k| k.create != operation) {
        Some(kind) => format!(
            "each first creates a resource by {} that this run cannot delete",
            kind.create
        ),
        None => format!("{method} {path} would create resources this run cannot delete"),
    };
    if allowed {
        format!("{operation}: {cases} sent although {what} (--allow-leftovers): up to {resources} will stay")
    } else {
        format!(
            "{operation}: {cases} left out: {what} (no delete operation is linked to it); \
             --allow-leftovers sends them, leaving up to {resources}"
        )
    }
}

/// Why `case` must not be sent, if it must not (leftovers whatever `allow_leftovers` says).
fn verdict(api: &Api, kinds: &[Resources], safety: Safety, unknown_ids: &[String], case: &Case) -> Option<Why> {
    let kind = kind_of(kinds, &case.operation);
    if case.needs_resource && !safety.read_only {
        // The resource made for the case first, whatever its method, is a create like any
        // other: tagged, and deleted at the end, or not made.
        let Some(kind) = kind else { return Some(Why::NotOurs) };
        if kind.tag_fields.is_empty() {
            return Some(Why::SetupUntagged);
        }
        if kind.delete.is_none() {
            return Some(Why::SetupLeftover);
        }
    }
    if is_safe_method(&case.method) {
        return None;
    }
    if safety.read_only {
        return Some(Why::ReadOnly);
    }
    let op = api.operation(&case.operation)?;
    // An edit of a linked body field replaces the run's id with another: only a removal,
    // `null`, a tagged text or a value the field's type refuses cannot name something else.
    if let Some(edit) = &case.edit
        && case.body_links.iter().any(|(f, _)| edit.path.first() == Some(f))
        && let Some(value) = edit.value.as_ref().filter(|v| !v.is_null())
        && !value.as_str().is_some_and(carries_tag)
        && op
            .body
            .as_ref()
            .and_then(|b| field_type(api, &b.ty.ty, &edit.path))
            .is_none_or(|ty| fits(api, &ty, value))
    {
        return Some(Why::NotOurs);
    }
    let path_params: Vec<&generator::model::Parameter> = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .collect();
    if !path_params.is_empty() {
        // POST, PUT, PATCH or DELETE on an item: each id the run's own, or one no server holds.
        let ours = path_params.iter().all(|q| {
            case.params
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == q.name)
                .is_some_and(|p| match &p.value {
                    ParamValue::Linked(_) | ParamValue::Respelt { .. } => true,
                    ParamValue::Structured(_) => false,
                    // Tagged text, a fresh random id, or text the server cannot read as a
                    // value of the parameter's type (read as it reads it: `1` is the integer
                    // 1, which may well be someone's).
                    ParamValue::Text(t) => {
                        carries_tag(t)
                            || unknown_ids.contains(t)
                            || as_read(q, &Value::String(t.clone())).is_none_or(|read| !fits(api, &q.ty.ty, &read))
                    }
                })
        });
        return (!ours).then_some(Why::NotOurs);
    }
    if case.needs_resource {
        // A link target that names the run's resource in its body (`POST /endpoint.delete`).
        return None;
    }
    // The kind whose create this case is, if it is one.
    let created = kind.filter(|r| r.create == case.operation);
    if created.is_none() && op.method != Method::Post {
        return Some(Why::Unnamed);
    }
    let body = case_body(case);
    if created.is_none() && names_other_resource(api, op, body.as_ref()) {
        return Some(Why::NotOurs);
    }
    // A POST (or the create) on a collection: a conforming server makes something of an
    // accepted case, and may of an "either" one; a refused one makes nothing.
    if !matches!(case.expect, Expect::Accepted | Expect::Either) {
        return None;
    }
    let tagged = match created {
        Some(r) if !r.tag_fields.is_empty() => body.as_ref().is_some_and(|b| tagged_at(b, &r.tag_fields)),
        _ => body.as_ref().is_some_and(|b| !tagged_paths(b).is_empty()),
    };
    if !tagged {
        return Some(Why::Untagged);
    }
    if created.is_some_and(|r| r.delete.is_some()) {
        return None;
    }
    Some(Why::Leftover)
}

/// Whether a POST that creates no kind of the run's resources names another resource in its
/// body (RPC style: `POST /orders.cancel {"order_id": 7}`): a required top-level field named
/// like an id, holding a value that is not the run's.
fn names_other_resource(api: &Api, op: &generator::model::Operation, body: Option<&Value>) -> bool {
    let (Some(body), Some(s)) = (body, op.body.as_ref().and_then(|b| api.struct_of(&b.ty.ty))) else {
        return false;
    };
    s.fields
        .iter()
        .filter(|f| f.required && !f.read_only && crate::habits::names_an_id(&f.wire_name))
        .any(|f| match body.get(&f.wire_name) {
            None | Some(Value::Null) => false,
            Some(Value::String(t)) => !carries_tag(t),
            Some(_) => true,
        })
}

/// The JSON body a case sends, its edit applied (linked fields aside); JSON sent as text
/// (a key given twice) as a server reads it.
fn case_body(case: &Case) -> Option<Value> {
    let mut body = match &case.body {
        RequestBody::Json(body) => body.clone(),
        RequestBody::Raw { text, .. } => serde_json::from_str(text).ok()?,
        RequestBody::None => return None,
    };
    if let Some(edit) = &case.edit {
        apply(&mut body, &edit.path, edit.value.clone());
    }
    Some(body)
}

/// Whether `value` (an id or a parameter as read, never `null`) is a valid value of `ty`.
fn fits(api: &Api, ty: &TypeRef, value: &Value) -> bool {
    generator::model::validate::validate(api, &TypeUse::non_null(ty.clone()), value).is_empty()
}

/// The type of the field at `path` in a body of type `ty`.
fn field_type(api: &Api, ty: &TypeRef, path: &[String]) -> Option<TypeRef> {
    let Some((first, rest)) = path.split_first() else {
        return Some(ty.clone());
    };
    let (TypeRef::Named(id) | TypeRef::Boxed(id)) = api.unalias(ty) else {
        return None;
    };
    let TypeKind::Struct(s) = &api.type_def(*id).kind else {
        return None;
    };
    let field = s.fields.iter().find(|f| &f.wire_name == first)?;
    field_type(api, &field.ty.ty, rest)
}
