//! Fills a namespace of its own with N objects for a case, fast (creates with 32 in
//! flight), and empties it afterwards with one delete-collection, so no namespace
//! deletion is still running in the background while the next case measures.

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, PostParams};
use kube::{Api, Client};

use super::Ctx;

/// Creates in flight at once: enough to keep the apiserver busy, few enough that its
/// max-in-flight limit never turns requests away.
const IN_FLIGHT: usize = 32;

/// A namespace filled with objects of one resource, kept until [`Seeded::clean_up`].
pub struct Seeded {
    pub namespace: String,
    api: Api<DynamicObject>,
    client: Client,
    runtime: tokio::runtime::Runtime,
}

/// Creates namespace `namespace` (if missing) and `n` objects of `resource`, made by
/// `make(i)`, in it. Objects are untyped so that xtask needs no resource's Rust type.
pub fn create(
    ctx: &Ctx,
    namespace: &str,
    n: usize,
    resource: &ApiResource,
    make: impl Fn(usize) -> DynamicObject,
) -> anyhow::Result<Seeded> {
    let runtime = tokio::runtime::Runtime::new()?;
    let client = runtime.block_on(kube_gen_tests::client_for(ctx.kubeconfig()))?;
    let started = std::time::Instant::now();
    let api = Api::namespaced_with(client.clone(), namespace, resource);
    runtime.block_on(async {
        let namespaces = Api::<Namespace>::all(client.clone());
        let mut ns = Namespace::default();
        ns.metadata.name = Some(namespace.to_owned());
        match namespaces.create(&PostParams::default(), &ns).await {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 409 => {}
            Err(e) => return Err(e).context("creating the benchmark namespace"),
        }
        futures::stream::iter((0..n).map(make))
            .map(|obj| {
                let api = api.clone();
                async move { api.create(&PostParams::default(), &obj).await }
            })
            .buffer_unordered(IN_FLIGHT)
            .try_for_each(|_| async { Ok(()) })
            .await
            .with_context(|| format!("creating {n} objects in {namespace}"))
    })?;
    crate::steps::say(&format!(
        "seeded {n} {} in {namespace} in {:.1?}",
        resource.plural,
        started.elapsed()
    ));
    Ok(Seeded {
        namespace: namespace.to_owned(),
        api,
        client,
        runtime,
    })
}

impl Seeded {
    /// Deletes every seeded object with one request, then the namespace.
    pub fn clean_up(self) -> anyhow::Result<()> {
        self.runtime.block_on(async {
            self.api
                .delete_collection(&DeleteParams::default(), &ListParams::default())
                .await
                .context("deleting the seeded objects")?;
            Api::<Namespace>::all(self.client.clone())
                .delete(&self.namespace, &DeleteParams::default())
                .await
                .context("deleting the benchmark namespace")?;
            Ok(())
        })
    }
}
