//! Informers through control-plane outages: after an apiserver restart the informer resumes
//! and catches up; after etcd compaction its next watch gets 410 Gone, it relists, and the
//! deletes it missed arrive as `DeletedFinalStateUnknown` tombstones. Each test holds
//! [`TestCluster::exclusive`], since it disturbs the control plane.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube_gen::informer::Informer;
use kube_gen_tests::{Proxy, TestCluster, eventually, lister_matches_list};
use serde_json::json;

#[path = "support/config_maps.rs"]
mod support;

use support::recorder;

const LIMIT: Duration = Duration::from_secs(90);

fn config_map(name: &str) -> anyhow::Result<ConfigMap> {
    Ok(serde_json::from_value(
        json!({ "metadata": { "name": name }, "data": { "k": "v" } }),
    )?)
}

fn logged(log: &Arc<Mutex<Vec<String>>>, line: &str) -> bool {
    log.lock().unwrap().iter().any(|l| l == line)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_informer_resumes_after_an_apiserver_restart() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    let ns = cluster.namespace("inf-restart").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    for name in ["stays", "changes", "goes"] {
        api.create(&PostParams::default(), &config_map(name)?)
            .await?;
    }
    let informer = Informer::builder(api.clone())
        .backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer.wait_for_cache_sync(LIMIT).await?;

    tokio::task::block_in_place(|| cluster.control_plane().restart_apiserver())?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let patch = json!({ "data": { "k": "changed" } });
    api.patch("changes", &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    api.delete("goes", &DeleteParams::default()).await?;
    api.create(&PostParams::default(), &config_map("arrives")?)
        .await?;

    eventually("the changes after the restart", LIMIT, || async {
        Ok(["update changes", "add arrives"]
            .iter()
            .all(|l| logged(&log, l))
            .then_some(()))
    })
    .await;
    eventually("the delete", LIMIT, || async {
        Ok((logged(&log, "delete goes") || logged(&log, "tombstone goes")).then_some(()))
    })
    .await;
    lister_matches_list(&informer.lister(), &api, "", LIMIT).await;
    assert!(
        informer.stats().watches >= 2,
        "the watch was resumed: {:?}",
        informer.stats()
    );
    informer.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn deletes_missed_across_a_compaction_arrive_as_tombstones() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    let ns = cluster.namespace("inf-compact").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    for name in ["stays", "changes", "gone-1", "gone-2"] {
        api.create(&PostParams::default(), &config_map(name)?)
            .await?;
    }

    // The informer talks to the apiserver through a proxy the test can cut, so its watch is
    // down while the objects change, and stale once etcd is compacted.
    let proxy = Proxy::start(cluster)?;
    let informer_api = Api::<ConfigMap>::namespaced(proxy.client(cluster).await?, &ns);
    let informer = Informer::builder(informer_api)
        .backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer.wait_for_cache_sync(LIMIT).await?;
    let watches_before = informer.stats().watches;

    proxy.cut();
    api.delete("gone-1", &DeleteParams::default()).await?;
    api.delete("gone-2", &DeleteParams::default()).await?;
    let patch = json!({ "data": { "k": "changed" } });
    api.patch("changes", &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    api.create(&PostParams::default(), &config_map("new")?)
        .await?;
    tokio::task::block_in_place(|| -> anyhow::Result<()> {
        cluster.control_plane().compact_etcd()?;
        cluster.control_plane().restart_apiserver()
    })?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    eventually(
        "the informer to retry its watch while cut off",
        LIMIT,
        || async { Ok((informer.stats().watches > watches_before).then_some(())) },
    )
    .await;
    proxy.heal();

    eventually("tombstones, the update and the add", LIMIT, || async {
        let want = [
            "tombstone gone-1",
            "tombstone gone-2",
            "update changes",
            "add new",
        ];
        Ok(want.iter().all(|l| logged(&log, l)).then_some(()))
    })
    .await;
    assert!(
        !logged(&log, "delete gone-1"),
        "the delete was not seen, so it must be a tombstone"
    );
    assert!(
        informer.stats().lists >= 2,
        "a 410 makes the informer relist: {:?}",
        informer.stats()
    );
    lister_matches_list(&informer.lister(), &api, "", LIMIT).await;
    informer.shutdown().await;
    Ok(())
}
