//! `--har FILE`: every exchange of the cases (setup, the case's request, follow-ups) and every
//! delivery the receiver got (an entry each, `_step: "delivery"`, its URL the receiver's) as
//! HAR 1.2 (<http://www.softwareishard.com/blog/har-12-spec/>), for browser devtools and replay
//! tools.
//! Redacted as snapshots are: credentials, minted secrets and the run tag masked; ids and
//! timestamps the server minted written as placeholders. URLs keep the base URL, so that each
//! entry names where it went. Requests never sent (a stop, `--read-only`) are left out; a
//! request that got no answer has status 0 and the cause in `_error`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::config::Date;
use crate::exec::{Exchange, Step, Timing};
use crate::redact::Redactor;

/// The HAR log of `exchanges` (each with its case's name) and of the deliveries they got at
/// `receiver_url`, in the order the requests started.
pub fn log(exchanges: &[(&str, &Exchange)], base_url: &str, receiver_url: Option<&str>, redactor: &Redactor) -> Value {
    let mut steps: Vec<(&str, &Step, Timing)> = exchanges
        .iter()
        .flat_map(|(case, exchange)| {
            exchange
                .main
                .iter()
                .chain(&exchange.steps)
                .filter_map(move |s| Some((*case, s, s.timing?)))
        })
        .collect();
    steps.sort_by_key(|(_, _, timing)| timing.started);
    let base = base_url.trim_end_matches('/');
    let mut entries: Vec<(SystemTime, Value)> = steps
        .iter()
        .map(|(case, step, timing)| (timing.started, entry(case, step, *timing, base, redactor)))
        .collect();
    let receiver = receiver_url.unwrap_or_default().trim_end_matches('/');
    for (case, exchange) in exchanges {
        let Some(d) = &exchange.deliveries else { continue };
        for delivery in d.got.iter().chain(&d.unwanted) {
            entries.push((delivery.at, delivered(case, delivery, receiver, redactor)));
        }
    }
    entries.sort_by_key(|(at, _)| *at);
    let entries: Vec<Value> = entries.into_iter().map(|(_, e)| e).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "conformance", "version": env!("CARGO_PKG_VERSION")},
            "entries": entries,
        }
    })
}

fn entry(case: &str, step: &Step, timing: Timing, base: &str, redactor: &Redactor) -> Value {
    let millis = timing.elapsed.as_secs_f64() * 1000.0;
    let path = redactor.path(&step.sent.path);
    let query: Vec<Value> = path
        .split_once('?')
        .map(|(_, q)| q.split('&').filter(|p| !p.is_empty()).map(pair).collect())
        .unwrap_or_default();
    let headers = |pairs: &[(String, String)]| -> Vec<Value> {
        pairs
            .iter()
            .map(|(k, v)| json!({"name": k, "value": redactor.text(v)}))
            .collect()
    };
    let header = |pairs: &[(String, String)], name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut request = json!({
        "method": step.sent.method,
        "url": format!("{base}{path}"),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&step.sent.headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": step.sent.body.as_ref().map_or(0, String::len),
    });
    if let Some(body) = &step.sent.body {
        request["postData"] = json!({
            "mimeType": header(&step.sent.headers, "content-type").unwrap_or_default(),
            "text": body_text(body, redactor),
        });
    }
    let (response, error) = match &step.received {
        Ok(r) => (
            json!({
                "status": r.status,
                "statusText": http::StatusCode::from_u16(r.status).ok().and_then(|s| s.canonical_reason()).unwrap_or(""),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": headers(&r.headers),
                "content": {
                    "size": r.text.len(),
                    "mimeType": r.content_type,
                    "text": body_text(&r.text, redactor),
                },
                "redirectURL": header(&r.headers, "location").map(|l| redactor.text(&l)).unwrap_or_default(),
                "headersSize": -1,
                "bodySize": r.text.len(),
            }),
            None,
        ),
        Err(e) => (
            json!({
                "status": 0,
                "statusText": "",
                "httpVersion": "",
                "cookies": [],
                "headers": [],
                "content": {"size": 0, "mimeType": ""},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
            }),
            Some(redactor.text(&e.to_string())),
        ),
    };
    let mut entry = json!({
        "startedDateTime": iso8601(timing.started),
        "time": millis,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": millis, "receive": 0},
        "_case": case,
        "_step": step.kind.label(),
    });
    if let Some(error) = error {
        entry["_error"] = Value::String(error);
    }
    entry
}

/// A delivery as an entry: the request the server sent the receiver and what it answered.
fn delivered(case: &str, delivery: &crate::exec::Delivery, receiver: &str, redactor: &Redactor) -> Value {
    let headers: Vec<Value> = delivery
        .headers
        .iter()
        .map(|(k, v)| json!({"name": k, "value": crate::snapshot::delivery_header(k, v, redactor)}))
        .collect();
    let body = String::from_utf8_lossy(&delivery.body);
    json!({
        "startedDateTime": iso8601(delivery.at),
        "time": 0,
        "request": {
            "method": "POST",
            "url": format!("{receiver}{}", redactor.path(&delivery.path)),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": headers,
            "queryString": [],
            "headersSize": -1,
            "bodySize": delivery.body.len(),
            "postData": {
                "mimeType": delivery.header("content-type").unwrap_or_default(),
                "text": body_text(&body, redactor),
            },
        },
        "response": {
            "status": delivery.status,
            "statusText": http::StatusCode::from_u16(delivery.status).ok().and_then(|s| s.canonical_reason()).unwrap_or(""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "_case": case,
        "_step": "delivery",
    })
}

/// A query pair, percent-decoded as HAR's `queryString` holds them.
fn pair(text: &str) -> Value {
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let (name, value) = text.split_once('=').unwrap_or((text, ""));
    json!({"name": decode(name), "value": decode(value)})
}

/// A body as snapshots redact it: JSON by its keys and values, other text by its tokens.
fn body_text(text: &str, redactor: &Redactor) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(json) => redactor.json(&json).to_string(),
        Err(_) => redactor.text(text),
    }
}

/// `2026-11-30T02:23:07.123Z`.
fn iso8601(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs() % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        Date::of(time),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_are_iso_8601_utc() {
        let time = UNIX_EPOCH + Duration::from_millis(1_445_412_480_123); // 2015-10-21 07:28:00.123
        assert_eq!(super::iso8601(time), "2015-10-21T07:28:00.123Z");
    }

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(super::pair("q=x%26y"), serde_json::json!({"name": "q", "value": "x&y"}));
        assert_eq!(super::pair("flag"), serde_json::json!({"name": "flag", "value": ""}));
    }
}
