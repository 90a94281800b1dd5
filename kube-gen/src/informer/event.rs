//! What handlers receive on delete: the final object, or a tombstone when the final state was missed.

use std::sync::Arc;

use kube::Resource;

use super::Undecodable;

/// A delete the informer did not see happen: the object was in the cache, and is missing from
/// the list taken after the watch broke (410 Gone).
///
/// client-go's `cache.DeletedFinalStateUnknown`. `last_known` is the cached state, which may be
/// older than the object's real final state.
#[derive(Debug)]
pub struct DeletedFinalStateUnknown<K> {
    /// The cache key of the deleted object (`namespace/name` or `name`).
    pub key: String,
    /// The object as the cache last knew it.
    pub last_known: Arc<K>,
}

impl<K> Clone for DeletedFinalStateUnknown<K> {
    fn clone(&self) -> Self {
        DeletedFinalStateUnknown {
            key: self.key.clone(),
            last_known: Arc::clone(&self.last_known),
        }
    }
}

/// What [`EventHandler::on_delete`](super::EventHandler::on_delete) receives.
///
/// client-go hands `OnDelete` an `interface{}` that is either the object or a
/// `DeletedFinalStateUnknown`; here the two cases are an enum.
#[derive(Debug)]
pub enum DeletedObject<K> {
    /// The object from the watch's DELETED event: its final state.
    Object(Arc<K>),
    /// The object vanished while the watch was down; see [`DeletedFinalStateUnknown`].
    Tombstone(DeletedFinalStateUnknown<K>),
}

impl<K> Clone for DeletedObject<K> {
    fn clone(&self) -> Self {
        match self {
            DeletedObject::Object(obj) => DeletedObject::Object(Arc::clone(obj)),
            DeletedObject::Tombstone(t) => DeletedObject::Tombstone(t.clone()),
        }
    }
}

impl<K: Resource> DeletedObject<K> {
    /// The deleted object: its final state, or the last state the cache knew.
    pub fn object(&self) -> &Arc<K> {
        match self {
            DeletedObject::Object(obj) => obj,
            DeletedObject::Tombstone(t) => &t.last_known,
        }
    }

    /// The cache key of the deleted object.
    pub fn key(&self) -> String {
        match self {
            DeletedObject::Object(obj) => super::key_for(obj.as_ref()),
            DeletedObject::Tombstone(t) => t.key.clone(),
        }
    }

    /// Whether the delete was inferred from a relist rather than seen.
    pub fn is_tombstone(&self) -> bool {
        matches!(self, DeletedObject::Tombstone(_))
    }
}

/// One message from the informer to one handler's task.
#[derive(Debug)]
pub(crate) enum Notification<K> {
    Add {
        obj: Arc<K>,
        in_initial_list: bool,
    },
    Update {
        old: Arc<K>,
        new: Arc<K>,
    },
    Delete(DeletedObject<K>),
    /// An object listed or watched that did not decode (and is not in the cache).
    Undecodable(Arc<Undecodable>),
    /// Every object of the initial list (or, for a late handler, of the cache) was sent before.
    Synced,
}

impl<K> Clone for Notification<K> {
    fn clone(&self) -> Self {
        match self {
            Notification::Add {
                obj,
                in_initial_list,
            } => Notification::Add {
                obj: Arc::clone(obj),
                in_initial_list: *in_initial_list,
            },
            Notification::Update { old, new } => Notification::Update {
                old: Arc::clone(old),
                new: Arc::clone(new),
            },
            Notification::Delete(d) => Notification::Delete(d.clone()),
            Notification::Undecodable(obj) => Notification::Undecodable(Arc::clone(obj)),
            Notification::Synced => Notification::Synced,
        }
    }
}
