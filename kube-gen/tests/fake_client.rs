//! The typed client on the fake cluster: every verb, the recorded actions and reactors.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStatus};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::ObjectMeta;
use kube_gen::client::{Client, DeleteOptions, ListOptions, Patch, PatchOptions, WriteOptions};
use kube_gen::fake::{Action, FakeCluster, PatchType, Reaction, Verb};
use serde_json::json;

fn config_map(name: &str, app: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            labels: Some(BTreeMap::from([("app".into(), app.into())])),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("k".into(), "v".into())])),
        ..ConfigMap::default()
    }
}

fn deployment(name: &str, replicas: i32) -> Deployment {
    Deployment {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

#[tokio::test]
async fn create_get_list_update_patch_and_delete_go_through_the_typed_client() {
    let fake = FakeCluster::new();
    let cms = Client::<ConfigMap>::namespaced(fake.client(), "default");
    let w = WriteOptions::default();

    let created = cms.create(&config_map("a", "web"), &w).await.unwrap();
    assert!(created.metadata.uid.is_some() && created.metadata.creation_timestamp.is_some());
    cms.create(&config_map("b", "db"), &w).await.unwrap();
    assert!(
        cms.create(&config_map("a", "web"), &w)
            .await
            .unwrap_err()
            .is_already_exists()
    );

    assert_eq!(cms.get("a").await.unwrap().data, created.data);
    assert!(cms.get("missing").await.unwrap_err().is_not_found());

    let web = cms
        .list(&ListOptions::default().labels("app in (web)"))
        .await
        .unwrap();
    assert_eq!(web.items.len(), 1);
    let by_name = cms
        .list(&ListOptions::default().fields("metadata.name=b"))
        .await
        .unwrap();
    assert_eq!(by_name.items[0].metadata.name.as_deref(), Some("b"));
    let page = cms.list(&ListOptions::default().limit(1)).await.unwrap();
    let token = page.metadata.continue_.clone().expect("a continue token");
    let rest = cms
        .list(&ListOptions::default().limit(1).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(rest.items[0].metadata.name.as_deref(), Some("b"));

    let mut changed = created.clone();
    changed.data = Some(BTreeMap::from([("k".into(), "w".into())]));
    let updated = cms.update(&changed, &w).await.unwrap();
    assert_ne!(
        updated.metadata.resource_version,
        created.metadata.resource_version
    );
    assert!(
        cms.update(&changed, &w).await.unwrap_err().is_conflict(),
        "stale resourceVersion"
    );

    let merged = cms
        .patch(
            "a",
            &Patch::Merge(json!({"data": {"x": "1"}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(merged.data.unwrap().len(), 2);
    let ops: json_patch::Patch =
        serde_json::from_value(json!([{"op": "remove", "path": "/data/x"}])).unwrap();
    let patched = cms
        .patch("a", &Patch::Json::<()>(ops), &PatchOptions::default())
        .await
        .unwrap();
    assert_eq!(patched.data.unwrap().len(), 1);
    let applied = cms
        .patch(
            "c",
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(applied.metadata.name.as_deref(), Some("c"));

    assert_eq!(
        cms.delete("a", &DeleteOptions::default()).await.unwrap(),
        None
    );
    assert!(cms.get("a").await.unwrap_err().is_not_found());
    cms.delete_collection(
        &ListOptions::default().labels("app=db"),
        &DeleteOptions::default(),
    )
    .await
    .unwrap();
    let left = cms.list(&ListOptions::default()).await.unwrap();
    assert_eq!(
        left.items
            .iter()
            .map(|c| c.metadata.name.clone().unwrap())
            .collect::<Vec<_>>(),
        ["c"]
    );
}

#[tokio::test]
async fn status_and_scale_are_subresources_of_a_deployment() {
    let fake = FakeCluster::new().with_objects([deployment("web", 1)]);
    let deployments = Client::<Deployment>::namespaced(fake.client(), "default");
    let w = WriteOptions::default();

    let mut d = deployments.get("web").await.unwrap();
    d.status = Some(DeploymentStatus {
        replicas: Some(1),
        ..DeploymentStatus::default()
    });
    d.spec.as_mut().unwrap().replicas = Some(5);
    let after_status = deployments.update_status(&d, &w).await.unwrap();
    assert_eq!(
        after_status.spec.unwrap().replicas,
        Some(1),
        "a status update keeps the spec"
    );
    assert_eq!(after_status.status.unwrap().replicas, Some(1));

    let mut d = deployments.get("web").await.unwrap();
    d.spec.as_mut().unwrap().replicas = Some(2);
    d.status = None;
    let after_update = deployments.update(&d, &w).await.unwrap();
    assert_eq!(
        after_update.status.unwrap().replicas,
        Some(1),
        "an update keeps the status"
    );
    assert_eq!(after_update.metadata.generation, Some(2));

    let mut scale = deployments.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.as_ref().unwrap().replicas, Some(2));
    scale.spec.as_mut().unwrap().replicas = Some(4);
    deployments.update_scale("web", &scale, &w).await.unwrap();
    assert_eq!(
        fake.object::<Deployment>(Some("default"), "web")
            .unwrap()
            .spec
            .unwrap()
            .replicas,
        Some(4)
    );
}

#[tokio::test]
async fn every_request_is_recorded_as_an_action() {
    let fake = FakeCluster::new();
    let cms = Client::<ConfigMap>::namespaced(fake.client(), "default").field_manager("test");
    let cm = config_map("a", "web");
    cms.create(&cm, &WriteOptions::default()).await.unwrap();
    cms.list(&ListOptions::default()).await.unwrap();
    cms.patch(
        "a",
        &Patch::Merge(json!({"data": null})),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    cms.delete("a", &DeleteOptions::default()).await.unwrap();

    let actions = fake.actions();
    assert_eq!(
        actions.iter().map(|a| a.verb).collect::<Vec<_>>(),
        [Verb::Create, Verb::List, Verb::Patch, Verb::Delete]
    );
    assert_eq!(
        fake.actions_without_informers(),
        vec![
            Action::create("", "v1", "configmaps", "default")
                .object(&cm)
                .field_manager("test"),
            Action::patch("", "v1", "configmaps", "default", "a")
                .object(&json!({"data": null}))
                .patch_type(PatchType::Merge),
            Action::delete("", "v1", "configmaps", "default", "a"),
        ]
    );
    fake.clear_actions();
    assert!(fake.actions().is_empty());
}

#[tokio::test]
async fn a_reactor_fails_the_first_status_update_with_a_conflict_then_passes() {
    let fake = FakeCluster::new().with_objects([deployment("web", 1)]);
    let mut first = true;
    fake.prepend_reactor("update", "deployments", move |action| {
        if action.subresource.as_deref() == Some("status") && std::mem::take(&mut first) {
            Reaction::conflict("deployments", "web")
        } else {
            Reaction::Pass
        }
    });
    let deployments = Client::<Deployment>::namespaced(fake.client(), "default");
    let mut d = deployments.get("web").await.unwrap();
    d.status = Some(DeploymentStatus {
        available_replicas: Some(1),
        ..DeploymentStatus::default()
    });
    let err = deployments
        .update_status(&d, &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    let stored = deployments
        .update_status(&d, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(stored.status.unwrap().available_replicas, Some(1));

    let status_update = Action::update_status("apps", "v1", "deployments", "default").object(&d);
    assert_eq!(
        fake.actions_without_informers(),
        vec![
            Action::get("apps", "v1", "deployments", "default", "web"),
            status_update.clone(),
            status_update
        ]
    );
}

#[tokio::test]
async fn a_handled_reaction_answers_instead_of_the_tracker() {
    let fake = FakeCluster::new();
    let canned = config_map("canned", "x");
    let answer = Reaction::handled(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "canned"}}),
    );
    fake.prepend_reactor("get", "configmaps", move |_| answer.clone());
    let cms = Client::<ConfigMap>::namespaced(fake.client(), "default");
    assert_eq!(
        cms.get("anything").await.unwrap().metadata.name,
        canned.metadata.name
    );
}
