//! Unit tests of the informer against an in-memory list/watch that can drop watches and compact.

mod deadlines;
mod fake;
mod poison;
mod protobuf;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::core::Status;

use super::*;
use crate::lister::LabelSelector;
use fake::Fake;

fn informer(fake: &Fake) -> InformerBuilder<ConfigMap> {
    InformerBuilder::from_source("fake".into(), Arc::new(fake.clone()))
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
}

/// A handler that writes what it is told as lines like `update ns/a 1->2`.
fn recorder() -> (EventHandlerFns<ConfigMap>, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (add, update, delete, bad) = (log.clone(), log.clone(), log.clone(), log.clone());
    let rv = |cm: &ConfigMap| cm.resource_version().unwrap_or_default();
    let handler = EventHandlerFns::new()
        .on_add(move |cm: Arc<ConfigMap>| {
            add.lock()
                .unwrap()
                .push(format!("add ns/{} {}", cm.name_any(), rv(&cm)))
        })
        .on_update(move |old, new| {
            let line = format!("update ns/{} {}->{}", new.name_any(), rv(&old), rv(&new));
            update.lock().unwrap().push(line);
        })
        .on_delete(move |gone| {
            let what = if gone.is_tombstone() {
                "tombstone"
            } else {
                "delete"
            };
            delete
                .lock()
                .unwrap()
                .push(format!("{what} {}", gone.key()));
        })
        .on_undecodable(move |obj| {
            let rv = obj.resource_version.as_deref().unwrap_or_default();
            let line = format!("undecodable {} {rv}: {}", obj.key(), obj.error);
            bad.lock().unwrap().push(line);
        });
    (handler, log)
}

/// Waits (in paused time) until `log` has `n` lines, then returns them.
async fn lines(log: &Arc<Mutex<Vec<String>>>, n: usize) -> Vec<String> {
    for _ in 0..1000 {
        if log.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let lines = log.lock().unwrap().clone();
    assert_eq!(lines.len(), n, "{lines:#?}");
    lines
}

#[tokio::test(start_paused = true)]
async fn the_initial_list_reads_the_watch_cache_then_watch_events_reach_handlers_in_order() {
    let fake = Fake::default();
    for name in ["a", "b", "c", "d", "e"] {
        fake.put(name, "1");
    }
    let informer = informer(&fake).page_size(Some(2)).build();
    let (handler, log) = recorder();
    let registration = informer.add_event_handler(handler);
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        informer.stats(),
        ReflectorStats {
            lists: 1,
            list_pages: 1,
            watches: 1,
            undecodable: 0,
            silent_watches_dropped: 0,
            protobuf_responses: 0,
        }
    );
    assert_eq!(
        fake.server().watch_calls[0].1,
        "5",
        "the watch starts at the list's resourceVersion"
    );
    assert!(fake.server().watch_calls[0].0.bookmarks);
    let list = fake.server().list_params[0].clone();
    assert_eq!(
        (list.resource_version.as_deref(), list.limit),
        (Some("0"), None),
        "the first list reads the watch cache (client-go's \"0\"), which pages nothing"
    );

    fake.put("a", "2");
    fake.delete("b");
    fake.put("f", "1");
    let lines = lines(&log, 8).await;
    assert_eq!(
        lines[..5],
        [
            "add ns/a 1",
            "add ns/b 2",
            "add ns/c 3",
            "add ns/d 4",
            "add ns/e 5"
        ]
    );
    assert_eq!(
        lines[5..],
        ["update ns/a 1->6", "delete ns/b", "add ns/f 8"]
    );
    assert!(registration.has_synced());
    assert_eq!(informer.store().len(), 5);
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_410_relists_and_reports_objects_deleted_meanwhile_as_tombstones() {
    let fake = Fake::default();
    for name in ["keep", "change", "remove"] {
        fake.put(name, "1");
    }
    let informer = informer(&fake).page_size(Some(2)).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    lines(&log, 3).await;

    fake.partition();
    fake.put("change", "2");
    fake.delete("remove");
    fake.put("new", "1");
    fake.compact();
    fake.heal();

    let mut lines = lines(&log, 7).await.split_off(3);
    lines.sort();
    assert_eq!(
        lines,
        [
            "add ns/new 6",
            "tombstone ns/remove",
            "update ns/change 2->4",
            "update ns/keep 1->1"
        ]
    );
    assert_eq!(informer.stats().lists, 2);
    let relist: Vec<_> = fake.server().list_params[1..]
        .iter()
        .map(|p| (p.resource_version.clone(), p.limit))
        .collect();
    assert_eq!(
        relist,
        [(Some("3".to_owned()), None)],
        "a relist asks for no older than the last version seen, unpaged (an exact read otherwise)"
    );
    let lister = informer.lister();
    assert!(lister.get("ns", "remove").is_none());
    assert_eq!(
        lister.get("ns", "change").unwrap().data.as_ref().unwrap()["v"],
        "2"
    );
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn watches_answered_with_410_at_once_are_relisted_at_a_backoff_pace() {
    let fake = Fake::default();
    fake.put("a", "1");
    fake.server().gone_watches = true;
    // backoff 10 ms doubling to 50 ms
    let informer = informer(&fake).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let lists = informer.stats().lists;
    assert!(
        (10..=100).contains(&lists),
        "one relist per backoff step (10, 20, 40, then 50 ms each, with jitter), not a tight loop: {lists}"
    );

    // Once watches work again, the informer settles on one.
    fake.server().gone_watches = false;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let settled = informer.stats().lists;
    fake.put("a", "2");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        informer.stats().lists,
        settled,
        "a healthy watch, no more lists"
    );
    assert_eq!(informer.health().last_error, None, "a 410 is not a failure");
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_version_the_server_does_not_have_is_listed_again_at_the_latest_at_once() {
    let fake = Fake::default();
    fake.put("a", "1");
    fake.put("b", "1");
    for refusal in [
        Status::failure("too old resource version: 1 (5)", "Expired").with_code(410),
        Status::failure("Too large resource version: 9, current: 5", "Timeout").with_code(504),
    ] {
        fake.server().refuse_lists_at_a_version = Some(refusal);
        fake.server().list_params.clear();
        let informer = informer(&fake).page_size(Some(1)).build();
        informer.start();
        informer
            .wait_for_cache_sync(Duration::from_secs(5))
            .await
            .unwrap();
        let lists: Vec<_> = fake
            .server()
            .list_params
            .iter()
            .map(|p| (p.resource_version.clone(), p.limit))
            .collect();
        // then a consistent read, in pages; a continue names no version
        let expected = [
            (Some("0".to_owned()), None),
            (None, Some(1)),
            (None, Some(1)),
        ];
        assert_eq!(lists, expected);
        assert_eq!(
            informer.health().last_error,
            None,
            "not a failure: no backoff, no report"
        );
        informer.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn transport_errors_resume_the_watch_from_the_last_bookmark_without_relisting() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    lines(&log, 1).await;
    let bookmark = fake.bookmark();
    tokio::time::sleep(Duration::from_millis(10)).await;

    fake.partition();
    fake.put("a", "2");
    tokio::time::sleep(Duration::from_millis(200)).await;
    fake.heal();

    assert_eq!(lines(&log, 2).await[1], "update ns/a 1->3");
    let stats = informer.stats();
    assert_eq!(stats.lists, 1, "no relist after a transport error");
    assert!(stats.watches >= 3, "{stats:?}");
    let resumed_from: Vec<String> = fake
        .server()
        .watch_calls
        .iter()
        .skip(1)
        .map(|(_, rv)| rv.clone())
        .collect();
    assert!(
        resumed_from.iter().all(|rv| *rv == bookmark),
        "{resumed_from:?}"
    );
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_handler_added_late_gets_the_cache_as_adds_then_live_events() {
    let fake = Fake::default();
    fake.put("a", "1");
    fake.put("b", "1");
    let informer = informer(&fake).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let (handler, log) = recorder();
    let registration = informer.add_event_handler(handler);
    fake.put("c", "1");
    let mut lines = lines(&log, 3).await;
    assert_eq!(lines.pop().unwrap(), "add ns/c 3");
    lines.sort();
    assert_eq!(lines, ["add ns/a 1", "add ns/b 2"]);
    assert!(registration.has_synced());

    informer.remove_event_handler(&registration);
    fake.put("d", "1");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        log.lock().unwrap().len(),
        3,
        "a removed handler hears nothing more"
    );
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn resync_redelivers_every_cached_object_as_an_update_to_itself() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake)
        .resync_period(Some(Duration::from_secs(60)))
        .build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    assert_eq!(lines(&log, 1).await, ["add ns/a 1"]);
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert_eq!(lines(&log, 2).await[1], "update ns/a 1->1");
    informer.shutdown().await;
    assert!(informer_without_resync_never_resyncs(&fake).await);
}

async fn informer_without_resync_never_resyncs(fake: &Fake) -> bool {
    let informer = informer(fake).resync_period(Some(Duration::ZERO)).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    tokio::time::sleep(Duration::from_secs(600)).await;
    informer.shutdown().await;
    log.lock().unwrap().len() == 1
}

#[tokio::test(start_paused = true)]
async fn managed_fields_are_dropped_by_default_and_a_transform_replaces_that() {
    let fake = Fake::default();
    fake.put("a", "1");
    let plain = informer(&fake).build();
    plain.start();
    plain
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        plain
            .store()
            .get("ns/a")
            .unwrap()
            .metadata
            .managed_fields
            .is_none()
    );

    let custom = informer(&fake)
        .transform(|mut cm: ConfigMap| {
            cm.data = None;
            cm
        })
        .build();
    custom.start();
    custom
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let stored = custom.store().get("ns/a").unwrap();
    assert!(stored.data.is_none());
    assert!(stored.metadata.managed_fields.is_some());
    plain.shutdown().await;
    custom.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn selectors_are_sent_with_every_list_and_watch() {
    let fake = Fake::default();
    let informer = informer(&fake)
        .labels("app=web")
        .fields("metadata.name=a")
        .build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    {
        let server = fake.server();
        assert_eq!(
            server.list_params[0].label_selector.as_deref(),
            Some("app=web")
        );
        assert_eq!(
            server.list_params[0].field_selector.as_deref(),
            Some("metadata.name=a")
        );
        assert_eq!(
            server.watch_calls[0].0.label_selector.as_deref(),
            Some("app=web")
        );
        assert_eq!(
            server.watch_calls[0].0.field_selector.as_deref(),
            Some("metadata.name=a")
        );
    }
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn wait_for_cache_sync_times_out_before_start_and_fails_after_shutdown() {
    let informer = informer(&Fake::default()).build();
    let err = informer
        .wait_for_cache_sync(Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::CacheSyncTimeout(ref names) if names == &["fake"]),
        "{err}"
    );
    informer.shutdown().await;
    assert!(matches!(
        informer.wait_for_cache_sync(Duration::from_secs(1)).await,
        Err(Error::ShutDown)
    ));
    assert!(!informer.has_synced());
}

/// What kube-apiserver answers a ServiceAccount without RBAC for ConfigMaps.
fn forbidden() -> Status {
    Status::failure(
        "configmaps is forbidden: User \"system:serviceaccount:ns:app\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"ns\"",
        "Forbidden",
    )
    .with_code(403)
}

/// Waits (in paused time) until `done` holds for the informer's health, then returns it.
async fn health_when(
    informer: &Informer<ConfigMap>,
    done: impl Fn(&InformerHealth) -> bool,
) -> InformerHealth {
    for _ in 0..1000 {
        let health = informer.health();
        if done(&health) {
            return health;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("health never got there: {:?}", informer.health());
}

#[tokio::test(start_paused = true)]
async fn health_names_a_forbidden_list_until_a_list_works_again() {
    let fake = Fake::default();
    fake.put("a", "1");
    fake.server().refuse_lists = Some(forbidden());
    let informer = informer(&fake).build();
    assert_eq!(informer.health(), InformerHealth::default(), "not started");

    informer.start();
    let health = health_when(&informer, |h| h.consecutive_failures >= 3).await;
    assert!(health.started && !health.synced && !health.stopped);
    assert_eq!(
        health.last_error.as_deref(),
        Some(
            "list failed: Forbidden (403): configmaps is forbidden: User \"system:serviceaccount:ns:app\" \
             cannot list resource \"configmaps\" in API group \"\" in the namespace \"ns\""
        )
    );
    assert_eq!(
        u64::from(health.consecutive_failures),
        informer.stats().lists,
        "every attempt is one failure (and one warn line), then one backoff step"
    );

    fake.server().refuse_lists = None;
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let health = informer.health();
    assert!(health.synced);
    assert_eq!(health.last_error, None);
    assert_eq!(health.consecutive_failures, 0);
    informer.shutdown().await;
    assert!(informer.health().stopped);
}

#[tokio::test(start_paused = true)]
async fn health_reports_a_failing_watch_and_clears_when_the_watch_resumes() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();

    fake.partition();
    let health = health_when(&informer, |h| h.consecutive_failures >= 2).await;
    assert!(
        health.synced,
        "the cache stays synced while the watch fails"
    );
    assert_eq!(
        health.last_error.as_deref(),
        Some("watch failed: ServiceError: connection refused")
    );

    fake.heal();
    let health = health_when(&informer, |h| h.last_error.is_none()).await;
    assert_eq!(health.consecutive_failures, 0);
    assert_eq!(
        informer.stats().lists,
        1,
        "no relist after a transport error"
    );
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn custom_indexes_are_queried_through_the_lister() {
    let fake = Fake::default();
    fake.put("a", "web");
    fake.put("b", "db");
    let informer = informer(&fake).build();
    informer
        .add_indexer("app", |cm: &ConfigMap| {
            cm.labels().get("app").cloned().into_iter().collect()
        })
        .unwrap();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let lister = informer.lister();
    let web = lister.by_index("app", "web").unwrap();
    assert_eq!(web.len(), 1);
    assert_eq!(web[0].name_any(), "a");
    assert_eq!(
        lister
            .list(&"app in (web,db)".parse::<LabelSelector>().unwrap())
            .len(),
        2
    );
    assert!(matches!(
        informer.add_indexer("app", |_: &ConfigMap| vec![]),
        Err(Error::IndexExists(_))
    ));
    informer.shutdown().await;
}
