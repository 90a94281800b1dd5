//! The recording handler the informer end-to-end tests share.

use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::{Resource, ResourceExt};
use kube_gen::informer::EventHandlerFns;

/// A handler that logs `add NAME`, `update NAME` (real changes), `delete NAME` and `tombstone NAME`.
pub fn recorder() -> (EventHandlerFns<ConfigMap>, Arc<Mutex<Vec<String>>>) {
    recorder_of()
}

/// [`recorder`] for any type the informer caches: ConfigMaps' metadata, a projection.
#[allow(dead_code)] // Not every test binary that shares this file uses it.
pub fn recorder_of<K: Resource>() -> (EventHandlerFns<K>, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (add, update, delete) = (log.clone(), log.clone(), log.clone());
    let handler = EventHandlerFns::new()
        .on_add(move |cm: Arc<K>| add.lock().unwrap().push(format!("add {}", cm.name_any())))
        .on_update(move |old, new| {
            if old.resource_version() != new.resource_version() {
                update
                    .lock()
                    .unwrap()
                    .push(format!("update {}", new.name_any()));
            }
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
                .push(format!("{what} {}", gone.object().name_any()));
        });
    (handler, log)
}
