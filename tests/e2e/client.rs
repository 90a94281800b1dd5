//! The typed client and the event recorder against the real local control plane: every
//! verb, the error helpers, and events aggregated the way client-go aggregates them.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace};
use kube::api::ObjectMeta;
use kube_gen::client::{
    Client, DeleteOptions, ListOptions, Patch, PatchOptions, PropagationPolicy, Throttle,
    WatchEvent, WriteOptions, connect,
};
use kube_gen::events::{EventType, Recorder};
use kube_gen_tests::{TestCluster, client_for, eventually};
use serde_json::json;

fn config_map(name: &str, labels: &[(&str, &str)], data: &[(&str, &str)]) -> ConfigMap {
    let map = |kv: &[(&str, &str)]| -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(map(labels)),
            ..ObjectMeta::default()
        },
        data: Some(map(data)),
        ..ConfigMap::default()
    }
}

fn deployment(name: &str, replicas: i32) -> anyhow::Result<Deployment> {
    Ok(serde_json::from_value(json!({
        "metadata": { "name": name },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": { "app": name } },
            "template": {
                "metadata": { "labels": { "app": name } },
                "spec": { "containers": [{ "name": "main", "image": "nginx:latest" }] }
            }
        }
    }))?)
}

fn data(cm: &ConfigMap, key: &str) -> Option<String> {
    cm.data.as_ref()?.get(key).cloned()
}

#[tokio::test]
async fn config_map_verbs_and_their_errors() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let client = cluster.client().await?;
    let cms = Client::<ConfigMap>::namespaced(client, &ns).field_manager("e2e");
    let write = WriteOptions::default();

    let created = cms
        .create(&config_map("a", &[], &[("k", "1")]), &write)
        .await?;
    assert!(created.metadata.uid.is_some());
    let managers = created.metadata.managed_fields.unwrap_or_default();
    assert!(managers.iter().any(|m| m.manager.as_deref() == Some("e2e")));

    let err = cms
        .create(&config_map("a", &[], &[]), &write)
        .await
        .expect_err("a second create of the same name");
    assert!(err.is_already_exists(), "{err}");
    assert!(!err.is_conflict());

    let err = cms.get("missing").await.expect_err("no such object");
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.status().map(|s| s.code), Some(404));

    // Update with the version we read, then again with the now-stale one.
    let mut fresh = cms.get("a").await?;
    fresh.data = Some([("k".to_owned(), "2".to_owned())].into());
    let updated = cms.update(&fresh, &write).await?;
    assert_eq!(data(&updated, "k").as_deref(), Some("2"));
    fresh.data = Some([("k".to_owned(), "3".to_owned())].into());
    let err = cms
        .update(&fresh, &write)
        .await
        .expect_err("stale resourceVersion");
    assert!(err.is_conflict(), "{err}");

    // The three classic patch types.
    let patch = PatchOptions::default();
    let merged = cms
        .patch("a", &Patch::Merge(json!({"data": {"m": "merge"}})), &patch)
        .await?;
    assert_eq!(data(&merged, "m").as_deref(), Some("merge"));
    let ops =
        serde_json::from_value(json!([{"op": "replace", "path": "/data/k", "value": "json"}]))?;
    let jsoned = cms.patch("a", &Patch::Json::<()>(ops), &patch).await?;
    assert_eq!(data(&jsoned, "k").as_deref(), Some("json"));
    let strategic = cms
        .patch("a", &Patch::Strategic(json!({"data": {"s": "sm"}})), &patch)
        .await?;
    assert_eq!(data(&strategic, "s").as_deref(), Some("sm"));
    assert_eq!(data(&strategic, "m").as_deref(), Some("merge"));

    assert!(cms.delete("a", &DeleteOptions::default()).await?.is_none());
    assert!(cms.get("a").await.expect_err("deleted").is_not_found());
    Ok(())
}

#[tokio::test]
async fn an_invalid_object_reports_the_offending_fields() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let cms = Client::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let bad = config_map("Not_A_DNS_Name", &[("bad label!", "x")], &[]);
    let err = cms
        .create(&bad, &WriteOptions::default())
        .await
        .expect_err("invalid name");
    assert!(err.is_invalid(), "{err}");
    let fields: Vec<_> = err.causes().iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"metadata.name"), "{fields:?}");
    assert!(
        fields.iter().any(|f| f.starts_with("metadata.labels")),
        "{fields:?}"
    );
    assert!(err.causes().iter().all(|c| !c.message.is_empty()));
    Ok(())
}

#[tokio::test]
async fn a_service_account_without_rbac_is_forbidden() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let path = cluster.service_account_kubeconfig(&ns, "nobody")?;
    let cms = Client::<ConfigMap>::namespaced(client_for(&path).await?, &ns);
    let err = cms
        .list(&ListOptions::default())
        .await
        .expect_err("no RBAC");
    assert!(err.is_forbidden(), "{err}");
    let err = cms
        .create(&config_map("x", &[], &[]), &WriteOptions::default())
        .await
        .expect_err("no RBAC");
    assert!(err.is_forbidden(), "{err}");
    Ok(())
}

#[tokio::test]
async fn server_side_apply_conflicts_until_forced() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let client = cluster.client().await?;
    let alice = Client::<ConfigMap>::namespaced(client.clone(), &ns).field_manager("alice");
    let bob = Client::<ConfigMap>::namespaced(client, &ns).field_manager("bob");
    let apply = |value: &str| {
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "shared" },
            "data": { "owner": value },
        })
    };
    let opts = PatchOptions::default();
    let first = alice
        .patch("shared", &Patch::Apply(apply("alice")), &opts)
        .await?;
    assert_eq!(data(&first, "owner").as_deref(), Some("alice"));

    let err = bob
        .patch("shared", &Patch::Apply(apply("bob")), &opts)
        .await
        .expect_err("bob touches alice's field");
    assert!(err.is_conflict(), "{err}");
    assert!(!err.causes().is_empty(), "the conflicting fields are named");

    let forced = bob
        .patch("shared", &Patch::Apply(apply("bob")), &opts.clone().force())
        .await?;
    assert_eq!(data(&forced, "owner").as_deref(), Some("bob"));
    // A per-call manager overrides the client's.
    let carol = PatchOptions::default().field_manager("carol").force();
    let taken = alice
        .patch("shared", &Patch::Apply(apply("carol")), &carol)
        .await?;
    let managers = taken.metadata.managed_fields.unwrap_or_default();
    assert!(
        managers
            .iter()
            .any(|m| m.manager.as_deref() == Some("carol"))
    );
    Ok(())
}

#[tokio::test]
async fn delete_checks_its_preconditions() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let cms = Client::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let cm = cms
        .create(&config_map("p", &[], &[]), &WriteOptions::default())
        .await?;
    let wrong = DeleteOptions::default().precondition_uid("00000000-0000-0000-0000-000000000000");
    let err = cms.delete("p", &wrong).await.expect_err("wrong uid");
    assert!(err.is_conflict(), "{err}");
    let stale = DeleteOptions::default().precondition_resource_version("1");
    assert!(
        cms.delete("p", &stale)
            .await
            .expect_err("stale")
            .is_conflict()
    );

    let uid = cm.metadata.uid.expect("uid");
    let right = DeleteOptions::default()
        .precondition_uid(&uid)
        .propagation_policy(PropagationPolicy::Background);
    cms.delete("p", &right).await?;
    assert!(cms.get("p").await.expect_err("gone").is_not_found());
    Ok(())
}

#[tokio::test]
async fn delete_collection_and_pagination_follow_the_selector() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let cms = Client::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    for i in 0..5 {
        let cm = config_map(&format!("batch-{i}"), &[("batch", "yes")], &[]);
        cms.create(&cm, &WriteOptions::default()).await?;
    }
    cms.create(&config_map("keep", &[], &[]), &WriteOptions::default())
        .await?;

    let mut opts = ListOptions::default().labels("batch=yes").limit(2);
    let (mut names, mut pages) = (Vec::new(), 0);
    loop {
        let page = cms.list(&opts).await?;
        pages += 1;
        assert!(page.items.len() <= 2);
        names.extend(page.items.into_iter().filter_map(|cm| cm.metadata.name));
        match page.metadata.continue_.as_deref() {
            Some(token) if !token.is_empty() => opts = opts.continue_token(token),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    names.sort();
    assert_eq!(
        names,
        ["batch-0", "batch-1", "batch-2", "batch-3", "batch-4"]
    );

    let by_name = cms
        .list(&ListOptions::default().fields("metadata.name=keep"))
        .await?;
    assert_eq!(by_name.items.len(), 1);

    cms.delete_collection(
        &ListOptions::default().labels("batch=yes"),
        &DeleteOptions::default(),
    )
    .await?;
    let left = eventually(
        "the batch to be deleted",
        Duration::from_secs(30),
        || async {
            let items = cms.list(&ListOptions::default()).await?.items;
            let names: Vec<_> = items
                .into_iter()
                .filter_map(|cm| cm.metadata.name)
                .collect();
            Ok((!names.iter().any(|n| n.starts_with("batch-"))).then_some(names))
        },
    )
    .await;
    assert!(left.contains(&"keep".to_owned()), "{left:?}");
    Ok(())
}

#[tokio::test]
async fn watch_streams_changes_and_all_namespaces_narrows() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let client = cluster.client().await?;
    let everywhere = Client::<ConfigMap>::all(client.clone());
    let cms = everywhere.namespace(&ns);
    assert_eq!(cms.namespace(), ns);

    let start = cms.list(&ListOptions::default()).await?;
    let version = start.metadata.resource_version.unwrap_or_default();
    let opts = ListOptions::default()
        .labels("watched=yes")
        .resource_version(&version)
        .timeout_seconds(60);
    let mut events = cms.watch(&opts).await?.boxed();

    let cm = config_map("w", &[("watched", "yes")], &[]);
    cms.create(&cm, &WriteOptions::default()).await?;
    cms.patch(
        "w",
        &Patch::Merge(json!({"data": {"x": "1"}})),
        &PatchOptions::default(),
    )
    .await?;
    cms.delete("w", &DeleteOptions::default()).await?;

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let next = tokio::time::timeout(Duration::from_secs(30), events.try_next()).await;
        match next?? {
            Some(WatchEvent::Added(_)) => seen.push("added"),
            Some(WatchEvent::Modified(_)) => seen.push("modified"),
            Some(WatchEvent::Deleted(_)) => seen.push("deleted"),
            Some(_) => {}
            None => anyhow::bail!("watch ended early after {seen:?}"),
        }
    }
    assert_eq!(seen, ["added", "modified", "deleted"]);

    cms.create(
        &config_map("everywhere", &[], &[]),
        &WriteOptions::default(),
    )
    .await?;
    let all = everywhere
        .list(&ListOptions::default().fields(&format!("metadata.namespace={ns}")))
        .await?;
    assert!(
        all.items
            .iter()
            .all(|cm| cm.metadata.namespace.as_deref() == Some(ns.as_str()))
    );
    let names: Vec<_> = all
        .items
        .into_iter()
        .filter_map(|cm| cm.metadata.name)
        .collect();
    assert!(names.contains(&"everywhere".to_owned()), "{names:?}");
    Ok(())
}

#[tokio::test]
async fn deployment_scale_and_status_subresources() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("client").await?;
    let deployments = Client::<Deployment>::namespaced(cluster.client().await?, &ns);
    deployments
        .create(&deployment("web", 1)?, &WriteOptions::default())
        .await?;

    // The deployment controller writes status meanwhile, so a read-modify-write may lose
    // the race: retry on conflict, as a controller would.
    let (scale, scaled) = loop {
        let mut scale = deployments.get_scale("web").await?;
        assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(1));
        scale.spec.get_or_insert_with(Default::default).replicas = Some(2);
        match deployments
            .update_scale("web", &scale, &WriteOptions::default())
            .await
        {
            Err(err) if err.is_conflict() => continue,
            other => break (scale, other?),
        }
    };
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(2));
    let err = deployments
        .update_scale("web", &scale, &WriteOptions::default())
        .await
        .expect_err("the scale's resourceVersion is stale now");
    assert!(err.is_conflict(), "{err}");
    let patched = deployments
        .patch_scale(
            "web",
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
            &PatchOptions::default(),
        )
        .await?;
    assert_eq!(patched.spec.and_then(|s| s.replicas), Some(3));
    let spec_replicas = |d: &Deployment| d.spec.as_ref().and_then(|s| s.replicas);
    assert_eq!(spec_replicas(&deployments.get("web").await?), Some(3));

    // The status endpoint writes status only: a spec change sent there is ignored.
    let written = loop {
        let mut current = deployments.get_status("web").await?;
        current.spec.get_or_insert_with(Default::default).replicas = Some(7);
        let condition = json!({"type": "KubeGenTest", "status": "True", "reason": "E2E"});
        let status = current.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        conditions.push(serde_json::from_value(condition)?);
        match deployments
            .update_status(&current, &WriteOptions::default())
            .await
        {
            Err(err) if err.is_conflict() => continue,
            other => break other?,
        }
    };
    assert_eq!(spec_replicas(&written), Some(3));
    let has_test_condition = |d: &Deployment| {
        let conditions = d.status.as_ref().and_then(|s| s.conditions.as_ref());
        conditions.is_some_and(|cs| cs.iter().any(|c| c.type_ == "KubeGenTest"))
    };
    assert!(has_test_condition(&written));

    let patch = json!({"status": {"observedGeneration": 1_000}});
    let patched = deployments
        .patch_status("web", &Patch::Merge(patch), &PatchOptions::default())
        .await?;
    assert_eq!(
        patched.status.and_then(|s| s.observed_generation),
        Some(1_000)
    );

    // Strategic merge on a built-in merges containers by name instead of replacing the list.
    let env = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "main", "env": [{"name": "MODE", "value": "e2e"}]}
    ]}}}});
    let merged = deployments
        .patch("web", &Patch::Strategic(env), &PatchOptions::default())
        .await?;
    let pod = merged.spec.and_then(|s| s.template.spec).expect("pod spec");
    assert_eq!(pod.containers[0].image.as_deref(), Some("nginx:latest"));
    assert_eq!(pod.containers[0].env.as_ref().map(Vec::len), Some(1));

    let foreground = DeleteOptions::default().propagation_policy(PropagationPolicy::Foreground);
    deployments.delete("web", &foreground).await?;
    eventually(
        "the Deployment to be gone",
        Duration::from_secs(60),
        || async {
            Ok(deployments
                .get("web")
                .await
                .err()
                .filter(|e| e.is_not_found())
                .map(|_| ()))
        },
    )
    .await;
    Ok(())
}

// ---- Events ----------------------------------------------------------------------------

/// The Events in `ns` about the object called `name`.
async fn events_about(
    events: &Client<Event>,
    name: &str,
) -> Result<Vec<Event>, kube_gen::client::Error> {
    let selector = format!("involvedObject.name={name}");
    Ok(events
        .list(&ListOptions::default().fields(&selector))
        .await?
        .items)
}

#[tokio::test]
async fn thirty_identical_events_become_one_event_counted_to_the_burst() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("events").await?;
    let client = cluster.client().await?;
    let cm = Client::<ConfigMap>::namespaced(client.clone(), &ns)
        .create(&config_map("noisy", &[], &[]), &WriteOptions::default())
        .await?;
    let recorder = Recorder::builder(client.clone(), "kube-gen-e2e")
        .instance("e2e-0")
        .build();
    for _ in 0..30 {
        recorder.event(&cm, EventType::Normal, "Synced", "synced successfully");
    }
    recorder.flush().await;

    // client-go's spam filter lets 25 of a burst through; the last write says count 25.
    let events = Client::<Event>::namespaced(client, &ns);
    let found = eventually(
        "one Event with count 25",
        Duration::from_secs(30),
        || async {
            let found = events_about(&events, "noisy").await?;
            Ok((found.len() == 1 && found[0].count == Some(25)).then_some(found))
        },
    )
    .await;
    let event = &found[0];
    assert_eq!(event.type_.as_deref(), Some("Normal"));
    assert_eq!(event.reason.as_deref(), Some("Synced"));
    assert_eq!(event.message.as_deref(), Some("synced successfully"));
    assert_eq!(event.involved_object.uid, cm.metadata.uid);
    assert_eq!(event.involved_object.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(event.reporting_component.as_deref(), Some("kube-gen-e2e"));
    assert_eq!(event.reporting_instance.as_deref(), Some("e2e-0"));
    assert!(event.first_timestamp <= event.last_timestamp);
    recorder.shut_down().await;
    Ok(())
}

#[tokio::test]
async fn different_reasons_are_separate_events() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("events").await?;
    let client = cluster.client().await?;
    let cm = Client::<ConfigMap>::namespaced(client.clone(), &ns)
        .create(&config_map("busy", &[], &[]), &WriteOptions::default())
        .await?;
    let recorder = Recorder::new(client.clone(), "kube-gen-e2e");
    recorder.event(&cm, EventType::Normal, "Created", "created it");
    recorder.event(&cm, EventType::Warning, "Failed", "it broke");
    recorder.event(&cm, EventType::Warning, "Failed", "it broke");
    recorder.shut_down().await;
    // After shut_down nothing more is written.
    recorder.event(&cm, EventType::Normal, "Late", "too late");

    let events = Client::<Event>::namespaced(client, &ns);
    let mut found = events_about(&events, "busy").await?;
    found.sort_by(|a, b| a.reason.cmp(&b.reason));
    let summary: Vec<_> = found
        .iter()
        .map(|e| {
            (
                e.reason.as_deref().unwrap_or(""),
                e.type_.as_deref().unwrap_or(""),
                e.count,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Created", "Normal", Some(1)),
            ("Failed", "Warning", Some(2))
        ]
    );
    Ok(())
}

#[tokio::test]
async fn events_about_cluster_scoped_objects_go_to_default() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns_name = cluster.namespace("events").await?;
    let client = cluster.client().await?;
    let namespace = Client::<Namespace>::cluster(client.clone())
        .get(&ns_name)
        .await?;
    let recorder = Recorder::new(client.clone(), "kube-gen-e2e");
    recorder.event(&namespace, EventType::Normal, "Observed", "saw a namespace");
    recorder.shut_down().await;
    let events = Client::<Event>::namespaced(client, "default");
    let found = events_about(&events, &ns_name).await?;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].involved_object.kind.as_deref(), Some("Namespace"));
    Ok(())
}

async fn config_from(path: &std::path::Path) -> anyhow::Result<kube::Config> {
    let kubeconfig = kube::config::Kubeconfig::read_from(path)?;
    Ok(kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?)
}

/// `connect::builder` builds kube's layers on its own connector: TLS against the cluster's
/// CA, the kubeconfig's credentials (the admin may write, a ServiceAccount without RBAC is
/// refused as itself, so its token was sent), the default namespace, and a watch.
#[tokio::test]
async fn a_nodelay_client_speaks_tls_auth_and_watch() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("connect").await?;
    let admin = connect::builder(config_from(cluster.kubeconfig()).await?)?.build();
    let cms = Client::<ConfigMap>::namespaced(admin.clone(), &ns);
    let mut watch = cms.watch(&ListOptions::default()).await?.boxed();
    cms.create(
        &config_map("hello", &[], &[("k", "v")]),
        &WriteOptions::default(),
    )
    .await?;
    let seen = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(event) = watch.try_next().await? {
            if let WatchEvent::Added(cm) = event {
                return anyhow::Ok(cm);
            }
        }
        anyhow::bail!("the watch ended")
    })
    .await??;
    assert_eq!(seen.metadata.name.as_deref(), Some("hello"));
    assert_eq!(admin.default_namespace(), "default");

    let path = cluster.service_account_kubeconfig(&ns, "nobody")?;
    let nobody = connect::builder(config_from(&path).await?)?.build();
    let err = Client::<ConfigMap>::namespaced(nobody, &ns)
        .get("hello")
        .await
        .expect_err("no RBAC");
    assert!(err.is_forbidden(), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("system:serviceaccount:{ns}:nobody")),
        "{err}"
    );
    Ok(())
}

/// `Throttle` in front of a real client: requests still work (TLS, auth, watches) and
/// beyond the burst they are paced, client-go's `QPS`/`Burst`. Only a lower bound on the
/// time is asserted: the bucket guarantees it however loaded the machine is.
#[tokio::test]
async fn a_throttled_client_paces_requests_beyond_its_burst() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("throttle").await?;
    // 10 a second after a burst of 2: requests 3 to 7 wait 100 ms each.
    let throttled = connect::builder(config_from(cluster.kubeconfig()).await?)?
        .with_layer(&Throttle::new(10.0, 2))
        .build();
    let config_maps = Client::<ConfigMap>::namespaced(throttled, &ns);
    let started = std::time::Instant::now();
    for i in 0..7 {
        config_maps
            .create(
                &config_map(&format!("paced-{i}"), &[], &[]),
                &WriteOptions::default(),
            )
            .await?;
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(480),
        "7 requests at 10/s after a burst of 2 took {elapsed:?}"
    );
    let listed = config_maps.list(&ListOptions::default()).await?;
    assert_eq!(
        listed
            .items
            .iter()
            .filter(|cm| cm
                .metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("paced-")))
            .count(),
        7
    );
    Ok(())
}
