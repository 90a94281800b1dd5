//! List and watch the Pods of one namespace with an informer, and read them back through its
//! lister.
//!
//! The informer lists the Pods once, then watches them, keeping a local cache up to date; its
//! handlers print every add, phase change and delete. A lister reads that cache without asking
//! the API server: the example prints what it holds after the first sync, whenever it
//! changes, and on exit.
//!
//! Run it against the local control plane (or any cluster: the kubeconfig comes from
//! `$KUBECONFIG`, `~/.kube/config` or the pod's ServiceAccount, as kube infers it):
//!
//! ```text
//! # in a second terminal, from the workspace root: a local control plane
//! cargo xtask build-control-plane
//! target/control-plane/control-plane up --dir target/example-cluster --clean
//!
//! export KUBECONFIG=$PWD/target/example-cluster/kubeconfig
//! cargo run -p kube-gen --example pod_informer -- default
//! kubectl run web --image=nginx         # in a third one: add, Pending -> Running
//! kubectl delete pod web                # delete
//! ```
//!
//! The argument is the namespace (default `default`). Stop it with Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::{Api, ResourceExt};
use kube_gen::informer::{EventHandlerFns, Informer, key_for};
use kube_gen::lister::{LabelSelector, Lister};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namespace = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    let client = kube::Client::try_default().await?;

    // One list+watch of the namespace's Pods, cached as `Arc<Pod>`.
    let informer = Informer::builder(Api::<Pod>::namespaced(client, &namespace)).build();
    // Handlers run on a task of their own and must not block: print and return.
    informer.add_event_handler(
        EventHandlerFns::new()
            .on_add(|pod: Arc<Pod>| println!("add {} ({})", key_for(&*pod), phase(&pod)))
            .on_update(|old, new| {
                // Updates come for every change (and on resync): report phase changes only.
                if phase(&old) != phase(&new) {
                    println!(
                        "update {}: {} -> {}",
                        key_for(&*new),
                        phase(&old),
                        phase(&new)
                    );
                }
            })
            .on_delete(|pod| println!("delete {}", pod.key())),
    );
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(30))
        .await?;
    println!("synced: watching pods in {namespace}");

    let lister = informer.lister();
    let mut shown = report(&lister, &namespace);
    println!("lister: {shown}");
    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            stopped = &mut ctrl_c => break stopped?,
            _ = every_second.tick() => {
                let now = report(&lister, &namespace);
                if now != shown {
                    println!("lister: {now}");
                    shown = now;
                }
            }
        }
    }

    println!("stopping; the lister holds {}", report(&lister, &namespace));
    informer.shutdown().await;
    Ok(())
}

/// What the lister holds for `namespace`, e.g. `2 pod(s): api (Pending), web (Running)`;
/// read from the cache, not the API server.
fn report(lister: &Lister<Pod>, namespace: &str) -> String {
    let pods = lister
        .namespace(namespace)
        .list(&LabelSelector::everything());
    if pods.is_empty() {
        return "no pods".into();
    }
    let names: Vec<String> = pods
        .iter()
        .map(|pod| format!("{} ({})", pod.name_any(), phase(pod)))
        .collect();
    format!("{} pod(s): {}", pods.len(), names.join(", "))
}

/// The Pod's phase as its node reports it, `Pending` before it has a status.
fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|status| status.phase.as_deref())
        .unwrap_or("Pending")
}
