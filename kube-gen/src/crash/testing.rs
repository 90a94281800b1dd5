//! A crash handler for this crate's unit tests: it records panics instead of exiting the test process.

use std::sync::{Mutex, Once, PoisonError};

use super::{Panic, set_handler};

static RECORDED: Mutex<Vec<Panic>> = Mutex::new(Vec::new());

/// Makes the process-wide crash handler record panics (once; every test may call it). Tests
/// run in parallel in one process, so each panics with a message of its own and looks only
/// for that one with [`recorded`].
pub(crate) fn record_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        set_handler(|panic| {
            RECORDED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(panic.clone());
        });
    });
}

/// The recorded panics whose message contains `message`.
pub(crate) fn recorded(message: &str) -> Vec<Panic> {
    RECORDED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|panic| panic.message().contains(message))
        .cloned()
        .collect()
}
