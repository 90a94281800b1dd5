//! kube-gen's side of benchmark B4: the scenarios of
//! `bench/go/clientgo/cmd/workqueue` on a [`WorkQueue`], one JSON line of
//! operations per second. See that file for the scenarios and what counts as
//! an operation; the two must stay the same.
//!
//! Workers and the producer are Tokio tasks on the multi-threaded runtime (one
//! worker thread per core), as goroutines run on one thread per core.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use kube_gen::workqueue::{ItemExponentialFailureRateLimiter, WorkQueue};

#[derive(Debug, Parser)]
struct Args {
    /// Distinct keys per scenario.
    #[arg(long, default_value_t = 10_000)]
    keys: usize,
}

/// How often each scenario runs per process; the median is kept, because one
/// run of 10,000 keys takes only milliseconds.
const REPEATS: usize = 5;
/// Requeues per key in the rate-limited scenario.
const REQUEUES: u32 = 3;

fn new_queue() -> WorkQueue<String> {
    new_queue_with(Duration::from_micros(1), Duration::from_millis(1))
}

/// [`new_queue`] with the per-item backoff's base and cap.
fn new_queue_with(base: Duration, max: Duration) -> WorkQueue<String> {
    WorkQueue::builder()
        .name("bench")
        .rate_limiter(ItemExponentialFailureRateLimiter::new(base, max))
        .build()
}

fn keys(n: usize) -> Arc<Vec<String>> {
    Arc::new((0..n).map(|i| format!("ns/obj-{i}")).collect())
}

fn per_second(ops: u64, started: Instant) -> f64 {
    ops as f64 / started.elapsed().as_secs_f64()
}

/// One producer adding 2n keys while `workers` workers get and done.
async fn add_get_done(n: usize, workers: usize) -> f64 {
    let (queue, keys) = (new_queue(), keys(n));
    let ops = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (queue, ops) = (queue.clone(), Arc::clone(&ops));
            tokio::spawn(async move {
                let mut local = 0;
                loop {
                    local += 1;
                    let Some(key) = queue.get().await else { break };
                    queue.done(&key);
                    local += 1;
                }
                ops.fetch_add(local, Ordering::Relaxed);
            })
        })
        .collect();
    let producer = tokio::spawn({
        let queue = queue.clone();
        async move {
            for j in 0..2 * n {
                queue.add(keys[(j * 7919) % n].clone());
            }
            queue.shut_down();
        }
    });
    producer.await.expect("producer");
    for task in tasks {
        task.await.expect("worker");
    }
    per_second(ops.load(Ordering::Relaxed) + 2 * n as u64 + 1, started)
}

/// Runs 2 workers, each calling `handle` (which returns the operations it
/// made) on every item, until `total` items were handled; then shuts down.
fn workers(
    queue: &WorkQueue<String>,
    total: u64,
    ops: &Arc<AtomicU64>,
    handle: fn(&WorkQueue<String>, &String) -> u64,
) -> Vec<tokio::task::JoinHandle<()>> {
    let processed = Arc::new(AtomicU64::new(0));
    (0..2)
        .map(|_| {
            let (queue, ops, processed) = (queue.clone(), Arc::clone(ops), Arc::clone(&processed));
            tokio::spawn(async move {
                loop {
                    ops.fetch_add(1, Ordering::Relaxed);
                    let Some(key) = queue.get().await else { return };
                    let made = handle(&queue, &key);
                    queue.done(&key);
                    ops.fetch_add(made + 1, Ordering::Relaxed);
                    if processed.fetch_add(1, Ordering::Relaxed) + 1 == total {
                        queue.shut_down();
                    }
                }
            })
        })
        .collect()
}

async fn add_after(n: usize) -> f64 {
    let (queue, keys) = (new_queue(), keys(n));
    let ops = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks = workers(&queue, n as u64, &ops, |_, _| 0);
    let producer = tokio::spawn({
        let queue = queue.clone();
        async move {
            for (i, key) in keys.iter().enumerate() {
                queue.add_after(key.clone(), Duration::from_micros((i % 1000) as u64));
            }
        }
    });
    producer.await.expect("producer");
    for task in tasks {
        task.await.expect("worker");
    }
    per_second(ops.load(Ordering::Relaxed) + n as u64, started)
}

async fn rate_limited(n: usize, queue: WorkQueue<String>) -> f64 {
    let keys = keys(n);
    let ops = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let total = n as u64 * u64::from(REQUEUES + 1);
    let tasks = workers(&queue, total, &ops, |queue, key| {
        if queue.num_requeues(key) < REQUEUES {
            queue.add_rate_limited(key.clone());
        } else {
            queue.forget(key);
        }
        1
    });
    let producer = tokio::spawn({
        let queue = queue.clone();
        async move {
            for key in keys.iter() {
                queue.add(key.clone());
            }
        }
    });
    producer.await.expect("producer");
    for task in tasks {
        task.await.expect("worker");
    }
    per_second(ops.load(Ordering::Relaxed) + n as u64, started)
}

async fn median(mut run: impl AsyncFnMut() -> f64) -> f64 {
    let mut v = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        v.push(run().await);
    }
    v.sort_by(f64::total_cmp);
    v[REPEATS / 2]
}

async fn suite(n: usize) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for workers in [1, 2, 8] {
        let v = median(async || add_get_done(n, workers).await).await;
        out.insert(format!("add_get_done_{workers}"), v.into());
    }
    out.insert(
        "add_after".into(),
        median(async || add_after(n).await).await.into(),
    );
    out.insert(
        "rate_limited".into(),
        median(async || rate_limited(n, new_queue()).await)
            .await
            .into(),
    );
    // client-go's default per-item backoff (`default_controller_rate_limiter`'s, without its
    // 10 qps bucket, which would make this run take an hour)
    let defaults = || new_queue_with(Duration::from_millis(5), Duration::from_secs(1000));
    out.insert(
        "rate_limited_5ms".into(),
        median(async || rate_limited(n, defaults()).await)
            .await
            .into(),
    );
    out
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    // Warm-up: the allocator, the scheduler, the timer wheel.
    suite((args.keys / 10).max(1)).await;
    let mut result = suite(args.keys).await;
    result.insert("impl".into(), "kube-gen".into());
    result.insert("keys".into(), args.keys.into());
    kube_gen_bench::emit(&result.into());
}
