//! The typed client's writes: `create`, `update`, `patch` (merge, JSON, strategic, apply),
//! `delete` and `delete_collection`.

use std::fmt::Debug;

use kube::Resource;
use kube::api::Patch;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Client, DeleteOptions, Error, ListOptions, ObjectScope, PatchOptions, WriteOptions};

impl<K, S> Client<K, S>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug,
    S: ObjectScope,
{
    /// Creates `obj` and returns it as stored (with its UID and resource version).
    ///
    /// Set `metadata.name`, or `metadata.generateName` for a server-chosen name. On a
    /// namespaced handle the object lands in the handle's namespace; an object naming a
    /// different namespace is rejected.
    ///
    /// # Errors
    ///
    /// [`Error::is_already_exists`] when the name is taken, [`Error::is_invalid`] (see
    /// [`Error::causes`]) when validation fails, [`Error::is_forbidden`], transport errors.
    pub async fn create(&self, obj: &K, opts: &WriteOptions) -> Result<K, Error> {
        let params = opts.post_params(&self.field_manager);
        Ok(self.api.create(&params, obj).await?)
    }

    /// Replaces the object named by `obj.metadata.name` with `obj` (a PUT).
    ///
    /// Keep the `metadata.resourceVersion` you read: the server then accepts the update only
    /// if nobody changed the object since, which is how controllers avoid overwriting each
    /// other. Without one the update is unconditional.
    ///
    /// # Errors
    ///
    /// [`Error::is_conflict`] when the resource version is stale (read again, reapply your
    /// change, retry), [`Error::is_not_found`], [`Error::is_invalid`],
    /// [`Error::MissingName`] when `obj` has no name, transport errors.
    pub async fn update(&self, obj: &K, opts: &WriteOptions) -> Result<K, Error> {
        let name = name_of(obj, "update")?;
        let params = opts.post_params(&self.field_manager);
        Ok(self.api.replace(name, &params, obj).await?)
    }

    /// Changes part of the object called `name`.
    ///
    /// The [`Patch`] says how: `Merge` (JSON merge patch, any kind), `Strategic`
    /// (strategic merge patch; built-in kinds only, lists merge by key), `Json` (a list of
    /// RFC 6902 operations), or `Apply` (server-side apply: send the fields you want to
    /// own; the call's or the client's field manager owns them). [`PatchOptions::force`]
    /// takes fields over from other managers in an apply.
    ///
    /// # Errors
    ///
    /// [`Error::is_conflict`] when an apply touches fields another manager owns (retry with
    /// `force` if you mean it) or a JSON patch `test` fails its version check,
    /// [`Error::is_not_found`] (except for apply, which creates), [`Error::is_invalid`],
    /// [`Error::Request`] when `force` is used with anything but `Apply`, transport errors.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use k8s_openapi::api::apps::v1::Deployment;
    /// use kube_gen::client::{Client, Patch, PatchOptions};
    /// use serde_json::json;
    ///
    /// # async fn run(kube: kube::Client) -> Result<(), kube_gen::client::Error> {
    /// let deployments = Client::<Deployment>::namespaced(kube, "default").field_manager("my-controller");
    /// // Merge patch: set one label.
    /// let labels = json!({ "metadata": { "labels": { "tier": "web" } } });
    /// deployments.patch("web", &Patch::Merge(&labels), &PatchOptions::default()).await?;
    /// // Server-side apply: own `spec.replicas`, taking it over from whoever had it.
    /// let apply = json!({
    ///     "apiVersion": "apps/v1", "kind": "Deployment",
    ///     "metadata": { "name": "web" },
    ///     "spec": { "replicas": 3 },
    /// });
    /// deployments.patch("web", &Patch::Apply(&apply), &PatchOptions::default().force()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn patch<P>(
        &self,
        name: &str,
        patch: &Patch<P>,
        opts: &PatchOptions,
    ) -> Result<K, Error>
    where
        P: Serialize + Debug,
    {
        let params = opts.patch_params(&self.field_manager);
        Ok(self.api.patch(name, &params, patch).await?)
    }

    /// Deletes the object called `name`.
    ///
    /// Returns `Some(object)` when the object still exists after the call (it has
    /// finalizers, a grace period, or foreground deletion is waiting on dependents; its
    /// `metadata.deletionTimestamp` is set) and `None` when it is gone.
    ///
    /// # Errors
    ///
    /// [`Error::is_not_found`] when there is no such object, [`Error::is_conflict`] when a
    /// precondition ([`DeleteOptions::precondition_uid`],
    /// [`DeleteOptions::precondition_resource_version`]) does not hold, transport errors.
    pub async fn delete(&self, name: &str, opts: &DeleteOptions) -> Result<Option<K>, Error> {
        let deleted = self.api.delete(name, &opts.delete_params()).await?;
        Ok(deleted.left().filter(|obj| {
            // The server answers with the object both when it is still terminating and,
            // for some kinds, when it is already gone; only the former has a deletion time.
            obj.meta().deletion_timestamp.is_some()
        }))
    }

    /// Deletes every object the handle covers that matches `list`'s selectors.
    ///
    /// # Errors
    ///
    /// [`Error::is_forbidden`] without RBAC for `deletecollection`, [`Error::is_invalid`]
    /// for a malformed selector, transport errors.
    pub async fn delete_collection(
        &self,
        list: &ListOptions,
        opts: &DeleteOptions,
    ) -> Result<(), Error> {
        self.api
            .delete_collection(&opts.delete_params(), &list.list_params())
            .await?;
        Ok(())
    }
}

/// The `metadata.name` a write by name needs.
pub(super) fn name_of<'a, K: Resource>(obj: &'a K, verb: &'static str) -> Result<&'a str, Error> {
    obj.meta()
        .name
        .as_deref()
        .filter(|name| !name.is_empty())
        .ok_or(Error::MissingName { verb })
}
