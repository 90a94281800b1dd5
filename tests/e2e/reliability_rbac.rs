//! R5, least privilege. The controller works with exactly the RBAC of
//! `artifacts/` (the sample_controller test runs it so); with one permission
//! taken away (watching Deployments) it logs one clear Forbidden error per
//! backoff step, `/readyz` names the cause, it does not crash, and it recovers
//! once the permission is back; a ServiceAccount of another namespace cannot
//! read the Foos.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleRef, Subject};
use kube::api::{Api, ListParams, ObjectMeta, PostParams};
use kube_gen_tests::{SampleController, TestCluster, client_for, eventually};
use sample_controller::foo::Foo;

#[path = "support/foos.rs"]
mod support;

use support::{all_converged, foo, install_artifacts};

const LIMIT: Duration = Duration::from_secs(90);

/// The artifacts' ClusterRole, without `verb` on `resource`.
fn without(mut role: ClusterRole, resource: &str, verb: &str, name: &str) -> ClusterRole {
    for rule in role.rules.iter_mut().flatten() {
        if rule.resources.iter().flatten().any(|r| r == resource) {
            rule.verbs.retain(|v| v != verb);
        }
    }
    role.metadata = ObjectMeta {
        name: Some(name.into()),
        ..ObjectMeta::default()
    };
    role
}

#[tokio::test(flavor = "multi_thread")]
async fn one_missing_permission_is_named_by_readyz_and_recovers() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r5").await?;
    let admin = cluster.client().await?;
    let roles = Api::<ClusterRole>::all(admin.clone());
    let full = roles.get("sample-controller").await?;
    let limited = without(
        full.clone(),
        "deployments",
        "watch",
        &format!("{ns}-limited"),
    );
    roles.create(&PostParams::default(), &limited).await?;
    let binding = ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some(format!("{ns}-limited")),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: format!("{ns}-limited"),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: "limited".into(),
            namespace: Some(ns.clone()),
            ..Subject::default()
        }]),
    };
    Api::<ClusterRoleBinding>::all(admin.clone())
        .create(&PostParams::default(), &binding)
        .await?;
    let kubeconfig = cluster.service_account_kubeconfig(&ns, "limited")?;
    let mut controller = SampleController::start(&kubeconfig, &["--namespace", &ns])?;

    let body = eventually("/readyz to name the missing permission", LIMIT, || async {
        let r = controller.get("/readyz")?;
        Ok((r.status == 503 && r.body.contains("deployments")).then_some(r.body))
    })
    .await;
    assert!(body.to_lowercase().contains("forbidden"), "{body}");
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(controller.try_wait()?.is_none(), "no crash");
    assert_eq!(controller.get("/healthz")?.status, 200);
    let log = controller.log();
    let refusals = log
        .lines()
        .filter(|l| l.contains("forbidden") && l.contains("deployments"))
        .count();
    assert!(
        (1..=30).contains(&refusals),
        "one line per backoff step, not a flood: {refusals}\n{log}"
    );

    // The permission back: the controller recovers without a restart.
    let mut restored = full;
    restored.metadata = roles.get(&format!("{ns}-limited")).await?.metadata;
    roles
        .replace(&format!("{ns}-limited"), &PostParams::default(), &restored)
        .await?;
    eventually("/readyz to recover", LIMIT, || async {
        Ok((controller.get("/readyz")?.status == 200).then_some(()))
    })
    .await;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    foos.create(&PostParams::default(), &foo("after", "after", Some(1)))
        .await?;
    all_converged(&foos, &Api::<Deployment>::namespaced(admin, &ns), LIMIT).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn another_namespaces_service_account_cannot_read_foos() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ours = cluster.namespace("r5-ours").await?;
    let theirs = cluster.namespace("r5-theirs").await?;
    let admin = cluster.client().await?;
    Api::<Foo>::namespaced(admin, &ours)
        .create(&PostParams::default(), &foo("private", "private", Some(0)))
        .await?;
    let outsider = client_for(&cluster.service_account_kubeconfig(&theirs, "default")?).await?;
    for foos in [
        Api::<Foo>::namespaced(outsider.clone(), &ours),
        Api::<Foo>::all(outsider),
    ] {
        let err = foos
            .list(&ListParams::default())
            .await
            .expect_err("forbidden");
        assert!(
            matches!(&err, kube::Error::Api(s) if s.code == 403),
            "{err}"
        );
    }
    Ok(())
}
