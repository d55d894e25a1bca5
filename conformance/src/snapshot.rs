//! Each case's exchange as an insta snapshot: a change of behaviour is a diff to review
//! with `cargo insta review`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use crate::exec::{Exchange, Received, Step};
use crate::plan::Case;
use crate::redact::Redactor;

/// How a case's snapshot compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Snapshot {
    Matched,
    /// Differs, or is new: a `.snap.new` waits for review (none is written when CI=true).
    Pending,
}

/// The text of a case's snapshot: the varied input, then each answer, redacted.
pub fn render(case: &Case, exchange: &Exchange, redactor: &Redactor) -> String {
    let mut out = format!(
        "case: {}\nexpect: {}\nvaried: {}\n",
        case.name,
        serde_json::to_value(case.expect)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        redactor.text(&case.varied)
    );
    if let Some(error) = &exchange.error {
        out.push_str(&format!("error: {}\n", redactor.text(error)));
    }
    if let Some(main) = &exchange.main {
        step(&mut out, main, redactor);
    }
    for s in exchange.steps.iter().filter(|s| !s.label.starts_with("setup")) {
        out.push_str(&format!("--- {}\n", s.label));
        step(&mut out, s, redactor);
    }
    out
}

fn step(out: &mut String, s: &Step, redactor: &Redactor) {
    out.push_str(&format!("request: {} {}\n", s.sent.method, redactor.text(&s.sent.path)));
    match &s.received {
        Ok(r) if s.collection => {
            let mut shown = r.clone();
            shown.json = r.json.as_ref().map(collapse_lists);
            answer(out, &shown, redactor)
        }
        Ok(r) => answer(out, r, redactor),
        Err(e) => out.push_str(&format!("error: {}\n", redactor.text(e))),
    }
}

fn answer(out: &mut String, r: &Received, redactor: &Redactor) {
    out.push_str(&format!("status: {}\n", r.status));
    let body = match &r.json {
        Some(json) => serde_json::to_string_pretty(&redactor.json(json)).unwrap_or_default(),
        None if r.text.is_empty() => return,
        None => {
            let text: String = r.text.chars().take(2000).collect();
            redactor.text(&text)
        }
    };
    out.push_str("body:\n");
    out.push_str(&body);
    out.push('\n');
}

/// Lists of resources depend on what else the run had made at that moment: the snapshot
/// keeps their shape, not their items (the checks still see every item).
fn collapse_lists(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Array(items) if items.iter().all(Value::is_object) => Value::String("[resources]".into()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), collapse_lists(v))).collect()),
        other => other.clone(),
    }
}

/// Compares `text` with the snapshot `name` in `dir` (insta's rules: INSTA_UPDATE, CI).
pub fn assert(dir: &Path, name: &str, text: &str) -> Snapshot {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    // insta reports a mismatch by panicking; the runner counts it instead of stopping.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.to_owned(), text))
    }));
    std::panic::set_hook(hook);
    match outcome {
        Ok(()) if !dir.join(format!("{name}.snap.new")).exists() => Snapshot::Matched,
        _ => Snapshot::Pending,
    }
}

/// Learns what the exchange minted, so later renders hide it.
pub fn learn(redactor: &mut Redactor, exchange: &Exchange) {
    let answers = exchange
        .main
        .iter()
        .chain(&exchange.steps)
        .filter_map(|s| s.received.as_ref().ok())
        .filter_map(|r| r.json.as_ref());
    for json in answers.chain(exchange.resource.iter()) {
        redactor.learn(json);
    }
}
