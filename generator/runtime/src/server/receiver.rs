//! What generated webhook receivers share (feature `receiver`): a delivery read within a
//! limit and verified as Standard Webhooks says, by the `standardwebhooks` crate, against the
//! secrets in force. A bad or missing signature is refused with 401, a timestamp more than
//! five minutes from now (a replay, or a clock far off) with 400, a body that is not the
//! documented payload with 400; the receiver's method sees only verified, typed payloads.

use axum::body::Body;
use axum::http::request::Parts;
use axum::response::Response;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use standardwebhooks::{Webhook, WebhookError};

use super::{DEFAULT_BODY_LIMIT, Problem, ProblemKind, decode_json, json_response, problem_json, read_body};

/// What identifies a verified delivery: the same `id` on every attempt of one event (so a
/// receiver can drop a repeat), and when this attempt was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
}

/// Reads and verifies a delivery against any of `secrets` (`whsec_` and base64, as Standard
/// Webhooks writes them; more than one while a rotation settles); [`refusal`] answers the
/// problem.
pub async fn receive(parts: &Parts, body: Body, secrets: &[String]) -> Result<(Delivery, Bytes), Problem> {
    let bytes = read_body(parts, body, DEFAULT_BODY_LIMIT, "application/json")
        .await?
        .ok_or_else(|| Problem::at(ProblemKind::Missing, "body", None, "a delivery has a body"))?;
    let mut last = None;
    for secret in secrets {
        let verified = Webhook::new(secret).and_then(|hook| hook.verify(&bytes, &parts.headers));
        match verified {
            Ok(()) => {
                let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
                let delivery = Delivery {
                    id: header("webhook-id").unwrap_or_default().to_owned(),
                    timestamp: header("webhook-timestamp")
                        .and_then(|t| t.parse().ok())
                        .unwrap_or_default(),
                };
                return Ok((delivery, bytes));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        None => Problem::at(
            ProblemKind::InvalidCredentials,
            "header",
            Some("webhook-signature"),
            "the receiver has no secret to verify with",
        ),
        Some(e) => unverified(&e),
    })
}

/// The documented payload, from a verified delivery's body.
pub fn payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    decode_json(bytes)
}

/// Why a delivery did not verify: its timestamp (400) or its signature (401).
fn unverified(e: &WebhookError) -> Problem {
    let (kind, header) = match e {
        WebhookError::InvalidTimestamp | WebhookError::TimestampTooOldError | WebhookError::FutureTimestampError => {
            (ProblemKind::Invalid, "webhook-timestamp")
        }
        _ => (ProblemKind::InvalidCredentials, "webhook-signature"),
    };
    Problem::at(kind, "header", Some(header), e.to_string())
}

/// A refused delivery's answer: 401 for credentials, 413 too large, 415 not JSON, else 400.
pub fn refusal(problem: &Problem) -> Response {
    let status = match problem.kind {
        ProblemKind::MissingCredentials | ProblemKind::InvalidCredentials => 401,
        ProblemKind::BodyTooLarge => 413,
        ProblemKind::UnsupportedMediaType => 415,
        _ => 400,
    };
    json_response(status, &problem_json(problem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn signed(body: &str, timestamp: i64, secret: &str) -> (Parts, Body) {
        let signature = Webhook::new(secret)
            .unwrap()
            .sign("msg_1", timestamp, body.as_bytes())
            .unwrap();
        let request = Request::builder()
            .method("POST")
            .header("content-type", "application/json")
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(Body::from(body.to_owned()))
            .unwrap();
        request.into_parts()
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    /// The status a refused delivery is answered with.
    async fn refused(parts: Parts, body: Body, secrets: &[String]) -> u16 {
        refusal(&receive(&parts, body, secrets).await.unwrap_err())
            .status()
            .as_u16()
    }

    #[tokio::test]
    async fn a_delivery_verifies_with_any_secret_in_force_and_not_otherwise() {
        let (parts, body) = signed("{}", now(), SECRET);
        let other = "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==".to_owned();
        let (delivery, bytes) = receive(&parts, body, &[other.clone(), SECRET.to_owned()])
            .await
            .unwrap();
        assert_eq!((delivery.id.as_str(), &bytes[..]), ("msg_1", &b"{}"[..]));
        let (parts, body) = signed("{}", now(), SECRET);
        assert_eq!(refused(parts, body, &[other]).await, 401);
    }

    #[tokio::test]
    async fn a_stale_timestamp_is_400_and_a_changed_body_401() {
        let (parts, body) = signed("{}", now() - 600, SECRET);
        assert_eq!(refused(parts, body, &[SECRET.to_owned()]).await, 400);
        let (parts, _) = signed("{}", now(), SECRET);
        assert_eq!(refused(parts, Body::from("{\"a\":1}"), &[SECRET.to_owned()]).await, 401);
    }
}
