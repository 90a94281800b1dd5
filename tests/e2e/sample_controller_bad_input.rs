//! The sample-controller on input it cannot act on, on the real control
//! plane (R6 of the reliability suite): Foos the CRD's validation lets through
//! (a deploymentName another Foo already owns, replicas absent or at the
//! maximum, Foos deleted while they are synced), what the validation stops, a
//! ServiceAccount without RBAC, and an API server that is not there. Each gets an Event or a log line and a
//! readiness answer that says why; nothing crashes or retries hot.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams, PostParams};
use kube_gen_tests::{SampleController, TestCluster, eventually};
use sample_controller::foo::Foo;

#[path = "support/foos.rs"]
mod support;

use support::{all_converged, controller_kubeconfig, foo, install_artifacts, sample};

const LIMIT: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread")]
async fn foos_it_cannot_act_on_get_events_and_back_off() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ns = cluster.namespace("bad-foos").await?;
    let controller =
        SampleController::start(&controller_kubeconfig(cluster)?, &["--namespace", &ns])?;
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
    install_artifacts(cluster)?;
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

#[tokio::test(flavor = "multi_thread")]
async fn the_schema_stops_invalid_foos_and_the_limits_are_handled() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ns = cluster.namespace("limits").await?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);

    // What the CRD's validation stops never reaches the controller.
    let max = sample_controller::foo::MAX_REPLICAS;
    for (name, deployment, replicas) in [
        ("too-many", "d", Some(max + 1)),
        ("negative", "d", Some(-1)),
        ("empty-name", "", Some(1)),
        ("bad-name", "Not_A_DNS_Name", Some(1)),
    ] {
        let err = foos
            .create(&PostParams::default(), &foo(name, deployment, replicas))
            .await
            .expect_err(name);
        assert!(
            matches!(&err, kube::Error::Api(s) if s.code == 422),
            "{name}: {err}"
        );
    }

    let controller =
        SampleController::start(&controller_kubeconfig(cluster)?, &["--namespace", &ns])?;
    // The maximum is a valid Foo: its Deployment asks for that many replicas.
    foos.create(
        &PostParams::default(),
        &foo("largest", "largest", Some(max)),
    )
    .await?;
    eventually("Deployment largest at the maximum", LIMIT, || async {
        let d = deployments.get_opt("largest").await?;
        Ok(d.and_then(|d| d.spec?.replicas)
            .filter(|r| *r == max)
            .map(drop))
    })
    .await;
    let patch = serde_json::json!({ "spec": { "replicas": 0 } });
    foos.patch(
        "largest",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(&patch),
    )
    .await?;

    // Foos deleted while (or before) they are synced: no crash, no stuck key.
    for i in 0..30 {
        let name = format!("fleeting-{i}");
        foos.create(&PostParams::default(), &foo(&name, &name, Some(0)))
            .await?;
        foos.delete(&name, &kube::api::DeleteParams::background())
            .await?;
    }
    all_converged(&foos, &deployments, LIMIT).await;
    eventually("the queue to drain", LIMIT, || async {
        let depth = sample(
            &controller.get("/metrics")?.body,
            r#"workqueue_depth{name="Foos"}"#,
        );
        Ok((depth == Some(0.0)).then_some(()))
    })
    .await;
    eventually(
        "the fleeting Foos' Deployments to be collected",
        LIMIT,
        || async {
            let left = deployments
                .list(&ListParams::default())
                .await?
                .items
                .iter()
                .filter(|d| {
                    d.metadata
                        .name
                        .as_deref()
                        .is_some_and(|n| n.starts_with("fleeting-"))
                })
                .count();
            Ok((left == 0).then_some(()))
        },
    )
    .await;
    assert_eq!(controller.get("/healthz")?.status, 200);
    assert!(!controller.log().contains("panicked"));
    Ok(())
}
