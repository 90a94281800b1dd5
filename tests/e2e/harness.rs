//! The harness's own promises: the apiserver restarts with etcd's data kept,
//! and etcd compaction makes an old resourceVersion 410 Gone. Both disturb
//! the control plane, so each holds [`TestCluster::exclusive`].

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams, WatchEvent, WatchParams};
use kube_gen_tests::TestCluster;
use serde_json::json;

fn config_map(name: &str) -> anyhow::Result<ConfigMap> {
    Ok(serde_json::from_value(
        json!({ "metadata": { "name": name }, "data": { "k": "v" } }),
    )?)
}

#[tokio::test(flavor = "multi_thread")]
async fn apiserver_restart_keeps_etcd_data() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    let ns = cluster.namespace("restart").await?;
    let cms = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let created = cms
        .create(&PostParams::default(), &config_map("kept")?)
        .await?;

    let plane = cluster.control_plane();
    tokio::task::block_in_place(|| plane.stop_apiserver())?;
    assert!(
        cms.get("kept").await.is_err(),
        "the apiserver must be down after stop"
    );
    tokio::task::block_in_place(|| plane.start_apiserver())?;

    let cms = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let after = cms.get("kept").await?;
    assert_eq!(after.metadata.uid, created.metadata.uid);
    assert_eq!(
        after.metadata.resource_version,
        created.metadata.resource_version
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn compaction_makes_old_resource_versions_gone() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    let ns = cluster.namespace("compact").await?;
    let cms = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let first = cms
        .create(&PostParams::default(), &config_map("one")?)
        .await?;
    let old_rv = first
        .metadata
        .resource_version
        .clone()
        .expect("a resourceVersion");
    for i in 0..3 {
        cms.create(&PostParams::default(), &config_map(&format!("more-{i}"))?)
            .await?;
    }
    // The watch cache keeps recent history in memory; a restart empties it,
    // so after compaction only etcd can answer, and it no longer has old_rv.
    let plane = cluster.control_plane();
    tokio::task::block_in_place(|| -> anyhow::Result<()> {
        plane.compact_etcd()?;
        plane.restart_apiserver()
    })?;

    let cms = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let mut stream = cms.watch(&WatchParams::default(), &old_rv).await?.boxed();
    let first_event = tokio::time::timeout(std::time::Duration::from_secs(30), stream.next())
        .await?
        .expect("the watch yields an event");
    match first_event {
        Ok(WatchEvent::Error(status)) => assert_eq!(status.code, 410, "{status:?}"),
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 410, "{status:?}"),
        other => panic!("expected 410 Gone for a compacted resourceVersion, got {other:?}"),
    }
    Ok(())
}
