//! client-go's informers: a list+watch reflector feeding an indexed cache of `Arc<K>`, with event handlers.
//!
//! An [`Informer`] keeps a local copy of one resource collection in sync with the API server
//! and tells [`EventHandler`]s about every change. Controllers read from the cache through a
//! [`Lister`](crate::lister::Lister) instead of asking the server, and enqueue keys into a
//! [`WorkQueue`](crate::workqueue::WorkQueue) from their handlers.
//! [`SharedInformerFactory`] makes sure that every part of a program asking for the same
//! resource shares one informer: one list+watch, one cache.
//!
//! # The list/watch protocol
//!
//! The reflector is written here over kube's list and watch requests (not kube-runtime's
//! `watcher`), so that each step below is exactly client-go's:
//!
//! - **List, in pages.** The first list asks for `limit` objects at a time (500 by default,
//!   [`InformerBuilder::page_size`]) and follows `continue` tokens; all pages are one snapshot.
//!   If a token expires mid-list, the list starts over in one page.
//! - **Watch from the list's resourceVersion**, with bookmarks on (kube's default
//!   `WatchParams` send `allowWatchBookmarks=true`). Every event and every bookmark moves the
//!   resume point forward.
//! - **Transport errors** (connection refused or reset, a stream that breaks, an apiserver
//!   restart) back off exponentially with jitter (800 ms doubling to 30 s,
//!   [`InformerBuilder::backoff`]) and resume the watch from the last resourceVersion, so
//!   nothing is listed again and nothing is missed. Anything the server delivers resets the
//!   backoff.
//! - **Bounded watches.** Every watch asks the server to end it after a random
//!   `timeoutSeconds` between 5 and 10 minutes (client-go's `minWatchTimeout` and jitter,
//!   [`InformerBuilder::min_watch_timeout`]), and is dropped 15 s past that if it did not end.
//!   A watch that delivers nothing, no event and no bookmark, for 2 minutes
//!   ([`InformerBuilder::watch_idle_timeout`]; the apiserver bookmarks a healthy watch about
//!   every minute) is dropped too: that is how a connection that died without a FIN or RST is
//!   noticed. A watch ending in any of these ways resumes at once from the last
//!   resourceVersion, without backoff, and is not a failure; one closed at once without an
//!   event is.
//! - **410 Gone** (the resourceVersion was compacted away, as an HTTP status or a watch
//!   `ERROR` event) relists and reconciles the cache with the new list: new objects become
//!   adds, listed objects already cached become updates, and cached objects missing from the
//!   list become deletes carrying a [`DeletedFinalStateUnknown`] tombstone, because their
//!   final state was never seen. A watch refused with 410 before it delivered anything
//!   relists after a backoff step (the same 800 ms doubling to 30 s), so a server that
//!   refuses every watch is not listed in a tight loop.
//! - **Objects that do not decode** into `K` (stored while a CRD's schema was looser, or
//!   written by a newer version of the API) are skipped one by one, in lists and in watches:
//!   the informer serves every other object, stays synced, follows the skipped object's
//!   resourceVersion, and reports it once per version (see [`Undecodable`]). One bad object
//!   never fails a list.
//! - **Protobuf for built-in kinds.** Informers of the core/v1 and apps/v1 kinds (ConfigMap,
//!   Pod, Deployment, ...; see [`ProtobufKind`]) ask for `application/vnd.kubernetes.protobuf,
//!   application/json`, as client-go's clientsets do, and decode protobuf straight into
//!   k8s-openapi's types, with decoders kube-gen generates from Kubernetes' `.proto` files.
//!   Custom resources are JSON: the API server has no protobuf for them. A response in
//!   JSON is read as JSON, and a protobuf body that does not decode switches the informer
//!   to JSON for good (JSON skips a bad object; protobuf can only fail the whole list).
//!   [`InformerBuilder::protobuf`]`(false)` turns it off;
//!   [`Projected::use_protobuf`] turns it on for a projection of such a kind.
//! - **WatchList streaming** (`sendInitialEvents=true`) is not used. It saves the apiserver
//!   from building one large list response, but the initial state then arrives as a stream
//!   of synthetic ADDED events ended by a bookmark, which needs a fallback to LIST for
//!   servers without it; a paginated LIST is what client-go does by default in 1.33 (its
//!   `WatchListClient` gate is off), keeps the memory peak to one page, and is simpler to
//!   reason about.
//!
//! Before anything is stored, a transform runs on it ([`InformerBuilder::transform`]); the
//! default drops `metadata.managedFields`, which is often the largest part of an object and
//! which controllers do not read. Each object is stored once, as an `Arc<K>`: indices hold
//! keys, listers and handlers get clones of the `Arc`.
//!
//! # Caching less
//!
//! An informer keeps what it lists for as long as it runs. Two ways to keep less than whole
//! objects, both still informers with listers, indices and handlers:
//!
//! - **Metadata only**: `Informer<`[`PartialObjectMeta<K>`](kube::core::PartialObjectMeta)`>`
//!   (client-go's `metadatainformer`) lists and watches `K` through the API server's
//!   metadata API (`application/json;as=PartialObjectMetadata`): the server sends names,
//!   labels, annotations and owner references, nothing else. For controllers that need
//!   only those, e.g. to find owners or count children.
//! - **Typed projections**: `Informer<`[`Projected<K, P>`]`>` lists and watches whole `K`s
//!   and keeps each one's metadata and a [`Projection`] `P` of the rest, a user struct of
//!   the fields the controller reads. The sample-controller caches its Deployments so: a
//!   name, owner references, `spec.replicas` and `status.availableReplicas`.
//!
//! Both work with [`SharedInformerFactory::informer`] like any resource type; an informer
//! of `K` and one of `Projected<K, P>` are two informers, each with its own list and watch.
//!
//! ```no_run
//! use k8s_openapi::api::apps::v1::Deployment;
//! use kube::core::PartialObjectMeta;
//! use kube_gen::informer::{Projected, Projection, SharedInformerFactory};
//!
//! #[derive(Debug, Clone)]
//! struct Replicas(Option<i32>);
//!
//! impl Projection<Deployment> for Replicas {
//!     fn project(d: &Deployment) -> Self {
//!         Replicas(d.spec.as_ref().and_then(|s| s.replicas))
//!     }
//! }
//!
//! # fn doc(client: kube::Client) {
//! let factory = SharedInformerFactory::new(client);
//! let owners = factory.informer::<PartialObjectMeta<Deployment>>();
//! let replicas = factory.informer::<Projected<Deployment, Replicas>>();
//! # let _ = (owners, replicas);
//! # }
//! ```
//!
//! # Handlers
//!
//! Each handler runs on its own task, fed by an unbounded queue (client-go's
//! `processorListener`), so a slow handler delays only itself. A handler added after the
//! informer synced first gets the cache's contents as adds. An optional resync period
//! re-delivers every cached object to every handler as an update with `old` and `new` the
//! same object.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube::{Api, ResourceExt};
//! use kube_gen::informer::{EventHandlerFns, Informer};
//! use kube_gen::lister::LabelSelector;
//!
//! # async fn doc(client: kube::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let informer = Informer::builder(Api::<ConfigMap>::namespaced(client, "default"))
//!     .labels("app=web")
//!     .resync_period(Some(Duration::from_secs(300)))
//!     .build();
//! informer.add_event_handler(
//!     EventHandlerFns::new()
//!         .on_add(|cm: Arc<ConfigMap>| println!("add {}", cm.name_any()))
//!         .on_delete(|gone| println!("delete {} (tombstone: {})", gone.key(), gone.is_tombstone())),
//! );
//! informer.start();
//! informer.wait_for_cache_sync(Duration::from_secs(30)).await?;
//! let web = informer.lister().namespace("default").list(&"tier in (front)".parse::<LabelSelector>()?);
//! println!("{} front-end config maps", web.len());
//! informer.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # From client-go
//!
//! | client-go (`k8s.io/client-go/tools/cache`, `informers`) | kube-gen |
//! |---|---|
//! | `NewSharedIndexInformer(lw, obj, resync, indexers)` | [`Informer::builder`]`(api)...build()` |
//! | `ListWatch` with `TweakListOptions` (selectors), `WithNamespace` | the [`Api`](kube::Api) given, [`InformerBuilder::labels`], [`InformerBuilder::fields`] |
//! | `Reflector`, `WatchListPageSize` | internal; [`InformerBuilder::page_size`], [`Informer::stats`] |
//! | `SetTransform`, `TransformStripManagedFields` | [`InformerBuilder::transform`], [`drop_managed_fields`] (the default) |
//! | `Run(stopCh)` | [`Informer::start`], [`Informer::shutdown`] |
//! | `SetWatchErrorHandler` (to see list/watch failures) | [`Informer::health`] (`last_error`), and a warn log per failed attempt |
//! | `HasSynced`, `WaitForCacheSync(stopCh, ...)` | [`Informer::has_synced`], [`Informer::wait_for_cache_sync`]`(timeout)` (drop it to cancel) |
//! | `ResourceEventHandler`, `ResourceEventHandlerFuncs` | [`EventHandler`], [`EventHandlerFns`] |
//! | `AddEventHandler`, `RemoveEventHandler`, `registration.HasSynced` | [`Informer::add_event_handler`], [`Informer::remove_event_handler`], [`HandlerRegistration::has_synced`] |
//! | `DeletedFinalStateUnknown` | [`DeletedFinalStateUnknown`] inside [`DeletedObject::Tombstone`] |
//! | `Indexer`, `GetByKey`, `ByIndex`, `IndexKeys`, `AddIndexers` | [`Store`], [`Store::get`], [`Store::by_index`], [`Store::index_keys`], [`Informer::add_indexer`] |
//! | `NamespaceIndex`, `MetaNamespaceIndexFunc` | [`NAMESPACE_INDEX`] (built in) |
//! | `MetaNamespaceKeyFunc`, `SplitMetaNamespaceKey` | [`key_for`], [`split_key`] |
//! | `NewSharedInformerFactoryWithOptions(client, resync, opts...)` | [`SharedInformerFactory::builder`] |
//! | `factory.Apps().V1().Deployments().Informer()`, `InformerFor` | [`SharedInformerFactory::informer`]`::<Deployment>()`, [`SharedInformerFactory::informer_for`] |
//! | `metadatainformer.NewFilteredSharedInformerFactory(...).ForResource(gvr)`, `metadatalister` | [`SharedInformerFactory::informer`]`::<PartialObjectMeta<K>>()`, its [`Lister`](crate::lister::Lister) |
//! | `SetTransform` into a smaller object (still `runtime.Object`) | [`Projected`]`<K, P>` with a [`Projection`] (a typed, smaller cache) |
//! | `factory.Start`, `WaitForCacheSync`, `Shutdown` | [`SharedInformerFactory::start`], [`SharedInformerFactory::wait_for_cache_sync`], [`SharedInformerFactory::shutdown`] (async) |
//!
//! Differences worth knowing: a relist turns every listed object that was already cached into
//! an update, even if it did not change (as client-go does); handlers compare
//! `resourceVersion` to skip those. The resync period belongs to the informer, not to each
//! handler. Handlers are synchronous functions run on a Tokio task each.

mod event;
mod factory;
mod handlers;
mod projection;
mod reflector;
mod shared;
mod store;
#[cfg(test)]
mod tests;
mod undecodable;

pub use crate::protobuf::ProtobufKind;
pub use event::{DeletedFinalStateUnknown, DeletedObject};
pub use factory::{InformerOptions, SharedInformerFactory, SharedInformerFactoryBuilder};
pub use handlers::{EventHandler, EventHandlerFns, HandlerRegistration};
pub use projection::{Projected, Projection};
pub use reflector::ReflectorStats;
pub use shared::{Informer, InformerBuilder, InformerHealth};
pub use store::{IndexFn, NAMESPACE_INDEX, Store, Writer, key_for, object_key, split_key};
pub use undecodable::Undecodable;

use kube::Resource;

/// What can go wrong with informers and their caches.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The informers named had not synced when the timeout passed.
    #[error("caches did not sync in time: {}", .0.join(", "))]
    CacheSyncTimeout(Vec<String>),
    /// The informer was shut down before it synced.
    #[error("the informer was shut down before its cache synced")]
    ShutDown,
    /// No index of this name was added to the store.
    #[error("no index named {0:?}; add it with Informer::add_indexer")]
    UnknownIndex(String),
    /// An index of this name exists already.
    #[error("an index named {0:?} exists already")]
    IndexExists(String),
    /// The key is not `namespace/name` or `name`.
    #[error("invalid cache key {0:?}: expected namespace/name or name")]
    InvalidKey(String),
}

/// The default transform: drops `metadata.managedFields`, which controllers rarely read and
/// which is often the largest part of an object.
pub fn drop_managed_fields<K: Resource>(mut obj: K) -> K {
    obj.meta_mut().managed_fields = None;
    obj
}
