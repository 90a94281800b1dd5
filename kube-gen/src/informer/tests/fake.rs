//! An in-memory list/watch for one collection of ConfigMaps: it can drop, end and freeze
//! watches, compact, and store objects that do not decode.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::channel::mpsc;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{ListParams, ObjectMeta, WatchParams};
use kube::core::Status;

use crate::informer::Undecodable;
use crate::informer::reflector::{Event, Item, ListWatch, Page, WatchStream};

type Sender = mpsc::UnboundedSender<kube::Result<Event<ConfigMap>>>;

/// One stored object: a ConfigMap, or something that does not decode into one.
#[derive(Clone)]
enum Stored {
    Good(Box<ConfigMap>),
    Bad(Undecodable),
}

impl Stored {
    fn item(&self) -> Item<ConfigMap> {
        match self {
            Stored::Good(cm) => Item::Object((**cm).clone()),
            Stored::Bad(bad) => Item::Undecodable(Box::new(bad.clone())),
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Added,
    Modified,
    Deleted,
}

/// An API server for one collection of ConfigMaps, with a history it can compact.
#[derive(Default)]
pub(super) struct FakeServer {
    objects: BTreeMap<String, Stored>,
    resource_version: u64,
    history: Vec<(u64, Kind, Stored)>,
    compacted_to: u64,
    watchers: Vec<Sender>,
    /// Open watches that get nothing more and never end: a dead connection.
    frozen: Vec<Sender>,
    refuse_watches: bool,
    /// Answers every watch with 410 Gone while set, however new its resourceVersion.
    pub(super) gone_watches: bool,
    /// Watch requests get no response while set (a connection frozen before the headers).
    pub(super) hang_watches: bool,
    /// Answers every list with this failure while set.
    pub(super) refuse_lists: Option<Status>,
    /// Answers every list that names a resourceVersion with this failure while set (a
    /// version compacted away, or one a lagging watch cache has not reached).
    pub(super) refuse_lists_at_a_version: Option<Status>,
    pub(super) list_params: Vec<ListParams>,
    pub(super) watch_calls: Vec<(WatchParams, String)>,
}

#[derive(Clone, Default)]
pub(super) struct Fake(Arc<Mutex<FakeServer>>);

pub(super) fn gone() -> kube::Error {
    kube::Error::Api(Box::new(
        Status::failure("too old resource version", "Expired").with_code(410),
    ))
}

impl Fake {
    pub(super) fn server(&self) -> MutexGuard<'_, FakeServer> {
        self.0.lock().unwrap()
    }

    /// Creates or updates an object, telling the watchers.
    pub(super) fn put(&self, name: &str, value: &str) {
        let mut s = self.server();
        let rv = s.next_version();
        let mut cm = config_map(name, value);
        cm.metadata.resource_version = Some(rv.to_string());
        s.store(rv, name, Stored::Good(Box::new(cm)));
    }

    /// Stores a version of `name` that does not decode (as a CRD's schema may let through),
    /// telling the watchers.
    pub(super) fn put_bad(&self, name: &str) {
        let mut s = self.server();
        let rv = s.next_version();
        let bad = Undecodable {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: Some("ns".into()),
            name: name.into(),
            uid: None,
            resource_version: Some(rv.to_string()),
            error: "data.v: invalid type: integer `1`, expected a string".into(),
        };
        s.store(rv, name, Stored::Bad(bad));
    }

    pub(super) fn delete(&self, name: &str) {
        let mut s = self.server();
        let rv = s.next_version();
        let stored = match s.objects.remove(name).expect("object exists") {
            Stored::Good(mut cm) => {
                cm.metadata.resource_version = Some(rv.to_string());
                Stored::Good(cm)
            }
            Stored::Bad(mut bad) => {
                bad.resource_version = Some(rv.to_string());
                Stored::Bad(bad)
            }
        };
        s.broadcast(rv, Kind::Deleted, stored);
    }

    pub(super) fn bookmark(&self) -> String {
        let mut s = self.server();
        let rv = s.next_version().to_string();
        s.watchers
            .retain(|w| w.unbounded_send(Ok(Event::Bookmark(rv.clone()))).is_ok());
        rv
    }

    /// Breaks every open watch with a transport error and refuses new ones until `heal`.
    pub(super) fn partition(&self) {
        let mut s = self.server();
        s.refuse_watches = true;
        for w in s.watchers.drain(..) {
            let _ = w.unbounded_send(Err(kube::Error::Service("connection reset".into())));
        }
    }

    /// Open watches stay open but get nothing more, as over a connection that died without a
    /// FIN or RST; new watches work.
    pub(super) fn freeze(&self) {
        let mut s = self.server();
        let open = std::mem::take(&mut s.watchers);
        s.frozen.extend(open);
    }

    /// Ends every open watch normally, as the server does at its `timeoutSeconds`.
    pub(super) fn end_watches(&self) {
        self.server().watchers.clear();
    }

    /// Watches currently open and delivering.
    pub(super) fn open_watches(&self) -> usize {
        let mut s = self.server();
        s.watchers.retain(|w| !w.is_closed());
        s.watchers.len()
    }

    pub(super) fn heal(&self) {
        self.server().refuse_watches = false;
    }

    /// Forgets the history: watches from any earlier resourceVersion get 410 Gone.
    pub(super) fn compact(&self) {
        let mut s = self.server();
        s.compacted_to = s.resource_version;
        s.history.clear();
    }
}

impl FakeServer {
    fn next_version(&mut self) -> u64 {
        self.resource_version += 1;
        self.resource_version
    }

    fn store(&mut self, rv: u64, name: &str, stored: Stored) {
        let kind = match self.objects.insert(name.to_owned(), stored.clone()) {
            Some(_) => Kind::Modified,
            None => Kind::Added,
        };
        self.broadcast(rv, kind, stored);
    }

    fn broadcast(&mut self, rv: u64, kind: Kind, stored: Stored) {
        self.watchers
            .retain(|w| w.unbounded_send(Ok(event(kind, &stored))).is_ok());
        self.history.push((rv, kind, stored));
    }
}

fn event(kind: Kind, stored: &Stored) -> Event<ConfigMap> {
    match kind {
        Kind::Added => Event::Added(stored.item()),
        Kind::Modified => Event::Modified(stored.item()),
        Kind::Deleted => Event::Deleted(stored.item()),
    }
}

impl ListWatch<ConfigMap> for Fake {
    fn list<'a>(&'a self, params: &'a ListParams) -> BoxFuture<'a, kube::Result<Page<ConfigMap>>> {
        let mut s = self.server();
        s.list_params.push(params.clone());
        let at_a_version = params.resource_version.is_some();
        let refused = s.refuse_lists.clone().or_else(|| {
            let refusal = s.refuse_lists_at_a_version.clone();
            refusal.filter(|_| at_a_version)
        });
        if let Some(status) = refused {
            return async move { Err(kube::Error::Api(Box::new(status))) }.boxed();
        }
        let after = params.continue_token.clone().unwrap_or_default();
        let limit = params.limit.unwrap_or(u32::MAX) as usize;
        let mut names: Vec<&String> = s.objects.keys().filter(|k| **k > after).collect();
        let more = names.len() > limit;
        names.truncate(limit);
        let mut page = Page {
            items: names.iter().map(|name| s.objects[*name].item()).collect(),
            metadata: Default::default(),
        };
        page.metadata.resource_version = Some(s.resource_version.to_string());
        if more {
            page.metadata.continue_ = names.last().map(|name| (*name).clone());
        }
        async move { Ok(page) }.boxed()
    }

    fn watch<'a>(
        &'a self,
        params: &'a WatchParams,
        rv: &'a str,
    ) -> BoxFuture<'a, kube::Result<WatchStream<ConfigMap>>> {
        let mut s = self.server();
        s.watch_calls.push((params.clone(), rv.to_owned()));
        if s.hang_watches {
            return futures::future::pending().boxed();
        }
        let result = if s.refuse_watches {
            Err(kube::Error::Service("connection refused".into()))
        } else {
            let from: u64 = rv.parse().unwrap();
            if from < s.compacted_to || s.gone_watches {
                Err(gone())
            } else {
                let (tx, rx) = mpsc::unbounded();
                for (_, kind, stored) in s.history.iter().filter(|(at, _, _)| *at > from) {
                    tx.unbounded_send(Ok(event(*kind, stored))).unwrap();
                }
                s.watchers.push(tx);
                Ok(rx.boxed())
            }
        };
        async move { result }.boxed()
    }
}

pub(super) fn config_map(name: &str, value: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            labels: Some([("app".to_owned(), value.to_owned())].into()),
            managed_fields: Some(vec![Default::default()]),
            ..Default::default()
        },
        data: Some([("v".to_owned(), value.to_owned())].into()),
        ..Default::default()
    }
}
