//! The reflector: a paginated list, then bounded watches from the list's resourceVersion; relist on 410 Gone, back off on errors.

mod backoff;
mod decode;
mod failures;
mod source;
mod stats;
mod watch;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use kube::Resource;
use kube::api::ListParams;

pub(crate) use backoff::Backoff;
#[cfg(test)]
pub(crate) use decode::Page;
pub(crate) use decode::{Event, Item};
pub(crate) use failures::Failures;
use failures::describe;
#[cfg(test)]
pub(crate) use source::WatchStream;
pub(crate) use source::{ApiSource, ListWatch};
pub(crate) use stats::Counters;
pub use stats::ReflectorStats;
pub(crate) use watch::WatchTimeouts;
use watch::{WatchEnd, is_gone, is_unavailable};

use super::Undecodable;
use super::store::key_for;

/// Where a reflector puts what it lists and watches: the informer.
pub(crate) trait Sink<K>: Send + Sync {
    /// The complete current contents, from a (re)list; objects that did not decode are
    /// left out (and were reported through [`undecodable`](Sink::undecodable)).
    fn replace(&self, items: Vec<K>);
    /// An ADDED or MODIFIED watch event.
    fn upsert(&self, obj: K);
    /// A DELETED watch event.
    fn delete(&self, obj: K);
    /// An object listed or watched that did not decode; `deleted` when it came in a DELETED
    /// event. A cached object of that key leaves the cache.
    fn undecodable(&self, obj: Undecodable, deleted: bool);
}

/// The list+watch loop of one informer.
pub(crate) struct Reflector<K> {
    pub(crate) source: Arc<dyn ListWatch<K>>,
    pub(crate) name: String,
    pub(crate) label_selector: Option<String>,
    pub(crate) field_selector: Option<String>,
    pub(crate) page_size: Option<u32>,
    pub(crate) backoff: Backoff,
    /// The server-side timeout and the client-side bounds of every watch.
    pub(crate) timeouts: WatchTimeouts,
    pub(crate) counters: Counters,
    pub(crate) failures: Failures,
    /// Objects that did not decode, by key, with the resourceVersion last reported.
    pub(crate) reported: Mutex<HashMap<String, String>>,
}

impl<K: Resource + Send + 'static> Reflector<K> {
    /// Lists and watches forever; stop it by dropping the future (every await is a safe point:
    /// the sink is called synchronously between them).
    pub(crate) async fn run(&self, sink: &dyn Sink<K>) {
        let mut backoff = self.backoff.clone();
        // What to list from, as client-go's reflector chooses it: the first list takes the
        // API server's watch cache as it is ("0": one response, no pages, no etcd read), a
        // relist any state not older than the last one seen (one response from the watch
        // cache too), and a consistent read ("", in pages) only when the server no longer
        // has that version.
        let mut from = String::from("0");
        // Paces relists after a watch that got 410 before anything else: a server that
        // answers every watch so is not listed in a tight loop (client-go backs off before
        // every ListAndWatch). Any watch that delivers resets it.
        let mut relist_backoff = self.backoff.clone();
        loop {
            let mut resource_version = match self.list_all(&from, sink).await {
                Ok((items, resource_version)) => {
                    tracing::debug!(informer = %self.name, items = items.len(), %resource_version, "listed");
                    self.failures.succeeded();
                    sink.replace(items);
                    backoff.reset();
                    resource_version
                }
                Err(error) if !from.is_empty() && is_unavailable(&error) => {
                    tracing::info!(informer = %self.name, %from, "resourceVersion unavailable; listing the latest");
                    from.clear();
                    continue;
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
                    WatchEnd::Gone { delivered: true } => {
                        tracing::info!(informer = %self.name, %resource_version, "resourceVersion gone; relisting");
                        relist_backoff.reset();
                        break;
                    }
                    WatchEnd::Gone { delivered: false } => {
                        let wait = relist_backoff.next_wait();
                        tracing::info!(informer = %self.name, %resource_version, ?wait, "resourceVersion gone at once; relisting after a backoff");
                        tokio::time::sleep(wait).await;
                        break;
                    }
                    WatchEnd::Closed => relist_backoff.reset(),
                    WatchEnd::Failed => tokio::time::sleep(backoff.next_wait()).await,
                }
            }
            from = resource_version;
        }
    }

    /// One full list, page by page. Every page after the first continues the first page's
    /// snapshot, so the last page's resourceVersion is the snapshot's. Objects that do not
    /// decode are reported to the sink as they come and left out.
    /// `from` is the first page's resourceVersion (see [`run`](Self::run)); later pages carry
    /// none, as the API server requires of a `continue`.
    async fn list_all(&self, from: &str, sink: &dyn Sink<K>) -> kube::Result<(Vec<K>, String)> {
        self.counters.lists.fetch_add(1, Ordering::Relaxed);
        let first = (!from.is_empty()).then(|| from.to_owned());
        let mut params = ListParams::default();
        params.resource_version.clone_from(&first);
        params.label_selector.clone_from(&self.label_selector);
        params.field_selector.clone_from(&self.field_selector);
        // Pages only for a consistent read (""), as client-go's reflector pages. The watch
        // cache answers "0" whole whatever the limit, and kube leaves "0" out of a request
        // that has one (a paged etcd read). A version with a limit would be an exact read of
        // that old snapshot, which a restarted apiserver's watch cache cannot follow (410,
        // relist at the same version, again); without one it is "not older than", served
        // by the watch cache.
        params.limit = if from.is_empty() {
            self.page_size
        } else {
            None
        };
        let mut items = Vec::new();
        let mut undecodable = Vec::new();
        let resource_version = loop {
            self.counters.list_pages.fetch_add(1, Ordering::Relaxed);
            let page = match self.source.list(&params).await {
                Ok(page) => page,
                // The continue token expired mid-list: start over without pages, as client-go does.
                Err(error) if is_gone(&error) && params.continue_token.is_some() => {
                    tracing::info!(informer = %self.name, "continue token expired; listing in one page");
                    items.clear();
                    undecodable.clear();
                    params.continue_token = None;
                    params.limit = None;
                    params.resource_version.clone_from(&first);
                    continue;
                }
                Err(error) => return Err(error),
            };
            items.reserve(page.items.len());
            for item in page.items {
                match item {
                    Item::Object(obj) => items.push(obj),
                    Item::Undecodable(obj) => undecodable.push(*obj),
                }
            }
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => {
                    params.continue_token = Some(token);
                    params.resource_version = None;
                }
                _ => break page.metadata.resource_version.unwrap_or_default(),
            }
        };
        // Forget reports of objects that are gone or decode now; a list is the whole truth.
        {
            let keys: HashSet<String> = undecodable.iter().map(Undecodable::key).collect();
            lock(&self.reported).retain(|key, _| keys.contains(key));
        }
        for obj in undecodable {
            self.report(sink, obj, false);
        }
        Ok((items, resource_version))
    }

    /// Logs, counts and hands on an object that did not decode, once per resourceVersion:
    /// a relist or a resumed watch that sees the same version again stays quiet.
    fn report(&self, sink: &dyn Sink<K>, obj: Undecodable, deleted: bool) {
        let key = obj.key();
        let version = obj.resource_version.clone().unwrap_or_default();
        let first = {
            let mut reported = lock(&self.reported);
            if deleted {
                reported.remove(&key).as_deref() != Some(version.as_str())
            } else {
                reported.insert(key.clone(), version.clone()).as_deref() != Some(version.as_str())
            }
        };
        if first {
            self.counters.undecodable.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                informer = %self.name,
                kind = %obj.kind,
                object = %key,
                resource_version = %version,
                error = %obj.error,
                "object does not decode; skipping it"
            );
            sink.undecodable(obj, deleted);
        }
    }

    /// A decodable version of `obj` arrived, or it was deleted: a later bad version is news.
    fn forget_report(&self, obj: &K) {
        let mut reported = lock(&self.reported);
        if !reported.is_empty() {
            reported.remove(&key_for(obj));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
