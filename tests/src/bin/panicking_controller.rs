//! A small controller built on kube-gen that panics on request, for R11 (`tests/e2e/reliability_panics.rs`).
//!
//! `panicking_controller KUBECONFIG NAMESPACE` copies every ConfigMap labelled
//! `role=source` in NAMESPACE to a ConfigMap `NAME-copy` (label `role=copy`) with the same
//! data: an informer, an event handler that enqueues keys, a work queue and two workers,
//! as in kube-gen's quick start. A source labelled `panic-in=handler` makes the event
//! handler panic; `panic-in=worker` makes the worker's sync panic. Panics go to kube-gen's
//! default crash handler, which logs one line and exits with status 2. Logs are text, to
//! stderr.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, ObjectMeta, Patch, PatchParams};
use kube_gen::informer::{EventHandlerFns, Informer, key_for, split_key};
use kube_gen::lister::Lister;
use kube_gen::workqueue::WorkQueue;

/// The label that asks for a panic, and where.
const PANIC_IN: &str = "panic-in";
const WORKERS: usize = 2;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let mut args = std::env::args().skip(1);
    let (Some(kubeconfig), Some(namespace), None) = (args.next(), args.next(), args.next()) else {
        bail!("usage: panicking_controller KUBECONFIG NAMESPACE");
    };
    let client = kube_gen_tests::client_for(kubeconfig.as_ref()).await?;
    let informer = Informer::builder(Api::<ConfigMap>::namespaced(client.clone(), &namespace))
        .labels("role=source")
        .build();
    let queue = WorkQueue::<String>::builder().name("sources").build();
    let (on_add, on_update) = (queue.clone(), queue.clone());
    informer.add_event_handler(
        EventHandlerFns::new()
            .on_add(move |source: Arc<ConfigMap>| {
                panic_if_asked(&source, "handler");
                on_add.add(key_for(&*source));
            })
            .on_update(move |_, source: Arc<ConfigMap>| {
                panic_if_asked(&source, "handler");
                on_update.add(key_for(&*source));
            }),
    );
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(60))
        .await
        .context("the cache did not sync")?;
    tracing::info!("cache synced; starting {WORKERS} workers");

    let copies = Api::<ConfigMap>::namespaced(client, &namespace);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..WORKERS {
        let (queue, lister, copies) = (queue.clone(), informer.lister(), copies.clone());
        workers.spawn(async move {
            while let Some(key) = queue.get().await {
                let sync = sync(&lister, &copies, &key);
                let site = || format!("worker syncing configmap {key:?}");
                match kube_gen::crash::catch_future(site, sync).await {
                    Some(Ok(())) => queue.forget(&key),
                    Some(Err(err)) => {
                        tracing::warn!(key, "sync failed, retrying: {err:#}");
                        queue.add_rate_limited(key.clone());
                    }
                    // The crash handler returned (not the default): retry.
                    None => queue.add_rate_limited(key.clone()),
                }
                queue.done(&key);
            }
        });
    }
    workers.join_all().await;
    Ok(())
}

/// Panics if `source` asks for a panic `here`.
fn panic_if_asked(source: &ConfigMap, here: &str) {
    if source.labels().get(PANIC_IN).map(String::as_str) == Some(here) {
        panic!(
            "the {here} was asked to panic by ConfigMap {}",
            key_for(source)
        );
    }
}

/// Writes `NAME-copy` with the data of source `key`, unless the source is gone.
async fn sync(
    lister: &Lister<ConfigMap>,
    copies: &Api<ConfigMap>,
    key: &str,
) -> anyhow::Result<()> {
    let (namespace, name) = split_key(key)?;
    let Some(source) = lister.get(namespace, name) else {
        return Ok(());
    };
    panic_if_asked(&source, "worker");
    let copy = ConfigMap {
        metadata: ObjectMeta {
            name: Some(format!("{name}-copy")),
            labels: Some(BTreeMap::from([("role".to_owned(), "copy".to_owned())])),
            ..ObjectMeta::default()
        },
        data: source.data.clone(),
        ..ConfigMap::default()
    };
    let params = PatchParams::apply("panicking-controller").force();
    copies
        .patch(&format!("{name}-copy"), &params, &Patch::Apply(&copy))
        .await
        .with_context(|| format!("writing {name}-copy"))?;
    tracing::info!(key, "synced");
    Ok(())
}
