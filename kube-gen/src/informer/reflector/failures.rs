//! The reflector's last failure, for [`Informer::health`](crate::informer::Informer::health), and errors as one log line.

use std::sync::{Mutex, PoisonError};

use kube::core::Status;

/// The reflector's most recent list or watch failure, cleared by the next success; read
/// through [`Informer::health`](crate::informer::Informer::health).
#[derive(Debug, Default)]
pub(crate) struct Failures {
    state: Mutex<FailureState>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct FailureState {
    /// What went wrong last, e.g. `list failed: Forbidden (403): ...`.
    pub(crate) last_error: Option<String>,
    /// List and watch attempts that failed since the last one that worked.
    pub(crate) consecutive: u32,
}

impl Failures {
    pub(crate) fn failed(&self, error: String) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_error = Some(error);
        state.consecutive = state.consecutive.saturating_add(1);
    }

    pub(crate) fn succeeded(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_error = None;
        state.consecutive = 0;
    }

    pub(crate) fn snapshot(&self) -> FailureState {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// An error as one line for logs and [`InformerHealth`](crate::informer::InformerHealth): an
/// API status as `Reason (code): message` (kube's own text adds a `Debug` dump of the status),
/// anything else with its sources, which say what actually failed (`connection refused`).
pub(crate) fn describe(error: &kube::Error) -> String {
    if let kube::Error::Api(status) = error {
        return describe_status(status);
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A failure status as `Reason (code): message`, e.g. `Forbidden (403): foos is forbidden: ...`.
pub(crate) fn describe_status(status: &Status) -> String {
    let reason = if status.reason.is_empty() {
        "Failure"
    } else {
        status.reason.as_str()
    };
    format!("{reason} ({}): {}", status.code, status.message)
}
