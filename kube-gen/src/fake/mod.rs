//! client-go's fake clientset: an in-memory API server behind a real `kube::Client`, with recorded actions and reactors.
//!
//! A [`FakeCluster`] is a small API server that lives in memory: a tower `Service` that
//! answers the requests kube builds, backed by an object tracker. [`FakeCluster::client`]
//! hands out a real [`kube::Client`] on top of it, so everything built on a client runs on
//! the fake unchanged ("behind the same client", as client-go's fake clientset does): the
//! typed [`Client`](crate::client::Client), [`Informer`](crate::informer::Informer)s and
//! their [`Lister`](crate::lister::Lister)s, event recorders and kube's own [`Api`](kube::Api).
//! No cluster, no network, no sleeping.
//!
//! ```
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube::api::ObjectMeta;
//! use kube_gen::client::{Client, WriteOptions};
//! use kube_gen::fake::{Action, FakeCluster};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), kube_gen::client::Error> {
//! let seed = ConfigMap {
//!     metadata: ObjectMeta { name: Some("settings".into()), namespace: Some("default".into()), ..Default::default() },
//!     ..Default::default()
//! };
//! let fake = FakeCluster::new().with_objects([seed]);
//! let config_maps = Client::<ConfigMap>::namespaced(fake.client(), "default");
//!
//! let mut cm = config_maps.get("settings").await?;
//! cm.data = Some([("mode".to_owned(), "fast".to_owned())].into());
//! config_maps.update(&cm, &WriteOptions::default()).await?;
//!
//! assert_eq!(
//!     fake.actions(),
//!     vec![
//!         Action::get("", "v1", "configmaps", "default", "settings"),
//!         Action::update("", "v1", "configmaps", "default").object(&cm),
//!     ]
//! );
//! # Ok(())
//! # }
//! ```
//!
//! # What the fake server does
//!
//! - **Routes** core (`/api/v1/...`) and group (`/apis/{group}/{version}/...`) paths,
//!   namespaced and cluster-scoped, collections and objects, and the `status` and `scale`
//!   subresources. `scale` is served where the server serves it: Deployments, ReplicaSets,
//!   StatefulSets and ReplicationControllers (`spec.replicas`), and custom resources whose
//!   CRD declares it (its `specReplicasPath`, `statusReplicasPath` and `labelSelectorPath`).
//! - **Stores** objects as JSON by group, version, plural, namespace and name. Creates assign
//!   `uid`, `creationTimestamp`, `generation: 1` and a `resourceVersion` from one counter for
//!   the whole store; writes bump `generation` when anything but metadata and status changed.
//! - **Answers as kube-apiserver 1.33 does**, code, reason and message, with the resource
//!   named as the server names it (`configmaps`, `deployments.apps`, `foos.example.com`): 404
//!   `NotFound` for a missing object, 409 `AlreadyExists` for a create of an existing name,
//!   422 `Invalid` for a create without a name, 409 `Conflict` for an update or patch naming
//!   a stale `resourceVersion` and for failed delete preconditions (worded with the kind, as
//!   the server's `rest.BeforeDelete` words them). An update without
//!   `metadata.resourceVersion` is 422 `Invalid` for custom resources and for the built-ins
//!   whose strategy forbids it (leases, webhook configurations, ...); other built-ins, such as
//!   config maps, take it unconditionally. A delete answers with a `Success` status naming the
//!   object, or with the object for `pods`, `serviceaccounts`, `namespaces` and
//!   `storageclasses` (`ReturnDeletedObject`). An object with finalizers is only marked with
//!   a `deletionTimestamp` on delete, and goes away when an update removes its last
//!   finalizer.
//! - **Status subresource**: built-in resources have one as kube-apiserver 1.33 serves them
//!   (`pods`, `services`, `deployments`, `jobs`, ...; not `configmaps`, `secrets`, `leases`),
//!   custom resources as their CRD says ([`FakeCluster::with_crd`]), and any resource
//!   registered with [`FakeCluster::with_status_subresource`]. Creates and updates of such an
//!   object ignore `.status` and status writes change only `.status`. A `status` or `scale`
//!   request on a resource without that subresource is a 404 `NotFound`, as on the server:
//!   "the server could not find the requested resource" for built-ins,
//!   `foos.example.com "name" not found` for custom resources. A custom resource the fake
//!   was not told about has neither subresource.
//! - **Lists** honour `labelSelector` (equality and set-based), `fieldSelector` (`=`, `==`,
//!   `!=`), `limit` and `continue`; they always read the latest state, whatever
//!   `resourceVersion` asks for. Field selectors take the labels the server supports:
//!   `metadata.name` and `metadata.namespace` everywhere (only `metadata.name` on
//!   cluster-scoped custom resources), the built-ins' own ones (`spec.nodeName` and
//!   `status.phase` of pods, `type` of secrets, `involvedObject.*` of events, ...) and a
//!   CRD's `selectableFields`; any other label is a 400 `BadRequest` in the server's words.
//! - **Watches** stream newline-delimited `WatchEvent`s: from a `resourceVersion`, the
//!   retained events after it, then live ones; without one, the current objects as `ADDED`.
//!   With a selector, as the server's watch cache: an object that starts matching is
//!   `ADDED`, one that stops matching is `DELETED` (as it last matched, at the
//!   resourceVersion of the change). With `allowWatchBookmarks=true` a `BOOKMARK` follows
//!   the replay. [`FakeCluster::expire_history`] forgets the retained events and ends every
//!   open watch with a 410 `ERROR` event, so informers relist as they do after etcd
//!   compaction.
//! - **Patches**: JSON patch and merge patch exactly; strategic merge and server-side apply
//!   approximated by a merge patch (lists are replaced whole, no field ownership, no apply
//!   conflicts; the field manager is only recorded). An apply of a missing object creates it.
//! - `dryRun` computes the answer without storing it; `fieldManager` is recorded in the
//!   action; watch timeouts are ignored (watches stay open until they expire or the client
//!   goes away).
//!
//! The `scenario` module (hidden: it is for kube-gen's own tests) holds the operations an
//! end-to-end test (RELIABILITY.md's R13)
//! runs on both the fake and the local control plane, comparing every status code, reason,
//! message and watch event.
//!
//! # Where the fake still differs from kube-apiserver
//!
//! Tests that depend on these need the local control plane:
//!
//! - **No schemas, defaults or validation**: objects are stored as sent (no 422 for an
//!   invalid field, no defaulted fields such as a Deployment's `strategy`, no pruning of
//!   fields a CRD's schema does not declare), and there is no admission, RBAC or
//!   `managedFields`.
//! - **No namespaces lifecycle**: a create in a namespace that does not exist succeeds (the
//!   server: 404 `namespaces "x" not found`), and deleting a namespace leaves its objects.
//! - **No controllers**: no garbage collection by `ownerReferences`, no ReplicaSets from
//!   Deployments, no graceful pod deletion (pods go at once unless they have finalizers).
//! - **`scale`** writes only the replicas, unvalidated (the server: 422 for negative
//!   replicas).
//! - **Patches**: strategic merge and apply are approximated (see above).
//! - **Lists** ignore `resourceVersion` and `resourceVersionMatch`; `continue` tokens are
//!   the last key, not opaque, and never expire (no 410).
//! - **Watches**: the `BOOKMARK` comes right after the replay (the server sends them about
//!   once a minute), `timeoutSeconds` is ignored, and `sendInitialEvents` is not supported.
//! - **Words**: malformed label and field selectors are 400 `BadRequest` as on the server,
//!   but worded differently; the kind in delete-precondition and create messages of a
//!   built-in is learnt from the objects sent (typed clients always send it).
//! - **Identities**: `resourceVersion`s count from 1 for the fake alone (etcd's are shared by
//!   the whole cluster), uids are sequential, `generateName` appends digits, not random
//!   letters.
//! - **Status subresource table**: built-ins outside kube-apiserver 1.33's default groups
//!   (alpha APIs) may be missing from it; register them with
//!   [`FakeCluster::with_status_subresource`].
//!
//! # From client-go
//!
//! | client-go (`k8s.io/client-go/kubernetes/fake`, `testing`) | kube-gen |
//! |---|---|
//! | `fake.NewSimpleClientset(objects...)` | [`FakeCluster::new`]`().`[`with_objects`](FakeCluster::with_objects)`([...])` |
//! | `clientset` passed to the code under test | [`FakeCluster::client`], wrapped as usual in [`Client`](crate::client::Client) or [`Api`](kube::Api) |
//! | `clientset.Tracker().Add(obj)`, informer `Indexer().Add` | [`FakeCluster::add`] |
//! | `clientset.Actions()`, `ClearActions()` | [`FakeCluster::actions`], [`FakeCluster::clear_actions`] |
//! | `filterInformerActions` (sample-controller's test) | [`FakeCluster::actions_without_informers`] |
//! | `core.NewCreateAction(gvr, ns, obj)`, `NewUpdateSubresourceAction(gvr, "status", ns, obj)` | [`Action::create`]`(..).`[`object`](Action::object)`(&obj)`, [`Action::update_status`] |
//! | `PrependReactor("update", "foos", func(action) (handled, ret, err))` | [`FakeCluster::prepend_reactor`] returning a [`Reaction`] |
//! | `watch.NewFake()`, `PrependWatchReactor` | real watches on the fake; [`FakeCluster::expire_history`] for 410 Gone |
//! | `apierrors.NewConflict(...)`, `NewNotFound(...)` | [`Reaction::conflict`], [`Reaction::not_found`], [`Reaction::error`] |

mod actions;
mod patch;
mod reactors;
mod resources;
#[doc(hidden)]
pub mod scenario;
mod service;
#[cfg(test)]
mod tests;
mod tracker;
mod watch;

use std::fmt;
use std::sync::Arc;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Resource;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use actions::{Action, PatchType, Verb};
pub use reactors::Reaction;

use reactors::Reactor;
use service::{FakeService, Shared, lock};
use tracker::{Gvr, Target};

/// An in-memory API server, and the [`kube::Client`]s that talk to it.
///
/// Cloning is cheap and every clone is the same cluster.
#[derive(Clone, Default)]
pub struct FakeCluster {
    shared: Arc<Shared>,
}

impl fmt::Debug for FakeCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeCluster")
            .field(
                "resource_version",
                &lock(&self.shared.tracker).resource_version(),
            )
            .field("actions", &lock(&self.shared.actions).len())
            .finish_non_exhaustive()
    }
}

impl FakeCluster {
    /// An empty cluster.
    pub fn new() -> Self {
        FakeCluster::default()
    }

    /// This cluster with these objects stored, as [`add`](FakeCluster::add) stores them.
    ///
    /// # Panics
    ///
    /// As [`add`](FakeCluster::add).
    #[must_use]
    pub fn with_objects<K>(self, objects: impl IntoIterator<Item = K>) -> Self
    where
        K: Resource + Serialize,
        K::DynamicType: Default,
    {
        for object in objects {
            self.add(&object);
        }
        self
    }

    /// This cluster with `.status` of kind `K` treated as a subresource (see the module docs).
    #[must_use]
    pub fn with_status_subresource<K>(self) -> Self
    where
        K: Resource,
        K::DynamicType: Default,
    {
        let dt = K::DynamicType::default();
        lock(&self.shared.tracker)
            .resources
            .add_status(&K::group(&dt), &K::plural(&dt));
        self
    }

    /// This cluster serving the custom resource this CRD defines, as kube-apiserver does:
    /// the status subresource, the scope and the selectable fields of each version.
    ///
    /// A custom resource the fake was not told about is served as if its CRD declared no
    /// subresources and no selectable fields.
    ///
    /// ```
    /// use kube::CustomResourceExt;
    /// # use kube_gen::fake::FakeCluster;
    /// # #[derive(kube::CustomResource, Clone, Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
    /// # #[kube(group = "example.com", version = "v1", kind = "Foo", namespaced, status = "FooStatus")]
    /// # struct FooSpec { replicas: i32 }
    /// # #[derive(Clone, Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
    /// # struct FooStatus { ready: bool }
    /// let fake = FakeCluster::new().with_crd(&Foo::crd());
    /// ```
    #[must_use]
    pub fn with_crd(self, crd: &CustomResourceDefinition) -> Self {
        lock(&self.shared.tracker).resources.register_crd(crd);
        self
    }

    /// Stores an object as it is, status included, without recording an action; replaces
    /// an object of the same name. Watches see it as `ADDED` or `MODIFIED`.
    ///
    /// # Panics
    ///
    /// If the object has no name or does not serialise to a JSON object.
    pub fn add<K>(&self, object: &K)
    where
        K: Resource + Serialize,
        K::DynamicType: Default,
    {
        let dt = K::DynamicType::default();
        let gvr = Gvr::new(&K::group(&dt), &K::version(&dt), &K::plural(&dt));
        let mut value = serde_json::to_value(object).expect("the object serialises to JSON");
        value["apiVersion"] = K::api_version(&dt).into();
        value["kind"] = K::kind(&dt).into();
        let name = object
            .meta()
            .name
            .clone()
            .expect("seeded objects need metadata.name");
        let target = Target {
            gvr: &gvr,
            namespace: object.meta().namespace.as_deref(),
            name: &name,
        };
        if let Err(status) = lock(&self.shared.tracker).upsert(target, value) {
            panic!("could not add {name}: {}", status.message);
        }
    }

    /// The stored object of kind `K` with this namespace (`None` if cluster-scoped) and
    /// name, read without recording an action.
    pub fn object<K>(&self, namespace: Option<&str>, name: &str) -> Option<K>
    where
        K: Resource + DeserializeOwned,
        K::DynamicType: Default,
    {
        let dt = K::DynamicType::default();
        let gvr = Gvr::new(&K::group(&dt), &K::version(&dt), &K::plural(&dt));
        let value = lock(&self.shared.tracker)
            .get(Target {
                gvr: &gvr,
                namespace,
                name,
            })
            .ok()?;
        serde_json::from_value(value).ok()
    }

    /// A [`kube::Client`] on this cluster, with `default` as its default namespace.
    ///
    /// Needs a Tokio runtime, as every kube client does.
    pub fn client(&self) -> kube::Client {
        kube::Client::new(FakeService(Arc::clone(&self.shared)), "default")
    }

    /// Every request served so far, in order.
    pub fn actions(&self) -> Vec<Action> {
        lock(&self.shared.actions).clone()
    }

    /// Every request served so far except the `list` and `watch` calls informers make.
    pub fn actions_without_informers(&self) -> Vec<Action> {
        let actions = lock(&self.shared.actions);
        actions
            .iter()
            .filter(|a| !a.is_informer_action())
            .cloned()
            .collect()
    }

    /// Forgets the recorded actions.
    pub fn clear_actions(&self) {
        lock(&self.shared.actions).clear();
    }

    /// Puts a reactor in front of the chain: for requests with this verb (`"update"`,
    /// `"*"`) on this resource plural (`"foos"`, `"*"`), `react` runs before the tracker and
    /// may answer with [`Reaction::Handled`] or [`Reaction::Error`], or [`Reaction::Pass`].
    ///
    /// The request is recorded as an action either way.
    ///
    /// ```
    /// use kube_gen::fake::{FakeCluster, Reaction};
    ///
    /// let fake = FakeCluster::new();
    /// let mut first = true;
    /// fake.prepend_reactor("update", "foos", move |_| {
    ///     if std::mem::take(&mut first) { Reaction::conflict("foos", "example") } else { Reaction::Pass }
    /// });
    /// ```
    pub fn prepend_reactor(
        &self,
        verb: &str,
        resource: &str,
        react: impl FnMut(&Action) -> Reaction + Send + 'static,
    ) {
        let reactor = Reactor {
            verb: verb.to_owned(),
            resource: resource.to_owned(),
            react: Box::new(react),
        };
        lock(&self.shared.reactors).insert(0, reactor);
    }

    /// Forgets every retained event, as etcd compaction does: watches from an older
    /// `resourceVersion` answer 410 Gone and every open watch ends with a 410 `ERROR` event,
    /// so informers relist.
    pub fn expire_history(&self) {
        lock(&self.shared.tracker).expire_history();
    }
}
