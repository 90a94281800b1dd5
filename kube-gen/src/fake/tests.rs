//! The fake answers as kube-apiserver does where tests could otherwise pass on the fake and fail on a cluster.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{
    Api, DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams, Preconditions,
    WatchEvent, WatchParams,
};
use kube::{CustomResource, CustomResourceExt, ResourceExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::FakeCluster;

/// A custom resource whose CRD declares the status subresource and a selectable field.
#[derive(CustomResource, Clone, Debug, Serialize, Deserialize)]
#[kube(
    group = "fake.kube-gen.dev",
    version = "v1",
    kind = "Widget",
    namespaced,
    status = "WidgetStatus",
    selectable = ".spec.color",
    schema = "disabled"
)]
struct WidgetSpec {
    color: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
struct WidgetStatus {
    ok: bool,
}

/// A custom resource whose CRD declares no subresources.
#[derive(CustomResource, Clone, Debug, Serialize, Deserialize)]
#[kube(
    group = "fake.kube-gen.dev",
    version = "v1",
    kind = "Plain",
    namespaced,
    schema = "disabled"
)]
struct PlainSpec {
    color: String,
}

fn cluster() -> FakeCluster {
    FakeCluster::new()
        .with_crd(&Widget::crd())
        .with_crd(&Plain::crd())
}

fn config_map(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

/// The failure's code, reason and message.
fn failure<T: std::fmt::Debug>(result: kube::Result<T>) -> (u16, String, String) {
    match result {
        Err(kube::Error::Api(status)) => {
            (status.code, status.reason.clone(), status.message.clone())
        }
        other => panic!("expected a failure status, got {other:?}"),
    }
}

fn expect(code: u16, reason: &str, message: &str) -> (u16, String, String) {
    (code, reason.to_owned(), message.to_owned())
}

#[tokio::test]
async fn a_status_write_on_a_config_map_is_not_found_as_it_has_no_status_subresource() {
    let fake = cluster();
    let cms = Api::<ConfigMap>::namespaced(fake.client(), "default");
    let cm = cms
        .create(&PostParams::default(), &config_map("a", &[]))
        .await
        .unwrap();
    let not_found = expect(
        404,
        "NotFound",
        "the server could not find the requested resource",
    );

    assert_eq!(
        failure(cms.replace_status("a", &PostParams::default(), &cm).await),
        not_found
    );
    let patch = Patch::Merge(json!({"data": {"k": "v"}}));
    assert_eq!(
        failure(cms.patch_status("a", &PatchParams::default(), &patch).await),
        not_found
    );
    assert_eq!(failure(cms.get_status("a").await), not_found);
}

#[tokio::test]
async fn a_status_write_on_a_custom_resource_follows_its_crd() {
    let fake = cluster();
    let plains = Api::<Plain>::namespaced(fake.client(), "default");
    let plain = Plain::new(
        "p",
        PlainSpec {
            color: "red".into(),
        },
    );
    let plain = plains.create(&PostParams::default(), &plain).await.unwrap();
    assert_eq!(
        failure(
            plains
                .replace_status("p", &PostParams::default(), &plain)
                .await
        ),
        expect(404, "NotFound", "plains.fake.kube-gen.dev \"p\" not found")
    );

    let widgets = Api::<Widget>::namespaced(fake.client(), "default");
    let widget = Widget::new(
        "w",
        WidgetSpec {
            color: "red".into(),
        },
    );
    widgets
        .create(&PostParams::default(), &widget)
        .await
        .unwrap();
    let patch = Patch::Merge(json!({"status": {"ok": true}}));
    let written = widgets
        .patch_status("w", &PatchParams::default(), &patch)
        .await
        .unwrap();
    assert_eq!(written.status, Some(WidgetStatus { ok: true }));
}

#[tokio::test]
async fn an_update_without_a_resource_version_is_invalid_for_custom_resources_only() {
    let fake = cluster();
    let widgets = Api::<Widget>::namespaced(fake.client(), "default");
    let widget = Widget::new(
        "w",
        WidgetSpec {
            color: "red".into(),
        },
    );
    widgets
        .create(&PostParams::default(), &widget)
        .await
        .unwrap();
    assert_eq!(
        failure(widgets.replace("w", &PostParams::default(), &widget).await),
        expect(
            422,
            "Invalid",
            "widgets.fake.kube-gen.dev \"w\" is invalid: metadata.resourceVersion: Invalid value: \
             0x0: must be specified for an update"
        )
    );

    let cms = Api::<ConfigMap>::namespaced(fake.client(), "default");
    cms.create(&PostParams::default(), &config_map("a", &[]))
        .await
        .unwrap();
    let mut unconditional = config_map("a", &[("changed", "yes")]);
    unconditional.metadata.resource_version = None;
    let updated = cms
        .replace("a", &PostParams::default(), &unconditional)
        .await
        .unwrap();
    assert_eq!(
        updated.labels().get("changed").map(String::as_str),
        Some("yes")
    );
}

#[tokio::test]
async fn a_label_selector_watch_sees_objects_start_and_stop_matching() {
    let fake = cluster();
    let cms = Api::<ConfigMap>::namespaced(fake.client(), "default");
    let start = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version;
    let watch = cms
        .watch(
            &WatchParams::default().labels("app=web"),
            &start.unwrap_or_default(),
        )
        .await
        .unwrap();

    let cm = cms
        .create(&PostParams::default(), &config_map("a", &[]))
        .await
        .unwrap();
    let mut labelled = cm.clone();
    labelled.labels_mut().insert("app".into(), "web".into());
    let labelled = cms
        .replace("a", &PostParams::default(), &labelled)
        .await
        .unwrap();
    let mut changed = labelled.clone();
    changed.labels_mut().insert("tier".into(), "front".into());
    let changed = cms
        .replace("a", &PostParams::default(), &changed)
        .await
        .unwrap();
    let mut unlabelled = changed.clone();
    unlabelled.labels_mut().remove("app");
    let unlabelled = cms
        .replace("a", &PostParams::default(), &unlabelled)
        .await
        .unwrap();
    cms.delete("a", &DeleteParams::default()).await.unwrap();
    cms.create(
        &PostParams::default(),
        &config_map("end", &[("app", "web")]),
    )
    .await
    .unwrap();

    // Bookmarks come when the server likes (the fake: right after the replay); skip them.
    let events: Vec<_> = watch
        .try_filter(|e| std::future::ready(!matches!(e, WatchEvent::Bookmark(_))))
        .take(4)
        .try_collect()
        .await
        .unwrap();
    let seen: Vec<_> = events
        .iter()
        .map(|e| match e {
            WatchEvent::Added(o) => ("ADDED", o.name_any(), o.resource_version()),
            WatchEvent::Modified(o) => ("MODIFIED", o.name_any(), o.resource_version()),
            WatchEvent::Deleted(o) => ("DELETED", o.name_any(), o.resource_version()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        seen[..3],
        [
            ("ADDED", "a".to_owned(), labelled.resource_version()),
            ("MODIFIED", "a".to_owned(), changed.resource_version()),
            ("DELETED", "a".to_owned(), unlabelled.resource_version()),
        ]
    );
    assert_eq!((seen[3].0, seen[3].1.as_str()), ("ADDED", "end"));
    // As the watch cache does: the object as it last matched, at the version that ended it.
    let WatchEvent::Deleted(gone) = &events[2] else {
        unreachable!()
    };
    assert_eq!(gone.labels().get("app").map(String::as_str), Some("web"));
}

#[tokio::test]
async fn an_unsupported_field_selector_is_a_bad_request_in_the_servers_words() {
    let fake = cluster();
    let cms = Api::<ConfigMap>::namespaced(fake.client(), "default");
    let unknown = ListParams::default().fields("data.k=v");
    let refused = expect(
        400,
        "BadRequest",
        "\"data.k\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
    );
    assert_eq!(failure(cms.list(&unknown).await), refused);
    let watch = cms
        .watch(&WatchParams::default().fields("data.k=v"), "0")
        .await;
    assert_eq!(failure(watch.map(|_| ())), refused);

    let widgets = Api::<Widget>::namespaced(fake.client(), "default");
    let widget = Widget::new(
        "w",
        WidgetSpec {
            color: "red".into(),
        },
    );
    widgets
        .create(&PostParams::default(), &widget)
        .await
        .unwrap();
    let red = widgets
        .list(&ListParams::default().fields("spec.color=red"))
        .await
        .unwrap();
    assert_eq!(red.items.len(), 1);
    let plains = Api::<Plain>::namespaced(fake.client(), "default");
    assert_eq!(
        failure(
            plains
                .list(&ListParams::default().fields("spec.color=red"))
                .await
        ),
        expect(400, "BadRequest", "field label not supported: spec.color")
    );
}

#[tokio::test]
async fn errors_name_the_group_qualified_resource_or_kind_as_the_server_does() {
    let fake = cluster();
    let deployments = Api::<Deployment>::namespaced(fake.client(), "default");
    assert_eq!(
        failure(deployments.get("missing").await),
        expect(404, "NotFound", "deployments.apps \"missing\" not found")
    );
    let widgets = Api::<Widget>::namespaced(fake.client(), "default");
    let widget = Widget::new(
        "w",
        WidgetSpec {
            color: "red".into(),
        },
    );
    let created = widgets
        .create(&PostParams::default(), &widget)
        .await
        .unwrap();
    assert_eq!(
        failure(widgets.create(&PostParams::default(), &widget).await),
        expect(
            409,
            "AlreadyExists",
            "widgets.fake.kube-gen.dev \"w\" already exists"
        )
    );
    let labelled = widgets
        .patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"a": "b"}}})),
        )
        .await
        .unwrap();
    let stale = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: created.resource_version(),
            uid: None,
        }),
        ..DeleteParams::default()
    };
    let message = format!(
        "Operation cannot be fulfilled on Widget.fake.kube-gen.dev \"w\": the ResourceVersion in \
         the precondition ({}) does not match the ResourceVersion in record ({}). The object \
         might have been modified",
        created.resource_version().unwrap(),
        labelled.resource_version().unwrap()
    );
    assert_eq!(
        failure(widgets.delete("w", &stale).await),
        expect(409, "Conflict", &message)
    );
}

#[tokio::test]
async fn the_differential_scenario_gives_what_kube_apiserver_gives() {
    let mut fake = FakeCluster::new();
    for crd in super::scenario::crds() {
        fake = fake.with_crd(&crd);
    }
    let outcomes = super::scenario::run(fake.client(), "scenario").await;
    for line in &outcomes {
        println!("{line}");
    }
    assert_eq!(outcomes, super::scenario::EXPECTED);
}
