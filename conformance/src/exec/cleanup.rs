//! Removing what a run made: at the end of every run (also after failures and signals),
//! and `sweep` for what an interrupted run left: listed resources whose tagged fields hold a
//! run tag (`cfm-` and exactly 8 lowercase hex, as a whole token), page by page as the spec
//! documents its list, and nothing else.

use std::sync::Arc;

use generator::model::{Operation, ParamLocation, TypeKind, TypeRef};
use serde_json::Value;
use tokio::sync::Semaphore;

use super::retry::{Policy, Retries};
use super::{Runner, StepKind, evaluate_link};
use crate::error::RunError;
use crate::habits;
use crate::plan::{Auth, Param, ParamValue, RequestBody, Resources, carries_tag, tagged_at, wire_text};

/// What `sweep` found, and did.
#[derive(Debug, Clone, Default)]
pub struct Swept {
    /// Each tagged resource found, for people: its id and the tagged value.
    pub found: Vec<String>,
    /// How many of them were deleted (none in a dry run).
    pub removed: usize,
    /// Deletes that failed.
    pub failures: Vec<String>,
    /// How the list was read (its pages), and what could not be done.
    pub notes: Vec<String>,
}

/// How the list operation pages, as its parameters say.
#[derive(Debug, Clone, PartialEq)]
enum Paging {
    /// A cursor taken from the answer goes in this query parameter.
    Cursor(String),
    /// A page number, from this one up.
    Page(String, i64),
    /// An offset: the number of items read so far.
    Offset(String),
    None,
}

/// The most pages `sweep` reads: a server that never ends its list still ends the sweep.
const MAX_PAGES: usize = 10_000;

impl Runner {
    /// Deletes every resource the run made and has not deleted; returns what could not be.
    pub async fn cleanup(self: &Arc<Self>) -> Vec<String> {
        let pending: Vec<(String, Value)> = match self.created.lock() {
            Ok(mut created) => created
                .iter_mut()
                .filter(|c| !c.deleted)
                .map(|c| {
                    c.deleted = true;
                    (c.kind.clone(), c.body.clone())
                })
                .collect(),
            Err(_) => return vec!["the list of created resources is unreadable".into()],
        };
        // As many deletes in flight as cases were: a slow delete must not make cleanup crawl.
        let semaphore = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (kind, body) in pending {
            let (runner, semaphore) = (self.clone(), semaphore.clone());
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                runner.delete(&kind, &body).await
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
        let abandoned = self.abandoned_writes();
        if abandoned > 0 {
            failures.push(format!(
                "{abandoned} request(s) that may create resources were still unanswered when the run stopped \
                 waiting: what they made, if anything, carries the run tag; run `conformance sweep` to remove it"
            ));
        }
        failures
    }

    /// Deletes one resource of the kind `kind` (its create operation) by its create answer,
    /// retrying transient failures; the failure is a line of the report, not a stop.
    pub(crate) async fn delete(&self, kind: &str, created: &Value) -> Result<(), String> {
        let resources = self
            .plan
            .resources
            .iter()
            .find(|r| r.create == kind)
            .ok_or_else(|| format!("no create operation {kind}"))?;
        let op = resources
            .delete
            .as_ref()
            .and_then(|d| self.operation(d))
            .ok_or_else(|| format!("the spec links no delete operation to {kind}: what it made stays"))?;
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
                .send(op, &params, &body, Auth::Primary, Some(created), StepKind::Cleanup)
                .await;
            // Only what may pass is tried again: a 5xx or a request that went out and got no
            // answer. A refusal (4xx) or a request that could not be made (its id missing from
            // the create answer) fails the same way every time.
            let (failure, transient) = match &step.received {
                Ok(r) if (200..300).contains(&r.status) || r.status == 404 => return Ok(()),
                Ok(r) => (
                    format!("cleanup of {} answered {}", step.sent.path, r.status),
                    r.status >= 500,
                ),
                Err(e) => (format!("cleanup of {}: {e}", step.sent.path), step.sent.curl.is_some()),
            };
            if !transient || !retries.wait(None).await {
                return Err(failure);
            }
        }
    }

    /// Finds what earlier runs left: listed resources whose tagged fields (where the run
    /// writes its tag) hold a run tag as a whole token, for every kind of resource the run
    /// makes that can be listed; every page of each list is read first. Unless `dry_run`,
    /// each is then deleted through its kind's (linked or inferred) delete operation.
    /// Nothing else is ever deleted.
    pub async fn sweep(&self, dry_run: bool) -> Result<Swept, RunError> {
        if self.plan.resources.is_empty() {
            return Err(RunError::Sweep(
                "the spec links no create operation to the others, and none could be inferred \
                 (a POST on a collection path whose answer names the resource's id)"
                    .into(),
            ));
        }
        let mut swept = Swept::default();
        let mut why_not = Vec::new();
        let mut swept_any = false;
        for resources in &self.plan.resources {
            match self.sweep_kind(resources, dry_run, &mut swept).await? {
                Ok(()) => swept_any = true,
                Err(why) => why_not.push(why),
            }
        }
        if !swept_any {
            return Err(RunError::Sweep(why_not.join("; ")));
        }
        swept
            .notes
            .extend(why_not.into_iter().map(|why| format!("not swept: {why}")));
        Ok(swept)
    }

    /// Sweeps one kind; the inner error says why this kind cannot be swept at all.
    async fn sweep_kind(
        &self,
        resources: &Resources,
        dry_run: bool,
        swept: &mut Swept,
    ) -> Result<Result<(), String>, RunError> {
        let Some(list) = resources.list.as_ref().and_then(|l| self.operation(l)) else {
            return Ok(Err(format!(
                "{}: the spec has no list operation to find leftovers with",
                resources.create
            )));
        };
        if resources.tag_fields.is_empty() {
            return Ok(Err(format!(
                "the run writes its tag into no field of {}'s body, so nothing can be told apart as the runner's",
                resources.create
            )));
        }
        if !dry_run && resources.delete.is_none() {
            return Ok(Err(format!(
                "no delete operation is linked to {}: nothing can be removed (--dry-run lists what is left)",
                resources.create
            )));
        }
        let items = self.list_all(list, &mut swept.notes).await.map_err(RunError::Sweep)?;
        let delete_link = resources.delete.as_deref().and_then(|d| resources.link_to(d));
        let expressions: Vec<&String> = delete_link
            .map(|l| l.parameters.iter().chain(&l.request_body).map(|(_, e)| e).collect())
            .unwrap_or_default();
        let mut doomed = Vec::new();
        for item in items.into_iter().filter(|i| tagged_at(i, &resources.tag_fields)) {
            let tagged: Vec<String> = resources
                .tag_fields
                .iter()
                .filter_map(|p| {
                    let v = item.pointer(&codegen_runtime::pointer::from_segments(p))?.as_str()?;
                    carries_tag(v).then(|| format!("{} = {v}", p.join(".")))
                })
                .collect();
            // Links point into a create answer; a list item may be the object that answer wraps.
            let created = if expressions.iter().all(|e| evaluate_link(e, Some(&item)).is_ok()) {
                item
            } else {
                serde_json::json!({ "data": item })
            };
            if doomed.contains(&created) {
                continue;
            }
            let ids: Vec<String> = expressions
                .iter()
                .filter_map(|e| evaluate_link(e, Some(&created)).ok())
                .map(|v| wire_text(&v))
                .collect();
            swept.found.push(if ids.is_empty() {
                tagged.join(", ")
            } else {
                format!("{} ({})", ids.join(", "), tagged.join(", "))
            });
            doomed.push(created);
        }
        if dry_run {
            return Ok(Ok(()));
        }
        for created in doomed {
            match self.delete(&resources.create, &created).await {
                Ok(()) => swept.removed += 1,
                Err(e) => swept.failures.push(e),
            }
        }
        Ok(Ok(()))
    }

    /// Every item of the list, page after page: by the `next` link of an answer, else by the
    /// cursor, page or offset parameter the list operation documents; notes say how.
    /// One page of `list`, as JSON; an error for anything but a 2xx JSON answer.
    async fn list_page(&self, list: &Operation, params: &[Param]) -> Result<Value, String> {
        let step = self
            .send(list, params, &RequestBody::None, Auth::Primary, None, StepKind::List)
            .await;
        let received = step
            .received
            .map_err(|e| format!("listing {} failed: {e}", step.sent.path))?;
        if !(200..300).contains(&received.status) {
            return Err(format!(
                "listing {} answered {}: {}",
                step.sent.path,
                received.status,
                crate::text::excerpt(&received.text)
            ));
        }
        received
            .json
            .ok_or_else(|| format!("the list answer ({}) is not JSON", received.status))
    }

    /// Every item of `list`, page after page as the answers link or the parameters document
    /// (at most `MAX_PAGES`); how it paged goes into `notes`; an error names what failed.
    pub async fn list_all(&self, list: &Operation, notes: &mut Vec<String>) -> Result<Vec<Value>, String> {
        let paging = paging_of(self, list);
        let mut fixed = Vec::new();
        if let Some((name, max)) = page_size(self, list) {
            fixed.push(query(&name, max.to_string()));
        }
        let mut params = fixed.clone();
        if let Paging::Page(name, start) = &paging {
            params.push(query(name, start.to_string()));
        }
        let mut items = Vec::new();
        let mut seen: Vec<Vec<Param>> = Vec::new();
        let mut last_page: Vec<Value> = Vec::new();
        let mut pages = 0;
        let mut how: Option<String> = None;
        loop {
            pages += 1;
            let json = self.list_page(list, &params).await?;
            let page = items_of(&json);
            let empty = page.is_empty();
            // A server that ignores the paging parameter answers the same page again.
            let repeated = !empty && page == last_page;
            let read = if repeated { 0 } else { page.len() };
            if !repeated {
                items.extend(page.iter().cloned());
            }
            last_page = page;
            seen.push(params.clone());
            if pages >= MAX_PAGES {
                notes.push(format!("stopped after {MAX_PAGES} pages of the list"));
                break;
            }
            // The next page: a link in the answer wins, then what the parameters document.
            let next = if let Some(link) = next_link(&json, &list.path) {
                how.get_or_insert_with(|| "followed the `next` link of each answer".into());
                let mut p = fixed.clone();
                p.retain(|f| !link.iter().any(|l| l.name == f.name));
                p.extend(link);
                Some(p)
            } else {
                match &paging {
                    Paging::Cursor(name) => cursor(&json).filter(|_| !finished(&json)).map(|c| {
                        how.get_or_insert_with(|| format!("paged by the cursor parameter `{name}`"));
                        let mut p = fixed.clone();
                        p.push(query(name, c));
                        p
                    }),
                    Paging::Page(name, _) if !empty && !finished(&json) => {
                        how.get_or_insert_with(|| format!("paged by the page parameter `{name}`"));
                        let current = params
                            .iter()
                            .find(|p| &p.name == name)
                            .and_then(|p| match &p.value {
                                ParamValue::Text(t) => t.parse::<i64>().ok(),
                                ParamValue::Linked(_) | ParamValue::Respelt { .. } | ParamValue::Structured(_) => None,
                            })
                            .unwrap_or(1);
                        let mut p = fixed.clone();
                        p.push(query(name, (current + 1).to_string()));
                        Some(p)
                    }
                    Paging::Offset(name) if !empty && !finished(&json) => {
                        how.get_or_insert_with(|| format!("paged by the offset parameter `{name}`"));
                        let mut p = fixed.clone();
                        p.push(query(name, items.len().to_string()));
                        Some(p)
                    }
                    _ => None,
                }
            };
            match next {
                // A server that ignores the parameter answers the same page again: stop.
                Some(p) if !seen.contains(&p) && read > 0 => params = p,
                _ => break,
            }
        }
        notes.push(match (how, &paging) {
            (Some(how), _) => format!("read {pages} page(s) of the list: {how}"),
            (None, Paging::None) => format!(
                "{} documents no pagination (no cursor, page or offset parameter) and its answer has no \
                 `next` link: only the first page was read",
                list.operation_id
            ),
            (None, _) => "the list fit in one page".into(),
        });
        Ok(items)
    }
}

fn query(name: &str, value: String) -> Param {
    Param {
        location: ParamLocation::Query,
        name: name.to_owned(),
        value: ParamValue::Text(value),
    }
}

/// How the list operation pages, from its query parameters' names.
fn paging_of(runner: &Runner, list: &Operation) -> Paging {
    let names: Vec<&str> = list
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
        .map(|p| p.name.as_str())
        .collect();
    let find = |wanted: &[&str]| {
        names
            .iter()
            .find(|n| wanted.iter().any(|w| n.eq_ignore_ascii_case(w)))
            .map(|n| (*n).to_owned())
    };
    if let Some(name) = find(&habits::CURSOR_PARAMETERS) {
        return Paging::Cursor(name);
    }
    if let Some(name) = find(&habits::PAGE_PARAMETERS) {
        let start = list
            .parameters
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| {
                p.default
                    .as_ref()
                    .and_then(Value::as_i64)
                    .or_else(|| bounds(runner, &p.ty.ty).and_then(|(min, _)| min))
            })
            .unwrap_or(1);
        return Paging::Page(name, start);
    }
    if let Some(name) = find(&habits::OFFSET_PARAMETERS) {
        return Paging::Offset(name);
    }
    Paging::None
}

/// The page size parameter and its largest allowed value (100 when it names none).
fn page_size(runner: &Runner, list: &Operation) -> Option<(String, i64)> {
    let p = list.parameters.iter().find(|p| {
        p.location == ParamLocation::Query
            && habits::PAGE_SIZE_PARAMETERS
                .iter()
                .any(|w| p.name.eq_ignore_ascii_case(w))
    })?;
    let max = bounds(runner, &p.ty.ty).and_then(|(_, max)| max).unwrap_or(100);
    Some((p.name.clone(), max))
}

/// An integer type's bounds.
fn bounds(runner: &Runner, ty: &TypeRef) -> Option<(Option<i64>, Option<i64>)> {
    let api = &runner.plan.api;
    let TypeRef::Named(id) = api.unalias(ty) else {
        return None;
    };
    let TypeKind::Constrained(c) = &api.type_def(*id).kind else {
        return None;
    };
    Some((
        c.rules.minimum.map(|m| m.value.ceil() as i64),
        c.rules.maximum.map(|m| m.value.floor() as i64),
    ))
}

/// Objects of the answer worth looking into for paging: the answer and its object fields
/// (`meta`, `pagination`, `links`, ...).
fn paging_objects(json: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let Some(top) = json.as_object() else {
        return Vec::new();
    };
    let mut out = vec![top];
    out.extend(top.values().filter_map(Value::as_object));
    out
}

/// The query of the answer's `next` link (`next`, `next_url`, `links.next`,
/// `_links.next.href`), if it points at the list operation's path.
fn next_link(json: &Value, list_path: &str) -> Option<Vec<Param>> {
    let text = paging_objects(json).into_iter().find_map(|m| {
        habits::NEXT_LINK_KEYS.iter().find_map(|k| match m.get(*k)? {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("href").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        })
    })?;
    if !(text.starts_with('/') || text.starts_with("http://") || text.starts_with("https://")) {
        return None;
    }
    let url = reqwest::Url::parse("http://base.invalid").ok()?.join(&text).ok()?;
    // Only a page of the same list: the runner never follows a link elsewhere.
    let path = url.path().trim_end_matches('/');
    if !path.ends_with(list_path.trim_end_matches('/')) {
        return None;
    }
    Some(url.query_pairs().map(|(k, v)| query(&k, v.into_owned())).collect())
}

/// The cursor for the next page, if the answer gives one.
fn cursor(json: &Value) -> Option<String> {
    paging_objects(json).into_iter().find_map(|m| {
        habits::NEXT_CURSOR_KEYS.iter().find_map(|k| match m.get(*k)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    })
}

/// Whether the answer says it is the last page (`has_more: false`, `done: true`).
fn finished(json: &Value) -> bool {
    paging_objects(json).into_iter().any(|m| {
        habits::MORE_KEYS
            .iter()
            .any(|k| m.get(*k).and_then(Value::as_bool) == Some(false))
            || habits::DONE_KEYS
                .iter()
                .any(|k| m.get(*k).and_then(Value::as_bool) == Some(true))
    })
}

/// The objects of a list answer: a top-level array, or the first array inside.
fn items_of(json: &Value) -> Vec<Value> {
    match json {
        Value::Array(items) => items.clone(),
        Value::Object(map) => map.values().find_map(|v| v.as_array().cloned()).unwrap_or_default(),
        _ => Vec::new(),
    }
}
