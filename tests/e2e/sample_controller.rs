//! The sample-controller as users run it: `kubectl apply -f artifacts/` on the
//! real control plane, then the `sample-controller` binary as the
//! ServiceAccount those artifacts create (not admin), with leader election.
//! The example Foo gets its Deployment with Ready pods and its status; a
//! replicas change converges; a Deployment deleted by hand comes back; a
//! Deployment it does not own gets `ErrResourceExists`; deleting the Foo
//! garbage-collects its Deployment; /metrics shows the work and /readyz stays
//! ok throughout; SIGTERM exits 0 and releases the Lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube_gen_tests::{SampleController, TestCluster, eventually};
use sample_controller::foo::{Foo, FooSpec};
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

use support::{controller_kubeconfig, install_artifacts, kubectl, sample};

const LIMIT: Duration = Duration::from_secs(90);

/// Waits until Deployment `name` has `replicas` available and Foo `owner`'s
/// status says so too.
async fn converged(
    deployments: &Api<Deployment>,
    foos: &Api<Foo>,
    owner: &str,
    name: &str,
    replicas: i32,
) {
    eventually(
        &format!("{name} at {replicas} available replicas, mirrored in {owner}"),
        LIMIT,
        || async {
            let d = deployments.get_opt(name).await?;
            let available = d
                .as_ref()
                .and_then(|d| d.status.as_ref()?.available_replicas);
            let wanted = d.as_ref().and_then(|d| d.spec.as_ref()?.replicas);
            let status = foos.get(owner).await?.status.map(|s| s.available_replicas);
            Ok((available == Some(replicas)
                && wanted == Some(replicas)
                && status == Some(replicas))
            .then_some(()))
        },
    )
    .await;
}

/// The first event with `reason` about object `name`.
async fn event(events: &Api<Event>, name: &str, reason: &str) -> Event {
    eventually(&format!("a {reason} event on {name}"), LIMIT, || async {
        let list = events
            .list(&ListParams::default().fields(&format!("involvedObject.name={name}")))
            .await?;
        Ok(list
            .items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some(reason)))
    })
    .await
}

/// Polls /readyz in the background and remembers whether it ever failed once
/// it had succeeded.
struct ReadyWatch {
    stop: Arc<AtomicBool>,
    task: std::thread::JoinHandle<Vec<String>>,
}

impl ReadyWatch {
    fn start(controller: &Arc<SampleController>) -> ReadyWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let (controller, flag) = (controller.clone(), stop.clone());
        let task = std::thread::spawn(move || {
            let mut ready = false;
            let mut failures = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                match controller.get("/readyz") {
                    Ok(r) if r.status == 200 => ready = true,
                    Ok(r) if ready => failures.push(format!("{}: {}", r.status, r.body)),
                    Err(err) if ready => failures.push(format!("{err:#}")),
                    _ => {}
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            failures
        });
        ReadyWatch { stop, task }
    }

    fn failures(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.join().expect("the /readyz poller does not panic")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_controller_runs_from_artifacts_as_its_service_account() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let admin = cluster.client().await?;

    // Exactly the documented commands, from the workspace root.
    install_artifacts(cluster)?;
    kubectl(cluster, &["apply", "-f", "artifacts/examples/"])?;

    let kubeconfig = controller_kubeconfig(cluster)?;
    let controller = Arc::new(SampleController::start(&kubeconfig, &["--leader-elect"])?);
    eventually("the controller to be ready", LIMIT, || async {
        Ok((controller.get("/readyz")?.status == 200).then_some(()))
    })
    .await;
    let readiness = ReadyWatch::start(&controller);
    assert_eq!(controller.get("/healthz")?.status, 200);

    let foos = Api::<Foo>::namespaced(admin.clone(), "default");
    let deployments = Api::<Deployment>::namespaced(admin.clone(), "default");
    let events = Api::<Event>::namespaced(admin.clone(), "default");
    converged(&deployments, &foos, "example-foo", "example-foo", 1).await;
    let synced = event(&events, "example-foo", "Synced").await;
    assert_eq!(synced.message.as_deref(), Some("Foo synced successfully"));
    assert_eq!(
        synced.source.and_then(|s| s.component).as_deref(),
        Some("sample-controller")
    );

    let more = json!({ "spec": { "replicas": 3 } });
    foos.patch("example-foo", &PatchParams::default(), &Patch::Merge(&more))
        .await?;
    converged(&deployments, &foos, "example-foo", "example-foo", 3).await;

    let first_uid = deployments.get("example-foo").await?.metadata.uid;
    deployments
        .delete("example-foo", &DeleteParams::background())
        .await?;
    eventually("the deleted Deployment to be recreated", LIMIT, || async {
        let d = deployments.get_opt("example-foo").await?;
        Ok(d.filter(|d| d.metadata.uid != first_uid).map(|_| ()))
    })
    .await;
    converged(&deployments, &foos, "example-foo", "example-foo", 3).await;

    // A Deployment that is not ours: the Foo gets a Warning and no status.
    let foreign: Deployment = serde_json::from_value(json!({
        "metadata": { "name": "foreign" },
        "spec": {
            "selector": { "matchLabels": { "app": "foreign" } },
            "template": {
                "metadata": { "labels": { "app": "foreign" } },
                "spec": { "containers": [{ "name": "c", "image": "nginx:latest" }] }
            }
        }
    }))?;
    deployments.create(&PostParams::default(), &foreign).await?;
    let spec = FooSpec {
        deployment_name: "foreign".into(),
        replicas: Some(1),
    };
    foos.create(&PostParams::default(), &Foo::new("intruder", spec))
        .await?;
    let warning = event(&events, "intruder", "ErrResourceExists").await;
    assert_eq!(warning.type_.as_deref(), Some("Warning"));
    assert_eq!(
        warning.message.as_deref(),
        Some("Resource \"foreign\" already exists and is not managed by Foo")
    );
    assert!(
        foos.get("intruder").await?.status.is_none(),
        "no status for a Foo whose Deployment is not ours"
    );
    let foreign = deployments.get("foreign").await?;
    assert!(
        foreign.metadata.owner_references.is_none(),
        "the foreign Deployment is left alone"
    );

    foos.delete("example-foo", &DeleteParams::background())
        .await?;
    eventually(
        "the Deployment of a deleted Foo to be garbage-collected",
        LIMIT,
        || async {
            Ok(deployments
                .get_opt("example-foo")
                .await?
                .is_none()
                .then_some(()))
        },
    )
    .await;

    // The work shows in /metrics, and this replica holds the Lease.
    let metrics = controller.get("/metrics")?.body;
    let synced_ok = sample(
        &metrics,
        r#"sample_controller_reconcile_total{result="success"}"#,
    );
    assert!(synced_ok.is_some_and(|n| n >= 3.0), "{metrics}");
    let failed = sample(
        &metrics,
        r#"sample_controller_reconcile_total{result="error"}"#,
    );
    assert!(
        failed.is_some_and(|n| n >= 1.0),
        "intruder failed: {metrics}"
    );
    assert!(
        sample(&metrics, r#"workqueue_adds_total{name="Foos"}"#).is_some_and(|n| n >= 3.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"leader_election_master_status{name="sample-controller"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    let leases = Api::<Lease>::namespaced(admin.clone(), "sample-controller");
    let holder = leases
        .get("sample-controller")
        .await?
        .spec
        .and_then(|s| s.holder_identity);
    assert!(holder.is_some_and(|h| !h.is_empty()), "the Lease is held");

    let failures = readiness.failures();
    assert!(failures.is_empty(), "/readyz failed: {failures:?}");
    let controller = Arc::into_inner(controller).expect("the poller is done");
    let log = controller.log_path().to_owned();
    let status = tokio::task::block_in_place(|| controller.terminate(Duration::from_secs(30)))?;
    assert!(status.success(), "exit {status}; log: {}", log.display());
    let released = leases
        .get("sample-controller")
        .await?
        .spec
        .and_then(|s| s.holder_identity);
    assert!(
        released.as_deref().is_none_or(str::is_empty),
        "SIGTERM releases the Lease, held by {released:?}"
    );
    Ok(())
}
