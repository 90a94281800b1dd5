//! Caching less than the server sends: typed projections of listed objects.
//!
//! An informer keeps every object it lists for as long as it runs, so what it keeps is the
//! largest part of a controller's memory. Most controllers read a few fields of what they
//! watch: the sample-controller reads a Deployment's name, owner references,
//! `spec.replicas` and `status.availableReplicas`, and nothing of its pod template.
//! [`Projected<K, P>`] keeps `K`'s metadata and a user type `P` built from each `K` as it is
//! decoded, so the rest is dropped before it is stored: `Informer<Projected<Deployment,
//! P>>` lists and watches Deployments and caches `P`s.
//!
//! For names, labels and owners alone, [`PartialObjectMeta<K>`](kube::core::PartialObjectMeta)
//! is the cheaper choice (client-go's metadata informer): the server sends metadata only.

use std::borrow::Cow;
use std::fmt::{self, Debug};
use std::marker::PhantomData;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::{Deserialize, Deserializer};

/// What an informer of [`Projected<K, Self>`] keeps of each `K` beside its metadata.
///
/// ```
/// use k8s_openapi::api::apps::v1::Deployment;
/// use kube_gen::informer::{Projected, Projection};
///
/// /// The two numbers a controller compares.
/// #[derive(Debug, Clone, PartialEq)]
/// struct Replicas {
///     desired: Option<i32>,
///     available: Option<i32>,
/// }
///
/// impl Projection<Deployment> for Replicas {
///     fn project(d: &Deployment) -> Self {
///         Replicas {
///             desired: d.spec.as_ref().and_then(|s| s.replicas),
///             available: d.status.as_ref().and_then(|s| s.available_replicas),
///         }
///     }
/// }
///
/// let projected = Projected::<Deployment, Replicas>::new(Deployment::default());
/// assert_eq!(projected.data, Replicas { desired: None, available: None });
/// ```
pub trait Projection<K>: Sized {
    /// The part of `obj` to keep. Its metadata is kept beside it, in
    /// [`Projected::metadata`], and need not be copied.
    fn project(obj: &K) -> Self;
}

/// The metadata of a `K` and the [`Projection`] `P` of the rest: what an informer caches
/// instead of the whole `K`. The same resource as `K` to the API (URL, kind, scope), and
/// decoded from `K`'s JSON: each object is decoded into a `K`, projected, and the `K`
/// dropped.
///
/// An object whose `K` does not decode is [undecodable](super::Undecodable), as it is for
/// an informer of `K`. Transforms ([`InformerBuilder::transform`](super::InformerBuilder::transform))
/// run on the projection; the default drops `metadata.managedFields`.
pub struct Projected<K, P> {
    /// The object's metadata.
    pub metadata: ObjectMeta,
    /// What [`Projection::project`] kept of the rest.
    pub data: P,
    listed: PhantomData<fn() -> K>,
}

impl<K: Resource, P: Projection<K>> Projected<K, P> {
    /// The projection of an object read from the API (say, the result of a create), to
    /// compare with what the cache holds.
    pub fn new(mut obj: K) -> Self {
        let data = P::project(&obj);
        Projected {
            metadata: std::mem::take(obj.meta_mut()),
            data,
            listed: PhantomData,
        }
    }
}

impl<K, P> Projected<K, P>
where
    K: crate::protobuf::ProtobufKind,
    P: Projection<K> + Send + 'static,
{
    /// Lets informers of this projection list and watch `K` as protobuf, decoding each
    /// object and projecting it with no JSON in between, as informers of `K` itself do.
    /// Call it once, before the informers are created (again is harmless): Rust cannot
    /// tell from a type alone that `K` inside a `Projected` has a protobuf decoder.
    ///
    /// ```
    /// # use k8s_openapi::api::apps::v1::Deployment;
    /// # use kube_gen::informer::{Projected, Projection};
    /// # #[derive(Clone, Debug)] struct Replicas(Option<i32>);
    /// # impl Projection<Deployment> for Replicas {
    /// #     fn project(d: &Deployment) -> Self { Replicas(d.spec.as_ref().and_then(|s| s.replicas)) }
    /// # }
    /// Projected::<Deployment, Replicas>::use_protobuf();
    /// ```
    pub fn use_protobuf() {
        crate::protobuf::register::<K, P>();
    }
}

impl<K, P: Clone> Clone for Projected<K, P> {
    fn clone(&self) -> Self {
        Projected {
            metadata: self.metadata.clone(),
            data: self.data.clone(),
            listed: PhantomData,
        }
    }
}

impl<K, P: Debug> Debug for Projected<K, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Projected")
            .field("metadata", &self.metadata)
            .field("data", &self.data)
            .finish()
    }
}

impl<K, P: PartialEq> PartialEq for Projected<K, P> {
    fn eq(&self, other: &Self) -> bool {
        self.metadata == other.metadata && self.data == other.data
    }
}

impl<'de, K, P> Deserialize<'de> for Projected<K, P>
where
    K: Resource + Deserialize<'de>,
    P: Projection<K>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        K::deserialize(deserializer).map(Projected::new)
    }
}

impl<K: Resource, P> Resource for Projected<K, P> {
    type DynamicType = K::DynamicType;
    type Scope = K::Scope;

    fn kind(dt: &Self::DynamicType) -> Cow<'_, str> {
        K::kind(dt)
    }

    fn group(dt: &Self::DynamicType) -> Cow<'_, str> {
        K::group(dt)
    }

    fn version(dt: &Self::DynamicType) -> Cow<'_, str> {
        K::version(dt)
    }

    fn plural(dt: &Self::DynamicType) -> Cow<'_, str> {
        K::plural(dt)
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::Resource;
    use serde_json::json;

    use super::{Projected, Projection};

    #[derive(Debug, Clone, PartialEq)]
    struct Keys(Vec<String>);

    impl Projection<ConfigMap> for Keys {
        fn project(cm: &ConfigMap) -> Self {
            Keys(cm.data.iter().flatten().map(|(k, _)| k.clone()).collect())
        }
    }

    type View = Projected<ConfigMap, Keys>;

    #[test]
    fn decodes_through_the_listed_type_and_keeps_its_metadata_and_projection() {
        let view: View = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns", "resourceVersion": "7"},
            "data": {"x": "1", "y": "2"}
        }))
        .unwrap();
        assert_eq!(view.metadata.name.as_deref(), Some("a"));
        assert_eq!(view.metadata.resource_version.as_deref(), Some("7"));
        assert_eq!(view.data, Keys(vec!["x".into(), "y".into()]));
    }

    #[test]
    fn is_the_listed_resource_to_the_api() {
        assert_eq!(View::kind(&()), "ConfigMap");
        assert_eq!(View::plural(&()), "configmaps");
        assert_eq!(
            View::url_path(&(), Some("ns")),
            ConfigMap::url_path(&(), Some("ns"))
        );
        assert!(!View::metadata_api());
    }

    #[test]
    fn a_field_the_listed_type_rejects_fails_with_its_path() {
        let deserializer = &mut serde_json::Deserializer::from_str(
            r#"{"metadata": {"name": "a"}, "data": {"x": 1}}"#,
        );
        let error = serde_path_to_error::deserialize::<_, View>(deserializer).unwrap_err();
        assert_eq!(error.path().to_string(), "data.x");
    }
}
