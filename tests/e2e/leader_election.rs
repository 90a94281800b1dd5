//! Leader election against the real control plane: of two electors on one Lease exactly one
//! leads and the Lease names it; a leader that shuts down releases the Lease and the other
//! takes over at once; a leader that dies without releasing is replaced only once the Lease
//! has expired. Throughout, the two never both say they lead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube_gen::leaderelection::{Error, LeaderElector};
use kube_gen_tests::{TestCluster, eventually};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const LEASE: &str = "controller";
const LEASE_DURATION: Duration = Duration::from_secs(3);
const RENEW_DEADLINE: Duration = Duration::from_secs(2);
const RETRY_PERIOD: Duration = Duration::from_millis(250);
const LIMIT: Duration = Duration::from_secs(30);

/// One replica: an elector running in its own task, with its own client.
struct Candidate {
    elector: LeaderElector,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<Option<()>, Error>>,
    /// When `lead` was called, on the wall clock (the one Lease times are written with).
    led_at: Arc<Mutex<Option<Timestamp>>>,
}

impl Candidate {
    async fn start(ns: &str, identity: &str) -> anyhow::Result<Candidate> {
        let client = TestCluster::get().client().await?;
        let elector = LeaderElector::builder(client, ns, LEASE)
            .identity(identity)
            .lease_duration(LEASE_DURATION)
            .renew_deadline(RENEW_DEADLINE)
            .retry_period(RETRY_PERIOD)
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let led_at = Arc::new(Mutex::new(None));
        let (runner, record) = (elector.clone(), Arc::clone(&led_at));
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            runner
                .run(shutdown, |leading| async move {
                    *record.lock().unwrap() = Some(Timestamp::now());
                    leading.await;
                })
                .await
        });
        Ok(Candidate {
            elector,
            stop: Some(stop),
            task,
            led_at,
        })
    }

    /// Asks the elector to shut down and waits for `run` to return.
    async fn shut_down(mut self) -> anyhow::Result<Option<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        Ok(self.task.await??)
    }

    fn led_at(&self) -> Option<Timestamp> {
        *self.led_at.lock().unwrap()
    }
}

/// Polls both electors every few milliseconds; the flag says whether both ever led at once.
fn watch_for_two_leaders(
    a: &LeaderElector,
    b: &LeaderElector,
) -> (Arc<AtomicBool>, JoinHandle<()>) {
    let both = Arc::new(AtomicBool::new(false));
    let (a, b, flag) = (a.clone(), b.clone(), Arc::clone(&both));
    let task = tokio::spawn(async move {
        loop {
            if a.is_leader() && b.is_leader() {
                flag.store(true, Ordering::SeqCst);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    (both, task)
}

/// Waits until exactly one of the two leads; returns (leader, follower).
async fn elected(a: Candidate, b: Candidate) -> (Candidate, Candidate) {
    let a_leads = eventually("one of the two electors to lead", LIMIT, || async {
        Ok(match (a.elector.is_leader(), b.elector.is_leader()) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            (true, true) => anyhow::bail!("both lead"),
            (false, false) => None,
        })
    })
    .await;
    if a_leads { (a, b) } else { (b, a) }
}

async fn record(leases: &Api<Lease>) -> anyhow::Result<LeaseSpec> {
    Ok(leases.get(LEASE).await?.spec.unwrap_or_default())
}

/// Checks that the Lease, last recorded as `before`, now names `follower`, one transition later.
async fn taken_over(
    leases: &Api<Lease>,
    follower: &Candidate,
    before: &LeaseSpec,
) -> anyhow::Result<()> {
    let taken = record(leases).await?;
    assert_eq!(
        taken.holder_identity.as_deref(),
        Some(follower.elector.identity())
    );
    assert_eq!(
        taken.lease_transitions,
        before.lease_transitions.map(|t| t + 1)
    );
    Ok(())
}

#[tokio::test]
async fn one_of_two_leads_and_a_shutdown_hands_over_at_once() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("le").await?;
    let leases = Api::<Lease>::namespaced(cluster.client().await?, &ns);
    let (a, b) = (
        Candidate::start(&ns, "replica-a").await?,
        Candidate::start(&ns, "replica-b").await?,
    );
    let (both, watcher) = watch_for_two_leaders(&a.elector, &b.elector);
    let (leader, follower) = elected(a, b).await;

    let held = record(&leases).await?;
    assert_eq!(
        held.holder_identity.as_deref(),
        Some(leader.elector.identity())
    );
    assert_eq!(held.lease_duration_seconds, Some(3));
    let follower_sees = eventually("the follower to see the leader", LIMIT, || async {
        Ok(follower.elector.leader())
    })
    .await;
    assert_eq!(follower_sees, leader.elector.identity());

    // Longer than a lease duration: the leader keeps renewing, the follower keeps waiting.
    tokio::time::sleep(LEASE_DURATION + Duration::from_secs(1)).await;
    assert!(leader.elector.is_leader() && !follower.elector.is_leader());
    let renewed = record(&leases).await?;
    assert!(renewed.renew_time > held.renew_time, "the leader renewed");
    assert_eq!(renewed.acquire_time, held.acquire_time);

    let stopped_at = Instant::now();
    assert_eq!(
        leader.shut_down().await?,
        Some(()),
        "run returns after leading"
    );
    eventually("the follower to take over", LIMIT, || async {
        Ok(follower.elector.is_leader().then_some(()))
    })
    .await;
    let handover = stopped_at.elapsed();
    assert!(
        handover < LEASE_DURATION / 2,
        "took over {handover:?} after the shutdown: the lease was released, not left to expire"
    );
    taken_over(&leases, &follower, &held).await?;

    assert_eq!(follower.shut_down().await?, Some(()));
    let released = record(&leases).await?;
    assert_eq!(released.holder_identity.as_deref(), Some(""));
    assert_eq!(released.lease_duration_seconds, Some(1));
    watcher.abort();
    assert!(!both.load(Ordering::SeqCst), "the two never led at once");
    Ok(())
}

#[tokio::test]
async fn a_killed_leader_is_replaced_only_after_its_lease_expires() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("le").await?;
    let leases = Api::<Lease>::namespaced(cluster.client().await?, &ns);
    let (a, b) = (
        Candidate::start(&ns, "replica-a").await?,
        Candidate::start(&ns, "replica-b").await?,
    );
    let (both, watcher) = watch_for_two_leaders(&a.elector, &b.elector);
    let (leader, follower) = elected(a, b).await;

    // Like `kill -9`: the elector's future is dropped, nothing is released.
    leader.task.abort();
    let killed_at = Instant::now();
    assert!(leader.task.await.unwrap_err().is_cancelled());
    assert!(!leader.elector.is_leader());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let last = record(&leases).await?;
    assert_eq!(
        last.holder_identity.as_deref(),
        Some(leader.elector.identity())
    );
    let last_renewed = last.renew_time.clone().expect("a renew time").0;

    eventually("the follower to take over", LIMIT, || async {
        Ok(follower.elector.is_leader().then_some(()))
    })
    .await;
    let waited = killed_at.elapsed();
    let led_at = follower.led_at().expect("the follower's lead was called");
    let after_last_renewal = led_at.duration_since(last_renewed);
    assert!(
        after_last_renewal >= LEASE_DURATION.try_into()?,
        "took over {after_last_renewal:?} after the last renewal, before the lease expired"
    );
    assert!(
        waited >= LEASE_DURATION - RETRY_PERIOD * 2 && waited < LEASE_DURATION * 2,
        "took over {waited:?} after the kill"
    );
    taken_over(&leases, &follower, &last).await?;

    assert_eq!(follower.shut_down().await?, Some(()));
    watcher.abort();
    assert!(!both.load(Ordering::SeqCst), "the two never led at once");
    Ok(())
}
