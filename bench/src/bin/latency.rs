//! B2, event latency: the writer and the Rust watchers.
//!
//! The writer merge-patches ConfigMaps, stamping each write with the wall
//! clock in Unix nanoseconds (`data.t`, taken just before the request is
//! sent) and its phase (`data.phase`): `steady` at a fixed rate, then `burst`
//! as fast as `--concurrency` requests in flight allow; then it creates the
//! ConfigMap `done`. Each watcher records, in its update handler, now − stamp,
//! and when it sees `done` (ordered after every write by resourceVersion)
//! prints p50/p99 per phase. The watchers run on the same machine as the
//! writer, so the clocks agree. `bench/go/latency` is the client-go watcher
//! and speaks the same protocol.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use futures::{StreamExt, TryStreamExt, stream};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use kube_gen::informer::{EventHandlerFns, Informer};
use serde_json::json;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    kubeconfig: std::path::PathBuf,
    #[arg(long)]
    namespace: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the namespace and `--objects` empty ConfigMaps `cm-N`.
    Prepare {
        #[arg(long, default_value_t = 100)]
        objects: usize,
    },
    /// Watch the namespace's ConfigMaps; print `synced`, then the result at `done`.
    Watch {
        #[arg(long, value_enum)]
        with: Watcher,
    },
    /// Write the steady phase, the burst, then `done`; print what was written.
    Write {
        #[arg(long, default_value_t = 100)]
        objects: usize,
        /// Updates per second in the steady phase.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Updates in the burst.
        #[arg(long, default_value_t = 10_000)]
        burst: usize,
        /// Requests in flight during the burst.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
    /// Delete the namespace and wait until it is gone.
    Cleanup,
}

#[derive(Clone, Copy, ValueEnum)]
enum Watcher {
    /// A kube-gen `Informer` with an update handler.
    KubeGen,
    /// kube-rs's `watcher` stream.
    KubeRs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = client_for(&args.kubeconfig).await?;
    let ns = args.namespace.as_str();
    match args.command {
        Command::Prepare { objects } => prepare(client, ns, objects).await,
        Command::Watch { with } => watch(client, ns, with).await,
        Command::Write {
            objects,
            rate,
            seconds,
            burst,
            concurrency,
        } => write(client, ns, objects, rate, seconds, burst, concurrency).await,
        Command::Cleanup => {
            kube_gen_bench::delete_namespace(client, ns, Duration::from_secs(600)).await
        }
    }
}

async fn client_for(path: &std::path::Path) -> anyhow::Result<Client> {
    let kubeconfig = kube::config::Kubeconfig::read_from(path)?;
    let options = kube::config::KubeConfigOptions::default();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?;
    Ok(Client::try_from(config)?)
}

async fn prepare(client: Client, ns: &str, objects: usize) -> anyhow::Result<()> {
    let namespace: Namespace = serde_json::from_value(json!({"metadata": {"name": ns}}))?;
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .with_context(|| format!("creating namespace {ns}"))?;
    let api = Api::<ConfigMap>::namespaced(client, ns);
    stream::iter(0..objects)
        .map(|i| {
            let api = api.clone();
            async move {
                let cm: ConfigMap =
                    serde_json::from_value(json!({"metadata": {"name": format!("cm-{i}")}}))?;
                api.create(&PostParams::default(), &cm).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<()>()
        .await
}

/// Latencies, in seconds, per phase.
#[derive(Default)]
struct Record {
    steady: Vec<f64>,
    burst: Vec<f64>,
    done: bool,
}

impl Record {
    /// Notes `cm` as seen now; returns true when it is the `done` marker.
    fn see(&mut self, cm: &ConfigMap) -> bool {
        let now = unix_nanos();
        if cm.name_any() == "done" {
            self.done = true;
            return true;
        }
        let data = cm.data.as_ref();
        let field = |k: &str| data.and_then(|d| d.get(k)).map(String::as_str);
        let Some(stamp) = field("t").and_then(|t| t.parse::<i128>().ok()) else {
            return false;
        };
        let seconds = (now - stamp) as f64 / 1e9;
        match field("phase") {
            Some("steady") => self.steady.push(seconds),
            Some("burst") => self.burst.push(seconds),
            _ => {}
        }
        false
    }

    fn result(&mut self) -> serde_json::Value {
        json!({"steady": summary(&mut self.steady), "burst": summary(&mut self.burst)})
    }
}

/// Count, p50 and p99 (nearest rank), as the Go side computes them.
fn summary(v: &mut [f64]) -> serde_json::Value {
    v.sort_by(f64::total_cmp);
    let q = |f: f64| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        let rank = (f * v.len() as f64).round() as usize;
        v[rank.clamp(1, v.len()) - 1]
    };
    json!({"count": v.len(), "p50": q(0.50), "p99": q(0.99)})
}

fn unix_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or_default()
}

async fn watch(client: Client, ns: &str, with: Watcher) -> anyhow::Result<()> {
    let api = Api::<ConfigMap>::namespaced(client, ns);
    let record = Arc::new(Mutex::new(Record::default()));
    match with {
        Watcher::KubeGen => {
            let informer = Informer::builder(api).resync_period(None).build();
            let (tx, mut rx) = tokio::sync::watch::channel(false);
            let (on_add, on_update) = (record.clone(), record.clone());
            let tx = Arc::new(tx);
            let tx2 = tx.clone();
            informer.add_event_handler(
                EventHandlerFns::new()
                    .on_add(move |cm: Arc<ConfigMap>| {
                        if lock(&on_add).see(&cm) {
                            let _ = tx.send(true);
                        }
                    })
                    .on_update(move |_old, cm: Arc<ConfigMap>| {
                        if lock(&on_update).see(&cm) {
                            let _ = tx2.send(true);
                        }
                    }),
            );
            informer.start();
            informer
                .wait_for_cache_sync(Duration::from_secs(60))
                .await?;
            println!("synced");
            rx.wait_for(|done| *done).await?;
            informer.shutdown().await;
        }
        Watcher::KubeRs => {
            let mut events = std::pin::pin!(watcher(api, watcher::Config::default()));
            while let Some(event) = events.try_next().await? {
                match event {
                    watcher::Event::InitDone => println!("synced"),
                    watcher::Event::Apply(cm) | watcher::Event::InitApply(cm)
                        if lock(&record).see(&cm) =>
                    {
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    let result = lock(&record).result();
    kube_gen_bench::emit(&result);
    Ok(())
}

fn lock(record: &Mutex<Record>) -> std::sync::MutexGuard<'_, Record> {
    record.lock().unwrap_or_else(|e| e.into_inner())
}

/// One stamped merge patch of `cm-{i % objects}`.
async fn stamp(api: &Api<ConfigMap>, i: usize, objects: usize, phase: &str) -> anyhow::Result<()> {
    let patch = json!({"data": {"phase": phase, "t": unix_nanos().to_string()}});
    api.patch(
        &format!("cm-{}", i % objects),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await?;
    Ok(())
}

async fn write(
    client: Client,
    ns: &str,
    objects: usize,
    rate: u32,
    seconds: u64,
    burst: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let api = Api::<ConfigMap>::namespaced(client, ns);
    // Steady: one write per tick, each on its own task so a slow response never
    // delays the next tick; missed ticks are caught up at once (Burst), which
    // holds the count per second.
    let steady_writes = (u64::from(rate) * seconds) as usize;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..steady_writes {
        tick.tick().await;
        let api = api.clone();
        tasks.spawn(async move { stamp(&api, i, objects, "steady").await });
    }
    let steady_seconds = started.elapsed().as_secs_f64();
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    // Burst: as fast as `concurrency` requests in flight go.
    let started = Instant::now();
    stream::iter(0..burst)
        .map(|i| {
            let api = api.clone();
            async move { stamp(&api, i, objects, "burst").await }
        })
        .buffer_unordered(concurrency)
        .try_collect::<()>()
        .await?;
    let burst_seconds = started.elapsed().as_secs_f64();
    let done: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "done"}}))?;
    api.create(&PostParams::default(), &done).await?;
    kube_gen_bench::emit(&json!({
        "steady_writes": steady_writes,
        "steady_rate": steady_writes as f64 / steady_seconds,
        "burst_writes": burst,
        "burst_rate": burst as f64 / burst_seconds,
    }));
    Ok(())
}
