//! Rate limiters that decide how long a failed item waits before its retry.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Decides how long an item waits before it is retried (client-go's `TypedRateLimiter`).
///
/// [`WorkQueue::add_rate_limited`](super::WorkQueue::add_rate_limited) asks [`when`] and
/// adds the item after that delay; [`WorkQueue::forget`](super::WorkQueue::forget) calls
/// [`forget`] once the item succeeds. Methods take `&self`, so limiters keep their state
/// behind a lock and can be shared by many workers.
///
/// [`when`]: RateLimiter::when
/// [`forget`]: RateLimiter::forget
pub trait RateLimiter<T>: Send + Sync {
    /// How long `item` should wait before it is processed again; counts as one failure.
    fn when(&self, item: &T) -> Duration;

    /// Stops tracking `item`: it succeeded, or the caller gave up on it.
    fn forget(&self, item: &T);

    /// How many times `item` has failed since it was last forgotten.
    fn num_requeues(&self, item: &T) -> u32;
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Box<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> u32 {
        (**self).num_requeues(item)
    }
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Arc<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> u32 {
        (**self).num_requeues(item)
    }
}

/// client-go's `DefaultTypedControllerRateLimiter`: per-item exponential backoff from 5ms to
/// 1000s, max'd with an overall bucket of 10 qps and a burst of 100.
pub fn default_controller_rate_limiter<T>() -> MaxOfRateLimiter<T>
where
    T: Clone + Eq + Hash + Send + Sync + 'static,
{
    controller_rate_limiter(10.0, 100)
}

/// Per-item exponential backoff from 5ms to 1000s, max'd with an overall bucket of `qps` and
/// `burst`, as Kubernetes controllers build it.
///
/// [`default_controller_rate_limiter`] is `controller_rate_limiter(10.0, 100)`;
/// sample-controller uses `controller_rate_limiter(50.0, 300)`.
///
/// # Panics
///
/// As [`BucketRateLimiter::new`].
///
/// # Examples
///
/// ```
/// use kube_gen::workqueue::{WorkQueue, controller_rate_limiter};
///
/// let queue = WorkQueue::<String>::builder()
///     .name("foos")
///     .rate_limiter(controller_rate_limiter(50.0, 300))
///     .build();
/// # drop(queue);
/// ```
pub fn controller_rate_limiter<T>(qps: f64, burst: u32) -> MaxOfRateLimiter<T>
where
    T: Clone + Eq + Hash + Send + Sync + 'static,
{
    MaxOfRateLimiter::new(vec![
        Box::new(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(5),
            Duration::from_secs(1000),
        )),
        Box::new(BucketRateLimiter::new(qps, burst)),
    ])
}

/// Waits `base * 2^failures` for an item, up to `max` (client-go's
/// `ItemExponentialFailureRateLimiter`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use kube_gen::workqueue::{ItemExponentialFailureRateLimiter, RateLimiter};
///
/// let limiter = ItemExponentialFailureRateLimiter::new(
///     Duration::from_millis(5),
///     Duration::from_secs(1000),
/// );
/// assert_eq!(limiter.when(&"a"), Duration::from_millis(5));
/// assert_eq!(limiter.when(&"a"), Duration::from_millis(10));
/// limiter.forget(&"a");
/// assert_eq!(limiter.when(&"a"), Duration::from_millis(5));
/// ```
#[derive(Debug)]
pub struct ItemExponentialFailureRateLimiter<T> {
    base: Duration,
    max: Duration,
    failures: Mutex<HashMap<T, u32>>,
}

impl<T> ItemExponentialFailureRateLimiter<T> {
    /// Backs off from `base`, doubling on each failure, never beyond `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone + Eq + Hash + Send + Sync> RateLimiter<T> for ItemExponentialFailureRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let exponent = {
            let mut failures = lock(&self.failures);
            let count = failures.entry(item.clone()).or_insert(0);
            let exponent = *count;
            *count = count.saturating_add(1);
            exponent
        };
        2u32.checked_pow(exponent)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.max, |backoff| backoff.min(self.max))
    }

    fn forget(&self, item: &T) {
        lock(&self.failures).remove(item);
    }

    fn num_requeues(&self, item: &T) -> u32 {
        lock(&self.failures).get(item).copied().unwrap_or(0)
    }
}

/// Waits `fast` for an item's first `max_fast_attempts` failures, then `slow` (client-go's
/// `ItemFastSlowRateLimiter`).
#[derive(Debug)]
pub struct ItemFastSlowRateLimiter<T> {
    fast: Duration,
    slow: Duration,
    max_fast_attempts: u32,
    failures: Mutex<HashMap<T, u32>>,
}

impl<T> ItemFastSlowRateLimiter<T> {
    /// Retries quickly `max_fast_attempts` times, then slowly.
    pub fn new(fast: Duration, slow: Duration, max_fast_attempts: u32) -> Self {
        Self {
            fast,
            slow,
            max_fast_attempts,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone + Eq + Hash + Send + Sync> RateLimiter<T> for ItemFastSlowRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let mut failures = lock(&self.failures);
        let count = failures.entry(item.clone()).or_insert(0);
        *count = count.saturating_add(1);
        if *count <= self.max_fast_attempts {
            self.fast
        } else {
            self.slow
        }
    }

    fn forget(&self, item: &T) {
        lock(&self.failures).remove(item);
    }

    fn num_requeues(&self, item: &T) -> u32 {
        lock(&self.failures).get(item).copied().unwrap_or(0)
    }
}

/// A token bucket shared by all items (client-go's `BucketRateLimiter` over
/// `rate.NewLimiter(qps, burst)`).
///
/// The bucket starts full with `burst` tokens and refills at `qps` tokens a second. Each
/// [`when`](RateLimiter::when) reserves a token and returns how long until it is available,
/// so callers that wait that long never exceed the rate. It tracks no items: `forget` does
/// nothing and `num_requeues` is always 0.
#[derive(Debug)]
pub struct BucketRateLimiter {
    qps: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// May go negative: tokens already promised to callers who are waiting.
    tokens: f64,
    updated: Instant,
}

impl BucketRateLimiter {
    /// A full bucket of `burst` tokens, refilled at `qps` tokens a second.
    ///
    /// # Panics
    ///
    /// If `qps` is not a positive finite number or `burst` is 0: such a bucket would never
    /// hand out a token.
    pub fn new(qps: f64, burst: u32) -> Self {
        assert!(
            qps.is_finite() && qps > 0.0,
            "qps must be positive and finite, got {qps}"
        );
        assert!(burst > 0, "burst must be at least 1");
        Self {
            qps,
            burst: f64::from(burst),
            bucket: Mutex::new(Bucket {
                tokens: f64::from(burst),
                updated: Instant::now(),
            }),
        }
    }
}

impl<T> RateLimiter<T> for BucketRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        let now = Instant::now();
        let mut bucket = lock(&self.bucket);
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.qps;
        bucket.tokens = (bucket.tokens + refill).min(self.burst) - 1.0;
        bucket.updated = now;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / self.qps)
        }
    }

    fn forget(&self, _item: &T) {}

    fn num_requeues(&self, _item: &T) -> u32 {
        0
    }
}

/// Asks every limiter and waits for the longest answer (client-go's `MaxOfRateLimiter`).
pub struct MaxOfRateLimiter<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> fmt::Debug for MaxOfRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxOfRateLimiter")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

impl<T> MaxOfRateLimiter<T> {
    /// Combines `limiters`; with none, every item is retried at once.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        Self { limiters }
    }
}

impl<T> RateLimiter<T> for MaxOfRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        // Every limiter must hear about the failure, so no short-circuiting.
        self.limiters
            .iter()
            .map(|limiter| limiter.when(item))
            .fold(Duration::ZERO, Duration::max)
    }

    fn forget(&self, item: &T) {
        for limiter in &self.limiters {
            limiter.forget(item);
        }
    }

    fn num_requeues(&self, item: &T) -> u32 {
        self.limiters
            .iter()
            .map(|limiter| limiter.num_requeues(item))
            .max()
            .unwrap_or(0)
    }
}

/// Locks a mutex, carrying on after a panic elsewhere: every update here is a single step.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn exponential_backoff_doubles_per_failure_until_the_cap() {
        let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1));
        let delays: Vec<_> = (0..12).map(|_| limiter.when(&"a")).collect();
        assert_eq!(delays[..4], [MS, 2 * MS, 4 * MS, 8 * MS]);
        assert_eq!(delays[9], 512 * MS);
        assert_eq!(delays[10], Duration::from_secs(1));
        assert_eq!(delays[11], Duration::from_secs(1));
        assert_eq!(limiter.num_requeues(&"a"), 12);
    }

    #[test]
    fn exponential_backoff_is_tracked_per_item() {
        let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1));
        limiter.when(&"a");
        limiter.when(&"a");
        assert_eq!(limiter.when(&"b"), MS);
        assert_eq!(limiter.num_requeues(&"a"), 2);
        limiter.forget(&"a");
        assert_eq!(limiter.num_requeues(&"a"), 0);
        assert_eq!(limiter.when(&"a"), MS);
    }

    #[test]
    fn exponential_backoff_caps_instead_of_overflowing() {
        let limiter = ItemExponentialFailureRateLimiter::new(Duration::MAX, Duration::from_secs(7));
        assert_eq!(limiter.when(&"a"), Duration::from_secs(7));
        for _ in 0..100 {
            limiter.when(&"a");
        }
        assert_eq!(limiter.when(&"a"), Duration::from_secs(7));
    }

    #[test]
    fn fast_slow_switches_to_slow_after_the_fast_attempts() {
        let limiter = ItemFastSlowRateLimiter::new(5 * MS, 10_000 * MS, 3);
        let delays: Vec<_> = (0..5).map(|_| limiter.when(&"a")).collect();
        assert_eq!(delays, [5 * MS, 5 * MS, 5 * MS, 10_000 * MS, 10_000 * MS]);
        assert_eq!(limiter.num_requeues(&"a"), 5);
        limiter.forget(&"a");
        assert_eq!(limiter.when(&"a"), 5 * MS);
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_lets_a_burst_through_then_spaces_requests_by_the_rate() {
        let limiter = BucketRateLimiter::new(10.0, 3);
        let delays: Vec<_> = (0..5).map(|_| limiter.when(&"a")).collect();
        assert_eq!(
            delays,
            [Duration::ZERO; 3]
                .into_iter()
                .chain([100 * MS, 200 * MS])
                .collect::<Vec<_>>()
        );
        assert_eq!(RateLimiter::<&str>::num_requeues(&limiter, &"a"), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_over_time_up_to_the_burst() {
        let limiter = BucketRateLimiter::new(10.0, 2);
        limiter.when(&());
        limiter.when(&());
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(limiter.when(&()), Duration::ZERO);
        assert_eq!(limiter.when(&()), Duration::ZERO);
        assert_eq!(limiter.when(&()), 100 * MS);
    }

    #[test]
    #[should_panic(expected = "qps must be positive")]
    fn a_bucket_without_a_rate_is_refused() {
        BucketRateLimiter::new(0.0, 10);
    }

    #[test]
    fn max_of_waits_for_the_slowest_and_tells_every_limiter() {
        let limiter = MaxOfRateLimiter::new(vec![
            Box::new(ItemFastSlowRateLimiter::new(3 * MS, 30 * MS, 1)),
            Box::new(ItemExponentialFailureRateLimiter::new(
                MS,
                Duration::from_secs(1),
            )),
        ]);
        let delays: Vec<_> = (0..7).map(|_| limiter.when(&"a")).collect();
        assert_eq!(delays, [3, 30, 30, 30, 30, 32, 64].map(|ms| ms * MS));
        assert_eq!(limiter.num_requeues(&"a"), 7);
        limiter.forget(&"a");
        assert_eq!(limiter.num_requeues(&"a"), 0);
        assert_eq!(limiter.when(&"a"), 3 * MS);
    }

    #[tokio::test(start_paused = true)]
    async fn the_default_controller_limiter_backs_off_per_item_and_overall() {
        let limiter = default_controller_rate_limiter::<u32>();
        assert_eq!(limiter.when(&0), 5 * MS);
        assert_eq!(limiter.when(&0), 10 * MS);
        for item in 1..99 {
            assert_eq!(limiter.when(&item), 5 * MS, "within the burst of 100");
        }
        assert_eq!(
            limiter.when(&99),
            100 * MS,
            "the 101st token comes at 10 qps"
        );
    }

    #[test]
    fn shared_limiters_work_through_arc_and_box() {
        let shared = Arc::new(ItemFastSlowRateLimiter::new(MS, 2 * MS, 1));
        let boxed: Box<dyn RateLimiter<&str>> = Box::new(Arc::clone(&shared));
        boxed.when(&"a");
        assert_eq!(shared.num_requeues(&"a"), 1);
    }
}
