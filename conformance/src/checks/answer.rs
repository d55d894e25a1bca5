//! The checks every answer gets, whatever the case: no 5xx, and a status, content type and
//! body the spec documents.

use codegen_runtime::pointer;
use generator::model::validate::validate;
use generator::model::{Media, Response, StatusSpec};

use super::{Context, Outcome};
use crate::plan::{Expect, documents_refusal};
use crate::text::excerpt;

pub fn not_a_server_error(ctx: &Context) -> Option<Outcome> {
    let rule = ctx.responses_rule();
    Some(if ctx.received.status >= 500 {
        Outcome::fail(
            rule,
            format!(
                "{} answered {}: a 5xx is never right\n{}",
                ctx.op.operation_id,
                ctx.received.status,
                excerpt(&ctx.received.text)
            ),
        )
    } else {
        Outcome::pass(rule)
    })
}

fn status_key(r: &Response) -> String {
    match r.status {
        StatusSpec::Code(c) => c.to_string(),
        StatusSpec::Range(d) => format!("{d}XX"),
        StatusSpec::Default => "default".into(),
    }
}

/// `#/paths/.../responses/<status>` for the documented response.
fn response_rule(ctx: &Context, response: &Response) -> String {
    pointer::join(&ctx.responses_rule(), &status_key(response))
}

/// Whether `status` is the kind of refusal the case expects.
fn refuses_as_expected(expect: Expect, status: u16) -> bool {
    match expect {
        Expect::Unauthorized => matches!(status, 401 | 403),
        Expect::Rejected | Expect::NotFound => (400..500).contains(&status),
        Expect::Accepted | Expect::Either | Expect::NotAllowed => false,
    }
}

/// `undocumented_refusal_status`: a case the server was to refuse, refused, with a status the
/// operation does not document (a 400 where only 401 and 404 are listed). Where it documents
/// no refusal of the kind at all, the plan's note says so instead.
pub fn undocumented_refusal_status(ctx: &Context) -> Option<Outcome> {
    let status = ctx.received.status;
    if ctx.op.responses.is_empty()
        || !refuses_as_expected(ctx.case.expect, status)
        || !documents_refusal(ctx.op, ctx.case.expect)
        || (ctx.case.may_be_missing && status == 404)
    {
        return None;
    }
    Some(match ctx.response() {
        Some(response) => Outcome::pass(response_rule(ctx, response)),
        None => {
            let listed: Vec<String> = ctx.op.responses.iter().map(status_key).collect();
            Outcome::fail(
                ctx.responses_rule(),
                format!(
                    "refused with {status}, which is not documented (documented: {})",
                    listed.join(", ")
                ),
            )
        }
    })
}

pub fn status_code_conformance(ctx: &Context) -> Option<Outcome> {
    // An undocumented method has no documented answers: `unsupported_method` judges it.
    if ctx.op.responses.is_empty() || ctx.case.expect == Expect::NotAllowed {
        return None;
    }
    let status = ctx.received.status;
    if let Some(response) = ctx.response() {
        return Some(Outcome::pass(response_rule(ctx, response)));
    }
    // A refusal the case asked for, with a status the spec does not list for it: a finding of
    // its own (`undocumented_refusal_status`, low), or, where the spec documents no refusal
    // of this kind at all, said once for the operation by the plan.
    if refuses_as_expected(ctx.case.expect, status) {
        return None;
    }
    // A path naming what the runner could not make may name nothing: a 404 is right even
    // where the spec lists none (the plan says the resource could not be made).
    if ctx.case.may_be_missing && status == 404 {
        return None;
    }
    let listed: Vec<String> = ctx.op.responses.iter().map(status_key).collect();
    Some(Outcome::fail(
        ctx.responses_rule(),
        format!("status {status} is not documented (documented: {})", listed.join(", ")),
    ))
}

/// The answer's media type, among those its response documents (any of them: `loginUser`
/// may answer XML or JSON).
fn answered_media<'a>(ctx: &Context, response: &'a Response) -> Option<&'a Media> {
    response
        .media_types
        .iter()
        .find(|m| codegen_runtime::media::matches(&ctx.received.content_type, m.content_type()))
}

pub fn content_type_conformance(ctx: &Context) -> Option<Outcome> {
    let response = ctx.response()?;
    if response.media_types.is_empty() {
        return None;
    }
    let rule = pointer::join(&response_rule(ctx, response), "content");
    Some(match answered_media(ctx, response) {
        Some(_) => Outcome::pass(rule),
        None => {
            let documented: Vec<&str> = response.media_types.iter().map(Media::content_type).collect();
            Outcome::fail(
                rule,
                format!(
                    "expected {}, got {:?}",
                    documented.join(" or "),
                    ctx.received.content_type
                ),
            )
        }
    })
}

/// The items of a sequence answer against the `itemSchema` (the body's type is their list).
fn sequence_conformance(
    ctx: &Context,
    response: &generator::model::Response,
    body: &generator::model::ResponseBody,
    essence: &str,
) -> Option<Outcome> {
    let answered = answered_media(ctx, response)?;
    let framing = codegen_runtime::media::framing(essence)?;
    if answered != &body.media {
        return None;
    }
    let rule = pointer::join(
        &pointer::join(&pointer::join(&response_rule(ctx, response), "content"), essence),
        "itemSchema",
    );
    let mut items = Vec::new();
    for (index, record) in codegen_runtime::media::records(ctx.received.text.as_bytes(), framing)
        .iter()
        .enumerate()
    {
        match serde_json::from_slice::<serde_json::Value>(record) {
            Ok(item) => items.push(item),
            Err(e) => return Some(Outcome::fail(rule, format!("item {index} is not JSON: {e}"))),
        }
    }
    let violations = validate(ctx.api, &body.ty, &serde_json::Value::Array(items));
    Some(match violations.first() {
        None => Outcome::pass(rule),
        Some(v) => Outcome::fail(
            rule,
            format!(
                "item {}: {}\n{}",
                v.at.trim_start_matches('/'),
                v.message,
                excerpt(&ctx.received.text)
            ),
        ),
    })
}

/// A JSON answer matches the schema documented for it, and so does each item of a sequence
/// (JSON Lines, server-sent events); an answer in another documented type is not read.
pub fn response_schema_conformance(ctx: &Context) -> Option<Outcome> {
    let response = ctx.response()?;
    let body = response.body.as_ref()?;
    if let Media::Sequence(essence) = &body.media {
        return sequence_conformance(ctx, response, body, essence);
    }
    let json_answer = answered_media(ctx, response).is_none_or(|m| matches!(m, Media::Json(_)));
    if !matches!(body.media, Media::Json(_)) || !json_answer {
        return None;
    }
    let rule = pointer::join(
        &pointer::join(
            &pointer::join(&response_rule(ctx, response), "content"),
            body.media.content_type(),
        ),
        "schema",
    );
    let Some(json) = &ctx.received.json else {
        return Some(Outcome::fail(
            rule,
            format!("the body is not JSON: {}", excerpt(&ctx.received.text)),
        ));
    };
    let violations = validate(ctx.api, &body.ty, json);
    if violations.is_empty() {
        return Some(Outcome::pass(rule));
    }
    Some(Outcome::fail(
        rule,
        format!(
            "the body does not match the documented schema:\n{}\n{}",
            crate::judgement::violations(&violations),
            excerpt(&ctx.received.text)
        ),
    ))
}
