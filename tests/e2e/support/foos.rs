//! Helpers shared by the sample-controller end-to-end tests: the artifacts
//! installed with the documented commands, Foos, metric samples, and the
//! "every Foo converged" check.

#![allow(dead_code, reason = "each test binary uses a part of these helpers")]

use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use kube_gen_tests::{SampleController, TestCluster, workspace_root};
use sample_controller::foo::{Foo, FooSpec};

/// Runs the real kubectl from the workspace root, as the README does.
pub fn kubectl(cluster: &TestCluster, args: &[&str]) -> anyhow::Result<()> {
    let status = cluster
        .kubectl()
        .args(args)
        .current_dir(workspace_root())
        .status()?;
    anyhow::ensure!(status.success(), "kubectl {} failed", args.join(" "));
    Ok(())
}

/// `kubectl apply -f artifacts/`, then waits for the Foo CRD to be served.
pub fn install_artifacts(cluster: &TestCluster) -> anyhow::Result<()> {
    // The tests of one binary share its cluster and run at once, and two `kubectl apply`s of
    // the same new objects race (one gets AlreadyExists): the first caller installs, the
    // others wait for it and reuse what it installed.
    static INSTALLED: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if *installed {
        return Ok(());
    }
    kubectl(cluster, &["apply", "-f", "artifacts/"])?;
    kubectl(
        cluster,
        &[
            "wait",
            "--for=condition=Established",
            "crd/foos.samplecontroller.k8s.io",
            "--timeout=60s",
        ],
    )?;
    *installed = true;
    Ok(())
}

/// A kubeconfig for the controller's ServiceAccount from `artifacts/`.
pub fn controller_kubeconfig(cluster: &TestCluster) -> anyhow::Result<PathBuf> {
    cluster.service_account_kubeconfig("sample-controller", "sample-controller")
}

/// A Foo asking for Deployment `deployment` with `replicas`.
pub fn foo(name: &str, deployment: &str, replicas: Option<i32>) -> Foo {
    Foo::new(
        name,
        FooSpec {
            deployment_name: deployment.into(),
            replicas,
        },
    )
}

/// The value of the first sample in `metrics` whose series is `series`.
pub fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

/// One series of the controller's `/metrics`, e.g.
/// `sample_controller_reconcile_total{result="error"}`; 0 when absent.
pub fn metric(controller: &SampleController, series: &str) -> anyhow::Result<f64> {
    Ok(sample(&controller.get("/metrics")?.body, series).unwrap_or_default())
}

/// Why each Foo in `foos` that has not converged has not, or `None` when they all have:
/// each has its Deployment, controlled by it, at its replicas, and a status
/// equal to the Deployment's available replicas.
pub async fn not_converged(
    foos: &Api<Foo>,
    deployments: &Api<Deployment>,
) -> anyhow::Result<Option<String>> {
    not_converged_selected(foos, deployments, "").await
}

/// [`not_converged`] for the Foos that match label selector `selector` (all if empty).
pub async fn not_converged_selected(
    foos: &Api<Foo>,
    deployments: &Api<Deployment>,
    selector: &str,
) -> anyhow::Result<Option<String>> {
    let all = foos
        .list(&ListParams::default().labels(selector))
        .await?
        .items;
    let by_name: std::collections::BTreeMap<_, _> = deployments
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .map(|d| (d.name_any(), d))
        .collect();
    let mut why = Vec::new();
    for each in &all {
        let name = each.name_any();
        let Some(d) = by_name.get(&each.spec.deployment_name) else {
            why.push(format!("{name}: no Deployment"));
            continue;
        };
        let owner = d
            .owner_references()
            .iter()
            .find(|o| o.controller == Some(true))
            .map(|o| o.uid.as_str());
        if owner != each.uid().as_deref() {
            why.push(format!("{name}: Deployment not controlled by it"));
            continue;
        }
        let wanted = d.spec.as_ref().and_then(|s| s.replicas);
        if each.spec.replicas.is_some() && wanted != each.spec.replicas {
            why.push(format!("{name}: Deployment at {wanted:?}"));
            continue;
        }
        let available = d
            .status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0);
        let status = each.status.as_ref().map(|s| s.available_replicas);
        if status != Some(available) {
            why.push(format!(
                "{name}: status {status:?}, Deployment has {available} available"
            ));
        }
    }
    Ok((!why.is_empty()).then(|| why.join("; ")))
}

/// Waits until every Foo in the namespace of `foos` has converged.
pub async fn all_converged(foos: &Api<Foo>, deployments: &Api<Deployment>, limit: Duration) {
    all_converged_selected(foos, deployments, "", limit).await;
}

/// Waits until every Foo matching `selector` in the namespace of `foos` has converged.
pub async fn all_converged_selected(
    foos: &Api<Foo>,
    deployments: &Api<Deployment>,
    selector: &str,
    limit: Duration,
) {
    let mut last = String::new();
    let result = tokio::time::timeout(limit, async {
        loop {
            match not_converged_selected(foos, deployments, selector).await {
                Ok(None) => return,
                Ok(Some(why)) => last = why,
                Err(err) => last = format!("{err:#}"),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
    .await;
    assert!(result.is_ok(), "Foos did not converge in {limit:?}: {last}");
}

/// Replaces the Foo CRD's `spec` schema with one that takes anything, as an
/// operator loosening it for an upgrade or a rollback would (`kubectl patch`).
pub fn loosen_crd(cluster: &TestCluster) -> anyhow::Result<()> {
    let anything = serde_json::json!([{
        "op": "replace",
        "path": "/spec/versions/0/schema/openAPIV3Schema/properties/spec",
        "value": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
    }]);
    kubectl(
        cluster,
        &[
            "patch",
            "crd/foos.samplecontroller.k8s.io",
            "--type=json",
            "-p",
            &anything.to_string(),
        ],
    )
}

/// Puts the Foo CRD of `artifacts/` back (`kubectl replace`).
pub fn tighten_crd(cluster: &TestCluster) -> anyhow::Result<()> {
    kubectl(cluster, &["replace", "-f", "artifacts/crd.yaml"])
}
