//! The one error a person reads when a spec cannot be turned into code: where and what.

use std::fmt;
use std::path::PathBuf;

use crate::load::locate::Position;

/// What went wrong with a spec, and where: file, JSON pointer, line:column when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub file: Option<PathBuf>,
    /// RFC 6901 pointer into the document; empty for the whole document.
    pub pointer: String,
    pub position: Option<Position>,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be read.
    Io(String),
    /// The text is not YAML or JSON.
    Syntax(String),
    /// A value is not what the OpenAPI schema allows here.
    Invalid { expected: String, found: String },
    /// A `$ref` names nothing in the document.
    UnresolvedRef(String),
    /// A `$ref` chain comes back to where it started without reaching a schema.
    RefCycle(String),
    /// A valid construct this generator does not turn into code.
    Unsupported(String),
    /// The spec contradicts itself (e.g. a default outside its own bounds).
    Inconsistent(String),
}

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
        match &self.kind {
            ErrorKind::Io(e) => write!(f, "cannot read the spec: {e}"),
            ErrorKind::Syntax(e) => write!(f, "not valid YAML or JSON: {e}"),
            ErrorKind::Invalid { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::UnresolvedRef(r) => {
                write!(f, "$ref `{r}` points at nothing in the document")
            }
            ErrorKind::RefCycle(r) => write!(f, "$ref `{r}` refers back to itself without reaching a schema"),
            ErrorKind::Unsupported(what) => write!(f, "unsupported: {what}"),
            ErrorKind::Inconsistent(what) => write!(f, "the spec contradicts itself: {what}"),
        }
    }
}

impl std::error::Error for Error {}

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
