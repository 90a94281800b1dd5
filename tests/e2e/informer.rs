//! Informers, listers and the shared informer factory against the real control plane: handlers
//! see ConfigMap changes in order, listers match a fresh LIST, lists are paginated, late
//! handlers catch up, resync re-delivers, and two consumers of one type share one watch.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube_gen::informer::{EventHandlerFns, Informer, SharedInformerFactory};
use kube_gen::lister::LabelSelector;
use kube_gen_tests::{TestCluster, eventually, lister_matches_list};
use serde_json::json;

#[path = "support/config_maps.rs"]
mod support;

use support::recorder;

const SYNC: Duration = Duration::from_secs(30);

fn config_map(name: &str, app: &str) -> anyhow::Result<ConfigMap> {
    Ok(serde_json::from_value(json!({
        "metadata": { "name": name, "labels": { "app": app } },
        "data": { "k": "v" }
    }))?)
}

#[tokio::test]
async fn config_map_changes_reach_handlers_in_order() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let informer = Informer::builder(api.clone()).labels("app=ordered").build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer.wait_for_cache_sync(SYNC).await?;

    api.create(&PostParams::default(), &config_map("one", "ordered")?)
        .await?;
    let patch = json!({ "data": { "k": "changed" } });
    api.patch("one", &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    api.delete("one", &DeleteParams::default()).await?;
    let expected = ["add one", "update one", "delete one"];
    eventually("three events", SYNC, || async {
        Ok((log.lock().unwrap().len() >= 3).then_some(()))
    })
    .await;
    assert_eq!(*log.lock().unwrap(), expected);
    let stored = informer.store();
    assert!(stored.is_empty());
    informer.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_lister_equals_a_fresh_list_and_managed_fields_are_dropped() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    for (name, app) in [("a", "web"), ("b", "web"), ("c", "db")] {
        api.create(&PostParams::default(), &config_map(name, app)?)
            .await?;
    }
    let informer = Informer::builder(api.clone()).build();
    informer.start();
    informer.wait_for_cache_sync(SYNC).await?;
    let lister = informer.lister();
    lister_matches_list(&lister, &api, "", SYNC).await;

    api.delete("a", &DeleteParams::default()).await?;
    api.create(&PostParams::default(), &config_map("d", "web")?)
        .await?;
    let patch = json!({ "metadata": { "labels": { "app": "web" } } });
    api.patch("c", &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    lister_matches_list(&lister, &api, "", SYNC).await;
    lister_matches_list(&lister, &api, "app=web", SYNC).await;
    assert_eq!(lister.namespace(&ns).list(&"app=web".parse()?).len(), 3);
    let c = lister.get(ns.as_str(), "c").expect("c is cached");
    assert!(
        c.metadata.managed_fields.is_none(),
        "managedFields are dropped by default"
    );
    assert!(
        api.get("c").await?.metadata.managed_fields.is_some(),
        "the server does send them"
    );
    informer.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_initial_list_reads_the_watch_cache_in_one_response() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    for i in 0..12 {
        api.create(
            &PostParams::default(),
            &config_map(&format!("cm-{i:02}"), "paged")?,
        )
        .await?;
    }
    // client-go's first list: resourceVersion "0", which the watch cache answers whole
    // whatever the page size (pages are for reads from etcd).
    let informer = Informer::builder(api.clone()).page_size(Some(5)).build();
    informer.start();
    informer.wait_for_cache_sync(SYNC).await?;
    let total = api.list(&ListParams::default()).await?.items.len();
    assert!(total >= 12);
    let stats = informer.stats();
    assert_eq!((stats.lists, stats.list_pages), (1, 1), "{stats:?}");
    assert_eq!(informer.store().len(), total);
    lister_matches_list(&informer.lister(), &api, "", SYNC).await;
    informer.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_late_handler_gets_the_current_contents_as_adds() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    for name in ["x", "y"] {
        api.create(&PostParams::default(), &config_map(name, "late")?)
            .await?;
    }
    let informer = Informer::builder(api.clone()).labels("app=late").build();
    informer.start();
    informer.wait_for_cache_sync(SYNC).await?;

    let (handler, log) = recorder();
    let registration = informer.add_event_handler(handler);
    eventually("the late handler to sync", SYNC, || async {
        Ok(registration.has_synced().then_some(()))
    })
    .await;
    let mut seen = log.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, ["add x", "add y"]);
    api.create(&PostParams::default(), &config_map("z", "late")?)
        .await?;
    eventually("the live add", SYNC, || async {
        Ok(log
            .lock()
            .unwrap()
            .contains(&"add z".to_owned())
            .then_some(()))
    })
    .await;
    informer.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn resync_redelivers_cached_objects_as_updates_to_themselves() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    api.create(&PostParams::default(), &config_map("steady", "resync")?)
        .await?;
    let informer = Informer::builder(api)
        .labels("app=resync")
        .resync_period(Some(Duration::from_secs(1)))
        .build();
    let resyncs = Arc::new(Mutex::new(Vec::new()));
    let seen = resyncs.clone();
    informer.add_event_handler(EventHandlerFns::new().on_update(
        move |old: Arc<ConfigMap>, new| {
            seen.lock()
                .unwrap()
                .push((Arc::ptr_eq(&old, &new), new.name_any()));
        },
    ));
    informer.start();
    eventually("two resyncs", SYNC, || async {
        Ok((resyncs.lock().unwrap().len() >= 2).then_some(()))
    })
    .await;
    assert!(
        resyncs
            .lock()
            .unwrap()
            .iter()
            .all(|(same, name)| *same && name == "steady")
    );
    informer.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn factory_consumers_of_one_type_share_one_watch() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let client = cluster.client().await?;
    let factory = SharedInformerFactory::builder(client.clone())
        .namespace(&ns)
        .build();

    // Two consumers ask for ConfigMaps, a third for Deployments.
    let (first, first_log) = recorder();
    let (second, second_log) = recorder();
    factory.informer::<ConfigMap>().add_event_handler(first);
    factory.informer::<ConfigMap>().add_event_handler(second);
    let deployments = factory.informer::<Deployment>().lister();
    assert_eq!(factory.len(), 2);
    factory.start();
    factory.wait_for_cache_sync(SYNC).await?;

    let api = Api::<ConfigMap>::namespaced(client, &ns);
    api.create(&PostParams::default(), &config_map("shared", "factory")?)
        .await?;
    for log in [&first_log, &second_log] {
        eventually("both consumers to see the add", SYNC, || async {
            Ok(log
                .lock()
                .unwrap()
                .contains(&"add shared".to_owned())
                .then_some(()))
        })
        .await;
    }
    assert_eq!(
        factory.watches_started(),
        2,
        "one watch per type, shared by both ConfigMap consumers"
    );
    assert_eq!(factory.informer::<ConfigMap>().stats().watches, 1);
    assert!(
        factory
            .informer::<ConfigMap>()
            .lister()
            .get(ns.as_str(), "shared")
            .is_some()
    );
    assert!(deployments.list(&LabelSelector::everything()).is_empty());
    factory.shutdown().await;
    Ok(())
}
