//! Proof that the local control plane is a real cluster: Deployments get
//! ReplicaSets and Ready Pods, garbage collection deletes dependents, RBAC
//! denies, and the server reports its real version.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube_gen_tests::{TestCluster, client_for, eventually, kubernetes_version};
use serde_json::json;

fn pod_ready(pod: &Pod) -> bool {
    let conditions = pod.status.as_ref().and_then(|s| s.conditions.as_ref());
    conditions.is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

#[tokio::test]
async fn deployment_becomes_available_and_is_garbage_collected() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("real").await?;
    let client = cluster.client().await?;
    let deployments = Api::<Deployment>::namespaced(client.clone(), &ns);
    let replicasets = Api::<ReplicaSet>::namespaced(client.clone(), &ns);
    let pods = Api::<Pod>::namespaced(client.clone(), &ns);

    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": { "name": "web" },
        "spec": {
            "replicas": 2,
            "selector": { "matchLabels": { "app": "web" } },
            "template": {
                "metadata": { "labels": { "app": "web" } },
                "spec": { "containers": [{ "name": "nginx", "image": "nginx:latest" }] }
            }
        }
    }))?;
    deployments
        .create(&PostParams::default(), &deployment)
        .await?;

    eventually("2 available replicas", Duration::from_secs(90), || async {
        let d = deployments.get("web").await?;
        Ok((d.status.and_then(|s| s.available_replicas) == Some(2)).then_some(()))
    })
    .await;
    let ready = pods.list(&ListParams::default().labels("app=web")).await?;
    assert_eq!(
        ready.items.iter().filter(|p| pod_ready(p)).count(),
        2,
        "two Ready pods"
    );
    assert!(
        ready
            .items
            .iter()
            .all(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some("fake-node"))
    );
    assert_eq!(
        replicasets.list(&ListParams::default()).await?.items.len(),
        1,
        "one ReplicaSet"
    );

    deployments
        .delete("web", &DeleteParams::background())
        .await?;
    eventually(
        "the ReplicaSet and Pods to be garbage-collected",
        Duration::from_secs(90),
        || async {
            let rs = replicasets.list(&ListParams::default()).await?.items.len();
            let ps = pods.list(&ListParams::default()).await?.items.len();
            Ok((rs == 0 && ps == 0).then_some(()))
        },
    )
    .await;
    Ok(())
}

#[tokio::test]
async fn service_account_without_rbac_is_forbidden() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("rbac").await?;
    let kubeconfig = cluster.service_account_kubeconfig(&ns, "nobody")?;
    let client = client_for(&kubeconfig).await?;
    let err = Api::<Deployment>::namespaced(client, &ns)
        .list(&ListParams::default())
        .await
        .expect_err("a ServiceAccount without RBAC must not list Deployments");
    match err {
        kube::Error::Api(status) => assert_eq!(status.code, 403, "{status:?}"),
        other => panic!("expected 403 Forbidden, got {other}"),
    }
    Ok(())
}

#[tokio::test]
async fn server_reports_its_real_version() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let info = cluster.client().await?.apiserver_version().await?;
    let pinned = kubernetes_version()?;
    assert_eq!(info.git_version, pinned);
    assert_eq!(info.major, "1");
    // The minor must match k8s-openapi's one chosen version feature.
    let openapi_minor = k8s_openapi::k8s_if_1_33! { "33" };
    assert_eq!(info.minor, openapi_minor);

    let out = cluster.kubectl().args(["version", "-o", "json"]).output()?;
    assert!(
        out.status.success(),
        "kubectl version: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["serverVersion"]["gitVersion"], pinned.as_str());
    Ok(())
}

#[tokio::test]
async fn kubectl_sees_a_ready_node() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let out = cluster
        .kubectl()
        .args([
            "get",
            "node",
            "fake-node",
            "-o",
            r#"jsonpath={.status.conditions[?(@.type=="Ready")].status}"#,
        ])
        .output()?;
    assert!(
        out.status.success(),
        "kubectl get node: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "True");
    Ok(())
}
