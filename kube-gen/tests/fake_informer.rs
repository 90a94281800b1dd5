//! Informers and listers synced against the fake cluster, including a relist after 410 Gone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::ObjectMeta;
use kube_gen::client::{Client, DeleteOptions, WriteOptions};
use kube_gen::fake::{FakeCluster, Reaction};
use kube_gen::informer::{EventHandlerFns, Informer};
use kube_gen::lister::LabelSelector;

fn config_map(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            labels: Some([("app".to_owned(), "web".to_owned())].into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

/// What the handlers saw, as `add a`, `update a`, `delete a` and `tombstone a`.
fn recording_informer(fake: &FakeCluster) -> (Informer<ConfigMap>, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let informer = Informer::builder(Api::<ConfigMap>::namespaced(fake.client(), "default"))
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
        .build();
    let (add, update, delete) = (seen.clone(), seen.clone(), seen.clone());
    informer.add_event_handler(
        EventHandlerFns::new()
            .on_add(move |cm: Arc<ConfigMap>| {
                add.lock()
                    .unwrap()
                    .push(format!("add {}", cm.metadata.name.clone().unwrap()))
            })
            .on_update(move |_, cm: Arc<ConfigMap>| {
                update
                    .lock()
                    .unwrap()
                    .push(format!("update {}", cm.metadata.name.clone().unwrap()))
            })
            .on_delete(move |gone| {
                let word = if gone.is_tombstone() {
                    "tombstone"
                } else {
                    "delete"
                };
                delete.lock().unwrap().push(format!(
                    "{word} {}",
                    gone.object().metadata.name.clone().unwrap()
                ));
            }),
    );
    (informer, seen)
}

async fn wait_for(seen: &Mutex<Vec<String>>, entry: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.lock().unwrap().iter().any(|e| e == entry) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never saw {entry:?}; saw {:?}",
            seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn an_informer_on_the_fake_sees_adds_updates_and_deletes() {
    let fake = FakeCluster::new().with_objects([config_map("seeded")]);
    let (informer, seen) = recording_informer(&fake);
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(10))
        .await
        .unwrap();
    wait_for(&seen, "add seeded").await;

    let cms = Client::<ConfigMap>::namespaced(fake.client(), "default");
    let mut created = cms
        .create(&config_map("new"), &WriteOptions::default())
        .await
        .unwrap();
    wait_for(&seen, "add new").await;
    created.data = Some([("k".to_owned(), "v".to_owned())].into());
    cms.update(&created, &WriteOptions::default())
        .await
        .unwrap();
    wait_for(&seen, "update new").await;
    cms.delete("seeded", &DeleteOptions::default())
        .await
        .unwrap();
    wait_for(&seen, "delete seeded").await;

    let lister = informer.lister();
    assert!(lister.namespace("default").get("seeded").is_none());
    let web = lister
        .namespace("default")
        .list(&"app=web".parse::<LabelSelector>().unwrap());
    assert_eq!(web.len(), 1);
    assert_eq!(web[0].data, created.data);
    assert!(
        fake.actions_without_informers()
            .iter()
            .all(|a| !a.is_informer_action())
    );
    informer.shutdown().await;
}

#[tokio::test]
async fn expired_history_makes_the_informer_relist_and_deliver_tombstones() {
    let fake = FakeCluster::new().with_objects([config_map("kept"), config_map("lost")]);
    let (informer, seen) = recording_informer(&fake);
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(informer.stats().lists, 1);

    // While the informer cannot list, "lost" goes away unseen: its watch ended with 410.
    let lists_fail = Arc::new(AtomicBool::new(true));
    let failing = lists_fail.clone();
    fake.prepend_reactor("list", "configmaps", move |_| {
        if failing.load(Ordering::SeqCst) {
            Reaction::internal_error("etcd is away")
        } else {
            Reaction::Pass
        }
    });
    fake.expire_history();
    Client::<ConfigMap>::namespaced(fake.client(), "default")
        .delete("lost", &DeleteOptions::default())
        .await
        .unwrap();
    lists_fail.store(false, Ordering::SeqCst);

    wait_for(&seen, "tombstone lost").await;
    wait_for(&seen, "update kept").await;
    assert!(informer.stats().lists >= 2);
    assert!(informer.lister().get("default", "lost").is_none());
    assert!(informer.lister().get("default", "kept").is_some());
    informer.shutdown().await;
}

#[tokio::test]
async fn a_watch_from_an_expired_resource_version_is_gone() {
    let fake = FakeCluster::new().with_objects([config_map("a"), config_map("b")]);
    fake.expire_history();
    let cms = Client::<ConfigMap>::namespaced(fake.client(), "default");
    let opts = kube_gen::client::ListOptions::default().resource_version("1");
    let err = cms.watch(&opts).await.err().expect("410 Gone");
    assert!(err.is_gone());
}
