//! kube-gen: client-go's informers, listers and workqueue for Rust, generic
//! over kube's [`Resource`](kube::Resource), with thin typed facades that
//! `#[derive(CustomResource)]` and the `kube-gen` CLI generate.
//!
//! Go needed generated code per type because it lacked generics; here each
//! concept is implemented once, generically, and the generated code only
//! names it for your type.
//!
//! # Starting points
//!
//! | client-go / code-generator | kube-gen |
//! |---|---|
//! | generated `Clientset`, typed `FooInterface` | [`client::Client<K>`](client::Client) (scope checked in the types) |
//! | `apierrors.IsNotFound` & co. | [`client::Error`] helpers |
//! | `cache.Reflector` + `DeltaFIFO` | the informer's reflector (list, watch, 410 relist) |
//! | `cache.Indexer`, `cache.Store` | [`informer::Store`] / [`informer::Writer`] holding `Arc<K>` |
//! | `cache.DeletedFinalStateUnknown` | [`informer::DeletedFinalStateUnknown`] |
//! | `SharedIndexInformer` | [`informer::Informer`] |
//! | `SharedInformerFactory` | [`informer::SharedInformerFactory`] |
//! | generated `FooLister`, `FooNamespaceLister` | [`lister::Lister<K>`](lister::Lister), `.namespace(ns)` |
//! | `util/workqueue` | [`workqueue::WorkQueue`] and its rate limiters |
//! | `record.EventRecorder` + `EventCorrelator` | [`events::Recorder`] |
//! | `tools/leaderelection` (`LeaderElector` on a `LeaseLock`) | [`leaderelection::LeaderElector`] |
//! | `code-generator` (`client-gen`, `lister-gen`, `informer-gen`) | `#[derive(CustomResource)]` and the `kube-gen` CLI |
//! | `k8s.io/client-go/kubernetes/fake` | [`fake::FakeCluster`] |
//!
//! Where to start:
//!
//! - [`CustomResource`](derive@CustomResource): the derive, with every `#[kube(...)]`
//!   attribute and what it generates (`Foo`, `Foo::crd()` and, with `facades`, `FooClient`,
//!   `FooLister`, `FooInformer`).
//! - [`informer::SharedInformerFactory`] and [`informer::Informer`]: watch a kind into a
//!   cache and get told about changes.
//! - [`workqueue::WorkQueue`]: the queue between event handlers and workers, and the
//!   worker protocol (`get`, `done`, `forget`, `add_rate_limited`).
//! - [`client::Client`]: every verb on one kind, with apimachinery's error questions.
//! - [`fake::FakeCluster`]: unit tests without a cluster.
//! - The `kube-gen` binary, in its own package `kube-gen-cli` (`cargo install --locked --path
//!   kube-gen/cli`): `kube-gen crd.yaml` writes the Rust for a CRD you already have;
//!   `kube-gen --help` for its options.
//!
//! # Features
//!
//! kube-gen chooses nothing that belongs to your binary: no Kubernetes version feature of
//! k8s-openapi (enable one in your crate, 1.33 or later), and kube with `client` only (your
//! kube features pick the TLS stack and crypto provider).
//!
//! | feature | what it does |
//! |---|---|
//! | `rustls-tls` | [`client::connect::builder`] wraps kube's rustls connector (turns on `kube/rustls-tls`) |
//! | `openssl-tls` | the same with kube's OpenSSL connector (turns on `kube/openssl-tls`) |
//!
//! Without either, `client::connect::builder` is kube's own builder.
//!
//! # Quick start
//!
//! A `Greeting` resource and a controller that answers each one in its status. It needs a
//! cluster with the CRD installed (`Greeting::crd()`), so it is compiled here, not run.
//!
//! ```no_run
//! use std::{sync::Arc, time::Duration};
//!
//! use kube_gen::CustomResource;
//! use kube_gen::client::WriteOptions;
//! use kube_gen::informer::{EventHandlerFns, SharedInformerFactory, key_for, split_key};
//! use kube_gen::workqueue::WorkQueue;
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//!
//! /// A Greeting asks the controller to answer it.
//! #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
//! #[kube(group = "example.com", version = "v1", kind = "Greeting", namespaced, status = "GreetingStatus")]
//! #[kube(facades)] // GreetingClient, GreetingInformer, GreetingLister
//! pub struct GreetingSpec {
//!     pub message: String,
//! }
//!
//! #[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, Default)]
//! pub struct GreetingStatus {
//!     pub answered: bool,
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = kube_gen::kube::Client::try_default().await?; // kubeconfig or in-cluster
//!     let factory = SharedInformerFactory::new(client.clone());
//!     let informer: GreetingInformer = factory.informer::<Greeting>(); // one list+watch per type
//!     let lister: GreetingLister = informer.lister(); // reads the informer's cache
//!     let queue = WorkQueue::<String>::builder().name("greetings").build();
//!     let (on_add, on_update) = (queue.clone(), queue.clone());
//!     informer.add_event_handler(
//!         EventHandlerFns::new()
//!             .on_add(move |g: Arc<Greeting>| on_add.add(key_for(&*g)))
//!             .on_update(move |_old, new: Arc<Greeting>| on_update.add(key_for(&*new))),
//!     );
//!     factory.start();
//!     factory.wait_for_cache_sync(Duration::from_secs(30)).await?;
//!
//!     // One worker; spawn more tasks running this loop for more.
//!     while let Some(key) = queue.get().await {
//!         let (namespace, name) = split_key(&key)?;
//!         let namespace = namespace.unwrap_or_default();
//!         if let Some(cached) = lister.namespace(namespace).get(name) {
//!             let mut greeting = (*cached).clone(); // never change the cache's copy
//!             greeting.status = Some(GreetingStatus { answered: true });
//!             let greetings = GreetingClient::namespaced(client.clone(), namespace);
//!             match greetings.update_status(&greeting, &WriteOptions::default()).await {
//!                 Ok(_) => queue.forget(&key),                    // reset its backoff
//!                 Err(_) => queue.add_rate_limited(key.clone()), // retry after a backoff
//!             }
//!         }
//!         queue.done(&key); // exactly once per get
//!     }
//!     Ok(())
//! }
//! ```
//!
//! `sample-controller/` in the repository is the full version of this pattern: several
//! workers, a Deployment per Foo, events, metrics, leader election and graceful shutdown.

#![warn(missing_docs)]

pub use kube;
pub use kube_gen_codegen as codegen;
pub use kube_gen_derive::*;

/// What code generated by `#[derive(CustomResource)]` refers to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use k8s_openapi;
    pub use kube;
    pub use kube_gen_codegen::runtime;
    pub use schemars;
    pub use serde;
}

pub mod client;
pub mod crash;
pub mod events;
pub mod fake;
pub mod informer;
pub mod leaderelection;
pub mod lister;
pub(crate) mod protobuf;
pub mod workqueue;
