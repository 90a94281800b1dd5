//! [`Informer`]: a reflector feeding an indexed cache and fanning notifications out to handlers.

use std::collections::HashSet;
use std::fmt::{self, Debug};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use kube::api::Api;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::event::{DeletedFinalStateUnknown, DeletedObject, Notification};
use super::handlers::{EventHandler, HandlerRegistration, Listener};
use super::reflector::{
    ApiSource, Backoff, Counters, Failures, ListWatch, Reflector, ReflectorStats, Sink,
    WatchTimeouts,
};
use super::store::{IndexFn, Store, Writer, key_for};
use super::{Error, Undecodable, drop_managed_fields};
use crate::lister::Lister;

type Transform<K> = Arc<dyn Fn(K) -> K + Send + Sync>;

/// Keeps a local cache of one resource in sync with the API server and tells handlers about
/// every change; client-go's `SharedIndexInformer`.
///
/// Cheap to clone: clones share one reflector, cache and set of handlers. See the
/// [module documentation](super) for the list/watch protocol.
pub struct Informer<K> {
    shared: Arc<Shared<K>>,
}

impl<K> Clone for Informer<K> {
    fn clone(&self) -> Self {
        Informer {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K> Debug for Informer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Informer")
            .field("name", &self.shared.reflector.name)
            .field("synced", &self.shared.phase.borrow().synced)
            .field("stats", &self.shared.reflector.counters.snapshot())
            .finish()
    }
}

/// Whether an informer is running, has synced, and can currently list and watch; from
/// [`Informer::health`].
///
/// Meant for readiness probes and metrics: an informer that cannot reach the API server, or
/// is forbidden to list its resource, keeps serving its last cache and retries with
/// backoff, so `synced` alone does not say that the cache is current. `last_error` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InformerHealth {
    /// [`Informer::start`] (or [`Informer::shutdown`]) has been called: `false` while the
    /// informer waits to be started, e.g. in a standby replica waiting for leadership.
    pub started: bool,
    /// [`Informer::shutdown`] has been called.
    pub stopped: bool,
    /// The first list has been stored and handed to the handlers; stays true afterwards.
    pub synced: bool,
    /// The most recent list or watch failure, such as `list failed: Forbidden (403):
    /// deployments.apps is forbidden: ...` or `watch failed: ...: connection refused`;
    /// `None` once a list or watch next succeeds. A 410 Gone (which relists) is not a
    /// failure.
    pub last_error: Option<String>,
    /// List and watch attempts that failed since the last one that succeeded; each one was
    /// logged at warn and followed by a backoff step.
    pub consecutive_failures: u32,
    /// Objects skipped since the informer started because they did not decode into its
    /// type (see [`Undecodable`](super::Undecodable)); the same as
    /// [`ReflectorStats::undecodable`].
    pub undecodable: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Phase {
    synced: bool,
    stopped: bool,
}

enum Run {
    NotStarted,
    Running(Vec<JoinHandle<()>>, watch::Sender<bool>),
    Stopped,
}

/// The writer and the handlers, under one lock: applying a change to the cache and queueing
/// its notification is atomic, so a handler added late sees each object exactly once.
struct Dispatch<K> {
    writer: Writer<K>,
    listeners: Vec<Listener<K>>,
    next_id: u64,
}

impl<K: Send + Sync + 'static> Dispatch<K> {
    fn notify(&self, notification: Notification<K>) {
        for listener in &self.listeners {
            listener.send(notification.clone());
        }
    }
}

struct Shared<K> {
    reflector: Reflector<K>,
    store: Store<K>,
    dispatch: Mutex<Dispatch<K>>,
    transform: Transform<K>,
    resync_period: Option<Duration>,
    phase: watch::Sender<Phase>,
    run: Mutex<Run>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where an informer lists and watches: the API server, or a unit test's fake.
enum Source<K> {
    Api(ApiSource),
    /// Unit tests' fakes.
    #[cfg_attr(not(test), allow(dead_code))]
    Given(Arc<dyn ListWatch<K>>),
}

/// Builds an [`Informer`]; from [`Informer::builder`].
pub struct InformerBuilder<K> {
    source: Source<K>,
    name: String,
    label_selector: Option<String>,
    field_selector: Option<String>,
    page_size: Option<u32>,
    resync_period: Option<Duration>,
    transform: Transform<K>,
    backoff: (Duration, Duration),
    watch_timeouts: WatchTimeouts,
}

impl<K> Debug for InformerBuilder<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InformerBuilder")
            .field("name", &self.name)
            .field("label_selector", &self.label_selector)
            .field("field_selector", &self.field_selector)
            .field("page_size", &self.page_size)
            .field("resync_period", &self.resync_period)
            .finish_non_exhaustive()
    }
}

impl<K> InformerBuilder<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn from_source(name: String, source: Arc<dyn ListWatch<K>>) -> Self {
        Self::new(name, Source::Given(source))
    }

    pub(crate) fn from_url(client: Client, url: String) -> Self {
        let protobuf = crate::protobuf::find_codec::<K>();
        Self::new(
            url.clone(),
            Source::Api(ApiSource::new(client, url, protobuf)),
        )
    }

    fn new(name: String, source: Source<K>) -> Self {
        InformerBuilder {
            source,
            name,
            label_selector: None,
            field_selector: None,
            page_size: Some(500),
            resync_period: None,
            transform: Arc::new(drop_managed_fields::<K>),
            backoff: (Duration::from_millis(800), Duration::from_secs(30)),
            watch_timeouts: WatchTimeouts::default(),
        }
    }

    /// Lists and watches only objects matching this label selector (`app=web,tier!=db`).
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_owned());
        self
    }

    /// Lists and watches only objects matching this field selector (`metadata.name=foo`).
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_owned());
        self
    }

    /// Objects per page of a list (default 500, client-go's); `None` lists in one response.
    ///
    /// As client-go's reflector does, the first list asks for resourceVersion "0", and a
    /// relist for no older than the last version seen: the API server's watch cache answers
    /// both in one response, with no etcd read, so they are sent unpaged. Pages apply to a
    /// consistent read, the list after the server no longer has the version asked for.
    pub fn page_size(mut self, page_size: Option<u32>) -> Self {
        self.page_size = page_size;
        self
    }

    /// Whether to list and watch as protobuf, for the kinds kube-gen has protobuf decoders
    /// for ([`ProtobufKind`](super::ProtobufKind): the built-in kinds of core/v1 and
    /// apps/v1, and [`Projected`](super::Projected) ones after
    /// [`use_protobuf`](super::Projected::use_protobuf)). On by default, as in client-go's
    /// clientsets: the API server's protobuf is smaller and much cheaper to decode than its
    /// JSON. Requests still accept JSON, and a protobuf body that does not decode switches
    /// the informer to JSON. Other types (custom resources) are always JSON.
    pub fn protobuf(mut self, on: bool) -> Self {
        if let Source::Api(api) = &mut self.source {
            api.protobuf = if on {
                crate::protobuf::find_codec::<K>()
            } else {
                None
            };
        }
        self
    }

    /// Re-delivers every cached object to every handler as an update with `old == new` this
    /// often; `None` or zero (the default) never resyncs.
    pub fn resync_period(mut self, period: Option<Duration>) -> Self {
        self.resync_period = period.filter(|p| !p.is_zero());
        self
    }

    /// Runs `transform` on every object before it is stored, replacing the default, which
    /// drops `metadata.managedFields` ([`drop_managed_fields`]). Call that from your own
    /// transform to keep the saving.
    pub fn transform(mut self, transform: impl Fn(K) -> K + Send + Sync + 'static) -> Self {
        self.transform = Arc::new(transform);
        self
    }

    /// Waits between failed list or watch attempts: from `initial`, doubling with jitter, up
    /// to `max` (default 800 ms to 30 s, client-go's).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = (initial, max.max(initial));
        self
    }

    /// Every watch asks the server to end it after a random `timeoutSeconds` between `min`
    /// and twice `min` (default 5 minutes, client-go's `minWatchTimeout`), so informers do
    /// not re-watch in lockstep; the client drops it 15 s after that if the server did not.
    /// A watch that ends at its timeout is resumed at once, without backoff.
    pub fn min_watch_timeout(mut self, min: Duration) -> Self {
        self.watch_timeouts.min = min.max(Duration::from_secs(1));
        self
    }

    /// Drops a watch that delivers nothing, no event and no bookmark, for `idle` (default
    /// 2 minutes), and resumes it from the last resourceVersion at once: a connection that
    /// died without a FIN or RST is noticed within `idle`. The apiserver sends a healthy
    /// watch a bookmark about every minute, so keep `idle` above that in production; tests
    /// use a few seconds. It also bounds the wait for a watch's response headers.
    pub fn watch_idle_timeout(mut self, idle: Duration) -> Self {
        self.watch_timeouts.idle = idle.max(Duration::from_millis(1));
        self
    }

    /// The informer, not yet started.
    pub fn build(self) -> Informer<K> {
        let writer = Writer::new();
        let store = writer.as_reader();
        Informer {
            shared: Arc::new(Shared {
                reflector: Reflector {
                    source: match self.source {
                        Source::Api(api) => Arc::new(api),
                        Source::Given(source) => source,
                    },
                    name: self.name,
                    label_selector: self.label_selector,
                    field_selector: self.field_selector,
                    page_size: self.page_size,
                    backoff: Backoff::new(self.backoff.0, self.backoff.1),
                    timeouts: self.watch_timeouts,
                    counters: Counters::default(),
                    failures: Failures::default(),
                    reported: Default::default(),
                },
                store,
                dispatch: Mutex::new(Dispatch {
                    writer,
                    listeners: Vec::new(),
                    next_id: 0,
                }),
                transform: self.transform,
                resync_period: self.resync_period,
                phase: watch::Sender::new(Phase::default()),
                run: Mutex::new(Run::NotStarted),
            }),
        }
    }
}

impl<K> Informer<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    /// An informer over the collection `api` addresses: `Api::namespaced` restricts it to a
    /// namespace, `Api::all` watches every namespace or a cluster-scoped resource.
    pub fn builder(api: Api<K>) -> InformerBuilder<K> {
        let url = api.resource_url().to_owned();
        InformerBuilder::from_url(api.into_client(), url)
    }

    /// Starts listing and watching on the current Tokio runtime; does nothing if it was
    /// already started or has been shut down.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub fn start(&self) {
        let mut run = lock(&self.shared.run);
        if !matches!(*run, Run::NotStarted) {
            return;
        }
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::clone(&self.shared);
        let mut until_stopped = stopped.clone();
        let mut tasks = vec![tokio::spawn(async move {
            tokio::select! {
                () = shared.reflector.run(shared.as_ref()) => {}
                _ = until_stopped.wait_for(|stop| *stop) => {}
            }
        })];
        if let Some(period) = self.shared.resync_period {
            let shared = Arc::clone(&self.shared);
            let mut until_stopped = stopped;
            tasks.push(tokio::spawn(async move {
                let mut ticks =
                    tokio::time::interval_at(tokio::time::Instant::now() + period, period);
                loop {
                    tokio::select! {
                        _ = ticks.tick() => shared.resync(),
                        _ = until_stopped.wait_for(|stop| *stop) => return,
                    }
                }
            }));
        }
        *run = Run::Running(tasks, stop);
    }

    /// Stops the reflector and resync, then waits until every handler has taken its queued
    /// notifications. The cache keeps its last contents. Idempotent.
    pub async fn shutdown(&self) {
        let tasks = match std::mem::replace(&mut *lock(&self.shared.run), Run::Stopped) {
            Run::Running(tasks, stop) => {
                stop.send_replace(true);
                tasks
            }
            Run::NotStarted | Run::Stopped => Vec::new(),
        };
        for task in tasks {
            let _ = task.await;
        }
        let listeners = std::mem::take(&mut lock(&self.shared.dispatch).listeners);
        for listener in listeners {
            listener.finish().await;
        }
        self.shared.phase.send_modify(|phase| phase.stopped = true);
    }

    /// Adds a handler. It is first told about everything already cached (as adds, with
    /// `in_initial_list` true), then about every later change.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime: the handler gets a task of its own.
    pub fn add_event_handler(&self, handler: impl EventHandler<K>) -> HandlerRegistration {
        let mut dispatch = lock(&self.shared.dispatch);
        let id = dispatch.next_id;
        dispatch.next_id += 1;
        let (listener, registration) = Listener::spawn(id, handler);
        if self.has_synced() {
            for obj in self.shared.store.list() {
                listener.send(Notification::Add {
                    obj,
                    in_initial_list: true,
                });
            }
            listener.send(Notification::Synced);
        }
        dispatch.listeners.push(listener);
        registration
    }

    /// Removes a handler; it still gets what was queued for it before.
    pub fn remove_event_handler(&self, registration: &HandlerRegistration) {
        let mut dispatch = lock(&self.shared.dispatch);
        dispatch
            .listeners
            .retain(|listener| listener.id != registration.id);
    }

    /// Adds an index to the cache, filing what is already there; see [`Store::by_index`].
    ///
    /// # Errors
    ///
    /// [`Error::IndexExists`] if the informer has an index of that name.
    pub fn add_indexer(
        &self,
        name: &str,
        index_fn: impl Fn(&K) -> Vec<String> + Send + Sync + 'static,
    ) -> Result<(), Error> {
        let index_fn: IndexFn<K> = Arc::new(index_fn);
        lock(&self.shared.dispatch)
            .writer
            .add_indexer(name, index_fn)
    }

    /// Whether the first list has been stored and handed to the handlers.
    pub fn has_synced(&self) -> bool {
        self.shared.phase.borrow().synced
    }

    /// Waits until [`has_synced`](Self::has_synced), for at most `timeout`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future only stops waiting.
    ///
    /// # Errors
    ///
    /// [`Error::CacheSyncTimeout`] when `timeout` passes first, [`Error::ShutDown`] if the
    /// informer is shut down before it synced.
    pub async fn wait_for_cache_sync(&self, timeout: Duration) -> Result<(), Error> {
        let mut phase = self.shared.phase.subscribe();
        let waited = tokio::time::timeout(timeout, phase.wait_for(|p| p.synced || p.stopped)).await;
        match waited {
            Ok(Ok(phase)) if phase.synced => Ok(()),
            Ok(_) => Err(Error::ShutDown),
            Err(_) => Err(Error::CacheSyncTimeout(vec![
                self.shared.reflector.name.clone(),
            ])),
        }
    }

    /// A read handle on the cache.
    pub fn store(&self) -> Store<K> {
        self.shared.store.clone()
    }

    /// A lister over the cache.
    pub fn lister(&self) -> Lister<K> {
        Lister::new(self.store())
    }

    /// The collection URL the informer lists and watches, which names it in logs and errors.
    pub fn name(&self) -> &str {
        &self.shared.reflector.name
    }

    /// How many lists, list pages and watches the informer has started so far.
    pub fn stats(&self) -> ReflectorStats {
        let mut stats = self.shared.reflector.counters.snapshot();
        stats.protobuf_responses = self.shared.reflector.source.protobuf_responses();
        stats
    }

    /// Whether the informer is running, has synced, and whether its last list or watch
    /// worked; cheap enough to call on every probe or scrape.
    ///
    /// ```no_run
    /// # fn doc(informer: kube_gen::informer::Informer<k8s_openapi::api::apps::v1::Deployment>) {
    /// let health = informer.health();
    /// if let Some(error) = &health.last_error {
    ///     eprintln!("{} is not current: {error}", informer.name());
    /// }
    /// # }
    /// ```
    pub fn health(&self) -> InformerHealth {
        let started = !matches!(*lock(&self.shared.run), Run::NotStarted);
        let phase = *self.shared.phase.borrow();
        let failures = self.shared.reflector.failures.snapshot();
        InformerHealth {
            started,
            stopped: phase.stopped,
            synced: phase.synced,
            last_error: failures.last_error,
            consecutive_failures: failures.consecutive,
            undecodable: self.stats().undecodable,
        }
    }
}

impl<K> Shared<K>
where
    K: Resource + Clone + Send + Sync + 'static,
{
    fn prepare(&self, obj: K) -> Arc<K> {
        Arc::new((self.transform)(obj))
    }

    /// Tells every handler about every cached object again, as an update to itself.
    fn resync(&self) {
        if !self.phase.borrow().synced {
            return;
        }
        let dispatch = lock(&self.dispatch);
        for obj in self.store.list() {
            dispatch.notify(Notification::Update {
                old: Arc::clone(&obj),
                new: obj,
            });
        }
    }
}

impl<K> Sink<K> for Shared<K>
where
    K: Resource + Clone + Send + Sync + 'static,
{
    /// Reconciles the cache with a full list: listed objects become adds or updates, cached
    /// objects missing from the list become tombstones.
    fn replace(&self, items: Vec<K>) {
        let mut dispatch = lock(&self.dispatch);
        let initial = !self.phase.borrow().synced;
        let mut missing: HashSet<String> = self.store.list_keys().into_iter().collect();
        for obj in items {
            let obj = self.prepare(obj);
            missing.remove(&key_for(obj.as_ref()));
            let notification = match dispatch.writer.insert(Arc::clone(&obj)) {
                Some(old) => Notification::Update { old, new: obj },
                None => Notification::Add {
                    obj,
                    in_initial_list: initial,
                },
            };
            dispatch.notify(notification);
        }
        for key in missing {
            if let Some(last_known) = dispatch.writer.remove(&key) {
                let tombstone = DeletedFinalStateUnknown { key, last_known };
                dispatch.notify(Notification::Delete(DeletedObject::Tombstone(tombstone)));
            }
        }
        if initial {
            dispatch.notify(Notification::Synced);
            self.phase.send_modify(|phase| phase.synced = true);
        }
    }

    fn upsert(&self, obj: K) {
        let obj = self.prepare(obj);
        let mut dispatch = lock(&self.dispatch);
        let notification = match dispatch.writer.insert(Arc::clone(&obj)) {
            Some(old) => Notification::Update { old, new: obj },
            None => Notification::Add {
                obj,
                in_initial_list: false,
            },
        };
        dispatch.notify(notification);
    }

    fn delete(&self, obj: K) {
        let obj = self.prepare(obj);
        let mut dispatch = lock(&self.dispatch);
        dispatch.writer.remove(&key_for(obj.as_ref()));
        dispatch.notify(Notification::Delete(DeletedObject::Object(obj)));
    }

    /// A cached object whose new version does not decode leaves the cache as a delete whose
    /// final state is unknown; it comes back as an add with its next decodable version.
    fn undecodable(&self, obj: Undecodable, _deleted: bool) {
        let key = obj.key();
        let mut dispatch = lock(&self.dispatch);
        if let Some(last_known) = dispatch.writer.remove(&key) {
            let tombstone = DeletedFinalStateUnknown { key, last_known };
            dispatch.notify(Notification::Delete(DeletedObject::Tombstone(tombstone)));
        }
        dispatch.notify(Notification::Undecodable(Arc::new(obj)));
    }
}
