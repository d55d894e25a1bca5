//! Removing what a run made: at the end of every run (also after failures and Ctrl-C), and
//! `sweep` for what an interrupted run left.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Semaphore;

use super::retry::{Policy, Retries};
use super::{Runner, evaluate_link};
use crate::error::RunError;
use crate::plan::{Auth, RequestBody};

impl Runner {
    /// Deletes every resource the run made and has not deleted; returns what could not be.
    pub async fn cleanup(self: &Arc<Self>) -> Vec<String> {
        let pending: Vec<Value> = match self.created.lock() {
            Ok(mut created) => created
                .iter_mut()
                .filter(|c| !c.deleted)
                .map(|c| {
                    c.deleted = true;
                    c.body.clone()
                })
                .collect(),
            Err(_) => return vec!["the list of created resources is unreadable".into()],
        };
        // As many deletes in flight as cases were: a slow delete must not make cleanup crawl.
        let semaphore = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for body in pending {
            let (runner, semaphore) = (self.clone(), semaphore.clone());
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                runner.delete(&body).await
            });
        }
        let mut failures = Vec::new();
        while let Some(outcome) = tasks.join_next().await {
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push(e),
                Err(e) => failures.push(format!("a cleanup task failed: {e}")),
            }
        }
        failures.sort();
        failures
    }

    /// Deletes one resource by its create answer, retrying transient failures; the failure
    /// is a line of the report, not a stop.
    pub(crate) async fn delete(&self, created: &Value) -> Result<(), String> {
        let resources = self.plan.resources.as_ref().ok_or("no create operation")?;
        let op = resources
            .delete
            .as_ref()
            .and_then(|d| self.operation(d))
            .ok_or("the spec links no delete operation: resources stay")?;
        let link = resources
            .link_to(&op.operation_id)
            .ok_or("no link to the delete operation")?;
        let params = self.linked_params(op);
        let body = if link.request_body.is_empty() {
            RequestBody::None
        } else {
            let mut b = serde_json::Map::new();
            for (field, expression) in &link.request_body {
                b.insert(field.clone(), evaluate_link(expression, Some(created))?);
            }
            RequestBody::Json(Value::Object(b))
        };
        let mut retries = Retries::new(Policy::TRANSIENT);
        loop {
            let step = self
                .send(op, &params, &body, Auth::Primary, Some(created), "cleanup")
                .await;
            let failure = match &step.received {
                Ok(r) if (200..300).contains(&r.status) || r.status == 404 => return Ok(()),
                Ok(r) => format!("cleanup of {} answered {}", step.sent.path, r.status),
                Err(e) => format!("cleanup of {}: {e}", step.sent.path),
            };
            if !retries.wait(None).await {
                return Err(failure);
            }
        }
    }

    /// Removes what earlier runs left: listed resources that carry a runner tag.
    pub async fn sweep(&self) -> Result<(usize, Vec<String>), RunError> {
        let resources = self
            .plan
            .resources
            .as_ref()
            .ok_or_else(|| RunError::Sweep("the spec links no create operation".into()))?;
        let list = resources
            .list
            .as_ref()
            .and_then(|l| self.operation(l))
            .ok_or_else(|| RunError::Sweep("the spec has no list operation to find leftovers with".into()))?;
        let step = self
            .send(list, &[], &RequestBody::None, Auth::Primary, None, "list")
            .await;
        let received = step
            .received
            .map_err(|e| RunError::Sweep(format!("listing failed: {e}")))?;
        let json = received
            .json
            .ok_or_else(|| RunError::Sweep(format!("the list answer ({}) is not JSON", received.status)))?;
        let items = items_of(&json);
        let mut removed = 0;
        let mut failures = Vec::new();
        let delete_link = resources.delete.as_deref().and_then(|d| resources.link_to(d));
        let expressions: Vec<&String> = delete_link
            .map(|l| l.parameters.iter().chain(&l.request_body).map(|(_, e)| e).collect())
            .unwrap_or_default();
        for item in items.into_iter().filter(|i| i.to_string().contains(crate::TAG_PREFIX)) {
            // Links point into a create answer; a list item may be the object that answer wraps.
            let created = if expressions.iter().all(|e| evaluate_link(e, Some(&item)).is_ok()) {
                item
            } else {
                serde_json::json!({ "data": item })
            };
            match self.delete(&created).await {
                Ok(()) => removed += 1,
                Err(e) => failures.push(e),
            }
        }
        Ok((removed, failures))
    }
}

/// The objects of a list answer: a top-level array, or the first array inside.
fn items_of(json: &Value) -> Vec<Value> {
    match json {
        Value::Array(items) => items.clone(),
        Value::Object(map) => map.values().find_map(|v| v.as_array().cloned()).unwrap_or_default(),
        _ => Vec::new(),
    }
}
