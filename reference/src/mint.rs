//! Fresh values a server makes: ids, secrets, timestamps.
//!
//! Ids, signing secrets and API keys come from the operating system's randomness and from
//! nothing else. [`check_randomness`] runs once when a server starts, which refuses to start
//! without it. Should the OS stop giving randomness afterwards, minting panics: the request
//! that needed the value fails (axum drops its connection, the message goes to stderr),
//! nothing is stored, and no guessable secret is ever handed out. A panic rather than an
//! error, because the handlers' one error path answers storage failures, and a failure
//! after a successful start-up check is a broken platform, not a condition to serve through.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The operating system gives no randomness, so no id, secret or key can be minted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRandomness(pub getrandom::Error);

impl fmt::Display for NoRandomness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the operating system gives no randomness ({}); refusing to serve without it, \
             as ids, signing secrets and API keys are made from it",
            self.0
        )
    }
}

impl std::error::Error for NoRandomness {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The start-up check: one draw from the operating system's randomness.
pub fn check_randomness() -> Result<(), NoRandomness> {
    check_source(getrandom::fill)
}

/// [`check_randomness`] over any source of bytes, so that its failure can be tested.
fn check_source(fill: impl FnOnce(&mut [u8]) -> Result<(), getrandom::Error>) -> Result<(), NoRandomness> {
    fill(&mut [0u8; 16]).map_err(NoRandomness)
}

/// `N` random bytes from the operating system; panics (see the module documentation) when
/// it gives none, which the start-up check makes a broken platform.
fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("{}", NoRandomness(e));
    }
    bytes
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random (version 4) UUID.
pub fn uuid() -> String {
    let mut b = random::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// 24 hex characters, as a MongoDB ObjectId looks.
pub fn object_id() -> String {
    hex(&random::<12>())
}

/// A signing secret with a prefix, `whsec_...`.
pub fn secret(prefix: &str) -> String {
    format!("{prefix}{}", hex(&random::<24>()))
}

/// A new API key.
pub fn api_key() -> String {
    format!("ref_{}", hex(&random::<16>()))
}

/// Now, as ISO-8601 UTC with milliseconds: `2026-04-23T10:00:00.123Z`.
pub fn now() -> String {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let (date, time) = civil(elapsed.as_secs());
    format!("{date}T{time}.{:03}Z", elapsed.subsec_millis())
}

/// Now, as FastAPI's `datetime.isoformat()` writes UTC: `2026-04-23T10:00:00+00:00`.
pub fn now_offset() -> String {
    let (date, time) = civil(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
    );
    format!("{date}T{time}+00:00")
}

/// Seconds since 1970 → (`YYYY-MM-DD`, `HH:MM:SS`), by Howard Hinnant's civil-from-days.
fn civil(secs: u64) -> (String, String) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(civil(0), ("1970-01-01".into(), "00:00:00".into()));
        assert_eq!(civil(1_709_164_800), ("2024-02-29".into(), "00:00:00".into()));
        let id = uuid();
        assert_eq!((id.len(), &id[14..15]), (36, "4"));
        assert_eq!(object_id().len(), 24);
        assert_ne!(secret("whsec_"), secret("whsec_"));
        assert!(codegen_runtime::Format::DateTime.check(&now()).is_ok());
        assert!(codegen_runtime::Format::DateTime.check(&now_offset()).is_ok());
    }

    #[test]
    fn start_up_check_refuses_a_source_without_randomness() {
        assert_eq!(check_randomness(), Ok(()));
        let e = check_source(|_| Err(getrandom::Error::UNSUPPORTED)).unwrap_err();
        assert_eq!(e, NoRandomness(getrandom::Error::UNSUPPORTED));
        let message = e.to_string();
        assert!(
            message.starts_with("the operating system gives no randomness (")
                && message
                    .ends_with("refusing to serve without it, as ids, signing secrets and API keys are made from it"),
            "{message}"
        );
        let mut filled = false;
        assert_eq!(
            check_source(|bytes| {
                filled = bytes.len() == 16;
                Ok(())
            }),
            Ok(())
        );
        assert!(filled);
    }
}
