//! The reflector: a paginated list, then a watch from the list's resourceVersion; relist on 410 Gone, back off on errors.

use std::fmt::Debug;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use kube::api::{ListParams, ObjectList, WatchEvent, WatchParams};
use kube::core::{Request, Status};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

/// A watch: its events until the server ends it.
pub(crate) type WatchStream<K> = BoxStream<'static, kube::Result<WatchEvent<K>>>;

/// One page of a list.
pub(crate) struct Page<K> {
    pub(crate) items: Vec<K>,
    pub(crate) metadata: ListMeta,
}

/// The two calls a reflector makes; real ones go through [`ApiSource`], unit tests use a fake.
pub(crate) trait ListWatch<K>: Send + Sync + 'static {
    fn list<'a>(&'a self, params: &'a ListParams) -> BoxFuture<'a, kube::Result<Page<K>>>;
    fn watch<'a>(
        &'a self,
        params: &'a WatchParams,
        resource_version: &'a str,
    ) -> BoxFuture<'a, kube::Result<WatchStream<K>>>;
}

/// List and watch requests for one collection URL, sent through a kube [`Client`].
///
/// Built from a URL rather than an [`Api`](kube::Api) so the factory can restrict any resource
/// to a namespace without knowing its scope at compile time.
pub(crate) struct ApiSource {
    pub(crate) client: Client,
    pub(crate) request: Request,
}

impl<K> ListWatch<K> for ApiSource
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    fn list<'a>(&'a self, params: &'a ListParams) -> BoxFuture<'a, kube::Result<Page<K>>> {
        async move {
            let request = if K::metadata_api() {
                self.request.list_metadata(params)
            } else {
                self.request.list(params)
            };
            let request = request.map_err(kube::Error::BuildRequest)?;
            let list = self.client.request::<ObjectList<K>>(request).await?;
            Ok(Page {
                items: list.items,
                metadata: list.metadata,
            })
        }
        .boxed()
    }

    fn watch<'a>(
        &'a self,
        params: &'a WatchParams,
        resource_version: &'a str,
    ) -> BoxFuture<'a, kube::Result<WatchStream<K>>> {
        async move {
            let request = if K::metadata_api() {
                self.request.watch_metadata(params, resource_version)
            } else {
                self.request.watch(params, resource_version)
            };
            let request = request.map_err(kube::Error::BuildRequest)?;
            let events = self.client.request_events::<K>(request).await?;
            Ok(StreamExt::boxed(events))
        }
        .boxed()
    }
}

/// Where a reflector puts what it lists and watches: the informer.
pub(crate) trait Sink<K>: Send + Sync {
    /// The complete current contents, from a (re)list.
    fn replace(&self, items: Vec<K>);
    /// An ADDED or MODIFIED watch event.
    fn upsert(&self, obj: K);
    /// A DELETED watch event.
    fn delete(&self, obj: K);
}

/// How often a reflector listed and watched; see [`Informer::stats`](super::Informer::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReflectorStats {
    /// Full lists started (the initial one and each relist after 410 Gone).
    pub lists: u64,
    /// List pages requested (more than `lists` when the list is paginated).
    pub list_pages: u64,
    /// Watch requests started (the first one and each resume or restart).
    pub watches: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    lists: AtomicU64,
    list_pages: AtomicU64,
    watches: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> ReflectorStats {
        ReflectorStats {
            lists: self.lists.load(Ordering::Relaxed),
            list_pages: self.list_pages.load(Ordering::Relaxed),
            watches: self.watches.load(Ordering::Relaxed),
        }
    }
}

/// The reflector's most recent list or watch failure, cleared by the next success; read
/// through [`Informer::health`](super::Informer::health).
#[derive(Debug, Default)]
pub(crate) struct Failures {
    state: Mutex<FailureState>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct FailureState {
    /// What went wrong last, e.g. `list failed: Forbidden (403): ...`.
    pub(crate) last_error: Option<String>,
    /// List and watch attempts that failed since the last one that worked.
    pub(crate) consecutive: u32,
}

impl Failures {
    fn failed(&self, error: String) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_error = Some(error);
        state.consecutive = state.consecutive.saturating_add(1);
    }

    fn succeeded(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_error = None;
        state.consecutive = 0;
    }

    pub(crate) fn snapshot(&self) -> FailureState {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// An error as one line for logs and [`InformerHealth`](super::InformerHealth): an API
/// status as `Reason (code): message` (kube's own text adds a `Debug` dump of the status),
/// anything else with its sources, which say what actually failed (`connection refused`).
fn describe(error: &kube::Error) -> String {
    if let kube::Error::Api(status) = error {
        return describe_status(status);
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A failure status as `Reason (code): message`, e.g. `Forbidden (403): foos is forbidden: ...`.
fn describe_status(status: &Status) -> String {
    let reason = if status.reason.is_empty() {
        "Failure"
    } else {
        status.reason.as_str()
    };
    format!("{reason} ({}): {}", status.code, status.message)
}

/// Exponential backoff with jitter: each wait is the current step plus up to the step again,
/// and the step doubles up to `max`; anything the server delivers resets it.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            step: initial,
        }
    }

    fn reset(&mut self) {
        self.step = self.initial;
    }

    fn next_wait(&mut self) -> Duration {
        let wait = self.step.mul_f64(1.0 + jitter()).min(self.max);
        self.step = (self.step * 2).min(self.max);
        wait
    }
}

/// A number in `[0, 1)`, from the standard library's randomly keyed hasher.
fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// How one watch ended.
enum WatchEnd {
    /// The resourceVersion is too old (410 Gone): relist.
    Gone,
    /// The server closed the stream after delivering events: watch again at once.
    Closed,
    /// An error, or a stream closed without a single event: back off, then watch again.
    Failed,
}

fn is_gone(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 410)
}

/// The list+watch loop of one informer.
pub(crate) struct Reflector<K> {
    pub(crate) source: Arc<dyn ListWatch<K>>,
    pub(crate) name: String,
    pub(crate) label_selector: Option<String>,
    pub(crate) field_selector: Option<String>,
    pub(crate) page_size: Option<u32>,
    pub(crate) backoff: Backoff,
    pub(crate) counters: Counters,
    pub(crate) failures: Failures,
}

impl<K: Resource + Send + 'static> Reflector<K> {
    /// Lists and watches forever; stop it by dropping the future (every await is a safe point:
    /// the sink is called synchronously between them).
    pub(crate) async fn run(&self, sink: &dyn Sink<K>) {
        let mut backoff = self.backoff.clone();
        loop {
            let mut resource_version = match self.list_all().await {
                Ok((items, resource_version)) => {
                    tracing::debug!(informer = %self.name, items = items.len(), %resource_version, "listed");
                    self.failures.succeeded();
                    sink.replace(items);
                    backoff.reset();
                    resource_version
                }
                Err(error) => {
                    // One line per attempt, each followed by one backoff step: an unreachable
                    // or forbidden API server is reported as often as it is retried.
                    let wait = backoff.next_wait();
                    let error = describe(&error);
                    tracing::warn!(informer = %self.name, %error, ?wait, "list failed; retrying");
                    self.failures.failed(format!("list failed: {error}"));
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            loop {
                match self.watch(&mut resource_version, sink, &mut backoff).await {
                    WatchEnd::Gone => {
                        tracing::info!(informer = %self.name, %resource_version, "resourceVersion gone; relisting");
                        break;
                    }
                    WatchEnd::Closed => {}
                    WatchEnd::Failed => tokio::time::sleep(backoff.next_wait()).await,
                }
            }
        }
    }

    /// One full list, page by page. Every page after the first continues the first page's
    /// snapshot, so the last page's resourceVersion is the snapshot's.
    async fn list_all(&self) -> kube::Result<(Vec<K>, String)> {
        self.counters.lists.fetch_add(1, Ordering::Relaxed);
        let mut params = ListParams::default();
        params.label_selector.clone_from(&self.label_selector);
        params.field_selector.clone_from(&self.field_selector);
        params.limit = self.page_size;
        let mut items = Vec::new();
        loop {
            self.counters.list_pages.fetch_add(1, Ordering::Relaxed);
            let page = match self.source.list(&params).await {
                Ok(page) => page,
                // The continue token expired mid-list: start over without pages, as client-go does.
                Err(error) if is_gone(&error) && params.continue_token.is_some() => {
                    tracing::info!(informer = %self.name, "continue token expired; listing in one page");
                    items.clear();
                    params.continue_token = None;
                    params.limit = None;
                    continue;
                }
                Err(error) => return Err(error),
            };
            items.extend(page.items);
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params.continue_token = Some(token),
                _ => return Ok((items, page.metadata.resource_version.unwrap_or_default())),
            }
        }
    }

    /// One watch from `resource_version`, which follows every event and bookmark.
    async fn watch(
        &self,
        resource_version: &mut String,
        sink: &dyn Sink<K>,
        backoff: &mut Backoff,
    ) -> WatchEnd {
        // kube's default WatchParams ask for bookmarks (allowWatchBookmarks=true).
        let mut params = WatchParams::default();
        params.label_selector.clone_from(&self.label_selector);
        params.field_selector.clone_from(&self.field_selector);
        self.counters.watches.fetch_add(1, Ordering::Relaxed);
        let mut events = match self.source.watch(&params, resource_version).await {
            Ok(events) => events,
            Err(error) if is_gone(&error) => return WatchEnd::Gone,
            Err(error) => {
                let error = describe(&error);
                tracing::warn!(informer = %self.name, %error, "watch failed; backing off");
                self.failures.failed(format!("watch failed: {error}"));
                return WatchEnd::Failed;
            }
        };
        self.failures.succeeded();
        let mut delivered = false;
        while let Some(event) = events.next().await {
            match event {
                Ok(WatchEvent::Added(obj) | WatchEvent::Modified(obj)) => {
                    follow(resource_version, &obj);
                    sink.upsert(obj);
                }
                Ok(WatchEvent::Deleted(obj)) => {
                    follow(resource_version, &obj);
                    sink.delete(obj);
                }
                Ok(WatchEvent::Bookmark(bookmark)) => {
                    *resource_version = bookmark.metadata.resource_version;
                }
                Ok(WatchEvent::Error(status)) if status.code == 410 => return WatchEnd::Gone,
                Err(error) if is_gone(&error) => return WatchEnd::Gone,
                Ok(WatchEvent::Error(status)) => {
                    let error = describe_status(&status);
                    tracing::warn!(informer = %self.name, %error, "watch error; backing off");
                    self.failures.failed(format!("watch failed: {error}"));
                    return WatchEnd::Failed;
                }
                Err(error) => {
                    let error = describe(&error);
                    tracing::warn!(informer = %self.name, %error, "watch broke; resuming");
                    self.failures.failed(format!("watch broke: {error}"));
                    return WatchEnd::Failed;
                }
            }
            delivered = true;
            backoff.reset();
        }
        if delivered {
            WatchEnd::Closed
        } else {
            WatchEnd::Failed
        }
    }
}

/// Moves the resume point to an event's object.
fn follow<K: Resource>(resource_version: &mut String, obj: &K) {
    if let Some(rv) = &obj.meta().resource_version {
        resource_version.clone_from(rv);
    }
}
