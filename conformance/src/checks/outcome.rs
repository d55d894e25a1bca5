//! Whether the server did what the case's expectation says: accept, reject, refuse the
//! credential, find nothing; and whether what it accepted it kept. A case whose expectation
//! is *either* gets none of these: only the answer checks judge it.

use codegen_runtime::pointer;
use generator::model::Method;
use serde_json::Value;

use super::{Context, Outcome, same};
use crate::plan::{Auth, Expect, RequestBody};
use crate::scenarios::Scenario;
use crate::text::excerpt;

/// A judgement of the case's status: `ok`, or a failure saying what was `wanted`.
fn status(ctx: &Context, ok: bool, wanted: &str) -> Option<Outcome> {
    let rule = ctx.responses_rule();
    Some(if ok {
        Outcome::pass(rule)
    } else {
        Outcome::fail(
            rule,
            format!(
                "{}: expected {wanted}, got {}\n{}",
                ctx.case.varied,
                ctx.received.status,
                excerpt(&ctx.received.text)
            ),
        )
    })
}

fn success(ctx: &Context) -> bool {
    (200..300).contains(&ctx.received.status)
}

pub fn positive_data_acceptance(ctx: &Context) -> Option<Outcome> {
    if ctx.case.expect != Expect::Accepted || matches!(ctx.case.auth, Auth::OnlyVia { .. }) {
        return None;
    }
    if ctx.case.may_be_missing {
        return status(
            ctx,
            success(ctx) || ctx.received.status == 404,
            "a 2xx, or 404 for a resource the runner could not make: the spec allows this request",
        );
    }
    status(ctx, success(ctx), "a 2xx: the spec allows this request")
}

pub fn negative_data_rejection(ctx: &Context) -> Option<Outcome> {
    if ctx.case.expect != Expect::Rejected {
        return None;
    }
    status(
        ctx,
        (400..500).contains(&ctx.received.status),
        "a 4xx: the spec forbids this request",
    )
}

pub fn ignored_auth(ctx: &Context) -> Option<Outcome> {
    if ctx.case.expect != Expect::Unauthorized {
        return None;
    }
    let answer = ctx.received.status;
    // Refusals besides 401 and 403:
    // - a 3xx: the runner follows no redirect, and a server that sends the unauthenticated to
    //   a login page refuses them so;
    // - a 404: servers hide what exists from those they do not know (GitHub does). Where the
    //   same request with the valid credential got 404 too, the case says nothing about the
    //   credential either way; a check has no "not judged" verdict to say so, so it passes
    //   then as well (the valid case's own checks report that 404).
    let refused = matches!(answer, 401 | 403 | 404) || (300..400).contains(&answer);
    status(
        ctx,
        refused,
        "a refusal (401 or 403; a redirect or a 404 count too): the credential is missing or wrong",
    )
}

pub fn security_alternative_accepted(ctx: &Context) -> Option<Outcome> {
    let Auth::OnlyVia { alternative } = ctx.case.auth else {
        return None;
    };
    let rule = pointer::join(&pointer::join(&ctx.op.origin, "security"), &alternative.to_string());
    Some(if success(ctx) {
        Outcome::pass(rule)
    } else {
        Outcome::fail(
            rule,
            format!(
                "{}: the spec accepts this security requirement alone, got {}\n{}",
                ctx.case.varied,
                ctx.received.status,
                excerpt(&ctx.received.text)
            ),
        )
    })
}

pub fn unknown_id_not_found(ctx: &Context) -> Option<Outcome> {
    if ctx.case.expect != Expect::NotFound || ctx.case.stateful == Some(Scenario::Isolation) {
        return None;
    }
    if ctx.documents(404) {
        status(ctx, ctx.received.status == 404, "404: nothing by that id")
    } else {
        status(
            ctx,
            (400..500).contains(&ctx.received.status),
            "a 4xx: nothing by that id",
        )
    }
}

/// The values an accepted request's answer should show, by path: what an edit sent
/// (`values_echoed`), or the defaults of what was left out (`default_applied`: the edited
/// field's, and on the valid request every top-level field's; on PATCH a left-out field
/// means "unchanged", not "default").
fn expected_values<'a>(ctx: &'a Context, check: &str) -> Vec<(Vec<String>, &'a Value)> {
    if ctx.case.expect != Expect::Accepted || !success(ctx) {
        return Vec::new();
    }
    let defaults = check == "default_applied" && ctx.op.method != Method::Patch;
    match &ctx.case.edit {
        Some(edit) if edit.raw.is_some() => Vec::new(),
        Some(edit) => match (&edit.value, &edit.default) {
            (Some(v), _) if !v.is_null() && check == "values_echoed" => vec![(edit.path.clone(), v)],
            (None, Some(default)) if defaults => vec![(edit.path.clone(), default)],
            _ => Vec::new(),
        },
        None if defaults && ctx.case.stateful.is_none() => {
            let (Some(body), RequestBody::Json(sent)) = (&ctx.op.body, &ctx.case.body) else {
                return Vec::new();
            };
            let Some(fields) = ctx.api.struct_of(&body.ty.ty) else {
                return Vec::new();
            };
            fields
                .fields
                .iter()
                .filter(|f| !f.required && sent.get(&f.wire_name).is_none())
                .filter_map(|f| Some((vec![f.wire_name.clone()], f.default.as_ref()?)))
                .collect()
        }
        None => Vec::new(),
    }
}

fn echoed(ctx: &Context, check: &str) -> Option<Outcome> {
    let json = ctx.received.json.as_ref()?;
    let sent = &ctx.step.sent;
    let mut judged = false;
    let mut problems = Vec::new();
    for (path, expected) in expected_values(ctx, check) {
        // A field the answer does not carry says nothing.
        let Some(got) = crate::habits::in_envelope(json, &pointer::from_segments(&path)) else {
            continue;
        };
        judged = true;
        if same(expected, got) {
            continue;
        }
        problems.push(if check == "default_applied" {
            format!(
                "{} {}: {} was left out, so its default {expected} applies; the answer has {got}",
                sent.method,
                sent.path,
                path.join(".")
            )
        } else {
            format!("{} {}: sent {expected}, the answer has {got}", sent.method, sent.path)
        });
    }
    let rule = pointer::join(&ctx.op.origin, "requestBody");
    judged.then(|| {
        if problems.is_empty() {
            Outcome::pass(rule)
        } else {
            Outcome::fail(rule, problems.join("\n"))
        }
    })
}
pub fn values_echoed(ctx: &Context) -> Option<Outcome> {
    echoed(ctx, "values_echoed")
}

pub fn default_applied(ctx: &Context) -> Option<Outcome> {
    echoed(ctx, "default_applied")
}

/// `unsupported_method`: a method the path does not document is refused: never answered as
/// if documented (a 2xx), never a 5xx. 405 is the answer RFC 9110 names (section 15.5.6); a 404
/// or 501, or another refusal, is no defect the spec can show.
pub fn unsupported_method(ctx: &Context) -> Option<Outcome> {
    if ctx.case.expect != Expect::NotAllowed {
        return None;
    }
    let path_item = ctx
        .op
        .origin
        .rsplit_once('/')
        .map_or(ctx.op.origin.as_str(), |(item, _)| item);
    let method = ctx.case.method.to_http();
    let status = ctx.received.status;
    let refused = (400..500).contains(&status);
    Some(if refused {
        Outcome::pass(path_item.to_owned())
    } else {
        Outcome::fail(
            path_item.to_owned(),
            format!(
                "{method} {} answered {status}, but the spec documents no {method} there: expected a refusal (405)\n{}",
                ctx.case.path,
                excerpt(&ctx.received.text)
            ),
        )
    })
}
