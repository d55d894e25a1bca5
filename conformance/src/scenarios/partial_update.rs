//! Partial updates: one case per field the update accepts. The resource is made with a
//! distinctive value in every optional field (not its default, not empty), the update sends
//! that one field, and reading the resource back must show that field as sent and every
//! other field as it was: a server that resets what the request left out is seen.

use codegen_runtime::pointer;
use generator::model::{Field, TypeKind, TypeRef};
use serde_json::{Value, json};

use super::{BoxFuture, FollowUp, PartialUpdate, Planning, Scenario, StatefulScenario, answer, case, verdict};
use crate::exec::{CaseError, Runner, Step, StepKind};
use crate::judgement::{Context, Outcome, same};
use crate::plan::edges::{Place, edges};
use crate::plan::values::Hint;
use crate::plan::{Auth, Case, Edit, Expect, RequestBody, Resources};

/// An update that sends one field changes that one and nothing else
/// (`partial_update_preserves`).
pub struct PartialUpdatePreserves;

impl StatefulScenario for PartialUpdatePreserves {
    fn owns(&self, scenario: &Scenario) -> bool {
        matches!(scenario, Scenario::PartialUpdate(_))
    }

    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, notes: &mut Vec<String>) {
        if base.needs_resource {
            plan(planning, base, out, notes);
        }
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(follow_up(f.runner, f.resources, f.resource, f.steps))
    }
}

pub fn plan(p: &Planning, base: &Case, out: &mut Vec<Case>, notes: &mut Vec<String>) {
    if Some(&base.operation) != p.resources.update.as_ref() {
        return;
    }
    if p.op.method == generator::model::Method::Put {
        // RFC 9110 section 9.3.4: a PUT replaces the resource with what it carries, so a
        // field it leaves out may well change.
        notes.push(format!(
            "{}: a partial update is not judged: a PUT replaces the whole resource",
            base.operation
        ));
        return;
    }
    let Some(update_ty) = p.op.body.as_ref().map(|b| &b.ty) else {
        return;
    };
    let Some(fields) = p.api.struct_of(&update_ty.ty) else {
        return;
    };
    let create_body = distinctive_create_body(p);
    let linked: Vec<&str> = base.body_links.iter().map(|(f, _)| f.as_str()).collect();
    let Some((required, sent_alongside)) = required_fields(p, base, fields, create_body.as_ref(), &linked, notes)
    else {
        return;
    };
    // A required field is in every update: sending it alone is not a partial update.
    let updatable = fields
        .fields
        .iter()
        .filter(|f| !f.required && !f.read_only && !linked.contains(&f.wire_name.as_str()));
    // Linked fields are filled at run time; the valid request's values stand in for them
    // when a body is checked here.
    let mut probe = required.clone();
    if let RequestBody::Json(Value::Object(b)) = &base.body {
        for name in &linked {
            if let Some(v) = b.get(*name) {
                probe.insert((*name).to_owned(), v.clone());
            }
        }
    }
    for field in updatable {
        let current = create_body.as_ref().and_then(|b| b.get(&field.wire_name));
        let mut body = Value::Object(probe.clone());
        let Some(value) = candidates(p, field).into_iter().find(|v| {
            body[field.wire_name.as_str()] = v.clone();
            Some(v) != current && p.sampler.is_valid(&update_ty.ty, &body)
        }) else {
            notes.push(format!(
                "{}: no partial-update case for `{}`: no valid value unlike the resource's",
                base.operation, field.wire_name
            ));
            continue;
        };
        let alongside = if sent_alongside.is_empty() {
            String::new()
        } else {
            format!(" (with {})", sent_alongside.join(", "))
        };
        let mut case = case(
            base,
            &format!("stateful.partial_update.{}", field.wire_name),
            format!("only {}{alongside} sent, then read back", field.wire_name),
            Scenario::PartialUpdate(PartialUpdate {
                field: field.wire_name.clone(),
                sent_alongside: sent_alongside.clone(),
                write_only: field.write_only,
                create_body: create_body.clone(),
            }),
            Auth::Primary,
            Expect::Accepted,
        );
        case.body = RequestBody::Json(Value::Object(required.clone()));
        case.edit = Some(Edit {
            path: vec![field.wire_name.clone()],
            value: Some(value),
            raw: None,
            default: None,
        });
        out.push(case);
    }
}

/// The fields every update must send, with their values on the resource so that they do not
/// change; one the resource does not show goes as the valid request has it, and is named in
/// the second list. `None` (with a note) when one has no value.
fn required_fields(
    p: &Planning,
    base: &Case,
    fields: &generator::model::Struct,
    create_body: Option<&Value>,
    linked: &[&str],
    notes: &mut Vec<String>,
) -> Option<(serde_json::Map<String, Value>, Vec<String>)> {
    let mut required = serde_json::Map::new();
    let mut sent_alongside = Vec::new();
    for field in fields
        .fields
        .iter()
        .filter(|f| f.required && !linked.contains(&f.wire_name.as_str()))
    {
        let current = create_body
            .and_then(|b| b.get(&field.wire_name))
            .filter(|v| p.sampler.is_valid(&field.ty.ty, v));
        let value = match (current, &base.body) {
            (Some(v), _) => v.clone(),
            (None, RequestBody::Json(b)) if b.get(&field.wire_name).is_some() => {
                sent_alongside.push(field.wire_name.clone());
                b[field.wire_name.as_str()].clone()
            }
            _ => {
                notes.push(format!(
                    "{}: no partial-update cases: no value for its required field `{}`",
                    base.operation, field.wire_name
                ));
                return None;
            }
        };
        required.insert(field.wire_name.clone(), value);
    }
    Some((required, sent_alongside))
}

/// The run's create body with every optional field the create takes set to a distinctive
/// valid value, one field at a time, each kept only if the whole body stays valid.
fn distinctive_create_body(p: &Planning) -> Option<Value> {
    let mut body = p.resources.create_body.clone()?;
    let create_ty = &p.api.operation(&p.resources.create)?.body.as_ref()?.ty;
    let Some(fields) = p.api.struct_of(&create_ty.ty) else {
        return Some(body);
    };
    for field in fields.fields.iter().filter(|f| !f.read_only) {
        if body.get(&field.wire_name).is_some() {
            continue;
        }
        for value in candidates(p, field) {
            let mut with = body.clone();
            with[field.wire_name.as_str()] = value;
            if p.sampler.is_valid(&create_ty.ty, &with) {
                body = with;
                break;
            }
        }
    }
    Some(body)
}

/// Valid values of a field that a fresh resource is unlikely to have: never null, never
/// empty, never the spec's default; the most distinctive first, and at least two where the
/// type allows two.
fn candidates(p: &Planning, field: &Field) -> Vec<Value> {
    let hint = Hint::of(field);
    let mut out = Vec::new();
    if field.write_only {
        // A secret unlike any other value sent: answers are redacted by value.
        let secret = super::write_only::secret(p.sampler.tag);
        out.push(Value::String(format!("{secret}-updated")));
        out.push(Value::String(secret));
    }
    if let Some(item) = item_type(p, &field.ty.ty) {
        let items = spellings(p, item, Hint::named(&field.wire_name));
        if let [first, second, ..] = items.as_slice() {
            out.push(json!([first, second]));
        }
        out.extend(items.iter().map(|v| json!([v])));
    }
    out.extend(spellings(p, &field.ty.ty, hint));
    out.extend(field.examples.iter().cloned());
    let mut unique: Vec<Value> = Vec::new();
    for v in out {
        let fits = p.sampler.is_valid(&field.ty.ty, &v);
        if fits && !is_empty(&v) && Some(&v) != field.default.as_ref() && !unique.contains(&v) {
            unique.push(v);
        }
    }
    unique
}

/// Values of a type: run-tagged texts first, for strings; else
/// the accepted edges from the last (an enum's last value, an upper bound: the least likely
/// defaults), then the sampler's value.
fn spellings(p: &Planning, ty: &TypeRef, hint: Hint) -> Vec<Value> {
    let mut accepted: Vec<Value> = edges(p.sampler, ty, false, false, hint, Place::Body)
        .into_iter()
        .filter(|e| e.expect == Expect::Accepted)
        .filter_map(|e| e.value)
        .collect();
    accepted.reverse();
    let mut out = Vec::new();
    match p.sampler.value(ty, hint) {
        // Spelled for the field: answers are redacted by value, and a text shared with a
        // secret field would be hidden wherever it appears.
        Some(Value::String(s)) => {
            out.push(Value::String(format!("{s}-{}", hint.name)));
            out.push(Value::String(format!("{s}-{}-updated", hint.name)));
            out.push(Value::String(s));
            out.extend(accepted);
        }
        sample => {
            out.extend(accepted);
            out.extend(sample);
        }
    }
    out.retain(|v| !is_empty(v) && p.sampler.is_valid(ty, v));
    out
}

/// The item type of an array type (plain or constrained).
fn item_type<'a>(p: &'a Planning, ty: &'a TypeRef) -> Option<&'a TypeRef> {
    match p.api.unalias(ty) {
        TypeRef::Array(item) => Some(item),
        TypeRef::Named(id) => match &p.api.type_def(*id).kind {
            TypeKind::Constrained(c) => match p.api.unalias(&c.base) {
                TypeRef::Array(item) => Some(item),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Reads the resource back, where the spec has a read operation (else the update's own
/// answer is compared).
pub async fn follow_up(
    runner: &Runner,
    resources: &Resources,
    resource: Option<&Value>,
    steps: &mut Vec<Step>,
) -> Result<(), CaseError> {
    if resources.get.is_some() {
        steps.push(super::read_back(runner, resources, resource, StepKind::ReadBack, Auth::Primary).await?);
    }
    Ok(())
}

/// `partial_update_preserves`.
pub fn judge(ctx: &Context) -> Option<Outcome> {
    let Some(Scenario::PartialUpdate(update)) = &ctx.case.stateful else {
        return None;
    };
    if !(200..300).contains(&ctx.received.status) {
        return None;
    }
    let read_back = ctx.exchange.steps.iter().any(|s| s.kind == StepKind::ReadBack);
    let after = if read_back {
        answer(ctx.exchange, StepKind::ReadBack).and_then(|r| r.json.as_ref())
    } else {
        ctx.received.json.as_ref()
    };
    let (Some(before), Some(after)) = (ctx.exchange.resource.as_ref(), after) else {
        return verdict(ctx, false, || {
            "nothing to compare: no resource, or a read-back that is not JSON".into()
        });
    };
    let field = &update.field;
    let mut changed = Vec::new();
    differences(before, after, update.create_body.as_ref(), "", &mut changed);
    let mut problems: Vec<String> = Vec::new();
    let unexpected: Vec<&str> = changed
        .iter()
        .map(String::as_str)
        .filter(|path| {
            // The field itself, and what is inside it (a map's entries), changes as sent.
            let in_field = pointer::last(path).as_deref() == Some(field.as_str())
                || path.split('/').any(|segment| segment == field.as_str());
            !in_field && !crate::habits::changes_on_every_write(path)
        })
        .collect();
    if !unexpected.is_empty() {
        problems.push(format!(
            "sending only `{field}` also changed (or dropped) {}",
            unexpected.join(", ")
        ));
    }
    let sent = ctx.case.edit.as_ref().and_then(|e| e.value.as_ref());
    if let (false, Some(sent), Some(got)) = (
        update.write_only,
        sent,
        crate::habits::in_envelope(after, &pointer::from_segments(std::slice::from_ref(field))),
    ) && !same(sent, got)
    {
        problems.push(format!("`{field}` was sent as {sent}, reading it back gives {got}"));
    }
    verdict(ctx, problems.is_empty(), || problems.join("\n"))
}

/// The JSON pointers at which `a` and `b` hold different values, and those of the keys the
/// client itself set (`sent`, the create body, where it has one) that `b` no longer has: a
/// server that drops a field it was not asked to change changed it. A key shown on one side
/// only that the client never sent (a secret shown at creation alone) is no change.
fn differences(a: &Value, b: &Value, sent: Option<&Value>, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, p) in x {
                let sent_here = sent.and_then(|s| s.get(key));
                match y.get(key) {
                    Some(q) => differences(p, q, sent_here, &pointer::join(at, key), out),
                    None if sent_here.is_some() => out.push(pointer::join(at, key)),
                    None => {}
                }
            }
        }
        _ if a != b => out.push(at.to_owned()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_paths() {
        let mut out = Vec::new();
        differences(
            &json!({"a": 1, "b": {"c": 2}}),
            &json!({"a": 1, "b": {"c": 3}, "d": 0}),
            None,
            "",
            &mut out,
        );
        assert_eq!(out, ["/b/c"]);
    }

    #[test]
    fn a_field_the_client_set_that_is_gone_is_a_change() {
        let mut out = Vec::new();
        let before = json!({"id": "w1", "events": ["a"], "secret": "whsec_x", "inner": {"k": 1}});
        let after = json!({"id": "w1", "inner": {}});
        let sent = json!({"events": ["a"], "inner": {"k": 1}});
        differences(&before, &after, Some(&sent), "", &mut out);
        // The secret was never sent: shown at creation alone, it is no change.
        assert_eq!(out, ["/events", "/inner/k"]);
    }
}
