//! Credentials as the spec's security schemes carry them.

use std::fmt;

use http::header;
use http::request::Parts;

use super::{Problem, ProblemKind};

/// Where a security scheme carries its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Header(&'static str),
    Query(&'static str),
    Cookie(&'static str),
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <base64>`.
    Basic,
}

/// A security scheme of the spec, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    pub name: &'static str,
    pub source: Source,
}

/// A credential as sent, for the server to judge.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The security scheme's name in the spec.
    pub scheme: &'static str,
    /// The key or token itself (for basic, the base64 text after `Basic `).
    pub value: String,
}

impl fmt::Debug for Credential {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("scheme", &self.scheme)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// The credentials of `schemes` that the request carries.
pub fn credentials(parts: &Parts, schemes: &[Scheme]) -> Vec<Credential> {
    let authorization = |prefix: &str| {
        parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (kind, rest) = v.split_once(' ')?;
                (kind.eq_ignore_ascii_case(prefix) && !rest.trim().is_empty()).then(|| rest.trim().to_owned())
            })
    };
    schemes
        .iter()
        .filter_map(|scheme| {
            let value = match scheme.source {
                Source::Header(name) => parts
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
                Source::Query(name) => query_pairs(parts).find(|(k, _)| k == name).map(|(_, v)| v),
                Source::Cookie(name) => cookie(parts, name),
                Source::Bearer => authorization("bearer"),
                Source::Basic => authorization("basic"),
            }?;
            Some(Credential {
                scheme: scheme.name,
                value,
            })
        })
        .collect()
}

/// Whether the credentials meet one of the alternatives (each a set of scheme names).
pub fn meets(credentials: &[Credential], alternatives: &[&[&str]]) -> bool {
    alternatives
        .iter()
        .any(|all| all.iter().all(|name| credentials.iter().any(|c| c.scheme == *name)))
}

pub fn missing_credentials(schemes: &[Scheme]) -> Problem {
    let names: Vec<String> = schemes
        .iter()
        .map(|s| match s.source {
            Source::Header(h) => format!("header {h}"),
            Source::Query(q) => format!("query parameter {q}"),
            Source::Cookie(c) => format!("cookie {c}"),
            Source::Bearer => "Authorization: Bearer".to_owned(),
            Source::Basic => "Authorization: Basic".to_owned(),
        })
        .collect();
    Problem::at(
        ProblemKind::MissingCredentials,
        "header",
        None,
        format!("Not authenticated: send {}", names.join(" or ")),
    )
}

pub fn invalid_credentials() -> Problem {
    Problem::at(ProblemKind::InvalidCredentials, "header", None, "Invalid credentials")
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    cookie_pairs(parts).find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The `name=value` pairs of the request's Cookie headers.
pub(super) fn cookie_pairs(parts: &Parts) -> impl Iterator<Item = (String, String)> + '_ {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
}

pub(super) fn query_pairs(parts: &Parts) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
}
