//! The sample-controller on input it cannot act on, on the real control
//! plane: Foos the CRD's validation lets through (a deploymentName another
//! Foo already owns, replicas absent), a ServiceAccount without RBAC, and an
//! API server that is not there. Each gets an Event or a log line and a
//! readiness answer that says why; nothing crashes or retries hot.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams, PostParams};
use kube_gen_tests::{SampleController, TestCluster, eventually, workspace_root};
use sample_controller::foo::{Foo, FooSpec};

const LIMIT: Duration = Duration::from_secs(90);

/// The value of the first sample in `metrics` whose series is `series`.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

async fn install_artifacts(cluster: &TestCluster) -> anyhow::Result<()> {
    for args in [
        &["apply", "-f", "artifacts/"][..],
        &[
            "wait",
            "--for=condition=Established",
            "crd/foos.samplecontroller.k8s.io",
            "--timeout=60s",
        ],
    ] {
        let status = cluster
            .kubectl()
            .args(args)
            .current_dir(workspace_root())
            .status()?;
        anyhow::ensure!(status.success(), "kubectl {} failed", args.join(" "));
    }
    Ok(())
}

fn foo(name: &str, deployment: &str, replicas: Option<i32>) -> Foo {
    Foo::new(
        name,
        FooSpec {
            deployment_name: deployment.into(),
            replicas,
        },
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn foos_it_cannot_act_on_get_events_and_back_off() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster).await?;
    let ns = cluster.namespace("bad-foos").await?;
    let kubeconfig =
        cluster.service_account_kubeconfig("sample-controller", "sample-controller")?;
    let controller = SampleController::start(&kubeconfig, &["--namespace", &ns])?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    let events = Api::<Event>::namespaced(admin.clone(), &ns);

    // Replicas absent: the Deployment gets the server's default of 1.
    foos.create(&PostParams::default(), &foo("defaulted", "defaulted", None))
        .await?;
    eventually(
        "Foo defaulted to report 1 available replica",
        LIMIT,
        || async {
            let status = foos.get("defaulted").await?.status;
            Ok(status.filter(|s| s.available_replicas == 1).map(drop))
        },
    )
    .await;
    let replicas = deployments
        .get("defaulted")
        .await?
        .spec
        .and_then(|s| s.replicas);
    assert_eq!(replicas, Some(1));

    // Two Foos name one Deployment: the first owns it, the second is warned.
    foos.create(&PostParams::default(), &foo("first", "shared", Some(1)))
        .await?;
    eventually("Deployment shared to exist", LIMIT, || async {
        Ok(deployments.get_opt("shared").await?.map(drop))
    })
    .await;
    foos.create(&PostParams::default(), &foo("second", "shared", Some(2)))
        .await?;
    let warning = eventually("an ErrResourceExists event on second", LIMIT, || async {
        let list = events
            .list(&ListParams::default().fields("involvedObject.name=second"))
            .await?;
        Ok(list
            .items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("ErrResourceExists")))
    })
    .await;
    assert_eq!(
        warning.message.as_deref(),
        Some("Resource \"shared\" already exists and is not managed by Foo")
    );

    // Retries back off (5 ms doubling): about a dozen in the first 20 s, where a
    // hot loop would make thousands. The owner's Deployment is untouched.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let metrics = controller.get("/metrics")?.body;
    let errors = sample(
        &metrics,
        r#"sample_controller_reconcile_total{result="error"}"#,
    )
    .unwrap_or_default();
    assert!(
        (1.0..=20.0).contains(&errors),
        "{errors} failed syncs in 10 s: {metrics}"
    );
    let shared = deployments.get("shared").await?;
    assert_eq!(shared.spec.and_then(|s| s.replicas), Some(1));
    let owner = shared.metadata.owner_references.unwrap_or_default();
    assert_eq!(
        owner.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["first"]
    );
    assert!(foos.get("second").await?.status.is_none());
    assert_eq!(controller.get("/healthz")?.status, 200);
    assert_eq!(controller.get("/readyz")?.status, 200);
    let log = controller.log();
    assert!(
        log.contains("already exists and is not managed by Foo"),
        "the failure is logged: {log}"
    );
    Ok(())
}

/// Polls until the controller answers /readyz with 503, then checks it stays
/// alive and healthy and names `cause` in its readiness and its log.
async fn unready_but_alive(controller: &mut SampleController, cause: &str) -> anyhow::Result<()> {
    let body = eventually("/readyz to fail", LIMIT, || async {
        let r = controller.get("/readyz")?;
        Ok((r.status == 503).then_some(r.body))
    })
    .await;
    assert!(
        body.to_lowercase().contains(cause),
        "/readyz names {cause}: {body}"
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(controller.try_wait()?.is_none(), "still running");
    assert_eq!(controller.get("/healthz")?.status, 200, "alive is healthy");
    assert_eq!(controller.get("/readyz")?.status, 503);
    let log = controller.log();
    let failures = log
        .lines()
        .filter(|l| l.to_lowercase().contains(cause))
        .count();
    // One line per backoff step of each of the two informers, not a flood.
    assert!(
        (1..=40).contains(&failures),
        "{failures} log lines naming {cause}:\n{log}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_account_without_rbac_is_unready_not_crashing() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster).await?;
    let ns = cluster.namespace("no-rbac").await?;
    let kubeconfig = cluster.service_account_kubeconfig(&ns, "nobody")?;
    let mut controller = SampleController::start(&kubeconfig, &["--namespace", &ns])?;
    unready_but_alive(&mut controller, "forbidden").await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_api_server_is_unready_not_crashing() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let master = format!("https://127.0.0.1:{port}");
    let mut controller = SampleController::start(cluster.kubeconfig(), &["--master", &master])?;
    unready_but_alive(&mut controller, "connect").await
}
