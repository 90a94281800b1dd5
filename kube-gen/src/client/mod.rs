//! client-go's typed clients: every verb on one resource kind, with the scope in the type.
//!
//! A [`Client<K, S>`] reads and writes objects of one kind `K` (anything that implements
//! kube's [`Resource`](kube::Resource): k8s-openapi's built-ins and
//! `#[derive(CustomResource)]` types) over a shared [`kube::Client`]. It is a thin layer on
//! kube's [`Api`](kube::Api) that adds what client-go users expect:
//!
//! - **Scope in the type.** [`Client::namespaced`] and [`Client::all`] compile only for
//!   namespaced kinds, [`Client::cluster`] only for cluster-scoped ones, and an
//!   [`AllNamespaces`] handle has `list` and `watch` but no verb that names one object.
//!   Its `namespace(ns)` method narrows it to one namespace.
//! - **A field manager on every write.** Writes are recorded under the client's manager
//!   ([`DEFAULT_FIELD_MANAGER`] unless [`Client::field_manager`] sets one), and each call's
//!   options can name another. Server-side apply uses it as the owner of the applied fields.
//! - **Options as builders**, one method per concept: [`ListOptions`] (selectors, pages,
//!   resource version), [`WriteOptions`], [`PatchOptions`] (`force`), [`DeleteOptions`]
//!   (propagation, preconditions).
//! - **One error type with apimachinery's questions**: [`Error::is_not_found`],
//!   [`Error::is_conflict`], [`Error::is_already_exists`], [`Error::is_invalid`] with
//!   [`Error::causes`], [`Error::is_forbidden`], [`Error::is_gone`], [`Error::status`] ...
//!
//! # Optimistic concurrency
//!
//! Every object carries a `metadata.resourceVersion`. [`update`](Client::update) and
//! [`update_status`](Client::update_status) send the one you read, and the server refuses
//! the write with a conflict if the object changed since. The usual answer is to read
//! again, reapply the change and retry:
//!
//! ```no_run
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube_gen::client::{Client, WriteOptions};
//!
//! # async fn run(kube: kube::Client) -> Result<(), kube_gen::client::Error> {
//! let config_maps = Client::<ConfigMap>::namespaced(kube, "default").field_manager("my-controller");
//! loop {
//!     let mut cm = config_maps.get("settings").await?;
//!     cm.data.get_or_insert_with(Default::default).insert("mode".into(), "fast".into());
//!     match config_maps.update(&cm, &WriteOptions::default()).await {
//!         Ok(_) => break,
//!         Err(err) if err.is_conflict() => continue, // someone else wrote first
//!         Err(err) => return Err(err),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # From client-go
//!
//! | client-go                                                   | kube-gen                                             |
//! |-------------------------------------------------------------|------------------------------------------------------|
//! | `clientset.AppsV1().Deployments(ns)`                          | [`Client::<Deployment>::namespaced`](Client::namespaced)`(client, ns)` |
//! | `clientset.AppsV1().Deployments(metav1.NamespaceAll)`         | [`Client::<Deployment>::all`](Client::all)`(client)` (list and watch only) |
//! | `clientset.CoreV1().Namespaces()`                             | [`Client::<Namespace>::cluster`](Client::cluster)`(client)` |
//! | `Get(ctx, name, metav1.GetOptions{})`                         | [`get`](Client::get)`(name)`                         |
//! | `List(ctx, metav1.ListOptions{LabelSelector, Limit, Continue})` | [`list`](Client::list)`(&ListOptions::default().labels(..).limit(..).continue_token(..))` |
//! | `Watch(ctx, opts)` → `watch.Interface`                        | [`watch`](Client::watch)`(&opts)` → a `Stream` of `WatchEvent` |
//! | `Create(ctx, obj, metav1.CreateOptions{FieldManager})`        | [`create`](Client::create)`(&obj, &WriteOptions::default().field_manager(..))` |
//! | `Update(ctx, obj, metav1.UpdateOptions{})`                    | [`update`](Client::update)`(&obj, &WriteOptions::default())` |
//! | `Patch(ctx, name, types.MergePatchType, data, opts)`          | [`patch`](Client::patch)`(name, &Patch::Merge(..), &PatchOptions::default())` |
//! | `types.JSONPatchType`, `types.StrategicMergePatchType`        | `Patch::Json(..)`, `Patch::Strategic(..)`            |
//! | `Apply(ctx, applyConfig, metav1.ApplyOptions{FieldManager, Force})` | [`patch`](Client::patch)`(name, &Patch::Apply(..), &PatchOptions::default().force())` |
//! | `Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy, Preconditions})` | [`delete`](Client::delete)`(name, &DeleteOptions::default().propagation_policy(..).precondition_uid(..))` |
//! | `DeleteCollection(ctx, deleteOpts, listOpts)`                 | [`delete_collection`](Client::delete_collection)`(&list, &delete)` |
//! | `UpdateStatus`, `ApplyStatus`                                 | [`get_status`](Client::get_status), [`update_status`](Client::update_status), [`patch_status`](Client::patch_status) |
//! | `GetScale`, `UpdateScale`, `ApplyScale`                       | [`get_scale`](Client::get_scale), [`update_scale`](Client::update_scale), [`patch_scale`](Client::patch_scale) |
//! | `errors.IsNotFound(err)`, `IsConflict`, `IsAlreadyExists`     | [`err.is_not_found()`](Error::is_not_found), [`is_conflict`](Error::is_conflict), [`is_already_exists`](Error::is_already_exists) |
//! | `errors.IsInvalid(err)` + `StatusDetails.Causes`              | [`is_invalid`](Error::is_invalid) + [`causes`](Error::causes) |
//! | `errors.IsForbidden`, `IsGone`, `IsResourceExpired`           | [`is_forbidden`](Error::is_forbidden), [`is_gone`](Error::is_gone), [`is_resource_expired`](Error::is_resource_expired) |
//! | `errors.IsTimeout`, `IsServerTimeout`, `IsTooManyRequests`    | [`is_timeout`](Error::is_timeout), [`is_server_timeout`](Error::is_server_timeout), [`is_too_many_requests`](Error::is_too_many_requests) |
//! | `err.(errors.APIStatus).Status()`                             | [`status`](Error::status)                            |
//! | `kubernetes.NewForConfig(config)` (the connection)             | [`connect::builder`]`(config)?.build()`: kube's client with `TCP_NODELAY`, as Go's transport; or kube's `Client::try_from(config)` |
//! | `rest.Config{QPS: 5, Burst: 10}` (client-side throttling)     | [`connect::builder`]`(config)?.with_layer(&`[`Throttle::new(5.0, 10)`](Throttle::new)`)`; kube's default is no client-side limit |
//!
//! Differences worth knowing: an apply is a [`Patch::Apply`] of any serializable value (a
//! partial object or `serde_json::json!`) rather than a generated apply configuration;
//! [`delete`](Client::delete) returns the object while it is still terminating; the
//! `scale` methods exist on every handle, and kinds without the subresource answer
//! "not found".

pub mod connect;
mod error;
mod params;
mod read;
mod scope;
mod subresources;
mod throttle;
mod write;

pub use error::Error;
pub use kube::api::Patch;
pub use kube::core::response::StatusCause;
pub use kube::core::{ObjectList, WatchEvent};
pub use params::{DeleteOptions, ListOptions, PatchOptions, PropagationPolicy, WriteOptions};
pub use scope::{
    AllNamespaces, Client, Cluster, DEFAULT_FIELD_MANAGER, Namespaced, ObjectScope, Scope,
};
pub use subresources::{Scale, ScaleSpec, ScaleStatus};
pub use throttle::{Throttle, Throttled};
