//! Nested values in the bracket form (issue 24): a deepObject query parameter that is an
//! array of objects with arrays inside, a map, an array of strings, and a form body whose
//! `encoding` says deepObject. Each value is written by the runtime's writer (the one the
//! conformance runner uses), sent to a generated server, read back by it and echoed: equal.
//! Broken bracket keys are refused with 400 and where they broke.

use std::path::Path;

use codegen_runtime::style::{self, Node, Scalar, Written};
use generator::model::{Api, FieldKind, ParamShape};
use serde_json::{Value, json};

use crate::run_generated;

fn fixture() -> Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nested.yaml");
    generator::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// A server that echoes what it read (the crate's `main` is `run_generated::SEND_REQUESTS`).
const MAIN: &str = r##"
use serde_json::json;
use nested::nested::models;
use nested::nested::server::*;

struct Echo;

impl Server for Echo {
    async fn preview_invoice(&self, p: PreviewInvoiceParams) -> PreviewInvoiceResponse {
        let read = json!({"lines": p.lines, "metadata": p.metadata, "expand": p.expand, "created": p.created});
        PreviewInvoiceResponse::Ok(read.as_object().cloned().unwrap())
    }
    async fn create_invoice(&self, body: models::InvoiceForm) -> CreateInvoiceResponse {
        CreateInvoiceResponse::Created(body)
    }
    fn problem_body(&self, problem: &Problem) -> models::Problem {
        let loc = problem
            .location
            .iter()
            .map(|s| match s {
                codegen_runtime::server::Segment::Key(k) => json!(k),
                codegen_runtime::server::Segment::Index(i) => json!(i),
            })
            .collect();
        models::Problem { code: problem.kind.code().into(), loc, message: Some(problem.message.clone()) }
    }
}

"##;

#[test]
fn lowering_gives_deep_object_arrays_and_nested_values_the_bracket_form() {
    let api = fixture();
    assert!(api.warnings.is_empty(), "{:#?}", api.warnings);
    let op = api.operation("previewInvoice").unwrap();
    let line = Node::Object {
        properties: vec![
            ("amount".into(), Node::Scalar(Scalar::Integer)),
            ("description".into(), Node::Scalar(Scalar::String)),
            ("tax_rates".into(), Node::array(Node::Scalar(Scalar::String))),
            (
                "period".into(),
                Node::object(
                    [
                        ("start", Node::Scalar(Scalar::Integer)),
                        ("end", Node::Scalar(Scalar::Integer)),
                    ],
                    Node::Scalar(Scalar::String),
                ),
            ),
        ],
        others: Box::new(Node::Scalar(Scalar::String)),
    };
    assert_eq!(op.parameters[0].shape, ParamShape::Nested(Node::array(line.clone())));
    // A map of primitives stays OpenAPI's own deepObject.
    assert_eq!(
        op.parameters[1].shape,
        ParamShape::Object {
            properties: Vec::new(),
            others: Scalar::String
        }
    );
    assert_eq!(
        op.parameters[2].shape,
        ParamShape::Nested(Node::array(Node::Scalar(Scalar::String)))
    );
    // A union: `created[gte]=1` reads as an object, `created=7` as a primitive.
    assert_eq!(op.parameters[3].shape, ParamShape::Nested(Node::Scalar(Scalar::Any)));
    let body = api.operation("createInvoice").unwrap().body.clone().unwrap();
    assert_eq!(
        body.fields,
        [
            ("customer".to_owned(), FieldKind::Text(Scalar::String)),
            ("lines".to_owned(), FieldKind::Nested(Node::array(line))),
            (
                "metadata".to_owned(),
                FieldKind::Nested(Node::object([], Node::Scalar(Scalar::String)))
            ),
            (
                "expand".to_owned(),
                FieldKind::Nested(Node::array(Node::Scalar(Scalar::String)))
            ),
        ]
    );
}

/// `values` written as the query of `op`'s parameters, in their styles.
fn query(api: &Api, op: &str, values: &Value) -> String {
    let op = api.operation(op).unwrap();
    let mut out = Vec::new();
    for p in &op.parameters {
        let Some(value) = values.get(&p.name) else { continue };
        match style::write(p.serialization, p.location.to_style(), &p.name, value) {
            Written::Pairs(pairs) => out.extend(pairs.into_iter().map(|(k, v)| format!("{k}={v}"))),
            Written::Text(t) => panic!("a query parameter written as text: {t}"),
        }
    }
    out.join("&")
}

fn get(name: &str, query: &str) -> Value {
    json!({"name": name, "method": "GET", "uri": format!("/invoices/preview?{query}"), "headers": {}})
}

fn post(name: &str, body: &str) -> Value {
    json!({"name": name, "method": "POST", "uri": "/invoices", "headers": {"content-type": "application/x-www-form-urlencoded"}, "body": body})
}

#[test]
fn a_generated_server_reads_back_what_the_bracket_form_wrote() {
    let api = fixture();
    let params = json!({
        "lines": [
            {"amount": 100, "tax_rates": ["txr_1", "txr_2"], "period": {"start": 1, "end": 2}},
            {"amount": 5, "description": "a&b [x]=y é", "tax_rates": []},
        ],
        "metadata": {"order id": "7", "ü=&": "é"},
        "expand": ["customer", "lines.data"],
        "created": {"gte": 1, "lte": 5},
    });
    let valid = query(&api, "previewInvoice", &params);
    assert!(
        valid.starts_with("lines%5B0%5D%5Bamount%5D=100&lines%5B0%5D%5Btax_rates%5D%5B0%5D=txr_1&"),
        "{valid}"
    );
    let form_value = json!({
        "customer": "cus_1",
        "lines": [{"amount": 3, "tax_rates": ["txr_9"], "period": {"start": 4}}],
        "metadata": {"k": "v w"},
        "expand": ["lines"],
    });
    let body = api.operation("createInvoice").unwrap().body.clone().unwrap();
    let form = style::form_text(&style::write_fields(&form_value, &body.fields));
    let empty = query(&api, "previewInvoice", &json!({"lines": []}));
    assert_eq!(empty, "lines=");
    // name, request, status, where the refusal points (the problem's `loc`).
    let cases: Vec<(Value, u16, Value)> = vec![
        (get("valid", &valid), 200, Value::Null),
        (get("empty_lines", &empty), 200, Value::Null),
        (get("created_integer", "lines=&created=7"), 200, Value::Null),
        (
            get("created_unknown_key", "lines=&created[gt]=7"),
            400,
            json!(["query", "created"]),
        ),
        // What Rails, PHP and qs write for an array of primitives.
        (get("appended", "lines=&expand[]=a&expand[]=b"), 200, Value::Null),
        (post("form_valid", &form), 201, Value::Null),
        (get("lines_missing", "expand[0]=a"), 400, json!(["query", "lines"])),
        (
            get("amount_negative", "lines[0][amount]=-1"),
            400,
            json!(["query", "lines", 0, "amount"]),
        ),
        (
            get("start_not_integer", "lines[0][amount]=1&lines[0][period][start]=x"),
            400,
            json!(["query", "lines", 0, "period", "start"]),
        ),
        (get("gap", "lines[1][amount]=1"), 400, json!(["query", "lines"])),
        (
            get("index_not_a_number", "lines[0][amount]=1&lines[x][amount]=2"),
            400,
            json!(["query", "lines"]),
        ),
        (get("unclosed", "lines[0[amount]=1"), 400, json!(["query", "lines"])),
        (
            post(
                "form_start_not_integer",
                "customer=c&lines[0][amount]=1&lines[0][period][start]=x",
            ),
            400,
            json!(["body", "lines", 0, "period", "start"]),
        ),
        (
            post("form_mixed", "customer=c&expand[0]=a&expand[]=b"),
            400,
            json!(["body"]),
        ),
    ];
    let files = generator::emit::api_module(&api, "nested", "nested.yaml").unwrap_or_else(|e| panic!("{e}"));
    let answers = run_generated::send_requests("nested", files, MAIN, &cases);
    let answer = |name: &str| answers[name].clone();
    assert_eq!(answer("valid"), params);
    assert_eq!(
        answer("empty_lines"),
        json!({"lines": [], "metadata": null, "expand": null, "created": null})
    );
    assert_eq!(answer("created_integer")["created"], json!(7));
    assert_eq!(answer("appended")["expand"], json!(["a", "b"]));
    assert_eq!(answer("form_valid"), form_value);
}
