//! What stops a run before its cases can say anything: each variant names the problem and
//! carries what a caller needs to act on it. Failures of single cases are not errors here;
//! they are data in the report.

use std::error::Error as StdError;
use std::path::PathBuf;

/// A problem that stopped a run (the command line's exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The plan has no case, or none the `--operation` filter lets through.
    #[error("{suite}: no cases to run{}", if *.filtered { " for the --operation filter" } else { "" })]
    NoCases { suite: String, filtered: bool },

    /// The base URL is not an absolute http or https URL.
    #[error("the base URL `{url}` is not usable: {reason}")]
    BaseUrl { url: String, reason: String },

    /// Nothing answers at the base URL (refused, no route, DNS, timeout while connecting).
    #[error("cannot reach {url}: {cause}")]
    Unreachable { url: String, cause: String },

    /// The TLS handshake with the server failed.
    #[error("TLS with {url} failed: {problem}")]
    Tls { url: String, problem: TlsProblem },

    /// A certificate authority to trust could not be read (`--ca-cert`, `SSL_CERT_FILE`).
    #[error("{origin}: {reason}")]
    Certificates { origin: String, reason: String },

    /// The HTTP client could not be built.
    #[error("cannot make an HTTP client: {0}")]
    Client(#[source] reqwest::Error),

    /// The spec could not be read (the message names the file, line and column).
    #[error("{0}")]
    Spec(String),

    /// `conformance.toml` (or `--config`) cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// Two cases would share one snapshot file.
    #[error(
        "cases `{first}` and `{second}` would share the snapshot file {file} (file names are compared without case on macOS and Windows): rename one operationId"
    )]
    SnapshotNames {
        first: String,
        second: String,
        file: String,
    },

    /// Snapshots were asked for in a way insta does not know (`INSTA_UPDATE`), or their
    /// folder cannot be made.
    #[error("snapshots: {0}")]
    Snapshots(String),

    /// The receiver of delivery cases cannot listen.
    #[error("the delivery receiver did not start: {0}; pick another --receiver-listen address")]
    Receiver(String),

    /// Webhooks the run did not make would take the events it publishes.
    #[error(
        "not publishing: {} webhook(s) the run did not make would take its events (a `*`, null or [] filter): {}; their owners would get the run's deliveries. Run against a workspace of your own, or pass --allow-foreign-deliveries",
        .webhooks.len(),
        .webhooks.join(", ")
    )]
    ForeignDeliveries { webhooks: Vec<String> },

    /// The tenant's webhooks cannot be listed before publishing: whose they are is unknown.
    #[error("not publishing: the tenant's webhooks cannot be listed to see who would get the run's events: {0}")]
    WebhooksUnlisted(String),

    /// `sweep` cannot find or remove leftovers.
    #[error("cannot sweep: {0}")]
    Sweep(String),

    /// `--operation` names an operationId the spec does not have.
    #[error("{}", unknown_operations(.unknown, .valid))]
    UnknownOperation {
        /// Each unknown id, with the nearest valid one when one is near.
        unknown: Vec<(String, Option<String>)>,
        /// Every operationId of the spec, in spec order.
        valid: Vec<String>,
    },

    /// A credential cannot be sent at all (a character no header may carry).
    #[error("{variable} cannot be sent: {reason}")]
    CredentialUnusable { variable: &'static str, reason: String },

    /// A credential the spec's HTTP Basic scheme sends has no colon: Basic takes
    /// `user:password`, and sent as `user:` it would fail every case for a reason the report
    /// does not show (its curl command would prompt for a password).
    #[error(
        "{variable} is sent as HTTP Basic (the spec's security scheme `{scheme}`), which takes the form `user:password`, and it has no colon: set {variable} to `user:password` (`user:` for an empty password)"
    )]
    CredentialNotBasic { variable: &'static str, scheme: String },

    /// The preflight request was refused with 401 or 403: the credential is wrong (or
    /// missing), and every case would say so.
    #[error("{}", refused(.variable, *.status, .probe))]
    CredentialRefused {
        /// `CONFORMANCE_TOKEN`, `CONFORMANCE_TOKEN_ALT`, or `None` when none was set.
        variable: Option<&'static str>,
        status: u16,
        /// What was sent: `GET http://…/webhooks (listWebhooks)`.
        probe: String,
    },

    /// Every preflight request got 404: the base URL misses the spec's path prefix (or is
    /// not this API).
    #[error("{}", all_not_found(.base_path, .probe))]
    EveryRequestNotFound {
        /// The path of the spec's server URL (`/api/v1`), empty when it has none.
        base_path: String,
        probe: String,
    },

    /// So many requests in a row timed out that the server is taken as not answering.
    #[error(
        "{count} requests in a row got no answer within {} s (--timeout): the server at {url} accepts connections but does not answer, so the run stopped; raise --timeout, or --max-timeouts (0 never stops){}",
        fmt_seconds(*.timeout),
        left_behind(.cleanup_failures)
    )]
    TimedOut {
        count: u32,
        timeout: std::time::Duration,
        url: String,
        /// What the cleanup after the stop could not remove (`conformance sweep` can).
        cleanup_failures: Vec<String>,
    },
}

fn unknown_operations(unknown: &[(String, Option<String>)], valid: &[String]) -> String {
    let mut out = String::new();
    for (i, (id, near)) in unknown.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&format!("unknown operationId `{id}` in --operation"));
        if let Some(near) = near {
            out.push_str(&format!(": did you mean `{near}`?"));
        }
    }
    out.push_str(&format!("\nthe spec's operationIds: {}", valid.join(", ")));
    out
}

fn refused(variable: &Option<&'static str>, status: u16, probe: &str) -> String {
    match variable {
        Some(v) => format!("the server refused {v} ({status}) to {probe}: is {v} a valid credential for this server?"),
        None => format!(
            "the server refused a request without a credential ({status}) to {probe}: set CONFORMANCE_TOKEN (see --help for its form)"
        ),
    }
}

fn all_not_found(base_path: &str, probe: &str) -> String {
    if base_path.is_empty() || base_path == "/" {
        format!(
            "every request got 404 ({probe}): the spec's paths are at the root of its server URL; is --base-url the URL the API is served at?"
        )
    } else {
        format!("every request got 404 ({probe}): the spec's paths are below {base_path}; does --base-url include it?")
    }
}

fn left_behind(failures: &[String]) -> String {
    if failures.is_empty() {
        String::new()
    } else {
        format!(
            "\n{} resources could not be removed (run `conformance sweep` when the server answers again):\n  {}",
            failures.len(),
            failures.join("\n  ")
        )
    }
}

fn fmt_seconds(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

/// The nearest of `candidates` to `wanted`: an equal one ignoring case first, then the one
/// fewest edits away (Levenshtein), if it is near enough to be a typo.
pub fn nearest<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    if let Some(same) = candidates.iter().find(|c| c.eq_ignore_ascii_case(wanted)) {
        return Some(same);
    }
    let lower = wanted.to_lowercase();
    let (best, distance) = candidates
        .iter()
        .map(|c| (c, edit_distance(&lower, &c.to_lowercase())))
        .min_by_key(|(_, d)| *d)?;
    // A typo: at most a third of the name, and at least one character.
    (distance <= (wanted.chars().count() / 3).max(1)).then_some(best.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Why a TLS handshake failed, sorted by what fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsProblem {
    /// No trusted authority signed the server's certificate (a private CA, a self-signed
    /// certificate): trust the authority that did.
    NotTrusted { reason: String },
    /// The certificate is for another host name or address.
    WrongName { reason: String },
    /// The certificate has expired or is not valid yet.
    NotValidNow { reason: String },
    /// The server did not answer with TLS (an http:// server behind an https:// URL).
    NotTls { reason: String },
    /// Anything else (protocol versions, alerts, a client certificate the server wants).
    Other { reason: String },
}

impl std::fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsProblem::NotTrusted { reason } => write!(f, "the server's certificate is not trusted: {reason}"),
            TlsProblem::WrongName { reason } => {
                write!(f, "the server's certificate is not valid for this host: {reason}")
            }
            TlsProblem::NotValidNow { reason } => {
                write!(f, "the server's certificate is not valid at this time: {reason}")
            }
            TlsProblem::NotTls { reason } => write!(
                f,
                "the server does not speak TLS on this port (is it http://?): {reason}"
            ),
            TlsProblem::Other { reason } => write!(f, "{reason}"),
        }
    }
}

impl TlsProblem {
    /// Sorts a rustls error by what fixes it.
    pub fn from_rustls(error: &rustls::Error) -> TlsProblem {
        use rustls::CertificateError as C;
        match error {
            // webpki's words for the development certificate `openssl req -x509` makes.
            e if ca_used_as_end_entity(e) => TlsProblem::NotTrusted {
                reason: "the server presents a CA certificate as its own (a self-signed development certificate?); \
                         to trust it, give that certificate with --ca-cert"
                    .into(),
            },
            rustls::Error::InvalidCertificate(e) => {
                let reason = e.to_string();
                match e {
                    C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension | C::InvalidPurpose => {
                        TlsProblem::NotTrusted { reason }
                    }
                    C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::WrongName { reason },
                    C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
                        TlsProblem::NotValidNow { reason }
                    }
                    _ => TlsProblem::Other {
                        reason: format!("invalid certificate: {reason}"),
                    },
                }
            }
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => TlsProblem::NotTls {
                reason: error.to_string(),
            },
            other => TlsProblem::Other {
                reason: other.to_string(),
            },
        }
    }

    /// The rustls error somewhere under `error` (reqwest → hyper → io::Error → rustls), sorted.
    pub fn find(error: &(dyn StdError + 'static)) -> Option<TlsProblem> {
        find_rustls(error).map(TlsProblem::from_rustls)
    }
}

/// Whether webpki refused the server's certificate as a CA presented as a server's own
/// (`CaUsedAsEndEntity`, which rustls passes on as an "other" error).
pub(crate) fn ca_used_as_end_entity(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))
            if other.0.downcast_ref::<webpki::Error>() == Some(&webpki::Error::CaUsedAsEndEntity)
    )
}

/// Walks `source()`, looking inside `io::Error`s too: their `source()` skips the error they
/// wrap, and that is where tokio-rustls puts the rustls error.
fn find_rustls<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = find_rustls(inner)
        {
            return Some(found);
        }
        next = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(Box<dyn StdError + Send + Sync>);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }
    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&*self.0)
        }
    }

    #[test]
    fn the_rustls_error_is_found_inside_an_io_error() {
        let rustls_error = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_error);
        let chain = Wrapper(Box::new(io));
        let problem = TlsProblem::find(&chain).expect("found");
        assert!(matches!(problem, TlsProblem::NotTrusted { .. }), "{problem:?}");
        assert_eq!(
            problem.to_string(),
            "the server's certificate is not trusted: UnknownIssuer"
        );
        let plain = Wrapper(Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)));
        assert_eq!(TlsProblem::find(&plain), None);
    }

    #[test]
    fn the_nearest_operation_id_is_suggested() {
        let ids: Vec<String> = ["listWebhooks", "createWebhook", "getWebhook", "updateWebhook"]
            .map(String::from)
            .to_vec();
        assert_eq!(nearest("getwebhook", &ids), Some("getWebhook"));
        assert_eq!(nearest("GETWEBHOOK", &ids), Some("getWebhook"));
        assert_eq!(nearest("getWebhok", &ids), Some("getWebhook"));
        assert_eq!(nearest("listWebhook", &ids), Some("listWebhooks"));
        assert_eq!(nearest("nope", &ids), None);
        assert_eq!(nearest("x", &[]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let error = RunError::UnknownOperation {
            unknown: vec![("getwebhook".into(), Some("getWebhook".into())), ("nope".into(), None)],
            valid: ids,
        };
        assert_eq!(
            error.to_string(),
            "unknown operationId `getwebhook` in --operation: did you mean `getWebhook`?; unknown operationId `nope` in --operation\nthe spec's operationIds: listWebhooks, createWebhook, getWebhook, updateWebhook"
        );
    }

    #[test]
    fn problems_are_sorted_by_their_fix() {
        let wrong = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
        assert!(matches!(TlsProblem::from_rustls(&wrong), TlsProblem::WrongName { .. }));
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert!(matches!(
            TlsProblem::from_rustls(&expired),
            TlsProblem::NotValidNow { .. }
        ));
        let own_ca = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
            std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity),
        )));
        match TlsProblem::from_rustls(&own_ca) {
            TlsProblem::NotTrusted { reason } => assert!(reason.contains("--ca-cert"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let plain_http = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert!(matches!(
            TlsProblem::from_rustls(&plain_http),
            TlsProblem::NotTls { .. }
        ));
    }
}

/// A configuration that cannot be used: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", .file.display(), .line.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: PathBuf,
    /// Line and column (1-based), where known.
    pub line: Option<(usize, usize)>,
    pub message: String,
}
