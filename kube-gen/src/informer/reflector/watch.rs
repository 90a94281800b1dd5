//! One watch: every event and bookmark from a resourceVersion, until it ends, goes silent or outlives its deadline.

use std::time::Duration;

use futures::StreamExt;
use kube::Resource;
use kube::api::WatchParams;
use tokio::time::{Instant, timeout, timeout_at};

use super::backoff::jitter;
use super::failures::{describe, describe_status};
use super::{Backoff, Event, Item, Reflector, Sink};

/// How one watch ended.
pub(super) enum WatchEnd {
    /// The resourceVersion is too old (410 Gone): relist; `delivered` when the watch had
    /// delivered something first.
    Gone { delivered: bool },
    /// The server ended the stream (its `timeoutSeconds`), or the stream was dropped for
    /// silence or at its client-side deadline: watch again at once, not a failure.
    Closed,
    /// An error, no response, or a stream closed at once without a single event: back off,
    /// then watch again.
    Failed,
}

pub(super) fn is_gone(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 410)
}

/// The list's resourceVersion is one the server no longer has (410, compacted) or does not
/// have yet (a watch cache behind it: 504 "Too large resource version"); client-go then lists
/// again at the latest.
pub(super) fn is_unavailable(error: &kube::Error) -> bool {
    is_gone(error)
        || matches!(error, kube::Error::Api(status)
            if status.code == 504 && status.message.contains("Too large resource version"))
}

/// How long a watch may last and how long it may stay silent.
///
/// A connection that dies without a FIN or RST (node loss, dropped NAT or load-balancer
/// state, a frozen proxy) delivers nothing and never ends, and nothing else notices: these
/// bounds are what make the reflector give up on it and watch again from the last
/// resourceVersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WatchTimeouts {
    /// Every watch asks the server to end it after `timeoutSeconds` drawn from
    /// `[min, 2 × min)`, client-go's `minWatchTimeout * (rand + 1)`: informers started
    /// together do not all re-watch at the same moment.
    pub(crate) min: Duration,
    /// A watch that delivers nothing, no event and no bookmark, for this long is dropped.
    /// With `allowWatchBookmarks=true` the apiserver's watch cache sends a healthy watch a
    /// bookmark about every minute (and one 2 s before its timeout), so silence this long
    /// means the connection is gone. Also bounds the wait for the watch's response headers.
    pub(crate) idle: Duration,
}

impl Default for WatchTimeouts {
    fn default() -> Self {
        WatchTimeouts {
            min: MIN_WATCH_TIMEOUT,
            idle: IDLE_TIMEOUT,
        }
    }
}

/// client-go's `minWatchTimeout`.
pub(crate) const MIN_WATCH_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Twice the apiserver's bookmark period (one minute).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(2 * 60);
/// How far past its `timeoutSeconds` a watch may run before the client drops it: the server
/// ends it at `timeoutSeconds` (after a last bookmark 2 s before), so reaching this means its
/// end never arrived.
const DEADLINE_GRACE: Duration = Duration::from_secs(15);
/// A watch that ends sooner than this without one event is a failure (client-go's "very
/// short watch"), so a server or proxy that closes every watch at once is not hammered.
const VERY_SHORT_WATCH: Duration = Duration::from_secs(1);

impl WatchTimeouts {
    /// A fresh random `timeoutSeconds` in `[min, 2 × min)`, at least one second.
    fn server_timeout(&self) -> Duration {
        let timeout = self.min.mul_f64(1.0 + jitter());
        Duration::from_secs(timeout.as_secs().max(1))
    }
}

impl<K: Resource + Send + 'static> Reflector<K> {
    /// One watch from `resource_version`, which follows every event and bookmark.
    pub(super) async fn watch(
        &self,
        resource_version: &mut String,
        sink: &dyn Sink<K>,
        backoff: &mut Backoff,
    ) -> WatchEnd {
        // kube's default WatchParams ask for bookmarks (allowWatchBookmarks=true).
        let mut params = WatchParams::default();
        params.label_selector.clone_from(&self.label_selector);
        params.field_selector.clone_from(&self.field_selector);
        let server_timeout = self.timeouts.server_timeout();
        params.timeout = Some(u32::try_from(server_timeout.as_secs()).unwrap_or(u32::MAX));
        let idle = self.timeouts.idle;
        let started = Instant::now();
        let deadline = started + server_timeout + DEADLINE_GRACE;
        self.counters
            .watches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request = self.source.watch(&params, resource_version);
        let mut events = match timeout(idle, request).await {
            Ok(Ok(events)) => events,
            Ok(Err(error)) if is_gone(&error) => return WatchEnd::Gone { delivered: false },
            Ok(Err(error)) => {
                let error = describe(&error);
                tracing::warn!(informer = %self.name, %error, "watch failed; backing off");
                self.failures.failed(format!("watch failed: {error}"));
                return WatchEnd::Failed;
            }
            Err(_) => {
                tracing::warn!(informer = %self.name, ?idle, "watch got no response; backing off");
                self.failures
                    .failed(format!("watch failed: no response in {idle:?}"));
                return WatchEnd::Failed;
            }
        };
        self.failures.succeeded();
        let mut delivered = false;
        loop {
            let silent_until = (Instant::now() + idle).min(deadline);
            let event = match timeout_at(silent_until, events.next()).await {
                Ok(Some(event)) => event,
                Ok(None) => break,
                Err(_) => {
                    // Dropping the stream closes its connection; nothing is lost, the next
                    // watch starts where this one stopped.
                    self.counters
                        .silent_watches_dropped
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if silent_until == deadline {
                        tracing::info!(
                            informer = %self.name,
                            %resource_version,
                            ?server_timeout,
                            "watch outlived its timeout; watching again"
                        );
                    } else {
                        tracing::info!(
                            informer = %self.name,
                            %resource_version,
                            ?idle,
                            "watch delivered nothing; watching again"
                        );
                    }
                    return WatchEnd::Closed;
                }
            };
            match event {
                Ok(Event::Added(item) | Event::Modified(item)) => {
                    self.apply(resource_version, sink, item, false);
                }
                Ok(Event::Deleted(item)) => self.apply(resource_version, sink, item, true),
                Ok(Event::Bookmark(bookmark)) => *resource_version = bookmark,
                Ok(Event::Error(status)) if status.code == 410 => {
                    return WatchEnd::Gone { delivered };
                }
                Err(error) if is_gone(&error) => return WatchEnd::Gone { delivered },
                Ok(Event::Error(status)) => {
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
        if delivered || started.elapsed() >= VERY_SHORT_WATCH {
            WatchEnd::Closed
        } else {
            tracing::warn!(
                informer = %self.name,
                "very short watch: closed at once without an event; backing off"
            );
            self.failures
                .failed("watch failed: closed at once without an event".to_owned());
            WatchEnd::Failed
        }
    }

    /// One object event: the resume point moves to it, then the sink gets it; an object that
    /// did not decode moves the resume point by its raw metadata and is reported instead.
    fn apply(
        &self,
        resource_version: &mut String,
        sink: &dyn Sink<K>,
        item: Item<K>,
        deleted: bool,
    ) {
        match item {
            Item::Object(obj) => {
                if let Some(rv) = &obj.meta().resource_version {
                    resource_version.clone_from(rv);
                }
                self.forget_report(&obj);
                if deleted {
                    sink.delete(obj);
                } else {
                    sink.upsert(obj);
                }
            }
            Item::Undecodable(obj) => {
                if let Some(rv) = &obj.resource_version {
                    resource_version.clone_from(rv);
                }
                self.report(sink, *obj, deleted);
            }
        }
    }
}
