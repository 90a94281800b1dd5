//! One cold informer sync (benchmark B1) of every ConfigMap or Foo in a
//! namespace, by kube-gen, by kube-rs, or as a raw LIST (the floor); then one
//! JSON line: time to synced, RSS before and after, peak RSS, object count.
//!
//! Each implementation runs with its defaults, the way a user gets it:
//! - `kube-gen`: [`Informer`], whose first LIST is `resourceVersion=0` with no
//!   limit (one response from the watch cache, as client-go's reflector gets),
//!   managedFields dropped before caching. ConfigMaps as protobuf (the default
//!   for built-in kinds, as in client-go), or as JSON with `--json`.
//! - `kube-rs`: `watcher` + `reflector`, `watcher::Config::default()`: meant as
//!   `resourceVersion=0` in pages of 500, but kube sends no `0` beside a limit, so
//!   it reads etcd in pages; objects cached whole.
//! - `kube-gen --cache metadata`: an informer of `PartialObjectMeta<K>` (client-go's
//!   metadata informer): the same lists, through the metadata API.
//! - `kube-gen --cache projection`: an informer of `Projected<K, P>`, caching the
//!   metadata and a small projection of the rest (a ConfigMap's data keys, a Foo's
//!   replicas).
//! - `raw-list`: the LIST requests only, pages of 500 read as text and only
//!   scanned for the continue token; `--resource-version 0` asks as client-go and
//!   kube-gen's informer do, in one request the watch cache answers whole. After
//!   the clock stops it also reports the floor of the memory
//!   figure: the compact JSON size of the objects without managedFields.
//!
//! Memory is reported twice: RSS (what the machine gives the process) and the live heap
//! (what the allocator has handed out and not taken back, the counterpart of the Go
//! heap client-go's side reports), each before the list and after the sync.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::PartialObjectMeta;
use kube::core::Request;
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client, Resource};
use kube_gen::informer::{Informer, Projected, Projection};
use sample_controller::foo::Foo;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::json;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Impl {
    KubeGen,
    KubeRs,
    RawList,
}

/// What kube-gen's informer caches.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
enum Cache {
    /// Whole objects (managedFields dropped).
    #[default]
    Full,
    /// `PartialObjectMeta<K>`, listed through the metadata API.
    Metadata,
    /// `Projected<K, P>`: metadata and a small projection.
    Projection,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    Configmaps,
    Foos,
}

#[derive(Debug, Parser)]
struct Args {
    #[arg(long = "impl", value_enum)]
    implementation: Impl,
    #[arg(long, value_enum)]
    kind: Kind,
    #[arg(long)]
    namespace: String,
    #[arg(long)]
    kubeconfig: PathBuf,
    /// For `raw-list`: the resourceVersion of the first page (none: a consistent read).
    #[arg(long)]
    resource_version: Option<String>,
    /// For `kube-gen`: what the informer caches.
    #[arg(long, value_enum, default_value_t)]
    cache: Cache,
    /// For `kube-gen`: list as JSON even where protobuf is available (built-in kinds).
    #[arg(long)]
    json: bool,
}

/// A ConfigMap's data keys, without the values.
#[derive(Debug, Clone)]
struct DataKeys(#[allow(dead_code)] Vec<String>);

impl Projection<ConfigMap> for DataKeys {
    fn project(cm: &ConfigMap) -> Self {
        DataKeys(cm.data.iter().flatten().map(|(k, _)| k.clone()).collect())
    }
}

/// A Foo's replicas.
#[derive(Debug, Clone)]
struct FooReplicas(#[allow(dead_code)] Option<i32>);

impl Projection<Foo> for FooReplicas {
    fn project(obj: &Foo) -> Self {
        FooReplicas(obj.spec.replicas)
    }
}

/// Objects per LIST page, the default of all three.
const PAGE_SIZE: u32 = 500;
const SYNC_TIMEOUT: Duration = Duration::from_secs(300);

/// What one sync measured, before the memory figures are added.
struct Synced {
    objects: usize,
    seconds: f64,
    /// `VmRSS`, `VmHWM` and the live heap right after the sync.
    rss_after: u64,
    peak_rss: u64,
    heap_after: u64,
    extra: serde_json::Value,
}

impl Synced {
    fn now(objects: usize, started: Instant) -> anyhow::Result<Synced> {
        Ok(Synced {
            objects,
            seconds: started.elapsed().as_secs_f64(),
            rss_after: rss_bytes()?,
            peak_rss: kube_gen_bench::peak_rss_bytes()?,
            heap_after: kube_gen_bench::live_heap_bytes(),
            extra: json!({}),
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let kubeconfig = Kubeconfig::read_from(&args.kubeconfig)?;
    let config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    // Each side's client as its users build it: kube-rs with kube's builder, kube-gen (and
    // the floor) with `kube_gen::client::connect`, which sets TCP_NODELAY.
    let client = match args.implementation {
        Impl::KubeRs => Client::try_from(config)?,
        Impl::KubeGen | Impl::RawList => kube_gen::client::connect::builder(config)?.build(),
    };
    if !args.json {
        Projected::<ConfigMap, DataKeys>::use_protobuf();
    }
    let rss_before = rss_bytes()?;
    let heap_before = kube_gen_bench::live_heap_bytes();
    let ns = args.namespace.as_str();
    let synced = match (args.implementation, args.kind, args.cache) {
        (Impl::KubeGen, Kind::Configmaps, Cache::Full) => {
            kube_gen::<ConfigMap>(client, ns, args.json).await?
        }
        (Impl::KubeGen, Kind::Foos, Cache::Full) => kube_gen::<Foo>(client, ns, args.json).await?,
        (Impl::KubeGen, Kind::Configmaps, Cache::Metadata) => {
            kube_gen::<PartialObjectMeta<ConfigMap>>(client, ns, args.json).await?
        }
        (Impl::KubeGen, Kind::Foos, Cache::Metadata) => {
            kube_gen::<PartialObjectMeta<Foo>>(client, ns, args.json).await?
        }
        (Impl::KubeGen, Kind::Configmaps, Cache::Projection) => {
            kube_gen::<Projected<ConfigMap, DataKeys>>(client, ns, args.json).await?
        }
        (Impl::KubeGen, Kind::Foos, Cache::Projection) => {
            kube_gen::<Projected<Foo, FooReplicas>>(client, ns, args.json).await?
        }
        (_, _, Cache::Metadata | Cache::Projection) => {
            anyhow::bail!("--cache is kube-gen's option")
        }
        (Impl::KubeRs, Kind::Configmaps, _) => kube_rs::<ConfigMap>(client, ns).await?,
        (Impl::KubeRs, Kind::Foos, _) => kube_rs::<Foo>(client, ns).await?,
        (Impl::RawList, Kind::Configmaps, _) => {
            raw_list::<ConfigMap>(client, ns, args.resource_version).await?
        }
        (Impl::RawList, Kind::Foos, _) => {
            raw_list::<Foo>(client, ns, args.resource_version).await?
        }
    };
    let mut result = json!({
        "impl": format!("{:?}", args.implementation),
        "objects": synced.objects,
        "synced_seconds": synced.seconds,
        "rss_before_bytes": rss_before,
        "rss_after_bytes": synced.rss_after,
        "peak_rss_bytes": synced.peak_rss,
        "heap_before_bytes": heap_before,
        "heap_after_bytes": synced.heap_after,
    });
    if let (Some(out), Some(extra)) = (result.as_object_mut(), synced.extra.as_object()) {
        out.extend(extra.clone());
    }
    kube_gen_bench::emit(&result);
    Ok(())
}

async fn kube_gen<K>(client: Client, ns: &str, json: bool) -> anyhow::Result<Synced>
where
    K: Resource<Scope = kube::core::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
    K::DynamicType: Default,
{
    let informer = Informer::builder(Api::<K>::namespaced(client, ns))
        .page_size(Some(PAGE_SIZE))
        .protobuf(!json)
        .build();
    let started = Instant::now();
    informer.start();
    informer.wait_for_cache_sync(SYNC_TIMEOUT).await?;
    let mut synced = Synced::now(informer.store().len(), started)?;
    synced.extra = json!({ "protobuf_responses": informer.stats().protobuf_responses });
    Ok(synced)
}

async fn kube_rs<K>(client: Client, ns: &str) -> anyhow::Result<Synced>
where
    K: Resource<Scope = kube::core::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
    K::DynamicType: Default + Clone + Eq + std::hash::Hash,
{
    let (store, writer) = reflector::store::<K>();
    let config = watcher::Config::default().page_size(PAGE_SIZE);
    let stream = watcher(Api::<K>::namespaced(client, ns), config)
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    let started = Instant::now();
    let task = tokio::spawn(stream.for_each(|_| std::future::ready(())));
    tokio::time::timeout(SYNC_TIMEOUT, store.wait_until_ready())
        .await
        .context("kube-rs store not ready in time")??;
    let synced = Synced::now(store.state().len(), started);
    task.abort();
    synced
}

/// The part of a list response the floor reads while the clock runs.
#[derive(serde::Deserialize)]
struct PageHead {
    metadata: ListMetaHead,
    items: Vec<IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct ListMetaHead {
    #[serde(rename = "continue", default)]
    continue_: Option<String>,
}

async fn raw_list<K>(client: Client, ns: &str, rv: Option<String>) -> anyhow::Result<Synced>
where
    K: Resource<Scope = kube::core::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    let request = Request::new(K::url_path(&K::DynamicType::default(), Some(ns)));
    // kube sends no resourceVersion "0" with a limit (it would read etcd in pages), and the
    // watch cache ignores the limit for "0": so "0" goes alone, as client-go's reflector
    // and kube-gen's informer send it.
    let mut params = ListParams::default();
    if rv.as_deref() != Some("0") {
        params = params.limit(PAGE_SIZE);
    }
    params.resource_version = rv;
    let (mut pages, mut objects) = (Vec::new(), 0);
    let started = Instant::now();
    loop {
        let text = client.request_text(request.list(&params)?).await?;
        let head: PageHead = serde_json::from_str(&text)?;
        objects += head.items.len();
        pages.push(text);
        match head.metadata.continue_ {
            Some(token) if !token.is_empty() => params.continue_token = Some(token),
            _ => break,
        }
        // Later pages carry their snapshot in the continue token; the apiserver refuses both.
        params.resource_version = None;
    }
    let mut synced = Synced::now(objects, started)?;
    synced.extra = json!({
        "pages": pages.len(),
        "object_json_bytes": object_json_bytes(&pages)?,
    });
    Ok(synced)
}

/// The floor of bytes per cached object: the compact JSON of each listed
/// object without `metadata.managedFields`, summed. A decoded object holds at
/// least its strings and numbers; JSON adds only field names and punctuation.
fn object_json_bytes(pages: &[String]) -> anyhow::Result<usize> {
    let mut total = 0;
    for page in pages {
        let list: serde_json::Value = serde_json::from_str(page)?;
        for mut item in list["items"].as_array().cloned().unwrap_or_default() {
            if let Some(meta) = item.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                meta.remove("managedFields");
            }
            total += serde_json::to_vec(&item)?.len();
        }
    }
    Ok(total)
}

/// Current resident set size (`VmRSS`) of this process, in bytes.
fn rss_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .context("no VmRSS in /proc/self/status")?;
    Ok(kib * 1024)
}
