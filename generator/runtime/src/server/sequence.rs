//! Sequential bodies (OpenAPI 3.2 `itemSchema`): JSON Lines, JSON text sequences and
//! server-sent events, read into and written from a list of items.

use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::body::decode_json;
use super::response::with_type;
use super::{Problem, Segment};
use crate::media::{Framing, RECORD_SEPARATOR, classify, framing, records};

/// The fields of a server-sent event; other keys of an item have no place in the stream.
const EVENT_FIELDS: [&str; 4] = ["event", "id", "retry", "data"];

/// An answer of `items` framed as `media` says.
pub fn sequence_response<T: Serialize>(status: u16, items: &[T], media: &'static str) -> Response {
    let framing = framing(&classify(media).1).unwrap_or(Framing::Lines);
    let mut out = Vec::new();
    for item in items {
        let value = match serde_json::to_value(item) {
            Ok(value) => value,
            Err(e) => {
                let message = format!("the server could not encode its answer: {e}");
                return with_type(500, message.into(), "text/plain; charset=utf-8");
            }
        };
        match framing {
            Framing::Lines => {
                out.extend(value.to_string().into_bytes());
                out.push(b'\n');
            }
            Framing::RecordSeparated => {
                out.push(RECORD_SEPARATOR);
                out.extend(value.to_string().into_bytes());
                out.push(b'\n');
            }
            Framing::EventStream => write_event(&mut out, &value),
        }
    }
    with_type(status, out.into(), media)
}

/// One event: its fields as lines (`data` split over several when it has line breaks), then a
/// blank line. A string field is written as it is, anything else as JSON.
fn write_event(out: &mut Vec<u8>, item: &Value) {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    match item {
        Value::Object(fields) => {
            for name in EVENT_FIELDS {
                let Some(value) = fields.get(name).filter(|v| !v.is_null()) else {
                    continue;
                };
                for line in text(value).split('\n') {
                    out.extend(format!("{name}: {line}\n").into_bytes());
                }
            }
        }
        other => {
            for line in text(other).split('\n') {
                out.extend(format!("data: {line}\n").into_bytes());
            }
        }
    }
    out.push(b'\n');
}

/// The items of a sequential body; a bad item is refused at `body.<index>...`.
pub fn decode_sequence<T: DeserializeOwned>(bytes: &[u8], media: &str) -> Result<Vec<T>, Problem> {
    let framing = framing(&classify(media).1).unwrap_or(Framing::Lines);
    records(bytes, framing)
        .iter()
        .enumerate()
        .map(|(index, record)| {
            decode_json(record).map_err(|mut problem| {
                problem.location.insert(1, Segment::Index(index));
                problem
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Item {
        id: u32,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Event {
        event: String,
        data: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry: Option<u64>,
    }

    async fn written<T: Serialize>(items: &[T], media: &'static str) -> String {
        let response = sequence_response(200, items, media);
        assert_eq!(response.headers()["content-type"], media);
        String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        // The body is already in memory: one poll finishes it.
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut context) {
                return v;
            }
        }
    }

    #[test]
    fn json_lines_and_sequences_round_trip() {
        let items = [Item { id: 1 }, Item { id: 2 }];
        let lines = block_on(written(&items, "application/jsonl"));
        assert_eq!(lines, "{\"id\":1}\n{\"id\":2}\n");
        assert_eq!(
            decode_sequence::<Item>(lines.as_bytes(), "application/jsonl").unwrap(),
            items
        );
        let seq = block_on(written(&items, "application/json-seq"));
        assert_eq!(seq, "\u{1e}{\"id\":1}\n\u{1e}{\"id\":2}\n");
        assert_eq!(
            decode_sequence::<Item>(seq.as_bytes(), "application/json-seq").unwrap(),
            items
        );
    }

    #[test]
    fn a_bad_item_is_refused_at_its_index() {
        let problem = decode_sequence::<Item>(b"{\"id\":1}\n\n{\"id\":\"x\"}\n", "application/x-ndjson").unwrap_err();
        assert_eq!(problem.location_text(), "body.1.id");
    }

    #[test]
    fn events_are_written_and_read_field_by_field() {
        let events = [
            Event {
                event: "tick".into(),
                data: "a\nb".into(),
                retry: Some(10),
            },
            Event {
                event: "tock".into(),
                data: "{\"n\":1}".into(),
                retry: None,
            },
        ];
        let stream = block_on(written(&events, "text/event-stream"));
        assert_eq!(
            stream,
            "event: tick\nretry: 10\ndata: a\ndata: b\n\nevent: tock\ndata: {\"n\":1}\n\n"
        );
        let read = decode_sequence::<Event>(format!(": a comment\n{stream}").as_bytes(), "text/event-stream").unwrap();
        assert_eq!(read, events);
    }
}
