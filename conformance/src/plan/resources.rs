//! The resources a run makes for itself: which operations create, read, change and delete
//! them (from the spec's `links`), and a valid request for any operation.

use generator::model::{Api, Link, Media, Method, Operation};
use serde_json::Value;

use super::case::{Param, ParamValue};
use super::values::{Hint, Sampler};

/// How the runner makes and removes its own resources, from the spec's `links`.
#[derive(Debug, Clone)]
pub struct Resources {
    /// The operation whose success answer links to the others.
    pub create: String,
    /// A valid, run-tagged create body.
    pub create_body: Value,
    pub create_params: Vec<Param>,
    /// Links from the create answer, by target operation.
    pub links: Vec<Link>,
    pub get: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
    pub list: Option<String>,
}

impl Resources {
    pub fn link_to(&self, operation: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.operation_id == operation)
    }
}

pub(super) fn resources(api: &Api, sampler: &Sampler, notes: &mut Vec<String>) -> Option<Resources> {
    let create = api.operations.iter().find(|op| {
        op.responses
            .iter()
            .any(|r| r.status.is_success() && !r.links.is_empty())
    })?;
    let links: Vec<Link> = create
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .flat_map(|r| r.links.clone())
        .collect();
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
    let list = api
        .operations
        .iter()
        .find(|op| {
            op.method == Method::Get
                && op.parameters.iter().all(|p| !p.required)
                && target(&[Method::Get]).as_deref() != Some(op.operation_id.as_str())
        })
        .map(|op| op.operation_id.clone());
    Some(Resources {
        create: create.operation_id.clone(),
        create_body: create_body.unwrap_or(Value::Null),
        create_params,
        get: target(&[Method::Get]),
        update: target(&[Method::Patch, Method::Put]),
        delete: target(&[Method::Delete]),
        list,
        links,
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
            value: ParamValue::Text(wire_text(&value)),
        });
    }
    let body = match &op.body {
        Some(b) if matches!(b.media, Media::Json(_)) => {
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
