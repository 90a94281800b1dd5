//! R9, poison objects: the Foo CRD's schema is loosened (as during an upgrade or
//! a rollback), Foos that no longer fit the real schema are stored, and the
//! schema is tightened again. One Foo has `replicas: "three"` and does not
//! decode; one has no `deploymentName` and decodes with an empty name, as in Go;
//! one good Foo is made bad and fixed later. The controller skips what it cannot
//! decode, says so once (log, metric, Warning Event), stays ready, and keeps
//! every other Foo converging, through its watch and through a fresh list.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube_gen_tests::{SampleController, TestCluster, eventually};
use sample_controller::foo::Foo;
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

use support::{
    all_converged_selected, controller_kubeconfig, foo, install_artifacts, loosen_crd, metric,
    tighten_crd,
};

const LIMIT: Duration = Duration::from_secs(120);
const GOOD: usize = 20;
const GOOD_LABEL: &str = "r9=good";
const UNDECODABLE: &str =
    r#"sample_controller_informer_undecodable_objects_total{informer="foos"}"#;
/// The issue's bound for a Foo created while bad ones are stored.
const NEW_FOO_BOUND: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn r9_foos_that_do_not_decode_are_skipped_reported_and_the_rest_converge()
-> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r9").await?;
    let kubeconfig = controller_kubeconfig(cluster)?;
    let mut controller = SampleController::start(&kubeconfig, &["--namespace", &ns])?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let raw =
        Api::<DynamicObject>::namespaced_with(admin.clone(), &ns, &ApiResource::erase::<Foo>(&()));
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    let events = Api::<Event>::namespaced(admin.clone(), &ns);

    for i in 0..GOOD {
        let mut good = foo(&format!("good-{i}"), &format!("good-{i}"), Some(1));
        good.metadata.labels = Some([("r9".to_owned(), "good".to_owned())].into());
        foos.create(&PostParams::default(), &good).await?;
    }
    all_converged_selected(&foos, &deployments, GOOD_LABEL, LIMIT).await;

    // Loosen the schema as an operator would, store what the real one forbids, tighten it.
    loosen_crd(cluster)?;
    let bad_typed = json!({
        "apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo",
        "metadata": {"name": "bad-typed"},
        "spec": {"deploymentName": "bad-typed", "replicas": "three"}
    });
    let nameless = json!({
        "apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo",
        "metadata": {"name": "nameless"},
        "spec": {"replicas": 1}
    });
    for object in [bad_typed, nameless] {
        let object: DynamicObject = serde_json::from_value(object)?;
        eventually("the loosened schema to take the Foo", LIMIT, || async {
            Ok(raw
                .create(&PostParams::default(), &object)
                .await
                .ok()
                .map(drop))
        })
        .await;
    }
    // A good Foo turned bad: it leaves the controller's cache as a delete would.
    let turned = Patch::Merge(json!({
        "metadata": {"labels": {"r9": "turned"}},
        "spec": {"replicas": "two"}
    }));
    raw.patch("good-19", &PatchParams::default(), &turned)
        .await?;
    tighten(cluster, &raw).await?;

    // Each bad Foo is logged once, counted and gets a Warning Event; no Deployment for either.
    eventually("the FailedDecode Warning Events", LIMIT, || async {
        let found = events.list(&ListParams::default()).await?.items;
        let warned = |name: &str| {
            found.iter().any(|e| {
                e.reason.as_deref() == Some("FailedDecode")
                    && e.type_.as_deref() == Some("Warning")
                    && e.involved_object.name.as_deref() == Some(name)
                    && e.message
                        .as_deref()
                        .is_some_and(|m| m.contains("spec.replicas"))
            })
        };
        Ok((warned("bad-typed") && warned("good-19")).then_some(()))
    })
    .await;
    assert!(
        metric(&controller, UNDECODABLE)? >= 2.0,
        "{UNDECODABLE} below 2"
    );
    eventually("the nameless Foo to be logged", LIMIT, || async {
        let seen = controller
            .log()
            .contains("Deployment name missing from object reference");
        Ok(seen.then_some(()))
    })
    .await;
    let log = controller.log();
    let skipped = |name: &str| {
        log.lines()
            .filter(|l| l.contains("object does not decode") && l.contains(&format!("/{name}")))
            .count()
    };
    assert_eq!(skipped("bad-typed"), 1, "bad-typed logged once:\n{log}");
    assert_eq!(skipped("good-19"), 1, "good-19 logged once:\n{log}");
    assert_eq!(
        controller.get("/readyz")?.status,
        200,
        "ready with bad Foos stored"
    );

    // Every good Foo keeps converging (good-19 is bad now), and a new one converges at once.
    let scale = Patch::Merge(json!({"spec": {"replicas": 0}}));
    for i in 0..GOOD - 1 {
        foos.patch(&format!("good-{i}"), &PatchParams::default(), &scale)
            .await?;
    }
    let created = Instant::now();
    let mut new = foo("new", "new", Some(0));
    new.metadata.labels = Some([("r9".to_owned(), "new".to_owned())].into());
    foos.create(&PostParams::default(), &new).await?;
    all_converged_selected(&foos, &deployments, "r9=new", NEW_FOO_BOUND).await;
    println!("R9: a new Foo converged in {:?}", created.elapsed());
    all_converged_selected(&foos, &deployments, GOOD_LABEL, LIMIT).await;
    assert_eq!(controller.get("/readyz")?.status, 200);
    for name in ["bad-typed", "nameless"] {
        assert!(
            deployments.get_opt(name).await?.is_none(),
            "{name} got a Deployment"
        );
    }

    // A fresh process lists the bad Foos: still ready, and a new Foo still converges.
    controller.kill()?;
    controller = SampleController::start(&kubeconfig, &["--namespace", &ns])?;
    eventually("the restarted controller to be ready", LIMIT, || async {
        Ok((controller.get("/readyz")?.status == 200).then_some(()))
    })
    .await;
    assert!(
        metric(&controller, UNDECODABLE)? >= 2.0,
        "the relist counts both"
    );
    let created = Instant::now();
    let mut relisted = foo("after-relist", "after-relist", Some(0));
    relisted.metadata.labels = Some([("r9".to_owned(), "new".to_owned())].into());
    foos.create(&PostParams::default(), &relisted).await?;
    all_converged_selected(&foos, &deployments, "r9=new", NEW_FOO_BOUND).await;
    println!(
        "R9: after a relist, a new Foo converged in {:?}",
        created.elapsed()
    );

    // Valid updates of the bad Foos are reconciled.
    let fix = Patch::Merge(json!({"spec": {"replicas": 1}}));
    for name in ["bad-typed", "good-19"] {
        raw.patch(name, &PatchParams::default(), &fix).await?;
    }
    let named = Patch::Merge(json!({"spec": {"deploymentName": "nameless"}}));
    raw.patch("nameless", &PatchParams::default(), &named)
        .await?;
    let fixed = Patch::Merge(json!({"metadata": {"labels": {"r9": "fixed"}}}));
    for name in ["bad-typed", "good-19", "nameless"] {
        raw.patch(name, &PatchParams::default(), &fixed).await?;
    }
    all_converged_selected(&foos, &deployments, "r9=fixed", LIMIT).await;
    assert_eq!(
        foos.list(&ListParams::default()).await?.items.len(),
        GOOD + 4
    );
    assert_eq!(controller.get("/healthz")?.status, 200);
    Ok(())
}

/// Puts the CRD of `artifacts/` back and waits until the apiserver enforces it again.
async fn tighten(cluster: &TestCluster, raw: &Api<DynamicObject>) -> anyhow::Result<()> {
    tighten_crd(cluster)?;
    let probe: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo",
        "metadata": {"name": "probe"},
        "spec": {"deploymentName": "probe", "replicas": "x"}
    }))?;
    eventually(
        "the tightened schema to refuse a bad Foo",
        LIMIT,
        || async {
            let dry = PostParams {
                dry_run: true,
                ..PostParams::default()
            };
            Ok(match raw.create(&dry, &probe).await {
                Err(kube::Error::Api(status)) if status.code == 422 => Some(()),
                _ => None,
            })
        },
    )
    .await;
    Ok(())
}
