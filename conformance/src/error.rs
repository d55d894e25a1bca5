//! What stops a run before its cases can say anything: each variant names the problem and
//! carries what a caller needs to act on it. Failures of single cases are not errors here;
//! they are data in the report.

use std::error::Error as StdError;

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

    /// `sweep` cannot find or remove leftovers.
    #[error("cannot sweep: {0}")]
    Sweep(String),
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
    fn problems_are_sorted_by_their_fix() {
        let wrong = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
        assert!(matches!(TlsProblem::from_rustls(&wrong), TlsProblem::WrongName { .. }));
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert!(matches!(
            TlsProblem::from_rustls(&expired),
            TlsProblem::NotValidNow { .. }
        ));
        let plain_http = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert!(matches!(
            TlsProblem::from_rustls(&plain_http),
            TlsProblem::NotTls { .. }
        ));
    }
}
