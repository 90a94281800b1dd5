//! client-go's listers: typed, read-only views of an informer's cache by name, namespace, label selector or index.
//!
//! A [`Lister`] reads an informer's [`Store`]; it never talks to the API server, so it is
//! cheap to call from every reconcile. It hands out `Arc<K>`: the cached object itself, not a
//! copy. Treat it as read-only (clone the object to change it, then send the change through
//! a client); the informer replaces it when the server reports the change.
//!
//! ```no_run
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube_gen::informer::Informer;
//! use kube_gen::lister::LabelSelector;
//!
//! # async fn doc(client: kube::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let informer = Informer::builder(kube::Api::<ConfigMap>::all(client)).build();
//! informer.start();
//! informer.wait_for_cache_sync(std::time::Duration::from_secs(30)).await?;
//! let lister = informer.lister();
//! let one = lister.get("default", "settings");                 // Option<Arc<ConfigMap>>
//! let web = lister.list(&"app=web".parse::<LabelSelector>()?); // every namespace
//! let here = lister.namespace("default").list(&LabelSelector::everything());
//! # let _ = (one, web, here);
//! # Ok(())
//! # }
//! ```
//!
//! # From client-go
//!
//! | client-go | kube-gen |
//! |---|---|
//! | `listers.NewGenericLister(indexer, resource)`, generated `FooLister` | [`Lister::new`]`(store)`, [`Informer::lister`](crate::informer::Informer::lister) |
//! | `lister.List(selector)` | [`Lister::list`]`(&selector)` |
//! | `lister.Get(name)` (cluster-scoped) | [`Lister::get`]`(None, name)` |
//! | `lister.Foos(ns).Get(name)`, `.List(selector)` | [`Lister::namespace`]`(ns).get(name)`, `.list(&selector)` |
//! | `indexer.ByIndex(name, value)` | [`Lister::by_index`] |
//! | `labels.Parse`, `labels.SelectorFromSet`, `metav1.LabelSelectorAsSelector` | `str::parse::<`[`LabelSelector`]`>()`, `LabelSelector::from(BTreeMap)`, `LabelSelector::try_from(&metav1::LabelSelector)` |
//! | `labels.Everything()` | [`LabelSelector::everything`] |

mod selector;

use std::fmt;
use std::sync::Arc;

use kube::Resource;

use crate::informer::{self, NAMESPACE_INDEX, Store, object_key};

pub use selector::LabelSelector;

/// What can go wrong building a label selector.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The selector string does not parse (`labels.Parse`); the message is client-go's.
    #[error("{message}")]
    InvalidSelector {
        /// The whole selector.
        selector: String,
        /// client-go's message, such as `unable to parse requirement: found 'b', expected: ',' or ')'`.
        message: String,
    },
    /// A `matchLabels` or `matchExpressions` requirement is invalid (`labels.NewRequirement`);
    /// the message is client-go's.
    #[error("{0}")]
    InvalidRequirement(String),
    /// A `matchExpressions` operator other than `In`, `NotIn`, `Exists`, `DoesNotExist`.
    #[error("{0:?} is not a valid label selector operator")]
    UnknownOperator(String),
}

/// Reads objects of one type from an informer's cache; cheap to clone.
///
/// Made by [`Informer::lister`](crate::informer::Informer::lister) (or the derive's
/// `FooInformer::lister`, which is the same). Every read is a lookup in memory.
///
/// # Examples
///
/// On the [fake cluster](crate::fake::FakeCluster), so it runs without a cluster:
///
/// ```
/// use std::time::Duration;
/// use k8s_openapi::api::core::v1::ConfigMap;
/// use kube::api::{Api, ObjectMeta};
/// use kube_gen::fake::FakeCluster;
/// use kube_gen::informer::Informer;
/// use kube_gen::lister::LabelSelector;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config_map = |ns: &str, name: &str, app: &str| ConfigMap {
///     metadata: ObjectMeta {
///         namespace: Some(ns.into()),
///         name: Some(name.into()),
///         labels: Some([("app".to_owned(), app.to_owned())].into()),
///         ..Default::default()
///     },
///     ..Default::default()
/// };
/// let fake = FakeCluster::new().with_objects([
///     config_map("default", "web", "web"),
///     config_map("default", "db", "db"),
///     config_map("other", "web", "web"),
/// ]);
/// let informer = Informer::builder(Api::<ConfigMap>::all(fake.client())).build();
/// informer.start();
/// informer.wait_for_cache_sync(Duration::from_secs(5)).await?;
///
/// let lister = informer.lister();
/// assert!(lister.get("default", "web").is_some());
/// assert_eq!(lister.list(&"app=web".parse::<LabelSelector>()?).len(), 2);
/// assert_eq!(lister.namespace("default").list(&LabelSelector::everything()).len(), 2);
/// informer.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Lister<K> {
    store: Store<K>,
}

impl<K> Clone for Lister<K> {
    fn clone(&self) -> Self {
        Lister {
            store: self.store.clone(),
        }
    }
}

impl<K> fmt::Debug for Lister<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lister")
            .field("store", &self.store)
            .finish()
    }
}

impl<K: Resource> Lister<K> {
    /// A lister over `store`.
    pub fn new(store: Store<K>) -> Self {
        Lister { store }
    }

    /// The object `name` in `namespace`; pass `None` for a cluster-scoped object.
    pub fn get<'a>(&self, namespace: impl Into<Option<&'a str>>, name: &str) -> Option<Arc<K>> {
        self.store.get(&object_key(namespace.into(), name))
    }

    /// The objects the selector matches, in every namespace, ordered by key.
    pub fn list(&self, selector: &LabelSelector) -> Vec<Arc<K>> {
        let mut objects = self.store.list();
        objects.retain(|obj| selected(selector, obj.as_ref()));
        objects.sort_by_cached_key(|obj| informer::key_for(obj.as_ref()));
        objects
    }

    /// A lister restricted to one namespace.
    pub fn namespace(&self, namespace: &str) -> NamespaceLister<K> {
        NamespaceLister {
            store: self.store.clone(),
            namespace: namespace.to_owned(),
        }
    }

    /// The objects filed under `value` in the index `index`, ordered by key.
    ///
    /// # Errors
    ///
    /// [`informer::Error::UnknownIndex`] if the informer has no such index.
    pub fn by_index(&self, index: &str, value: &str) -> Result<Vec<Arc<K>>, informer::Error> {
        self.store.by_index(index, value)
    }

    /// The underlying store.
    pub fn store(&self) -> &Store<K> {
        &self.store
    }
}

/// Reads the objects of one namespace; from [`Lister::namespace`].
pub struct NamespaceLister<K> {
    store: Store<K>,
    namespace: String,
}

impl<K> fmt::Debug for NamespaceLister<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamespaceLister")
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl<K: Resource> NamespaceLister<K> {
    /// The object `name` in this namespace.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.store.get(&object_key(Some(&self.namespace), name))
    }

    /// The objects of this namespace the selector matches, ordered by name.
    pub fn list(&self, selector: &LabelSelector) -> Vec<Arc<K>> {
        let mut objects = self
            .store
            .by_index(NAMESPACE_INDEX, &self.namespace)
            .unwrap_or_default();
        objects.retain(|obj| selected(selector, obj.as_ref()));
        objects
    }
}

fn selected<K: Resource>(selector: &LabelSelector, obj: &K) -> bool {
    selector.is_everything()
        || selector.matches(obj.meta().labels.as_ref().unwrap_or(&Default::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::informer::Writer;
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
    use kube::ResourceExt;
    use kube::api::ObjectMeta;

    fn meta(ns: Option<&str>, name: &str, app: &str) -> ObjectMeta {
        ObjectMeta {
            namespace: ns.map(str::to_owned),
            name: Some(name.into()),
            labels: Some([("app".to_owned(), app.to_owned())].into()),
            ..Default::default()
        }
    }

    fn config_maps() -> Lister<ConfigMap> {
        let mut writer = Writer::new();
        for (ns, name, app) in [("a", "x", "web"), ("a", "y", "db"), ("b", "x", "web")] {
            writer.insert(Arc::new(ConfigMap {
                metadata: meta(Some(ns), name, app),
                ..Default::default()
            }));
        }
        Lister::new(writer.as_reader())
    }

    fn names<K: Resource>(objects: &[Arc<K>]) -> Vec<String> {
        objects
            .iter()
            .map(|o| informer::key_for(o.as_ref()))
            .collect()
    }

    #[test]
    fn get_finds_objects_by_namespace_and_name() {
        let lister = config_maps();
        assert_eq!(lister.get("a", "y").unwrap().name_any(), "y");
        assert!(lister.get("b", "y").is_none());
        assert_eq!(
            lister
                .namespace("b")
                .get("x")
                .unwrap()
                .namespace()
                .as_deref(),
            Some("b")
        );
    }

    #[test]
    fn list_filters_by_label_selector_across_namespaces() {
        let lister = config_maps();
        assert_eq!(
            names(&lister.list(&LabelSelector::everything())),
            ["a/x", "a/y", "b/x"]
        );
        assert_eq!(
            names(&lister.list(&"app=web".parse().unwrap())),
            ["a/x", "b/x"]
        );
        assert_eq!(
            names(&lister.list(&"app notin (web)".parse().unwrap())),
            ["a/y"]
        );
    }

    #[test]
    fn the_namespace_lister_sees_only_its_namespace() {
        let lister = config_maps();
        assert_eq!(
            names(&lister.namespace("a").list(&LabelSelector::everything())),
            ["a/x", "a/y"]
        );
        assert_eq!(
            names(&lister.namespace("a").list(&"app=web".parse().unwrap())),
            ["a/x"]
        );
        assert!(
            lister
                .namespace("c")
                .list(&LabelSelector::everything())
                .is_empty()
        );
        assert_eq!(lister.by_index(NAMESPACE_INDEX, "b").unwrap().len(), 1);
    }

    #[test]
    fn cluster_scoped_objects_are_listed_and_got_without_a_namespace() {
        let mut writer = Writer::new();
        writer.insert(Arc::new(Namespace {
            metadata: meta(None, "prod", "web"),
            ..Default::default()
        }));
        let lister = Lister::new(writer.as_reader());
        assert_eq!(lister.get(None, "prod").unwrap().name_any(), "prod");
        assert_eq!(lister.list(&"app=web".parse().unwrap()).len(), 1);
        assert!(
            lister
                .store()
                .index_values(NAMESPACE_INDEX)
                .unwrap()
                .is_empty()
        );
    }
}
