//! The Foo controller: keeps each Foo's Deployment at the Foo's replicas and reports back.
//!
//! A port of Kubernetes' `sample-controller/controller.go`, read top to bottom in the order
//! control flows: [`Controller::new`] wires informers to a rate-limited work queue,
//! [`Controller::run`] waits for the caches and starts the workers, each worker runs
//! `process_next_work_item` in a loop, and
//! [`sync_handler`](Controller::sync_handler) reconciles one Foo. Deployment events reach
//! the owning Foo through [`handle_object`](Controller::handle_object).
//!
//! # Beyond the original
//!
//! - **No write when nothing changed.** The original updates `status.availableReplicas` and
//!   records a `Synced` event on every sync, so every 30 s resync of every Foo costs a status
//!   write and an event. Here the status is written only when it differs from what the
//!   Deployment reports (a Foo without a status differs), and `Synced` is recorded only when
//!   the sync wrote something: the Deployment, the status, or both.
//! - **A lagging cache is not an error.** When the Deployment is missing from the cache but
//!   the create finds it already exists (the cache has not yet seen the Deployment our
//!   previous sync created), the sync reads the live Deployment and goes on, where the
//!   original logs an error and retries until the cache catches up.
//! - **Graceful shutdown.** [`run`](Controller::run) stops handing out work when its
//!   `shutdown` future completes, lets the syncs in flight finish, then returns `Ok`.
//! - **Metrics.** With [`ControllerBuilder::metrics`], the work queue exports client-go's
//!   `workqueue_*` families and every sync is counted and timed by result (see
//!   [`ops::metrics`](crate::ops::metrics)).
//! - **A panic crashes the process.** A panicking handler or sync goes to kube-gen's
//!   [crash handler](kube_gen::crash), which logs one line naming the site and the panic and
//!   exits with status 2, as Go's sample-controller crashes; [`Error::WorkerPanicked`] is
//!   returned only if a handler set with `crash::set_handler` returns.
//! - **Foos that do not decode are reported.** A stored Foo that no longer fits the type
//!   (stored under a looser schema) is skipped by the informer and gets a
//!   [`ERR_FAILED_DECODE`] Warning Event; one without `deploymentName` decodes with an empty
//!   name and is logged and left alone, as in Go.
//! - **Bounded cache sync.** The caches must sync within [`CACHE_SYNC_TIMEOUT`]; the
//!   original waits until it is stopped.
//! - **No invalid types.** Go's "Error decoding object, invalid type" branches do not exist:
//!   handlers receive typed objects, and a tombstone is a [`DeletedObject::Tombstone`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube_gen::client::{self, Client, WriteOptions};
use kube_gen::events::{EventType, Recorder};
use kube_gen::informer::{
    self, DeletedObject, EventHandlerFns, Informer, Undecodable, key_for, split_key,
};
use kube_gen::lister::Lister;
use kube_gen::workqueue::{WorkQueue, controller_rate_limiter};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, error, info};

use crate::deployment::{CachedDeployment, controller_of, is_controlled_by, new_deployment};
use crate::foo::{Foo, FooStatus};
use crate::ops::ControllerMetrics;

/// The component named as the source of events, and the field manager of every write.
pub const CONTROLLER_AGENT_NAME: &str = "sample-controller";
/// The field manager of every create, update and status update.
pub const FIELD_MANAGER: &str = CONTROLLER_AGENT_NAME;
/// Event reason when a Foo is synced successfully.
pub const SUCCESS_SYNCED: &str = "Synced";
/// Event reason when a Foo's Deployment exists but another owner controls it.
pub const ERR_RESOURCE_EXISTS: &str = "ErrResourceExists";
/// Event reason (Warning) when a stored Foo does not decode, so the controller skips it.
pub const ERR_FAILED_DECODE: &str = "FailedDecode";
/// Event message when a Foo is synced successfully.
pub const MESSAGE_RESOURCE_SYNCED: &str = "Foo synced successfully";
/// How long [`Controller::run`] waits for the informer caches before giving up.
pub const CACHE_SYNC_TIMEOUT: Duration = Duration::from_secs(120);

/// Event message when a stored Foo does not decode: it is ignored until it changes.
pub fn message_failed_decode(error: &str) -> String {
    format!("Foo cannot be decoded and is ignored until it changes: {error}")
}

/// Event message when a Foo's Deployment exists but another owner controls it (Go's
/// `MessageResourceExists`, with `%q` quoting the name).
pub fn message_resource_exists(name: &str) -> String {
    format!("Resource {name:?} already exists and is not managed by Foo")
}

/// Why a sync or the controller failed. A failed sync is retried with backoff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Deployment a Foo names exists and is controlled by something else.
    #[error("{0}")]
    ResourceExists(String),
    /// Creating the Foo's Deployment failed.
    #[error("could not create deployment {name}")]
    CreateDeployment {
        /// The Deployment's name.
        name: String,
        /// What the API server said.
        #[source]
        source: client::Error,
    },
    /// Reading the Foo's Deployment failed (after a create found it already there).
    #[error("could not get deployment {name}")]
    GetDeployment {
        /// The Deployment's name.
        name: String,
        /// What the API server said.
        #[source]
        source: client::Error,
    },
    /// Updating the Foo's Deployment failed.
    #[error("could not update deployment {name}")]
    UpdateDeployment {
        /// The Deployment's name.
        name: String,
        /// What the API server said.
        #[source]
        source: client::Error,
    },
    /// Writing the Foo's status failed (a conflict means the cache was stale).
    #[error("could not update the status of foo {name}")]
    UpdateFooStatus {
        /// The Foo's name.
        name: String,
        /// What the API server said.
        #[source]
        source: client::Error,
    },
    /// The informer caches did not sync.
    #[error("failed to wait for caches to sync")]
    CacheSync(#[source] informer::Error),
    /// A worker task panicked.
    #[error("a worker panicked")]
    WorkerPanicked(#[source] tokio::task::JoinError),
}

/// The sample-controller: reconciles every Foo against the Deployment it names.
///
/// Cheap to clone; clones share the queue, the caches and the recorder.
#[derive(Clone)]
pub struct Controller {
    /// Deployments go through this client.
    client: kube::Client,
    /// Foo status writes go through this one: the same client unless
    /// [`ControllerBuilder::foo_client`] set another.
    foo_client: kube::Client,
    deployments_lister: Lister<CachedDeployment>,
    deployment_informer: Informer<CachedDeployment>,
    foos_lister: Lister<Foo>,
    foo_informer: Informer<Foo>,
    /// Keys (`namespace/name`) of Foos to sync. The queue hands a key to one worker at a
    /// time and rate-limits retries, so a Foo is never synced by two workers at once and a
    /// failing one does not hog the workers.
    workqueue: WorkQueue<String>,
    recorder: Recorder,
    /// Where each sync's result and duration go, if anywhere.
    metrics: Option<ControllerMetrics>,
}

impl fmt::Debug for Controller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Controller")
            .field("deployment_informer", &self.deployment_informer)
            .field("foo_informer", &self.foo_informer)
            .field("workqueue", &self.workqueue)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Controller`]; from [`Controller::builder`].
pub struct ControllerBuilder {
    client: kube::Client,
    foo_client: Option<kube::Client>,
    deployment_informer: Informer<CachedDeployment>,
    foo_informer: Informer<Foo>,
    recorder: Recorder,
    metrics: Option<ControllerMetrics>,
}

impl fmt::Debug for ControllerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControllerBuilder")
            .field("deployment_informer", &self.deployment_informer)
            .field("foo_informer", &self.foo_informer)
            .field("metrics", &self.metrics.is_some())
            .finish_non_exhaustive()
    }
}

impl ControllerBuilder {
    /// Records into `metrics`: the queue's `workqueue_*` series (queue name `Foos`), and
    /// each sync's result and duration.
    pub fn metrics(mut self, metrics: &ControllerMetrics) -> Self {
        self.metrics = Some(metrics.clone());
        self
    }

    /// Writes Foo statuses through `client` instead of the one Deployments go through.
    ///
    /// Go's sample-controller has two clientsets, one for Kubernetes' own APIs and one for
    /// Foos; a second client keeps that split, e.g. with its own
    /// [`Throttle`](kube_gen::client::Throttle) or credentials. (The `sample-controller`
    /// binary uses one client with a bucket per API group-version, which is what client-go
    /// gives the Go original.)
    pub fn foo_client(mut self, client: kube::Client) -> Self {
        self.foo_client = Some(client);
        self
    }

    /// The controller, with its event handlers registered (see [`Controller::new`]).
    pub fn build(self) -> Controller {
        let mut workqueue = WorkQueue::builder()
            .name("Foos")
            .rate_limiter(controller_rate_limiter(50.0, 300));
        if let Some(metrics) = &self.metrics {
            workqueue = workqueue.metrics(metrics.workqueue());
        }
        let (deployment_informer, foo_informer) = (&self.deployment_informer, &self.foo_informer);
        let controller = Controller {
            foo_client: self.foo_client.unwrap_or_else(|| self.client.clone()),
            client: self.client,
            deployments_lister: deployment_informer.lister(),
            deployment_informer: deployment_informer.clone(),
            foos_lister: foo_informer.lister(),
            foo_informer: foo_informer.clone(),
            workqueue: workqueue.build(),
            recorder: self.recorder,
            metrics: self.metrics,
        };

        info!("Setting up event handlers");
        // Set up an event handler for when Foo resources change. Every update is enqueued,
        // periodic resyncs included: they are what re-syncs every Foo. A stored Foo that no
        // longer decodes (stored under a looser schema) is skipped by the informer, which
        // logs it; its owner learns why from a Warning Event on it.
        let (on_add, on_update) = (controller.clone(), controller.clone());
        let recorder = controller.recorder.clone();
        foo_informer.add_event_handler(
            EventHandlerFns::new()
                .on_add(move |foo: Arc<Foo>| on_add.enqueue_foo(&foo))
                .on_update(move |_old, new: Arc<Foo>| on_update.enqueue_foo(&new))
                .on_undecodable(move |foo: &Undecodable| {
                    let message = message_failed_decode(&foo.error);
                    recorder.event_on(
                        foo.object_reference(),
                        EventType::Warning,
                        ERR_FAILED_DECODE,
                        &message,
                    );
                }),
        );
        // Set up an event handler for when Deployment resources change. It finds the Foo that
        // owns the Deployment and enqueues it, so a Deployment changed behind our back is
        // brought back in line. Without such handlers the Foo would wait for its next resync.
        let (on_add, on_update, on_delete) =
            (controller.clone(), controller.clone(), controller.clone());
        deployment_informer.add_event_handler(
            EventHandlerFns::new()
                .on_add(move |d: Arc<CachedDeployment>| on_add.handle_object(&d))
                .on_update(move |old, new| on_update.handle_update(&old, &new))
                .on_delete(move |deleted| on_delete.handle_deleted_object(&deleted)),
        );
        controller
    }
}

impl Controller {
    /// A controller over these informers, recording events with `recorder`; the same as
    /// [`Controller::builder`]`(..).build()`.
    ///
    /// Registers the event handlers: a Foo added or updated is enqueued; a Deployment added,
    /// updated (with a new resourceVersion) or deleted enqueues the Foo controlling it. The
    /// queue backs off per key from 5 ms to 1000 s, and overall to 50 qps with bursts of 300.
    /// Start the informers (or their factory) before [`run`](Self::run).
    pub fn new(
        client: kube::Client,
        deployment_informer: &Informer<CachedDeployment>,
        foo_informer: &Informer<Foo>,
        recorder: Recorder,
    ) -> Self {
        Self::builder(client, deployment_informer, foo_informer, recorder).build()
    }

    /// A controller as [`new`](Self::new) builds it, with options: see [`ControllerBuilder`].
    ///
    /// `client` carries the controller's writes (and `recorder` its Events): when only a
    /// leader may write, pass clients [fenced](kube_gen::leaderelection::LeaderElector::fence)
    /// by its elector, for the recorder and the informers too.
    pub fn builder(
        client: kube::Client,
        deployment_informer: &Informer<CachedDeployment>,
        foo_informer: &Informer<Foo>,
        recorder: Recorder,
    ) -> ControllerBuilder {
        ControllerBuilder {
            client,
            foo_client: None,
            deployment_informer: deployment_informer.clone(),
            foo_informer: foo_informer.clone(),
            recorder,
            metrics: None,
        }
    }

    /// Waits for the caches, then runs `workers` workers until `shutdown` completes.
    ///
    /// On shutdown the workers take no new key, the syncs in flight finish, and `run`
    /// returns `Ok` once every worker has exited.
    ///
    /// A panic in a worker goes to kube-gen's [crash handler](kube_gen::crash): by default
    /// it logs one line naming the Foo, where it panicked and the message, and exits the
    /// process with status 2. If a handler set with [`kube_gen::crash::set_handler`]
    /// returns, a panicking sync counts as failed and is retried after its backoff, and a
    /// panic outside a sync stops the other workers as a shutdown does and `run` returns it.
    ///
    /// # Errors
    ///
    /// [`Error::CacheSync`] if the caches do not sync within [`CACHE_SYNC_TIMEOUT`],
    /// [`Error::WorkerPanicked`] if a worker panicked outside a sync and the crash handler
    /// returned.
    pub async fn run(
        &self,
        workers: usize,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        info!("Starting Foo controller");
        tokio::pin!(shutdown);

        // Wait for the caches to be synced before starting workers: a worker reading an
        // empty cache would think every Deployment is missing and try to create it.
        info!("Waiting for informer caches to sync");
        let synced = async {
            self.deployment_informer
                .wait_for_cache_sync(CACHE_SYNC_TIMEOUT)
                .await?;
            self.foo_informer
                .wait_for_cache_sync(CACHE_SYNC_TIMEOUT)
                .await
        };
        tokio::select! {
            result = synced => result.map_err(Error::CacheSync)?,
            () = &mut shutdown => {
                self.workqueue.shut_down();
                return Ok(());
            }
        }

        info!(count = workers, "Starting workers");
        let mut handles = JoinSet::new();
        for _ in 0..workers {
            handles.spawn(self.clone().run_worker());
        }
        info!("Started workers");

        // Workers only return once the queue shuts down, so a worker ending before that
        // has panicked: stop everything rather than run on with fewer workers.
        let mut result = Ok(());
        tokio::select! {
            () = &mut shutdown => info!("Shutting down workers"),
            Some(Err(err)) = handles.join_next() => {
                error!(error = %err, "A worker panicked; shutting down the other workers");
                result = Err(Error::WorkerPanicked(err));
            }
        }
        // Workers waiting in `get` wake up to `None`; a worker in a sync finishes it, and
        // the next key it gets is handed back (see `process_next_work_item`).
        self.workqueue.shut_down();
        while let Some(joined) = handles.join_next().await {
            if let Err(err) = joined {
                result = Err(Error::WorkerPanicked(err));
            }
        }
        info!("Workers stopped");
        result
    }

    /// A long-running loop that processes the work queue until it shuts down.
    ///
    /// A panic outside a sync (in the queue's bookkeeping, say) goes to the crash handler
    /// too. If that handler returns, the worker unwinds on, so that [`run`](Self::run) stops
    /// the controller: the queue may hold a key this worker never marked done.
    async fn run_worker(self) {
        let work = async { while self.process_next_work_item().await {} };
        if kube_gen::crash::catch_future(|| "a worker".to_owned(), work)
            .await
            .is_none()
        {
            std::panic::resume_unwind(Box::new("a worker panicked outside a sync"));
        }
    }

    /// Takes one key off the queue and syncs it. Returns `false` when the worker should stop.
    async fn process_next_work_item(&self) -> bool {
        let Some(key) = self.workqueue.get().await else {
            return false;
        };
        if self.workqueue.is_shutting_down() {
            // Stop taking work: a key waiting at shutdown is released unsynced; the process
            // exits and the next controller lists every Foo again.
            self.workqueue.done(&key);
            return false;
        }
        // Whatever happens below, `done` is called once at the end: it tells the queue this
        // worker has finished with the key, so it may be handed out again. A key added while
        // we were syncing it is held back until then, so two workers never sync one Foo.
        let started = Instant::now();
        // A panicking sync goes to kube-gen's crash handler, which by default logs one line
        // naming the key, where it panicked and the message, and exits with status 2, as Go's
        // `HandleCrash` crashes the process. A handler set with `crash::set_handler` that
        // returns makes it a failed sync, retried after its backoff.
        let sync = self.sync_handler(&key);
        let site = || format!("worker syncing foo {key:?}");
        let Some(result) = kube_gen::crash::catch_future(site, sync).await else {
            if let Some(metrics) = &self.metrics {
                metrics.observe_reconcile(false, started.elapsed());
            }
            self.workqueue.add_rate_limited(key.clone());
            self.workqueue.done(&key);
            return true;
        };
        if let Some(metrics) = &self.metrics {
            metrics.observe_reconcile(result.is_ok(), started.elapsed());
        }
        match result {
            Ok(()) => {
                // Synced: `forget` resets the key's backoff, so its next failure is retried
                // after the shortest delay. It does not remove a pending re-add.
                self.workqueue.forget(&key);
                info!(object_name = %key, "Successfully synced");
            }
            Err(err) => {
                // Failed: put the key back after its backoff (5 ms doubling per failure, and
                // the queue's overall bucket), so a transient error is retried without
                // hammering the API server.
                error!(object_name = %key, error = %error_chain(&err), "Error syncing; requeuing for later retry");
                self.workqueue.add_rate_limited(key.clone());
            }
        }
        self.workqueue.done(&key);
        true
    }

    /// Compares the actual state with the desired one for the Foo `key` (`namespace/name`)
    /// and acts on the difference: creates or scales its Deployment, then writes its status.
    ///
    /// Returns `Ok` when there is nothing to retry: the Foo was synced, is gone, or names no
    /// Deployment (its next update enqueues it again).
    ///
    /// # Errors
    ///
    /// [`Error::ResourceExists`] when the Deployment belongs to someone else (after a
    /// Warning event on the Foo), and the API errors of the writes; each is retried.
    ///
    /// With a client [fenced](kube_gen::leaderelection::LeaderElector::fence) by a leader
    /// elector (as the binary builds it with `--leader-elect`), every write here (the
    /// Deployment's create or update, the status update, the Events through a recorder on
    /// the same client) is refused once the Lease is lost, and one still waiting at the
    /// renew deadline is abandoned then: the sync fails with an error whose source
    /// [`is_not_leading`](kube_gen::leaderelection::is_not_leading), instead of writing
    /// while another replica leads.
    pub async fn sync_handler(&self, key: &str) -> Result<(), Error> {
        let (namespace, name) = match split_key(key) {
            Ok((Some(namespace), name)) => (namespace, name),
            _ => {
                error!(key, "invalid resource key");
                return Ok(());
            }
        };

        // Get the Foo resource with this namespace/name.
        let Some(foo) = self.foos_lister.namespace(namespace).get(name) else {
            // The Foo may no longer exist, in which case we stop processing; its Deployment
            // goes with it through the garbage collector.
            error!(object_name = %key, "Foo referenced by item in work queue no longer exists");
            return Ok(());
        };

        let deployment_name = foo.spec.deployment_name.as_str();
        if deployment_name.is_empty() {
            // We choose to absorb the error here as the worker would requeue the resource
            // otherwise. Instead, the next update of the Foo will queue it again.
            error!(object_name = %key, "Deployment name missing from object reference");
            return Ok(());
        }

        let deployments = Client::<Deployment>::namespaced(self.client.clone(), namespace);
        let opts = WriteOptions::default().field_manager(FIELD_MANAGER);
        let mut wrote = false;

        // Get the deployment with the name specified in Foo.spec; create it if it is missing.
        let deployment = match self
            .deployments_lister
            .namespace(namespace)
            .get(deployment_name)
        {
            Some(deployment) => deployment,
            None => match deployments.create(&new_deployment(&foo), &opts).await {
                Ok(created) => {
                    wrote = true;
                    Arc::new(CachedDeployment::new(created))
                }
                // The cache lags the server: the Deployment was created (by our previous sync
                // a moment ago, or by someone else) after the lister last heard of it. The
                // original fails and retries until the cache catches up; reading the live
                // object instead saves the error and the retry. Ownership is checked below.
                Err(source) if source.is_already_exists() => {
                    debug!(object_name = %key, deployment = deployment_name, "Deployment not cached yet; reading it");
                    let live = deployments.get(deployment_name).await.map_err(|source| {
                        Error::GetDeployment {
                            name: deployment_name.to_owned(),
                            source,
                        }
                    })?;
                    Arc::new(CachedDeployment::new(live))
                }
                Err(source) => {
                    return Err(Error::CreateDeployment {
                        name: deployment_name.to_owned(),
                        source,
                    });
                }
            },
        };

        // If the Deployment is not controlled by this Foo, warn about it on the Foo and
        // retry: someone may delete or hand over the Deployment.
        if !is_controlled_by(&deployment.metadata, &foo) {
            let message = message_resource_exists(deployment_name);
            self.recorder.event(
                foo.as_ref(),
                EventType::Warning,
                ERR_RESOURCE_EXISTS,
                &message,
            );
            return Err(Error::ResourceExists(message));
        }

        // If the Foo asks for a number of replicas and the Deployment has another, replace the
        // Deployment with a freshly built one. Only replicas are compared, as in the original.
        let current = deployment.data.desired;
        let deployment = match foo.spec.replicas {
            Some(desired) if Some(desired) != current => {
                debug!(
                    object_name = %key,
                    current_replicas = ?current,
                    desired_replicas = desired,
                    "Update deployment resource"
                );
                let updated = deployments
                    .update(&new_deployment(&foo), &opts)
                    .await
                    .map_err(|source| Error::UpdateDeployment {
                        name: deployment_name.to_owned(),
                        source,
                    })?;
                wrote = true;
                Arc::new(CachedDeployment::new(updated))
            }
            _ => deployment,
        };

        // Finally, report the Deployment's available replicas on the Foo.
        if self.update_foo_status(&foo, &deployment).await? {
            wrote = true;
        }

        if wrote {
            self.recorder.event(
                foo.as_ref(),
                EventType::Normal,
                SUCCESS_SYNCED,
                MESSAGE_RESOURCE_SYNCED,
            );
        }
        Ok(())
    }

    /// Writes `status.availableReplicas` of `foo` through the status subresource, unless it
    /// already says what `deployment` reports. Returns whether it wrote.
    ///
    /// The copy keeps the cached resourceVersion, so a stale cache gets a conflict and the
    /// Foo is retried once the informer has caught up.
    async fn update_foo_status(
        &self,
        foo: &Foo,
        deployment: &CachedDeployment,
    ) -> Result<bool, Error> {
        let status = FooStatus {
            available_replicas: deployment.data.available.unwrap_or(0),
        };
        if foo.status.as_ref() == Some(&status) {
            return Ok(false);
        }
        // Never change the cached object: the lister hands out the cache's own copy.
        let mut foo_copy = foo.clone();
        foo_copy.status = Some(status);
        let name = foo.metadata.name.clone().unwrap_or_default();
        let namespace = foo.metadata.namespace.as_deref().unwrap_or_default();
        Client::<Foo>::namespaced(self.foo_client.clone(), namespace)
            .update_status(
                &foo_copy,
                &WriteOptions::default().field_manager(FIELD_MANAGER),
            )
            .await
            .map_err(|source| Error::UpdateFooStatus { name, source })?;
        Ok(true)
    }

    /// Puts the key (`namespace/name`) of `foo` on the work queue.
    fn enqueue_foo(&self, foo: &Foo) {
        self.workqueue.add(key_for(foo));
    }

    /// Enqueues the Foo that controls `object`, if it is a Deployment some Foo in the cache
    /// controls; ignores every other object.
    pub fn handle_object(&self, object: &CachedDeployment) {
        let name = object.metadata.name.as_deref().unwrap_or_default();
        debug!(object = name, "Processing object");
        let Some(owner) = controller_of(&object.metadata) else {
            return;
        };
        // If this object is not owned by a Foo, we should not do anything more with it.
        // As in the original, only the kind is compared.
        if owner.kind != "Foo" {
            return;
        }
        let namespace = object.metadata.namespace.as_deref().unwrap_or_default();
        match self.foos_lister.namespace(namespace).get(&owner.name) {
            Some(foo) => self.enqueue_foo(&foo),
            None => debug!(object = name, foo = %owner.name, "Ignore orphaned object"),
        }
    }

    /// A Deployment update: ignored when the resourceVersion did not change (a periodic
    /// resync, or a relist that found it unchanged), else [`handle_object`](Self::handle_object).
    pub fn handle_update(&self, old: &CachedDeployment, new: &CachedDeployment) {
        if old.metadata.resource_version == new.metadata.resource_version {
            return;
        }
        self.handle_object(new);
    }

    /// A Deployment delete: the final object, or the last known one from a tombstone when
    /// the informer missed the delete, goes to [`handle_object`](Self::handle_object).
    pub fn handle_deleted_object(&self, deleted: &DeletedObject<CachedDeployment>) {
        if let DeletedObject::Tombstone(tombstone) = deleted {
            debug!(object = %tombstone.key, "Recovered deleted object");
        }
        self.handle_object(deleted.object());
    }
}

/// The error and its sources, joined by `: `.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
