//! The typed client's `status` and `scale` subresources.

use std::fmt::Debug;

use kube::Resource;
use kube::api::Patch;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use k8s_openapi::api::autoscaling::v1::{Scale, ScaleSpec, ScaleStatus};

use super::write::name_of;
use super::{Client, Error, ObjectScope, PatchOptions, WriteOptions};

/// The `status` subresource: what a controller writes back about the object it manages.
///
/// For kinds with a status subresource (built-ins like Deployment, and CRDs that declare
/// one) the main endpoint ignores changes to `.status` and this one ignores everything
/// else, so spec and status have separate writers and separate conflicts.
impl<K, S> Client<K, S>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug,
    S: ObjectScope,
{
    /// Reads the object called `name` through its status subresource (the whole object).
    ///
    /// # Errors
    ///
    /// [`Error::is_not_found`] when there is no such object or the kind has no status
    /// subresource, [`Error::is_forbidden`], transport errors.
    pub async fn get_status(&self, name: &str) -> Result<K, Error> {
        Ok(self.api.get_status(name).await?)
    }

    /// Replaces the status of the object named by `obj.metadata.name` with `obj.status`.
    ///
    /// Like [`update`](Client::update), a `metadata.resourceVersion` in `obj` makes the
    /// write conditional.
    ///
    /// # Errors
    ///
    /// [`Error::is_conflict`] on a stale resource version, [`Error::is_not_found`],
    /// [`Error::is_invalid`], [`Error::MissingName`], transport errors.
    pub async fn update_status(&self, obj: &K, opts: &WriteOptions) -> Result<K, Error> {
        let name = name_of(obj, "update_status")?;
        let params = opts.post_params(&self.field_manager);
        Ok(self.api.replace_status(name, &params, obj).await?)
    }

    /// Changes part of the status of the object called `name`; see
    /// [`patch`](Client::patch) for the kinds of [`Patch`].
    ///
    /// # Errors
    ///
    /// As for [`patch`](Client::patch).
    pub async fn patch_status<P>(
        &self,
        name: &str,
        patch: &Patch<P>,
        opts: &PatchOptions,
    ) -> Result<K, Error>
    where
        P: Serialize + Debug,
    {
        let params = opts.patch_params(&self.field_manager);
        Ok(self.api.patch_status(name, &params, patch).await?)
    }
}

/// The `scale` subresource: the replica count of Deployments, ReplicaSets, StatefulSets and
/// CRDs that declare one, in the one shape autoscalers understand.
impl<K, S> Client<K, S>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    S: ObjectScope,
{
    /// Reads the scale of the object called `name`.
    ///
    /// # Errors
    ///
    /// [`Error::is_not_found`] when there is no such object or the kind has no scale
    /// subresource, [`Error::is_forbidden`], transport errors.
    pub async fn get_scale(&self, name: &str) -> Result<Scale, Error> {
        Ok(self.api.get_scale(name).await?)
    }

    /// Replaces the scale of the object called `name` (usually `spec.replicas`).
    ///
    /// Keep the `metadata.resourceVersion` from [`get_scale`](Client::get_scale) to make
    /// the write conditional.
    ///
    /// # Errors
    ///
    /// [`Error::is_conflict`] on a stale resource version, [`Error::is_not_found`],
    /// [`Error::is_invalid`] (negative replicas), transport errors.
    pub async fn update_scale(
        &self,
        name: &str,
        scale: &Scale,
        opts: &WriteOptions,
    ) -> Result<Scale, Error> {
        let params = opts.post_params(&self.field_manager);
        Ok(self.api.replace_scale(name, &params, scale).await?)
    }

    /// Changes part of the scale of the object called `name`, for example
    /// `Patch::Merge(json!({"spec": {"replicas": 3}}))`.
    ///
    /// # Errors
    ///
    /// As for [`patch`](Client::patch).
    pub async fn patch_scale<P>(
        &self,
        name: &str,
        patch: &Patch<P>,
        opts: &PatchOptions,
    ) -> Result<Scale, Error>
    where
        P: Serialize + Debug,
    {
        let params = opts.patch_params(&self.field_manager);
        Ok(self.api.patch_scale(name, &params, patch).await?)
    }
}
