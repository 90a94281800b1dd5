//! A shared informer factory feeding two consumers: both ask for ConfigMaps, and both are
//! served by one informer, one list+watch and one cache.
//!
//! `audit` logs every change of a ConfigMap; `inventory` keeps a lister and reports how many
//! keys the namespace's ConfigMaps hold. They know nothing of each other, as two controllers
//! of one program would not: each asks the factory for the informer it needs, and the factory
//! hands the second the informer it made for the first. The example prints how many
//! informers and watch requests served the two.
//!
//! Run it against the local control plane (or any cluster `$KUBECONFIG` names):
//!
//! ```text
//! # in a second terminal, from the workspace root: a local control plane
//! cargo xtask build-control-plane
//! target/control-plane/control-plane up --dir target/example-cluster --clean
//!
//! export KUBECONFIG=$PWD/target/example-cluster/kubeconfig
//! cargo run -p kube-gen --example shared_factory -- default
//! kubectl create configmap settings --from-literal=mode=fast   # in a third one
//! ```
//!
//! The argument is the namespace (default `default`). Stop it with Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube_gen::informer::{EventHandlerFns, SharedInformerFactory, key_for};
use kube_gen::lister::{LabelSelector, Lister};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namespace = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    let client = kube::Client::try_default().await?;
    // Every informer this factory makes watches `namespace` only.
    let factory = SharedInformerFactory::builder(client)
        .namespace(&namespace)
        .build();

    // Consumers ask for informers before the factory starts them.
    audit(&factory);
    let inventory = inventory(&factory);
    factory.start();
    factory.wait_for_cache_sync(Duration::from_secs(30)).await?;
    println!("synced: {} informer(s) for 2 consumers", factory.len());

    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    let mut shown = String::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            stopped = &mut ctrl_c => break stopped?,
            _ = every_second.tick() => {
                let now = count_keys(&inventory);
                if now != shown {
                    println!("[inventory] {now}");
                    shown = now;
                }
            }
        }
    }
    // Counted once the watch has started (after the list); a watch resumed after an
    // error would count again.
    println!(
        "stopping: {} informer(s) and {} watch request(s) served 2 consumers",
        factory.len(),
        factory.watches_started()
    );
    factory.shutdown().await;
    Ok(())
}

/// The first consumer: a handler that logs every ConfigMap change.
fn audit(factory: &SharedInformerFactory) {
    factory.informer::<ConfigMap>().add_event_handler(
        EventHandlerFns::new()
            .on_add(|cm: Arc<ConfigMap>| println!("[audit] add {}", key_for(&*cm)))
            .on_update(|_, cm| println!("[audit] update {}", key_for(&*cm)))
            .on_delete(|cm| println!("[audit] delete {}", cm.key())),
    );
}

/// The second consumer: a lister over the same type, which the factory serves from the
/// informer it already made for `audit`.
fn inventory(factory: &SharedInformerFactory) -> Lister<ConfigMap> {
    factory.informer::<ConfigMap>().lister()
}

/// How many keys the cached ConfigMaps hold, e.g. `2 config map(s), 3 key(s): ns/a=1, ns/b=2`.
fn count_keys(lister: &Lister<ConfigMap>) -> String {
    let config_maps = lister.list(&LabelSelector::everything());
    if config_maps.is_empty() {
        return "no config maps".into();
    }
    let keys = |cm: &ConfigMap| cm.data.as_ref().map_or(0, |data| data.len());
    let sizes: Vec<String> = config_maps
        .iter()
        .map(|cm| format!("{}={}", key_for(&**cm), keys(cm)))
        .collect();
    let total: usize = config_maps.iter().map(|cm| keys(cm)).sum();
    format!(
        "{} config map(s), {total} key(s): {}",
        config_maps.len(),
        sizes.join(", ")
    )
}
