//! [`SharedInformerFactory`]: one informer per resource type and option set, shared by everyone who asks.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt::{self, Debug};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use kube::core::ClusterResourceScope;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

use super::{Error, Informer, InformerBuilder, ReflectorStats};

/// What makes two informers of one type different: where and what they list and watch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct InformerOptions {
    namespace: Option<String>,
    label_selector: Option<String>,
    field_selector: Option<String>,
}

impl InformerOptions {
    /// All namespaces, every object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this namespace (ignored for cluster-scoped resources).
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_owned());
        self
    }

    /// Only objects matching this label selector.
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_owned());
        self
    }

    /// Only objects matching this field selector.
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_owned());
        self
    }
}

/// The type-erased face of an `Informer<K>` the factory keeps.
trait AnyInformer: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn start(&self);
    fn wait_for_cache_sync(&self, timeout: Duration) -> BoxFuture<'static, Result<(), Error>>;
    fn shutdown(&self) -> BoxFuture<'static, ()>;
    fn stats(&self) -> ReflectorStats;
}

impl<K> AnyInformer for Informer<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn start(&self) {
        Informer::start(self);
    }

    fn wait_for_cache_sync(&self, timeout: Duration) -> BoxFuture<'static, Result<(), Error>> {
        let informer = self.clone();
        async move { informer.wait_for_cache_sync(timeout).await }.boxed()
    }

    fn shutdown(&self) -> BoxFuture<'static, ()> {
        let informer = self.clone();
        async move { informer.shutdown().await }.boxed()
    }

    fn stats(&self) -> ReflectorStats {
        Informer::stats(self)
    }
}

type Key = (TypeId, InformerOptions);

#[derive(Default)]
struct Registry {
    /// In the order they were asked for.
    informers: Vec<(Key, Arc<dyn AnyInformer>)>,
    index: HashMap<Key, usize>,
    shut_down: bool,
}

/// Hands out one [`Informer`] per resource type and [`InformerOptions`], so every part of a
/// program that asks for, say, Deployments shares one list+watch and one cache; client-go's
/// `SharedInformerFactory`.
///
/// Ask for informers first ([`informer`](Self::informer)), then [`start`](Self::start) them;
/// informers asked for after `start` are started by the next call to `start`. Cheap to clone.
///
/// ```no_run
/// use std::time::Duration;
/// use k8s_openapi::api::apps::v1::Deployment;
/// use kube_gen::informer::{EventHandlerFns, SharedInformerFactory};
///
/// # async fn doc(client: kube::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let factory = SharedInformerFactory::builder(client).namespace("default").build();
/// let deployments = factory.informer::<Deployment>();
/// deployments.add_event_handler(EventHandlerFns::new().on_add(|d: std::sync::Arc<Deployment>| {
///     println!("{:?}", d.metadata.name);
/// }));
/// factory.start();
/// factory.wait_for_cache_sync(Duration::from_secs(30)).await?;
/// let lister = factory.informer::<Deployment>().lister(); // the same cache
/// # let _ = lister;
/// factory.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SharedInformerFactory {
    client: Client,
    defaults: InformerOptions,
    resync_period: Option<Duration>,
    page_size: Option<u32>,
    watch_bounds: WatchBounds,
    registry: Arc<Mutex<Registry>>,
}

/// The watch bounds a factory gives its informers; `None` keeps the informer's default.
#[derive(Debug, Clone, Copy, Default)]
struct WatchBounds {
    min_timeout: Option<Duration>,
    idle: Option<Duration>,
}

impl Debug for SharedInformerFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("SharedInformerFactory")
            .field("defaults", &self.defaults)
            .field("resync_period", &self.resync_period)
            .field("informers", &registry.informers.len())
            .finish_non_exhaustive()
    }
}

/// Builds a [`SharedInformerFactory`]; from [`SharedInformerFactory::builder`].
pub struct SharedInformerFactoryBuilder {
    client: Client,
    defaults: InformerOptions,
    resync_period: Option<Duration>,
    page_size: Option<u32>,
    watch_bounds: WatchBounds,
}

impl Debug for SharedInformerFactoryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedInformerFactoryBuilder")
            .field("defaults", &self.defaults)
            .field("resync_period", &self.resync_period)
            .field("page_size", &self.page_size)
            .field("watch_bounds", &self.watch_bounds)
            .finish_non_exhaustive()
    }
}

impl SharedInformerFactoryBuilder {
    /// Informers from [`informer`](SharedInformerFactory::informer) watch only this namespace.
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.defaults = self.defaults.namespace(namespace);
        self
    }

    /// Informers from [`informer`](SharedInformerFactory::informer) use this label selector.
    pub fn labels(mut self, selector: &str) -> Self {
        self.defaults = self.defaults.labels(selector);
        self
    }

    /// Informers from [`informer`](SharedInformerFactory::informer) use this field selector.
    pub fn fields(mut self, selector: &str) -> Self {
        self.defaults = self.defaults.fields(selector);
        self
    }

    /// Every informer resyncs this often; see [`InformerBuilder::resync_period`].
    pub fn resync_period(mut self, period: Option<Duration>) -> Self {
        self.resync_period = period;
        self
    }

    /// Every informer lists in pages of this size; see [`InformerBuilder::page_size`].
    pub fn page_size(mut self, page_size: Option<u32>) -> Self {
        self.page_size = page_size;
        self
    }

    /// Every informer's watches last between `min` and twice `min`; see
    /// [`InformerBuilder::min_watch_timeout`].
    pub fn min_watch_timeout(mut self, min: Duration) -> Self {
        self.watch_bounds.min_timeout = Some(min);
        self
    }

    /// Every informer drops a watch silent for `idle`; see
    /// [`InformerBuilder::watch_idle_timeout`].
    pub fn watch_idle_timeout(mut self, idle: Duration) -> Self {
        self.watch_bounds.idle = Some(idle);
        self
    }

    /// The factory.
    pub fn build(self) -> SharedInformerFactory {
        SharedInformerFactory {
            client: self.client,
            defaults: self.defaults,
            resync_period: self.resync_period,
            page_size: self.page_size,
            watch_bounds: self.watch_bounds,
            registry: Arc::default(),
        }
    }
}

impl SharedInformerFactory {
    /// A factory for every namespace, without resync.
    pub fn new(client: Client) -> Self {
        Self::builder(client).build()
    }

    /// A factory with options for every informer it makes.
    pub fn builder(client: Client) -> SharedInformerFactoryBuilder {
        SharedInformerFactoryBuilder {
            client,
            defaults: InformerOptions::default(),
            resync_period: None,
            page_size: Some(500),
            watch_bounds: WatchBounds::default(),
        }
    }

    /// The shared informer for `K` with the factory's options, made on first call.
    ///
    /// Works for built-in types and custom resources alike: anything kube's
    /// [`Resource`] describes without runtime type information.
    pub fn informer<K>(&self) -> Informer<K>
    where
        K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
        K::DynamicType: Default,
        K::Scope: 'static,
    {
        self.informer_for(self.defaults.clone())
    }

    /// The shared informer for `K` with other options than the factory's.
    pub fn informer_for<K>(&self, mut options: InformerOptions) -> Informer<K>
    where
        K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
        K::DynamicType: Default,
        K::Scope: 'static,
    {
        if TypeId::of::<K::Scope>() == TypeId::of::<ClusterResourceScope>() {
            options.namespace = None;
        }
        let key = (TypeId::of::<K>(), options);
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&i) = registry.index.get(&key) {
            let existing = registry.informers[i]
                .1
                .as_any()
                .downcast_ref::<Informer<K>>();
            return existing.expect("keyed by TypeId of K").clone();
        }
        let url = K::url_path(&K::DynamicType::default(), key.1.namespace.as_deref());
        let mut builder = InformerBuilder::<K>::from_url(self.client.clone(), url)
            .page_size(self.page_size)
            .resync_period(self.resync_period);
        if let Some(min) = self.watch_bounds.min_timeout {
            builder = builder.min_watch_timeout(min);
        }
        if let Some(idle) = self.watch_bounds.idle {
            builder = builder.watch_idle_timeout(idle);
        }
        if let Some(labels) = &key.1.label_selector {
            builder = builder.labels(labels);
        }
        if let Some(fields) = &key.1.field_selector {
            builder = builder.fields(fields);
        }
        let informer = builder.build();
        let position = registry.informers.len();
        registry
            .informers
            .push((key.clone(), Arc::new(informer.clone())));
        registry.index.insert(key, position);
        informer
    }

    /// Starts every informer asked for so far that is not running yet.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub fn start(&self) {
        let registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        if registry.shut_down {
            return;
        }
        for (_, informer) in &registry.informers {
            informer.start();
        }
    }

    /// Waits until every informer asked for has synced, for at most `timeout` in all.
    ///
    /// # Errors
    ///
    /// [`Error::CacheSyncTimeout`] naming the informers that had not synced, or
    /// [`Error::ShutDown`].
    pub async fn wait_for_cache_sync(&self, timeout: Duration) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let informers = self.snapshot();
        let mut unsynced = Vec::new();
        for informer in informers {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match informer.wait_for_cache_sync(left).await {
                Ok(()) => {}
                Err(Error::CacheSyncTimeout(names)) => unsynced.extend(names),
                Err(other) => return Err(other),
            }
        }
        if unsynced.is_empty() {
            Ok(())
        } else {
            Err(Error::CacheSyncTimeout(unsynced))
        }
    }

    /// Stops every informer and waits for them and their handlers; later `start`s do nothing.
    pub async fn shutdown(&self) {
        let informers = {
            let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
            registry.shut_down = true;
            registry
                .informers
                .iter()
                .map(|(_, i)| Arc::clone(i))
                .collect::<Vec<_>>()
        };
        for informer in informers {
            informer.shutdown().await;
        }
    }

    /// How many watch requests all of this factory's informers have started: one per
    /// informer, plus one per resume. Two consumers of one type share one.
    pub fn watches_started(&self) -> u64 {
        self.snapshot().iter().map(|i| i.stats().watches).sum()
    }

    /// How many informers the factory has made.
    pub fn len(&self) -> usize {
        self.registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .informers
            .len()
    }

    /// Whether the factory has made no informer yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn snapshot(&self) -> Vec<Arc<dyn AnyInformer>> {
        let registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        registry
            .informers
            .iter()
            .map(|(_, i)| Arc::clone(i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
    use kube::CustomResource;
    use serde::{Deserialize, Serialize};

    #[derive(CustomResource, Clone, Debug, Serialize, Deserialize)]
    #[kube(
        group = "example.com",
        version = "v1",
        kind = "Foo",
        namespaced,
        schema = "disabled"
    )]
    struct FooSpec {
        size: u32,
    }

    fn factory() -> SharedInformerFactory {
        let config = kube::Config::new("http://127.0.0.1:9".parse().expect("a URL"));
        let client = Client::try_from(config).expect("a client that never connects");
        SharedInformerFactory::builder(client)
            .namespace("apps")
            .build()
    }

    #[tokio::test]
    async fn asking_twice_for_one_type_gives_one_shared_informer() {
        let factory = factory();
        let first = factory.informer::<ConfigMap>();
        first
            .add_indexer("by-app", |_: &ConfigMap| Vec::new())
            .unwrap();
        let second = factory.informer::<ConfigMap>();
        assert!(matches!(
            second.add_indexer("by-app", |_| Vec::new()),
            Err(Error::IndexExists(_))
        ));
        assert_eq!(factory.len(), 1);
        assert_eq!(second.name(), "/api/v1/namespaces/apps/configmaps");
    }

    #[tokio::test]
    async fn other_options_give_another_informer() {
        let factory = factory();
        factory.informer::<ConfigMap>();
        let web = factory.informer_for::<ConfigMap>(InformerOptions::new().labels("app=web"));
        assert_eq!(web.name(), "/api/v1/configmaps");
        assert_eq!(factory.len(), 2);
    }

    #[tokio::test]
    async fn built_in_types_and_custom_resources_share_the_factory() {
        let factory = factory();
        assert_eq!(
            factory.informer::<Deployment>().name(),
            "/apis/apps/v1/namespaces/apps/deployments"
        );
        assert_eq!(
            factory.informer::<Foo>().name(),
            "/apis/example.com/v1/namespaces/apps/foos"
        );
        assert_eq!(
            factory.informer::<Namespace>().name(),
            "/api/v1/namespaces",
            "cluster-scoped: no namespace"
        );
        assert_eq!(factory.len(), 3);
        assert_eq!(factory.watches_started(), 0, "nothing runs before start");
        factory.shutdown().await;
        factory.start();
        assert_eq!(
            factory.watches_started(),
            0,
            "start after shutdown does nothing"
        );
    }

    #[tokio::test]
    async fn the_factorys_watch_bounds_reach_its_informers() {
        // An API that lists nothing and never answers a watch: each watch request is
        // recorded, then waits until the informer's idle bound gives up on it.
        let (watches, mut watched) = tokio::sync::mpsc::unbounded_channel::<String>();
        let api = tower::service_fn(move |request: http::Request<kube::client::Body>| {
            let watches = watches.clone();
            async move {
                let query = request.uri().query().unwrap_or_default().to_owned();
                if query.contains("watch=true") {
                    let _ = watches.send(query);
                    std::future::pending::<()>().await;
                }
                let list = br#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]}"#;
                Ok::<_, std::convert::Infallible>(http::Response::new(kube::client::Body::from(
                    list.to_vec(),
                )))
            }
        });
        let factory = SharedInformerFactory::builder(Client::new(api, "default"))
            .min_watch_timeout(Duration::from_secs(2))
            .watch_idle_timeout(Duration::from_millis(50))
            .build();
        factory.informer::<ConfigMap>();
        factory.start();
        let wait = Duration::from_secs(10);
        for _ in 0..2 {
            let query = tokio::time::timeout(wait, watched.recv())
                .await
                .expect("a watch again within the idle bound and a backoff")
                .expect("the API lives as long as the factory");
            let seconds: u64 = query
                .split('&')
                .find_map(|param| param.strip_prefix("timeoutSeconds="))
                .and_then(|value| value.parse().ok())
                .expect("timeoutSeconds on every watch");
            assert!((2..4).contains(&seconds), "{query}");
        }
        factory.shutdown().await;
    }
}
