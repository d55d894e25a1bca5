//! What a run may touch: only what it made. Cases that would change or delete data the run
//! did not make are left out; so are cases that would create what the run cannot remove
//! (unless leftovers are allowed), and, read-only, everything but GET, HEAD, OPTIONS and QUERY.
//! Each leaving-out is a note; leftovers are also a warning shown before anything is sent.

use std::collections::BTreeMap;

use generator::model::{Api, Method, ParamLocation, TypeKind, TypeRef};
use serde_json::Value;

use super::{Case, Expect, ParamValue, RequestBody, Resources, Safety, apply, carries_tag, tagged_at};

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
    /// What it creates cannot be deleted by this run.
    Leftover,
}

/// Methods that change nothing on the server (RFC 9110's safe methods, and QUERY).
pub fn is_safe_method(method: &Method) -> bool {
    matches!(method, Method::Get | Method::Head | Method::Options | Method::Query)
}

/// Leaves out what `safety` does not allow; returns the warnings (also pushed to `notes`).
pub(super) fn keep_safe(
    api: &Api,
    resources: Option<&Resources>,
    safety: Safety,
    unknown_ids: &[String],
    cases: &mut Vec<Case>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let mut left_out: BTreeMap<(String, Why), usize> = BTreeMap::new();
    cases.retain(|case| match verdict(api, resources, safety, unknown_ids, case) {
        None => true,
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
                 (the spec links no create operation to it, and no link could be inferred)"
            ),
            Why::Unnamed => format!(
                "{operation}: {cases} left out: {method} {path} names no resource this run made, \
                 so it may change what others made"
            ),
            Why::Untagged => format!(
                "{operation}: {cases} left out: what they would create cannot carry the run tag \
                 where `sweep` looks for it"
            ),
            Why::Leftover => {
                let text = format!(
                    "{operation}: {cases} left out: {method} {path} would create resources this run cannot \
                     delete (no delete operation is linked to it); --allow-leftovers sends them"
                );
                warnings.push(text.clone());
                text
            }
        };
        notes.push(text);
    }
    warnings
}

/// Why `case` must not be sent, if it must not.
fn verdict(
    api: &Api,
    resources: Option<&Resources>,
    safety: Safety,
    unknown_ids: &[String],
    case: &Case,
) -> Option<Why> {
    if is_safe_method(&case.method) {
        return None;
    }
    if safety.read_only {
        return Some(Why::ReadOnly);
    }
    let op = api.operation(&case.operation)?;
    let path_params: Vec<&str> = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| p.name.as_str())
        .collect();
    // An edit of a linked body field replaces the run's id with another: only a removal,
    // `null`, a tagged text or a value the field's type refuses cannot name something else.
    if let Some(edit) = &case.edit
        && case.body_links.iter().any(|(f, _)| edit.path.first() == Some(f))
        && let Some(value) = edit.value.as_ref().filter(|v| !v.is_null())
        && !value.as_str().is_some_and(carries_tag)
        && op
            .body
            .as_ref()
            .and_then(|b| field_type(api, &b.ty, &edit.path))
            .is_none_or(|ty| fits(api, &ty, value))
    {
        return Some(Why::NotOurs);
    }
    if !path_params.is_empty() {
        // POST, PUT, PATCH or DELETE on an item: each id the run's own, or one no server holds.
        let ours = path_params.iter().all(|name| {
            case.params
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == *name)
                .is_some_and(|p| match &p.value {
                    ParamValue::Linked(_) => true,
                    ParamValue::Structured(_) => false,
                    // Text that the parameter's own type refuses names nothing the spec allows.
                    ParamValue::Text(t) => {
                        carries_tag(t)
                            || unknown_ids.contains(t)
                            || op
                                .parameters
                                .iter()
                                .find(|q| q.location == ParamLocation::Path && q.name == p.name)
                                .is_some_and(|q| !fits(api, &q.ty, &Value::String(t.clone())))
                    }
                })
        });
        return (!ours).then_some(Why::NotOurs);
    }
    if case.needs_resource {
        // A link target that names the run's resource in its body (`POST /endpoint.delete`).
        return None;
    }
    let creates = resources.is_some_and(|r| r.create == case.operation);
    if !creates && op.method != Method::Post {
        return Some(Why::Unnamed);
    }
    // A POST (or the create) on a collection: a conforming server makes something of an
    // accepted case; a refused one makes nothing.
    if case.expect != Expect::Accepted {
        return None;
    }
    if let Some(r) = resources.filter(|_| creates) {
        if !r.tag_fields.is_empty() && !case_body(case).is_some_and(|b| tagged_at(&b, &r.tag_fields)) {
            return Some(Why::Untagged);
        }
        if r.delete.is_some() {
            return None;
        }
    }
    (!safety.allow_leftovers).then_some(Why::Leftover)
}

/// The JSON body a case sends, its edit applied (linked fields aside).
fn case_body(case: &Case) -> Option<Value> {
    let RequestBody::Json(body) = &case.body else {
        return None;
    };
    let mut body = body.clone();
    if let Some(edit) = &case.edit {
        apply(&mut body, &edit.path, edit.value.clone());
    }
    Some(body)
}

/// Whether `value` is a valid value of `ty`.
fn fits(api: &Api, ty: &TypeRef, value: &Value) -> bool {
    generator::model::validate::validate(api, ty, false, value).is_empty()
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
    field_type(api, &field.ty, rest)
}
