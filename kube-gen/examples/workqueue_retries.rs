//! The workqueue: rate-limited retries with per-key exponential backoff, giving up on a key
//! after a few failures, and client-go's `workqueue_*` metrics.
//!
//! Three keys go into a queue whose rate limiter waits 50 ms after a key's first failure,
//! then 100 ms, 200 ms, 400 ms: `default/ok` syncs at once, `default/flaky` fails twice and
//! then syncs, `default/broken` always fails and is dropped after `MAX_RETRIES` retries. The
//! worker follows the protocol of every controller worker (`get`, sync, then `forget` or
//! `add_rate_limited`, and always `done`); the example prints each attempt with the time it
//! ran, then the queue's metrics as Prometheus would scrape them.
//!
//! It needs no cluster and exits on its own:
//!
//! ```text
//! cargo run -p kube-gen --example workqueue_retries
//! ```
//!
//! A controller would use `controller_rate_limiter(50.0, 300)` (this per-key backoff plus an
//! overall token bucket, as sample-controller does) and serve the registry on `/metrics`.

use std::time::Duration;

use kube_gen::workqueue::{ItemExponentialFailureRateLimiter, WorkQueue, WorkQueueMetrics};
use prometheus_client::registry::Registry;
use tokio::time::Instant;

/// Retries of one key before the worker gives up on it.
const MAX_RETRIES: u32 = 4;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut registry = Registry::default();
    let metrics = WorkQueueMetrics::register(&mut registry);
    let queue = WorkQueue::<String>::builder()
        .name("example")
        .rate_limiter(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(50),
            Duration::from_secs(1),
        ))
        .metrics(&metrics)
        .build();

    let keys = ["default/ok", "default/flaky", "default/broken"];
    for key in keys {
        queue.add(key.to_owned());
    }
    let worker = tokio::spawn(run_worker(queue.clone(), keys.len()));
    worker.await?;

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    println!("metrics (histogram buckets left out):");
    for line in text.lines() {
        if line.starts_with("workqueue_") && !line.contains("_bucket") {
            println!("  {line}");
        }
    }
    Ok(())
}

/// Takes keys until the queue shuts down, which it does once every key is either synced or
/// given up on.
async fn run_worker(queue: WorkQueue<String>, keys: usize) {
    let started = Instant::now();
    let mut finished = 0;
    while let Some(key) = queue.get().await {
        let retries = queue.num_requeues(&key);
        let at = started.elapsed().as_millis();
        match sync(&key, retries) {
            Ok(()) => {
                println!("{at:>5} ms  {key}: synced after {retries} retries");
                // Success: forget the key's failures, so its next one starts at 50 ms again.
                queue.forget(&key);
                finished += 1;
            }
            Err(err) if retries < MAX_RETRIES => {
                println!("{at:>5} ms  {key}: {err}; retrying with backoff");
                // Failure: re-add after this key's backoff; this counts a retry.
                queue.add_rate_limited(key.clone());
            }
            Err(err) => {
                println!("{at:>5} ms  {key}: {err}; giving up after {retries} retries");
                // Give up: forget without re-adding, as client-go's workers do.
                queue.forget(&key);
                finished += 1;
            }
        }
        // Always: the key may be handed out again (a re-add waits until now).
        queue.done(&key);
        if finished == keys {
            queue.shut_down();
        }
    }
}

/// Pretend reconcile: `ok` works, `flaky` works from its third attempt, `broken` never does.
fn sync(key: &str, retries: u32) -> Result<(), String> {
    match key {
        "default/flaky" if retries < 2 => Err("connection refused".into()),
        "default/broken" => Err("spec.replicas: must be positive".into()),
        _ => Ok(()),
    }
}
