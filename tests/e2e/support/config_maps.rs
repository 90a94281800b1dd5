//! Helpers shared by the informer end-to-end tests: a recording handler and
//! the "lister equals a fresh LIST" check.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, ListParams};
use kube_gen::informer::EventHandlerFns;
use kube_gen::lister::{LabelSelector, Lister};
use kube_gen_tests::eventually;

/// A handler that logs `add NAME`, `update NAME` (real changes), `delete NAME` and `tombstone NAME`.
pub fn recorder() -> (EventHandlerFns<ConfigMap>, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (add, update, delete) = (log.clone(), log.clone(), log.clone());
    let handler = EventHandlerFns::new()
        .on_add(move |cm: Arc<ConfigMap>| {
            add.lock().unwrap().push(format!("add {}", cm.name_any()))
        })
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

/// Name and resourceVersion of every object: what a lister and a LIST must agree on.
fn versions<'a>(objects: impl IntoIterator<Item = &'a ConfigMap>) -> BTreeMap<String, String> {
    objects
        .into_iter()
        .map(|o| (o.name_any(), o.resource_version().unwrap_or_default()))
        .collect()
}

/// Waits up to `limit` until the lister holds exactly what a fresh LIST
/// with `selector` returns.
pub async fn lister_matches_list(
    lister: &Lister<ConfigMap>,
    api: &Api<ConfigMap>,
    selector: &str,
    limit: Duration,
) {
    eventually("the lister to equal a fresh LIST", limit, || async {
        let fresh = versions(
            &api.list(&ListParams::default().labels(selector))
                .await?
                .items,
        );
        let parsed: LabelSelector = selector.parse()?;
        let cached = lister.list(&parsed);
        Ok((versions(cached.iter().map(|o| o.as_ref())) == fresh).then_some(()))
    })
    .await;
}
