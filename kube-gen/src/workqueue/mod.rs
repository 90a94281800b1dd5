//! client-go's workqueue: a rate-limited, delaying queue of keys that controller workers share.
//!
//! A controller's event handlers [`add`](WorkQueue::add) the key (`namespace/name`) of each
//! object that changed; workers take keys with [`get`](WorkQueue::get) and reconcile them.
//! The queue stores keys, not objects, so a burst of events for one object becomes one
//! reconcile that reads the latest state from the cache.
//!
//! # Guarantees
//!
//! - **One worker per item.** An item handed out by `get` is *processing* until the worker
//!   calls [`done`](WorkQueue::done). Adding it meanwhile does not hand it to a second worker:
//!   it is queued again when `done` is called, so the change is not lost either.
//! - **Duplicates collapse.** Adding an item that is already waiting does nothing.
//! - **Fair order.** Items come out in the order they were first added.
//! - **Delays without threads.** [`add_after`](WorkQueue::add_after) puts the item on a timer
//!   heap run by one Tokio task per queue, spawned on first use. Adding an item that is
//!   already waiting keeps the earlier time.
//! - **Backoff.** [`add_rate_limited`](WorkQueue::add_rate_limited) asks the queue's
//!   [`RateLimiter`] how long to wait; [`forget`](WorkQueue::forget) resets it.
//! - **Orderly shutdown.** After [`shut_down`](WorkQueue::shut_down) new adds are ignored,
//!   waiting items are still handed out, and then `get` returns `None` so workers exit.
//!   [`shut_down_with_drain`](WorkQueue::shut_down_with_drain) also waits for the items in
//!   flight to be `done`.
//!
//! # The worker protocol
//!
//! Every item from `get` must be passed to `done` exactly once, whatever happened: put it
//! right after processing, before any early `continue`. On success call `forget`, so the
//! next failure of that key starts from the shortest backoff; on a retryable failure call
//! `add_rate_limited`, which both delays the retry and counts the failure. A worker gives up
//! on a key by calling `forget` without re-adding it.
//!
//! ```
//! use std::time::Duration;
//! use kube_gen::workqueue::{WorkQueue, controller_rate_limiter};
//!
//! /// Pretend reconcile: fails the first time it sees each key.
//! fn sync_handler(key: &str, attempt: u32) -> Result<(), String> {
//!     if attempt == 0 { Err(format!("{key}: not yet")) } else { Ok(()) }
//! }
//!
//! async fn run_worker(queue: WorkQueue<String>) {
//!     while let Some(key) = queue.get().await {
//!         match sync_handler(&key, queue.num_requeues(&key)) {
//!             // Success: reset the key's backoff.
//!             Ok(()) => queue.forget(&key),
//!             // Failure: retry later, backing off per key and overall.
//!             Err(_) => queue.add_rate_limited(key.clone()),
//!         }
//!         // Always: let the key be handed out again.
//!         queue.done(&key);
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let queue = WorkQueue::builder()
//!     .name("foos")
//!     .rate_limiter(controller_rate_limiter(50.0, 300))
//!     .build();
//! let workers: Vec<_> = (0..2).map(|_| tokio::spawn(run_worker(queue.clone()))).collect();
//!
//! queue.add("default/foo".to_owned());
//! queue.add("default/bar".to_owned());
//! // ... until the controller is told to stop:
//! tokio::time::sleep(Duration::from_secs(1)).await;
//! queue.shut_down_with_drain().await;
//! for worker in workers {
//!     worker.await.unwrap();
//! }
//! assert_eq!(queue.num_requeues(&"default/foo".to_owned()), 0, "succeeded and forgotten");
//! # }
//! ```
//!
//! # From client-go
//!
//! | client-go (`k8s.io/client-go/util/workqueue`)           | kube-gen                                         |
//! |---------------------------------------------------------|--------------------------------------------------|
//! | `TypedRateLimitingInterface[T]`                          | [`WorkQueue<T>`] (one type: plain, delaying and rate limited) |
//! | `NewTypedRateLimitingQueueWithConfig(limiter, config)`  | [`WorkQueue::builder`]`().rate_limiter(..).build()` |
//! | `TypedRateLimitingQueueConfig.Name`                     | [`WorkQueueBuilder::name`]                       |
//! | `MetricsProvider`, `SetProvider`                        | [`WorkQueueMetrics::register`], [`WorkQueueBuilder::metrics`] |
//! | `Add`, `Len`, `Done`                                     | [`add`](WorkQueue::add), [`len`](WorkQueue::len), [`done`](WorkQueue::done) |
//! | `Get() (item T, shutdown bool)`                          | [`async fn get`](WorkQueue::get)` -> Option<T>`  |
//! | `ShutDown`, `ShutDownWithDrain`, `ShuttingDown`          | [`shut_down`](WorkQueue::shut_down), [`shut_down_with_drain`](WorkQueue::shut_down_with_drain) (async), [`is_shutting_down`](WorkQueue::is_shutting_down) |
//! | `AddAfter`                                               | [`add_after`](WorkQueue::add_after)              |
//! | `AddRateLimited`, `Forget`, `NumRequeues`                | [`add_rate_limited`](WorkQueue::add_rate_limited), [`forget`](WorkQueue::forget), [`num_requeues`](WorkQueue::num_requeues) |
//! | `TypedRateLimiter[T]` (`When`, `Forget`, `NumRequeues`)  | [`RateLimiter<T>`] (`when`, `forget`, `num_requeues`) |
//! | `NewTypedItemExponentialFailureRateLimiter(base, max)`   | [`ItemExponentialFailureRateLimiter::new`]       |
//! | `TypedBucketRateLimiter{rate.NewLimiter(qps, burst)}`    | [`BucketRateLimiter::new`]`(qps, burst)`         |
//! | `NewTypedMaxOfRateLimiter(limiters...)`                  | [`MaxOfRateLimiter::new`]                        |
//! | `NewTypedItemFastSlowRateLimiter(fast, slow, attempts)`  | [`ItemFastSlowRateLimiter::new`]                 |
//! | `DefaultTypedControllerRateLimiter[T]()`                 | [`default_controller_rate_limiter`]             |
//! | sample-controller's limiter (5ms..1000s, 50 qps, 300)    | [`controller_rate_limiter`]`(50.0, 300)`         |
//!
//! Differences worth knowing: `done` on an item that was never handed out is ignored (client-go
//! would queue it twice); `add_after` takes a [`Duration`](std::time::Duration), so there are
//! no negative delays, and a zero delay adds at once; the metrics families are a value passed
//! to each queue rather than a process-wide provider.

mod delaying;
mod metrics;
#[cfg(test)]
mod proptests;
mod queue;
mod rate_limiter;
mod rate_limiting;

pub use metrics::WorkQueueMetrics;
pub use rate_limiter::{
    BucketRateLimiter, ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter,
    MaxOfRateLimiter, RateLimiter, controller_rate_limiter, default_controller_rate_limiter,
};
pub use rate_limiting::{WorkQueue, WorkQueueBuilder};
