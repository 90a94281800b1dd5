//! The sample-controller on the real control plane, run in-process with the
//! admin client for now: a Foo gets its Deployment with Ready pods and its
//! status; a replicas change converges; a Deployment deleted by hand comes
//! back; a Deployment it does not own gets `ErrResourceExists`; deleting the
//! Foo garbage-collects its Deployment.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube_gen::events::Recorder;
use kube_gen::informer::SharedInformerFactory;
use kube_gen_tests::{TestCluster, eventually, workspace_root};
use sample_controller::controller::{CONTROLLER_AGENT_NAME, Controller};
use sample_controller::foo::{Foo, FooSpec};
use serde_json::json;

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

#[tokio::test(flavor = "multi_thread")]
async fn a_foo_is_reconciled_end_to_end() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("sample").await?;
    let client = cluster.client().await?;
    let artifacts = workspace_root().join("artifacts");
    let applied = cluster
        .kubectl()
        .arg("apply")
        .arg("-f")
        .arg(&artifacts)
        .status()?;
    assert!(applied.success(), "kubectl apply -f artifacts/");
    let established = cluster
        .kubectl()
        .args([
            "wait",
            "--for=condition=Established",
            "crd/foos.samplecontroller.k8s.io",
            "--timeout=60s",
        ])
        .status()?;
    assert!(established.success());

    let factory = SharedInformerFactory::builder(client.clone())
        .namespace(&ns)
        .build();
    let recorder = Recorder::new(client.clone(), CONTROLLER_AGENT_NAME);
    let controller = Controller::new(
        client.clone(),
        &factory.informer::<Deployment>(),
        &factory.informer::<Foo>(),
        recorder.clone(),
    );
    factory.start();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        controller
            .run(2, async {
                let _ = stopped.await;
            })
            .await
    });

    let foos = Api::<Foo>::namespaced(client.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(client.clone(), &ns);
    let spec = FooSpec {
        deployment_name: "example-foo".into(),
        replicas: Some(1),
    };
    foos.create(&PostParams::default(), &Foo::new("example-foo", spec))
        .await?;
    converged(&deployments, &foos, "example-foo", "example-foo", 1).await;

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
    let events = Api::<Event>::namespaced(client.clone(), &ns);
    eventually(
        "an ErrResourceExists event on Foo intruder",
        LIMIT,
        || async {
            let list = events
                .list(&ListParams::default().fields("involvedObject.name=intruder"))
                .await?;
            Ok(list
                .items
                .into_iter()
                .find(|e| e.reason.as_deref() == Some("ErrResourceExists")))
        },
    )
    .await
    .message
    .filter(|m| m == "Resource \"foreign\" already exists and is not managed by Foo")
    .expect("the original's message");
    assert!(
        foos.get("intruder").await?.status.is_none(),
        "no status for a Foo whose Deployment is not ours"
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

    let _ = stop.send(());
    running.await??;
    factory.shutdown().await;
    Ok(())
}
