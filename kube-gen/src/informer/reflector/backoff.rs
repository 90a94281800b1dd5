//! Exponential backoff with jitter between failed lists and watches.

use std::hash::BuildHasher;
use std::time::Duration;

/// Exponential backoff with jitter: each wait is the current step plus up to the step again,
/// and the step doubles up to `max`; anything the server delivers resets it.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            step: initial,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.step = self.initial;
    }

    pub(crate) fn next_wait(&mut self) -> Duration {
        let wait = self.step.mul_f64(1.0 + jitter()).min(self.max);
        self.step = (self.step * 2).min(self.max);
        wait
    }
}

/// A number in `[0, 1)`, from the standard library's randomly keyed hasher.
pub(crate) fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}
