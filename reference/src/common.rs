//! What the four implementations share: error bodies, partial updates, storage failures.

use codegen_runtime::Nullable;
use codegen_runtime::server::{Problem, ProblemKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::store::StoreError;

/// FastAPI's `detail` list for a refused request (kejue, kallima).
pub fn fastapi_detail(problem: &Problem) -> Value {
    let kind = match problem.kind {
        ProblemKind::Missing => "missing",
        ProblemKind::MalformedBody => "json_invalid",
        ProblemKind::UnsupportedMediaType => "model_attributes_type",
        _ => problem.kind.code(),
    };
    json!([{ "loc": problem.location, "msg": problem.message, "type": kind }])
}

/// FastAPI's `detail` sentence for a refused credential.
pub fn credential_message(problem: &Problem) -> String {
    match problem.kind {
        ProblemKind::MissingCredentials => "Not authenticated".into(),
        ProblemKind::InvalidCredentials => "Invalid API key".into(),
        _ => problem.message.clone(),
    }
}

/// A stored document as the model type that answers carry.
pub fn model<T: DeserializeOwned>(doc: Value) -> Result<T, StoreError> {
    serde_json::from_value(doc).map_err(|e| StoreError(format!("a stored webhook no longer fits its schema: {e}")))
}

/// Storage failures become a 500 with the vendor's error body (`$body` makes it from the
/// message), for each of the given answer types: handlers then end in `.unwrap_or_else(Into::into)`.
macro_rules! answer_storage_failures {
    ($body:expr; $($answer:ty),* $(,)?) => {
        $(impl From<$crate::store::StoreError> for $answer {
            fn from(error: $crate::store::StoreError) -> Self {
                let body: fn(String) -> serde_json::Value = $body;
                Self::Undocumented(500, body(error.to_string()))
            }
        })*
    };
}
pub(crate) use answer_storage_failures;

/// The two FastAPI error bodies of kejue and kallima, as their `Server` trait methods: a
/// `{"detail": "..."}` for credentials and `{"detail": [{loc, msg, type}]}` for bad input.
macro_rules! fastapi_error_bodies {
    ($http_error:ident, $validation_error:ident) => {
        fn http_error_body(&self, problem: &codegen_runtime::server::Problem) -> $http_error {
            $http_error { detail: $crate::common::credential_message(problem) }
        }

        fn http_validation_error_body(&self, problem: &codegen_runtime::server::Problem) -> $validation_error {
            let body = serde_json::json!({ "detail": $crate::common::fastapi_detail(problem) });
            $crate::common::model(body).unwrap_or($validation_error { detail: Vec::new() })
        }
    };
}
pub(crate) use fastapi_error_bodies;

/// What `null` means for a field in a PATCH body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Null {
    /// `null` sets the field to null.
    Clears,
    /// `null` leaves the field as it is.
    Keeps,
}

/// Applies one field of a partial update: absent keeps, a value sets, null as `null_means`.
pub fn patch<T: Serialize>(doc: &mut Value, path: &[&str], update: &Nullable<T>, null_means: Null) {
    let value = match update {
        Nullable::Absent => return,
        Nullable::Null if null_means == Null::Keeps => return,
        Nullable::Null => Value::Null,
        Nullable::Value(v) => serde_json::to_value(v).unwrap_or(Value::Null),
    };
    set(doc, path, value);
}

/// Sets a value at a path of object keys.
pub fn set(doc: &mut Value, path: &[&str], value: Value) {
    let mut target = doc;
    for key in &path[..path.len().saturating_sub(1)] {
        target = &mut target[*key];
    }
    if let Some(last) = path.last() {
        target[*last] = value;
    }
}
