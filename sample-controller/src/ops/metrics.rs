//! The controller's Prometheus metrics: its work queue, each reconcile's result and duration, and its informers' state.
//!
//! Everything goes into one prometheus-client [`Registry`], served as OpenMetrics text on
//! `/metrics`. The families, and when they change:
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | `workqueue_depth` | gauge | `name="Foos"` | keys waiting in the queue |
//! | `workqueue_adds_total` | counter | `name` | keys added |
//! | `workqueue_queue_duration_seconds` | histogram | `name` | how long a key waited before a worker took it |
//! | `workqueue_work_duration_seconds` | histogram | `name` | how long a worker held a key |
//! | `workqueue_unfinished_work_seconds` | gauge | `name` | seconds of work in progress (large: a stuck worker) |
//! | `workqueue_longest_running_processor_seconds` | gauge | `name` | the longest-running worker's seconds so far |
//! | `workqueue_retries_total` | counter | `name` | keys put back with a backoff |
//! | `sample_controller_reconcile_total` | counter | `result="success"\|"error"` | syncs of one Foo, by outcome |
//! | `sample_controller_reconcile_duration_seconds` | histogram | `result` | how long each sync took |
//! | `sample_controller_informer_synced` | gauge | `informer="foos"\|"deployments"` | 1 once the informer's first list is cached |
//! | `sample_controller_informer_consecutive_failures` | gauge | `informer` | failed lists and watches since the last one that worked (0: current) |
//! | `sample_controller_informer_undecodable_objects_total` | counter | `informer` | objects listed or watched that did not decode and were skipped, once per object version (each also gets a `FailedDecode` Warning Event) |
//!
//! The `workqueue_*` families are client-go's ([`WorkQueueMetrics`]); the reconcile
//! families follow controller-runtime's `controller_runtime_reconcile_*`. The informer
//! gauges are computed at scrape time from [`Informer::health`](kube_gen::informer::Informer::health),
//! so they need no background task. Other components register their own families into the
//! same registry before it is served (leader election's `leader_election_master_status`,
//! for instance): the registry is a plain value until [`Server::bind`](super::Server::bind)
//! takes it.

use std::fmt;
use std::time::Duration;

use kube_gen::workqueue::WorkQueueMetrics;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use super::Health;

/// The label set of the reconcile metrics: `result="success"` or `result="error"`.
type ResultLabel = [(&'static str, &'static str); 1];

/// A histogram family whose histograms use [`reconcile_buckets`].
type HistogramFamily = Family<ResultLabel, Histogram, fn() -> Histogram>;

/// controller-runtime's reconcile buckets, 5 ms to 60 s: a sync is a few API calls.
fn reconcile_histogram() -> Histogram {
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0,
    ])
}

/// What the controller records: the work queue's families and the reconcile families.
///
/// Cheap to clone; clones record into the same series. Hand it to the controller with
/// [`ControllerBuilder::metrics`](crate::controller::ControllerBuilder::metrics).
#[derive(Clone, Debug)]
pub struct ControllerMetrics {
    workqueue: WorkQueueMetrics,
    reconciles: Family<ResultLabel, Counter>,
    reconcile_duration: HistogramFamily,
}

impl ControllerMetrics {
    /// Creates the `workqueue_*` and `sample_controller_reconcile_*` families and registers
    /// them in `registry`. Call it once per registry.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = ControllerMetrics {
            workqueue: WorkQueueMetrics::register(registry),
            reconciles: Family::default(),
            reconcile_duration: Family::new_with_constructor(reconcile_histogram),
        };
        registry.register(
            "sample_controller_reconcile",
            "Total number of syncs of a Foo, by result",
            metrics.reconciles.clone(),
        );
        registry.register_with_unit(
            "sample_controller_reconcile_duration",
            "How long in seconds a sync of a Foo takes, by result",
            Unit::Seconds,
            metrics.reconcile_duration.clone(),
        );
        // Both results are exported from the start, so a rate over them is defined before
        // the first error.
        for result in ["success", "error"] {
            let label = [("result", result)];
            metrics.reconciles.get_or_create_owned(&label);
            metrics.reconcile_duration.get_or_create_owned(&label);
        }
        metrics
    }

    /// The work queue families, for the controller's queue builder.
    pub fn workqueue(&self) -> &WorkQueueMetrics {
        &self.workqueue
    }

    /// Records one sync: its outcome and how long it took.
    pub fn observe_reconcile(&self, succeeded: bool, duration: Duration) {
        let label = [("result", if succeeded { "success" } else { "error" })];
        self.reconciles.get_or_create(&label).inc();
        self.reconcile_duration
            .get_or_create(&label)
            .observe(duration.as_secs_f64());
    }
}

/// Registers the `sample_controller_informer_*` gauges, computed on each scrape from the
/// informers added to `health` (added later is fine).
pub fn register_informer_metrics(registry: &mut Registry, health: &Health) {
    registry.register_collector(Box::new(InformerCollector {
        health: health.clone(),
    }));
}

/// Encodes `registry` as OpenMetrics text, the body of `/metrics`.
pub fn encode(registry: &Registry) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail, and the families here encode without errors.
    let _ = prometheus_client::encoding::text::encode(&mut text, registry);
    text
}

/// Computes the informer gauges at scrape time.
struct InformerCollector {
    health: Health,
}

impl fmt::Debug for InformerCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InformerCollector").finish_non_exhaustive()
    }
}

impl Collector for InformerCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let informers = self.health.informers();
        let mut synced = encoder.encode_descriptor(
            "sample_controller_informer_synced",
            "Whether the informer's first list has been cached (1) or not (0)",
            None,
            MetricType::Gauge,
        )?;
        for (name, health) in &informers {
            let value = i64::from(health.synced);
            ConstGauge::new(value).encode(synced.encode_family(&[("informer", name.as_str())])?)?;
        }
        let mut failures = encoder.encode_descriptor(
            "sample_controller_informer_consecutive_failures",
            "Failed lists and watches of the informer since the last one that worked",
            None,
            MetricType::Gauge,
        )?;
        for (name, health) in &informers {
            let value = i64::from(health.consecutive_failures);
            ConstGauge::new(value)
                .encode(failures.encode_family(&[("informer", name.as_str())])?)?;
        }
        let mut undecodable = encoder.encode_descriptor(
            "sample_controller_informer_undecodable_objects",
            "Objects the informer listed or watched that did not decode and were skipped",
            None,
            MetricType::Counter,
        )?;
        for (name, health) in &informers {
            ConstCounter::new(health.undecodable)
                .encode(undecodable.encode_family(&[("informer", name.as_str())])?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_family_is_exported() {
        let mut registry = Registry::default();
        let health = Health::new();
        let metrics = ControllerMetrics::register(&mut registry);
        register_informer_metrics(&mut registry, &health);
        let _queue = kube_gen::workqueue::WorkQueue::<String>::builder()
            .name("Foos")
            .metrics(metrics.workqueue())
            .build();
        metrics.observe_reconcile(false, Duration::from_millis(20));
        let text = encode(&registry);
        for line in [
            r#"workqueue_adds_total{name="Foos"} 0"#,
            r#"sample_controller_reconcile_total{result="success"} 0"#,
            r#"sample_controller_reconcile_total{result="error"} 1"#,
            r#"sample_controller_reconcile_duration_seconds_bucket{le="0.025",result="error"} 1"#,
            "# TYPE sample_controller_informer_synced gauge",
            "# TYPE sample_controller_informer_consecutive_failures gauge",
            "# TYPE sample_controller_informer_undecodable_objects counter",
            "# EOF",
        ] {
            assert!(text.contains(line), "{line} missing:\n{text}");
        }
    }
}
