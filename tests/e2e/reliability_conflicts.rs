//! R3, concurrent writers: while the `sample-controller` works, other writers
//! keep changing the Foos' status and their Deployments' replicas. The
//! controller's status writes then meet 409 Conflicts, which are retried
//! through the queue; no update is lost: once the writers stop, every Foo and
//! Deployment is back where the Foo's spec says.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube_gen_tests::{SampleController, TestCluster};
use sample_controller::foo::Foo;
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

use support::{all_converged, controller_kubeconfig, foo, install_artifacts, metric};

const LIMIT: Duration = Duration::from_secs(120);
const FOOS: usize = 5;

#[tokio::test(flavor = "multi_thread")]
async fn conflicting_writers_are_retried_and_no_update_is_lost() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r3").await?;
    let controller =
        SampleController::start(&controller_kubeconfig(cluster)?, &["--namespace", &ns])?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    for i in 0..FOOS {
        let name = format!("foo-{i}");
        foos.create(&PostParams::default(), &foo(&name, &name, Some(1)))
            .await?;
    }
    all_converged(&foos, &deployments, LIMIT).await;

    // For 10 s: one writer scribbles on every Foo's status, another scales every
    // Deployment, and the Foos' own replicas change too.
    let until = Instant::now() + Duration::from_secs(10);
    let status_writer = {
        let foos = foos.clone();
        tokio::spawn(async move {
            let mut writes = 0_u32;
            while Instant::now() < until {
                for i in 0..FOOS {
                    let bogus = json!({ "status": { "availableReplicas": 99 } });
                    let params = PatchParams::default();
                    if foos
                        .patch_status(&format!("foo-{i}"), &params, &Patch::Merge(&bogus))
                        .await
                        .is_ok()
                    {
                        writes += 1;
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            writes
        })
    };
    let scaler = {
        let deployments = deployments.clone();
        tokio::spawn(async move {
            let mut writes = 0_u32;
            let mut replicas = 0;
            while Instant::now() < until {
                replicas = (replicas + 1) % 3;
                for i in 0..FOOS {
                    let scale = json!({ "spec": { "replicas": replicas } });
                    let params = PatchParams::default();
                    if deployments
                        .patch(&format!("foo-{i}"), &params, &Patch::Merge(&scale))
                        .await
                        .is_ok()
                    {
                        writes += 1;
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            writes
        })
    };
    let mut changes = 0;
    while Instant::now() < until {
        for i in 0..FOOS {
            let spec = json!({ "spec": { "replicas": 1 + (changes + i) % 3 } });
            foos.patch(
                &format!("foo-{i}"),
                &PatchParams::default(),
                &Patch::Merge(&spec),
            )
            .await?;
        }
        changes += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status_writes, scales) = (status_writer.await?, scaler.await?);
    eprintln!("{status_writes} status writes, {scales} scales, {changes} spec rounds meanwhile");
    assert!(status_writes > 0 && scales > 0);

    all_converged(&foos, &deployments, LIMIT).await;
    let conflicts = controller
        .log()
        .lines()
        .filter(|l| l.contains("Error syncing") && l.contains("Conflict"))
        .count();
    let errors = metric(
        &controller,
        r#"sample_controller_reconcile_total{result="error"}"#,
    )?;
    eprintln!("{conflicts} conflicts logged, {errors} failed syncs");
    assert!(conflicts >= 1, "the status writes met conflicts");
    assert!(
        metric(&controller, r#"workqueue_retries_total{name="Foos"}"#)? >= errors,
        "every failed sync was requeued with backoff"
    );
    assert!(!controller.log().contains("panicked"));
    Ok(())
}
