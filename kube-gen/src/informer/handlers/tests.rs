//! Unit tests of a handler's task: a panic goes to the crash handler, and the handler gets every later notification.

use std::sync::{Arc, Mutex, PoisonError};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::ObjectMeta;

use super::{EventHandlerFns, Listener, type_name};
use crate::crash::testing::{record_panics, recorded};
use crate::informer::event::{DeletedObject, Notification};

/// How a panic's site names the handler's object type: by its kind, without module paths.
const KIND: &str = "ConfigMap";

fn config_map(name: &str) -> Arc<ConfigMap> {
    Arc::new(ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("default".to_owned()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    })
}

fn add(name: &str) -> Notification<ConfigMap> {
    Notification::Add {
        obj: config_map(name),
        in_initial_list: true,
    }
}

type Seen = Arc<Mutex<Vec<String>>>;

/// A handler that writes down each call as `"add NAME"`, `"update NAME"` or `"delete NAME"`;
/// with a `panic_message`, it panics with that message on objects named `bad` instead.
fn handler(seen: &Seen, panic_message: Option<&'static str>) -> EventHandlerFns<ConfigMap> {
    let note = move |seen: &Seen, what: &str, obj: &ConfigMap| {
        let name = obj.name_any();
        if let (Some(message), "bad") = (panic_message, name.as_str()) {
            panic!("{message}: {what} {name}");
        }
        seen.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(format!("{what} {name}"));
    };
    let (on_add, on_update, on_delete) = (seen.clone(), seen.clone(), seen.clone());
    EventHandlerFns::new()
        .on_add(move |obj| note(&on_add, "add", &obj))
        .on_update(move |_, new| note(&on_update, "update", &new))
        .on_delete(move |deleted| note(&on_delete, "delete", deleted.object()))
}

fn seen(seen: &Seen) -> Vec<String> {
    seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

#[tokio::test]
async fn a_panicking_handler_is_reported_naming_the_handler_the_kind_and_the_panic() {
    record_panics();
    let notes = Seen::default();
    let (listener, _registration) = Listener::spawn(7, handler(&notes, Some("handler-test-1")));
    listener.send(add("bad"));
    listener.finish().await;

    let panics = recorded("handler-test-1");
    assert_eq!(panics.len(), 1, "{panics:?}");
    assert_eq!(
        panics[0].site(),
        format!("on_add of event handler 7 for {KIND}")
    );
    assert_eq!(panics[0].message(), "handler-test-1: add bad");
    assert!(
        panics[0]
            .location()
            .is_some_and(|l| l.contains("handlers/tests.rs")),
        "{:?}",
        panics[0].location()
    );
}

#[tokio::test]
async fn a_handler_that_panicked_gets_every_later_notification_and_syncs() {
    record_panics();
    let (panicking, calm) = (Seen::default(), Seen::default());
    let (listener, registration) = Listener::spawn(1, handler(&panicking, Some("handler-test-2")));
    let (other, other_registration) = Listener::spawn(2, handler(&calm, None));
    for l in [&listener, &other] {
        l.send(add("bad"));
        l.send(add("a"));
        l.send(Notification::Synced);
        l.send(Notification::Update {
            old: config_map("a"),
            new: config_map("a"),
        });
        l.send(Notification::Delete(DeletedObject::Object(config_map("a"))));
    }
    listener.finish().await;
    other.finish().await;

    assert_eq!(seen(&panicking), ["add a", "update a", "delete a"]);
    assert_eq!(seen(&calm), ["add bad", "add a", "update a", "delete a"]);
    assert!(
        registration.has_synced(),
        "the panicking handler never synced"
    );
    assert!(other_registration.has_synced());
    assert_eq!(recorded("handler-test-2").len(), 1);
}

#[tokio::test]
async fn panics_in_on_update_and_on_delete_name_their_method() {
    record_panics();
    let notes = Seen::default();
    let (listener, _registration) = Listener::spawn(3, handler(&notes, Some("handler-test-3")));
    listener.send(Notification::Update {
        old: config_map("bad"),
        new: config_map("bad"),
    });
    listener.send(Notification::Delete(DeletedObject::Object(config_map(
        "bad",
    ))));
    listener.finish().await;

    let sites: Vec<String> = recorded("handler-test-3")
        .iter()
        .map(|panic| panic.site().to_owned())
        .collect();
    assert_eq!(
        sites,
        [
            format!("on_update of event handler 3 for {KIND}"),
            format!("on_delete of event handler 3 for {KIND}"),
        ]
    );
}

#[test]
fn type_names_lose_their_module_paths_inside_generics_too() {
    use k8s_openapi::api::apps::v1::Deployment;
    use kube::core::PartialObjectMeta;

    assert_eq!(type_name::<ConfigMap>(), "ConfigMap");
    assert_eq!(
        type_name::<PartialObjectMeta<Deployment>>(),
        "PartialObjectMeta<Deployment>"
    );
    assert_eq!(type_name::<(u8, Vec<&str>)>(), "(u8, Vec<&str>)");
}
