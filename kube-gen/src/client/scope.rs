//! The typed [`Client`] handle and the scopes it can have: one namespace, all namespaces, or
//! the cluster.

use std::fmt;

use kube::Resource;
use kube::api::Api;
use kube::core::{ClusterResourceScope, NamespaceResourceScope};

/// The field manager writes are recorded under unless the client or the call names another.
pub const DEFAULT_FIELD_MANAGER: &str = "kube-gen";

mod sealed {
    pub trait Sealed {}
}

/// Where a [`Client`] handle points: [`Namespaced`], [`AllNamespaces`] or [`Cluster`].
///
/// Sealed: the three markers are the only scopes.
pub trait Scope: sealed::Sealed + Clone + fmt::Debug + Send + Sync + 'static {}

/// A scope in which single objects can be named, so every verb is available:
/// [`Namespaced`] and [`Cluster`], but not [`AllNamespaces`].
pub trait ObjectScope: Scope {}

/// One namespace of a namespaced resource; made by [`Client::namespaced`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespaced {
    namespace: String,
}

/// Every namespace of a namespaced resource, for `list` and `watch` only; made by
/// [`Client::all`]. Narrow it with [`Client::namespace`] to read or write objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllNamespaces;

/// A cluster-scoped resource; made by [`Client::cluster`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cluster;

impl sealed::Sealed for Namespaced {}
impl sealed::Sealed for AllNamespaces {}
impl sealed::Sealed for Cluster {}
impl Scope for Namespaced {}
impl Scope for AllNamespaces {}
impl Scope for Cluster {}
impl ObjectScope for Namespaced {}
impl ObjectScope for Cluster {}

/// A typed client for one resource kind `K` in one [`Scope`] (client-go's
/// `FooInterface` from `clientset.SamplecontrollerV1alpha1().Foos(ns)`).
///
/// The scope is part of the type, so mistakes are compile errors rather than 404s:
/// [`namespaced`](Client::namespaced) and [`all`](Client::all) exist only for namespaced
/// kinds, [`cluster`](Client::cluster) only for cluster-scoped ones, and an all-namespaces
/// handle offers `list` and `watch` but no verb that names a single object.
///
/// Cloning is cheap: it shares the underlying [`kube::Client`].
///
/// ```no_run
/// use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
/// use kube_gen::client::{Client, ListOptions};
///
/// # async fn run(kube: kube::Client) -> Result<(), kube_gen::client::Error> {
/// let config_maps = Client::<ConfigMap>::namespaced(kube.clone(), "default");
/// let everywhere = Client::<ConfigMap>::all(kube.clone());
/// let namespaces = Client::<Namespace>::cluster(kube);
///
/// let web = config_maps.get("web").await?;
/// let labelled = everywhere.list(&ListOptions::default().labels("app=web")).await?;
/// let system = namespaces.get("kube-system").await?;
/// # let _ = (web, labelled, system);
/// # Ok(())
/// # }
/// ```
///
/// These do not compile:
///
/// ```compile_fail
/// # use k8s_openapi::api::core::v1::Namespace;
/// # use kube_gen::client::Client;
/// # fn f(kube: kube::Client) {
/// let _ = Client::<Namespace>::namespaced(kube, "default"); // Namespace is cluster-scoped
/// # }
/// ```
///
/// ```compile_fail
/// # use k8s_openapi::api::core::v1::ConfigMap;
/// # use kube_gen::client::Client;
/// # async fn f(kube: kube::Client) {
/// let _ = Client::<ConfigMap>::all(kube).get("web").await; // which namespace?
/// # }
/// ```
pub struct Client<K, S = Namespaced> {
    pub(super) api: Api<K>,
    pub(super) scope: S,
    pub(super) field_manager: String,
}

impl<K> Client<K>
where
    K: Resource,
    K::DynamicType: Default,
{
    /// A handle on the objects of a namespaced kind in `namespace`.
    pub fn namespaced(client: kube::Client, namespace: &str) -> Client<K, Namespaced>
    where
        K: Resource<Scope = NamespaceResourceScope>,
    {
        Client::new(
            Api::namespaced(client, namespace),
            Namespaced {
                namespace: namespace.to_owned(),
            },
        )
    }

    /// A handle on the objects of a namespaced kind in every namespace, for `list` and
    /// `watch` (what informers use).
    pub fn all(client: kube::Client) -> Client<K, AllNamespaces>
    where
        K: Resource<Scope = NamespaceResourceScope>,
    {
        Client::new(Api::all(client), AllNamespaces)
    }

    /// A handle on the objects of a cluster-scoped kind.
    pub fn cluster(client: kube::Client) -> Client<K, Cluster>
    where
        K: Resource<Scope = ClusterResourceScope>,
    {
        Client::new(Api::all(client), Cluster)
    }
}

impl<K, S: Scope> Client<K, S> {
    fn new(api: Api<K>, scope: S) -> Self {
        Client {
            api,
            scope,
            field_manager: DEFAULT_FIELD_MANAGER.to_owned(),
        }
    }

    /// Record writes under this field manager (default [`DEFAULT_FIELD_MANAGER`]); a call's
    /// options can still name another.
    #[must_use]
    pub fn field_manager(mut self, manager: &str) -> Self {
        manager.clone_into(&mut self.field_manager);
        self
    }

    /// The field manager writes are recorded under unless a call names another.
    pub fn default_field_manager(&self) -> &str {
        &self.field_manager
    }

    /// The kube [`Api`] underneath, for calls this client does not wrap (logs, exec, ...).
    pub fn api(&self) -> &Api<K> {
        &self.api
    }
}

impl<K> Client<K, Namespaced> {
    /// The namespace this handle works in.
    pub fn namespace(&self) -> &str {
        &self.scope.namespace
    }
}

impl<K> Client<K, AllNamespaces>
where
    K: Resource<Scope = NamespaceResourceScope> + Clone,
    K::DynamicType: Default,
{
    /// Narrow this all-namespaces handle to one namespace, keeping its field manager.
    pub fn namespace(&self, namespace: &str) -> Client<K, Namespaced> {
        let client = self.api.clone().into_client();
        Client {
            api: Api::namespaced(client, namespace),
            scope: Namespaced {
                namespace: namespace.to_owned(),
            },
            field_manager: self.field_manager.clone(),
        }
    }
}

impl<K: Clone, S: Clone> Clone for Client<K, S> {
    fn clone(&self) -> Self {
        Client {
            api: self.api.clone(),
            scope: self.scope.clone(),
            field_manager: self.field_manager.clone(),
        }
    }
}

impl<K, S: fmt::Debug> fmt::Debug for Client<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("scope", &self.scope)
            .field("field_manager", &self.field_manager)
            .finish()
    }
}
