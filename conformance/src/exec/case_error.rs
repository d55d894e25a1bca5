//! Why a case, or one request of it, has no answer to judge: typed, so that callers and
//! tests match on what happened rather than on words.

use super::StepKind;

/// Why a request got no answer to judge, or a case could not run to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The run was told to stop (a signal, `--max-failures`, timeouts in a row).
    #[error("the run is stopping: not sent")]
    Stopped,
    /// `--read-only` sends only GET, HEAD, OPTIONS and QUERY.
    #[error("--read-only: {method} is not sent")]
    ReadOnly { method: String },
    /// Sent, and no answer came back that could be read: a timeout, a reset, TLS, a body
    /// over the size limit.
    #[error("{0}")]
    NoAnswer(String),
    /// A value the request takes from the resource made for the case could not be read.
    #[error("{0}")]
    Link(String),
    /// The resource made for the case first could not be made.
    #[error("setup: {0}")]
    Setup(Box<CaseError>),
    /// The create that makes a case's resource answered, but not with one.
    #[error("{0}")]
    Create(String),
    /// A follow-up request of the case's scenario got no answer.
    #[error("{step}: {error}")]
    FollowUp { step: StepKind, error: Box<CaseError> },
    /// The scenario's judgement could not be made, and says why (it never passes then).
    #[error("{0}")]
    NotJudged(String),
    /// The spec has not what the case needs (an operation, a read to follow up with).
    #[error("{0}")]
    Spec(String),
    /// The runner itself failed on the case.
    #[error("the runner failed on this case: {0}")]
    Runner(String),
}

impl CaseError {
    /// Whether the case, or the step, was cut short by a stop rather than by the server.
    pub fn is_stop(&self) -> bool {
        match self {
            CaseError::Stopped => true,
            CaseError::Setup(inner) | CaseError::FollowUp { error: inner, .. } => inner.is_stop(),
            _ => false,
        }
    }
}

impl serde::Serialize for CaseError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl From<CaseError> for String {
    fn from(e: CaseError) -> String {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_is_seen_through_setup_and_follow_ups() {
        let stopped = CaseError::Setup(Box::new(CaseError::Stopped));
        assert!(stopped.is_stop());
        assert_eq!(stopped.to_string(), "setup: the run is stopping: not sent");
        let follow = CaseError::FollowUp {
            step: StepKind::ReadBack,
            error: Box::new(CaseError::NoAnswer("timed out after 1 s".into())),
        };
        assert!(!follow.is_stop());
        assert!(follow.to_string().ends_with(": timed out after 1 s"), "{follow}");
    }
}
