//! Plumbing for generated axum handlers: credentials, parameters, bodies, and the
//! [`Problem`] that a refused request becomes before the API shapes it into its error body.

use std::fmt;

use serde::{Serialize, Serializer};

mod body;
mod credentials;
mod params;
#[cfg(feature = "receiver")]
pub mod receiver;
mod response;
mod sequence;

pub use body::{DEFAULT_BODY_LIMIT, decode_form, decode_json, decode_multipart, decode_text, missing_body, read_body};
pub use credentials::{Credential, Scheme, Source, credentials, invalid_credentials, meets, missing_credentials};
pub use params::Params;
pub use response::{Bytes, bytes_response, empty_response, json_response, problem_json, text_response};
pub use sequence::{decode_sequence, sequence_response};

/// What is wrong with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// No credential the operation accepts was sent.
    MissingCredentials,
    /// A credential was sent but the server does not accept it.
    InvalidCredentials,
    /// The body is not of a media type the operation takes.
    UnsupportedMediaType,
    /// The body exceeds the server's limit.
    BodyTooLarge,
    /// The body does not parse (bad JSON, bad form encoding, not UTF-8).
    MalformedBody,
    /// A required value (body, field or parameter) is missing.
    Missing,
    /// A value has the wrong type or breaks a constraint.
    Invalid,
}

impl ProblemKind {
    /// A stable machine-readable code, for error bodies.
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::MissingCredentials => "missing_credentials",
            ProblemKind::InvalidCredentials => "invalid_credentials",
            ProblemKind::UnsupportedMediaType => "unsupported_media_type",
            ProblemKind::BodyTooLarge => "body_too_large",
            ProblemKind::MalformedBody => "json_invalid",
            ProblemKind::Missing => "missing",
            ProblemKind::Invalid => "value_error",
        }
    }

    /// Whether the request was refused for its credentials rather than its content.
    pub fn is_credentials(self) -> bool {
        matches!(self, ProblemKind::MissingCredentials | ProblemKind::InvalidCredentials)
    }
}

/// One step of where a problem is: `["body", "events", 0]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl Serialize for Segment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Segment::Key(k) => serializer.serialize_str(k),
            Segment::Index(i) => serializer.serialize_u64(*i as u64),
        }
    }
}

/// A refused request: what, where, and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Starts with the part of the request: `body`, `path`, `query`, `header`, `cookie`.
    pub location: Vec<Segment>,
    pub message: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, location: Vec<Segment>, message: impl Into<String>) -> Self {
        Problem {
            kind,
            location,
            message: message.into(),
        }
    }

    pub(crate) fn at(kind: ProblemKind, place: &str, name: Option<&str>, message: impl Into<String>) -> Self {
        let mut location = vec![Segment::Key(place.to_owned())];
        location.extend(name.map(|n| Segment::Key(n.to_owned())));
        Problem::new(kind, location, message)
    }

    /// `body.events.0`, for messages.
    pub fn location_text(&self) -> String {
        self.location
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.clone(),
                Segment::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location_text(), self.message)
    }
}
