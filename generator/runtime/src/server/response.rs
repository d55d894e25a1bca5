//! Answers: JSON, text, bytes or nothing, with the status and media type.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::Problem;

pub use bytes::Bytes;

/// A problem as JSON, for answers whose error body the spec does not describe.
pub fn problem_json(problem: &Problem) -> serde_json::Value {
    serde_json::json!({ "code": problem.kind.code(), "message": problem.message, "location": problem.location })
}

/// A JSON answer.
pub fn json_response<T: Serialize>(status: u16, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => with_type(status, bytes.into(), "application/json"),
        Err(e) => with_type(
            500,
            format!("the server could not encode its answer: {e}").into(),
            "text/plain; charset=utf-8",
        ),
    }
}

pub fn text_response(status: u16, body: String, media: &'static str) -> Response {
    with_type(status, body.into(), media)
}

pub fn bytes_response(status: u16, body: Bytes, media: &'static str) -> Response {
    with_type(status, body, media)
}

pub fn empty_response(status: u16) -> Response {
    status_code(status).into_response()
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub(super) fn with_type(status: u16, body: Bytes, media: &'static str) -> Response {
    let mut response = (status_code(status), body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}
