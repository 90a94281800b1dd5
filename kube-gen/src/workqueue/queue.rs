//! The basic FIFO work queue: items marked dirty and processing, so no item reaches two workers.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::metrics::QueueMetrics;

/// client-go's `workqueue.Typed[T]`, minus the Go condition variable.
///
/// An item is *dirty* from the moment it is added until a worker takes it, and *processing*
/// from then until the worker calls [`done`](Queue::done). The FIFO only ever holds items that
/// are dirty and not processing, so:
/// - adding an item that is already dirty does nothing (duplicates collapse);
/// - adding an item that is processing marks it dirty, and `done` puts it back in the FIFO,
///   so it is processed again but never by two workers at once.
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    /// Wakes workers waiting in `get`: one per queued item, all on shutdown.
    item_queued: Notify,
    /// Wakes `shut_down_with_drain` when the processing set empties.
    drained: Notify,
    /// `None` for queues without metrics, so they pay nothing for them.
    metrics: Option<QueueMetrics<T>>,
}

/// Where an item is: client-go's `dirty` and `processing` sets as one map, so `add` and
/// `get` hash an item once and `done` twice, where the two sets took seven in all.
#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    dirty: bool,
    processing: bool,
}

impl Marks {
    fn dirty_only() -> Self {
        Marks {
            dirty: true,
            processing: false,
        }
    }
}

/// foldhash: keys are short object keys, hashed on every add, get and done under the lock;
/// SipHash's cost there showed in B4. Seeded per process, as std's is.
type Hasher = foldhash::fast::RandomState;

struct State<T> {
    /// Dirty items that are not processing, in the order they were added.
    fifo: VecDeque<T>,
    /// Every item that is dirty, processing or both; none that is neither.
    items: HashMap<T, Marks, Hasher>,
    /// How many of `items` are processing.
    processing: usize,
    shutting_down: bool,
    /// Set by `shut_down_with_drain`, cleared by `shut_down` to stop waiting.
    drain: bool,
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Queue")
            .field("len", &state.fifo.len())
            .field("processing", &state.processing)
            .field("shutting_down", &state.shutting_down)
            .finish_non_exhaustive()
    }
}

impl<T> Queue<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Every update below leaves the state consistent before anything that could panic
        // (hashing, cloning user items) runs, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: Clone + Eq + Hash> Queue<T> {
    /// An empty queue, recording into `metrics` if given.
    pub(crate) fn new(metrics: Option<QueueMetrics<T>>) -> Self {
        Self {
            state: Mutex::new(State {
                fifo: VecDeque::new(),
                items: HashMap::default(),
                processing: 0,
                shutting_down: false,
                drain: false,
            }),
            item_queued: Notify::new(),
            drained: Notify::new(),
            metrics,
        }
    }

    /// The queue's metrics recorder, if it has one.
    pub(crate) fn metrics(&self) -> Option<&QueueMetrics<T>> {
        self.metrics.as_ref()
    }

    /// Marks `item` as needing processing; ignored once shutting down.
    pub(crate) fn add(&self, item: T) {
        let mut state = self.lock();
        if state.shutting_down {
            return;
        }
        let queued = match state.items.entry(item) {
            Entry::Occupied(mut entry) => {
                let marks = entry.get_mut();
                if marks.dirty {
                    return;
                }
                // Processing: `done` will queue it again.
                marks.dirty = true;
                if let Some(metrics) = &self.metrics {
                    metrics.add(entry.key());
                }
                None
            }
            Entry::Vacant(entry) => {
                if let Some(metrics) = &self.metrics {
                    metrics.add(entry.key());
                }
                let item = entry.key().clone();
                entry.insert(Marks::dirty_only());
                Some(item)
            }
        };
        if let Some(item) = queued {
            state.fifo.push_back(item);
            drop(state);
            self.item_queued.notify_one();
        }
    }

    /// Waits for an item and marks it processing; `None` once shut down and empty.
    pub(crate) async fn get(&self) -> Option<T> {
        // Most gets find an item: they take it without touching the wake-up list, whose
        // registrations and passed-on wake-ups would otherwise cross worker threads.
        if let Some(next) = self.take() {
            return next;
        }
        let mut queued = pin!(self.item_queued.notified());
        loop {
            // Register for a wake-up before looking again, so an add between the look and
            // the wait is not missed. A wake-up we take but do not need is passed on when
            // `queued` is dropped.
            queued.as_mut().enable();
            if let Some(next) = self.take() {
                return next;
            }
            queued.as_mut().await;
            queued.set(self.item_queued.notified());
        }
    }

    /// The next item, marked processing (`Some(Some(item))`); `Some(None)` once shut down
    /// and empty; `None` while there is nothing to take yet.
    fn take(&self) -> Option<Option<T>> {
        let mut state = self.lock();
        if let Some(item) = state.fifo.pop_front() {
            if let Some(metrics) = &self.metrics {
                metrics.get(&item);
            }
            if let Some(marks) = state.items.get_mut(&item) {
                *marks = Marks {
                    dirty: false,
                    processing: true,
                };
            }
            state.processing += 1;
            return Some(Some(item));
        }
        state.shutting_down.then_some(None)
    }

    /// Marks `item` as no longer processing, queueing it again if it was added meanwhile.
    pub(crate) fn done(&self, item: &T) {
        let mut state = self.lock();
        // Not handed out (or already done): nothing to finish, and re-queueing a dirty item
        // here would put it in the FIFO twice.
        let Some(marks) = state.items.get(item).copied().filter(|m| m.processing) else {
            return;
        };
        if let Some(metrics) = &self.metrics {
            metrics.done(item);
        }
        if marks.dirty {
            // Cloned before anything changes, as everywhere here (see `lock`).
            let again = item.clone();
            if let Some(marks) = state.items.get_mut(item) {
                *marks = Marks::dirty_only();
            }
            state.processing -= 1;
            state.fifo.push_back(again);
            drop(state);
            self.item_queued.notify_one();
        } else {
            state.items.remove(item);
            state.processing -= 1;
            if state.processing == 0 {
                drop(state);
                self.drained.notify_waiters();
            }
        }
    }

    /// How many items are waiting for a worker.
    pub(crate) fn len(&self) -> usize {
        self.lock().fifo.len()
    }

    /// Ignores new items from now on and wakes every waiting worker.
    pub(crate) fn shut_down(&self) {
        {
            let mut state = self.lock();
            state.shutting_down = true;
            state.drain = false;
        }
        self.item_queued.notify_waiters();
        self.drained.notify_waiters();
    }

    /// Shuts down, then waits until no item is processing or until [`shut_down`] is called.
    ///
    /// [`shut_down`]: Queue::shut_down
    pub(crate) async fn shut_down_with_drain(&self) {
        {
            let mut state = self.lock();
            state.shutting_down = true;
            state.drain = true;
        }
        self.item_queued.notify_waiters();
        let mut drained = pin!(self.drained.notified());
        loop {
            drained.as_mut().enable();
            {
                let state = self.lock();
                if state.processing == 0 || !state.drain {
                    return;
                }
            }
            drained.as_mut().await;
            drained.set(self.drained.notified());
        }
    }

    /// Whether [`shut_down`](Queue::shut_down) or
    /// [`shut_down_with_drain`](Queue::shut_down_with_drain) has been called.
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.lock().shutting_down
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::time::timeout;

    fn queue() -> Arc<Queue<&'static str>> {
        Arc::new(Queue::new(None))
    }

    /// Whether `get` would wait; paused time makes the timeout instant.
    async fn would_wait(queue: &Queue<&'static str>) -> bool {
        timeout(Duration::from_secs(60), queue.get()).await.is_err()
    }

    #[tokio::test]
    async fn items_come_out_in_the_order_they_went_in() {
        let queue = queue();
        for item in ["a", "b", "c"] {
            queue.add(item);
        }
        assert_eq!(queue.get().await, Some("a"));
        assert_eq!(queue.get().await, Some("b"));
        assert_eq!(queue.get().await, Some("c"));
    }

    #[tokio::test]
    async fn adding_a_queued_item_again_collapses_into_one() {
        let queue = queue();
        queue.add("a");
        queue.add("b");
        queue.add("a");
        assert_eq!(queue.len(), 2);
        assert_eq!(queue.get().await, Some("a"));
        assert_eq!(queue.get().await, Some("b"));
    }

    #[tokio::test(start_paused = true)]
    async fn an_item_added_while_processing_waits_for_done() {
        let queue = queue();
        queue.add("a");
        assert_eq!(queue.get().await, Some("a"));
        queue.add("a");
        assert_eq!(queue.len(), 0, "a second worker must not get it");
        assert!(would_wait(&queue).await);
        queue.done(&"a");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.get().await, Some("a"));
    }

    #[tokio::test(start_paused = true)]
    async fn done_without_a_new_add_forgets_the_item() {
        let queue = queue();
        queue.add("a");
        let item = queue.get().await.unwrap();
        queue.done(&item);
        assert_eq!(queue.len(), 0);
        assert!(would_wait(&queue).await);
    }

    #[tokio::test]
    async fn done_for_an_item_never_handed_out_queues_nothing() {
        let queue = queue();
        queue.add("a");
        queue.done(&"a");
        assert_eq!(queue.len(), 1);
    }

    #[tokio::test]
    async fn a_waiting_worker_wakes_up_when_an_item_is_added() {
        let queue = queue();
        let worker = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.get().await }
        });
        tokio::task::yield_now().await;
        queue.add("a");
        assert_eq!(worker.await.unwrap(), Some("a"));
    }

    #[tokio::test]
    async fn shutting_down_wakes_every_waiting_worker_with_none() {
        let queue = queue();
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let queue = Arc::clone(&queue);
                tokio::spawn(async move { queue.get().await })
            })
            .collect();
        tokio::task::yield_now().await;
        queue.shut_down();
        for worker in workers {
            assert_eq!(worker.await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn items_queued_before_shut_down_are_still_handed_out() {
        let queue = queue();
        queue.add("a");
        queue.shut_down();
        queue.add("b");
        assert!(queue.is_shutting_down());
        assert_eq!(queue.get().await, Some("a"));
        assert_eq!(queue.get().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn shut_down_with_drain_waits_for_items_in_flight() {
        let queue = queue();
        queue.add("a");
        let item = queue.get().await.unwrap();
        let mut drain = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.shut_down_with_drain().await }
        });
        assert!(timeout(Duration::from_secs(60), &mut drain).await.is_err());
        queue.done(&item);
        drain.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn shut_down_stops_a_drain_that_would_never_end() {
        let queue = queue();
        queue.add("a");
        let _stuck = queue.get().await.unwrap();
        let drain = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.shut_down_with_drain().await }
        });
        tokio::task::yield_now().await;
        queue.shut_down();
        drain.await.unwrap();
    }

    #[tokio::test]
    async fn a_cancelled_get_loses_no_item() {
        let queue = queue();
        let cancelled = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.get().await }
        });
        let waiting = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.get().await }
        });
        tokio::task::yield_now().await;
        cancelled.abort();
        queue.add("a");
        assert_eq!(waiting.await.unwrap(), Some("a"));
    }

    #[test]
    fn many_workers_on_many_threads_never_share_an_item() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        let queue: Arc<Queue<u32>> = Arc::new(Queue::new(None));
        let in_flight = Arc::new(Mutex::new(HashSet::new()));
        runtime.block_on(async {
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    let (queue, in_flight) = (Arc::clone(&queue), Arc::clone(&in_flight));
                    tokio::spawn(async move {
                        let mut processed = 0;
                        while let Some(item) = queue.get().await {
                            assert!(in_flight.lock().unwrap().insert(item), "{item} twice");
                            tokio::task::yield_now().await;
                            in_flight.lock().unwrap().remove(&item);
                            queue.done(&item);
                            processed += 1;
                        }
                        processed
                    })
                })
                .collect();
            for round in 0..200 {
                for item in 0..10 {
                    queue.add(item);
                }
                if round % 20 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            queue.shut_down_with_drain().await;
            let mut total = 0;
            for worker in workers {
                total += worker.await.unwrap();
            }
            assert!(total >= 10, "every item is processed at least once");
            assert_eq!(queue.len(), 0);
        });
    }
}
