//! What generated code shares, so that each generated file stays about its own API:
//! the constraint checks behind every constrained type, JSON Schema's reading of values no Rust type fits, the absent/null/value tri-state, string enums and UUIDs as values,
//! how parameters and form fields are written and read (`style`),
//! and the request decoding and rejection plumbing of the axum server stubs.

pub mod enums;
pub mod formats;
pub mod json;
pub mod media;
pub mod newtype;
pub mod nullable;
pub mod numbers;
pub mod objects;
pub mod pattern;
pub mod pointer;
pub mod rules;
#[cfg(feature = "server")]
pub mod server;
pub mod style;
pub mod unions;
pub mod uuid;

pub use formats::Format;
pub use nullable::Nullable;
pub use rules::{ArrayRules, ConstraintError, NumberRules, StringRules};

// What the runtime's macros expand to, reachable from any crate that uses them.
#[doc(hidden)]
pub use serde as __serde;
#[doc(hidden)]
pub use serde_json as __serde_json;
