//! The check every informer test ends with: the cache holds exactly what a
//! fresh LIST from the server returns.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use kube::api::{Api, ListParams};
use kube::{Resource, ResourceExt};
use kube_gen::lister::{LabelSelector, Lister};
use serde::de::DeserializeOwned;

use crate::eventually;

/// Name and resourceVersion of every object: what a lister and a LIST must agree on.
fn versions<'a, K: Resource + 'a>(
    objects: impl IntoIterator<Item = &'a K>,
) -> BTreeMap<String, String> {
    objects
        .into_iter()
        .map(|o| (o.name_any(), o.resource_version().unwrap_or_default()))
        .collect()
}

/// Waits up to `limit` until `lister` holds exactly what a fresh LIST of
/// `api` with label selector `selector` (`""` for everything) returns.
pub async fn lister_matches_list<K>(
    lister: &Lister<K>,
    api: &Api<K>,
    selector: &str,
    limit: Duration,
) where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
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
