//! The typed client's reads: `get`, `list` (with selectors and pages) and `watch`.

use std::fmt::Debug;

use futures::{Stream, StreamExt};
use kube::Resource;
use kube::core::{ObjectList, WatchEvent};
use serde::de::DeserializeOwned;

use super::{Client, Error, ListOptions, ObjectScope, Scope};

impl<K, S> Client<K, S>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    S: Scope,
{
    /// Lists the objects this handle covers, filtered and paginated by `opts`.
    ///
    /// With [`ListOptions::limit`] the server returns one page; pass the returned
    /// `metadata.continue_` to [`ListOptions::continue_token`] for the next, until it is
    /// `None`.
    ///
    /// # Errors
    ///
    /// [`Error::is_gone`] or [`Error::is_resource_expired`] when a continue token has
    /// expired (start again without one), [`Error::is_forbidden`] without RBAC for `list`,
    /// and transport errors.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use k8s_openapi::api::core::v1::ConfigMap;
    /// use kube_gen::client::{Client, ListOptions};
    ///
    /// # async fn run(kube: kube::Client) -> Result<(), kube_gen::client::Error> {
    /// let config_maps = Client::<ConfigMap>::namespaced(kube, "default");
    /// let mut opts = ListOptions::default().labels("app=web").limit(100);
    /// loop {
    ///     let page = config_maps.list(&opts).await?;
    ///     for cm in &page.items {
    ///         println!("{:?}", cm.metadata.name);
    ///     }
    ///     match page.metadata.continue_.as_deref() {
    ///         Some(token) if !token.is_empty() => opts = opts.continue_token(token),
    ///         _ => break,
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, opts: &ListOptions) -> Result<ObjectList<K>, Error> {
        Ok(self.api.list(&opts.list_params()).await?)
    }

    /// Watches the objects this handle covers, as a stream of `Added`, `Modified`,
    /// `Deleted` and `Bookmark` events.
    ///
    /// Without [`ListOptions::resource_version`] the server first sends the current objects
    /// as `Added`. A watch ends when the server closes it (see
    /// [`ListOptions::timeout_seconds`]); start a new one after the last version seen, or
    /// use an informer, which does that for you. An error the server sends inside the
    /// stream (`WatchEvent::Error`) is turned into an `Err` item, so
    /// [`Error::is_gone`] tells you to relist.
    ///
    /// # Errors
    ///
    /// The call fails like [`list`](Client::list) when the watch cannot start; the stream's
    /// items fail with transport errors, or with [`Error::is_gone`] when the requested
    /// version is too old.
    pub async fn watch(
        &self,
        opts: &ListOptions,
    ) -> Result<impl Stream<Item = Result<WatchEvent<K>, Error>> + Send + use<K, S>, Error>
    where
        K: Send + 'static,
    {
        let stream = self
            .api
            .watch(&opts.watch_params(), opts.watch_version())
            .await?;
        Ok(stream.map(|item| match item {
            Ok(WatchEvent::Error(status)) => Err(Error::Api(status)),
            Ok(event) => Ok(event),
            Err(err) => Err(Error::from(err)),
        }))
    }
}

impl<K, S> Client<K, S>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    S: ObjectScope,
{
    /// Reads the object called `name`.
    ///
    /// # Errors
    ///
    /// [`Error::is_not_found`] when there is no such object, [`Error::is_forbidden`]
    /// without RBAC for `get`, and transport errors.
    pub async fn get(&self, name: &str) -> Result<K, Error> {
        Ok(self.api.get(name).await?)
    }
}
