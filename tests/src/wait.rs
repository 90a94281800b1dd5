//! Polling with a deadline, the end-to-end tests' alternative to sleeps.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 100 ms until it returns `Some`, and panics (failing
/// the test) after `limit`, naming `what` and the last error seen.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + limit;
    let mut last = String::new();
    loop {
        match check().await {
            Ok(Some(v)) => return v,
            Ok(None) => {}
            Err(e) => last = format!("{e:#}"),
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what} (last error: {last})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
