//! The case plan: every edge case a spec implies, each with a stable name, the request it
//! sends and what the spec expects. Derived from the generator's model of the spec, so the
//! runner tests exactly what the generated servers validate.

pub mod edges;
pub mod fuzz;
mod pattern;
pub mod safety;
pub mod values;

use codegen_runtime::formats::Format;
use codegen_runtime::style::{self, Raw, Written};
use generator::model::{Api, Media, Operation, ParamLocation, Parameter, Struct, TypeKind, TypeRef};
use serde_json::{Map, Value, json};

use edges::{Edge, Place, edges};
use values::{Hint, Sampler};

mod case;
mod resources;
mod stateful;
#[cfg(test)]
mod tests;

pub use case::{
    Auth, Case, Edit, Expect, MULTIPART_BOUNDARY, Param, ParamValue, RequestBody, Spelling, documents_refusal, twin_of,
    valid_name,
};
pub use resources::{
    Resources, TAG_PREFIX, carries_tag, kind_of, response_pointer, tagged_at, tagged_paths, wire_text,
};
use resources::{base_request, kinds};
pub use stateful::{DeliveryKind, NoStateful, PartialUpdate, PlanStateful, Planning, Scenario, create_body};

/// Everything a run needs: the model, the cases, and what could not be planned.
#[derive(Debug, Clone)]
pub struct Plan {
    pub api: Api,
    pub tag: String,
    pub cases: Vec<Case>,
    /// Every kind of resource the run makes for itself, those it can delete first.
    pub resources: Vec<Resources>,
    /// Why something was not planned (no valid value for a pattern, ...): shown, never silent.
    pub notes: Vec<String>,
    /// What a person must know before anything is sent (cases left out because what they
    /// would create could not be removed); also among the notes.
    pub warnings: Vec<String>,
    /// Ids made up for "unknown id" cases (fresh random UUIDs): they name nothing, and are
    /// redacted like the tag.
    pub unknown_ids: Vec<String>,
}

impl Plan {
    /// `operation`'s valid request, where the plan holds it.
    pub fn valid_request(&self, operation: &str) -> Option<&Case> {
        let name = valid_name(operation);
        self.cases.iter().find(|c| c.name == name)
    }

    /// The kind of resource `operation` creates or acts on.
    pub fn kind_of(&self, operation: &str) -> Option<&Resources> {
        kind_of(&self.resources, operation)
    }
}

/// What a run may touch on the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Safety {
    /// Only GET, HEAD, OPTIONS and QUERY are sent (`--read-only`).
    pub read_only: bool,
    /// Cases that create what the run cannot delete are sent anyway (`--allow-leftovers`).
    pub allow_leftovers: bool,
}

/// Plans every case of `api`, the stateful ones as `stateful` plans them; `tag` marks what
/// the run creates.
pub fn plan(api: &Api, tag: &str, operations: &[String], stateful: &dyn PlanStateful) -> Plan {
    plan_with(api, tag, operations, Safety::default(), stateful)
}

/// Plans every case of `api` that `safety` allows: every request that changes or deletes
/// goes to a resource the run made (or to an id that cannot exist), and no case creates
/// what the run cannot remove unless `allow_leftovers` says so.
pub fn plan_with(api: &Api, tag: &str, operations: &[String], safety: Safety, stateful: &dyn PlanStateful) -> Plan {
    let sampler = Sampler { api, tag };
    let mut notes = Vec::new();
    let resources = if safety.read_only {
        Vec::new()
    } else {
        kinds(api, &sampler, &mut notes)
    };
    let mut unknown_ids = Vec::new();
    let mut cases = Vec::new();
    for op in &api.operations {
        if !operations.is_empty() && !operations.contains(&op.operation_id) {
            continue;
        }
        let mut planner = Planner {
            api,
            sampler: &sampler,
            resources: kind_of(&resources, &op.operation_id),
            op,
            notes: &mut notes,
            unknown_ids: &mut unknown_ids,
            stateful,
        };
        if let Some(mut list) = planner.cases() {
            cases.append(&mut list);
        }
    }
    let probes = method_probes(api, &cases, &mut notes);
    cases.extend(probes);
    for op in &api.operations {
        refusal_gaps(op, &cases, &mut notes);
    }
    let warnings = safety::keep_safe(api, &resources, safety, &unknown_ids, &mut cases, &mut notes);
    Plan {
        api: api.clone(),
        tag: tag.to_owned(),
        cases,
        resources,
        notes,
        warnings,
        unknown_ids,
    }
}

struct Planner<'a, 'n> {
    api: &'a Api,
    sampler: &'a Sampler<'a>,
    resources: Option<&'a Resources>,
    op: &'a Operation,
    notes: &'n mut Vec<String>,
    unknown_ids: &'n mut Vec<String>,
    stateful: &'n dyn PlanStateful,
}

impl Planner<'_, '_> {
    fn cases(&mut self) -> Option<Vec<Case>> {
        let op = self.op;
        if let Some(body) = op.body.as_ref().filter(|b| matches!(b.media, Media::Sequence(_))) {
            self.notes.push(format!(
                "{}: not tested: its request body is a sequence ({}), which the runner does not send",
                op.operation_id,
                body.media.content_type()
            ));
            return None;
        }
        let link = self.resources.and_then(|r| r.link_to(&op.operation_id)).cloned();
        let (body, params) = match base_request(self.sampler, op, link.as_ref()) {
            Ok(base) => base,
            Err(why) => {
                self.notes.push(format!("{}: not tested: {why}", op.operation_id));
                return None;
            }
        };
        // What a POST on a collection may create carries the run tag, in an optional field
        // where no required one takes it.
        let body = match body {
            Some(mut b) if op.method == generator::model::Method::Post && link.is_none() => {
                resources::with_tag(self.api, self.sampler, op, &mut b);
                Some(b)
            }
            other => other,
        };
        let needs_resource = link.is_some();
        let base = Case {
            name: valid_name(&op.operation_id),
            operation: op.operation_id.clone(),
            method: op.method.clone(),
            path: op.path.clone(),
            varied: "nothing: the valid request".into(),
            auth: Auth::Primary,
            params,
            body: body.clone().map_or(RequestBody::None, RequestBody::Json),
            body_links: link.as_ref().map(|l| l.request_body.clone()).unwrap_or_default(),
            edit: None,
            expect: Expect::Accepted,
            needs_resource,
            may_be_missing: !needs_resource && op.parameters.iter().any(|p| p.location == ParamLocation::Path),
            stateful: None,
            fuzzed: None,
        };
        let mut out = vec![base.clone()];
        let variant = |suffix: &str, varied: String, expect: Expect| Case {
            name: format!("{}.{suffix}", op.operation_id),
            varied,
            expect,
            ..base.clone()
        };

        out.extend(auth_cases(op, &variant));

        for p in &op.parameters {
            self.parameter_cases(p, &base, &variant, &mut out);
        }
        if let (Some(b), Some(body)) = (&op.body, &body) {
            self.body_cases(b, body, !base.body_links.is_empty(), &variant, &mut out);
        }

        if let Some(resources) = self.resources {
            let planning = Planning {
                api: self.api,
                sampler: self.sampler,
                resources,
                op,
            };
            self.stateful.plan(&planning, &base, &mut out, self.notes);
        }
        Some(out)
    }

    /// The cases of parameter `p`: a linked path id's bad format and unknown id, else each
    /// edge of its schema (read back as the server reads it before it is planned), and the
    /// edges of an object parameter's properties.
    fn parameter_cases(
        &mut self,
        p: &Parameter,
        base: &Case,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let op = self.op;
        let linked = base
            .params
            .iter()
            .any(|b| b.name == p.name && matches!(b.value, ParamValue::Linked(_)));
        if linked && p.location == ParamLocation::Path {
            let expression = base.params.iter().find_map(|b| match &b.value {
                ParamValue::Linked(e) if b.name == p.name => Some(e.clone()),
                _ => None,
            });
            let uuid = format_of(self.api, &p.ty.ty) == Some(Format::Uuid);
            let spellings = [
                (uuid, Spelling::UpperCase, "upper_case", "in upper case: the same UUID"),
                (
                    true,
                    Spelling::PercentEncoded,
                    "percent_encoded",
                    "with its first letter or digit percent-encoded: the same id",
                ),
            ];
            for (applies, spelling, suffix, what) in spellings {
                let Some(expression) = expression.clone().filter(|_| applies) else {
                    continue;
                };
                let mut case = variant(
                    &format!("path.{}.{suffix}", p.name),
                    format!("path {} {what}", p.name),
                    Expect::Accepted,
                );
                let value = ParamValue::Respelt { expression, spelling };
                set_param(&mut case.params, p.location, &p.name, Some(value));
                out.push(case);
            }
            if let Some(bad) = bad_format(self.api, &p.ty.ty) {
                let mut case = variant(
                    &format!("path.{}.bad_format", p.name),
                    format!("path {} = {bad:?}", p.name),
                    Expect::Rejected,
                );
                set_param(&mut case.params, p.location, &p.name, Some(ParamValue::Text(bad)));
                out.push(case);
            }
            if self.sampler.value(&p.ty.ty, Hint::named(&p.name)).is_some() {
                // An id no server holds: a fresh random UUID where the format asks for
                // one, else text that carries the run tag. Never a fixed sample, which
                // real data may use.
                let unknown = if format_of(self.api, &p.ty.ty) == Some(Format::Uuid) {
                    let id = random_uuid();
                    self.unknown_ids.push(id.clone());
                    id
                } else {
                    format!("conformance-unknown-{}", self.sampler.tag)
                };
                // Tagged text for an integer id is refused by its type before any
                // lookup: any 4xx is right then (swagger-petstore3 answers 400).
                let expect = if self.sampler.is_valid(&p.ty.ty, &Value::String(unknown.clone())) {
                    Expect::NotFound
                } else {
                    Expect::Rejected
                };
                let mut case = variant(
                    &format!("path.{}.unknown", p.name),
                    format!("path {} names nothing", p.name),
                    expect,
                );
                set_param(&mut case.params, p.location, &p.name, Some(ParamValue::Text(unknown)));
                out.push(case);
            }
            return;
        }
        if linked {
            return;
        }
        if p.location == ParamLocation::Header && CLIENT_HEADERS.contains(&p.name.to_ascii_lowercase().as_str()) {
            self.notes.push(format!(
                "{}: header {} is not varied: the HTTP client writes it from the request itself",
                op.operation_id, p.name
            ));
            return;
        }
        let hint = Hint {
            name: &p.name,
            examples: &[],
            default: p.default.as_ref(),
        };
        // The bracket form carries arrays and objects as they are: a body's edges, each kept
        // below only where it reads back as planned.
        let place = if nested(p) { Place::Body } else { Place::Parameter };
        for edge in edges(self.sampler, &p.ty.ty, false, p.required, hint, place) {
            // A path parameter cannot be left out or empty: without its segment the
            // request names another route (`/pets/` is the collection), and the literal
            // `{petId}` is a valid id for a string parameter.
            let no_segment = edge.value.as_ref().is_none_or(|v| {
                style::write(p.serialization, p.location.to_style(), &p.name, v) == Written::Text(String::new())
            });
            if p.location == ParamLocation::Path && no_segment {
                continue;
            }
            let mut case = variant(
                &format!("{}.{}.{}", p.location.as_str(), p.name, edge.name),
                describe(&p.name, &edge),
                edge.expect,
            );
            set_param(
                &mut case.params,
                p.location,
                &p.name,
                edge.value.as_ref().map(ParamValue::of),
            );
            let arrives = !(is_checked(self.api, &p.ty.ty) || carried_as_text(p.location))
                || edge
                    .value
                    .as_ref()
                    .is_none_or(|v| self.arrives_as_planned(&case, p, v, None));
            if arrives && self.param_edge_is_sound(&case, p, &edge) {
                out.push(case);
            }
        }
        self.property_cases(p, base, variant, out);
        self.item_property_cases(p, base, variant, out);
    }

    /// The cases of the body `b` (valid as `body`): field by field, then as a whole (not
    /// JSON, another content type, not an object, missing).
    fn body_cases(
        &mut self,
        b: &generator::model::Body,
        body: &Value,
        linked: bool,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        self.field_cases(&b.ty.ty, body, &[], variant, out, 0);
        self.root_array_cases(b, variant, out);
        let json_type = b.media.content_type().to_owned();
        let sent = body.to_string();
        match b.media {
            // A form body has no syntax to break: any text is some fields.
            Media::Form => {}
            Media::Multipart => {
                let boundary = MULTIPART_BOUNDARY;
                let whole = style::multipart_text(&style::write_fields(body, &b.fields), boundary);
                out.push(Case {
                    body: RequestBody::Raw {
                        content_type: format!("multipart/form-data; boundary={boundary}"),
                        text: whole.replace(&format!("--{boundary}--\r\n"), ""),
                    },
                    ..variant(
                        "body.malformed_multipart",
                        "the multipart body without its closing boundary".into(),
                        Expect::Rejected,
                    )
                });
            }
            _ => out.push(Case {
                body: RequestBody::Raw {
                    content_type: json_type.clone(),
                    text: format!("{{\"conformance\": {}", &sent[..sent.len().min(1)]),
                },
                ..variant(
                    "body.malformed_json",
                    "a body that is not JSON".into(),
                    Expect::Rejected,
                )
            }),
        }
        out.push(Case {
            body: RequestBody::Raw {
                content_type: "text/plain".into(),
                text: sent,
            },
            ..variant(
                "body.wrong_content_type",
                "the valid body sent as text/plain".into(),
                Expect::Rejected,
            )
        });
        if matches!(b.media, Media::Json(_))
            && matches!(self.api.unalias(&b.ty.ty), TypeRef::Named(id) if matches!(self.api.type_def(*id).kind, TypeKind::Struct(_)))
        {
            out.push(Case {
                body: RequestBody::Json(json!([])),
                body_links: vec![],
                ..variant("body.not_an_object", "the body is []".into(), Expect::Rejected)
            });
        }
        if b.required {
            out.push(Case {
                body: RequestBody::None,
                body_links: vec![],
                ..variant("body.missing", "no body".into(), Expect::Rejected)
            });
        }
        if matches!(b.media, Media::Json(_)) {
            self.shape_cases(b, body, linked, variant, out);
        }
    }

    /// The edges of a body that is an array (its count, its items' types, `[null]`), each
    /// checked by the validator: a field has none to vary.
    fn root_array_cases(
        &mut self,
        b: &generator::model::Body,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let is_array = |ty: &TypeRef| match self.api.unalias(ty) {
            TypeRef::Array(_) => true,
            TypeRef::Named(id) => matches!(&self.api.type_def(*id).kind, TypeKind::Constrained(c)
                if matches!(self.api.unalias(&c.base), TypeRef::Array(_))),
            _ => false,
        };
        if !matches!(b.media, Media::Json(_)) || !is_array(&b.ty.ty) {
            return;
        }
        for edge in edges(
            self.sampler,
            &b.ty.ty,
            b.ty.nullable,
            true,
            Hint::default(),
            Place::Body,
        ) {
            let Some(value) = edge.value else { continue };
            let valid = generator::model::validate::validate(self.api, &b.ty, &value).is_empty();
            let sound = match edge.expect {
                Expect::Accepted => valid,
                Expect::Rejected => !valid,
                _ => true,
            };
            if !sound {
                self.notes.push(format!(
                    "{}.body.{}: the spec does not decide this case; left out",
                    self.op.operation_id, edge.name
                ));
                continue;
            }
            out.push(Case {
                body: RequestBody::Json(value.clone()),
                ..variant(
                    &format!("body.{}", edge.name),
                    format!("the body is {}", short(&value)),
                    edge.expect,
                )
            });
        }
    }

    /// The shapes of a JSON body servers choke on, each valid by the spec: `{}` where every
    /// field is optional, a key given twice (JSON says names should be unique, not must: any
    /// answer but a 5xx), a body far larger than any example (any answer but a 5xx; a 413
    /// only where documented). Bodies a case completes from its resource are left alone.
    fn shape_cases(
        &mut self,
        b: &generator::model::Body,
        body: &Value,
        linked: bool,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let Some(object) = body.as_object().filter(|_| !linked) else {
            return;
        };
        let valid = |v: &Value| generator::model::validate::validate(self.api, &b.ty, v).is_empty();
        if !object.is_empty() && valid(&json!({})) {
            out.push(Case {
                body: RequestBody::Json(json!({})),
                ..variant(
                    "body.empty_object",
                    "the body is {}: every field is optional".into(),
                    Expect::Accepted,
                )
            });
        }
        if let Some((key, value)) = object.iter().next() {
            let text = body.to_string();
            let twice = format!("{{{}:{value},{}", Value::String(key.clone()), &text[1..]);
            out.push(Case {
                body: RequestBody::Raw {
                    content_type: b.media.content_type().to_owned(),
                    text: twice,
                },
                ..variant(
                    "body.duplicate_key",
                    format!("the key `{key}` given twice, with the same value"),
                    Expect::Either,
                )
            });
        }
        // The first top-level text no rule bounds, and that does not carry the run's tag.
        let TypeRef::Named(id) = self.api.unalias(&b.ty.ty) else {
            return;
        };
        let TypeKind::Struct(s) = &self.api.type_def(*id).kind else {
            return;
        };
        let unbounded = |ty: &TypeRef| match self.api.unalias(ty) {
            TypeRef::String => true,
            TypeRef::Named(id) => matches!(&self.api.type_def(*id).kind, TypeKind::Constrained(c)
                if matches!(self.api.unalias(&c.base), TypeRef::String)
                    && c.rules.max_length.is_none() && c.rules.pattern.is_none() && c.rules.format.is_none()),
            _ => false,
        };
        let free = s.fields.iter().find(|f| {
            !f.read_only
                && unbounded(&f.ty.ty)
                && object
                    .get(&f.wire_name)
                    .is_none_or(|v| !v.as_str().is_some_and(|t| t.contains(self.sampler.tag)))
        });
        if let Some(field) = free {
            let mut large = body.clone();
            large[field.wire_name.as_str()] = Value::String("conformance ".repeat(LARGE_TEXT / 12));
            if valid(&large) {
                out.push(Case {
                    body: RequestBody::Json(large),
                    ..variant(
                        "body.large",
                        format!("{} holds {} KiB of text", field.wire_name, LARGE_TEXT >> 10),
                        Expect::Either,
                    )
                });
            }
        }
    }

    /// The edges of each body field (recursing into objects), each checked against the
    /// spec once more so that no case expects what the spec does not say. `body` is the
    /// whole body with every object on `path` complete (its required fields filled), and
    /// every case carries it: an edge deep inside is the only thing wrong with its request.
    fn field_cases(
        &mut self,
        ty: &TypeRef,
        body: &Value,
        path: &[String],
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
        depth: usize,
    ) {
        let TypeRef::Named(id) = self.api.unalias(ty) else {
            return;
        };
        let TypeKind::Struct(s) = &self.api.type_def(*id).kind else {
            return;
        };
        if depth > 3 {
            return;
        }
        if let Some(edge) = edges::unknown_property(s) {
            let mut at = path.to_vec();
            at.push(edges::UNKNOWN_PROPERTY.to_owned());
            let owner = if path.is_empty() {
                "body".to_owned()
            } else {
                path.join(".")
            };
            let name = format!("{owner}.{}", edge.name);
            let varied = format!("{owner} has a property the schema does not declare");
            self.push_body_edge(body, at, edge, None, &name, varied, variant, out);
        }
        self.count_cases(s, body, path, variant, out);
        for field in &s.fields {
            if field.read_only {
                continue;
            }
            let mut at = path.to_vec();
            at.push(field.wire_name.clone());
            let dotted = at.join(".");
            for edge in field_edges(self.sampler, field, Place::Body) {
                let name = format!("{dotted}.{}", edge.name);
                let varied = describe(&dotted, &edge);
                let default = if edge.value.is_none() {
                    field.default.clone()
                } else {
                    None
                };
                self.push_body_edge(body, at.clone(), edge, default, &name, varied, variant, out);
            }
            if let Some(inner) = body
                .pointer(&codegen_runtime::pointer::from_segments(&at))
                .cloned()
                .or_else(|| self.sampler.value(&field.ty.ty, Hint::of(field)))
                && inner.is_object()
            {
                let mut with_inner = body.clone();
                apply(&mut with_inner, &at, Some(inner));
                self.field_cases(&field.ty.ty, &with_inner, &at, variant, out, depth + 1);
            }
        }
    }

    /// One body edge at `at`: the case carries `body` and the edit, and is kept only where
    /// the spec, asked once more about the edited body, agrees with the edge's expectation.
    #[allow(clippy::too_many_arguments)]
    fn push_body_edge(
        &mut self,
        body: &Value,
        at: Vec<String>,
        edge: Edge,
        default: Option<Value>,
        name: &str,
        varied: String,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let mut case = variant(name, varied, edge.expect);
        case.body = RequestBody::Json(body.clone());
        let mut edited = body.clone();
        apply(&mut edited, &at, edge.value.clone());
        if let Some(b) = self.op.body.as_ref().filter(|b| !b.required)
            && matches!(b.media, Media::Form | Media::Multipart)
            && style::write_fields(&edited, &b.fields).is_empty()
        {
            // An empty form body cannot be told from no body, which the spec allows.
            self.notes.push(format!(
                "{}: the form body would have no field left, which reads as no body (and the spec allows none); left out",
                case.name
            ));
            return;
        }
        let fits = self.body_fits(edited);
        // A linked field is filled at run time: the plan cannot judge it.
        let linked = case.body_links.iter().any(|(f, _)| f == &at[0]);
        case.edit = Some(Edit {
            path: at,
            value: edge.value,
            raw: edge.raw,
            default,
        });
        match (edge.expect, fits) {
            (Expect::Accepted | Expect::Either, true) | (Expect::Rejected, false) => out.push(case),
            _ if linked => out.push(case),
            _ => self
                .notes
                .push(format!("{}: the spec does not decide this case; left out", case.name)),
        }
    }

    /// Whether the spec admits `sent` as the operation's body, as the server reads it: a
    /// form or multipart body as the fields the runner writes (a `null` is empty text there).
    fn body_fits(&self, sent: Value) -> bool {
        let Some(b) = &self.op.body else {
            return true;
        };
        let read = if matches!(b.media, Media::Form | Media::Multipart) {
            let pairs: Vec<(String, String)> = style::write_fields(&sent, &b.fields)
                .into_iter()
                .map(|f| (f.name, f.text))
                .collect();
            style::read_fields(&pairs, &b.fields).unwrap_or(Value::Null)
        } else {
            sent
        };
        // Not the body's flag: the edits judged here are inside the body (or make a whole
        // object), so the body itself is never `null`; a `null` here is a form the server
        // cannot read, which a nullable body must not make fit.
        let whole = generator::model::TypeUse::non_null(b.ty.ty.clone());
        generator::model::validate::validate(self.api, &whole, &read).is_empty()
    }

    /// The `minProperties`/`maxProperties` edges of the struct `s` at `path` of `body`: each
    /// bound and one past it, made of the struct's own properties (required ones, and at the
    /// root the fields the run links, first), then made-up keys where it admits unknown
    /// ones. The case sends the whole body so changed: an edit would have the answer echo
    /// the object exactly. Accepted or rejected as the validator judges the body.
    fn count_cases(
        &mut self,
        s: &Struct,
        body: &Value,
        path: &[String],
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let counts = edges::property_counts(s.min_properties, s.max_properties);
        if counts.is_empty() {
            return;
        }
        let owner = if path.is_empty() {
            "body".to_owned()
        } else {
            path.join(".")
        };
        let current = body
            .pointer(&codegen_runtime::pointer::from_segments(path))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // The fields the run fills from its resource are sent whatever the object holds:
        // they stay, or the count would change on the way.
        let linked: Vec<String> = self
            .resources
            .and_then(|r| r.link_to(&self.op.operation_id))
            .filter(|_| path.is_empty())
            .map(|l| l.request_body.iter().map(|(f, _)| f.clone()).collect())
            .unwrap_or_default();
        let rank = |key: &str, required: bool| {
            if linked.iter().any(|l| l == key) {
                0
            } else if required {
                1
            } else {
                2
            }
        };
        // Every property the body may carry, with a value: the object's own, else a sample.
        let mut own: Vec<(String, Value, u8)> = Vec::new();
        for field in s.fields.iter().filter(|f| !f.read_only) {
            let value = current
                .get(&field.wire_name)
                .cloned()
                .or_else(|| self.sampler.value(&field.ty.ty, Hint::of(field)));
            if let Some(value) = value {
                own.push((field.wire_name.clone(), value, rank(&field.wire_name, field.required)));
            }
        }
        for (key, value) in &current {
            if !own.iter().any(|(k, _, _)| k == key) {
                own.push((key.clone(), value.clone(), rank(key, false)));
            }
        }
        own.sort_by_key(|(_, _, rank)| *rank);
        let keep = own.iter().filter(|(_, _, rank)| *rank < 2).count();
        let own: Vec<(String, Value)> = own.into_iter().map(|(k, v, _)| (k, v)).collect();
        let extra = self.sampler.extra_key_value(s, 0);
        for (edge, n) in counts {
            let name = format!("{owner}.{edge}");
            let count = if n == 1 {
                "1 property".to_owned()
            } else {
                format!("{n} properties")
            };
            let Some(object) = edges::sized(&own, keep, n, extra.as_ref()) else {
                let why = if (n as usize) < keep {
                    "it would leave out a required property"
                } else {
                    "the object refuses the keys it would take"
                };
                self.notes.push(format!(
                    "{}.{name}: {count} cannot be sent: {why}; left out",
                    self.op.operation_id
                ));
                continue;
            };
            // Made-up keys where the schema says nothing of them: valid, but servers that
            // refuse unknown keys are common and not wrong (as `unknown_property`).
            let made_up = object.len() > own.len() && s.additional.is_none();
            let mut sent = body.clone();
            if path.is_empty() {
                sent = Value::Object(object);
            } else {
                apply(&mut sent, path, Some(Value::Object(object)));
            }
            let expect = match (self.body_fits(sent.clone()), made_up) {
                (true, false) => Expect::Accepted,
                (true, true) => Expect::Either,
                (false, _) => Expect::Rejected,
            };
            out.push(Case {
                body: RequestBody::Json(sent),
                ..variant(&name, format!("{owner} has {count}"), expect)
            });
        }
    }

    /// Whether `value`, written in `p`'s style, is read back by the server as the very value
    /// planned (at `property` of it, for an object's property): a checked value's edge names
    /// what it tests, and one that does not survive the wire (`1.5` for a string parameter
    /// is read as the text "1.5", an object is no primitive) would test something else.
    fn arrives_as_planned(&mut self, case: &Case, p: &Parameter, value: &Value, property: Option<&str>) -> bool {
        let read = as_read(p, value);
        let arrives = match property {
            None => read.as_ref() == Some(value),
            Some(key) => read.as_ref().and_then(|r| r.get(key)) == value.get(key),
        };
        if !arrives {
            self.notes.push(format!(
                "{}: {} cannot be written as the parameter's {} (the server would read {}); left out",
                case.name,
                short(property.and_then(|k| value.get(k)).unwrap_or(value)),
                p.serialization,
                read.map_or("nothing".to_owned(), |r| short(
                    property.and_then(|k| r.get(k)).unwrap_or(&r)
                ))
            ));
        }
        arrives
    }

    fn param_edge_is_sound(&mut self, case: &Case, p: &Parameter, edge: &Edge) -> bool {
        let Some(value) = &edge.value else { return true };
        // Parameters arrive as text: an accepted edge must read back to a valid value.
        // The parameter's own use: a parameter arrives as text and never reads as `null`
        // (`style::read`), so its flag decides nothing here.
        let fits = as_read(p, value)
            .is_some_and(|read| generator::model::validate::validate(self.api, &p.ty, &read).is_empty());
        let sound = matches!(edge.expect, Expect::Accepted | Expect::Either) == fits;
        if !sound {
            self.notes
                .push(format!("{}: the spec does not decide this case; left out", case.name));
        }
        sound
    }
}

impl Planner<'_, '_> {
    /// The edges of each property of an object parameter (a deepObject's `time[start]`),
    /// the other properties as in the valid value.
    fn property_cases(
        &mut self,
        p: &Parameter,
        base: &Case,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let Some(s) = self.api.struct_of(&p.ty.ty) else {
            return;
        };
        let Some(object) = self.planned_value(base, p) else {
            return;
        };
        for field in s.fields.iter().filter(|f| !f.read_only) {
            for edge in field_edges(self.sampler, field, Place::Parameter) {
                let mut value = object.clone();
                apply(&mut value, std::slice::from_ref(&field.wire_name), edge.value.clone());
                let dotted = format!("{}.{}", p.name, field.wire_name);
                let (case, whole) = structured_case(p, &dotted, &edge, &value, variant);
                let arrives = !(is_checked(self.api, &field.ty.ty) || carried_as_text(p.location))
                    || edge.value.is_none()
                    || self.arrives_as_planned(&case, p, &value, Some(&field.wire_name));
                if arrives && self.param_edge_is_sound(&case, p, &whole) {
                    out.push(case);
                }
            }
        }
        self.parameter_count_cases(p, s, &object, variant, out);
    }

    /// The value of `p` in the valid request `base`, or a sampled one.
    fn planned_value(&self, base: &Case, p: &Parameter) -> Option<Value> {
        base.params
            .iter()
            .find(|b| b.name == p.name && b.location == p.location)
            .and_then(|b| match &b.value {
                ParamValue::Structured(v) => Some(v.clone()),
                _ => None,
            })
            .or_else(|| self.sampler.value(&p.ty.ty, Hint::named(&p.name)))
    }

    /// The edges of each property of the first item of a nested array parameter whose items
    /// are objects (`lines[0][amount]`), written in the bracket form; each kept only where it
    /// reads back as planned and the spec decides it.
    fn item_property_cases(
        &mut self,
        p: &Parameter,
        base: &Case,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let TypeRef::Array(item) = self.api.unalias(&p.ty.ty) else {
            return;
        };
        let (Some(s), true) = (self.api.struct_of(item), nested(p)) else {
            return;
        };
        let Some(Value::Array(items)) = self.planned_value(base, p) else {
            return;
        };
        let Some(first) = items.first().filter(|f| f.is_object()) else {
            return;
        };
        for field in s.fields.iter().filter(|f| !f.read_only) {
            for edge in field_edges(self.sampler, field, Place::Body) {
                let mut one = first.clone();
                apply(&mut one, std::slice::from_ref(&field.wire_name), edge.value.clone());
                let mut value = items.clone();
                value[0] = one;
                let value = Value::Array(value);
                let dotted = format!("{}.0.{}", p.name, field.wire_name);
                let (case, whole) = structured_case(p, &dotted, &edge, &value, variant);
                if self.arrives_as_planned(&case, p, &value, None) && self.param_edge_is_sound(&case, p, &whole) {
                    out.push(case);
                }
            }
        }
    }

    /// The `minProperties`/`maxProperties` edges of an object parameter, made as a body's
    /// are (`count_cases`: its own properties, required ones first, then made-up keys
    /// where it admits them), written in its style and read back before they are planned.
    fn parameter_count_cases(
        &mut self,
        p: &Parameter,
        s: &Struct,
        planned: &Value,
        variant: &dyn Fn(&str, String, Expect) -> Case,
        out: &mut Vec<Case>,
    ) {
        let counts = edges::property_counts(s.min_properties, s.max_properties);
        if counts.is_empty() {
            return;
        }
        let mut own: Vec<(String, Value, bool)> = s
            .fields
            .iter()
            .filter(|f| !f.read_only)
            .filter_map(|f| {
                let value = planned
                    .get(&f.wire_name)
                    .cloned()
                    .or_else(|| self.sampler.value(&f.ty.ty, Hint::of(f)))?;
                Some((f.wire_name.clone(), value, f.required))
            })
            .collect();
        own.sort_by_key(|(_, _, required)| !*required);
        let keep = own.iter().filter(|(_, _, required)| *required).count();
        let own: Vec<(String, Value)> = own.into_iter().map(|(k, v, _)| (k, v)).collect();
        let extra = self.sampler.extra_key_value(s, 0);
        for (edge, n) in counts {
            let name = format!("{}.{}.{edge}", p.location.as_str(), p.name);
            let Some(object) = edges::sized(&own, keep, n, extra.as_ref()) else {
                self.notes.push(format!(
                    "{}.{name}: {n} properties cannot be sent: it would leave out a required property or take keys the object refuses; left out",
                    self.op.operation_id
                ));
                continue;
            };
            let made_up = object.len() > own.len() && s.additional.is_none();
            let value = Value::Object(object);
            let mut case = variant(&name, format!("{} has {n} properties", p.name), Expect::Accepted);
            set_param(
                &mut case.params,
                p.location,
                &p.name,
                Some(ParamValue::Structured(value.clone())),
            );
            if !self.arrives_as_planned(&case, p, &value, None) {
                continue;
            }
            // It arrives as planned, so the server reads `value` itself.
            // The parameter's own use; `value` is an object, so the flag decides nothing.
            let fits = generator::model::validate::validate(self.api, &p.ty, &value).is_empty();
            // Made-up keys where the schema says nothing of them: valid, but servers that
            // refuse unknown keys are not wrong (as `unknown_property`).
            case.expect = match (fits, made_up) {
                (true, false) => Expect::Accepted,
                (true, true) => Expect::Either,
                (false, _) => Expect::Rejected,
            };
            out.push(case);
        }
    }
}

/// The edges of a property of a body or an object parameter.
fn field_edges(sampler: &Sampler, field: &generator::model::Field, place: Place) -> Vec<Edge> {
    edges(
        sampler,
        &field.ty.ty,
        field.ty.nullable,
        field.required,
        Hint::of(field),
        place,
    )
}

/// The case that sends `value` (`edge` made at `dotted` inside it) as parameter `p`, and
/// the edge as the whole parameter's value (what soundness is judged on).
fn structured_case(
    p: &Parameter,
    dotted: &str,
    edge: &Edge,
    value: &Value,
    variant: &dyn Fn(&str, String, Expect) -> Case,
) -> (Case, Edge) {
    let mut case = variant(
        &format!("{}.{dotted}.{}", p.location.as_str(), edge.name),
        describe(dotted, edge),
        edge.expect,
    );
    set_param(
        &mut case.params,
        p.location,
        &p.name,
        Some(ParamValue::Structured(value.clone())),
    );
    let whole = Edge {
        value: Some(value.clone()),
        ..edge.clone()
    };
    (case, whole)
}

/// Whether `p` is written in the bracket form beyond OpenAPI's one level (`lines[0][amount]`).
fn nested(p: &Parameter) -> bool {
    matches!(p.shape, generator::model::ParamShape::Nested(_))
}

/// `value` as a server reads parameter `p` once the runner has written it in the
/// parameter's style: what the spec judges. `None` when it does not read back.
pub fn as_read(p: &Parameter, value: &Value) -> Option<Value> {
    let location = p.location.to_style();
    let written = style::write(p.serialization, location, &p.name, value);
    let pairs: Vec<(String, String)>;
    let raw = match &written {
        Written::Pairs(list) => {
            pairs = list
                .iter()
                .map(|(k, v)| (style::percent_decode(k, true), v.clone()))
                .collect();
            Raw::Pairs(&pairs)
        }
        // A header carries visible ASCII, spaces and tabs (RFC 9110 section 5.5; servers read
        // other bytes as no text) and loses the spaces around it.
        Written::Text(t) if p.location == ParamLocation::Header => {
            if !t.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
                return None;
            }
            Raw::Text(Some(t.trim_matches([' ', '\t'])))
        }
        Written::Text(t) => Raw::Text(Some(t)),
    };
    p.shape
        .with(|shape| style::read(p.serialization, location, &p.name, shape, raw))
        .ok()
        .flatten()
}

/// The credential cases of an operation that needs one: none, and a wrong one; where it
/// lists alternative security requirements, each alone with the valid credential (must be
/// accepted) and with a wrong one (must be refused).
fn auth_cases(op: &Operation, variant: &dyn Fn(&str, String, Expect) -> Case) -> Vec<Case> {
    // An empty alternative (`{}`) makes the credential optional: nothing to refuse.
    if op.security.is_empty() || op.security.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    let mut out = vec![Case {
        auth: Auth::Missing,
        ..variant("auth.none", "no credential".into(), Expect::Unauthorized)
    }];
    if op.security.len() == 1 {
        out.push(Case {
            auth: Auth::Wrong,
            ..variant("auth.wrong", "a wrong credential".into(), Expect::Unauthorized)
        });
        return out;
    }
    for (alternative, schemes) in op.security.iter().enumerate() {
        let name = schemes.join("+");
        out.push(Case {
            auth: Auth::OnlyVia { alternative },
            ..variant(
                &format!("auth.{name}.valid"),
                format!("the credential as {name} alone"),
                Expect::Accepted,
            )
        });
        out.push(Case {
            auth: Auth::WrongVia { alternative },
            ..variant(
                &format!("auth.{name}.wrong"),
                format!("a wrong credential as {name} alone"),
                Expect::Unauthorized,
            )
        });
    }
    out
}

/// The methods a path is probed with when it does not document them; `CONFORMANCE` is one no
/// server knows (Schemathesis' `unsupported_method` probes the same way).
const PROBED_METHODS: [&str; 6] = ["GET", "PUT", "POST", "DELETE", "PATCH", "CONFORMANCE"];

/// Whether a request to `path` could be routed to `template`: as many segments, each equal or
/// a parameter in one of them.
fn may_be_the_same_path(template: &str, path: &str) -> bool {
    let param = |segment: &str| segment.starts_with('{') && segment.ends_with('}');
    let (a, b): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || param(x) || param(y))
}

/// The model's method of that name (a method OpenAPI has no field for is `Other`).
fn method_named(name: &str) -> generator::model::Method {
    generator::model::Method::ALL
        .iter()
        .find(|(field, _)| field.eq_ignore_ascii_case(name))
        .map_or_else(|| generator::model::Method::Other(name.to_owned()), |(_, m)| m.clone())
}

/// Each planned path, sent each method of [`PROBED_METHODS`] it does not document: a path
/// whose item the run makes is probed with all of them (on the run's own resource); a path
/// with no path parameter only with the safe `GET` (an unsafe method could change what the
/// run did not make); any other only with a note.
fn method_probes(api: &Api, cases: &[Case], notes: &mut Vec<String>) -> Vec<Case> {
    let mut probes = Vec::new();
    let mut paths: Vec<&str> = Vec::new();
    for valid in cases.iter().filter(|c| c.is_valid_request()) {
        if paths.contains(&valid.path.as_str()) {
            continue;
        }
        paths.push(&valid.path);
        // A method another path documents, where that path could be this one (`/msg/{id}`
        // beside `/msg/search`), reaches a documented operation: not a probe.
        let documented: Vec<String> = api
            .operations
            .iter()
            .filter(|op| may_be_the_same_path(&op.path, &valid.path))
            .map(|op| op.method.to_http().to_string())
            .collect();
        let has_path_params = valid.path.contains('{');
        let probed = PROBED_METHODS
            .iter()
            .filter(|m| !documented.iter().any(|d| d == *m))
            .filter(|m| valid.needs_resource || (!has_path_params && **m == "GET"));
        if has_path_params && !valid.needs_resource {
            notes.push(format!(
                "{}: undocumented methods not probed: the run makes nothing for it to name",
                valid.path
            ));
        }
        for method in probed {
            probes.push(Case {
                name: format!("{}.method.{}", valid.operation, method.to_ascii_lowercase()),
                method: method_named(method),
                varied: format!("{method} {}, which the spec does not document", valid.path),
                body: RequestBody::None,
                body_links: Vec::new(),
                edit: None,
                expect: Expect::NotAllowed,
                auth: Auth::Primary,
                ..valid.clone()
            });
        }
    }
    probes
}

/// One note per operation and kind of refusal its cases expect but its responses do not
/// document: what the spec lacks, said once rather than as a failure of every such case.
fn refusal_gaps(op: &Operation, cases: &[Case], notes: &mut Vec<String>) {
    let mut seen = Vec::new();
    for case in cases.iter().filter(|c| c.operation == op.operation_id) {
        let expect = case.expect;
        let kind = match expect {
            Expect::Unauthorized => "no 401 or 403",
            Expect::Rejected | Expect::NotFound => "no 4xx",
            Expect::Accepted | Expect::Either | Expect::NotAllowed => continue,
        };
        if op.responses.is_empty() || seen.contains(&kind) || documents_refusal(op, expect) {
            continue;
        }
        seen.push(kind);
        notes.push(format!(
            "{}: the spec documents {kind} answer; its cases that must be refused check that the server refuses, not the status",
            op.operation_id
        ));
    }
}

/// Headers a spec may declare as parameters that the HTTP client writes itself (the
/// framing and the connection): a value the runner chose would not be what is sent.
/// `Accept`, `Content-Type` and `Authorization` parameters are ignored by OpenAPI already.
/// The text of `body.large`: far beyond any example, below the 1 MiB many servers stop at.
const LARGE_TEXT: usize = 512 << 10;

const CLIENT_HEADERS: &[&str] = &["content-length", "host", "transfer-encoding", "connection", "cookie"];

/// Whether a parameter in `location` travels in a header line, where not every text can
/// go or arrives as it was written: each edge is read back before it is planned.
fn carried_as_text(location: ParamLocation) -> bool {
    matches!(location, ParamLocation::Header | ParamLocation::Cookie)
}

/// Whether `ty` is a checked value (a `serde_json::Value` judged by `json::check`), or one
/// that may be null.
fn is_checked(api: &Api, ty: &TypeRef) -> bool {
    match api.unalias(ty) {
        TypeRef::Named(id) | TypeRef::Boxed(id) => matches!(api.type_def(*id).kind, TypeKind::Checked(_)),
        TypeRef::OrNull(inner) => is_checked(api, inner),
        _ => false,
    }
}

/// The format of a constrained string type.
fn format_of(api: &Api, ty: &TypeRef) -> Option<Format> {
    let TypeRef::Named(id) = api.unalias(ty) else {
        return None;
    };
    let TypeKind::Constrained(c) = &api.type_def(*id).kind else {
        return None;
    };
    c.rules.format
}

/// A value the parameter's format refuses, for formats that refuse any.
fn bad_format(api: &Api, ty: &TypeRef) -> Option<String> {
    format_of(api, ty)?.invalid_sample().map(str::to_owned)
}

/// A version 4 UUID from the operating system's randomness (RFC 9562 section 5.4).
fn random_uuid() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No randomness: the run tag's own fallback is all that is left; still a value no
        // server minted in this form.
        b = *b"conformance-none";
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    hyphenated(&hex)
}

/// 32 hex digits as a UUID is written: 8-4-4-4-12.
fn hyphenated(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

pub(crate) fn set_param(params: &mut Vec<Param>, location: ParamLocation, name: &str, value: Option<ParamValue>) {
    params.retain(|p| !(p.location == location && p.name == name));
    if let Some(value) = value {
        params.push(Param {
            location,
            name: name.to_owned(),
            value,
        });
    }
}

/// Sets (or with `None` removes) the value at a path of object keys.
pub fn apply(body: &mut Value, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut target = body;
    for key in parents {
        if !target.get(key).is_some_and(Value::is_object) {
            target[key.as_str()] = Value::Object(Map::new());
        }
        target = &mut target[key.as_str()];
    }
    match (target.as_object_mut(), value) {
        (Some(map), Some(v)) => {
            map.insert(last.clone(), v);
        }
        (Some(map), None) => {
            map.remove(last);
        }
        _ => {}
    }
}

/// What an edge varies, for people: `timeout_ms = 30001`, `name left out`.
fn describe(name: &str, edge: &Edge) -> String {
    if let Some(raw) = &edge.raw {
        return format!("{name} = {raw}");
    }
    match &edge.value {
        Some(v) => format!("{name} = {}", short(v)),
        None => format!("{name} left out"),
    }
}

fn short(v: &Value) -> String {
    use crate::text::clipped;
    let s = v.to_string();
    if let Value::String(inner) = v
        && let Some(start) = clipped(inner, 60, 40)
    {
        return format!("\"{start}…\" ({} characters)", inner.chars().count());
    }
    match clipped(&s, 60, 40) {
        Some(start) => format!("{start}… ({} characters of JSON)", s.chars().count()),
        None => s,
    }
}
