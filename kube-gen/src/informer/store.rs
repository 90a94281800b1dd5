//! The informer's cache: one [`Writer`] and any number of cheap [`Store`] readers, both over `Arc<K>`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use kube::Resource;

use super::Error;

/// The name of the index every store has: objects by namespace (cluster-scoped objects are
/// in no namespace and so in no entry of it).
pub const NAMESPACE_INDEX: &str = "namespace";

/// An index function: the values under which an object is filed in one index.
///
/// client-go's `IndexFunc`. An object may have any number of values, including none.
pub type IndexFn<K> = Arc<dyn Fn(&K) -> Vec<String> + Send + Sync>;

/// The cache key of an object: `namespace/name`, or `name` for a cluster-scoped object.
///
/// client-go's `MetaNamespaceKeyFunc`.
pub fn key_for<K: Resource>(obj: &K) -> String {
    let meta = obj.meta();
    object_key(
        meta.namespace.as_deref(),
        meta.name.as_deref().unwrap_or_default(),
    )
}

/// The cache key for a name in an optional namespace (`namespace/name` or `name`).
pub fn object_key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_owned(),
    }
}

/// Splits a cache key back into its namespace (`None` for a cluster-scoped key) and name.
///
/// client-go's `SplitMetaNamespaceKey`.
///
/// # Errors
///
/// [`Error::InvalidKey`] when the key is empty, has an empty name or more than one `/`.
pub fn split_key(key: &str) -> Result<(Option<&str>, &str), Error> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, None) if !name.is_empty() => Ok((None, name)),
        (Some(ns), Some(name), None) if !name.is_empty() => {
            Ok(((!ns.is_empty()).then_some(ns), name))
        }
        _ => Err(Error::InvalidKey(key.to_owned())),
    }
}

/// Files namespaced objects under their namespace.
fn namespace_index<K: Resource>(obj: &K) -> Vec<String> {
    obj.meta()
        .namespace
        .iter()
        .filter(|ns| !ns.is_empty())
        .cloned()
        .collect()
}

/// A cache key, allocated once per object and shared by the item map and every index.
type Key = Arc<str>;

/// foldhash: listers hash a key on every `get`; see the work queue's `Hasher`.
type Hasher = foldhash::fast::RandomState;

/// index value -> keys.
type Index = HashMap<String, BTreeSet<Key>>;

struct Inner<K> {
    items: HashMap<Key, Arc<K>, Hasher>,
    indexers: HashMap<String, IndexFn<K>>,
    /// index name -> index value -> keys.
    indices: HashMap<String, Index>,
}

impl<K> Inner<K> {
    /// Index `name`'s values and keys (`None` while it is empty), or
    /// [`Error::UnknownIndex`] if no index of that name was added.
    fn lookup(&self, name: &str) -> Result<Option<&Index>, Error> {
        if !self.indexers.contains_key(name) {
            return Err(Error::UnknownIndex(name.to_owned()));
        }
        Ok(self.indices.get(name))
    }
}

impl<K> Inner<K> {
    fn index(&mut self, key: &Key, obj: &K) {
        for (name, index_fn) in &self.indexers {
            let index = self.indices.entry(name.clone()).or_default();
            for value in index_fn(obj) {
                index.entry(value).or_default().insert(Arc::clone(key));
            }
        }
    }

    fn unindex(&mut self, key: &str, obj: &K) {
        for (name, index_fn) in &self.indexers {
            let Some(index) = self.indices.get_mut(name) else {
                continue;
            };
            for value in index_fn(obj) {
                if let Some(keys) = index.get_mut(&value) {
                    keys.remove(key);
                    if keys.is_empty() {
                        index.remove(&value);
                    }
                }
            }
        }
    }
}

/// The single writer of an informer's cache; the informer owns it.
///
/// Objects are stored once, as `Arc<K>`: indices hold keys, and readers get clones of the
/// `Arc`, never of the object.
pub struct Writer<K> {
    inner: Arc<RwLock<Inner<K>>>,
}

/// A read handle on an informer's cache; cheap to clone, and always current.
///
/// client-go's `Indexer` (read side).
pub struct Store<K> {
    inner: Arc<RwLock<Inner<K>>>,
}

impl<K> Clone for Store<K> {
    fn clone(&self) -> Self {
        Store {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K> fmt::Debug for Writer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("len", &read(&self.inner).items.len())
            .finish()
    }
}

impl<K> fmt::Debug for Store<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("len", &self.len()).finish()
    }
}

fn read<K>(lock: &RwLock<Inner<K>>) -> RwLockReadGuard<'_, Inner<K>> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<K>(lock: &RwLock<Inner<K>>) -> RwLockWriteGuard<'_, Inner<K>> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl<K: Resource + 'static> Default for Writer<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Resource + 'static> Writer<K> {
    /// An empty cache with the built-in [`NAMESPACE_INDEX`].
    pub fn new() -> Self {
        let mut indexers: HashMap<String, IndexFn<K>> = HashMap::new();
        indexers.insert(NAMESPACE_INDEX.to_owned(), Arc::new(namespace_index::<K>));
        Writer {
            inner: Arc::new(RwLock::new(Inner {
                items: HashMap::default(),
                indexers,
                indices: HashMap::new(),
            })),
        }
    }
}

impl<K: Resource> Writer<K> {
    /// A reader of this cache.
    pub fn as_reader(&self) -> Store<K> {
        Store {
            inner: Arc::clone(&self.inner),
        }
    }

    /// Stores `obj` under its [`key_for`], returning the object it replaced.
    pub fn insert(&mut self, obj: Arc<K>) -> Option<Arc<K>> {
        let key = key_for(obj.as_ref());
        let mut inner = write(&self.inner);
        // An update keeps the key already stored, so the indices keep sharing it.
        let (key, old) = match inner.items.get_key_value(key.as_str()) {
            Some((stored, _)) => {
                let stored = Arc::clone(stored);
                let old = inner.items.insert(Arc::clone(&stored), Arc::clone(&obj));
                (stored, old)
            }
            None => {
                let key: Key = Arc::from(key);
                inner.items.insert(Arc::clone(&key), Arc::clone(&obj));
                (key, None)
            }
        };
        if let Some(old) = &old {
            inner.unindex(&key, old);
        }
        inner.index(&key, &obj);
        old
    }

    /// Removes the object under `key`, returning it.
    pub fn remove(&mut self, key: &str) -> Option<Arc<K>> {
        let mut inner = write(&self.inner);
        let old = inner.items.remove(key)?;
        inner.unindex(key, &old);
        Some(old)
    }

    /// Adds an index, filing the objects already stored under it.
    ///
    /// # Errors
    ///
    /// [`Error::IndexExists`] if an index of that name exists.
    pub fn add_indexer(&mut self, name: &str, index_fn: IndexFn<K>) -> Result<(), Error> {
        let mut inner = write(&self.inner);
        if inner.indexers.contains_key(name) {
            return Err(Error::IndexExists(name.to_owned()));
        }
        let mut index = Index::new();
        for (key, obj) in &inner.items {
            for value in index_fn(obj) {
                index.entry(value).or_default().insert(Arc::clone(key));
            }
        }
        inner.indices.insert(name.to_owned(), index);
        inner.indexers.insert(name.to_owned(), index_fn);
        Ok(())
    }
}

impl<K> Store<K> {
    /// The object stored under `key` (`namespace/name` or `name`).
    pub fn get(&self, key: &str) -> Option<Arc<K>> {
        read(&self.inner).items.get(key).cloned()
    }

    /// Every stored object, in no particular order.
    pub fn list(&self) -> Vec<Arc<K>> {
        read(&self.inner).items.values().cloned().collect()
    }

    /// Every stored key, in no particular order.
    pub fn list_keys(&self) -> Vec<String> {
        read(&self.inner)
            .items
            .keys()
            .map(|key| key.to_string())
            .collect()
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        read(&self.inner).items.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The objects filed under `value` in index `index`, ordered by key.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownIndex`] if no index of that name was added.
    pub fn by_index(&self, index: &str, value: &str) -> Result<Vec<Arc<K>>, Error> {
        let inner = read(&self.inner);
        let keys = inner.lookup(index)?.and_then(|values| values.get(value));
        Ok(keys
            .into_iter()
            .flatten()
            .filter_map(|key| inner.items.get(&**key).cloned())
            .collect())
    }

    /// The keys filed under `value` in index `index`, sorted.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownIndex`] if no index of that name was added.
    pub fn index_keys(&self, index: &str, value: &str) -> Result<Vec<String>, Error> {
        let inner = read(&self.inner);
        let keys = inner.lookup(index)?.and_then(|values| values.get(value));
        Ok(keys
            .into_iter()
            .flatten()
            .map(|key| key.to_string())
            .collect())
    }

    /// The values index `index` currently has objects under.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownIndex`] if no index of that name was added.
    pub fn index_values(&self, index: &str) -> Result<Vec<String>, Error> {
        let inner = read(&self.inner);
        Ok(inner
            .lookup(index)?
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ConfigMap, Node};
    use kube::api::ObjectMeta;

    fn cm(ns: &str, name: &str, app: &str) -> Arc<ConfigMap> {
        Arc::new(ConfigMap {
            metadata: ObjectMeta {
                namespace: Some(ns.into()),
                name: Some(name.into()),
                labels: Some([("app".to_owned(), app.to_owned())].into()),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    #[test]
    fn keys_are_namespace_slash_name_or_just_name() {
        assert_eq!(key_for(cm("ns", "a", "x").as_ref()), "ns/a");
        let node = Node {
            metadata: ObjectMeta {
                name: Some("n1".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(key_for(&node), "n1");
        assert_eq!(split_key("ns/a").unwrap(), (Some("ns"), "a"));
        assert_eq!(split_key("n1").unwrap(), (None, "n1"));
        assert_eq!(split_key("/n1").unwrap(), (None, "n1"));
        for bad in ["", "a/b/c", "ns/"] {
            assert!(matches!(split_key(bad), Err(Error::InvalidKey(_))), "{bad}");
        }
    }

    #[test]
    fn readers_see_writes_and_share_the_stored_arc() {
        let mut writer = Writer::new();
        let store = writer.as_reader();
        let obj = cm("ns", "a", "x");
        assert!(writer.insert(Arc::clone(&obj)).is_none());
        let got = store.get("ns/a").unwrap();
        assert!(Arc::ptr_eq(&got, &obj), "no copy of the object");
        assert_eq!(store.clone().len(), 1);
        assert!(writer.remove("ns/a").is_some());
        assert!(store.is_empty());
    }

    #[test]
    fn the_namespace_index_follows_updates_and_deletes() {
        let mut writer = Writer::new();
        let store = writer.as_reader();
        writer.insert(cm("a", "one", "x"));
        writer.insert(cm("a", "two", "x"));
        writer.insert(cm("b", "one", "x"));
        assert_eq!(
            store.index_keys(NAMESPACE_INDEX, "a").unwrap(),
            ["a/one", "a/two"]
        );
        writer.remove("a/one");
        assert_eq!(store.by_index(NAMESPACE_INDEX, "a").unwrap().len(), 1);
        writer.remove("a/two");
        assert_eq!(store.index_values(NAMESPACE_INDEX).unwrap(), ["b"]);
    }

    #[test]
    fn a_custom_index_added_late_files_existing_objects_and_tracks_changes() {
        let mut writer = Writer::new();
        let store = writer.as_reader();
        writer.insert(cm("ns", "a", "web"));
        let by_app: IndexFn<ConfigMap> = Arc::new(|cm: &ConfigMap| {
            cm.metadata
                .labels
                .iter()
                .flatten()
                .filter(|(k, _)| *k == "app")
                .map(|(_, v)| v.clone())
                .collect()
        });
        writer.add_indexer("app", Arc::clone(&by_app)).unwrap();
        assert!(matches!(
            writer.add_indexer("app", by_app),
            Err(Error::IndexExists(_))
        ));
        assert_eq!(store.index_keys("app", "web").unwrap(), ["ns/a"]);
        writer.insert(cm("ns", "a", "db"));
        assert!(store.by_index("app", "web").unwrap().is_empty());
        assert_eq!(store.index_keys("app", "db").unwrap(), ["ns/a"]);
        assert!(matches!(
            store.by_index("nope", "x"),
            Err(Error::UnknownIndex(_))
        ));
    }
}
