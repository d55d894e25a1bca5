//! The headers that prove a delivery's origin, per signing method: Standard Webhooks'
//! `webhook-signature` made by its own crate, kejue's SHA-1 variant by RustCrypto's HMAC,
//! and kejue's bearer and Basic credentials.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::target::Signing;

/// The signing key of a secret: the base64-decoded part after `whsec_`, or the UTF-8 bytes
/// of a secret chosen without that prefix (or whose rest is not base64).
pub fn key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|rest| STANDARD.decode(rest).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The headers besides `webhook-id` and `webhook-timestamp`: a name and a value each.
pub fn headers(
    signing: Signing,
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, String> {
    Ok(match signing {
        Signing::HmacSha256 => {
            let webhook = standardwebhooks::Webhook::from_bytes(key(secret)).map_err(|e| e.to_string())?;
            let signature = webhook.sign(id, timestamp, body).map_err(|e| e.to_string())?;
            vec![("webhook-signature", signature)]
        }
        Signing::HmacSha1 => {
            let mut mac = Hmac::<Sha1>::new_from_slice(&key(secret)).map_err(|e| e.to_string())?;
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(body);
            let signature = STANDARD.encode(mac.finalize().into_bytes());
            vec![("webhook-signature", format!("v1-sha1,{signature}"))]
        }
        Signing::Bearer => vec![("authorization", format!("Bearer {secret}"))],
        Signing::Basic => vec![(
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("webhook:{secret}"))),
        )],
        Signing::None => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_decoded_whsec_part_or_the_text() {
        assert_eq!(key("whsec_aGVsbG8="), b"hello");
        assert_eq!(key("my secret"), b"my secret");
        assert_eq!(key("whsec_not base64!"), b"whsec_not base64!");
    }

    #[test]
    fn a_standard_signature_verifies_with_the_reference_library() {
        let headers = headers(Signing::HmacSha256, "whsec_aGVsbG8=", "msg_1", 1_700_000_000, b"{}").unwrap();
        assert!(headers[0].1.starts_with("v1,"));
        let signature = standardwebhooks::Webhook::new("whsec_aGVsbG8=")
            .unwrap()
            .sign("msg_1", 1_700_000_000, b"{}")
            .unwrap();
        assert_eq!(headers[0].1, signature);
    }
}
