//! Prometheus metrics for work queues, named and labelled like client-go's `workqueue_*` metrics.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use tokio::time::Instant;

/// The label set of every work queue metric: `name="<queue name>"`.
type NameLabel = [(&'static str, String); 1];

/// A histogram family whose histograms use client-go's buckets.
type HistogramFamily = Family<NameLabel, Histogram, fn() -> Histogram>;

/// client-go's `prometheus.ExponentialBuckets(10e-9, 10, 10)`: 10ns up to 10s.
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(10e-9, 10.0, 10))
}

/// The `workqueue_*` metric families, registered once in a [`Registry`] and shared by every
/// queue built with them.
///
/// client-go installs one process-wide metrics provider; here the families are an ordinary
/// value: register them once, then hand them to each queue's builder with
/// [`WorkQueueBuilder::metrics`](super::WorkQueueBuilder::metrics). Each queue records its
/// series under the label `name`, so a queue must be given a
/// [`name`](super::WorkQueueBuilder::name) for its metrics to be recorded, as in client-go.
///
/// | metric                                       | type      |
/// |----------------------------------------------|-----------|
/// | `workqueue_depth`                            | gauge     |
/// | `workqueue_adds_total`                       | counter   |
/// | `workqueue_queue_duration_seconds`           | histogram |
/// | `workqueue_work_duration_seconds`            | histogram |
/// | `workqueue_unfinished_work_seconds`          | gauge     |
/// | `workqueue_longest_running_processor_seconds`| gauge     |
/// | `workqueue_retries_total`                    | counter   |
///
/// The two in-flight gauges are computed when the registry is scraped, so a stuck worker shows
/// up even when the queue is otherwise idle, and no background task is needed.
///
/// # Examples
///
/// ```
/// use kube_gen::workqueue::{WorkQueue, WorkQueueMetrics};
/// use prometheus_client::registry::Registry;
///
/// let mut registry = Registry::default();
/// let metrics = WorkQueueMetrics::register(&mut registry);
/// let queue = WorkQueue::<String>::builder().name("foos").metrics(&metrics).build();
/// queue.add("default/foo".to_owned());
///
/// let mut text = String::new();
/// prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
/// assert!(text.contains(r#"workqueue_adds_total{name="foos"} 1"#));
/// ```
#[derive(Clone, Debug)]
pub struct WorkQueueMetrics {
    depth: Family<NameLabel, Gauge>,
    adds: Family<NameLabel, Counter>,
    queue_duration: HistogramFamily,
    work_duration: HistogramFamily,
    retries: Family<NameLabel, Counter>,
    in_flight: Arc<InFlightCollector>,
}

impl WorkQueueMetrics {
    /// Creates the work queue metric families and registers them in `registry`.
    ///
    /// Call this once per registry: registering twice would expose every family twice.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            depth: Family::default(),
            adds: Family::default(),
            queue_duration: Family::new_with_constructor(duration_histogram),
            work_duration: Family::new_with_constructor(duration_histogram),
            retries: Family::default(),
            in_flight: Arc::default(),
        };
        registry.register(
            "workqueue_depth",
            "Current depth of workqueue",
            metrics.depth.clone(),
        );
        registry.register(
            "workqueue_adds",
            "Total number of adds handled by workqueue",
            metrics.adds.clone(),
        );
        registry.register_with_unit(
            "workqueue_queue_duration",
            "How long in seconds an item stays in workqueue before being requested",
            Unit::Seconds,
            metrics.queue_duration.clone(),
        );
        registry.register_with_unit(
            "workqueue_work_duration",
            "How long in seconds processing an item from workqueue takes",
            Unit::Seconds,
            metrics.work_duration.clone(),
        );
        registry.register(
            "workqueue_retries",
            "Total number of retries handled by workqueue",
            metrics.retries.clone(),
        );
        registry.register_collector(Box::new(Arc::clone(&metrics.in_flight)));
        metrics
    }

    /// The recorder for one queue's series.
    pub(crate) fn for_queue<T>(&self, name: &str) -> QueueMetrics<T>
    where
        T: Eq + Hash + Send + 'static,
    {
        let label = [("name", name.to_owned())];
        let clock = Arc::new(Timestamps {
            name: name.to_owned(),
            maps: Mutex::new(TimestampMaps {
                added_at: HashMap::new(),
                processing_since: HashMap::new(),
            }),
        });
        let weak: Weak<Timestamps<T>> = Arc::downgrade(&clock);
        lock(&self.in_flight.queues).push(weak);
        QueueMetrics {
            depth: self.depth.get_or_create_owned(&label),
            adds: self.adds.get_or_create_owned(&label),
            queue_duration: self.queue_duration.get_or_create_owned(&label),
            work_duration: self.work_duration.get_or_create_owned(&label),
            retries: self.retries.get_or_create_owned(&label),
            clock,
        }
    }
}

/// Records one queue's series; the queue calls it while holding its own lock.
pub(crate) struct QueueMetrics<T> {
    depth: Gauge,
    adds: Counter,
    queue_duration: Histogram,
    work_duration: Histogram,
    retries: Counter,
    clock: Arc<Timestamps<T>>,
}

impl<T> fmt::Debug for QueueMetrics<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueMetrics")
            .field("name", &self.clock.name)
            .finish_non_exhaustive()
    }
}

impl<T: Clone + Eq + Hash> QueueMetrics<T> {
    /// An item became dirty.
    pub(crate) fn add(&self, item: &T) {
        self.adds.inc();
        self.depth.inc();
        let mut maps = lock(&self.clock.maps);
        if !maps.added_at.contains_key(item) {
            maps.added_at.insert(item.clone(), Instant::now());
        }
    }

    /// An item left the queue for a worker.
    pub(crate) fn get(&self, item: &T) {
        self.depth.dec();
        let now = Instant::now();
        let mut maps = lock(&self.clock.maps);
        if let Some(added_at) = maps.added_at.remove(item) {
            self.queue_duration
                .observe(now.duration_since(added_at).as_secs_f64());
        }
        maps.processing_since.insert(item.clone(), now);
    }

    /// A worker finished an item.
    pub(crate) fn done(&self, item: &T) {
        if let Some(since) = lock(&self.clock.maps).processing_since.remove(item) {
            self.work_duration.observe(since.elapsed().as_secs_f64());
        }
    }

    /// An item was put back with a delay.
    pub(crate) fn retry(&self) {
        self.retries.inc();
    }
}

/// When each item was added and when each in-flight item was handed out.
struct Timestamps<T> {
    name: String,
    maps: Mutex<TimestampMaps<T>>,
}

struct TimestampMaps<T> {
    added_at: HashMap<T, Instant>,
    processing_since: HashMap<T, Instant>,
}

/// A queue whose in-flight work can be measured at scrape time, whatever its item type.
trait InFlight: Send + Sync {
    /// The queue's name, and the total and the longest time its in-flight items have run.
    fn in_flight(&self, now: Instant) -> (&str, f64, f64);
}

impl<T: Send> InFlight for Timestamps<T> {
    fn in_flight(&self, now: Instant) -> (&str, f64, f64) {
        let maps = lock(&self.maps);
        let (total, longest) = maps
            .processing_since
            .values()
            .fold((0.0, 0.0), |acc, since| {
                let secs = now.duration_since(*since).as_secs_f64();
                (acc.0 + secs, f64::max(acc.1, secs))
            });
        (&self.name, total, longest)
    }
}

/// Computes `workqueue_unfinished_work_seconds` and
/// `workqueue_longest_running_processor_seconds` on each scrape.
#[derive(Default)]
struct InFlightCollector {
    queues: Mutex<Vec<Weak<dyn InFlight>>>,
}

impl fmt::Debug for InFlightCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlightCollector")
            .field("queues", &lock(&self.queues).len())
            .finish()
    }
}

impl Collector for InFlightCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let now = Instant::now();
        // Queues sharing a name share their series, as client-go's do.
        let mut by_name: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        lock(&self.queues).retain(|queue| {
            let Some(queue) = queue.upgrade() else {
                return false;
            };
            let (name, total, longest) = queue.in_flight(now);
            let entry = by_name.entry(name.to_owned()).or_default();
            entry.0 += total;
            entry.1 = entry.1.max(longest);
            true
        });

        let gauges = [
            (
                "workqueue_unfinished_work",
                "How many seconds of work has done that is in progress and hasn't been observed \
                 by work_duration. Large values indicate stuck threads. One can deduce the \
                 number of stuck threads by observing the rate at which this increases.",
            ),
            (
                "workqueue_longest_running_processor",
                "How many seconds has the longest running processor for workqueue been running.",
            ),
        ];
        for (index, (name, help)) in gauges.into_iter().enumerate() {
            let mut family =
                encoder.encode_descriptor(name, help, Some(&Unit::Seconds), MetricType::Gauge)?;
            for (queue, values) in &by_name {
                let value = if index == 0 { values.0 } else { values.1 };
                let label = [("name", queue.as_str())];
                ConstGauge::new(value).encode(family.encode_family(&label)?)?;
            }
        }
        Ok(())
    }
}

/// Locks a mutex, carrying on after a panic elsewhere: every update here is a single step.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn scrape(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
        text
    }

    fn registered() -> (Registry, WorkQueueMetrics) {
        let mut registry = Registry::default();
        let metrics = WorkQueueMetrics::register(&mut registry);
        (registry, metrics)
    }

    #[test]
    fn metric_names_match_client_go() {
        let (registry, metrics) = registered();
        let _queue = metrics.for_queue::<String>("foos");
        let text = scrape(&registry);
        for name in [
            "workqueue_depth",
            "workqueue_adds_total",
            "workqueue_queue_duration_seconds_bucket",
            "workqueue_work_duration_seconds_count",
            "workqueue_unfinished_work_seconds",
            "workqueue_longest_running_processor_seconds",
            "workqueue_retries_total",
        ] {
            assert!(
                text.contains(&format!("{name}{{")),
                "{name} missing:\n{text}"
            );
        }
    }

    #[test]
    fn duration_buckets_run_from_ten_nanoseconds_to_ten_seconds() {
        let buckets: Vec<f64> = exponential_buckets(10e-9, 10.0, 10).collect();
        assert_eq!(buckets.len(), 10);
        assert!((buckets[0] - 1e-8).abs() < 1e-20);
        assert!((buckets[9] - 10.0).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn an_item_records_its_wait_and_its_work() {
        let (registry, metrics) = registered();
        let queue = metrics.for_queue::<&str>("foos");
        queue.add(&"a");
        queue.add(&"b");
        tokio::time::advance(Duration::from_secs(2)).await;
        queue.get(&"a");
        tokio::time::advance(Duration::from_secs(3)).await;
        queue.done(&"a");
        queue.retry();

        let text = scrape(&registry);
        assert!(text.contains(r#"workqueue_depth{name="foos"} 1"#), "{text}");
        assert!(
            text.contains(r#"workqueue_adds_total{name="foos"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"workqueue_queue_duration_seconds_sum{name="foos"} 2.0"#));
        assert!(text.contains(r#"workqueue_work_duration_seconds_sum{name="foos"} 3.0"#));
        assert!(
            text.contains(r#"workqueue_retries_total{name="foos"} 1"#),
            "{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_gauges_are_measured_at_scrape_time() {
        let (registry, metrics) = registered();
        let queue = metrics.for_queue::<&str>("foos");
        queue.add(&"a");
        queue.add(&"b");
        queue.get(&"a");
        tokio::time::advance(Duration::from_secs(1)).await;
        queue.get(&"b");
        tokio::time::advance(Duration::from_secs(2)).await;

        let text = scrape(&registry);
        assert!(text.contains(r#"workqueue_unfinished_work_seconds{name="foos"} 5.0"#));
        assert!(text.contains(r#"workqueue_longest_running_processor_seconds{name="foos"} 3.0"#));
    }

    #[test]
    fn a_dropped_queue_leaves_the_in_flight_gauges() {
        let (registry, metrics) = registered();
        drop(metrics.for_queue::<String>("gone"));
        let text = scrape(&registry);
        assert!(!text.contains(r#"workqueue_unfinished_work_seconds{name="gone"}"#));
        assert!(lock(&metrics.in_flight.queues).is_empty());
    }
}
