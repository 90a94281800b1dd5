//! R10: a watch whose connection freezes is noticed and re-established.
//!
//! A kube-gen informer watches ConfigMaps through a [`Proxy`] that then stops
//! forwarding bytes on its open connections without closing either side (both
//! ways, or only the apiserver's responses), as over a node or NAT entry that
//! vanished without a FIN or RST. TCP keepalive cannot see it (the proxy's
//! kernel answers the probes); the informer's idle bound must. The tests set
//! that bound to 5 s ([`IDLE`]; the default is 2 minutes), change objects
//! during the freeze, and check that every change reaches the handlers
//! exactly once, within the bound, without a relist, and that the cache
//! equals a fresh LIST. A third test checks that watches the apiserver ends
//! at their `timeoutSeconds` resume at once and are not failures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube_gen::informer::{EventHandlerFns, Informer};
use kube_gen_tests::{Proxy, TestCluster, eventually, lister_matches_list};
use serde_json::json;

/// The informers' idle bound in these tests.
const IDLE: Duration = Duration::from_secs(5);
/// Slack for the re-watch and delivery on a loaded machine.
const SLACK: Duration = Duration::from_secs(5);
/// When the changes made during a freeze must have arrived: the silent watch is dropped after
/// [`IDLE`]; the re-watch may go out on another pooled connection of the frozen path (the
/// informer's list left one idle), whose response headers the same bound waits for, then one
/// backoff step (at most 2 s here) and a fresh connection.
const NOTICED: Duration = Duration::from_secs(2 * 5 + 2);
const LIMIT: Duration = Duration::from_secs(60);

type Log = Arc<Mutex<Vec<String>>>;

/// A handler that logs every notification with its resourceVersion, so a
/// duplicate (even an update to the same version, as a relist makes) shows.
fn recorder() -> (EventHandlerFns<ConfigMap>, Log) {
    let log = Log::default();
    let (add, update, delete) = (log.clone(), log.clone(), log.clone());
    let rv = |cm: &ConfigMap| cm.resource_version().unwrap_or_default();
    let handler = EventHandlerFns::new()
        .on_add(move |cm: Arc<ConfigMap>| {
            let line = format!("add {} {}", cm.name_any(), rv(&cm));
            add.lock().unwrap().push(line);
        })
        .on_update(move |_old, new: Arc<ConfigMap>| {
            let line = format!("update {} {}", new.name_any(), rv(&new));
            update.lock().unwrap().push(line);
        })
        .on_delete(move |gone| {
            let line = format!("delete {}", gone.object().name_any());
            delete.lock().unwrap().push(line);
        });
    (handler, log)
}

fn config_map(name: &str, value: &str) -> anyhow::Result<ConfigMap> {
    Ok(serde_json::from_value(
        json!({ "metadata": { "name": name }, "data": { "k": value } }),
    )?)
}

/// Sets `name`'s value; returns the new resourceVersion.
async fn set(api: &Api<ConfigMap>, name: &str, value: &str) -> anyhow::Result<String> {
    let patch = json!({ "data": { "k": value } });
    let cm = api
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(cm.resource_version().unwrap_or_default())
}

fn len(log: &Log) -> usize {
    log.lock().unwrap().len()
}

/// Freezes the informer's connection (with `freeze`), changes objects, and
/// checks that the changes arrive once each, within the idle bound.
async fn frozen(name: &str, freeze: fn(&Proxy)) -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace(name).await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    for name in ["a", "b", "c", "d"] {
        api.create(&PostParams::default(), &config_map(name, "1")?)
            .await?;
    }
    let proxy = Proxy::start(cluster)?;
    // kube-gen's connector, with TCP keepalive on: it does not help here.
    let through = kube_gen::client::connect::builder(proxy.config(cluster).await?)?.build();
    let informer = Informer::builder(Api::<ConfigMap>::namespaced(through, &ns))
        .watch_idle_timeout(IDLE)
        .backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer.wait_for_cache_sync(LIMIT).await?;
    eventually("the four adds", LIMIT, || async {
        Ok((len(&log) == 4).then_some(()))
    })
    .await;

    // A change through the live watch, so the freeze comes right after a delivery.
    let rv = set(&api, "a", "2").await?;
    let before = format!("update a {rv}");
    eventually("the update before the freeze", LIMIT, || async {
        Ok(log.lock().unwrap().contains(&before).then_some(()))
    })
    .await;
    let delivered_at = Instant::now();
    let watches = informer.stats().watches;
    freeze(&proxy);
    let frozen_at = Instant::now();

    let mut expected = log.lock().unwrap().clone();
    expected.push(format!("update b {}", set(&api, "b", "2").await?));
    expected.push(format!("update a {}", set(&api, "a", "3").await?));
    api.delete("c", &DeleteParams::default()).await?;
    expected.push("delete c".to_owned());
    let created = api
        .create(&PostParams::default(), &config_map("e", "1")?)
        .await?;
    expected.push(format!(
        "add e {}",
        created.resource_version().unwrap_or_default()
    ));

    // Nothing gets through while the connection is frozen and before the idle
    // bound (checked only if the changes were made well within it).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let quiet_checked = delivered_at.elapsed() < IDLE - Duration::from_secs(1);
    if quiet_checked {
        assert_eq!(
            len(&log),
            5,
            "the frozen watch delivered: {:?}",
            log.lock().unwrap()
        );
    }

    eventually(
        "the changes made during the freeze",
        IDLE + SLACK + LIMIT,
        || async { Ok((len(&log) >= expected.len()).then_some(())) },
    )
    .await;
    let arrived = frozen_at.elapsed();
    let rewatched = informer.stats().watches - watches;
    println!(
        "{name}: the changes made during the freeze arrived {arrived:.1?} after it \
         (idle bound {IDLE:?}); {rewatched} watch(es) since; nothing came through \
         before the idle bound: {}",
        if quiet_checked {
            "checked"
        } else {
            "not checked (slow changes)"
        }
    );
    assert!(
        arrived <= NOTICED + SLACK,
        "noticed after {arrived:?}, bound {NOTICED:?} (+{SLACK:?} slack)"
    );
    assert!(rewatched >= 1, "re-watched");

    // Exactly once each, in order: nothing lost, nothing repeated.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(*log.lock().unwrap(), expected);
    assert_eq!(
        informer.stats().lists,
        1,
        "resumed from the last resourceVersion, no relist"
    );
    lister_matches_list(&informer.lister(), &api, "", LIMIT).await;
    let health = informer.health();
    assert!(health.synced && health.last_error.is_none(), "{health:?}");
    informer.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn r10_a_watch_frozen_both_ways_is_dropped_and_resumed_within_the_idle_bound()
-> anyhow::Result<()> {
    frozen("r10-both", Proxy::freeze).await
}

#[tokio::test(flavor = "multi_thread")]
async fn r10_a_watch_whose_responses_freeze_is_dropped_and_resumed_within_the_idle_bound()
-> anyhow::Result<()> {
    frozen("r10-responses", Proxy::freeze_responses).await
}

#[tokio::test(flavor = "multi_thread")]
async fn r10_watches_the_apiserver_ends_at_their_timeout_resume_at_once_and_are_not_failures()
-> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("r10-timeout").await?;
    let api = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    api.create(&PostParams::default(), &config_map("a", "1")?)
        .await?;
    // timeoutSeconds of 2 or 3; a backoff far longer, so any backoff would show.
    let informer = Informer::builder(api.clone())
        .min_watch_timeout(Duration::from_secs(2))
        .watch_idle_timeout(Duration::from_secs(60))
        .backoff(Duration::from_secs(30), Duration::from_secs(60))
        .build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer.wait_for_cache_sync(LIMIT).await?;
    let started = Instant::now();
    eventually("five watches ended by the apiserver", LIMIT, || async {
        Ok((informer.stats().watches >= 6).then_some(()))
    })
    .await;
    let took = started.elapsed();
    println!("5 watches ended by their timeoutSeconds in {took:.1?}");
    assert!(
        took < Duration::from_secs(28),
        "no 30 s backoff between them: {took:?}"
    );
    let health = informer.health();
    assert_eq!(health.consecutive_failures, 0, "{health:?}");
    assert_eq!(health.last_error, None);

    // No event was lost or repeated across the re-watches.
    let rv = set(&api, "a", "2").await?;
    eventually("the update", LIMIT, || async {
        Ok((len(&log) >= 2).then_some(()))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let lines = log.lock().unwrap().clone();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("add a "), "{lines:?}");
    assert_eq!(lines[1], format!("update a {rv}"));
    assert_eq!(informer.stats().lists, 1, "never relisted");
    informer.shutdown().await;
    Ok(())
}
