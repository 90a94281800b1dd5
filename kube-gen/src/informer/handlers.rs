//! Event handlers, and the per-handler task and queue that keep a slow handler from stalling the informer.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Undecodable;
use super::event::{DeletedObject, Notification};
use crate::crash;

/// Receives an informer's notifications; client-go's `ResourceEventHandler`.
///
/// Each handler runs on its own Tokio task and is called with one notification at a time, in
/// the order the informer applied them to its cache. The informer never waits for a handler:
/// notifications queue up (unbounded, as client-go's `processorListener` buffers them) until
/// the handler takes them. Keep handlers short and non-blocking; hand real work to a
/// [`WorkQueue`](crate::workqueue::WorkQueue).
///
/// Every method has an empty default, so a handler implements only what it needs.
pub trait EventHandler<K>: Send + 'static {
    /// An object appeared. `in_initial_list` is true for the objects of the informer's first
    /// list, and for the cache contents replayed to a handler added late.
    fn on_add(&mut self, obj: Arc<K>, in_initial_list: bool) {
        let _ = (obj, in_initial_list);
    }

    /// An object changed. On a resync, and for objects seen again when the informer relists,
    /// `old` and `new` may be the same object: compare `resourceVersion` to tell.
    fn on_update(&mut self, old: Arc<K>, new: Arc<K>) {
        let _ = (old, new);
    }

    /// An object was deleted; a [`DeletedObject::Tombstone`] if the informer missed the delete.
    fn on_delete(&mut self, obj: DeletedObject<K>) {
        let _ = obj;
    }

    /// An object was listed or watched that does not decode into `K`; the informer skipped
    /// it (see [`Undecodable`]). Called once per resourceVersion of the object. Record a
    /// Warning Event here ([`Recorder::event_on`](crate::events::Recorder::event_on) with
    /// [`Undecodable::object_reference`]) so the object's owner sees why it is ignored.
    fn on_undecodable(&mut self, obj: &Undecodable) {
        let _ = obj;
    }
}

type AddFn<K> = Box<dyn FnMut(Arc<K>) + Send>;
type UpdateFn<K> = Box<dyn FnMut(Arc<K>, Arc<K>) + Send>;
type DeleteFn<K> = Box<dyn FnMut(DeletedObject<K>) + Send>;
type UndecodableFn = Box<dyn FnMut(&Undecodable) + Send>;

/// An [`EventHandler`] made of closures; client-go's `ResourceEventHandlerFuncs`.
///
/// ```
/// use std::sync::Arc;
/// use k8s_openapi::api::core::v1::ConfigMap;
/// use kube::ResourceExt;
/// use kube_gen::informer::EventHandlerFns;
///
/// let handler = EventHandlerFns::<ConfigMap>::new()
///     .on_add(|cm| println!("added {}", cm.name_any()))
///     .on_update(|old, new| {
///         if old.resource_version() != new.resource_version() {
///             println!("changed {}", new.name_any());
///         }
///     })
///     .on_delete(|deleted| println!("deleted {}", deleted.key()));
/// # let _ = handler;
/// ```
pub struct EventHandlerFns<K> {
    add: Option<AddFn<K>>,
    update: Option<UpdateFn<K>>,
    delete: Option<DeleteFn<K>>,
    undecodable: Option<UndecodableFn>,
}

impl<K> Default for EventHandlerFns<K> {
    fn default() -> Self {
        EventHandlerFns {
            add: None,
            update: None,
            delete: None,
            undecodable: None,
        }
    }
}

impl<K> fmt::Debug for EventHandlerFns<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventHandlerFns")
            .field("on_add", &self.add.is_some())
            .field("on_update", &self.update.is_some())
            .field("on_delete", &self.delete.is_some())
            .field("on_undecodable", &self.undecodable.is_some())
            .finish()
    }
}

impl<K> EventHandlerFns<K> {
    /// A handler that ignores everything until closures are set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `f` for every added object.
    pub fn on_add(mut self, f: impl FnMut(Arc<K>) + Send + 'static) -> Self {
        self.add = Some(Box::new(f));
        self
    }

    /// Calls `f(old, new)` for every update.
    pub fn on_update(mut self, f: impl FnMut(Arc<K>, Arc<K>) + Send + 'static) -> Self {
        self.update = Some(Box::new(f));
        self
    }

    /// Calls `f` for every delete, seen or inferred.
    pub fn on_delete(mut self, f: impl FnMut(DeletedObject<K>) + Send + 'static) -> Self {
        self.delete = Some(Box::new(f));
        self
    }

    /// Calls `f` for every object that did not decode (see [`EventHandler::on_undecodable`]).
    pub fn on_undecodable(mut self, f: impl FnMut(&Undecodable) + Send + 'static) -> Self {
        self.undecodable = Some(Box::new(f));
        self
    }
}

impl<K: 'static> EventHandler<K> for EventHandlerFns<K> {
    fn on_add(&mut self, obj: Arc<K>, _in_initial_list: bool) {
        if let Some(f) = &mut self.add {
            f(obj);
        }
    }

    fn on_update(&mut self, old: Arc<K>, new: Arc<K>) {
        if let Some(f) = &mut self.update {
            f(old, new);
        }
    }

    fn on_delete(&mut self, obj: DeletedObject<K>) {
        if let Some(f) = &mut self.delete {
            f(obj);
        }
    }

    fn on_undecodable(&mut self, obj: &Undecodable) {
        if let Some(f) = &mut self.undecodable {
            f(obj);
        }
    }
}

/// Returned by [`Informer::add_event_handler`](super::Informer::add_event_handler): says
/// whether that handler has seen the initial contents, and removes it.
///
/// client-go's `ResourceEventHandlerRegistration`.
#[derive(Debug, Clone)]
pub struct HandlerRegistration {
    pub(crate) id: u64,
    synced: Arc<AtomicBool>,
}

impl HandlerRegistration {
    /// True once the handler has been called for every object of the informer's initial list
    /// (or, if it was added after that, for every object the cache held when it was added).
    pub fn has_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}

/// The informer's side of one handler: a queue into the handler's task.
///
/// client-go's `processorListener`.
pub(crate) struct Listener<K> {
    pub(crate) id: u64,
    tx: mpsc::UnboundedSender<Notification<K>>,
    task: JoinHandle<()>,
}

impl<K: Send + Sync + 'static> Listener<K> {
    /// Spawns the handler's task on the current Tokio runtime.
    pub(crate) fn spawn(id: u64, mut handler: impl EventHandler<K>) -> (Self, HandlerRegistration) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Notification<K>>();
        let synced = Arc::new(AtomicBool::new(false));
        let registration = HandlerRegistration {
            id,
            synced: Arc::clone(&synced),
        };
        let task = tokio::spawn(async move {
            while let Some(notification) = rx.recv().await {
                // Tokio would end this task quietly on a panic, and the handler would miss
                // every later notification; the crash handler crashes the process instead
                // (or, if set to, reports the panic and lets the handler go on).
                let site = |method: &'static str| {
                    move || format!("{method} of event handler {id} for {}", type_name::<K>())
                };
                match notification {
                    Notification::Add {
                        obj,
                        in_initial_list,
                    } => {
                        crash::catch(site("on_add"), || handler.on_add(obj, in_initial_list));
                    }
                    Notification::Update { old, new } => {
                        crash::catch(site("on_update"), || handler.on_update(old, new));
                    }
                    Notification::Delete(obj) => {
                        crash::catch(site("on_delete"), || handler.on_delete(obj));
                    }
                    Notification::Undecodable(obj) => {
                        crash::catch(site("on_undecodable"), || handler.on_undecodable(&obj));
                    }
                    Notification::Synced => synced.store(true, Ordering::Release),
                }
            }
        });
        (Listener { id, tx, task }, registration)
    }

    /// Queues a notification. A panicking handler's task goes on (see [`crash`]), so the
    /// handler misses nothing unless the crash handler exits first.
    pub(crate) fn send(&self, notification: Notification<K>) {
        let _ = self.tx.send(notification);
    }

    /// Closes the queue and waits until the handler has taken everything queued.
    pub(crate) async fn finish(self) {
        drop(self.tx);
        let _ = self.task.await;
    }
}

/// `K`'s name without module paths (`ConfigMap`, `PartialObjectMeta<Deployment>`): for a
/// resource type, its kind. `std::any::type_name` alone gives the private path it is
/// defined at, such as `k8s_openapi::v1_33::api::core::v1::config_map::ConfigMap`.
fn type_name<K>() -> String {
    const DELIMITERS: [char; 10] = ['<', '>', ',', ' ', '(', ')', '[', ']', ';', '&'];
    let full = std::any::type_name::<K>();
    let mut short = String::with_capacity(full.len());
    // Each part is a path, then the delimiter after it: keep the path's last segment.
    for part in full.split_inclusive(DELIMITERS) {
        let path = part.trim_end_matches(DELIMITERS);
        short.push_str(path.rsplit("::").next().unwrap_or(path));
        short.push_str(&part[path.len()..]);
    }
    short
}

#[cfg(test)]
mod tests;
