//! The TLS client configuration, built here rather than by reqwest so that a certificate given
//! with `--ca-cert` can be trusted as the server's own, as `curl --cacert` trusts it: the
//! development certificate `openssl req -x509 ... -subj /CN=localhost` makes is its own CA
//! (CA:TRUE), and webpki refuses a CA as the server's certificate (`CaUsedAsEndEntity`).
//! Everything else is what reqwest would trust: the platform's roots (or those
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` name), Mozilla's roots unless those variables are set, and
//! the `--ca-cert` authorities.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::CaCertificate;
use crate::error::RunError;

/// The client configuration: `built_in` adds Mozilla's roots (left out when `SSL_CERT_FILE`
/// or `SSL_CERT_DIR` name the whole trust store, as with curl).
pub(super) fn config(ca_certs: &[CaCertificate], built_in: bool) -> Result<rustls::ClientConfig, RunError> {
    let problem = |origin: &str, reason: String| RunError::Certificates {
        origin: origin.to_owned(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    for ca in ca_certs {
        // Checked when read (`CaCertificate::from_pem`).
        roots
            .add(CertificateDer::from(ca.der.clone()))
            .map_err(|e| problem("--ca-cert", format!("a certificate cannot be a trust anchor: {e}")))?;
    }
    if built_in {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    // Stores often hold a few certificates webpki cannot parse; as reqwest does, those are
    // skipped, and only a store with nothing usable in it is an error.
    let native = rustls_native_certs::load_native_certs();
    let found = native.certs.len();
    let (added, _) = roots.add_parsable_certificates(native.certs);
    if found > 0 && added == 0 {
        return Err(problem(
            "the platform's trust store",
            format!("none of its {found} certificates can be read"),
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| problem("the trust store", format!("no certificate to trust ({e})")))?;
    let verifier = OwnCertificates {
        webpki,
        own: ca_certs.iter().map(|c| c.der.clone()).collect(),
        provider: provider.clone(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| problem("TLS", e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // The client speaks HTTP/1.1 only (reqwest without http2).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// webpki's verdict, except that a certificate the user gave with `--ca-cert`, presented by
/// the server as its own, is trusted as it is, still for its names only.
#[derive(Debug)]
struct OwnCertificates {
    webpki: Arc<WebPkiServerVerifier>,
    /// The `--ca-cert` certificates, DER.
    own: Vec<Vec<u8>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for OwnCertificates {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let error = match self
            .webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Ok(verified) => return Ok(verified),
            Err(e) => e,
        };
        // Trusted because the user named this very certificate, byte for byte, not because
        // anything signed it. webpki has checked its validity dates already: it refuses a CA
        // as an end entity only after them (rustls-webpki `check_issuer_independent_properties`),
        // so an expired one is refused as expired. Its names are checked here.
        if crate::error::ca_used_as_end_entity(&error) && self.own.iter().any(|c| c.as_slice() == end_entity.as_ref()) {
            let certificate = ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_name(&certificate, server_name)?;
            return Ok(ServerCertVerified::assertion());
        }
        Err(error)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
