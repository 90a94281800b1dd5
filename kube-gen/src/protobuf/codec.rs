//! Which types an informer lists and watches as protobuf, found by `TypeId`.
//!
//! Informer code is generic over any `K: Resource + DeserializeOwned`, and Rust has no
//! specialization to ask "does `K` have a protobuf decoder?". So decoders are kept here,
//! type-erased behind `Any`, under the `TypeId` of the type they produce: every built-in
//! kind with a generated decoder from the start, and a [`Projected<K, P>`] of such a kind
//! once [`register`]ed. A type found nowhere here is listed and watched as JSON, as custom
//! resources always are (the API server has no protobuf for them).
//!
//! [`Projected<K, P>`]: crate::informer::Projected

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent;
use kube::Resource;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;

use super::envelope::{ObjectList, decode_list, decode_object};
use super::error::{DecodeError, ErrorKind, FieldName};
use super::field;
use super::message::Message;
use super::watch::decode_event;
use super::wire::{Reader, WireType};
use crate::informer::{Projected, Projection};

type Erased = Result<Box<dyn Any + Send>, DecodeError>;

/// The decoders of one type, producing `ObjectList<T>` and `WatchEvent<T>` as `Any`.
/// (`pub` in name only, for [`ProtobufKind`]'s sealed method.)
#[derive(Clone, Copy)]
pub struct Codec {
    list: fn(&[u8]) -> Erased,
    event: fn(&[u8]) -> Erased,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec").finish_non_exhaustive()
    }
}

impl Codec {
    /// A LIST response body, as the `T` this codec was found for.
    pub(crate) fn list<T: 'static>(&self, body: &[u8]) -> Result<ObjectList<T>, DecodeError> {
        match (self.list)(body)?.downcast::<ObjectList<T>>() {
            Ok(list) => Ok(*list),
            Err(_) => Err(not_for::<T>()),
        }
    }

    /// One frame of a watch stream, as the `T` this codec was found for.
    pub(crate) fn event<T: 'static>(&self, frame: &[u8]) -> Result<WatchEvent<T>, DecodeError> {
        match (self.event)(frame)?.downcast::<WatchEvent<T>>() {
            Ok(event) => Ok(*event),
            Err(_) => Err(not_for::<T>()),
        }
    }
}

/// A codec asked for a type it does not decode (found under another `TypeId`).
fn not_for<T>() -> DecodeError {
    DecodeError::new(ErrorKind::Kind {
        expected: std::any::type_name::<T>().to_owned(),
        got: "another type's codec".to_owned(),
    })
}

/// A kind the API server can send as protobuf and kube-gen has a generated decoder for:
/// the k8s-openapi types of core/v1 and apps/v1 that are resources. Informers of these
/// kinds (and of [`Projected`] ones, see [`Projected::use_protobuf`]) list and watch as
/// protobuf, as client-go's clientsets do. Sealed.
pub trait ProtobufKind: sealed::Sealed + k8s_openapi::Resource + Resource + Send + 'static {}

mod sealed {
    /// What [`ProtobufKind`](super::ProtobufKind) hides: the type's codecs.
    pub trait Sealed: Sized {
        fn codec() -> super::Codec;
        /// The codec of `Projected<Self, P>`.
        fn projected<P: super::Projection<Self> + Send + 'static>() -> super::Codec
        where
            Self: kube::Resource;
    }
}

impl<T> sealed::Sealed for T
where
    T: Message + k8s_openapi::Resource + Send + 'static,
{
    fn codec() -> Codec {
        Codec {
            list: |body| Ok(Box::new(list_of::<T>(body)?)),
            event: |frame| Ok(Box::new(decode_event::<T>(frame, T::KIND)?)),
        }
    }

    fn projected<P: Projection<T> + Send + 'static>() -> Codec
    where
        T: Resource,
    {
        Codec {
            list: |body| {
                let list: ProjectedList<T, P> = decode_object(body, &format!("{}List", T::KIND))?;
                Ok(Box::new(ObjectList {
                    metadata: list.metadata,
                    items: list.items,
                }))
            },
            event: |frame| {
                Ok(Box::new(projected_event::<T, P>(decode_event::<T>(
                    frame,
                    T::KIND,
                )?)))
            },
        }
    }
}

/// A list whose items are projected one by one as they are decoded, so no more than one
/// whole object is held at a time.
struct ProjectedList<K, P> {
    metadata: ListMeta,
    items: Vec<Projected<K, P>>,
}

impl<K, P> Default for ProjectedList<K, P> {
    fn default() -> Self {
        ProjectedList {
            metadata: ListMeta::default(),
            items: Vec::new(),
        }
    }
}

impl<K, P> Message for ProjectedList<K, P>
where
    K: Message + Resource,
    P: Projection<K>,
{
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::message(&mut self.metadata, wire, r).at("metadata")?,
            2 => {
                let mut item = K::default();
                field::message(&mut item, wire, r)
                    .map_err(|error| error.in_index(self.items.len()))
                    .at("items")?;
                self.items.push(Projected::new(item));
            }
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

impl<T> ProtobufKind for T where T: Message + k8s_openapi::Resource + Resource + Send + 'static {}

fn list_of<T: Message + k8s_openapi::Resource>(body: &[u8]) -> Result<ObjectList<T>, DecodeError> {
    decode_list(body, &format!("{}List", T::KIND))
}

/// A watch event of `K`, its object projected.
fn projected_event<K: Resource, P: Projection<K>>(
    event: WatchEvent<K>,
) -> WatchEvent<Projected<K, P>> {
    match event {
        WatchEvent::Added(obj) => WatchEvent::Added(Projected::new(obj)),
        WatchEvent::Modified(obj) => WatchEvent::Modified(Projected::new(obj)),
        WatchEvent::Deleted(obj) => WatchEvent::Deleted(Projected::new(obj)),
        WatchEvent::Bookmark {
            annotations,
            resource_version,
        } => WatchEvent::Bookmark {
            annotations,
            resource_version,
        },
        WatchEvent::ErrorStatus(status) => WatchEvent::ErrorStatus(status),
        WatchEvent::ErrorOther(other) => WatchEvent::ErrorOther(other),
    }
}

/// Files `T`'s codec under its `TypeId`.
fn entry<T: ProtobufKind>() -> (TypeId, Codec) {
    (TypeId::of::<T>(), <T as sealed::Sealed>::codec())
}

fn registry() -> &'static RwLock<HashMap<TypeId, Codec>> {
    static REGISTRY: OnceLock<RwLock<HashMap<TypeId, Codec>>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(builtins()))
}

/// Every resource kind of core/v1 and apps/v1 (the generated decoders' groups) that can be
/// listed and watched.
fn builtins() -> HashMap<TypeId, Codec> {
    use k8s_openapi::api::apps::v1 as apps;
    use k8s_openapi::api::core::v1 as core;
    [
        entry::<core::ComponentStatus>(),
        entry::<core::ConfigMap>(),
        entry::<core::Endpoints>(),
        entry::<core::Event>(),
        entry::<core::LimitRange>(),
        entry::<core::Namespace>(),
        entry::<core::Node>(),
        entry::<core::PersistentVolume>(),
        entry::<core::PersistentVolumeClaim>(),
        entry::<core::Pod>(),
        entry::<core::PodTemplate>(),
        entry::<core::ReplicationController>(),
        entry::<core::ResourceQuota>(),
        entry::<core::Secret>(),
        entry::<core::Service>(),
        entry::<core::ServiceAccount>(),
        entry::<apps::ControllerRevision>(),
        entry::<apps::DaemonSet>(),
        entry::<apps::Deployment>(),
        entry::<apps::ReplicaSet>(),
        entry::<apps::StatefulSet>(),
    ]
    .into_iter()
    .collect()
}

/// The codec for `T`, if it has one.
pub(crate) fn find<T: 'static>() -> Option<Codec> {
    let registry = registry().read().unwrap_or_else(PoisonError::into_inner);
    registry.get(&TypeId::of::<T>()).copied()
}

/// Files the codec of `Projected<K, P>`; see [`Projected::use_protobuf`].
pub(crate) fn register<K, P>()
where
    K: ProtobufKind,
    P: Projection<K> + Send + 'static,
{
    let mut registry = registry().write().unwrap_or_else(PoisonError::into_inner);
    registry.insert(
        TypeId::of::<Projected<K, P>>(),
        <K as sealed::Sealed>::projected::<P>(),
    );
}
