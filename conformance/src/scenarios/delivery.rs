//! Delivery cases: a webhook made to deliver to the run's receiver (one path per case, one
//! run-tagged event type per case), an event published to it, and what arrived judged:
//! delivered, signed with the secret in force, the same `webhook-id` on every attempt, a
//! filter respected, a disabled webhook left alone, retries bounded, backoff respected.
//! What a case sends and waits for comes from `conformance.toml`'s `[delivery]`
//! (`exec::DeliverySettings`); without it the run plans none.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use super::{BoxFuture, FollowUp, Planning, Scenario, StatefulScenario, case, find_key, id_of};
use crate::exec::{
    CaseError, Deliveries, Delivery, DeliverySettings, First, Publish, Receiver, Rotated, Runner, Scheme, SecretSource,
    StatsFields, Step, StepKind,
};
use crate::judgement::{Context, Outcome};
use crate::plan::{Auth, Case, DeliveryKind, Expect, RequestBody, Resources};

/// The delivery cases (`delivered`, `signed`, `webhook_id_stable`, `filter_respected`,
/// `disabled_gets_nothing`, `deliveries_stay_in_tenant`, `retries_bounded`,
/// `backoff_respected`).
pub struct DeliveryCases;

impl StatefulScenario for DeliveryCases {
    fn owns(&self, scenario: &Scenario) -> bool {
        matches!(scenario, Scenario::Delivery(_))
    }

    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, notes: &mut Vec<String>) {
        let makes_webhooks = base.operation == planning.resources.create
            && !base.needs_resource
            && matches!(&base.body, RequestBody::Json(Value::Object(map)) if map.contains_key("url"));
        if !makes_webhooks {
            return;
        }
        let rotates = planning
            .resources
            .update
            .as_ref()
            .and_then(|id| planning.api.operation(id))
            .is_some_and(|op| crate::habits::rotation_flag(planning.api, op).is_some());
        for kind in DeliveryKind::ALL {
            if kind == DeliveryKind::Rotation && !rotates {
                notes.push(format!(
                    "{}.delivery.rotation left out: the webhook's update has no `rotate_*` flag",
                    base.operation
                ));
                continue;
            }
            out.push(case(
                base,
                &format!("delivery.{}", kind.name()),
                format!("a webhook delivering to the run's receiver: {}", kind.name()),
                Scenario::Delivery(kind),
                Auth::Primary,
                Expect::Accepted,
            ));
        }
    }

    fn follow_up<'a>(&'a self, f: FollowUp<'a>) -> BoxFuture<'a> {
        Box::pin(follow_up(f.runner, f.case, f.main, f.resources, f.steps))
    }
}

/// Whether any case of `cases` is a delivery case.
pub fn plans_deliveries(cases: &[Case]) -> bool {
    cases.iter().any(|c| matches!(c.stateful, Some(Scenario::Delivery(_))))
}

/// Replaces `"{type}"`, `"{case}"` and `"{id}"` in a body template.
fn fill(template: &Value, values: &[(&str, &str)]) -> Value {
    match template {
        Value::String(s) => values
            .iter()
            .find(|(k, _)| s == k)
            .map_or_else(|| template.clone(), |(_, v)| Value::String((*v).to_owned())),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill(v, values)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), fill(v, values))).collect()),
        other => other.clone(),
    }
}

async fn publish(runner: &Runner, case: &Case, event_type: &str, auth: Auth) -> Result<(), CaseError> {
    let settings = runner.settings().delivery.as_ref().ok_or_else(no_settings)?;
    let operation = match &settings.publish {
        Publish::Operation(operation) => operation,
        Publish::Command(command) => return publish_by_command(runner, command, case, event_type, auth).await,
    };
    let op = runner
        .plan()
        .api
        .operation(operation)
        .ok_or_else(|| CaseError::Spec(format!("[delivery] publish: no operation `{operation}`")))?;
    let body = fill(
        &settings.publish_body,
        &[("{type}", event_type), ("{case}", &case.name)],
    );
    let step = runner
        .case_send(op, &[], &RequestBody::Json(body), auth, None, StepKind::Publish)
        .await;
    match &step.received {
        Ok(r) if (200..300).contains(&r.status) => Ok(()),
        Ok(r) => Err(CaseError::Spec(format!(
            "publishing `{event_type}` answered {}: {}",
            r.status,
            crate::text::excerpt(&r.text)
        ))),
        Err(e) => Err(e.clone()),
    }
}

fn no_settings() -> CaseError {
    CaseError::Spec("no [delivery] table in conformance.toml".into())
}

async fn follow_up(
    runner: &Runner,
    case: &Case,
    main: &Step,
    resources: &Resources,
    steps: &mut Vec<Step>,
) -> Result<(), CaseError> {
    let Some(Scenario::Delivery(kind)) = case.stateful else {
        return Ok(());
    };
    let settings = runner.settings().delivery.clone().ok_or_else(no_settings)?;
    let receiver = runner
        .receiver()
        .ok_or_else(|| CaseError::Runner("the run started no receiver".into()))?;
    // A webhook that was not made is judged by the answer's own checks.
    let Some(made) = main
        .received
        .as_ref()
        .ok()
        .filter(|r| (200..300).contains(&r.status))
        .and_then(|r| r.json.clone())
    else {
        return Ok(());
    };
    let (mut secret, scheme, retries) = terms(&settings, &made);
    let cap = runner.settings().receiver.cap;
    let path = kind.path();
    let held = if kind == DeliveryKind::Timeout {
        let timeout = timeout_of(&settings, &made)?;
        // Well past the timeout, so that a server that waits a little longer still retries.
        let hold = timeout / 2 + Duration::from_millis(500);
        receiver.first(&path, First::Hold(timeout + hold));
        Some((timeout, hold))
    } else {
        None
    };
    if kind == DeliveryKind::Rotation {
        receiver.first(&path, First::Refuse);
    }
    let tag = runner.plan().tag.clone();
    match kind {
        DeliveryKind::Disabled => disable(runner, &settings, resources, &made, steps).await?,
        DeliveryKind::OtherTenant => runner
            .second_tenant()
            .map_err(|why| CaseError::NotJudged(format!("tenant isolation of deliveries not judged: {why}")))?,
        _ => {}
    }
    let unwanted_type = format!("conformance.{tag}.unwanted");
    if kind == DeliveryKind::Filter {
        publish(runner, case, &unwanted_type, Auth::Primary).await?;
    }
    let event_type = kind.event_type(&tag);
    // The other tenant publishes the very type the webhook takes.
    let publisher = if kind == DeliveryKind::OtherTenant {
        Auth::Alternate
    } else {
        Auth::Primary
    };
    publish(runner, case, &event_type, publisher).await?;
    let started = Instant::now();
    let rotated = if kind == DeliveryKind::Rotation {
        // The first attempt (refused) before the rotation, the retry after it.
        let before = receiver
            .wait(&path, settings.deadline.min(cap), |g| !g.is_empty())
            .await;
        let new = rotate(runner, resources, &made, steps).await?;
        Some(Rotated {
            old: secret.replace(new),
            after: before.len(),
        })
    } else {
        None
    };
    let (got, deadline) = wait(kind, receiver, &settings, retries, held, cap, &event_type).await;
    let (unwanted, got): (Vec<Delivery>, Vec<Delivery>) = got.into_iter().partition(|d| of_type(d, &unwanted_type));
    let stats = match &settings.stats {
        Some(fields) if matches!(kind, DeliveryKind::Delivered | DeliveryKind::Retries) => {
            Some(read_stats(runner, resources, &made, fields, steps).await)
        }
        _ => None,
    };
    runner.record_deliveries(
        &case.name,
        Deliveries {
            event_type,
            got,
            unwanted,
            attempts: (kind == DeliveryKind::Retries).then_some(retries + 1),
            backoff_ms: settings.backoff_ms,
            scheme,
            secret,
            must_arrive: !matches!(kind, DeliveryKind::Disabled | DeliveryKind::OtherTenant),
            held,
            rotated,
            stats,
            waited: started.elapsed(),
            deadline,
        },
    );
    Ok(())
}

/// What the webhook the case made says of its deliveries: its secret (if the run can know
/// it), its signature scheme, and how many retries it gets.
fn terms(settings: &DeliverySettings, made: &Value) -> (Option<String>, Scheme, u32) {
    let secret = match &settings.secret {
        SecretSource::Answer(pointer) => crate::habits::in_envelope(made, pointer),
        SecretSource::Sent(field) => settings.create_fields.get(field),
    }
    .and_then(Value::as_str)
    .map(str::to_owned);
    let scheme = settings
        .signature_field
        .as_deref()
        .and_then(|f| settings.create_fields.get(f).or_else(|| find_key(made, f)))
        .and_then(Value::as_str)
        .and_then(|v| settings.signatures.get(v))
        .cloned()
        .unwrap_or_else(|| settings.signature.clone());
    let retries = settings
        .retries_field
        .as_deref()
        .and_then(|f| find_key(made, f))
        .and_then(Value::as_u64)
        .map_or(settings.retries, |n| n as u32);
    (secret, scheme, retries)
}

/// Disables the webhook the case made, as `[delivery] disable` says. The case is not judged
/// (and says why) when it could not be: no `disable` request (the plan leaves such cases out),
/// or one the server refused.
async fn disable(
    runner: &Runner,
    settings: &DeliverySettings,
    resources: &Resources,
    made: &Value,
    steps: &mut Vec<Step>,
) -> Result<(), CaseError> {
    let disable = settings.disable.as_ref().ok_or_else(|| {
        CaseError::NotJudged("a disabled webhook not judged: [delivery] names no `disable` request".into())
    })?;
    let op = runner
        .plan()
        .api
        .operation(&disable.operation)
        .ok_or_else(|| CaseError::Spec(format!("[delivery] disable: no operation `{}`", disable.operation)))?;
    let id = id_of(resources, Some(made)).unwrap_or_default();
    let body = fill(&disable.body, &[("{id}", &id)]);
    let params = runner.linked_params(op);
    let step = runner
        .case_send(
            op,
            &params,
            &RequestBody::Json(body),
            Auth::Primary,
            Some(made),
            StepKind::Disable,
        )
        .await;
    let refused = match &step.received {
        Ok(r) if (200..300).contains(&r.status) => None,
        Ok(r) => Some(format!("answered {}", r.status)),
        Err(e) => Some(format!("got no answer: {e}")),
    };
    steps.push(step);
    match refused {
        None => Ok(()),
        Some(why) => Err(CaseError::NotJudged(format!(
            "a disabled webhook not judged: the disable request {why}"
        ))),
    }
}

/// Rotates the secret of the webhook the case made with the update's `rotate_<field>=true`
/// flag; the new secret. Not judged when the update does not answer one.
async fn rotate(
    runner: &Runner,
    resources: &Resources,
    made: &Value,
    steps: &mut Vec<Step>,
) -> Result<String, CaseError> {
    let not_judged =
        |why: String| CaseError::NotJudged(format!("the rotation of a delivery's secret not judged: {why}"));
    let op = resources
        .update
        .as_ref()
        .and_then(|id| runner.plan().api.operation(id))
        .ok_or_else(|| not_judged("the webhook has no update operation".into()))?;
    let (flag, field) = crate::habits::rotation_flag(&runner.plan().api, op)
        .ok_or_else(|| not_judged(format!("{} has no `rotate_*` flag", op.operation_id)))?;
    let mut params = runner.linked_params(op);
    crate::plan::set_param(
        &mut params,
        generator::model::ParamLocation::Query,
        &flag.name,
        Some(crate::plan::ParamValue::Text("true".into())),
    );
    let step = runner
        .case_send(
            op,
            &params,
            &RequestBody::Json(serde_json::json!({})),
            Auth::Primary,
            Some(made),
            StepKind::Rotate,
        )
        .await;
    let new = match &step.received {
        Ok(r) if (200..300).contains(&r.status) => r
            .json
            .as_ref()
            .and_then(|j| find_key(j, field))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| not_judged(format!("the rotation answered without `{field}`"))),
        Ok(r) => Err(not_judged(format!("the rotation answered {}", r.status))),
        Err(e) => Err(not_judged(format!("the rotation got no answer: {e}"))),
    };
    steps.push(step);
    new
}

/// The counts the webhook's read shows (total, failed), once its attempts are over.
async fn read_stats(
    runner: &Runner,
    resources: &Resources,
    made: &Value,
    fields: &StatsFields,
    steps: &mut Vec<Step>,
) -> (Option<u64>, Option<u64>) {
    let Some(op) = resources.get.as_ref().and_then(|id| runner.plan().api.operation(id)) else {
        return (None, None);
    };
    let params = runner.linked_params(op);
    let step = runner
        .case_send(
            op,
            &params,
            &RequestBody::None,
            Auth::Primary,
            Some(made),
            StepKind::Read,
        )
        .await;
    let read = step.received.as_ref().ok().and_then(|r| r.json.clone());
    steps.push(step);
    let count = |pointer: &str| {
        read.as_ref()
            .and_then(|r| crate::habits::in_envelope(r, pointer))
            .and_then(Value::as_u64)
    };
    (count(&fields.total), count(&fields.failed))
}

/// The webhook's timeout: read from the create answer where `[delivery]` names its field,
/// else the one the API fixes (`timeout_ms`); not judged without either.
fn timeout_of(settings: &DeliverySettings, made: &Value) -> Result<Duration, CaseError> {
    settings
        .timeout_field
        .as_deref()
        .and_then(|f| find_key(made, f))
        .and_then(Value::as_u64)
        .map(Duration::from_millis)
        .or(settings.timeout)
        .ok_or_else(|| {
            CaseError::NotJudged(
                "the delivery timeout not judged: [delivery] gives neither `timeout_field` (found in the create \
                 answer) nor `timeout_ms`"
                    .into(),
            )
        })
}

/// Waits for what the case's kind expects at the receiver, no longer than its deadline;
/// what arrived, and the deadline.
async fn wait(
    kind: DeliveryKind,
    receiver: &Receiver,
    settings: &DeliverySettings,
    retries: u32,
    held: Option<(Duration, Duration)>,
    cap: Duration,
    event_type: &str,
) -> (Vec<Delivery>, Duration) {
    let path = kind.path();
    match kind {
        DeliveryKind::Delivered | DeliveryKind::Filter => {
            let deadline = settings.deadline.min(cap);
            receiver
                .wait(&path, deadline, |g| g.iter().any(|d| of_type(d, event_type)))
                .await;
            // What else would arrive (the type it does not take) has had as long as its own.
            tokio::time::sleep(settings.quiet.min(cap)).await;
            (receiver.at(&path), deadline)
        }
        DeliveryKind::Retries => {
            let deadline = settings.retries_deadline(retries).min(cap);
            receiver.wait(&path, deadline, |g| g.len() > retries as usize).await;
            // One more attempt would come after the next backoff.
            let next = Duration::from_millis(settings.backoff_ms.saturating_mul(1 << retries.min(20)));
            tokio::time::sleep((next + settings.quiet).min(cap)).await;
            (receiver.at(&path), deadline)
        }
        DeliveryKind::Rotation => {
            // The refused first attempt, then its retry after the first backoff.
            let deadline = (Duration::from_millis(settings.backoff_ms) + settings.deadline).min(cap);
            receiver.wait(&path, deadline, |g| g.len() >= 2).await;
            (receiver.at(&path), deadline)
        }
        DeliveryKind::Timeout => {
            // The first attempt times out, the retry comes after the first backoff.
            let (timeout, _) = held.unwrap_or_default();
            let deadline = (timeout + Duration::from_millis(settings.backoff_ms) + settings.deadline).min(cap);
            receiver.wait(&path, deadline, |g| g.len() >= 2).await;
            (receiver.at(&path), deadline)
        }
        DeliveryKind::Disabled | DeliveryKind::OtherTenant => {
            let deadline = settings.quiet.min(cap);
            tokio::time::sleep(deadline).await;
            (receiver.at(&path), deadline)
        }
    }
}

/// Whether a delivery's body is an event of `event_type`.
fn of_type(delivery: &Delivery, event_type: &str) -> bool {
    serde_json::from_slice::<Value>(&delivery.body)
        .ok()
        .and_then(|b| find_key(&b, "type").cloned())
        .is_some_and(|t| t == event_type)
}

/// Where in the spec the delivery rules are: the publish operation's, else the case's.
fn rule(ctx: &Context) -> String {
    codegen_runtime::pointer::join(&ctx.op.origin, "x-deliveries")
}

fn deliveries<'a>(ctx: &'a Context, kinds: &[DeliveryKind]) -> Option<&'a Deliveries> {
    match ctx.case.stateful {
        Some(Scenario::Delivery(kind)) if kinds.contains(&kind) => ctx.exchange.deliveries.as_ref(),
        _ => None,
    }
}

fn verdict(ctx: &Context, failure: Option<String>) -> Option<Outcome> {
    Some(match failure {
        None => Outcome::pass(rule(ctx)),
        Some(message) => Outcome::fail(rule(ctx), message),
    })
}

/// `delivered`: an event the webhook takes arrives within the deadline.
pub fn delivered(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(
        ctx,
        &[
            DeliveryKind::Delivered,
            DeliveryKind::Filter,
            DeliveryKind::Retries,
            DeliveryKind::Timeout,
        ],
    )?;
    verdict(
        ctx,
        d.got.is_empty().then(|| {
            format!(
                "no delivery of `{}` arrived within {} ms",
                d.event_type,
                d.deadline.as_millis()
            )
        }),
    )
}

/// Whether `delivery` verifies under `scheme` with `secret`.
pub fn verifies(scheme: &Scheme, secret: Option<&str>, delivery: &Delivery) -> Result<(), String> {
    let header = |name: &str| delivery.header(name).map(str::to_owned);
    let key = |secret: &str| {
        secret
            .strip_prefix("whsec_")
            .and_then(|rest| base64::engine::general_purpose::STANDARD.decode(rest).ok())
            .unwrap_or_else(|| secret.as_bytes().to_vec())
    };
    let need = || secret.ok_or_else(|| "the secret in force could not be read ([delivery] secret)".to_owned());
    match scheme {
        Scheme::None => Ok(()),
        Scheme::Standard => {
            let webhook = standardwebhooks::Webhook::from_bytes(key(need()?))
                .map_err(|e| format!("the secret is unusable: {e}"))?;
            let mut headers = http::HeaderMap::new();
            for (k, v) in &delivery.headers {
                if let (Ok(k), Ok(v)) = (
                    http::HeaderName::from_bytes(k.as_bytes()),
                    http::HeaderValue::from_str(v),
                ) {
                    headers.append(k, v);
                }
            }
            webhook
                .verify(&delivery.body, &headers)
                .map_err(|e| format!("`webhook-signature` does not verify: {e}"))
        }
        Scheme::HmacSha1 { header: name, prefix } => {
            use hmac::Mac as _;
            let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key(need()?)).map_err(|e| e.to_string())?;
            let id = header("webhook-id").unwrap_or_default();
            let timestamp = header("webhook-timestamp").unwrap_or_default();
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(&delivery.body);
            let want = format!(
                "{prefix}{}",
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
            );
            match header(name) {
                Some(got) if got.split(' ').any(|s| s == want) => Ok(()),
                Some(_) => Err(format!("`{name}` does not verify")),
                None => Err(format!("no `{name}` header")),
            }
        }
        Scheme::Bearer => match header("authorization") {
            Some(got) if got == format!("Bearer {}", need()?) => Ok(()),
            _ => Err("`authorization` is not `Bearer <secret>`".into()),
        },
        Scheme::Basic { user } => {
            let want = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", need()?))
            );
            match header("authorization") {
                Some(got) if got == want => Ok(()),
                _ => Err(format!("`authorization` is not Basic `{user}:<secret>`")),
            }
        }
    }
}

/// `signed`: every delivery verifies with the secret in force, and a copy with its body
/// changed does not.
pub fn signed(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Delivered])?;
    let first = d.got.first()?;
    let secret = d.secret.as_deref();
    let mut failure = d.got.iter().enumerate().find_map(|(i, delivery)| {
        verifies(&d.scheme, secret, delivery)
            .err()
            .map(|e| format!("attempt {}: {e}", i + 1))
    });
    let signs_body = matches!(d.scheme, Scheme::Standard | Scheme::HmacSha1 { .. });
    if failure.is_none() && signs_body {
        let mut tampered = first.clone();
        tampered.body.extend_from_slice(b" ");
        if verifies(&d.scheme, secret, &tampered).is_ok() {
            failure = Some("a copy of the delivery with its body changed verifies too".into());
        }
    }
    verdict(ctx, failure)
}

/// `webhook_id_stable`: every attempt of one event carries the same `webhook-id`.
pub fn webhook_id_stable(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Retries])?;
    if d.got.len() < 2 {
        return None;
    }
    let ids: Vec<Option<&str>> = d.got.iter().map(|g| g.header("webhook-id")).collect();
    let failure = if ids.iter().any(Option::is_none) {
        Some("an attempt has no `webhook-id`".to_owned())
    } else {
        let distinct: std::collections::BTreeSet<_> = ids.iter().flatten().collect();
        (distinct.len() > 1).then(|| {
            format!(
                "{} attempts carried {} different `webhook-id`s",
                ids.len(),
                distinct.len()
            )
        })
    };
    verdict(ctx, failure)
}

/// `filter_respected`: a type the webhook does not take never arrives.
pub fn filter_respected(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Filter])?;
    verdict(
        ctx,
        (!d.unwanted.is_empty()).then(|| {
            format!(
                "{} delivery(ies) of a type the webhook does not take arrived (it takes only `{}`)",
                d.unwanted.len(),
                d.event_type
            )
        }),
    )
}

/// `deliveries_stay_in_tenant`: an event another tenant publishes, of the very type the
/// webhook takes, never reaches it.
pub fn deliveries_stay_in_tenant(ctx: &Context) -> Option<Outcome> {
    nothing_arrived(ctx, DeliveryKind::OtherTenant, |n| {
        format!("{n} delivery(ies) of an event another tenant published reached this tenant's webhook")
    })
}

/// The verdict of a case where nothing may arrive: `what` says what did, given how many.
fn nothing_arrived(ctx: &Context, kind: DeliveryKind, what: impl Fn(usize) -> String) -> Option<Outcome> {
    let d = deliveries(ctx, &[kind])?;
    let n = d.got.len() + d.unwanted.len();
    verdict(
        ctx,
        (n > 0).then(|| format!("{} within {} ms", what(n), d.waited.as_millis())),
    )
}

/// `timeout_honoured`: a receiver that holds the first attempt past the webhook's timeout
/// sees a retry (the sender gave up on the attempt, as its timeout says).
pub fn timeout_honoured(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Timeout])?;
    let (timeout, hold) = d.held?;
    // Nothing at all is `delivered`'s failure.
    if d.got.is_empty() {
        return None;
    }
    verdict(
        ctx,
        (d.got.len() < 2).then(|| {
            format!(
                "the receiver held the first attempt {} ms past the webhook's {} ms timeout, and no retry came \
                 within {} ms: the timeout was not applied",
                hold.as_millis(),
                timeout.as_millis(),
                d.deadline.as_millis()
            )
        }),
    )
}

/// `payload_schema_conformance`: each delivery's body matches the request body the spec's
/// `webhooks` (OpenAPI 3.1) document: the one webhook, or, where there are several, one of them.
pub fn payload_schema_conformance(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Delivered])?;
    let documented: Vec<&generator::model::Operation> = ctx
        .api
        .webhooks
        .iter()
        .filter(|w| {
            w.body
                .as_ref()
                .is_some_and(|b| matches!(b.media, generator::model::Media::Json(_)))
        })
        .collect();
    let first = documented.first()?;
    let rule = codegen_runtime::pointer::join(&first.origin, "requestBody");
    let failure = d.got.iter().find_map(|delivery| {
        let Ok(body) = serde_json::from_slice::<Value>(&delivery.body) else {
            return Some(format!(
                "a delivery's body is not JSON: {}",
                crate::text::excerpt(&String::from_utf8_lossy(&delivery.body))
            ));
        };
        let judged: Vec<Vec<generator::model::validate::Violation>> = documented
            .iter()
            .filter_map(|w| w.body.as_ref())
            .map(|b| generator::model::validate::validate(ctx.api, &b.ty, &body))
            .collect();
        if judged.iter().any(Vec::is_empty) {
            return None;
        }
        Some(format!(
            "a delivery's body matches no request body of the spec's `webhooks`{}:\n{}\n{}",
            if documented.len() > 1 {
                " (shown: the first's violations)"
            } else {
                ""
            },
            crate::judgement::violations(&judged[0]),
            crate::text::excerpt(&String::from_utf8_lossy(&delivery.body))
        ))
    });
    Some(match failure {
        None => Outcome::pass(rule),
        Some(message) => Outcome::fail(rule, message),
    })
}

/// `rotation_re_signs`: after a rotation, every attempt verifies with the new secret and not
/// with the old one.
pub fn rotation_re_signs(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Rotation])?;
    let rotated = d.rotated.as_ref()?;
    let after = &d.got[rotated.after.min(d.got.len())..];
    if after.is_empty() {
        return verdict(
            ctx,
            Some(format!(
                "the receiver refused the first attempt, the secret was rotated, and no retry came within {} ms",
                d.deadline.as_millis()
            )),
        );
    }
    let failure = after.iter().find_map(|delivery| {
        if let Err(why) = verifies(&d.scheme, d.secret.as_deref(), delivery) {
            return Some(format!(
                "an attempt after the rotation does not verify with the new secret: {why}"
            ));
        }
        verifies(&d.scheme, rotated.old.as_deref(), delivery)
            .is_ok()
            .then(|| "an attempt after the rotation still verifies with the old secret".to_owned())
    });
    verdict(ctx, failure)
}

/// `stats_counted`: the counts a webhook's read shows, once its attempts are over, are the
/// attempts the receiver got and those it refused.
pub fn stats_counted(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Delivered, DeliveryKind::Retries])?;
    let (total, failed) = d.stats?;
    let want_total = d.got.len() as u64;
    let want_failed = d.got.iter().filter(|g| !(200..300).contains(&g.status)).count() as u64;
    let failure = match (total, failed) {
        (Some(t), Some(f)) if t == want_total && f == want_failed => None,
        (Some(t), Some(f)) => Some(format!(
            "the webhook shows {t} attempts, {f} failed; the receiver got {want_total}, refused {want_failed}"
        )),
        _ => Some("the webhook's read does not show its delivery counts where [delivery] stats says".to_owned()),
    };
    verdict(ctx, failure)
}

/// `disabled_gets_nothing`: a disabled webhook gets no delivery.
pub fn disabled_gets_nothing(ctx: &Context) -> Option<Outcome> {
    nothing_arrived(ctx, DeliveryKind::Disabled, |n| {
        format!("the disabled webhook got {n} delivery(ies)")
    })
}

/// `retries_bounded`: a receiver that answers 503 gets exactly retries + 1 attempts.
pub fn retries_bounded(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Retries])?;
    let want = d.attempts?;
    let got = d.got.len() as u32;
    verdict(
        ctx,
        (got != want).then(|| format!("{got} attempts for a receiver answering 503; the retry setting allows {want}")),
    )
}

/// `backoff_respected`: retry n comes no sooner than `backoff_ms × 2^(n-1)` after the
/// attempt before.
pub fn backoff_respected(ctx: &Context) -> Option<Outcome> {
    let d = deliveries(ctx, &[DeliveryKind::Retries])?;
    if d.got.len() < 2 {
        return None;
    }
    let failure = d.got.windows(2).enumerate().find_map(|(n, pair)| {
        let gap = pair[1].at.duration_since(pair[0].at).unwrap_or_default();
        let least = Duration::from_millis(d.backoff_ms.saturating_mul(1 << n.min(20)));
        (gap < least).then(|| {
            format!(
                "retry {} came {} ms after the attempt before; the backoff is at least {} ms",
                n + 1,
                gap.as_millis(),
                least.as_millis()
            )
        })
    });
    verdict(ctx, failure)
}

/// The webhooks of the tenant, listed (every page) before anything is published, whose filter
/// would take any event type (the field absent, `null`, `[]` or holding `*`): the run made
/// none of them yet, so each is someone else's. Named by id and URL; an error when a list
/// cannot be read.
pub async fn foreign_takers(runner: &Runner) -> Result<Vec<String>, crate::error::RunError> {
    let Some(settings) = runner.settings().delivery.as_ref() else {
        return Ok(Vec::new());
    };
    let lists = runner.plan().resources.iter().filter_map(|r| r.list.as_deref());
    let mut out = Vec::new();
    for list in lists {
        let Some(op) = runner.plan().api.operation(list) else {
            continue;
        };
        let items = runner
            .list_all(op, &mut Vec::new())
            .await
            .map_err(crate::error::RunError::WebhooksUnlisted)?;
        for item in items.iter().filter(|i| i.get(&settings.url_field).is_some()) {
            let takes_all = match item.get(&settings.events_field) {
                None | Some(Value::Null) => true,
                Some(Value::Array(a)) => a.is_empty() || a.iter().any(|e| e == "*"),
                Some(_) => false,
            };
            if takes_all {
                let name = |k: &str| item.get(k).map(crate::plan::wire_text).unwrap_or_default();
                out.push(format!("{} ({})", name("id"), name(&settings.url_field)));
            }
        }
    }
    Ok(out)
}

/// Whether the run publishes: delivery cases, or cases of the publish operation itself (a
/// lenient server may take one of its must-reject cases).
pub fn publishes(plan: &crate::plan::Plan, settings: &DeliverySettings) -> bool {
    plans_deliveries(&plan.cases)
        || matches!(&settings.publish, Publish::Operation(op) if plan.cases.iter().any(|c| &c.operation == op))
}

/// Publishes by running `[delivery] publish_command`, its arguments' `{type}` and `{case}`
/// replaced and the publishing tenant's credential in `CONFORMANCE_PUBLISH_TOKEN` (never in
/// the arguments, which other users of the machine can read); bounded by the case deadline.
async fn publish_by_command(
    runner: &Runner,
    command: &[String],
    case: &Case,
    event_type: &str,
    auth: Auth,
) -> Result<(), CaseError> {
    let fill = |arg: &String| arg.replace("{type}", event_type).replace("{case}", &case.name);
    let (program, args) = command
        .split_first()
        .ok_or_else(|| CaseError::Spec("[delivery] publish_command is empty".into()))?;
    let mut child = tokio::process::Command::new(program);
    child
        .args(args.iter().map(fill))
        .env("CONFORMANCE_EVENT_TYPE", event_type)
        .env("CONFORMANCE_CASE", &case.name)
        .env("CONFORMANCE_PUBLISH_TOKEN", runner.token(auth).unwrap_or_default())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let deadline = runner
        .settings()
        .delivery
        .as_ref()
        .map_or(Duration::from_secs(10), |d| d.deadline);
    let output = tokio::time::timeout(deadline, child.output())
        .await
        .map_err(|_| {
            CaseError::Spec(format!(
                "publish_command `{program}` ran past {} ms",
                deadline.as_millis()
            ))
        })?
        .map_err(|e| CaseError::Spec(format!("publish_command `{program}` did not start: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    Err(CaseError::Spec(format!(
        "publishing `{event_type}` by publish_command `{program}` failed ({}): {}",
        output.status,
        crate::text::excerpt(&String::from_utf8_lossy(&output.stderr))
    )))
}
