//! The controller against the fake cluster, mirroring the original's `controller_test.go`:
//! seed the caches and the server, call `sync_handler`, compare the recorded actions.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube_gen::client::{Client, ListOptions};
use kube_gen::events::Recorder;
use kube_gen::fake::{Action, FakeCluster, Reaction};
use kube_gen::informer::{DeletedFinalStateUnknown, DeletedObject, SharedInformerFactory};
use prometheus_client::registry::Registry;

use super::*;
use crate::foo::FooSpec;
use crate::ops::metrics::encode;

const NAMESPACE: &str = "default";

/// A Deployment as the controller's informer caches it.
fn cached(deployment: Deployment) -> CachedDeployment {
    CachedDeployment::new(deployment)
}

/// The cluster the controller talks to, a separate one for its events (Go's
/// `FakeRecorder`), and the controller over synced informers.
struct Fixture {
    fake: FakeCluster,
    events: FakeCluster,
    controller: Controller,
}

impl Fixture {
    /// Seeds the server and the caches with these objects and waits for the caches.
    async fn new(foos: Vec<Foo>, deployments: Vec<Deployment>) -> Fixture {
        Fixture::build(foos, deployments, |builder| builder).await
    }

    /// As [`Fixture::new`], with the controller's options set by `configure`.
    async fn build(
        foos: Vec<Foo>,
        deployments: Vec<Deployment>,
        configure: impl FnOnce(ControllerBuilder) -> ControllerBuilder,
    ) -> Fixture {
        let fake = FakeCluster::new().with_status_subresource::<Foo>();
        for foo in &foos {
            // The seed keeps its uid, which the seeded Deployments' owner references use.
            fake.add(foo);
        }
        for deployment in &deployments {
            fake.add(deployment);
        }
        let events = FakeCluster::new();
        let recorder = Recorder::new(events.client(), CONTROLLER_AGENT_NAME);
        let factory = SharedInformerFactory::new(fake.client());
        let controller = configure(Controller::builder(
            fake.client(),
            &factory.informer::<CachedDeployment>(),
            &factory.informer::<Foo>(),
            recorder,
        ))
        .build();
        factory.start();
        factory
            .wait_for_cache_sync(Duration::from_secs(5))
            .await
            .expect("caches sync");
        Fixture {
            fake,
            events,
            controller,
        }
    }

    /// The Foo as the server stores it (with its resourceVersion).
    fn stored_foo(&self, name: &str) -> Foo {
        self.fake
            .object::<Foo>(Some(NAMESPACE), name)
            .expect("foo is stored")
    }

    /// The `(type, reason, message)` of every Event recorded, in order.
    async fn recorded_events(&self) -> Vec<(String, String, String)> {
        self.controller.recorder.flush().await;
        let events = Client::<Event>::all(self.events.client())
            .list(&ListOptions::default())
            .await
            .expect("events list");
        events
            .items
            .into_iter()
            .map(|e| {
                let field = |f: Option<String>| f.unwrap_or_default();
                (field(e.type_), field(e.reason), field(e.message))
            })
            .collect()
    }

    /// Takes every key the informers' initial adds put on the queue, once `expected` are
    /// there, so a test sees only what it enqueues itself.
    async fn drain_queue(&self, expected: usize) {
        let queue = &self.controller.workqueue;
        tokio::time::timeout(Duration::from_secs(5), async {
            while queue.len() < expected {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the initial adds arrive");
        while !queue.is_empty() {
            let key = queue.get().await.expect("a key");
            queue.done(&key);
        }
    }
}

/// A Foo like the original test's `newFoo`: `<name>-deployment` with these replicas, no status.
fn new_foo(name: &str, replicas: Option<i32>) -> Foo {
    let mut foo = Foo::new(
        name,
        FooSpec {
            deployment_name: format!("{name}-deployment"),
            replicas,
        },
    );
    foo.metadata.namespace = Some(NAMESPACE.into());
    foo.metadata.uid = Some(format!("uid-{name}"));
    foo
}

fn key(foo: &Foo) -> String {
    key_for(foo)
}

fn create_deployment(d: &Deployment) -> Action {
    Action::create("apps", "v1", "deployments", NAMESPACE)
        .object(d)
        .field_manager(FIELD_MANAGER)
}

fn update_deployment(d: &Deployment) -> Action {
    Action::update("apps", "v1", "deployments", NAMESPACE)
        .object(d)
        .field_manager(FIELD_MANAGER)
}

fn update_foo_status(foo: &Foo, available: i32) -> Action {
    let mut foo = foo.clone();
    foo.status = Some(FooStatus {
        available_replicas: available,
    });
    Action::update_status("samplecontroller.k8s.io", "v1alpha1", "foos", NAMESPACE)
        .object(&foo)
        .field_manager(FIELD_MANAGER)
}

fn synced() -> (String, String, String) {
    (
        "Normal".into(),
        SUCCESS_SYNCED.into(),
        MESSAGE_RESOURCE_SYNCED.into(),
    )
}

#[tokio::test]
async fn creates_the_deployment_and_writes_the_status() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![]).await;
    let stored = f.stored_foo("test");

    f.controller.sync_handler(&key(&foo)).await.unwrap();

    assert_eq!(
        f.fake.actions_without_informers(),
        vec![
            create_deployment(&new_deployment(&stored)),
            update_foo_status(&stored, 0),
        ]
    );
    assert_eq!(f.recorded_events().await, vec![synced()]);
}

#[tokio::test]
async fn leaves_a_deployment_in_sync_alone_and_writes_a_missing_status() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![new_deployment(&foo)]).await;
    let stored = f.stored_foo("test");

    f.controller.sync_handler(&key(&foo)).await.unwrap();

    assert_eq!(
        f.fake.actions_without_informers(),
        vec![update_foo_status(&stored, 0)]
    );
    assert_eq!(f.recorded_events().await, vec![synced()]);
}

#[tokio::test]
async fn with_a_foo_client_the_status_is_written_through_it() {
    let foo = new_foo("test", Some(1));
    // A second cluster stands for the Foos' client, serving the same Foo.
    let foos = FakeCluster::new().with_status_subresource::<Foo>();
    foos.add(&foo);
    let f = Fixture::build(vec![foo.clone()], vec![], |builder| {
        builder.foo_client(foos.client())
    })
    .await;
    let stored = f.stored_foo("test");

    f.controller.sync_handler(&key(&foo)).await.unwrap();

    assert_eq!(
        f.fake.actions_without_informers(),
        vec![create_deployment(&new_deployment(&stored))]
    );
    assert_eq!(foos.actions(), vec![update_foo_status(&stored, 0)]);
}

#[tokio::test]
async fn does_nothing_at_all_when_deployment_and_status_are_in_sync() {
    let mut foo = new_foo("test", Some(1));
    foo.status = Some(FooStatus {
        available_replicas: 1,
    });
    let mut deployment = new_deployment(&foo);
    deployment.status = Some(DeploymentStatus {
        available_replicas: Some(1),
        ..DeploymentStatus::default()
    });
    let f = Fixture::new(vec![foo.clone()], vec![deployment]).await;

    f.controller.sync_handler(&key(&foo)).await.unwrap();

    assert_eq!(f.fake.actions_without_informers(), vec![]);
    assert_eq!(f.recorded_events().await, vec![]);
}

#[tokio::test]
async fn updates_the_deployment_when_replicas_differ() {
    let mut foo = new_foo("test", Some(1));
    let deployment = new_deployment(&foo);
    foo.spec.replicas = Some(2);
    let f = Fixture::new(vec![foo.clone()], vec![deployment]).await;
    let stored = f.stored_foo("test");

    f.controller.sync_handler(&key(&foo)).await.unwrap();

    let expected = new_deployment(&stored);
    assert_eq!(expected.spec.as_ref().unwrap().replicas, Some(2));
    assert_eq!(
        f.fake.actions_without_informers(),
        vec![update_deployment(&expected), update_foo_status(&stored, 0)]
    );
    assert_eq!(f.recorded_events().await, vec![synced()]);
}

#[tokio::test]
async fn a_deployment_not_controlled_by_us_is_an_error_and_a_warning() {
    let foo = new_foo("test", Some(1));
    let mut deployment = new_deployment(&foo);
    deployment.metadata.owner_references = Some(vec![]);
    let f = Fixture::new(vec![foo.clone()], vec![deployment]).await;

    let err = f.controller.sync_handler(&key(&foo)).await.unwrap_err();

    let message = r#"Resource "test-deployment" already exists and is not managed by Foo"#;
    assert!(matches!(&err, Error::ResourceExists(m) if m == message));
    assert_eq!(err.to_string(), message);
    assert_eq!(
        f.fake.actions_without_informers(),
        vec![],
        "no status write"
    );
    assert_eq!(
        f.recorded_events().await,
        vec![("Warning".into(), ERR_RESOURCE_EXISTS.into(), message.into())]
    );
}

#[tokio::test]
async fn a_foo_without_a_deployment_name_is_dropped_without_actions() {
    let mut foo = new_foo("test", Some(1));
    foo.spec.deployment_name = String::new();
    let f = Fixture::new(vec![foo.clone()], vec![]).await;

    f.controller.sync_handler(&key(&foo)).await.unwrap();

    assert_eq!(f.fake.actions_without_informers(), vec![]);
    assert_eq!(f.recorded_events().await, vec![]);
}

#[tokio::test]
async fn a_deployment_the_cache_has_not_seen_yet_is_read_not_an_error() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![]).await;
    let stored = f.stored_foo("test");
    // The server has the Deployment (our previous sync created it); the cache does not yet.
    let mut live = new_deployment(&foo);
    live.metadata.resource_version = Some("42".into());
    f.fake.prepend_reactor("create", "deployments", |_| {
        Reaction::error(
            kube::core::Status::failure(
                "deployments.apps \"test-deployment\" already exists",
                "AlreadyExists",
            )
            .with_code(409),
        )
    });
    let answer = live.clone();
    f.fake
        .prepend_reactor("get", "deployments", move |_| Reaction::handled(&answer));

    f.controller.sync_handler(&key(&foo)).await.unwrap();

    assert_eq!(
        f.fake.actions_without_informers(),
        vec![
            create_deployment(&new_deployment(&foo)),
            Action::get("apps", "v1", "deployments", NAMESPACE, "test-deployment"),
            update_foo_status(&stored, 0),
        ]
    );
}

#[tokio::test]
async fn a_deleted_foo_is_dropped_without_actions() {
    let f = Fixture::new(vec![], vec![]).await;

    f.controller.sync_handler("default/gone").await.unwrap();
    f.controller.sync_handler("not/a/key").await.unwrap();

    assert_eq!(f.fake.actions_without_informers(), vec![]);
}

#[tokio::test]
async fn a_conflict_on_the_status_write_is_returned_for_a_retry() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![new_deployment(&foo)]).await;
    let stored = f.stored_foo("test");
    f.fake.prepend_reactor("update", "foos", |action| {
        if action.subresource.as_deref() == Some("status") {
            Reaction::conflict("foos", "test")
        } else {
            Reaction::Pass
        }
    });

    let err = f.controller.sync_handler(&key(&foo)).await.unwrap_err();

    assert!(
        matches!(&err, Error::UpdateFooStatus { source, .. } if source.is_conflict()),
        "{err:?}"
    );
    assert_eq!(
        f.fake.actions_without_informers(),
        vec![update_foo_status(&stored, 0)]
    );
    assert_eq!(f.recorded_events().await, vec![], "no Synced event");
}

#[tokio::test]
async fn a_failed_sync_is_requeued_with_backoff_and_a_success_forgets_it() {
    let bad = new_foo("bad", Some(1));
    let mut foreign = new_deployment(&bad);
    foreign.metadata.owner_references = Some(vec![]);
    let good = new_foo("good", Some(1));
    let f = Fixture::new(vec![bad.clone(), good.clone()], vec![foreign]).await;
    f.drain_queue(2).await;
    let queue = &f.controller.workqueue;

    queue.add(key(&bad));
    assert!(f.controller.process_next_work_item().await);
    assert_eq!(queue.num_requeues(&key(&bad)), 1);

    queue.add(key(&good));
    assert!(f.controller.process_next_work_item().await);
    assert_eq!(queue.num_requeues(&key(&good)), 0);
    assert!(
        f.fake
            .object::<Deployment>(Some(NAMESPACE), "good-deployment")
            .is_some()
    );
}

#[tokio::test]
async fn each_sync_is_counted_and_timed_by_result_and_the_queue_is_measured() {
    let bad = new_foo("bad", Some(1));
    let mut foreign = new_deployment(&bad);
    foreign.metadata.owner_references = Some(vec![]);
    let good = new_foo("good", Some(1));
    let mut registry = Registry::default();
    let metrics = ControllerMetrics::register(&mut registry);
    let f = Fixture::build(vec![bad.clone(), good.clone()], vec![foreign], |builder| {
        builder.metrics(&metrics)
    })
    .await;
    f.drain_queue(2).await;
    let queue = &f.controller.workqueue;

    queue.add(key(&good));
    assert!(f.controller.process_next_work_item().await);
    let text = encode(&registry);
    for line in [
        r#"sample_controller_reconcile_total{result="success"} 1"#,
        r#"sample_controller_reconcile_total{result="error"} 0"#,
        r#"sample_controller_reconcile_duration_seconds_count{result="success"} 1"#,
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }

    queue.add(key(&bad));
    assert!(f.controller.process_next_work_item().await);
    let text = encode(&registry);
    for line in [
        r#"sample_controller_reconcile_total{result="error"} 1"#,
        r#"sample_controller_reconcile_duration_seconds_count{result="error"} 1"#,
        r#"workqueue_retries_total{name="Foos"} 1"#,
        r#"workqueue_work_duration_seconds_count{name="Foos"} 4"#,
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
}

#[tokio::test]
async fn a_deployment_controlled_by_a_known_foo_enqueues_that_foo() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![]).await;
    f.drain_queue(1).await;
    let stored = f.stored_foo("test");

    f.controller.handle_object(&cached(new_deployment(&stored)));

    assert_eq!(f.controller.workqueue.len(), 1);
    assert_eq!(f.controller.workqueue.get().await, Some(key(&foo)));
}

#[tokio::test]
async fn deployments_of_no_foo_another_kind_or_an_unknown_foo_are_ignored() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![]).await;
    f.drain_queue(1).await;

    let mut orphan = new_deployment(&foo);
    orphan.metadata.owner_references = None;
    f.controller.handle_object(&cached(orphan));

    let mut other_kind = new_deployment(&foo);
    other_kind.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: "test".into(),
        uid: "uid-test".into(),
        controller: Some(true),
        ..OwnerReference::default()
    }]);
    f.controller.handle_object(&cached(other_kind));

    f.controller
        .handle_object(&cached(new_deployment(&new_foo("unknown", Some(1)))));

    assert!(f.controller.workqueue.is_empty());
}

#[tokio::test]
async fn a_tombstone_is_unwrapped_and_its_foo_enqueued() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![]).await;
    f.drain_queue(1).await;
    let deployment = new_deployment(&foo);

    f.controller
        .handle_deleted_object(&DeletedObject::Tombstone(DeletedFinalStateUnknown {
            key: "default/test-deployment".into(),
            last_known: Arc::new(cached(deployment)),
        }));

    assert_eq!(f.controller.workqueue.get().await, Some(key(&foo)));
}

#[tokio::test]
async fn an_update_with_the_same_resource_version_is_ignored() {
    let foo = new_foo("test", Some(1));
    let f = Fixture::new(vec![foo.clone()], vec![]).await;
    f.drain_queue(1).await;
    let mut old = cached(new_deployment(&foo));
    old.metadata.resource_version = Some("7".into());

    f.controller.handle_update(&old, &old.clone());
    assert!(f.controller.workqueue.is_empty(), "a resync");

    let mut new = old.clone();
    new.metadata.resource_version = Some("8".into());
    f.controller.handle_update(&old, &new);
    assert_eq!(f.controller.workqueue.len(), 1);
}

#[tokio::test]
async fn run_syncs_foos_and_returns_once_shut_down() {
    let foo = new_foo("test", Some(3));
    let f = Fixture::new(vec![foo.clone()], vec![]).await;
    let fake = f.fake.clone();
    let shutdown = async move {
        while fake
            .object::<Foo>(Some(NAMESPACE), "test")
            .and_then(|foo| foo.status)
            .is_none()
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };

    tokio::time::timeout(Duration::from_secs(10), f.controller.run(2, shutdown))
        .await
        .expect("run returns after shutdown")
        .unwrap();

    let deployment = f
        .fake
        .object::<Deployment>(Some(NAMESPACE), "test-deployment")
        .expect("the deployment was created");
    assert_eq!(deployment.spec.unwrap().replicas, Some(3));
    assert!(f.controller.workqueue.is_shutting_down());
}
