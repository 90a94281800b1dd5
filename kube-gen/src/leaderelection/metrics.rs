//! Prometheus metrics for leader election, named and labelled like client-go's
//! `leader_election_*` metrics.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The label set of every leader election metric: `name="<lease name>"`.
type NameLabel = [(&'static str, String); 1];

/// The `leader_election_*` metric families, registered once in a [`Registry`] and shared by
/// every elector built with them.
///
/// | metric                            | type    | meaning |
/// |-----------------------------------|---------|---------|
/// | `leader_election_master_status`   | gauge   | 1 while this process leads on the Lease, 0 otherwise |
/// | `leader_election_slowpath_total`  | counter | renewals that had to read the Lease first because the optimistic update failed |
///
/// Each elector records its series under the label `name`, the Lease's name. Two electors
/// in one process on the same Lease name would share their series; give them separate
/// registries (in tests) or do not attach metrics to both.
///
/// # Examples
///
/// ```
/// use kube_gen::fake::FakeCluster;
/// use kube_gen::leaderelection::{LeaderElectionMetrics, LeaderElector};
/// use prometheus_client::registry::Registry;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), kube_gen::leaderelection::Error> {
/// let mut registry = Registry::default();
/// let metrics = LeaderElectionMetrics::register(&mut registry);
/// let client = FakeCluster::new().client(); // or a real cluster's client
/// let elector = LeaderElector::builder(client, "default", "my-controller")
///     .metrics(&metrics)
///     .build()?;
///
/// let scrape = |registry: &Registry| {
///     let mut text = String::new();
///     prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
///     text
/// };
/// let status = r#"leader_election_master_status{name="my-controller"}"#;
/// assert!(scrape(&registry).contains(&format!("{status} 0")));
/// let while_leading = elector
///     .run(std::future::pending(), |_leading| async { scrape(&registry) })
///     .await?;
/// assert!(while_leading.unwrap().contains(&format!("{status} 1")));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct LeaderElectionMetrics {
    master_status: Family<NameLabel, Gauge>,
    slowpath: Family<NameLabel, Counter>,
}

impl LeaderElectionMetrics {
    /// Creates the leader election metric families and registers them in `registry`.
    ///
    /// Call this once per registry: registering twice would expose every family twice.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            master_status: Family::default(),
            slowpath: Family::default(),
        };
        registry.register(
            "leader_election_master_status",
            "Gauge of if the reporting system is master of the relevant lease, 0 indicates \
             backup, 1 indicates master. 'name' is the string used to identify the lease.",
            metrics.master_status.clone(),
        );
        registry.register(
            "leader_election_slowpath",
            "Total number of slow path exercised in renewing leader leases. 'name' is the \
             string used to identify the lease.",
            metrics.slowpath.clone(),
        );
        metrics
    }

    /// Sets the status series of `name` to 1 (leading) or 0, creating it if needed.
    pub(crate) fn set_leading(&self, name: &str, leading: bool) {
        self.master_status
            .get_or_create(&label(name))
            .set(i64::from(leading));
    }

    /// Counts a renewal that took the slow path.
    pub(crate) fn slowpath(&self, name: &str) {
        self.slowpath.get_or_create(&label(name)).inc();
    }
}

fn label(name: &str) -> NameLabel {
    [("name", name.to_owned())]
}
