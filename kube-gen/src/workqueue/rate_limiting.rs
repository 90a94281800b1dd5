//! The public work queue handle and its builder: the FIFO, the delays and the rate limiter.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use super::delaying::Delayer;
use super::metrics::WorkQueueMetrics;
use super::queue::Queue;
use super::rate_limiter::{RateLimiter, default_controller_rate_limiter};

/// A rate-limited, delaying work queue shared by a controller's workers (client-go's
/// `TypedRateLimitingInterface`).
///
/// Cloning is cheap and every clone is the same queue. See the [module docs](super) for the
/// protocol workers follow.
///
/// # Examples
///
/// ```
/// use kube_gen::workqueue::WorkQueue;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let queue = WorkQueue::<String>::builder().name("foos").build();
/// queue.add("default/foo".to_owned());
/// queue.add("default/foo".to_owned()); // collapses into the first add
/// assert_eq!(queue.len(), 1);
///
/// let key = queue.get().await.unwrap();
/// queue.forget(&key);
/// queue.done(&key);
/// # }
/// ```
pub struct WorkQueue<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    name: String,
    queue: Arc<Queue<T>>,
    delayer: Delayer<T>,
    rate_limiter: Box<dyn RateLimiter<T>>,
}

impl<T> Clone for WorkQueue<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for WorkQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkQueue")
            .field("name", &self.inner.name)
            .field("queue", &self.inner.queue)
            .field("delayer", &self.inner.delayer)
            .finish_non_exhaustive()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> WorkQueue<T> {
    /// Starts building a queue; see [`WorkQueueBuilder`] for the defaults.
    pub fn builder() -> WorkQueueBuilder<T> {
        WorkQueueBuilder {
            name: String::new(),
            rate_limiter: None,
            metrics: None,
        }
    }

    /// The name given to the builder, empty if none was.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Marks `item` as needing processing (client-go's `Add`).
    ///
    /// If `item` is already waiting, this does nothing. If a worker is processing it, it is
    /// handed out again once that worker calls [`done`](Self::done). Ignored once the queue
    /// is shutting down.
    pub fn add(&self, item: T) {
        self.inner.queue.add(item);
    }

    /// Waits for the next item and marks it as processing until [`done`](Self::done)
    /// (client-go's `Get`).
    ///
    /// Returns `None` once the queue is shutting down and has handed out every item that was
    /// waiting: the signal for a worker to exit.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: if the future is dropped before it completes, no item is
    /// taken from the queue.
    pub async fn get(&self) -> Option<T> {
        self.inner.queue.get().await
    }

    /// Tells the queue that a worker has finished `item` (client-go's `Done`).
    ///
    /// Call it exactly once for every item [`get`](Self::get) returned, whether processing
    /// succeeded or not. If `item` was added again while it was processing, it is queued
    /// again now.
    pub fn done(&self, item: &T) {
        self.inner.queue.done(item);
    }

    /// How many items are waiting for a worker, not counting items still in their delay or
    /// being processed (client-go's `Len`).
    pub fn len(&self) -> usize {
        self.inner.queue.len()
    }

    /// Whether no item is waiting for a worker; see [`len`](Self::len).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `item` once `delay` has passed (client-go's `AddAfter`).
    ///
    /// If `item` is already waiting for its delay, it keeps the earlier of the two times. A
    /// zero delay adds it at once. Ignored once the queue is shutting down; items still in
    /// their delay at shutdown are dropped.
    ///
    /// # Panics
    ///
    /// The first call with a non-zero delay panics outside a Tokio runtime, as it spawns the
    /// queue's timer task.
    pub fn add_after(&self, item: T, delay: Duration) {
        self.inner.delayer.add_after(&self.inner.queue, item, delay);
    }

    /// Adds `item` after the delay the rate limiter gives it, counting one more failure
    /// (client-go's `AddRateLimited`).
    ///
    /// # Panics
    ///
    /// As [`add_after`](Self::add_after).
    pub fn add_rate_limited(&self, item: T) {
        let delay = self.inner.rate_limiter.when(&item);
        self.add_after(item, delay);
    }

    /// Tells the rate limiter to stop tracking `item`, resetting its backoff (client-go's
    /// `Forget`).
    ///
    /// Call it when `item` was processed successfully, or when giving up on it. It does not
    /// remove `item` from the queue.
    pub fn forget(&self, item: &T) {
        self.inner.rate_limiter.forget(item);
    }

    /// How many times `item` has been rate limited since it was last forgotten (client-go's
    /// `NumRequeues`).
    pub fn num_requeues(&self, item: &T) -> u32 {
        self.inner.rate_limiter.num_requeues(item)
    }

    /// Stops accepting items and wakes every worker waiting in [`get`](Self::get)
    /// (client-go's `ShutDown`).
    ///
    /// Items already waiting are still handed out; then `get` returns `None`. Items still in
    /// their delay are dropped. Also ends a [`shut_down_with_drain`](Self::shut_down_with_drain)
    /// that is waiting.
    pub fn shut_down(&self) {
        self.inner.queue.shut_down();
        self.inner.delayer.stop();
    }

    /// Shuts down as [`shut_down`](Self::shut_down), then waits until every item being
    /// processed is [`done`](Self::done) (client-go's `ShutDownWithDrain`).
    ///
    /// Workers must keep calling `done` during the drain, or this waits forever; calling
    /// `shut_down` ends the wait early.
    pub async fn shut_down_with_drain(&self) {
        self.inner.delayer.stop();
        self.inner.queue.shut_down_with_drain().await;
    }

    /// Whether the queue is shutting down (client-go's `ShuttingDown`).
    pub fn is_shutting_down(&self) -> bool {
        self.inner.queue.is_shutting_down()
    }
}

/// Builds a [`WorkQueue`]; created by [`WorkQueue::builder`].
///
/// Defaults: no name, [`default_controller_rate_limiter`], no metrics.
#[must_use = "call `build` to get the queue"]
pub struct WorkQueueBuilder<T> {
    name: String,
    rate_limiter: Option<Box<dyn RateLimiter<T>>>,
    metrics: Option<WorkQueueMetrics>,
}

impl<T> fmt::Debug for WorkQueueBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkQueueBuilder")
            .field("name", &self.name)
            .field("rate_limiter", &self.rate_limiter.is_some())
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> WorkQueueBuilder<T> {
    /// Names the queue: the `name` label of its metrics, and what logs call it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the limiter [`WorkQueue::add_rate_limited`] asks for delays.
    pub fn rate_limiter(mut self, rate_limiter: impl RateLimiter<T> + 'static) -> Self {
        self.rate_limiter = Some(Box::new(rate_limiter));
        self
    }

    /// Records the queue's `workqueue_*` metrics into `metrics`.
    ///
    /// As in client-go, a queue without a [`name`](Self::name) records nothing.
    pub fn metrics(mut self, metrics: &WorkQueueMetrics) -> Self {
        self.metrics = Some(metrics.clone());
        self
    }

    /// Creates the queue. No task is spawned until the first delayed add.
    pub fn build(self) -> WorkQueue<T> {
        let metrics = self
            .metrics
            .filter(|_| !self.name.is_empty())
            .map(|metrics| metrics.for_queue(&self.name));
        WorkQueue {
            inner: Arc::new(Inner {
                name: self.name,
                queue: Arc::new(Queue::new(metrics)),
                delayer: Delayer::default(),
                rate_limiter: self
                    .rate_limiter
                    .unwrap_or_else(|| Box::new(default_controller_rate_limiter())),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workqueue::ItemExponentialFailureRateLimiter;
    use prometheus_client::registry::Registry;
    use tokio::time::{Instant, timeout};

    const MS: Duration = Duration::from_millis(1);

    fn exponential() -> WorkQueue<&'static str> {
        WorkQueue::builder()
            .rate_limiter(ItemExponentialFailureRateLimiter::new(
                10 * MS,
                Duration::from_secs(1),
            ))
            .build()
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_limited_item_waits_longer_after_each_failure() {
        let queue = exponential();
        for expected in [10 * MS, 20 * MS, 40 * MS] {
            let start = Instant::now();
            queue.add_rate_limited("a");
            assert!(timeout(expected - MS, queue.get()).await.is_err());
            assert_eq!(queue.get().await, Some("a"));
            assert!(start.elapsed() >= expected);
            queue.done(&"a");
        }
        assert_eq!(queue.num_requeues(&"a"), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn forget_resets_the_backoff() {
        let queue = exponential();
        queue.add_rate_limited("a");
        queue.add_rate_limited("a");
        assert_eq!(queue.num_requeues(&"a"), 2);
        queue.forget(&"a");
        assert_eq!(queue.num_requeues(&"a"), 0);
        let start = Instant::now();
        queue.add_rate_limited("a");
        assert_eq!(queue.get().await, Some("a"));
        assert!(start.elapsed() <= 10 * MS, "back to the base delay");
    }

    #[tokio::test]
    async fn clones_share_one_queue() {
        let queue = WorkQueue::builder().name("foos").build();
        let clone = queue.clone();
        clone.add("default/foo".to_owned());
        assert_eq!(queue.len(), 1);
        assert_eq!(clone.name(), "foos");
        queue.shut_down();
        assert!(clone.is_shutting_down());
    }

    #[tokio::test(start_paused = true)]
    async fn shut_down_drops_rate_limited_items_still_waiting() {
        let queue = exponential();
        queue.add_rate_limited("a");
        queue.shut_down();
        assert_eq!(queue.get().await, None);
        queue.add("b");
        assert!(queue.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn shut_down_with_drain_returns_once_workers_are_done() {
        let queue = exponential();
        queue.add("a");
        let worker = tokio::spawn({
            let queue = queue.clone();
            async move {
                while let Some(item) = queue.get().await {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    queue.done(&item);
                }
            }
        });
        tokio::task::yield_now().await;
        let start = Instant::now();
        queue.shut_down_with_drain().await;
        assert!(start.elapsed() >= Duration::from_secs(5));
        worker.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_named_queue_with_metrics_counts_its_retries() {
        let mut registry = Registry::default();
        let metrics = WorkQueueMetrics::register(&mut registry);
        let queue = WorkQueue::builder().name("foos").metrics(&metrics).build();
        queue.add_rate_limited("a");
        queue.add_after("b", Duration::ZERO);
        let _ = queue.get().await;
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains(r#"workqueue_retries_total{name="foos"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"workqueue_depth{name="foos"}"#), "{text}");
    }

    #[tokio::test]
    async fn an_unnamed_queue_records_no_metrics() {
        let mut registry = Registry::default();
        let metrics = WorkQueueMetrics::register(&mut registry);
        let queue = WorkQueue::builder().metrics(&metrics).build();
        queue.add("a");
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(!text.contains("name="), "{text}");
    }
}
