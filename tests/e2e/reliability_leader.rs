//! R4, leader failover: two `sample-controller` replicas with `--leader-elect`
//! on one Lease. Only the leader works (its metrics and the Lease say so);
//! `kill -9` of the leader hands the work to the other within lease duration +
//! renew deadline, with no duplicate Deployment; SIGTERM releases the Lease at
//! once.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube_gen_tests::{SampleController, TestCluster, eventually};
use sample_controller::foo::Foo;
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

use support::{all_converged, controller_kubeconfig, foo, install_artifacts, metric};

const LIMIT: Duration = Duration::from_secs(90);
const LEADING: &str = r#"leader_election_master_status{name="sample-controller"}"#;
const LEASE_DURATION: Duration = Duration::from_secs(4);
const RENEW_DEADLINE: Duration = Duration::from_secs(3);

fn reconciles(controller: &SampleController) -> anyhow::Result<f64> {
    Ok(metric(
        controller,
        r#"sample_controller_reconcile_total{result="success"}"#,
    )? + metric(
        controller,
        r#"sample_controller_reconcile_total{result="error"}"#,
    )?)
}

async fn holder(leases: &Api<Lease>) -> anyhow::Result<Option<String>> {
    Ok(leases
        .get("sample-controller")
        .await?
        .spec
        .and_then(|s| s.holder_identity)
        .filter(|h| !h.is_empty()))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_standby_takes_over_from_a_killed_leader() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ns = cluster.namespace("failover").await?;
    let kubeconfig = controller_kubeconfig(cluster)?;
    let args = [
        "--leader-elect",
        "--leader-elect-lease-duration=4s",
        "--leader-elect-renew-deadline=3s",
        "--leader-elect-retry-period=500ms",
        "--namespace",
        &ns,
    ];
    let mut first = SampleController::start(&kubeconfig, &args)?;
    eventually("the first replica to lead", LIMIT, || async {
        Ok((metric(&first, LEADING)? == 1.0).then_some(()))
    })
    .await;
    let second = SampleController::start(&kubeconfig, &args)?;
    eventually("the second replica to serve", LIMIT, || async {
        Ok((second.get("/readyz")?.status == 200).then_some(()))
    })
    .await;

    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    let leases = Api::<Lease>::namespaced(admin.clone(), "sample-controller");
    for i in 0..5 {
        let name = format!("foo-{i}");
        foos.create(&PostParams::default(), &foo(&name, &name, Some(1)))
            .await?;
    }
    all_converged(&foos, &deployments, LIMIT).await;

    // Only the leader works, and the Lease names it.
    assert_eq!(metric(&second, LEADING)?, 0.0);
    assert_eq!(reconciles(&second)?, 0.0, "the standby never synced");
    assert!(reconciles(&first)? >= 5.0);
    let leader = holder(&leases).await?.expect("the Lease is held");
    assert!(
        first.log().contains(&leader),
        "the Lease names the first replica: {leader}"
    );

    // kill -9: no release; the standby waits for the Lease to expire.
    let killed = Instant::now();
    first.kill()?;
    eventually("the second replica to lead", LIMIT, || async {
        Ok((metric(&second, LEADING)? == 1.0).then_some(()))
    })
    .await;
    let took = killed.elapsed();
    eprintln!("failover took {took:?}");
    // Lease duration + renew deadline, plus one jittered retry period and polling.
    assert!(
        took <= LEASE_DURATION + RENEW_DEADLINE + Duration::from_secs(2),
        "failover took {took:?}"
    );
    let new_leader = holder(&leases).await?.expect("the Lease is held");
    assert_ne!(new_leader, leader);
    assert!(second.log().contains(&new_leader));

    // The new leader picks up new work and does not duplicate the old.
    let more = json!({ "spec": { "replicas": 2 } });
    foos.patch("foo-0", &PatchParams::default(), &Patch::Merge(&more))
        .await?;
    foos.create(&PostParams::default(), &foo("foo-5", "foo-5", Some(1)))
        .await?;
    all_converged(&foos, &deployments, LIMIT).await;
    let count = deployments.list(&ListParams::default()).await?.items.len();
    assert_eq!(count, 6, "one Deployment per Foo");

    // SIGTERM: an orderly stop releases the Lease at once.
    let status = tokio::task::block_in_place(|| second.terminate(Duration::from_secs(30)))?;
    assert!(status.success(), "exit {status}");
    assert_eq!(holder(&leases).await?, None, "released on SIGTERM");
    Ok(())
}
