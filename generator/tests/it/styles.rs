//! Parameter styles and form/multipart bodies (issue 12): lowering decides each parameter's
//! `style` and `explode` (OpenAPI's defaults per location) and refuses by name what a
//! location does not allow or the generator does not support; a generated server reads a
//! parameter in every style, and form and multipart bodies, answering a valid request with
//! 2xx and a broken one with the documented status and where it broke.

use std::path::Path;

use generator::model::{Api, FieldKind, ParamShape, Scalar, Serialization, Style};
use serde_json::{Value, json};

use crate::run_generated;

fn fixture() -> Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/styles.yaml");
    generator::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(text: &str) -> String {
    crate::support::refusal(text).to_string()
}

#[test]
fn serializations_are_decided_in_lowering() {
    let api = fixture();
    let op = api.operation("readStyles").unwrap();
    let of = |name: &str| op.parameters.iter().find(|p| p.name == name).unwrap();
    let s = |style, explode| Serialization { style, explode };
    assert_eq!(of("ids").serialization, s(Style::Simple, false));
    assert_eq!(of("ids").shape, ParamShape::Array(Scalar::Integer));
    assert_eq!(of("labels").serialization, s(Style::Label, true));
    assert_eq!(of("point").serialization, s(Style::Matrix, false));
    assert_eq!(of("tags").serialization, s(Style::Form, true));
    assert_eq!(of("sizes").serialization, s(Style::Form, false));
    // `explode` defaults to false for every style but form.
    assert_eq!(of("words").serialization, s(Style::SpaceDelimited, false));
    assert_eq!(of("time").serialization, s(Style::DeepObject, true));
    assert_eq!(
        of("time").shape,
        ParamShape::Object {
            properties: vec![("start".into(), Scalar::String), ("end".into(), Scalar::String)],
            others: Scalar::String,
        }
    );
    assert_eq!(of("X-Size").serialization, s(Style::Simple, true));
    assert_eq!(of("recent").serialization, s(Style::Form, false));
    assert_eq!(of("strict").shape, ParamShape::Scalar(Scalar::Boolean));
    let form = api.operation("submitForm").unwrap().body.clone().unwrap();
    assert_eq!(
        form.fields,
        [
            ("name".to_owned(), FieldKind::Text(Scalar::String)),
            ("kind".to_owned(), FieldKind::Text(Scalar::String)),
            ("count".to_owned(), FieldKind::Text(Scalar::Integer)),
            ("tags".to_owned(), FieldKind::Repeated(Scalar::String)),
            ("meta".to_owned(), FieldKind::Json),
        ]
    );
    let upload = api.operation("submitUpload").unwrap().body.clone().unwrap();
    assert_eq!(upload.media, generator::model::Media::Multipart);
}

const HEAD: &str = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'204': {description: ok}}\n      parameters:\n";

#[test]
fn what_a_location_does_not_allow_or_the_generator_does_not_support_is_refused_by_name() {
    let param = |p: &str| load_err(&format!("{HEAD}        - {p}\n"));
    let e = param("{name: f, in: header, style: deepObject, schema: {type: object}}");
    assert!(
        e.contains(
            "at #/paths/~1a/get/parameters/0/style: expected a style allowed in header (simple), found \"deepObject\""
        ),
        "{e}"
    );
    let e = param("{name: f, in: query, style: matrix, schema: {type: string}}");
    assert!(
        e.contains("parameters/0/style: expected a style allowed in query (form, spaceDelimited, pipeDelimited, deepObject), found \"matrix\""),
        "{e}"
    );
    let e = param("{name: f, in: query, style: tabDelimited, schema: {type: string}}");
    assert!(e.contains("parameters/0/style: expected one of matrix"), "{e}");
    let e = param("{name: f, in: query, allowReserved: true, schema: {type: string}}");
    assert!(
        e.contains("parameters/0/allowReserved: unsupported: `allowReserved: true` on `f`"),
        "{e}"
    );
    let e = param("{name: f, in: query, content: {application/json: {schema: {type: object}}}}");
    assert!(
        e.contains("parameters/0/content: unsupported: the parameter `f` given as `content` (`application/json`"),
        "{e}"
    );
    // A style OpenAPI does not define for the value's shape (a primitive with deepObject) is
    // a defect real specs carry: a warning, the location's default assumed.
    for (schema, what) in [("{type: string}", "a primitive"), ("{type: integer}", "a primitive")] {
        let api = generator::load_str(
            &format!("{HEAD}        - {{name: f, in: query, style: deepObject, schema: {schema}}}\n"),
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
        assert!(
            warnings.iter().any(|w| w.contains(&format!(
                "parameters/0/style: expected a style OpenAPI defines for {what} (`deepObject` is for arrays and objects); read and written as style form with explode true, the default of its location"
            ))),
            "{warnings:#?}"
        );
        let p = &api.operations[0].parameters[0];
        assert_eq!((p.serialization.style, p.serialization.explode), (Style::Form, true));
    }
    // Nested values only in deepObject's bracket form (Stripe's `expand`, an array with
    // deepObject, is `expand[0]=a`; see nested.rs).
    let e = param("{name: f, in: query, schema: {type: array, items: {type: array, items: {type: string}}}}");
    assert!(
        e.contains(
            "parameters/0/schema: unsupported: the parameter `f`, whose items or properties are arrays or objects (OpenAPI defines no style form with explode true for them; deepObject writes them in the bracket form)"
        ),
        "{e}"
    );
    let e = param("{name: f, in: query, schema: {type: object, additionalProperties: {type: string}}}");
    assert!(e.contains("declares no properties"), "{e}");
    let e = load_err(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      responses: {'204': {description: ok}}\n      requestBody:\n        content:\n          multipart/form-data:\n            schema: {type: object, properties: {f: {type: string}}}\n            encoding: {f: {headers: {X-Rate: {schema: {type: integer}}}}}\n",
    );
    assert!(
        e.contains("content/multipart~1form-data/encoding/f/headers: unsupported: the encoding `headers:"),
        "{e}"
    );
    // Another style for a form field than form or deepObject is a warning, the defaults assumed.
    let api = generator::load_str(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      responses: {'204': {description: ok}}\n      requestBody:\n        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object, properties: {expand: {type: array, items: {type: string}}}}\n            encoding: {expand: {style: pipeDelimited}}\n",
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains(
            "encoding/expand/style: unsupported: the encoding `style: \"pipeDelimited\"` of field `expand`; read and written as the defaults"
        )),
        "{warnings:#?}"
    );
    assert_eq!(
        api.operations[0].body.as_ref().unwrap().fields,
        [("expand".to_owned(), FieldKind::Repeated(Scalar::String))]
    );
}

/// A server for the fixture that answers each operation with what it read (the crate's
/// `main` is `run_generated::SEND_REQUESTS`).
const MAIN: &str = r##"
use serde_json::json;
use styles::styles::models;
use styles::styles::server::*;

struct Echo;

impl Server for Echo {
    async fn read_styles(&self, p: ReadStylesParams) -> ReadStylesResponse {
        let read = json!({
            "ids": p.ids, "labels": p.labels, "point": p.point, "tags": p.tags, "sizes": p.sizes,
            "words": p.words, "levels": p.levels, "time": p.time, "place": p.place, "strict": p.strict,
            "limit": p.limit, "X-Flags": p.x_flags, "X-Size": p.x_size, "recent": p.recent,
        });
        ReadStylesResponse::Ok(read.as_object().cloned().unwrap())
    }
    async fn submit_form(&self, body: models::Entry) -> SubmitFormResponse {
        SubmitFormResponse::Created(serde_json::to_value(body).unwrap().as_object().cloned().unwrap())
    }
    async fn submit_upload(&self, body: models::Entry) -> SubmitUploadResponse {
        SubmitUploadResponse::Created(serde_json::to_value(body).unwrap().as_object().cloned().unwrap())
    }
    fn problem_body(&self, problem: &Problem) -> models::Problem {
        let loc = problem
            .location
            .iter()
            .map(|s| match s {
                codegen_runtime::server::Segment::Key(k) => models::ProblemLocItem::String(k.clone()),
                codegen_runtime::server::Segment::Index(i) => {
                    models::ProblemLocItem::Integer(codegen_runtime::numbers::Whole(*i as i64))
                }
            })
            .collect();
        models::Problem { code: problem.kind.code().into(), loc, message: Some(problem.message.clone()) }
    }
}

"##;

const VALID_QUERY: &str = "tags=a&tags=b&sizes=1,2&words=x%20y&levels=1|2&time%5Bstart%5D=2026-03-02T00%3A00%3A00Z&time%5Bend%5D=2026-03-03T00%3A00%3A00Z&lat=1.5&lng=-2&strict=true&limit=10";

fn get(name: &str, path: &str, query: &str, headers: Value) -> Value {
    json!({"name": name, "method": "GET", "uri": format!("/base/styles/{path}?{query}"), "headers": headers})
}

fn post(name: &str, uri: &str, content_type: &str, body: &str) -> Value {
    json!({"name": name, "method": "POST", "uri": format!("/base{uri}"), "headers": {"content-type": content_type}, "body": body})
}

const MULTIPART: &str = "--xyz\r\ncontent-disposition: form-data; name=\"name\"\r\n\r\nn 1\r\n--xyz\r\ncontent-disposition: form-data; name=\"kind\"\r\n\r\ntask\r\n--xyz\r\ncontent-disposition: form-data; name=\"count\"\r\n\r\n7\r\n--xyz\r\ncontent-disposition: form-data; name=\"tags\"\r\n\r\na\r\n--xyz\r\ncontent-disposition: form-data; name=\"tags\"\r\n\r\nb,c\r\n--xyz\r\ncontent-disposition: form-data; name=\"meta\"\r\ncontent-type: application/json\r\n\r\n{\"owner\":\"me\"}\r\n--xyz--\r\n";

#[test]
fn a_generated_server_reads_every_style_and_refuses_what_breaks_it() {
    let api = fixture();
    let files = generator::emit::api_module(&api, "styles", "styles.yaml").unwrap_or_else(|e| panic!("{e}"));
    let headers = json!({"x-flags": "true,false", "x-size": "w=3,h=4", "cookie": "recent=5,6"});
    let path = "1,2/.red.blue/;point=x,3,y,4";
    let form = "name=n%201&kind=note&count=3&tags=a&tags=b%2Cc&meta=%7B%22owner%22%3A%22me%22%7D";
    // name, request, status, where the refusal points (the problem's `loc`).
    let cases: Vec<(Value, u16, Value)> = vec![
        (get("valid", path, VALID_QUERY, headers.clone()), 200, Value::Null),
        (
            get(
                "required_only",
                path,
                "tags=a&time%5Bstart%5D=2026-03-02T00:00:00Z&time%5Bend%5D=2026-03-03T00:00:00Z",
                json!({}),
            ),
            200,
            Value::Null,
        ),
        // A constrained 3.1 integer: read from its text (`10.0` is ten), checked against its bounds.
        (
            get(
                "limit_whole_float",
                path,
                &VALID_QUERY.replace("limit=10", "limit=10.0"),
                headers.clone(),
            ),
            200,
            Value::Null,
        ),
        (
            get(
                "limit_below_minimum",
                path,
                &VALID_QUERY.replace("limit=10", "limit=0"),
                json!({}),
            ),
            400,
            json!(["query", "limit"]),
        ),
        (
            get(
                "limit_not_a_number",
                path,
                &VALID_QUERY.replace("limit=10", "limit=ten"),
                json!({}),
            ),
            400,
            json!(["query", "limit"]),
        ),
        // The deepObject as one JSON value: what a reader that ignores the style sends.
        (
            get(
                "time_as_json",
                path,
                "tags=a&time=%7B%22start%22%3A%222026-03-02T00%3A00%3A00Z%22%7D",
                json!({}),
            ),
            400,
            json!(["query", "time"]),
        ),
        (
            get(
                "time_start_not_a_date",
                path,
                &VALID_QUERY.replace("2026-03-02T00%3A00%3A00Z", "monday"),
                json!({}),
            ),
            400,
            json!(["query", "time", "start"]),
        ),
        (
            get(
                "time_end_missing",
                path,
                "tags=a&time%5Bstart%5D=2026-03-02T00:00:00Z",
                json!({}),
            ),
            400,
            json!(["query", "time", "end"]),
        ),
        (
            get("ids_not_integers", "a,2/.red/;point=x,3,y,4", VALID_QUERY, json!({})),
            400,
            json!(["path", "ids", 0]),
        ),
        // A path segment is split as sent, then decoded: an encoded `,` is inside an item
        // (`1,2` is no integer), an encoded digit is a digit.
        (
            get("ids_encoded_comma", "1%2C2/.red/;point=x,3,y,4", VALID_QUERY, json!({})),
            400,
            json!(["path", "ids", 0]),
        ),
        (
            get(
                "point_encoded_digit",
                "1/.red/;point=x,%33,y,4",
                VALID_QUERY,
                headers.clone(),
            ),
            200,
            Value::Null,
        ),
        (
            get("labels_without_dot", "1/red/;point=x,3,y,4", VALID_QUERY, json!({})),
            400,
            json!(["path", "labels"]),
        ),
        (
            get("labels_outside", "1/.red.pink/;point=x,3,y,4", VALID_QUERY, json!({})),
            400,
            json!(["path", "labels", 1]),
        ),
        (
            get("point_odd", "1/.red/;point=x,3,y", VALID_QUERY, json!({})),
            400,
            json!(["path", "point"]),
        ),
        (
            get("point_negative", "1/.red/;point=x,-3,y,4", VALID_QUERY, json!({})),
            400,
            json!(["path", "point", "x"]),
        ),
        (
            get("sizes_exploded", path, &format!("{VALID_QUERY}&sizes=3"), json!({})),
            400,
            json!(["query", "sizes"]),
        ),
        (
            get(
                "levels_above_maximum",
                path,
                &VALID_QUERY.replace("levels=1|2", "levels=1|12"),
                json!({}),
            ),
            400,
            json!(["query", "levels", 1]),
        ),
        (
            get(
                "place_lat_above_maximum",
                path,
                &VALID_QUERY.replace("lat=1.5", "lat=91"),
                json!({}),
            ),
            400,
            json!(["query", "place", "lat"]),
        ),
        (
            get("flags_not_booleans", path, VALID_QUERY, json!({"x-flags": "true,yes"})),
            400,
            json!(["header", "X-Flags", 1]),
        ),
        // Bytes past ASCII in a header are text to judge, not an absent header.
        (
            get("flags_past_ascii", path, VALID_QUERY, json!({"x-flags": "true,fälse"})),
            400,
            json!(["header", "X-Flags", 1]),
        ),
        (
            get("size_not_pairs", path, VALID_QUERY, json!({"x-size": "w,3,h,4"})),
            400,
            json!(["header", "X-Size"]),
        ),
        (
            get(
                "recent_not_integers",
                path,
                VALID_QUERY,
                json!({"cookie": "recent=5,six"}),
            ),
            400,
            json!(["cookie", "recent", 1]),
        ),
        (
            post("form_valid", "/forms", "application/x-www-form-urlencoded", form),
            201,
            Value::Null,
        ),
        (
            post(
                "form_count_zero",
                "/forms",
                "application/x-www-form-urlencoded",
                &form.replace("count=3", "count=0"),
            ),
            400,
            json!(["body", "count"]),
        ),
        (
            post(
                "form_count_text",
                "/forms",
                "application/x-www-form-urlencoded",
                &form.replace("count=3", "count=three"),
            ),
            400,
            json!(["body", "count"]),
        ),
        (
            post(
                "form_kind_outside",
                "/forms",
                "application/x-www-form-urlencoded",
                &form.replace("kind=note", "kind=memo"),
            ),
            400,
            json!(["body", "kind"]),
        ),
        (
            post(
                "form_name_missing",
                "/forms",
                "application/x-www-form-urlencoded",
                &form.replace("name=n%201&", ""),
            ),
            400,
            json!(["body", "name"]),
        ),
        (
            post(
                "form_meta_not_json",
                "/forms",
                "application/x-www-form-urlencoded",
                &form.replace("meta=%7B%22owner%22%3A%22me%22%7D", "meta=me"),
            ),
            400,
            json!(["body", "meta"]),
        ),
        (
            post(
                "multipart_valid",
                "/uploads",
                "multipart/form-data; boundary=xyz",
                MULTIPART,
            ),
            201,
            Value::Null,
        ),
        (
            post(
                "multipart_count_missing",
                "/uploads",
                "multipart/form-data; boundary=xyz",
                &MULTIPART.replace(
                    "--xyz\r\ncontent-disposition: form-data; name=\"count\"\r\n\r\n7\r\n",
                    "",
                ),
            ),
            400,
            json!(["body", "count"]),
        ),
        (
            post(
                "multipart_kind_outside",
                "/uploads",
                "multipart/form-data; boundary=xyz",
                &MULTIPART.replace("\r\ntask\r\n", "\r\nchore\r\n"),
            ),
            400,
            json!(["body", "kind"]),
        ),
        (
            post(
                "multipart_unclosed",
                "/uploads",
                "multipart/form-data; boundary=xyz",
                &MULTIPART.replace("--xyz--\r\n", ""),
            ),
            400,
            json!(["body"]),
        ),
        (
            post("multipart_no_boundary", "/uploads", "multipart/form-data", MULTIPART),
            400,
            json!(["body"]),
        ),
    ];
    let answers = run_generated::send_requests("styles", files, MAIN, &cases);
    let read = &answers["valid"];
    assert_eq!(
        *read,
        json!({
            "ids": [1, 2], "labels": ["red", "blue"], "point": {"x": 3, "y": 4}, "tags": ["a", "b"],
            "sizes": [1, 2], "words": ["x", "y"], "levels": [1, 2],
            "time": {"start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z"},
            "place": {"lat": 1.5, "lng": -2.0}, "strict": true, "limit": 10, "X-Flags": [true, false],
            "X-Size": {"w": 3, "h": 4}, "recent": [5, 6],
        })
    );
    let form_read = &answers["form_valid"];
    assert_eq!(
        *form_read,
        json!({"name": "n 1", "kind": "note", "count": 3, "tags": ["a", "b,c"], "meta": {"owner": "me"}})
    );
    let upload_read = &answers["multipart_valid"];
    assert_eq!(
        *upload_read,
        json!({"name": "n 1", "kind": "task", "count": 7, "tags": ["a", "b,c"], "meta": {"owner": "me"}})
    );
}
