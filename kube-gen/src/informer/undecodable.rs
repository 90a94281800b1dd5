//! [`Undecodable`]: an object the server stored that no longer decodes into the informer's type.

use k8s_openapi::api::core::v1::ObjectReference;

/// An object listed or watched that did not decode into the informer's type, for example a
/// custom resource stored while its CRD's schema was looser than the Rust type (a required
/// field missing, a string where a number belongs).
///
/// One such object must not stop a controller: the informer skips it and serves every other
/// object, stays ready, and follows the object's `resourceVersion`. It logs it at warn once
/// per version, counts it in [`ReflectorStats::undecodable`](super::ReflectorStats), and
/// hands it to [`EventHandler::on_undecodable`](super::EventHandler::on_undecodable) (record
/// a Warning Event there with [`Undecodable::object_reference`]). If the object was cached,
/// it leaves the cache the way a delete does; it comes back as an add when a version that
/// decodes arrives.
///
/// client-go decodes such objects into Go zero values and hands them on; Rust types say
/// which fields must be there, so the informer reports instead of inventing values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Undecodable {
    /// `apiVersion` as the server sent it (empty if absent).
    pub api_version: String,
    /// `kind` as the server sent it (empty if absent: watch events of lists carry it).
    pub kind: String,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`.
    pub uid: Option<String>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
    /// Where decoding failed and why, as serde says it, e.g. `spec.replicas: invalid type:
    /// string "three", expected i32 at line 1 column 312`.
    pub error: String,
}

impl Undecodable {
    /// The object's cache key: `namespace/name`, or `name` for a cluster-scoped object.
    pub fn key(&self) -> String {
        match &self.namespace {
            Some(namespace) if !namespace.is_empty() => format!("{namespace}/{}", self.name),
            _ => self.name.clone(),
        }
    }

    /// A reference to the object, for [`Recorder::event`](crate::events::Recorder) and the
    /// like: a Warning Event on the object tells its owner with `kubectl describe`.
    pub fn object_reference(&self) -> ObjectReference {
        ObjectReference {
            api_version: Some(self.api_version.clone()).filter(|v| !v.is_empty()),
            kind: Some(self.kind.clone()).filter(|k| !k.is_empty()),
            namespace: self.namespace.clone(),
            name: Some(self.name.clone()),
            uid: self.uid.clone(),
            resource_version: self.resource_version.clone(),
            ..ObjectReference::default()
        }
    }
}
