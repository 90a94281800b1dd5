//! How often a reflector listed and watched, for [`Informer::stats`](crate::informer::Informer::stats).

use std::sync::atomic::{AtomicU64, Ordering};

/// How often a reflector listed and watched; see [`Informer::stats`](super::super::Informer::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReflectorStats {
    /// Full lists started (the initial one and each relist after 410 Gone).
    pub lists: u64,
    /// List pages requested (more than `lists` when the list is paginated).
    pub list_pages: u64,
    /// Watch requests started (the first one and each resume or restart).
    pub watches: u64,
    /// Objects listed or watched that did not decode into the informer's type and were
    /// skipped (see [`Undecodable`](crate::informer::Undecodable)); counted once per object
    /// version, as they are logged: a relist that finds the same bad version counts nothing.
    pub undecodable: u64,
    /// Watches the client dropped because they delivered nothing, no event and no bookmark,
    /// for the idle bound, or outlived their `timeoutSeconds` (see
    /// [`InformerBuilder::watch_idle_timeout`](crate::informer::InformerBuilder::watch_idle_timeout)):
    /// each one most likely a connection that died without a FIN or RST.
    pub silent_watches_dropped: u64,
    /// List responses and watches the API server answered in protobuf (see
    /// [`InformerBuilder::protobuf`](crate::informer::InformerBuilder::protobuf)); zero for
    /// an informer that reads JSON.
    pub protobuf_responses: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) lists: AtomicU64,
    pub(crate) list_pages: AtomicU64,
    pub(crate) watches: AtomicU64,
    pub(crate) undecodable: AtomicU64,
    pub(crate) silent_watches_dropped: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> ReflectorStats {
        ReflectorStats {
            lists: self.lists.load(Ordering::Relaxed),
            list_pages: self.list_pages.load(Ordering::Relaxed),
            watches: self.watches.load(Ordering::Relaxed),
            undecodable: self.undecodable.load(Ordering::Relaxed),
            silent_watches_dropped: self.silent_watches_dropped.load(Ordering::Relaxed),
            protobuf_responses: 0,
        }
    }
}
