//! Retrying, one way: setup (create), cleanup (delete) and 429s all count their tries and
//! wait by a [`Policy`], through [`Retries`].

use std::time::Duration;

/// How often to try again and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Tries after the first.
    pub retries: u32,
    /// The wait before the first retry is twice this, then doubles.
    pub base: Duration,
    /// No wait is longer, also not one the server asked for.
    pub cap: Duration,
}

impl Policy {
    /// Setup and cleanup: two more tries, 400 ms then 800 ms apart.
    pub(crate) const TRANSIENT: Policy = Policy {
        retries: 2,
        base: Duration::from_millis(200),
        cap: Duration::from_secs(30),
    };

    /// A 429 without `Retry-After`: 1 s, 2 s, 4 s, ...; with one, as it says, up to 30 s.
    pub(crate) const fn rate_limit(retries: u32) -> Policy {
        Policy {
            retries,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }

    /// The wait before retry number `retry` (1-based), unless the server asked for `asked`.
    pub(crate) fn wait(&self, retry: u32, asked: Option<Duration>) -> Duration {
        asked
            .unwrap_or_else(|| self.base.saturating_mul(1 << retry.min(16)))
            .min(self.cap)
    }
}

/// The retries left under a policy; each caller's loop asks it whether, and after how long,
/// to try again.
pub(crate) struct Retries {
    policy: Policy,
    used: u32,
}

impl Retries {
    pub(crate) fn new(policy: Policy) -> Retries {
        Retries { policy, used: 0 }
    }

    /// Waits before the next try (as long as `asked`, if the server said); `false`, without
    /// waiting, when the policy allows no more tries.
    pub(crate) async fn wait(&mut self, asked: Option<Duration>) -> bool {
        if self.used >= self.policy.retries {
            return false;
        }
        self.used += 1;
        tokio::time::sleep(self.policy.wait(self.used, asked)).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_are_capped() {
        let p = Policy::TRANSIENT;
        assert_eq!(p.wait(1, None), Duration::from_millis(400));
        assert_eq!(p.wait(2, None), Duration::from_millis(800));
        let r = Policy::rate_limit(3);
        assert_eq!(r.wait(1, None), Duration::from_secs(1));
        assert_eq!(r.wait(3, None), Duration::from_secs(4));
        assert_eq!(r.wait(1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(r.wait(1, Some(Duration::from_secs(3600))), Duration::from_secs(30));
        assert_eq!(r.wait(40, None), Duration::from_secs(30));
    }

    #[tokio::test]
    async fn allows_the_policy_s_retries_and_no_more() {
        let mut retries = Retries::new(Policy {
            retries: 2,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(5),
        });
        let started = std::time::Instant::now();
        assert!(retries.wait(None).await);
        assert!(
            retries.wait(Some(Duration::from_secs(60))).await,
            "the cap bounds an asked wait"
        );
        assert!(!retries.wait(None).await);
        assert!(!retries.wait(None).await);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!Retries::new(Policy::rate_limit(0)).wait(None).await);
    }
}
