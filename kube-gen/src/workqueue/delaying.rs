//! Holds items back until their time comes, on a timer heap run by one task per queue.

use std::cmp::Ordering;
use std::collections::hash_map::Entry as MapEntry;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::queue::Queue;

/// How far ahead "never" is: delays too large for [`Instant`] are clamped to this.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// client-go's `delayingType`: `add_after` sends the item to a timer task that adds it to the
/// queue when its time comes.
///
/// The task is spawned on the first delayed add, so queues that never delay anything cost no
/// task, and it ends when the queue shuts down or its last handle is dropped.
pub(crate) struct Delayer<T> {
    commands: OnceLock<mpsc::UnboundedSender<Command<T>>>,
}

enum Command<T> {
    /// Add `item` to the queue at `ready_at`, or earlier if it is already waiting for less.
    Wait { item: T, ready_at: Instant },
    /// The queue is shutting down: drop every waiting item and end the task.
    Stop,
}

impl<T> fmt::Debug for Delayer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delayer")
            .field("started", &self.commands.get().is_some())
            .finish()
    }
}

impl<T> Delayer<T> {
    /// Stops the timer task, dropping the items it holds.
    ///
    /// Dropping the `Delayer` stops it too, as that closes the task's channel.
    pub(crate) fn stop(&self) {
        if let Some(commands) = self.commands.get() {
            let _ = commands.send(Command::Stop);
        }
    }
}

impl<T> Default for Delayer<T> {
    fn default() -> Self {
        Self {
            commands: OnceLock::new(),
        }
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> Delayer<T> {
    /// Adds `item` to `queue` once `delay` has passed; a zero delay adds it now.
    ///
    /// # Panics
    ///
    /// The first call with a non-zero delay panics outside a Tokio runtime, as it spawns the
    /// timer task.
    pub(crate) fn add_after(&self, queue: &Arc<Queue<T>>, item: T, delay: Duration) {
        if queue.is_shutting_down() {
            return;
        }
        if let Some(metrics) = queue.metrics() {
            metrics.retry();
        }
        if delay.is_zero() {
            queue.add(item);
            return;
        }
        let now = Instant::now();
        let ready_at = now.checked_add(delay).unwrap_or_else(|| now + FAR_FUTURE);
        let commands = self.commands.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(run(Arc::downgrade(queue), receiver));
            sender
        });
        // A send only fails once the task has stopped, i.e. after shutdown.
        let _ = commands.send(Command::Wait { item, ready_at });
    }
}

/// The timer task: moves items into `queue` as they become ready.
async fn run<T>(queue: Weak<Queue<T>>, mut commands: mpsc::UnboundedReceiver<Command<T>>)
where
    T: Clone + Eq + Hash,
{
    let mut waiting = Waiting::default();
    loop {
        {
            let mut ready = waiting.pop_ready(Instant::now()).peekable();
            if ready.peek().is_some() {
                let Some(queue) = queue.upgrade() else {
                    return;
                };
                ready.for_each(|item| queue.add(item));
            }
        }
        let command = match waiting.next_ready_at() {
            Some(ready_at) => tokio::select! {
                command = commands.recv() => command,
                () = tokio::time::sleep_until(ready_at) => continue,
            },
            None => commands.recv().await,
        };
        match command {
            Some(Command::Wait { item, ready_at }) => waiting.insert(item, ready_at),
            // `None`: every handle to the queue is gone.
            Some(Command::Stop) | None => return,
        }
    }
}

/// The timer heap: each item once, at the earliest time it was asked for.
///
/// Moving an item earlier pushes a new heap entry and leaves the old one behind; entries
/// whose time no longer matches `ready_at` are skipped when they surface.
struct Waiting<T> {
    heap: BinaryHeap<Timer<T>>,
    ready_at: HashMap<T, Instant>,
    /// Breaks ties between equal times in insertion order.
    next_seq: u64,
}

impl<T> Default for Waiting<T> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            ready_at: HashMap::new(),
            next_seq: 0,
        }
    }
}

impl<T: Clone + Eq + Hash> Waiting<T> {
    /// Schedules `item` for `ready_at`, unless it is already scheduled no later.
    fn insert(&mut self, item: T, ready_at: Instant) {
        match self.ready_at.entry(item) {
            // Already due no later: keep the earlier time.
            MapEntry::Occupied(entry) if *entry.get() <= ready_at => {}
            MapEntry::Occupied(mut entry) => {
                entry.insert(ready_at);
                let item = entry.key().clone();
                self.push(item, ready_at);
            }
            MapEntry::Vacant(entry) => {
                let item = entry.key().clone();
                entry.insert(ready_at);
                self.push(item, ready_at);
            }
        }
    }

    fn push(&mut self, item: T, ready_at: Instant) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Timer {
            ready_at,
            seq,
            item,
        });
    }

    /// Takes out every item due at `now`, earliest first.
    fn pop_ready(&mut self, now: Instant) -> impl Iterator<Item = T> + '_ {
        std::iter::from_fn(move || {
            while self.heap.peek()?.ready_at <= now {
                let timer = self.heap.pop()?;
                if self.ready_at.get(&timer.item) == Some(&timer.ready_at) {
                    self.ready_at.remove(&timer.item);
                    return Some(timer.item);
                }
            }
            None
        })
    }

    /// When the earliest item is due, if any is waiting.
    fn next_ready_at(&mut self) -> Option<Instant> {
        // Drop stale entries so they do not cause early wake-ups.
        while let Some(timer) = self.heap.peek() {
            if self.ready_at.get(&timer.item) == Some(&timer.ready_at) {
                return Some(timer.ready_at);
            }
            self.heap.pop();
        }
        None
    }
}

/// A heap entry, ordered so the earliest (then first inserted) is the greatest.
struct Timer<T> {
    ready_at: Instant,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Timer<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T> Eq for Timer<T> {}

impl<T> PartialOrd for Timer<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Timer<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.ready_at, other.seq).cmp(&(self.ready_at, self.seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::timeout;

    const SEC: Duration = Duration::from_secs(1);

    fn queue() -> (Arc<Queue<&'static str>>, Delayer<&'static str>) {
        (Arc::new(Queue::new(None)), Delayer::default())
    }

    #[test]
    fn the_heap_hands_out_items_earliest_first() {
        let now = Instant::now();
        let mut waiting = Waiting::default();
        waiting.insert("late", now + 3 * SEC);
        waiting.insert("early", now + SEC);
        waiting.insert("middle", now + 2 * SEC);
        assert_eq!(waiting.next_ready_at(), Some(now + SEC));
        let ready: Vec<_> = waiting.pop_ready(now + 5 * SEC).collect();
        assert_eq!(ready, ["early", "middle", "late"]);
        assert_eq!(waiting.next_ready_at(), None);
    }

    #[test]
    fn the_heap_keeps_the_earliest_time_for_an_item() {
        let now = Instant::now();
        let mut waiting = Waiting::default();
        waiting.insert("a", now + 2 * SEC);
        waiting.insert("a", now + 5 * SEC);
        assert_eq!(waiting.next_ready_at(), Some(now + 2 * SEC));
        waiting.insert("a", now + SEC);
        assert_eq!(waiting.next_ready_at(), Some(now + SEC));
        assert_eq!(waiting.pop_ready(now + SEC).collect::<Vec<_>>(), ["a"]);
        assert_eq!(waiting.next_ready_at(), None, "stale entries are dropped");
    }

    #[test]
    fn the_heap_holds_back_items_not_yet_due() {
        let now = Instant::now();
        let mut waiting = Waiting::default();
        waiting.insert("a", now + SEC);
        assert_eq!(waiting.pop_ready(now).count(), 0);
        assert_eq!(waiting.pop_ready(now + SEC).count(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_delayed_item_is_not_ready_before_its_delay() {
        let (queue, delayer) = queue();
        delayer.add_after(&queue, "a", 10 * SEC);
        assert_eq!(queue.len(), 0);
        assert!(
            timeout(10 * SEC - Duration::from_millis(1), queue.get())
                .await
                .is_err()
        );
        assert_eq!(queue.get().await, Some("a"));
    }

    #[tokio::test]
    async fn a_zero_delay_adds_the_item_at_once() {
        let (queue, delayer) = queue();
        delayer.add_after(&queue, "a", Duration::ZERO);
        assert_eq!(queue.len(), 1);
        assert!(delayer.commands.get().is_none(), "no timer task is needed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_add_after_keeps_the_earlier_time() {
        let (queue, delayer) = queue();
        delayer.add_after(&queue, "a", SEC);
        delayer.add_after(&queue, "a", 60 * SEC);
        let start = Instant::now();
        assert_eq!(queue.get().await, Some("a"));
        assert!(start.elapsed() < 60 * SEC);
        assert!(timeout(120 * SEC, queue.get()).await.is_err(), "added once");
    }

    #[tokio::test(start_paused = true)]
    async fn delayed_items_arrive_in_the_order_they_are_due() {
        let (queue, delayer) = queue();
        delayer.add_after(&queue, "c", 3 * SEC);
        delayer.add_after(&queue, "a", SEC);
        delayer.add_after(&queue, "b", 2 * SEC);
        for item in ["a", "b", "c"] {
            assert_eq!(queue.get().await, Some(item));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn shutting_down_drops_the_items_still_waiting() {
        let (queue, delayer) = queue();
        delayer.add_after(&queue, "a", SEC);
        queue.shut_down();
        delayer.stop();
        tokio::time::sleep(2 * SEC).await;
        assert_eq!(queue.get().await, None);
        delayer.add_after(&queue, "b", Duration::ZERO);
        assert_eq!(queue.len(), 0, "ignored after shutdown");
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_delay_does_not_overflow() {
        let (queue, delayer) = queue();
        delayer.add_after(&queue, "a", Duration::MAX);
        assert!(timeout(3600 * SEC, queue.get()).await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn the_timer_task_ends_when_the_queue_is_dropped() {
        let (queue, delayer) = queue();
        delayer.add_after(&queue, "a", SEC);
        let weak = Arc::downgrade(&queue);
        drop((queue, delayer));
        tokio::time::sleep(2 * SEC).await;
        assert!(
            weak.upgrade().is_none(),
            "the task holds no strong reference"
        );
    }
}
