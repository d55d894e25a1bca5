//! The one error a person reads when a spec cannot be turned into code: where and what.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// 1-based line and column of a place in a spec's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// What went wrong with a spec, and where: file, JSON pointer, line:column when known.
///
/// Displayed as `file:line:column: at #pointer: what`, each part only when known.
/// The fields are read through accessors, so they can change without breaking callers.
#[derive(Debug, Clone)]
pub struct Error {
    file: Option<PathBuf>,
    /// RFC 6901 pointer into the document; empty for the whole document.
    pointer: String,
    position: Option<Position>,
    kind: ErrorKind,
}

/// What went wrong, without where.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read; the `io::Error` is the [`Error`]'s
    /// [`source`](std::error::Error::source). (In an `Arc`, because `io::Error` is not `Clone`.)
    #[error("cannot read the spec: {0}")]
    Io(Arc<io::Error>),
    /// The text is not YAML or JSON.
    #[error("not valid YAML or JSON: {0}")]
    Syntax(String),
    /// A value is not what the OpenAPI schema allows here.
    #[error("expected {expected}, found {found}")]
    Invalid { expected: String, found: String },
    /// A `$ref` names nothing in the document.
    #[error("$ref `{0}` points at nothing in the document")]
    UnresolvedRef(String),
    /// A `$ref` chain comes back to where it started without reaching a schema.
    #[error("$ref `{0}` refers back to itself without reaching a schema")]
    RefCycle(String),
    /// A valid construct this generator does not turn into code.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The spec contradicts itself (e.g. a default outside its own bounds).
    #[error("the spec contradicts itself: {0}")]
    Inconsistent(String),
    /// A bug in the generator, not a problem with the spec (e.g. the code it generated
    /// does not parse).
    #[error("{0}; this is a bug in the generator")]
    Internal(String),
    /// One part of the spec (an operation, a component schema) that the generator cannot
    /// handle, left out while the rest is generated and tested: a warning (an error with
    /// `--strict`). `what` names the part; `reason` is what broke, at the error's pointer.
    #[error("{what} is left out of the generated code and the runner's plan: {reason}")]
    LeftOut { what: String, reason: Box<ErrorKind> },
}

/// Two I/O errors are equal when they are the same error, or have the same kind and message
/// (`io::Error` itself has no equality).
impl PartialEq for ErrorKind {
    fn eq(&self, other: &Self) -> bool {
        use ErrorKind::*;
        match (self, other) {
            (Io(a), Io(b)) => Arc::ptr_eq(a, b) || (a.kind() == b.kind() && a.to_string() == b.to_string()),
            (Syntax(a), Syntax(b))
            | (UnresolvedRef(a), UnresolvedRef(b))
            | (RefCycle(a), RefCycle(b))
            | (Unsupported(a), Unsupported(b))
            | (Inconsistent(a), Inconsistent(b))
            | (Internal(a), Internal(b)) => a == b,
            (
                Invalid { expected, found },
                Invalid {
                    expected: expected_b,
                    found: found_b,
                },
            ) => expected == expected_b && found == found_b,
            (
                LeftOut { what, reason },
                LeftOut {
                    what: what_b,
                    reason: reason_b,
                },
            ) => what == what_b && reason == reason_b,
            _ => false,
        }
    }
}

impl Eq for ErrorKind {}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
            && self.pointer == other.pointer
            && self.position == other.position
            && self.kind == other.kind
    }
}

impl Eq for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn at(pointer: impl Into<String>, kind: ErrorKind) -> Self {
        Error {
            file: None,
            pointer: pointer.into(),
            position: None,
            kind,
        }
    }

    pub fn invalid(pointer: impl Into<String>, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Error::at(
            pointer,
            ErrorKind::Invalid {
                expected: expected.into(),
                found: found.into(),
            },
        )
    }

    pub fn unsupported(pointer: impl Into<String>, what: impl Into<String>) -> Self {
        Error::at(pointer, ErrorKind::Unsupported(what.into()))
    }

    pub fn inconsistent(pointer: impl Into<String>, what: impl Into<String>) -> Self {
        Error::at(pointer, ErrorKind::Inconsistent(what.into()))
    }

    /// This error as the reason `what` is left out (a warning): where it broke stays.
    #[must_use]
    pub fn left_out(self, what: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::LeftOut {
                what: what.into(),
                reason: Box::new(self.kind),
            },
            ..self
        }
    }

    /// For a warning that a part was left out ([`ErrorKind::LeftOut`]), the error that left
    /// it out: where and what broke, as it would refuse the spec with `--strict`.
    pub fn left_out_reason(&self) -> Option<Error> {
        match &self.kind {
            ErrorKind::LeftOut { reason, .. } => Some(Error {
                kind: (**reason).clone(),
                ..self.clone()
            }),
            _ => None,
        }
    }

    /// A generator bug (not a problem with the spec).
    pub fn internal(what: impl Into<String>) -> Self {
        Error::at("", ErrorKind::Internal(what.into()))
    }

    /// A spec file that could not be read.
    pub fn io(file: &Path, error: io::Error) -> Self {
        Error::at("", ErrorKind::Io(Arc::new(error))).in_file(file.to_path_buf())
    }

    /// The same error, in `file`.
    #[must_use]
    pub fn in_file(mut self, file: PathBuf) -> Self {
        self.file = Some(file);
        self
    }

    /// The same error, at `pointer` (into the text of the file it is in).
    #[must_use]
    pub(crate) fn with_pointer(mut self, pointer: String) -> Self {
        self.pointer = pointer;
        self
    }

    /// The same error, at `position` in its file.
    #[must_use]
    pub fn at_position(mut self, position: Position) -> Self {
        self.position = Some(position);
        self
    }

    /// The spec file, when known.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The RFC 6901 pointer into the document; empty for the whole document.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Line and column in the spec's text, when known.
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(p) = &self.position {
                write!(f, ":{}:{}", p.line, p.column)?;
            }
            f.write_str(": ")?;
        } else if let Some(p) = &self.position {
            write!(f, "{}:{}: ", p.line, p.column)?;
        }
        if !self.pointer.is_empty() {
            write!(f, "at #{}: ", self.pointer)?;
        }
        fmt::Display::fmt(&self.kind, f)
    }
}

/// The cause, if any: the `io::Error` of an [`ErrorKind::Io`].
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(&**e),
            _ => None,
        }
    }
}
/// Appends one segment to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub use codegen_runtime::pointer::join;

/// A short, single-line rendering of a found value for error messages.
pub fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() > 60 => {
            format!("the string \"{}…\"", &s[..s.floor_char_boundary(60)])
        }
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".into(),
    }
}
