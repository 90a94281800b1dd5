//! Informers, listers and the shared informer factory against the real control plane: handlers
//! see ConfigMap changes in order, listers match a fresh LIST, lists are paginated, late
//! handlers catch up, resync re-delivers, two consumers of one type share one watch, and
//! the smaller caches (metadata only, a typed projection) follow the same changes, and
//! built-in kinds read as protobuf equal what the same objects read as JSON.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::core::PartialObjectMeta;
use kube_gen::informer::{EventHandlerFns, Informer, Projected, Projection, SharedInformerFactory};
use kube_gen::lister::LabelSelector;
use kube_gen_tests::{TestCluster, eventually, lister_matches_list};
use serde_json::json;

#[path = "support/config_maps.rs"]
mod support;

use support::{recorder, recorder_of};

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

/// The data keys of a ConfigMap, what a projected informer of ConfigMaps keeps.
#[derive(Debug, Clone, PartialEq)]
struct DataKeys(Vec<String>);

impl Projection<ConfigMap> for DataKeys {
    fn project(cm: &ConfigMap) -> Self {
        DataKeys(cm.data.iter().flatten().map(|(k, _)| k.clone()).collect())
    }
}

/// Creates `a` (app=web) and `b` (app=db), syncs `informer`, then creates `c`, relabels
/// `a`, adds a data key to `b` and deletes `c`; the handler must see each change.
async fn small_cache_follows_changes<K>(
    api: &Api<ConfigMap>,
    informer: &Informer<K>,
) -> anyhow::Result<Arc<Mutex<Vec<String>>>>
where
    K: kube::Resource
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    for (name, app) in [("a", "web"), ("b", "db")] {
        api.create(&PostParams::default(), &config_map(name, app)?)
            .await?;
    }
    let (handler, log) = recorder_of::<K>();
    informer.add_event_handler(handler);
    informer.start();
    informer.wait_for_cache_sync(SYNC).await?;
    api.create(&PostParams::default(), &config_map("c", "web")?)
        .await?;
    let relabel = json!({ "metadata": { "labels": { "app": "db" } } });
    api.patch("a", &PatchParams::default(), &Patch::Merge(&relabel))
        .await?;
    let more_data = json!({ "data": { "extra": "x" } });
    api.patch("b", &PatchParams::default(), &Patch::Merge(&more_data))
        .await?;
    api.delete("c", &DeleteParams::default()).await?;
    eventually("every change", SYNC, || async {
        Ok((log.lock().unwrap().len() >= 6).then_some(()))
    })
    .await;
    let seen = log.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "add a", "add b", "add c", "update a", "update b", "delete c"
        ]
    );
    let lister = informer.lister();
    let db = lister.list(&"app=db".parse::<LabelSelector>()?);
    let mut names: Vec<String> = db.iter().map(|o| o.name_any()).collect();
    names.sort();
    assert_eq!(names, ["a", "b"], "the label selector reads the new labels");
    assert!(
        db.iter().all(|o| o.meta().managed_fields.is_none()),
        "managedFields are dropped"
    );
    Ok(log)
}

#[tokio::test]
async fn a_metadata_informer_follows_changes_through_the_metadata_api() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let client = cluster.client().await?;
    let api = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    let factory = SharedInformerFactory::builder(client)
        .namespace(&ns)
        .build();
    let informer = factory.informer::<PartialObjectMeta<ConfigMap>>();
    small_cache_follows_changes(&api, &informer).await?;

    let a = informer
        .lister()
        .get(ns.as_str(), "a")
        .expect("a is cached");
    assert_eq!(a.labels().get("app").map(String::as_str), Some("db"));
    assert!(a.metadata.uid.is_some() && a.metadata.resource_version.is_some());
    // What the server sent: the metadata API's kind, not ConfigMap with its data.
    let watched = informer
        .lister()
        .get(ns.as_str(), "b")
        .expect("b is cached");
    assert_eq!(
        watched.types.as_ref().map(|t| t.kind.as_str()),
        Some("PartialObjectMetadata"),
        "b was last seen in a watch event, decoded from the metadata API's object"
    );
    factory.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_projected_informer_keeps_metadata_and_the_projection() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let client = cluster.client().await?;
    let api = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    let factory = SharedInformerFactory::builder(client)
        .namespace(&ns)
        .build();
    let informer = factory.informer::<Projected<ConfigMap, DataKeys>>();
    small_cache_follows_changes(&api, &informer).await?;

    let lister = informer.lister();
    let b = lister.get(ns.as_str(), "b").expect("b is cached");
    assert_eq!(b.data, DataKeys(vec!["extra".into(), "k".into()]));
    assert_eq!(b.labels().get("app").map(String::as_str), Some("db"));
    let live = api.get("b").await?;
    assert_eq!(b.metadata.resource_version, live.metadata.resource_version);
    assert_eq!(b.metadata.uid, live.metadata.uid);
    assert_eq!(
        factory.len(),
        1,
        "a projection is its own informer, asked for by its own type"
    );
    factory.shutdown().await;
    Ok(())
}

/// Waits until `informer`'s cache holds the same versions as a fresh JSON LIST of `api`,
/// then returns both, managedFields dropped from the LIST as the informer drops them.
async fn cache_and_json<K>(informer: &Informer<K>, api: &Api<K>) -> (Vec<K>, Vec<K>)
where
    K: kube::Resource
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    eventually("the cache to hold the LIST's versions", SYNC, || async {
        let mut json = api.list(&ListParams::default()).await?.items;
        let mut cached: Vec<K> = informer
            .store()
            .list()
            .iter()
            .map(|o| (**o).clone())
            .collect();
        for obj in &mut json {
            obj.meta_mut().managed_fields = None;
        }
        json.sort_by_key(|o| o.name_any());
        cached.sort_by_key(|o| o.name_any());
        let versions = |objs: &[K]| -> Vec<Option<String>> {
            objs.iter()
                .map(|o| o.meta().resource_version.clone())
                .collect()
        };
        Ok((!json.is_empty() && versions(&json) == versions(&cached)).then_some((cached, json)))
    })
    .await
}

#[tokio::test]
async fn built_in_kinds_are_read_as_protobuf_and_equal_their_json() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("inf").await?;
    let client = cluster.client().await?;
    let config_maps = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    let cm: ConfigMap = serde_json::from_value(json!({
        "metadata": {
            "name": "proto",
            "labels": { "app": "proto" },
            "annotations": { "empty": "", "note": "caf\u{e9}" }
        },
        "data": { "k": "v", "empty": "" },
        "binaryData": { "bin": "AAEC/w==" },
        "immutable": false
    }))?;
    config_maps.create(&PostParams::default(), &cm).await?;
    let deployments = Api::<Deployment>::namespaced(client.clone(), &ns);
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": { "name": "web", "labels": { "app": "web" } },
        "spec": {
            "replicas": 2,
            "selector": { "matchLabels": { "app": "web" } },
            "strategy": { "rollingUpdate": { "maxSurge": "25%", "maxUnavailable": 0 } },
            "template": {
                "metadata": { "labels": { "app": "web" } },
                "spec": {
                    "containers": [{
                        "name": "nginx",
                        "image": "nginx:latest",
                        "ports": [{ "containerPort": 80, "protocol": "TCP" }],
                        "env": [{ "name": "POD", "valueFrom": { "fieldRef": { "fieldPath": "metadata.name" } } }],
                        "resources": { "requests": { "cpu": "100m", "memory": "64Mi" } },
                        "readinessProbe": { "httpGet": { "path": "/", "port": 80 }, "periodSeconds": 5 },
                        "volumeMounts": [{ "name": "config", "mountPath": "/etc/config" }]
                    }],
                    "volumes": [{ "name": "config", "configMap": { "name": "proto" } }],
                    "tolerations": [{ "key": "node", "operator": "Exists", "effect": "NoSchedule" }],
                    "terminationGracePeriodSeconds": 0
                }
            }
        }
    }))?;
    deployments
        .create(&PostParams::default(), &deployment)
        .await?;

    let factory = SharedInformerFactory::builder(client.clone())
        .namespace(&ns)
        .build();
    let (cm_informer, deployment_informer, pod_informer) = (
        factory.informer::<ConfigMap>(),
        factory.informer::<Deployment>(),
        factory.informer::<Pod>(),
    );
    factory.start();
    factory.wait_for_cache_sync(SYNC).await?;

    let (cached, json) = cache_and_json(&cm_informer, &config_maps).await;
    assert_eq!(cached, json, "ConfigMaps: protobuf and JSON differ");
    // Until its status shows two available replicas (the controller manager, scheduler and
    // fake node at work), the Deployment changes, and each change is a protobuf watch event.
    let deployment = eventually("the Deployment to be available", SYNC, || async {
        let cached = deployment_informer.store().get(&format!("{ns}/web"));
        Ok(cached.filter(|d| d.status.as_ref().and_then(|s| s.available_replicas) == Some(2)))
    })
    .await;
    assert!(
        deployment
            .status
            .as_ref()
            .is_some_and(|s| s.conditions.is_some())
    );
    let (cached, json) = cache_and_json(&deployment_informer, &deployments).await;
    assert_eq!(cached, json, "Deployments: protobuf and JSON differ");
    let pods = Api::<Pod>::namespaced(client.clone(), &ns);
    let (cached, json) = cache_and_json(&pod_informer, &pods).await;
    assert_eq!(cached.len(), 2);
    assert_eq!(cached, json, "Pods: protobuf and JSON differ");

    for (kind, stats) in [
        ("ConfigMaps", cm_informer.stats()),
        ("Deployments", deployment_informer.stats()),
        ("Pods", pod_informer.stats()),
    ] {
        assert!(
            stats.protobuf_responses >= 2,
            "{kind}: the list and the watch were protobuf: {stats:?}"
        );
        assert_eq!(stats.undecodable, 0, "{kind}");
    }
    factory.shutdown().await;
    Ok(())
}
