//! R1 and R2, outages under a working controller. The `sample-controller`
//! binary reaches the apiserver through a [`Proxy`] the test cuts, so its
//! watches go down while Foos and Deployments change; meanwhile the apiserver
//! is restarted (etcd kept), and for R2 etcd is compacted past every
//! resourceVersion the controller has seen. Afterwards every Foo converges,
//! the informers' listers equal a fresh LIST, the deletes missed arrive as
//! tombstones, and the controller is ready with an empty queue and no stuck
//! worker. Each test holds [`TestCluster::exclusive`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube_gen::informer::{DeletedObject, EventHandlerFns, Informer};
use kube_gen_tests::{Proxy, SampleController, TestCluster, eventually, lister_matches_list};
use sample_controller::foo::Foo;
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

use support::{all_converged, controller_kubeconfig, foo, install_artifacts, metric};

const LIMIT: Duration = Duration::from_secs(120);

/// The controller, ready, with nothing queued and no sync running.
async fn idle_and_ready(controller: &SampleController) {
    eventually("the controller to be ready and idle", LIMIT, || async {
        let ready = controller.get("/readyz")?.status == 200;
        let depth = metric(controller, r#"workqueue_depth{name="Foos"}"#)?;
        let busy = metric(
            controller,
            r#"workqueue_unfinished_work_seconds{name="Foos"}"#,
        )?;
        Ok((ready && depth == 0.0 && busy == 0.0).then_some(()))
    })
    .await;
    let log = controller.log();
    assert!(!log.contains("panicked"), "no panic: {log}");
    assert_eq!(controller.get("/healthz").map(|r| r.status).ok(), Some(200));
}

/// A controller through `proxy`, as its ServiceAccount, on namespace `ns`.
fn controller_through(
    cluster: &TestCluster,
    proxy: &Proxy,
    ns: &str,
    extra: &[&str],
) -> anyhow::Result<SampleController> {
    let url = proxy.url();
    let mut args = vec!["--master", &url, "--namespace", ns];
    args.extend_from_slice(extra);
    SampleController::start(&controller_kubeconfig(cluster)?, &args)
}

#[tokio::test(flavor = "multi_thread")]
async fn r1_the_controller_recovers_from_an_apiserver_restart() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r1").await?;
    let proxy = Proxy::start(cluster)?;
    let controller = controller_through(cluster, &proxy, &ns, &[])?;
    let watched = proxy.client(cluster).await?;
    let foo_informer = Informer::builder(Api::<Foo>::namespaced(watched.clone(), &ns))
        .backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build();
    let deployment_informer = Informer::builder(Api::<Deployment>::namespaced(watched, &ns))
        .backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build();
    foo_informer.start();
    deployment_informer.start();

    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    for i in 0..10 {
        let name = format!("foo-{i}");
        foos.create(&PostParams::default(), &foo(&name, &name, Some(1)))
            .await?;
    }
    all_converged(&foos, &deployments, LIMIT).await;

    // The outage: the controller's connections are cut and the apiserver restarts; Foos
    // are created and changed while the controller cannot see them.
    proxy.cut();
    eventually("/readyz to notice the outage", LIMIT, || async {
        Ok((controller.get("/readyz")?.status == 503).then_some(()))
    })
    .await;
    for i in 0..5 {
        let more = json!({ "spec": { "replicas": 2 } });
        foos.patch(
            &format!("foo-{i}"),
            &PatchParams::default(),
            &Patch::Merge(&more),
        )
        .await?;
    }
    tokio::task::block_in_place(|| cluster.control_plane().restart_apiserver())?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    for i in 10..15 {
        let name = format!("foo-{i}");
        foos.create(&PostParams::default(), &foo(&name, &name, Some(1)))
            .await?;
    }
    proxy.heal();

    all_converged(&foos, &deployments, LIMIT).await;
    lister_matches_list(&foo_informer.lister(), &foos, "", LIMIT).await;
    lister_matches_list(&deployment_informer.lister(), &deployments, "", LIMIT).await;
    idle_and_ready(&controller).await;
    foo_informer.shutdown().await;
    deployment_informer.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn r2_deletes_missed_across_a_compaction_arrive_as_tombstones() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r2").await?;
    // One proxy for the controller and one for the observing informer, so the informer can
    // relist (and see the tombstones) before the controller recreates anything.
    let proxy = Proxy::start(cluster)?;
    let observer = Proxy::start(cluster)?;
    // No resync: only the informers' events can bring the Deployments back.
    let controller = controller_through(cluster, &proxy, &ns, &["--resync", "0"])?;
    let deployment_informer = Informer::builder(Api::<Deployment>::namespaced(
        observer.client(cluster).await?,
        &ns,
    ))
    .backoff(Duration::from_millis(200), Duration::from_secs(2))
    .build();
    let deleted = Arc::new(Mutex::new(Vec::new()));
    let log = deleted.clone();
    deployment_informer.add_event_handler(EventHandlerFns::new().on_delete(
        move |d: DeletedObject<Deployment>| {
            let kind = if d.is_tombstone() {
                "tombstone"
            } else {
                "delete"
            };
            log.lock()
                .unwrap()
                .push(format!("{kind} {}", d.object().name_any()));
        },
    ));
    deployment_informer.start();

    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    for i in 0..6 {
        let name = format!("foo-{i}");
        foos.create(&PostParams::default(), &foo(&name, &name, Some(1)))
            .await?;
    }
    all_converged(&foos, &deployments, LIMIT).await;
    deployment_informer.wait_for_cache_sync(LIMIT).await?;
    let uid = |d: &Deployment| d.uid().unwrap_or_default();
    let before: BTreeMap<String, String> = deployments
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .map(|d| (d.name_any(), uid(d)))
        .collect();

    proxy.cut();
    observer.cut();
    for name in ["foo-0", "foo-1"] {
        deployments
            .delete(name, &DeleteParams::background())
            .await?;
    }
    foos.delete("foo-2", &DeleteParams::background()).await?;
    let more = json!({ "spec": { "replicas": 2 } });
    foos.patch("foo-3", &PatchParams::default(), &Patch::Merge(&more))
        .await?;
    tokio::task::block_in_place(|| -> anyhow::Result<()> {
        cluster.control_plane().compact_etcd()?;
        cluster.control_plane().restart_apiserver()
    })?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    observer.heal();

    eventually("the missed deletes as tombstones", LIMIT, || async {
        let log = deleted.lock().unwrap().clone();
        Ok(["tombstone foo-0", "tombstone foo-1"]
            .iter()
            .all(|want| log.iter().any(|l| l == want))
            .then_some(log))
    })
    .await;
    proxy.heal();
    all_converged(&foos, &deployments, LIMIT).await;
    let after = deployments.list(&ListParams::default()).await?.items;
    // foo-2's Deployment is left out: its Foo is gone, and until the controller's Foo
    // informer has relisted too, a tombstone for it may still recreate it for the
    // garbage collector to remove (as in the Go original); it must be gone below.
    for d in after.iter().filter(|d| d.name_any() != "foo-2") {
        let name = d.name_any();
        let recreated = before.get(&name) != Some(&uid(d));
        assert_eq!(
            recreated,
            name == "foo-0" || name == "foo-1",
            "only the deleted Deployments are new: {name}"
        );
    }
    eventually(
        "foo-2's Deployment to be garbage-collected",
        LIMIT,
        || async { Ok(deployments.get_opt("foo-2").await?.is_none().then_some(())) },
    )
    .await;
    lister_matches_list(&deployment_informer.lister(), &deployments, "", LIMIT).await;
    idle_and_ready(&controller).await;
    deployment_informer.shutdown().await;
    Ok(())
}
